"""The event map, driven by what is in view. No Streamlit import (the st_folium call is in
pages/map.py).

Two parts, so the map never remounts (streamlit-folium keys the component by the base map's
script, GUIDE §1):
- `base_map(home)`: Leaflet (served by the app itself, pages.ui.assets), the offline outlines
  (geodata), optional OpenStreetMap tiles, the legend, the map's script and stylesheet
  (static/conflictmap.js/.css via layers.MapAssets), fitted to a home view that a session keeps.
- `event_layers(...)`: the layers given to ``st_folium(feature_group_to_add=...)``, rebuilt on
  every rerun from the filters and the view st_folium sent back (bounds, zoom):
  * "all": the filtered set has at most LARGE located events: every one of them, with
    uncertainty circles, claimed places linked to the event's place, shapes by type, in a
    Leaflet.markercluster (the curated table always takes this path);
  * "events": a large set, but at most VIEW_EVENTS of its events in view: those, one by one;
  * "grid": more in view: the query engine counts them per grid cell (events.engine.Engine.grid,
    cells about 64 px wide at that zoom) with the status and type breakdown; a click on a
    cell zooms in.
  ``MapResult.note`` says what was drawn (the page shows it above the map).

Modules: `symbols` (shapes, colours, legend), `geometry` (geopy/shapely: circles, label
points, home view, cell size), `layers` (folium elements calling static/conflictmap.js), and
this assembly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import folium
import pandas as pd

from events.engine import LIGHT_COLUMNS, Bounds, Engine
from events.filters import Filters

from . import geometry, layers
from .geometry import SYRIA_BOUNDS, circle_points, core_points
from .layers import claim_places, event_features, event_tooltip, offline_outlines, selection_layer
from .symbols import TYPE_SHAPES, legend_html, shape_glyph

__all__ = [
    "MapResult", "Home", "base_map", "event_layers", "build_map", "home_view", "selected_layer",
    "LARGE", "VIEW_EVENTS", "MAX_ZOOM", "legend_html", "shape_glyph", "TYPE_SHAPES", "event_features",
    "claim_places", "event_tooltip", "offline_outlines", "circle_points", "core_points", "selection_layer",
]

LARGE = 2000  # at most this many located events: all drawn, with their circles and claimed places
VIEW_EVENTS = 1000  # a larger set: events one by one when at most this many are in view
CIRCLES_IN_VIEW = 300  # and their uncertainty circles when at most this many
SINGLE_EVENT_ZOOM = 8
MAX_ZOOM = 15
VIEW_PAD = 0.15  # query a little beyond the view, so a small pan shows no empty border
# Columns the map reads from the events frame.
MAP_COLUMNS = ["id", "title", "date_start", "date_end", "date_precision", "status", "event_type", "lat", "lon",
               "precision", "radius_km"]


@dataclass(frozen=True)
class Home:
    """The view a session's map opens on (kept by the session: the base map depends only on it)."""
    bounds: tuple[tuple[float, float], tuple[float, float]]
    max_zoom: int
    outside: int = 0  # located events far from the others, left out of this view


@dataclass
class MapResult:
    map: folium.Map  # the base map (deterministic for a Home: never remounts)
    layers: list[folium.FeatureGroup] = field(default_factory=list)  # st_folium(feature_group_to_add=...)
    mode: str = "empty"  # "all" | "events" | "grid" | "empty"
    located: int = 0  # located events the filters keep (whole map)
    in_view: int = 0  # of them, in the queried view
    drawn: int = 0  # events drawn one by one (all/events), or grid cells (grid)
    unlocated: int = 0  # kept events without coordinates
    cell_km: float | None = None
    outside: int = 0  # the home view's far-away events (Home.outside)
    note: str = ""


# --------------------------------------------------------------------------- home view


def home_view(engine: Engine, f: Filters) -> Home:
    """Where a map of these filtered events opens: fitted to their located events, leaving out
    a few far-away ones (geometry.core_points); Syria when there are none."""
    n = engine.located_count(f)
    if n == 0:
        return Home(bounds=tuple(map(tuple, SYRIA_BOUNDS)), max_zoom=12)
    if n <= LARGE:
        pts = [(float(a), float(b)) for a, b in engine.in_view(f, None, ["lat", "lon"], LARGE).itertuples(index=False)]
    else:  # the centres of 1° cells stand for their events
        g = engine.grid(f, None, 1.0)
        pts = [(float(r.lat), float(r.lon)) for r in g.itertuples(index=False)]
    core, outside = core_points(pts)
    b = geometry.bounds_of(core)
    single = len(core) == 1 or b[0] == b[1]
    return Home(bounds=(tuple(b[0]), tuple(b[1])), max_zoom=SINGLE_EVENT_ZOOM if single else 12, outside=outside)


def home_zoom(home: Home, width_px: int = 800) -> float:
    """About the zoom the browser fits the home view at (ConflictMap.home), for the layers of the
    first run, before the browser has said: the grid's cell size only; the browser then sends its
    real bounds and zoom."""
    import math

    (s, w), (n, e) = home.bounds
    span = max(e - w, (n - s) * 1.3, 1e-6)
    return float(min(home.max_zoom, max(0.0, math.floor(math.log2(360.0 * width_px / (256.0 * span))))))


def home_bounds(home: Home) -> Bounds:
    (s, w), (n, e) = home.bounds
    return Bounds(s, w, n, e)


# --------------------------------------------------------------------------- the base


def base_map(home: Home, *, online_tiles: bool = True, event_types=None, dim: str = "status") -> folium.Map:
    """The map without events: deterministic for the same arguments (no remount)."""
    m = folium.Map(
        location=[35.0, 38.5], zoom_start=7, tiles=None, control_scale=True, prefer_canvas=False, max_bounds=False,
        # With tiles=None Leaflet has no maximum zoom, and Leaflet.markercluster then zooms forever
        # trying to split markers that share one place instead of spiderfying them.
        **{"maxZoom": MAX_ZOOM, "minZoom": 3},
    )
    layers.MapAssets().add_to(m)
    base = None
    outlines = offline_outlines()
    if outlines is not None:
        base = layers.OfflineBase(outlines)
        base.add_to(m)
    if online_tiles:
        tiles = folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap tiles (online)", overlay=True, control=True, show=True,
            attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        )
        tiles.add_to(m)
        layers.TileStatus(tiles, base).add_to(m)
        folium.LayerControl(position="topright", collapsed=True).add_to(m)
    layers.Legend(event_types, dim=dim).add_to(m)
    # Fitted in the browser, where the map's size is known (a phone's 350 px or a desktop's 1000).
    layers.HomeView(home.bounds, home.max_zoom).add_to(m)
    return m


# --------------------------------------------------------------------------- the dynamic layers


def _pad(b: Bounds, frac: float) -> Bounds:
    dlat = (b.north - b.south) * frac
    dlon = ((b.east - b.west) % 360 or 360) * frac if b.west > b.east else (b.east - b.west) * frac
    return Bounds(max(-90.0, b.south - dlat), b.west - dlon if b.west - dlon >= -180 else -180.0,
                  min(90.0, b.north + dlat), b.east + dlon if b.east + dlon <= 180 else 180.0)


def event_layers(ds, engine: Engine, f: Filters, *, bounds: Bounds | None, zoom: float | None,
                 actor_names: Mapping[str, str] | None = None, dim: str = "status", types=None) -> MapResult:
    """The dynamic layers for the filtered events and the view (see the module docstring); the
    result's ``map`` is left None for the caller (build_map) to fill."""
    actor_names = actor_names or {}
    view = _pad(bounds, VIEW_PAD) if bounds is not None else None
    kept, located = engine.totals(f)  # kept per filter state by the engine (the sidebar asked first)
    res = MapResult(map=None, located=located, unlocated=kept - located)  # type: ignore[arg-type]
    fg = folium.FeatureGroup(name="Events", control=False)
    if located == 0:
        res.note = "No event kept by the filters has coordinates." if kept else "No event matches the filters."
        return res
    if located <= LARGE:
        rows = layers.located(engine.kept(f, LIGHT_COLUMNS))
        res.mode, res.in_view, res.drawn = "all", located, len(rows)
        layers.add_uncertainty_circles(rows, fg, dim, types)
        claims = engine.claims_of(rows["id"].tolist())
        places = claim_places(rows, claims)
        if places:
            layers.add_claim_places(places, claims, actor_names, fg)
        layers.event_cluster(rows, dim, types).add_to(fg)
        res.note = f"{located:,} event{'s' if located != 1 else ''} on the map"
        layers.ModeMark("all", res.drawn).add_to(fg)
        res.layers = [fg]
        return res
    # The grid first: its cells' counts add up to the events in view, which decide between cells and
    # single events, so a view of many events (the usual case at this size) costs one scan, not two.
    # At the deepest zooms, many events can share one place (ACLED's fixed locations): counting
    # them per cell would never end, so the first VIEW_EVENTS (by date) are drawn and the note says so.
    deepest = zoom is not None and zoom >= MAX_ZOOM - 1
    cell = geometry.cell_degrees(zoom)
    grid = engine.grid(f, view, cell)
    in_view = res.in_view = int(grid["n"].sum())
    if in_view <= VIEW_EVENTS or deepest:
        rows = engine.in_view(f, view, LIGHT_COLUMNS, VIEW_EVENTS)
        res.mode, res.drawn = "events", len(rows)
        if len(rows) <= CIRCLES_IN_VIEW:
            layers.add_uncertainty_circles(rows, fg, dim, types)
        layers.event_cluster(rows, dim, types).add_to(fg)
        if len(rows) < in_view:
            res.note = (f"{len(rows):,} of the {in_view:,} events in this view drawn one by one (the earliest by "
                        f"date): they share a few places. Narrow the filters (dates, type, search) to see the others.")
        else:
            res.note = (f"{in_view:,} event{'s' if in_view != 1 else ''} in this view, drawn one by one "
                        f"({located:,} located events match the filters). Zoom out to see counts for a wider area.")
    else:
        cells = layers.cell_payload(grid, dim, types)
        layers.GridCells(cells).add_to(fg)
        res.mode, res.drawn = "grid", len(cells)
        res.cell_km = cell * 111.32
        res.note = (f"{in_view:,} events in this view, more than the {VIEW_EVENTS:,} the map draws one by one: "
                    f"counted per cell of about {res.cell_km:,.0f} km ({len(cells):,} cells; "
                    f"{located:,} located events match the filters). Zoom in or click a cell to see single events.")
    # The count the browser is told: events drawn, or events counted in the cells.
    layers.ModeMark(res.mode, res.drawn if res.mode == "events" else res.in_view).add_to(fg)
    res.layers = [fg]
    return res


def selected_layer(ds, engine: Engine, f: Filters, selected_id: str | None) -> folium.FeatureGroup | None:
    """The selection ring, if the selected event is kept by the filters and located."""
    if selected_id is None or not engine.ids_in(f, [selected_id]):
        return None
    rows = engine.event_rows([selected_id], MAP_COLUMNS)
    return selection_layer(rows.iloc[0].to_dict()) if len(rows) else None


def build_map(ds, engine: Engine, f: Filters, *, home: Home | None = None, bounds: Bounds | None = None,
              zoom: float | None = None, selected_id: str | None = None, online_tiles: bool = True,
              actor_names: Mapping[str, str] | None = None, event_types=None, dim: str = "status") -> MapResult:
    """The base map (for `home`, computed from the filters when not given) and the layers for the
    filters and the view: what pages/map.py passes to st_folium."""
    home = home or home_view(engine, f)
    res = event_layers(ds, engine, f, bounds=bounds, zoom=zoom, actor_names=actor_names, dim=dim, types=event_types)
    res.map = base_map(home, online_tiles=online_tiles, event_types=event_types, dim=dim)
    res.outside = home.outside
    sel = selected_layer(ds, engine, f, selected_id)
    if sel is not None:
        res.layers.append(sel)
    return res
