"""Sources page: each archived article with its metadata and its excerpts highlighted, linking to
the events that quote it. ``?source=<id>`` opens one source; ``&hl=<event id>/<claim id>`` marks
that claim's excerpts more strongly."""
from __future__ import annotations

import streamlit as st

from pages.ui import fmt, shell, state
from pages.ui.highlight import highlight_html
from pages.ui.html_safe import md, safe

view = shell.page_view()
ds = view.ds

st.subheader("Sources")

if not ds.sources:
    st.info("This dataset has no archived source texts (imported datasets keep their source notes in the "
            "claims' excerpts, shown in each event's side panel).")


def show_sources() -> None:
    """Every archived source with its metadata, the events quoting it and its excerpts marked."""
    claims = ds.claims
    titles = dict(zip(ds.events["id"], ds.events["title"]))

    # ---- parameters of this page
    want = st.query_params.get("source")
    hl = st.query_params.get("hl")
    if want is not None and want not in ds.sources:
        st.warning(f"Source {md(repr(want[:60]))} is not in this dataset; showing all sources.", icon=":material/warning:")
        want = None
    hl_event, hl_claim = (hl.split("/", 1) + [""])[:2] if hl and "/" in hl else (None, None)
    if hl and hl_event is None:
        st.warning(f"Ignored the highlight {md(repr(hl[:60]))}: expected EVENT-ID/CLAIM-ID.", icon=":material/warning:")

    shown_ids = set(view.shown["id"])
    quoted_by_shown = set(claims.loc[claims["event_id"].isin(shown_ids), "source_id"])
    only_shown = st.toggle(
        "Only sources quoted by the events shown",
        value=view.filters.active,
        help="Follows the sidebar filters; switch off to list every archived source.",
        key="sources_only_shown",
    )
    ids = sorted(ds.sources, key=lambda s: (ds.sources[s].meta.published, s))
    if only_shown:
        ids = [s for s in ids if s in quoted_by_shown]
    if want is not None:
        ids = [want] + [s for s in ids if s != want]
        c1, c2 = st.columns([4, 1])
        c1.caption("Opened from an event's claim: the highlighted passage is that claim's excerpt.")
        if c2.button("Show all sources", key="sources_all", width="stretch"):
            for k in ("source", "hl"):
                if k in st.query_params:
                    del st.query_params[k]
            st.rerun()
    st.caption(f"{len(ids)} of {len(ds.sources)} archived sources. Highlighted: every passage quoted as an excerpt.")

    def _actor(a: str) -> str:
        return view.actor(a)

    for sid in ids:
        rec = ds.sources[sid]
        meta = rec.meta
        published = fmt.date_label(meta.published, None, getattr(meta, "published_precision", "day"))
        label = f"{meta.title} — {_actor(meta.outlet)}, {published}"
        quoting = claims[claims["source_id"] == sid]
        with st.expander(md(label), expanded=(sid == want)):
            facts = [
                ("Outlet", safe(_actor(meta.outlet))),
                ("Published", safe(published) + (
                    f' <span class="ev-muted">({safe(meta.published_precision)} precision, date {safe(meta.published_basis)})</span>'
                    if getattr(meta, "published_basis", "stated") != "stated" or getattr(meta, "published_precision", "day") != "day"
                    else "")),
            ]
            if getattr(meta, "published_note", ""):
                facts.append(("Date note", safe(meta.published_note)))
            if meta.agencies:
                facts.append(("Citing", safe(", ".join(_actor(a) for a in meta.agencies))))
            if meta.url and str(meta.url).startswith(("http://", "https://")):
                facts.append(("Address", f'<a href="{safe(meta.url)}" target="_blank" rel="noopener noreferrer">{safe(meta.url)}</a>'))
            facts.append(("Language", safe(meta.language)))
            if meta.note:
                facts.append(("Note", safe(meta.note)))
            facts.append(("Source id", safe(sid)))
            st.html('<dl class="ev-facts">' + "".join(f"<dt>{safe(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")

            # Events quoting this source: one button each selects the event and opens the map.
            st.markdown(f"**Quoted by {quoting['event_id'].nunique()} event{'s' if quoting['event_id'].nunique() != 1 else ''}**")
            for eid in dict.fromkeys(quoting["event_id"]):
                who = ", ".join(dict.fromkeys(_actor(c) for c in quoting.loc[quoting["event_id"] == eid, "claimant"]))
                if st.button(f"{md(titles.get(eid, eid))} · {md(who)}", key=f"src-{sid}-{eid}", icon=":material/map:"):
                    state.select(eid)
                    st.switch_page("pages/map.py")

            marks = []
            for c in quoting.to_dict("records"):
                strong = c["event_id"] == hl_event and c["claim_id"] == hl_claim
                for ex in fmt.as_tuple(c.get("excerpts")):
                    marks.append((ex, "ex-hl" if strong else "ex"))
            marks.sort(key=lambda m: m[1] != "ex-hl")  # the highlighted claim's class wins overlaps
            body, missing = highlight_html(rec.text, marks)
            st.html(f'<div class="src-text">{body}</div>')
            if missing:
                st.caption(f"{len(missing)} excerpt(s) could not be located in this text.")


if ds.sources:  # (no st.stop(): the shell draws the footer after the page)
    show_sources()
