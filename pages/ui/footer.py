"""The footer under every page: data credits for what is on screen and when the data was last
updated. ``credits`` and ``updated_text`` are pure (tested alone); ``render`` draws them.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from .html_safe import md

FOOTER_KEY = "app-footer"  # the container's key: CSS class st-key-app-footer (browser tests)

# Markdown, our own text only (never data).
GEONAMES = "Place names: [GeoNames](https://www.geonames.org/) (CC BY 4.0)"
OCHA = ("Governorate outlines: [UN OCHA via HDX](https://data.humdata.org/dataset/cod-ab-syr) "
        "(CC BY 3.0 IGO)")
OSM = "Online map tiles: © [OpenStreetMap](https://www.openstreetmap.org/copyright) contributors (ODbL)"
CURATED = "Events: curated from the archived reports listed on the Sources page"
UCDP = ("Events: [UCDP Georeferenced Event Dataset](https://ucdp.uu.se/downloads/) (CC BY 4.0; "
        "Sundberg & Melander 2013)")
ACLED = ("Events: [ACLED](https://acleddata.com/) data, used under ACLED's Terms of Use and "
         "attribution policy (source: Armed Conflict Location & Event Data, acleddata.com)")

TIMEMAP = "Events: imported TimeMap data; credit its publisher as the data's own licence asks"

_EVENTS = {"curated": CURATED, "ucdp": UCDP, "acled": ACLED, "timemap": TIMEMAP}


def credits(kind: str | None) -> list[str]:
    """The credits for a dataset of this kind: its events' source, then the map's data."""
    first = _EVENTS.get(kind or "curated", CURATED)
    return [first, GEONAMES, OCHA, OSM]


def _when(t: dt.datetime) -> str:
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
        return t.strftime("%Y-%m-%d %H:%M UTC")
    return t.strftime("%Y-%m-%d %H:%M")


def updated_text(origin: str | None, updated: dt.datetime | None) -> str:
    """'Data last updated: 2026-11-22 20:34 UTC (newest data file)' and the like."""
    if updated is None:
        return "Data last updated: unknown"
    how = {"curated": "newest data file", "stored": "imported", "upload": "uploaded in this session"}.get(origin or "")
    return f"Data last updated: {_when(updated)}" + (f" ({how})" if how else "")


def render(ds) -> None:
    from .datasets import dataset_info  # noqa: PLC0415

    info = dataset_info()
    if info.get("name") != getattr(ds, "name", None):  # not recorded for this dataset: what it says itself
        info = {"origin": "curated" if ds.kind == "curated" else "stored", "updated": ds.updated}
    with st.container(key=FOOTER_KEY):
        st.divider()
        st.caption(" · ".join(credits(getattr(ds, "kind", None))))
        st.caption(f"{md(updated_text(info.get('origin'), info.get('updated')))} · "
                   f"Dataset: {md(getattr(ds, 'name', ''))}")
