"""Claims beside independent records: in an event's side panel, "Records nearby in other datasets".

For each other dataset in the store (events.store: the imported ACLED / UCDP GED / TimeMap
datasets), the records whose place lies within the event's uncertainty radius plus a margin and
whose dates overlap the event's date range plus a margin, nearest first. Each shows its date,
place, distance, fatalities and source text, with a link that opens it in its own dataset.
Margins are adjustable (and shown); every data string is escaped.

The search: the engine of the other dataset keeps the records overlapping the widened dates in
a box around the widened circle (events.engine.Engine.in_view), then the exact distance (geopy
geodesic, pages.ui.mapview.geometry.km_between) decides."""
from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from events import store
from events.engine import Bounds, engine_of
from events.filters import Filters

from . import fmt, state
from .datasets import URL_KEY, _stamp, load_stored_cached
from .html_safe import md, safe
from .mapview.geometry import km_between

MAX_SHOWN = 8  # per dataset; the count says how many there are
COLUMNS = ["id", "title", "summary", "date_start", "date_end", "place_text", "place_name", "lat", "lon",
           "fatalities_best", "fatalities_text"]


def find(ds_other, lat: float, lon: float, radius_km: float, start: dt.date, end: dt.date,
         limit: int = 5000) -> pd.DataFrame:
    """Records of `ds_other` within `radius_km` of (lat, lon) whose dates overlap [start, end];
    a ``km`` column, nearest first."""
    eng = engine_of(ds_other)
    dlat = radius_km / 111.0
    dlon = radius_km / max(1e-6, 111.0 * math.cos(math.radians(lat)))
    box = Bounds(lat - dlat, lon - dlon, lat + dlat, lon + dlon)
    cols = [c for c in COLUMNS if c in eng.columns]
    rows = eng.in_view(Filters(date_from=start, date_to=end), box, cols, limit)
    if rows.empty:
        return rows.assign(km=pd.Series(dtype=float))
    rows = rows.copy()
    rows["km"] = [km_between(lat, lon, float(a), float(b)) for a, b in zip(rows["lat"], rows["lon"])]
    return rows[rows["km"] <= radius_km].sort_values(["km", "date_start"]).reset_index(drop=True)


def _link(slug: str, event_id: str) -> str:
    return f"{state.app_base_url() or '/'}?{urlencode({URL_KEY: slug, 'event': event_id})}"


def source_text(ds_other, event_id: str) -> str:
    """The record's first verbatim excerpt (its claims' source text), '' when it has none."""
    try:
        claims = engine_of(ds_other).claims_of([event_id], ["event_id", "excerpts"])
    except Exception:  # noqa: BLE001 - a frame that could not be read: the summary stands in
        return ""
    for ex in claims.get("excerpts", pd.Series(dtype=object)).tolist():
        for x in fmt.as_tuple(ex):
            if fmt.text(x):
                return fmt.text(x)
    return ""


def record_html(r: dict, slug: str, excerpt: str = "") -> str:
    date = fmt.date_label(r.get("date_start"), r.get("date_end"), None)
    place = fmt.text(r.get("place_name")) or fmt.text(r.get("place_text")) or "place not named"
    dead = fmt.text(r.get("fatalities_text"))
    if not dead and not fmt.is_missing(r.get("fatalities_best")):
        dead = f"{float(r['fatalities_best']):,.0f} killed (best estimate)"
    text = excerpt or fmt.text(r.get("summary")) or fmt.text(r.get("title"))
    text = text if len(text) <= 400 else text[:399] + "…"
    return (f'<div class="nb-rec"><div><b>{safe(date)}</b> · {safe(place)} · {r["km"]:.1f} km away'
            f'{" · " + safe(dead) if dead else ""}</div><div class="nb-text">{safe(text)}</div>'
            f'<a href="{safe(_link(slug, str(r["id"])))}" target="_blank" rel="noopener">Open this record</a></div>')


def render(view: state.View, row: dict) -> None:
    """The "Records nearby in other datasets" section for one event (a row of its dataset)."""
    if not fmt.has_coords(row) or fmt.to_date(row.get("date_start")) is None:
        return
    here = st.query_params.get(URL_KEY)
    others = [d for d in store.list_datasets() if d.slug != here]
    if not others:
        return
    with st.expander("Records nearby in other datasets", expanded=True, icon=":material/travel_explore:"):
        c1, c2 = st.columns(2)
        # Their state comes from the address (near_km=, near_days=; pages.ui.state) and goes back to it.
        km_lo, km_hi, _ = state.NEAR_LIMITS[state.W_NEAR_KM]
        d_lo, d_hi, _ = state.NEAR_LIMITS[state.W_NEAR_DAYS]
        margin = c1.number_input("Margin around the place (km)", km_lo, km_hi, step=5, key=state.W_NEAR_KM)
        days = c2.number_input("Margin around the dates (days)", d_lo, d_hi, step=1, key=state.W_NEAR_DAYS)
        lat, lon = float(row["lat"]), float(row["lon"])
        radius = (fmt.radius_km(row) or 0.0) + float(margin)
        start = fmt.to_date(row.get("date_start"))
        end = fmt.to_date(row.get("date_end")) or start
        lo, hi = start - dt.timedelta(days=int(days)), end + dt.timedelta(days=int(days))
        st.caption(f"Within {radius:,.1f} km of the event's place (its uncertainty {fmt.radius_km(row) or 0:,.1f} km "
                   f"+ {margin} km) and dated between {lo} and {hi} (its dates ± {days} days).")
        for d in others:
            try:
                other = load_stored_cached(str(d.path), _stamp(d.path))
                found = find(other, lat, lon, radius, lo, hi)
            except Exception as exc:  # noqa: BLE001 - one unreadable dataset must not hide the others
                st.caption(f"{md(d.name)}: could not be searched ({md(type(exc).__name__)}).")
                continue
            label = f"**{md(d.name)}** ({md(d.kind or 'imported')}): "
            if found.empty:
                st.markdown(label + "no record there and then.")
                continue
            st.markdown(label + f"{len(found):,} record{'s' if len(found) != 1 else ''}"
                        + (f", the nearest {MAX_SHOWN} shown" if len(found) > MAX_SHOWN else ""))
            st.html("".join(record_html(r, d.slug, source_text(other, str(r["id"])))
                            for r in found.head(MAX_SHOWN).to_dict("records")))
