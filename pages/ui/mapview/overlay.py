"""Other datasets as layers over the map: the curated claims over an imported GED or ACLED dataset
(or any stored dataset over another). No Streamlit import.

Each overlay keeps the records of the other dataset that the date filter keeps (its statuses,
types and actors are its own vocabulary, so only dates apply), drawn as small dots of the
overlay's colour up to OVERLAY_POINTS in view, else counted per grid cell by its engine. A dot's
tooltip names the dataset, the date and the record's title (escaped)."""
from __future__ import annotations

import folium

from events.engine import Bounds, engine_of
from events.filters import Filters

from .. import fmt
from ..html_safe import safe
from . import geometry, layers

OVERLAY_COLOURS = ("#7C3AED", "#0F766E", "#9D174D", "#1D4ED8")
OVERLAY_POINTS = 1500


def overlay_layer(ds_other, name: str, colour: str, f: Filters, bounds: Bounds | None, zoom: float | None
                  ) -> tuple[folium.FeatureGroup, str]:
    """(layer, note) for one other dataset under the current date filter and view."""
    eng = engine_of(ds_other)
    dates = Filters(date_from=f.date_from, date_to=f.date_to)
    fg = folium.FeatureGroup(name=f"Layer: {name}", control=False)
    in_view = eng.located_count(dates, bounds)
    if in_view == 0:
        return fg, f"{name}: no located record in this view and these dates"
    if in_view <= OVERLAY_POINTS:
        cols = [c for c in ("id", "title", "date_start", "date_end", "lat", "lon") if c in eng.columns]
        rows = eng.in_view(dates, bounds, cols, OVERLAY_POINTS)
        feats = []
        for r in rows.to_dict("records"):
            tip = (f"<b>{safe(name)}</b><br>{safe(fmt.date_label(r.get('date_start'), r.get('date_end'), None))}"
                   f"<br>{safe(fmt.text(r.get('title')))}")
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                          "properties": {"overlay_id": str(r["id"]), "tip": tip}})
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            marker=folium.CircleMarker(radius=4, weight=1, color="#FFFFFF", fill=True, fill_color=colour,
                                       fill_opacity=0.85),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(fg)
        return fg, f"{name}: {in_view:,} record{'s' if in_view != 1 else ''} in view"
    cells = layers.cell_payload(eng.grid(dates, bounds, geometry.cell_degrees(zoom)))
    for c in cells:
        c["colour"] = colour
    layers.GridCells(cells).add_to(fg)
    return fg, f"{name}: {in_view:,} records in view, counted per cell"


def overlay_legend_html(items: list[tuple[str, str]]) -> str:
    """The overlays' legend line: (name, colour) each, names escaped."""
    spans = "".join(f'<span class="lg-item"><span class="lg-dot" style="background:{safe(c)}"></span>{safe(n)}</span>'
                    for n, c in items)
    return f'<div class="lg-colour" data-overlays="{len(items)}"><b>Other datasets</b> {spans}</div>'

