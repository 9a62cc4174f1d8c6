"""The map's layers as folium elements. Their templates only call the functions of
static/conflictmap.js with data (JSON through folium's escaping ``tojson``); the script and its
stylesheet are loaded by `MapAssets`, like a folium plugin's own files.

Every data string that reaches HTML goes through ``html_safe.safe`` here, in Python."""
from __future__ import annotations

import functools
import json
from typing import Any, Iterable, Mapping

import folium
import folium.plugins
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from events import vocab

from .. import assets, fmt
from ..html_safe import safe
from . import geometry
from .symbols import (SELECTED_COLOUR, SHAPE_PATHS, icon_svg, legend_details_html, row_colour, shape_for,
                      type_colours)

OUTLINE_COLOUR = "#4B5563"
OFFLINE_FILL = "#FBFAF6"
DIFFERENT_PLACE_KM = 1.0  # a claim's place this far from the event's is drawn apart


BUNDLE = [("conflictmap-bundle", assets.MAP_BUNDLE_JS)]  # Leaflet, jQuery, markercluster, heat, ours: one file


def configure_offline_assets() -> None:
    """Point folium (and the plugins we use) at the app's own copies of Leaflet & co. Every script
    is the one bundle (assets.MAP_BUNDLE): a page lists it once (the links are de-duplicated), and
    st_folium loads it in one round trip instead of five in a row."""
    folium.Map.default_js = list(BUNDLE)
    folium.Map.default_css = [("leaflet_css", assets.LEAFLET_CSS)]
    folium.plugins.MarkerCluster.default_js = list(BUNDLE)
    folium.plugins.MarkerCluster.default_css = [
        ("markerclustercss", assets.MARKERCLUSTER_CSS),
        ("markerclusterdefaultcss", assets.MARKERCLUSTER_DEFAULT_CSS),
    ]


configure_offline_assets()


class MapAssets(JSCSSMixin, MacroElement):
    """Loads the map's script and stylesheet (and Leaflet.markercluster, which the dynamic layers
    use) with the base map, so that layers swapped in later find them."""

    _template = Template("")
    default_js = list(BUNDLE)  # with Leaflet.heat, for the heat layer (areas.HeatLayer)
    default_css = [
        ("markerclustercss", assets.MARKERCLUSTER_CSS),
        ("markerclusterdefaultcss", assets.MARKERCLUSTER_DEFAULT_CSS),
        ("conflictmap_css", assets.CONFLICTMAP_CSS),
    ]

    def __init__(self):
        super().__init__()
        self._name = "MapAssets"


# --------------------------------------------------------------------------- the base


@functools.lru_cache(maxsize=1)
def offline_outlines() -> dict | None:
    """Syria's governorate outlines (geodata.governorates.outline_geojson), or None if missing."""
    try:
        from geodata import governorates  # noqa: PLC0415
    except ImportError:
        return None
    fn = getattr(governorates, "outline_geojson", None)
    if fn is None:
        return None
    try:
        data = fn()
    except (OSError, ValueError, KeyError):
        return None
    if isinstance(data, str):
        data = json.loads(data)
    return data if isinstance(data, dict) and data.get("type") == "FeatureCollection" else None


def _label_outlines(data: dict) -> tuple[dict, list[dict]]:
    """A copy of the outlines keeping only geometry and kind, and the (escaped) name labels."""
    feats, labels = [], []
    for f in data.get("features", []):
        props = f.get("properties") or {}
        name = props.get("name") or props.get("NAME_EN") or props.get("admin1") or ""
        kind = str(props.get("kind") or props.get("level") or "")
        feats.append({"type": "Feature", "geometry": f.get("geometry"), "properties": {"kind": kind}})
        # geodata's own label point (inside the governorate, stored with the outlines: no shapely
        # at a server's first map); a polygon's centroid for outlines that come without one.
        lat, lon = props.get("label_lat"), props.get("label_lon")
        at = (float(lat), float(lon)) if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) \
            else geometry.label_point(f.get("geometry") or {})
        if name and kind != "country" and at:
            labels.append({"lat": round(at[0], 4), "lon": round(at[1], 4), "html": safe(name)})
    return {"type": "FeatureCollection", "features": feats}, labels


class OfflineBase(MacroElement):
    """Outlines drawn beneath everything, always on, not clickable, with governorate names
    (govlabels pane). Filled while no online tile has loaded; see-through once tiles load."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = ConflictMap.offlineBase({{ this._parent.get_name() }},
            {{ this.data|tojson }}, {{ this.labels|tojson }}, {{ this.opts|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict):
        super().__init__()
        self._name = "OfflineBase"
        self.data, self.labels = _label_outlines(data)
        self.opts = {"outline": OUTLINE_COLOUR, "fill": OFFLINE_FILL, "labelMinZoom": 6}


class TileStatus(MacroElement):
    """Makes the offline outlines see-through once an online tile loads; shows a note when
    tiles fail (tileerror: "online tiles unavailable — showing offline outlines")."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        ConflictMap.tileStatus({{ this._parent.get_name() }}, {{ this.tiles.get_name() }},
            {% if this.base %}{{ this.base.get_name() }}{% else %}null{% endif %}, {{ this.message|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, base: MacroElement | None):
        super().__init__()
        self._name = "TileStatus"
        self.tiles = tiles
        self.base = base
        self.message = "Online tiles unavailable — showing offline outlines"


class HomeView(MacroElement):
    """Fit the map to its home bounds in the browser (ConflictMap.home): at the map's real size,
    to a quarter zoom level, again when the frame is resized before the reader moves the map. The
    same bounds on any screen: a phone and a desktop open on the same area."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        ConflictMap.home({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.opts|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds, max_zoom: int, padding_px: int = 30, snap: float = 0.25):
        super().__init__()
        self._name = "HomeView"
        self.bounds = [[float(v) for v in bounds[0]], [float(v) for v in bounds[1]]]
        self.opts = {"maxZoom": int(max_zoom), "padding": int(padding_px), "snap": float(snap)}


class Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        ConflictMap.legend({{ this._parent.get_name() }}, {{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, event_types: Iterable[str] | None = None, dim: str = "status"):
        super().__init__()
        self._name = "Legend"
        self.html = legend_details_html(event_types, dim=dim)


# --------------------------------------------------------------------------- events one by one


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    """JSON-safe records (no numpy ints, no Timestamps; NaN -> None)."""
    cols = [c for c in columns if c in df.columns]
    return json.loads(df[cols].to_json(orient="records", date_format="iso"))


def event_tooltip(row: Mapping[str, Any]) -> str:
    title = fmt.text(row.get("title"), "Untitled event")
    date = fmt.date_label(row.get("date_start"), row.get("date_end"), row.get("date_precision"))
    status = fmt.status_label(row.get("status"))
    return (
        f"<b>{safe(title)}</b><br>{safe(date)}"
        f' · <span style="color:{safe(fmt.status_colour(row.get("status")))}">&#9632;</span> {safe(status)}'
    )


def located(events_df: pd.DataFrame) -> pd.DataFrame:
    if not len(events_df):
        return events_df
    return events_df[[fmt.has_coords(r) for r in events_df[["lat", "lon"]].to_dict("records")]]


def event_features(events_df: pd.DataFrame, dim: str = "status", types: Iterable[str] | None = None) -> dict:
    """A FeatureCollection of the located events (properties: event_id, title, date, ...),
    coloured by the colour dimension `dim` (symbols.row_colour)."""
    feats = []
    for rec in _records(located(events_df), ["id", "title", "date_start", "date_end", "date_precision",
                                             "status", "event_type", "lat", "lon", "fatalities_best"]):
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(rec["lon"]), float(rec["lat"])]},
                "properties": {
                    "event_id": rec["id"],
                    "title": safe(fmt.text(rec.get("title"))),  # escaped too: defence in depth
                    "date": fmt.iso(rec.get("date_start")),
                    "status": fmt.text(rec.get("status")),
                    "shape": shape_for(rec.get("event_type")),
                    "colour": row_colour(dim, rec, types),
                    "tooltip": event_tooltip(rec),
                    "dom_id": safe(rec["id"]),  # for an HTML attribute: escaped, quotes included
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


class EventPoints(MacroElement):
    """The events as SVG symbols (ConflictMap.events), added to their parent (a MarkerCluster)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = ConflictMap.events({{ this.data|tojson }}, {{ this.paths|tojson }})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict):
        super().__init__()
        self._name = "EventPoints"
        self.data = data
        self.count = len(data["features"])
        self.paths = SHAPE_PATHS

    def _get_self_bounds(self):
        lats = [f["geometry"]["coordinates"][1] for f in self.data["features"]]
        lons = [f["geometry"]["coordinates"][0] for f in self.data["features"]]
        if not lats:
            return [[None, None], [None, None]]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]


def event_cluster(events_df: pd.DataFrame, dim: str = "status", types: Iterable[str] | None = None
                  ) -> folium.plugins.MarkerCluster:
    """The events in a Leaflet.markercluster (several ACLED events often share one place)."""
    cluster = folium.plugins.MarkerCluster(
        name="Events",
        control=False,
        icon_create_function="ConflictMap.clusterIcon",
        options={"maxClusterRadius": 40, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
    )
    EventPoints(event_features(events_df, dim, types)).add_to(cluster)
    return cluster


def circle_fill(radius_km: float) -> float:
    """Fainter fills for larger circles, so that stacked country-wide circles stay readable."""
    if radius_km <= 30:
        return 0.12
    if radius_km <= 75:
        return 0.07
    if radius_km < 150:
        return 0.03
    return 0.0  # province-wide or country-wide: the dashed outline alone


def uncertainty_circle(lat: float, lon: float, radius_km: float, **style: Any) -> folium.Polygon:
    """The uncertainty of a place as a polygon, not an L.circle: Leaflet clips polygons to the
    view, while a circle hundreds of km wide drawn at street zoom is an SVG arc millions of
    pixels across that stalls the browser."""
    return folium.Polygon(geometry.circle_points(lat, lon, radius_km), **style)


def add_uncertainty_circles(events_df: pd.DataFrame, parent, dim: str = "status",
                            types: Iterable[str] | None = None) -> int:
    """A circle of the place's radius for every located event of precision >= 2; how many.
    Identical circles (events sharing a place, radius and status: common in ACLED) are drawn
    once: stacked, their fills would only darken into an opaque disc."""
    n = 0
    if not len(events_df):
        return 0
    seen = set()
    cols = [c for c in ("id", "lat", "lon", "precision", "radius_km", "status", "event_type", "fatalities_best")
            if c in events_df.columns]
    for r in events_df[cols].to_dict("records"):
        p = fmt.precision_int(r.get("precision"))
        radius = fmt.radius_km(r)
        if not fmt.has_coords(r) or p is None or p < 2 or not radius:
            continue
        colour = row_colour(dim, r, types)
        key = (round(float(r["lat"]), 5), round(float(r["lon"]), 5), radius, colour)
        if key in seen:
            continue
        seen.add(key)
        large = radius >= 100
        uncertainty_circle(
            float(r["lat"]), float(r["lon"]), radius, color=colour,
            weight=1.2 if large else 1.5, opacity=0.55 if large else 0.8,
            dash_array="8 6" if large else None, fill=circle_fill(radius) > 0,
            fill_color=colour, fill_opacity=circle_fill(radius), interactive=False,
        ).add_to(parent)
        n += 1
    return n


# --------------------------------------------------------------------------- claimed places


def claim_places(events_df: pd.DataFrame, claims_df: pd.DataFrame | None) -> list[dict]:
    """Claims whose own place differs from their event's: one dict each with event and claim
    coordinates, claimant and radius."""
    if claims_df is None or not len(claims_df) or not len(events_df):
        return []
    ev = {r["id"]: r for r in events_df[["id", "lat", "lon", "status"]].to_dict("records") if fmt.has_coords(r)}
    out = []
    cols = [c for c in ("event_id", "claim_id", "claimant", "place_text", "lat", "lon", "precision",
                        "radius_km") if c in claims_df.columns]
    sub = claims_df[claims_df["event_id"].isin(list(ev))][cols] if "event_id" in claims_df else claims_df[:0]
    for r in sub.to_dict("records"):
        if not fmt.has_coords(r):
            continue
        e = ev[r["event_id"]]
        elat, elon, clat, clon = float(e["lat"]), float(e["lon"]), float(r["lat"]), float(r["lon"])
        if geometry.km_between(elat, elon, clat, clon) < DIFFERENT_PLACE_KM:
            continue
        out.append(
            {
                "event_id": r["event_id"],
                "claim_id": fmt.text(r.get("claim_id")),
                "claimant": fmt.text(r.get("claimant")),
                "place_text": fmt.text(r.get("place_text")),
                "event_latlon": (elat, elon),
                "latlon": (clat, clon),
                "radius_km": fmt.radius_km(r),
                "precision": fmt.precision_int(r.get("precision")),
                "colour": fmt.status_colour(e.get("status")),
            }
        )
    return sorted(out, key=lambda c: (c["event_id"], c["claim_id"]))


def _short(s: str, n: int = 48) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _claimants_at_event_place(claims_df: pd.DataFrame | None, event_id: str, elsewhere: set[str]) -> list[str]:
    """Claimants of an event whose claims give no place of their own (so the event's place is theirs)."""
    if claims_df is None or not len(claims_df):
        return []
    rows = claims_df[claims_df["event_id"] == event_id]
    return [a for a in dict.fromkeys(rows["claimant"].tolist()) if a and a not in elsewhere]


class ClaimPoints(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = ConflictMap.claims({{ this.data|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict):
        super().__init__()
        self._name = "ClaimPlaces"
        self.data = data


def add_claim_places(places: list[dict], claims_df, actor_names: Mapping[str, str], parent) -> list[tuple]:
    """Each claimed place: a dashed line from the event's place, its own uncertainty circle, a
    ring labelled with the claimant; the event's own place labelled with the claimants who gave
    no other place. Returns the claimed positions (for the view)."""
    pts, where = [], []
    by_event: dict[str, list[dict]] = {}
    for c in places:
        by_event.setdefault(c["event_id"], []).append(c)
        folium.PolyLine([list(c["event_latlon"]), list(c["latlon"])], color=c["colour"], weight=2, opacity=0.9,
                        dash_array="6 5", interactive=False).add_to(parent)
        if c["radius_km"] and (c["precision"] or 0) >= 2:
            uncertainty_circle(c["latlon"][0], c["latlon"][1], c["radius_km"], color=c["colour"], weight=1,
                               opacity=0.7, dash_array="4 4", fill=True, fill_color=c["colour"],
                               fill_opacity=0.05, interactive=False).add_to(parent)
        name = actor_names.get(c["claimant"], c["claimant"]) or "Unknown claimant"
        pts.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c["latlon"][1], c["latlon"][0]]},
            "properties": {"event_id": c["event_id"], "claim_id": c["claim_id"], "claimant": c["claimant"],
                           "colour": c["colour"], "tooltip": f"per {safe(_short(name, 40))}",
                           "side": "left" if c["latlon"][1] < c["event_latlon"][1] else "right"},
        })
        where.append(c["latlon"])
    for eid, group in by_event.items():
        elat, elon = group[0]["event_latlon"]
        others = _claimants_at_event_place(claims_df, eid, {c["claimant"] for c in group})
        if not others:
            continue
        names = ", ".join(actor_names.get(a, a) for a in others)
        left = all(c["latlon"][1] >= elon for c in group)
        pts.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [elon, elat]},
            "properties": {"event_id": eid, "claimant": "", "colour": group[0]["colour"],
                           "tooltip": f"per {safe(_short(names, 60))}", "side": "left" if left else "right",
                           "anchor_only": True},
        })
    ClaimPoints({"type": "FeatureCollection", "features": pts}).add_to(parent)
    return where


# --------------------------------------------------------------------------- grid cells


def _breakdown_html(counts: Mapping[str, int], labels: Mapping[str, str], colours: Mapping[str, str] | None,
                    limit: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = []
    for value, n in items[:limit]:
        sw = (f'<span class="cm-sw" style="background:{safe(colours.get(value, "#6B7280"))}"></span>'
              if colours is not None else "")
        rows.append(f'<div class="cm-row">{sw}{safe(labels.get(value) or value or "unknown")}: {n:,}</div>')
    if len(items) > limit:
        rows.append(f'<div class="cm-row">… {len(items) - limit} more</div>')
    return "".join(rows)


def cell_payload(grid: pd.DataFrame, dim: str = "status", types: Iterable[str] | None = None) -> list[dict]:
    """The engine's grid cells (events.engine.Engine.grid) as the browser script wants them:
    position, count, bounds, the colour of the commonest status (or type, colouring by type;
    grey by fatalities, which the grid does not count) and an escaped tooltip."""
    out = []
    tcol = type_colours(types)
    for r in grid.itertuples(index=False):
        status, by_type = dict(r.status), dict(r.event_type)
        top = max(status.items(), key=lambda kv: (kv[1], kv[0]))[0] if status else ""
        type_colours_ = tcol if dim == "type" else None
        tip = (f"<b>{int(r.n):,} event{'s' if r.n != 1 else ''} here</b> · click to zoom in"
               f"<br><b>Claim status</b>{_breakdown_html(status, vocab.STATUS_LABELS, vocab.STATUS_COLOURS)}"
               f"<b>Event type</b>{_breakdown_html(by_type, vocab.EVENT_TYPE_LABELS, type_colours_)}")
        out.append({"lat": round(float(r.lat), 5), "lon": round(float(r.lon), 5), "n": int(r.n),
                    "s": float(r.south), "w": float(r.west), "n_": float(r.north), "e": float(r.east),
                    "colour": _cell_colour(dim, top, by_type, tcol), "tip": tip})
    return out


def _cell_colour(dim: str, top_status: str, by_type: Mapping[str, int], tcol: Mapping[str, str]) -> str:
    if dim == "type" and by_type:
        return tcol.get(max(by_type.items(), key=lambda kv: (kv[1], kv[0]))[0], "#374151")
    if dim in ("fatalities", "dataset"):
        return "#374151"
    return vocab.STATUS_COLOURS.get(top_status, "#374151")


class GridCells(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = ConflictMap.cells({{ this.cells|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, cells: list[dict]):
        super().__init__()
        self._name = "GridCells"
        self.cells = cells
        self.count = sum(c["n"] for c in cells)


class ModeMark(MacroElement):
    """Marks the map's container with what its parent layer shows (data-mode, data-count) once
    the layer is on the map: the signal the browser tests and the benchmark wait for."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        ConflictMap.mark({{ this._parent.get_name() }}, {{ this.mode|tojson }}, {{ this.count }});
        {% endmacro %}
        """
    )

    def __init__(self, mode: str, count: int):
        super().__init__()
        self._name = "ModeMark"
        self.mode = mode
        self.count = int(count)


# --------------------------------------------------------------------------- selection


def selection_layer(row: Mapping[str, Any] | None) -> folium.FeatureGroup | None:
    """A ring around the selected event (its events row), not clickable; None if not located."""
    if row is None or not fmt.has_coords(row):
        return None
    fg = folium.FeatureGroup(name="Selected event", control=False)
    # Its own symbol above any cluster it is part of, so the selected event always shows.
    folium.Marker(
        location=[float(row["lat"]), float(row["lon"])],
        icon=folium.DivIcon(html=icon_svg(shape_for(row.get("event_type")), fmt.status_colour(row.get("status")), 24),
                            icon_size=(24, 24), icon_anchor=(12, 12), class_name="ev-icon ev-selected"),
        interactive=False, keyboard=False, z_index_offset=10000,
    ).add_to(fg)
    folium.CircleMarker(location=[float(row["lat"]), float(row["lon"])], radius=17, color=SELECTED_COLOUR,
                        weight=3, opacity=0.95, fill=False, interactive=False).add_to(fg)
    return fg
