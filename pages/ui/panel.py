"""The event side panel: everything about one event, its claims side by side with their
verbatim excerpts, and links to the archived sources.

All data text is escaped (pages.ui.html_safe) before it reaches st.html / st.markdown.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from events import status as ev_status
from events import vocab

from . import fmt, share, state
from .html_safe import md, safe, safe_lines

STANCE_LABELS = {
    "asserts": "asserts",
    "denies": "denies",
    "counters": "counters",
    "acknowledges": "acknowledges",
    "corroborates": "corroborates",
}
STANCE_HELP = {
    "asserts": "says the event happened as described",
    "denies": "says it did not happen",
    "counters": "agrees something happened but gives a different account",
    "acknowledges": "the party the event concerns accepts that it happened",
    "corroborates": "independent evidence supports it (imagery, on-site reporting, a monitor's own sources)",
}

CSS = """
<style>
.ev-badge { display: inline-block; padding: 1px 9px; border-radius: 10px; color: #fff;
            font-weight: 600; font-size: .85rem; letter-spacing: .01em; }
.ev-badge.claimed, .ev-badge.confirmed, .ev-badge.denied { color: #fff; }
.ev-badge.disputed { color: #1F2328; }
.ev-type { color: #4B5563; font-size: .85rem; margin-left: .4rem; }
.ev-title { font-size: 1.3rem; font-weight: 700; line-height: 1.3; margin: .35rem 0 .25rem; }
.ev-summary { color: #374151; margin-bottom: .4rem; }
.ev-override { font-size: .85rem; color: #4B5563; border-left: 3px solid #9CA3AF; padding-left: .5rem;
               margin: .25rem 0 .5rem; }
.ev-facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem .75rem; font-size: .92rem;
            margin: .3rem 0 .4rem; }
/* Data may hold long unbroken strings (addresses, markup, a 10,000-character word): wrap them
   anywhere rather than push the panel off the screen. */
.ev-title, .ev-summary, .ev-override, .ev-facts dd, .claim-card, blockquote.excerpt, .src-text, .ev-facts {
            overflow-wrap: anywhere; }
.ev-facts dt { color: #6B7280; font-weight: 600; }
.ev-facts dd { margin: 0; }
.ev-muted { color: #6B7280; font-size: .85rem; }
.claim-card { border: 1px solid #E5E7EB; border-radius: 6px; padding: .5rem .65rem; background: #FAFAFA;
              margin-bottom: .35rem; }
.claim-head { font-weight: 700; }
.stance { display: inline-block; font-size: .75rem; font-weight: 700; padding: 0 6px; border-radius: 8px;
          border: 1px solid #9CA3AF; color: #374151; background: #fff; margin-left: .3rem; text-transform: uppercase; }
.stance.denies { border-color: #D55E00; color: #A34700; }
.stance.counters { border-color: #E69F00; color: #8A5F00; }
.stance.acknowledges, .stance.corroborates { border-color: #009E73; color: #006B4E; }
.ev-why { font-size: .85rem; color: #374151; margin: .15rem 0 .35rem; }
.stance.asserts { border-color: #0072B2; color: #005080; }
.claim-meta { color: #4B5563; font-size: .82rem; margin-top: .1rem; }
blockquote.excerpt { margin: .4rem 0; padding: .25rem .6rem; border-left: 3px solid #0072B2;
                     background: #fff; font-style: italic; color: #1F2328; font-size: .9rem; }
mark.ex { background: #FFE9A8; padding: 0 1px; }
mark.ex-hl { background: #FFC94D; outline: 2px solid #E69F00; padding: 0 1px; }
.src-text { font-family: Georgia, 'Times New Roman', serif; line-height: 1.55; font-size: .98rem;
            background: #fff; border: 1px solid #E5E7EB; border-radius: 6px; padding: .75rem 1rem;
            max-height: 32rem; overflow-y: auto; }
.lg-strip { display: flex; flex-wrap: wrap; gap: .15rem .9rem; align-items: center; font-size: .8rem;
            color: #374151; margin-top: .1rem; }
.lg-glyph { font-size: 15px; line-height: 1; display: inline-block; width: 16px; text-align: center; }
.lg-strip .lg-title { font-weight: 700; color: #1F2328; }
.lg-strip .lg-row { display: inline-flex; align-items: center; gap: 4px; }
.lg-strip .lg-swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block;
                       border: 1px solid rgba(0,0,0,.35); }
.lg-strip .lg-circle { width: 12px; height: 12px; border-radius: 50%; border: 1.5px solid #6B7280;
                       background: rgba(107,114,128,.12); display: inline-block; }
.lg-strip .lg-claim { width: 8px; height: 8px; border-radius: 50%; border: 2px dashed #6B7280; background: #fff;
                      display: inline-block; }
.lg-strip .lg-line { width: 14px; border-top: 2px dashed #6B7280; display: inline-block; margin-left: -5px; }
.lg-strip .lg-cluster { width: 16px; height: 16px; border-radius: 50%; background: #374151; color: #fff;
                        font-size: 10px; text-align: center; line-height: 16px; }
</style>
"""


def inject_css() -> None:
    st.html(CSS)


def status_badge(status: Any) -> str:
    s = fmt.text(status)
    return (
        f'<span class="ev-badge {safe(s)}" style="background:{safe(fmt.status_colour(s))}">'
        f"{safe(fmt.status_label(s))}</span>"
    )


def _names(view: state.View, ids: Any) -> str:
    return ", ".join(view.actor(a) for a in fmt.as_tuple(ids)) or "—"


def _source_line(view: state.View, source_id: str) -> str:
    rec = view.ds.sources.get(source_id)
    if rec is None:
        return safe(source_id) if source_id else ""
    meta = rec.meta
    date = fmt.date_label(meta.published, None, getattr(meta, "published_precision", "day"))
    outlet = view.actor(meta.outlet)
    return f"{safe(outlet)} · {safe(date)} · <i>{safe(meta.title)}</i>"


def _external_link(view: state.View, source_id: str) -> str:
    rec = view.ds.sources.get(source_id)
    url = getattr(getattr(rec, "meta", None), "url", None) if rec else None
    if url and str(url).startswith(("http://", "https://")):
        return f' · <a href="{safe(url)}" target="_blank" rel="noopener noreferrer">original</a>'
    return ""


def claim_card_html(view: state.View, claim: dict, event_row: dict) -> str:
    claimant = view.actor(claim["claimant"])
    stance = fmt.text(claim.get("stance"))
    parts = [
        '<div class="claim-card">',
        f'<div class="claim-head">{safe(claimant)}'
        f'<span class="stance {safe(stance)}" title="{safe(STANCE_HELP.get(stance, ""))}">'
        f"{safe(STANCE_LABELS.get(stance, stance))}</span></div>",
    ]
    src = _source_line(view, fmt.text(claim.get("source_id")))
    if src:
        parts.append(f'<div class="claim-meta">{src}{_external_link(view, fmt.text(claim.get("source_id")))}</div>')
    via = fmt.as_tuple(claim.get("via"))
    if via:
        parts.append(f'<div class="claim-meta">via {safe(_names(view, via))}</div>')
    for ex in fmt.as_tuple(claim.get("excerpts")):
        parts.append(f'<blockquote class="excerpt">“{safe_lines(ex)}”</blockquote>')
    if fmt.text(claim.get("place_text")) or fmt.has_coords(claim):
        where = fmt.text(claim.get("place_text")) or "a place"
        extra = []
        p = fmt.precision_int(claim.get("precision"))
        if p:
            extra.append(f"precision {fmt.precision_label(p)}")
        r = fmt.radius_km(claim)
        if r and fmt.has_coords(claim):
            extra.append(f"±{r:g} km")
        if fmt.has_coords(claim) and fmt.has_coords(event_row):
            d = fmt.km_between(float(event_row["lat"]), float(event_row["lon"]), float(claim["lat"]), float(claim["lon"]))
            if d >= 1:
                extra.append(f"{d:.0f} km from the event's place")
        tail = f" ({'; '.join(extra)})" if extra else ""
        parts.append(f'<div class="claim-meta"><b>Place per this claim:</b> {safe(where)}{safe(tail)}</div>')
    if not fmt.is_missing(claim.get("date_start")):
        parts.append(
            f'<div class="claim-meta"><b>Date per this claim:</b> '
            f'{safe(fmt.date_label(claim.get("date_start"), claim.get("date_end"), claim.get("date_precision")))}</div>'
        )
    if fmt.text(claim.get("fatalities_text")):
        parts.append(f'<div class="claim-meta"><b>Fatalities per this claim:</b> {safe(claim["fatalities_text"])}</div>')
    if fmt.text(claim.get("note")):
        parts.append(f'<div class="claim-meta">Note: {safe(claim["note"])}</div>')
    parts.append("</div>")
    return "".join(parts)


def status_why(view: state.View, event_id: str) -> str:
    """Why the claims give the event its status, in words ("corroborated by Stratfor; denied by
    Russian Defence Ministry"); "" when a stance is unknown (an import's own code)."""
    claims = view.claims_of(event_id)
    try:
        return ev_status.explain((view.actor(a), s) for a, s in zip(claims["claimant"], claims["stance"]))
    except ValueError:
        return ""


def event_header_html(view: state.View, row: dict) -> str:
    parts = [
        f'<div>{status_badge(row.get("status"))}<span class="ev-type">{safe(fmt.type_label(row.get("event_type")))}</span></div>',
        f'<div class="ev-title">{safe(fmt.text(row.get("title"), "Untitled event"))}</div>',
    ]
    why = status_why(view, fmt.text(row.get("id")))
    if why:
        derived = fmt.text(row.get("status_derived")) or fmt.text(row.get("status"))
        parts.append(f'<div class="ev-why"><b>{safe(fmt.status_label(derived))}:</b> {safe(why)}</div>')
    reason = fmt.text(row.get("status_reason"))
    derived = fmt.text(row.get("status_derived"))
    if reason:
        parts.append(
            f'<div class="ev-override"><b>Status set by the curator</b>'
            f'{" (the claims alone give " + safe(fmt.status_label(derived)) + ")" if derived and derived != fmt.text(row.get("status")) else ""}: '
            f"{safe_lines(reason)}</div>"
        )
    if fmt.text(row.get("summary")):
        parts.append(f'<div class="ev-summary">{safe_lines(row["summary"])}</div>')

    facts: list[tuple[str, str]] = []
    dates = fmt.date_label(row.get("date_start"), row.get("date_end"), row.get("date_precision"))
    qual = [q for q in (fmt.text(row.get("date_precision")) and f"{row['date_precision']} precision",
                        fmt.text(row.get("date_basis")) and f"date {row['date_basis']}") if q]
    d = safe(dates) + (f' <span class="ev-muted">({safe(", ".join(qual))})</span>' if qual else "")
    if fmt.text(row.get("date_note")):
        d += f'<br><span class="ev-muted">{safe(row["date_note"])}</span>'
    facts.append(("When", d))

    place = safe(fmt.place_label(row))
    src_words = fmt.text(row.get("place_text"))
    if src_words and src_words != fmt.text(row.get("place_name")):
        place = f"“{safe(src_words)}” → {place}" if fmt.text(row.get("place_name")) else f"“{safe(src_words)}”"
    pbits = []
    if fmt.precision_int(row.get("precision")):
        pbits.append(f"precision {fmt.precision_label(row.get('precision'))}")
    r = fmt.radius_km(row)
    if r and fmt.has_coords(row):
        pbits.append(f"±{r:g} km")
    if not fmt.has_coords(row):
        pbits.append("not located on the map")
    if pbits:
        place += f'<br><span class="ev-muted">{safe("; ".join(pbits))}</span>'
    facts.append(("Where", place))
    facts.append(("Participants", safe(_names(view, row.get("participants")))))
    tolls = [t for t in fmt.text(row.get("fatalities_text")).split("; ") if t]
    facts.append(("Fatalities", "<br>".join(safe(t) for t in tolls) if tolls else '<span class="ev-muted">no figure given</span>'))
    matched = state.roles_text(view, fmt.text(row.get("id")))
    if matched:
        facts.append(("Actor filter", safe(matched)))
    parts.append('<dl class="ev-facts">' + "".join(f"<dt>{safe(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    return "".join(parts)


def render_event(view: state.View, event_id: str | None, *, key: str = "panel", show_map_button: bool = False) -> None:
    """The side panel for one event (or a hint when none is selected)."""
    if event_id is None:
        st.info("Select an event — click a marker on the map, a row of the table or a bar of the timeline — "
                "to see its claims and excerpts here.", icon=":material/touch_app:")
        return
    row_s = view.event(event_id)
    if row_s is None:
        st.warning(f"Event {md(event_id)} is not in this dataset.")
        return
    row = row_s.to_dict()
    if not view.selected_shown and view.selected_id == event_id:
        st.caption("This event is hidden by the current filters.")
    st.html(event_header_html(view, row))

    claims = view.claims_of(event_id)
    st.markdown(f"**Claims ({len(claims)})**")
    records = claims.to_dict("records")
    per_row = 2 if len(records) > 1 else 1
    for i in range(0, len(records), per_row):
        cols = st.columns(per_row)
        for col, claim in zip(cols, records[i : i + per_row]):
            with col:
                st.html(claim_card_html(view, claim, row))
                sid = fmt.text(claim.get("source_id"))
                if sid and sid in view.ds.sources:
                    st.page_link(
                        "pages/sources.py",
                        label="Archived source, excerpt highlighted",
                        icon=":material/article:",
                        query_params={"source": sid, "hl": f"{event_id}/{claim['claim_id']}"},
                    )

    from . import nearby  # noqa: PLC0415 - nearby imports the dataset store (pages.ui.datasets)

    nearby.render(view, row)

    link = state.event_link(event_id, view.filters)
    st.caption("Link to this event")
    share.copy_button(link, key=f"{key}-event-link", label="Copy event link", show=True, what="the link to this event")

    cols_btn = st.columns(2 if show_map_button else 1)
    if cols_btn[0].button("Clear selection", key=f"{key}-clear", width="stretch"):
        state.select(None)
        st.rerun()
    if show_map_button and cols_btn[1].button("Show on map", key=f"{key}-map", width="stretch", type="primary"):
        st.switch_page("pages/map.py")


def claims_frame(view: state.View, event_id: str) -> pd.DataFrame:
    return view.claims_of(event_id)


__all__ = ["render_event", "inject_css", "status_badge", "claim_card_html", "event_header_html", "vocab"]
