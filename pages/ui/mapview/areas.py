"""Areas: events (or fatalities) of the filtered set per governorate, district or sub-district, as a
choropleth; and a heat map of the events (Leaflet.heat, served by the app like Leaflet). No
Streamlit import.

Polygons: UN OCHA common operational boundaries (geodata/data/: governorates, and simplified
copies of the districts and sub-districts, see geodata/data/CREDITS.md). Events are placed in an
area by their admin P-codes (computed from their coordinates by point in polygon at load time,
events.dataset.add_admin_columns, only at the levels their precision vouches for), not by the
dataset's own admin names, which are spelled differently from one source to the next. A click on
an area reports its P-code and a click stamp (static/conflictmap.js ConflictMap.areaFeature):
pages/map.py sets the area filter to it."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import JsCode

from events.engine import Engine
from events.filters import Filters

from .. import assets
from ..html_safe import safe

DATA = Path(__file__).resolve().parents[3] / "geodata" / "data"
# level -> (file, pcode property, name property, label)
LEVELS = {
    "governorate": ("syr_governorates.geojson", "PCODE", "NAME_EN", "Governorates"),
    "district": ("syr_admin2_ocha.geojson", "adm2_pcode", "adm2_name", "Districts"),
    "subdistrict": ("syr_admin3_ocha.geojson", "adm3_pcode", "adm3_name", "Sub-districts"),
}
MEASURES = {"events": "Events", "fatalities": "Fatalities (best estimate)"}
MAX_POINTS = 2_000_000  # located events read for the counts; above, the note says so
# Sequential palette (light to dark), 6 classes by quantile of the non-zero values.
PALETTE = ["#FEF0D9", "#FDD49E", "#FDBB84", "#FC8D59", "#E34A33", "#B30000"]


@dataclass
class Area:
    pcode: str
    name: str
    parent: str
    geometry: dict


@functools.lru_cache(maxsize=4)
def areas(level: str) -> list[Area]:
    """The areas of a level (their P-codes, names and polygons), read once per process."""
    fname, pkey, nkey, _ = LEVELS[level]
    data = json.loads((DATA / fname).read_text(encoding="utf-8"))
    out = []
    for f in data["features"]:
        p = f.get("properties") or {}
        out.append(Area(str(p.get(pkey) or ""), str(p.get(nkey) or p.get(pkey) or ""),
                        str(p.get("adm1_name") or ""), f["geometry"]))
    return out


LEVEL_COLUMNS = {"governorate": "admin1_pcode", "district": "admin2_pcode", "subdistrict": "admin3_pcode"}


def area_stats(engine: Engine, f: Filters, level: str, measure: str = "events") -> pd.DataFrame:
    """Per area of `level`: pcode, name, parent, n (events), fatalities (sum of best estimates),
    for the located events the filters keep, placed by their admin P-code of that level: the same
    column the area filter reads (events.filters.Filters.areas), so an area's count is what a click
    on it keeps. Events whose precision does not vouch for that level (a governorate-wide place on
    the districts map) or outside every area are not counted."""
    found = areas(level)
    col = LEVEL_COLUMNS[level]
    n = np.zeros(len(found), dtype=np.int64)
    dead = np.zeros(len(found), dtype=float)
    if col in engine.columns:
        cols = [col] + (["fatalities_best"] if "fatalities_best" in engine.columns else [])
        pts = engine.in_view(f, None, cols, MAX_POINTS)
        if len(pts):
            pos = {a.pcode: i for i, a in enumerate(found)}
            ai = pts[col].map(pos)
            ok = ai.notna().to_numpy()
            ai = ai[ok].to_numpy(dtype=np.int64)
            np.add.at(n, ai, 1)
            if "fatalities_best" in pts:
                fb = pd.to_numeric(pts["fatalities_best"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
                np.add.at(dead, ai, fb[ok])
    return pd.DataFrame({"pcode": [a.pcode for a in found], "name": [a.name for a in found],
                         "parent": [a.parent for a in found], "n": n, "fatalities": dead.round().astype(np.int64)})


def classes(values: pd.Series) -> list[float]:
    """Upper bounds of the colour classes (quantiles of the non-zero values)."""
    nz = values[values > 0]
    if nz.empty:
        return []
    qs = sorted(set(np.quantile(nz, np.linspace(0, 1, len(PALETTE) + 1)[1:]).round().astype(int).tolist()))
    return [float(q) for q in qs]


def colour_for(v: float, bounds: list[float]) -> str | None:
    if v <= 0 or not bounds:
        return None
    for i, b in enumerate(bounds):
        if v <= b:
            return PALETTE[min(i + len(PALETTE) - len(bounds), len(PALETTE) - 1)]
    return PALETTE[-1]


def choropleth_layer(stats: pd.DataFrame, level: str, measure: str) -> folium.FeatureGroup:
    """The areas filled by their count; clicking one reports its ``area_pcode`` and a ``clicked``
    stamp (st_folium's last_active_drawing): pages/map.py filters to it. The tooltip's name is escaped."""
    found = areas(level)
    col = "fatalities" if measure == "fatalities" else "n"
    bounds = classes(stats[col])
    by = stats.set_index("pcode")
    feats = []
    for a in found:
        v = int(by.at[a.pcode, col]) if a.pcode in by.index else 0
        colour = colour_for(v, bounds)
        where = f"{a.name}, {a.parent}" if a.parent and a.parent != a.name else a.name
        feats.append({"type": "Feature", "geometry": a.geometry, "properties": {
            "area_pcode": a.pcode, "area_level": level, "fill": colour or "#FFFFFF", "op": 0.7 if colour else 0.0,
            "tip": f"<b>{safe(where)}</b><br>{v:,} {safe(MEASURES[measure].lower())} · click to filter"}})
    fg = folium.FeatureGroup(name="Areas", control=False)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        style_function=lambda ft: {"fillColor": ft["properties"]["fill"], "fillOpacity": ft["properties"]["op"],
                                   "color": "#6B7280", "weight": 0.8},
        highlight_function=lambda ft: {"weight": 2.5, "color": "#111827"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        on_each_feature=JsCode("ConflictMap.areaFeature"),
    ).add_to(fg)
    return fg


def choropleth_legend_html(stats: pd.DataFrame, level: str, measure: str) -> str:
    col = "fatalities" if measure == "fatalities" else "n"
    bounds = classes(stats[col])
    items, lo = [], 1
    offset = len(PALETTE) - len(bounds)
    for i, b in enumerate(bounds):
        items.append(f'<span class="lg-item"><span class="lg-swatch" style="background:{PALETTE[i + offset]}">'
                     f"</span>{lo:,}–{int(b):,}</span>")
        lo = int(b) + 1
    total = int(stats[col].sum())
    return (f'<div class="lg-colour" data-areas="{safe(level)}"><b>{safe(LEVELS[level][3])}: '
            f"{safe(MEASURES[measure].lower())}</b> {''.join(items) or 'none'} · {total:,} in all areas</div>")


class HeatLayer(JSCSSMixin, MacroElement):
    """Leaflet.heat over the located events (served from static/vendor/heat, offline)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.heatLayer({{ this.points|tojson }},
            {"radius": 14, "blur": 16, "minOpacity": 0.3, "maxZoom": 10}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [("conflictmap-bundle", assets.MAP_BUNDLE_JS)]  # Leaflet.heat is in the map's one bundle

    def __init__(self, points: list[list[float]]):
        super().__init__()
        self._name = "HeatLayer"
        self.points = points


def heat_layer(engine: Engine, f: Filters, limit: int = 200_000) -> folium.FeatureGroup:
    pts = engine.in_view(f, None, ["lat", "lon"], limit)
    fg = folium.FeatureGroup(name="Heat", control=False)
    HeatLayer([[round(float(a), 4), round(float(b), 4)] for a, b in pts.itertuples(index=False)]).add_to(fg)
    return fg
