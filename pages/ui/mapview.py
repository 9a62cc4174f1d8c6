"""Build the event map as a folium.Map. No Streamlit import (the st_folium call is in pages/map.py).

- Leaflet, jQuery and Leaflet.markercluster come from the app itself (``/app/static/vendor``,
  see pages.ui.assets), never from a CDN, so the map renders offline.
- Base: an always-on offline layer of Syria's governorate and country outlines (geodata), plus
  OpenStreetMap tiles as an optional overlay for users who are online. When a tile fails to load,
  a small note says so and the outlines stay filled.
- Events: one GeoJSON layer of points (properties ``event_id``, ``title``, ``date``...) in a
  MarkerCluster, drawn as ``L.marker`` with an SVG ``divIcon``: the shape says the event type, the
  fill the claim status. A click gives ``last_active_drawing.properties.event_id`` back to Python.
- Uncertainty: a circle of the place's radius (metres) for precision >= 2.
- Disputed places: each claim whose own place differs from the event's is drawn as a small
  marker labelled with its claimant, linked to the event's place by a dashed line.
- Legend: a Leaflet control listing status colours, type shapes and the symbols.

Every data string that reaches HTML goes through ``html_safe.safe``; the data reaches the page
as JSON embedded by folium's escaping ``tojson``.
"""
from __future__ import annotations

import functools
import json
import math
from typing import Any, Iterable, Mapping

import folium
import folium.plugins
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from events import vocab

from . import assets, fmt
from .html_safe import safe

LARGE = 2000  # above this many events, pages.ui.bigmap draws a compact layer instead

SYRIA_BOUNDS = [[32.3, 35.6], [37.4, 42.4]]
SINGLE_EVENT_ZOOM = 8
FAR_KM = 700.0  # events farther than this from the median are left out of the initial view
MAX_ZOOM = 15
EARTH_RADIUS_KM = 6371.0088
DIFFERENT_PLACE_KM = 1.0  # a claim's place this far from the event's is drawn apart
OUTLINE_COLOUR = "#4B5563"
OFFLINE_FILL = "#FBFAF6"
OFFLINE_BACKGROUND = "#E2E5E9"
SELECTED_COLOUR = "#111827"

# Event type -> marker shape.
TYPE_SHAPES = {
    "aircraft_loss": "triangle",
    "air_strike": "triangle-down",
    "shelling": "diamond",
    "armed_clash": "star",
    "attack_on_civilians": "square",
    "casualty_report": "cross",
    "deployment": "hexagon",
    "strategic_development": "circle",
    "other": "circle",
}
DEFAULT_SHAPE = "circle"
# SVG paths in a 24x24 box.
SHAPE_PATHS = {
    "circle": "M12 3.5a8.5 8.5 0 1 0 0.001 0Z",
    "square": "M4.5 4.5h15v15h-15Z",
    "diamond": "M12 2l10 10-10 10-10-10Z",
    "triangle": "M12 2.5l10 18h-20Z",
    "triangle-down": "M2 4h20l-10 18Z",
    "star": "M12 1.5l3.1 6.9 7.4.7-5.6 5 1.7 7.4-6.6-3.9-6.6 3.9 1.7-7.4-5.6-5 7.4-.7Z",
    "cross": "M8.5 2.5h7v6h6v7h-6v6h-7v-6h-6v-7h6Z",
    "hexagon": "M12 2l9 5v10l-9 5-9-5V7Z",
}


# The same shapes as text, for legends outside the map (st.html drops inline SVG).
SHAPE_GLYPHS = {
    "circle": "●", "square": "■", "diamond": "◆", "triangle": "▲", "triangle-down": "▼",
    "star": "★", "cross": "✚", "hexagon": "⬢",
}


def shape_glyph(shape: str, colour: str = "#4B5563") -> str:
    return f'<span class="lg-glyph" style="color:{safe(colour)}">{SHAPE_GLYPHS.get(shape, "●")}</span>'


def configure_offline_assets() -> None:
    """Point folium (and the plugins we use) at the app's own copies of Leaflet & co."""
    folium.Map.default_js = [("leaflet", assets.LEAFLET_JS), ("jquery", assets.JQUERY_JS)]
    folium.Map.default_css = [("leaflet_css", assets.LEAFLET_CSS)]
    folium.plugins.MarkerCluster.default_js = [("markerclusterjs", assets.MARKERCLUSTER_JS)]
    folium.plugins.MarkerCluster.default_css = [
        ("markerclustercss", assets.MARKERCLUSTER_CSS),
        ("markerclusterdefaultcss", assets.MARKERCLUSTER_DEFAULT_CSS),
    ]


configure_offline_assets()


def circle_fill(radius_km: float) -> float:
    """Fainter fills for larger circles, so that stacked country-wide circles stay readable."""
    if radius_km <= 30:
        return 0.12
    if radius_km <= 75:
        return 0.07
    if radius_km < 150:
        return 0.03
    return 0.0  # province-wide or country-wide: the dashed outline alone


def circle_points(lat: float, lon: float, radius_km: float, n: int | None = None) -> list[list[float]]:
    """A geodesic circle as a closed ring of [lat, lon] points (rounded to ~10 m)."""
    n = n or (64 if radius_km >= 50 else 40)
    d = radius_km / EARTH_RADIUS_KM
    p1, l1 = math.radians(lat), math.radians(lon)
    pts = []
    for i in range(n):
        b = 2 * math.pi * i / n
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
        l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        pts.append([round(math.degrees(p2), 4), round((math.degrees(l2) + 540) % 360 - 180, 4)])
    return pts


def uncertainty_circle(lat: float, lon: float, radius_km: float, **style: Any) -> folium.Polygon:
    """The uncertainty of a place as a polygon, not an L.circle: Leaflet clips polygons to the
    view, while a circle hundreds of km wide drawn at street zoom is an SVG arc millions of
    pixels across that stalls the browser (zooming into a cluster gets there)."""
    return folium.Polygon(circle_points(lat, lon, radius_km), **style)


def shape_for(event_type: Any) -> str:
    return TYPE_SHAPES.get(fmt.text(event_type), DEFAULT_SHAPE)


def icon_svg(shape: str, colour: str, size: int = 22) -> str:
    """The marker symbol as SVG (shape and colour from our own tables only)."""
    path = SHAPE_PATHS.get(shape, SHAPE_PATHS[DEFAULT_SHAPE])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 24 24">'
        f'<path d="{path}" fill="{safe(colour)}" stroke="#FFFFFF" stroke-width="1.6" '
        f'stroke-linejoin="round"/></svg>'
    )


# --------------------------------------------------------------------------- offline base layer


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


def _ring_centroid(ring: list) -> tuple[float, float, float]:
    """(area, lon, lat) of a linear ring (shoelace; planar is fine for labels)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


def label_point(geometry: dict) -> tuple[float, float] | None:
    """(lat, lon) for a polygon's label: the centroid of its largest outer ring."""
    if not geometry:
        return None
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        rings = [coords[0]] if coords else []
    elif geometry.get("type") == "MultiPolygon":
        rings = [poly[0] for poly in coords if poly]
    else:
        return None
    best = max((_ring_centroid([tuple(p[:2]) for p in r]) for r in rings if len(r) >= 3), default=None)
    return (best[2], best[1]) if best else None


def _label_outlines(data: dict) -> tuple[dict, list[dict]]:
    """A copy of the outlines keeping only geometry and kind, and the (escaped) name labels."""
    feats, labels = [], []
    for f in data.get("features", []):
        props = f.get("properties") or {}
        name = props.get("name") or props.get("NAME_EN") or props.get("admin1") or ""
        kind = str(props.get("kind") or props.get("level") or "")
        feats.append({"type": "Feature", "geometry": f.get("geometry"), "properties": {"kind": kind}})
        at = label_point(f.get("geometry") or {})
        if name and kind != "country" and at:
            labels.append({"lat": round(at[0], 4), "lon": round(at[1], 4), "html": safe(name)})
    return {"type": "FeatureCollection", "features": feats}, labels


class OfflineBase(MacroElement):
    """Outlines drawn beneath everything, always on, not clickable, with governorate names.
    Filled while no online tile has loaded; see-through once tiles load."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .leaflet-container { background: {{ this.background }}; }
          .gov-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
                            color: #6B7280; font: 600 11px/1.1 system-ui, sans-serif; letter-spacing: .03em;
                            text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
          .tiles-note { background: rgba(255,255,255,.92); padding: 3px 8px; border-radius: 4px;
                        font: 12px system-ui, sans-serif; color: #374151;
                        box-shadow: 0 1px 3px rgba(0,0,0,.25); display: none; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data|tojson }}, {
            interactive: false,
            style: function(f) {
                var country = f.properties.kind === "country";
                return {color: "{{ this.outline }}", weight: country ? 2.2 : 0.9,
                        opacity: country ? 0.9 : 0.7, fillColor: "{{ this.fill }}",
                        fillOpacity: country ? 0 : 1};
            },
        }).addTo({{ this._parent.get_name() }});
        (function() {
            var map = {{ this._parent.get_name() }};
            var pane = map.createPane("govlabels");
            pane.style.zIndex = 450;  /* above the outlines, below the event markers */
            pane.style.pointerEvents = "none";
            var labels = L.layerGroup({{ this.labels|tojson }}.map(function(l) {
                return L.marker([l.lat, l.lon], {interactive: false, keyboard: false, pane: "govlabels",
                    icon: L.divIcon({className: "gov-label", html: "<span>" + l.html + "</span>", iconSize: [0, 0]})});
            }));
            function toggle() {  /* names only where there is room for them */
                if (map.getZoom() >= {{ this.label_min_zoom }}) { labels.addTo(map); } else { map.removeLayer(labels); }
            }
            map.on("zoomend", toggle);
            toggle();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict):
        super().__init__()
        self._name = "OfflineBase"
        self.data, self.labels = _label_outlines(data)
        self.label_min_zoom = 6
        self.outline = OUTLINE_COLOUR
        self.fill = OFFLINE_FILL
        self.background = OFFLINE_BACKGROUND


class TileStatus(MacroElement):
    """Makes the offline outlines see-through once an online tile loads; shows a note when
    tiles fail ("online tiles unavailable — showing offline outlines")."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var tiles = {{ this.tiles.get_name() }};
            var base = {% if this.base %}{{ this.base.get_name() }}{% else %}null{% endif %};
            var note = L.control({position: "bottomright"});
            note.onAdd = function() {
                var d = L.DomUtil.create("div", "tiles-note");
                d.textContent = {{ this.message|tojson }};
                return d;
            };
            note.addTo(map);
            var loaded = false;
            function fill(on) { if (base) base.setStyle(function(f) {
                return {fillOpacity: (on && f.properties.kind !== "country") ? 1 : 0}; }); }
            tiles.on("tileload", function() {
                if (!loaded) { loaded = true; fill(false); }
                note.getContainer().style.display = "none";
            });
            tiles.on("tileerror", function() {
                if (!loaded) { note.getContainer().style.display = "block"; }
            });
            map.on("overlayremove", function(e) { if (e.layer === tiles) { fill(true);
                note.getContainer().style.display = "none"; } });
            map.on("overlayadd", function(e) { if (e.layer === tiles && loaded) { fill(false); } });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, base: MacroElement | None):
        super().__init__()
        self._name = "TileStatus"
        self.tiles = tiles
        self.base = base
        self.message = "Online tiles unavailable — showing offline outlines"


# --------------------------------------------------------------------------- point layers


class PointLayer(MacroElement):
    """A GeoJSON layer of points drawn as SVG divIcons (events) or labelled rings (claimed
    places). ``feature.properties.tooltip`` is already escaped HTML."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .ev-icon { background: none; border: none; }
          .ev-icon svg { filter: drop-shadow(0 0 1px #000) drop-shadow(0 1px 1px rgba(0,0,0,.45)); display: block; }
          .claim-label { font: 11px system-ui, sans-serif; padding: 1px 5px; opacity: .92; }
          .leaflet-tooltip.ev-tip { white-space: normal; width: max-content; max-width: 260px; overflow-wrap: anywhere; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data|tojson }}, {
            pointToLayer: function(feature, latlng) {
                var p = feature.properties;
                {% if this.kind == "event" %}
                var paths = {{ this.paths|tojson }};
                var d = Object.prototype.hasOwnProperty.call(paths, p.shape) ? paths[p.shape] : paths["circle"];
                var c = /^#[0-9A-Fa-f]{6}$/.test(p.colour) ? p.colour : "#6B7280";
                var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" viewBox="0 0 24 24" data-event-id="' + p.dom_id + '">'
                    + '<path d="' + d + '" fill="' + c + '" stroke="#FFFFFF" stroke-width="1.6" stroke-linejoin="round"/></svg>';
                return L.marker(latlng, {
                    icon: L.divIcon({className: "ev-icon", html: svg, iconSize: [22, 22], iconAnchor: [11, 11]}),
                    riseOnHover: true, keyboard: true
                });
                {% else %}
                if (p.anchor_only) {
                    return L.circleMarker(latlng, {radius: 1, opacity: 0, fillOpacity: 0, interactive: false});
                }
                return L.circleMarker(latlng, {radius: 6, color: p.colour, weight: 2.5, dashArray: "3 2",
                                              fillColor: "#FFFFFF", fillOpacity: 0.95});
                {% endif %}
            },
            onEachFeature: function(feature, layer) {
                {% if this.kind == "event" %}
                layer.bindTooltip(feature.properties.tooltip, {direction: "top", offset: [0, -10], className: "ev-tip"});
                {% else %}
                var left = feature.properties.side === "left";
                var gap = feature.properties.anchor_only ? 14 : 8;
                layer.bindTooltip(feature.properties.tooltip, {permanent: true, direction: left ? "left" : "right",
                                                               offset: [left ? -gap : gap, 0], className: "claim-label"});
                {% endif %}
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict, kind: str = "event"):
        super().__init__()
        self._name = "EventPoints" if kind == "event" else "ClaimPlaces"
        self.data = data
        self.kind = kind
        self.paths = SHAPE_PATHS

    def _get_self_bounds(self):
        lats = [f["geometry"]["coordinates"][1] for f in self.data["features"]]
        lons = [f["geometry"]["coordinates"][0] for f in self.data["features"]]
        if not lats:
            return [[None, None], [None, None]]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]


# --------------------------------------------------------------------------- legend


def legend_html(event_types: Iterable[str] | None = None, *, svg: bool = True) -> str:
    """The legend's HTML: status colours, the shapes of the event types shown, the symbols.
    ``svg=False`` draws the shapes as text glyphs (for st.html, which drops inline SVG)."""
    rows = ['<div class="lg-title">Claim status</div>']
    for status in vocab.STATUSES:
        colour = vocab.STATUS_COLOURS[status]
        rows.append(
            f'<div class="lg-row"><span class="lg-swatch" style="background:{safe(colour)}"></span>'
            f"{safe(vocab.STATUS_LABELS[status])}</div>"
        )
    types = [t for t in vocab.EVENT_TYPES if event_types is None or t in set(event_types)]
    if types:
        rows.append('<div class="lg-title">Event type</div>')
        for t in types:
            symbol = icon_svg(TYPE_SHAPES[t], "#6B7280", 14) if svg else shape_glyph(TYPE_SHAPES[t])
            rows.append(f'<div class="lg-row">{symbol}{safe(vocab.EVENT_TYPE_LABELS[t])}</div>')
    rows.append('<div class="lg-title">Symbols</div>')
    rows.append(
        '<div class="lg-row"><span class="lg-circle"></span>circle = uncertainty of the place</div>'
    )
    rows.append(
        '<div class="lg-row"><span class="lg-claim"></span><span class="lg-line"></span>'
        "a claimant's own place, linked to the event</div>"
    )
    rows.append('<div class="lg-row"><span class="lg-cluster">3</span>several events, click to zoom</div>')
    return "".join(rows)


def legend_details_html(event_types: Iterable[str] | None = None, open_: bool = False) -> str:
    """The in-map legend: collapsed by default so that it never hides markers."""
    swatches = "".join(
        f'<span class="lg-swatch" style="background:{safe(vocab.STATUS_COLOURS[s])}"></span>' for s in vocab.STATUSES
    )
    return (f"<details{' open' if open_ else ''}><summary>Legend <span class=\"lg-inline\">{swatches}</span></summary>"
            + legend_html(event_types) + "</details>")


class Legend(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .ev-legend { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 5px;
                       box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.35 system-ui, sans-serif;
                       color: #1F2328; max-width: 260px; }
          .ev-legend summary { font-weight: 700; cursor: pointer; }
          .ev-legend .lg-inline { display: inline-flex; gap: 2px; vertical-align: -2px; margin-left: 4px; }
          .ev-legend .lg-title { font-weight: 600; margin-top: 5px; color: #374151; }
          .ev-legend .lg-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
          .ev-legend .lg-swatch { width: 13px; height: 13px; border-radius: 3px; display: inline-block;
                                  border: 1px solid rgba(0,0,0,.35); flex: none; }
          .ev-legend svg { flex: none; }
          .ev-legend .lg-circle { width: 13px; height: 13px; border-radius: 50%; border: 1.5px solid #6B7280;
                                  background: rgba(107,114,128,.12); display: inline-block; flex: none; }
          .ev-legend .lg-claim { width: 8px; height: 8px; border-radius: 50%; border: 2px dashed #6B7280;
                                 background: #fff; display: inline-block; flex: none; }
          .ev-legend .lg-line { width: 14px; border-top: 2px dashed #6B7280; display: inline-block; margin-left: -6px; flex: none; }
          .ev-legend .lg-cluster { width: 16px; height: 16px; border-radius: 50%; background: #374151; color: #fff;
                                   font-size: 10px; text-align: center; line-height: 16px; flex: none; }
          .ev-cluster { background: rgba(55,65,81,.35); border-radius: 50%; }
          .ev-cluster div { background: #374151; color: #fff; border-radius: 50%; width: 30px; height: 30px;
                            margin: 5px; text-align: center; font: 700 12px/30px system-ui, sans-serif; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function() {
                var d = L.DomUtil.create("div", "ev-legend");
                d.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(d);
                L.DomEvent.disableScrollPropagation(d);
                return d;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, event_types: Iterable[str] | None = None):
        super().__init__()
        self._name = "Legend"
        self.html = legend_details_html(event_types)


class TooltipRefresh(MacroElement):
    """Re-place permanent tooltips (the claimants' labels) once the stylesheets have loaded:
    streamlit-folium adds leaflet.css after the map script has run, and a tooltip placed before
    that is measured at the wrong width and drawn far from its marker."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            function refresh() {
                map.eachLayer(function(l) {
                    var t = l.getTooltip && l.getTooltip();
                    if (t && t.options.permanent && l.isTooltipOpen && l.isTooltipOpen()) { t.update(); }
                });
            }
            [0, 100, 400, 1200, 3000].forEach(function(ms) { setTimeout(refresh, ms); });
            window.addEventListener("load", refresh);
            document.querySelectorAll('link[rel="stylesheet"]').forEach(function(link) {
                link.addEventListener("load", refresh);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "TooltipRefresh"


CLUSTER_ICON = """
function(cluster) {
    return L.divIcon({html: '<div>' + cluster.getChildCount() + '</div>',
                      className: 'ev-cluster', iconSize: [40, 40]});
}
"""


# --------------------------------------------------------------------------- features


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


def event_features(events_df: pd.DataFrame) -> dict:
    """A FeatureCollection of the located events (properties: event_id, title, date, ...)."""
    feats = []
    if len(events_df):
        located = events_df[[fmt.has_coords(r) for r in events_df[["lat", "lon"]].to_dict("records")]]
        for rec in _records(located, ["id", "title", "date_start", "date_end", "date_precision",
                                       "status", "event_type", "lat", "lon"]):
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
                        "colour": fmt.status_colour(rec.get("status")),
                        "tooltip": event_tooltip(rec),
                        "dom_id": safe(rec["id"]),  # for an HTML attribute: escaped, quotes included
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}


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
        if fmt.km_between(elat, elon, clat, clon) < DIFFERENT_PLACE_KM:
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


def _group_by_event(places: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in places:
        out.setdefault(c["event_id"], []).append(c)
    return out


def _claimants_at_event_place(claims_df: pd.DataFrame | None, event_id: str, elsewhere: set[str]) -> list[str]:
    """Claimants of an event whose claims give no place of their own (so the event's place is theirs)."""
    if claims_df is None or not len(claims_df):
        return []
    rows = claims_df[claims_df["event_id"] == event_id]
    return [a for a in dict.fromkeys(rows["claimant"].tolist()) if a and a not in elsewhere]


def _short(s: str, n: int = 48) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def core_points(points: list[tuple[float, float]], far_km: float = FAR_KM) -> tuple[list[tuple[float, float]], int]:
    """The points to fit the view to, and how many were left out: a few events far from all the
    others (Sevastopol, Sinai, for a Syrian dataset) would otherwise shrink the view to a
    continent. Leaves out at most a quarter of the points, each over ``far_km`` from the median."""
    if len(points) < 4:
        return points, 0
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    mlat, mlon = lats[len(lats) // 2], lons[len(lons) // 2]
    near = [p for p in points if fmt.km_between(mlat, mlon, p[0], p[1]) <= far_km]
    left_out = len(points) - len(near)
    if not near or left_out > len(points) // 4:
        return points, 0
    return near, left_out


def _bounds(points: list[tuple[float, float]]) -> list[list[float]]:
    if not points:
        return SYRIA_BOUNDS
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


class CompactLayerUnavailable(ImportError):
    """More than LARGE events and no compact layer (pages.ui.bigmap) available."""


# --------------------------------------------------------------------------- the map


def build_map(
    events_df: pd.DataFrame,
    claims_df: pd.DataFrame | None = None,
    selected_id: str | None = None,
    *,
    online_tiles: bool = True,
    actor_names: Mapping[str, str] | None = None,
) -> folium.Map:
    """The event map for the events shown, fitted to them.

    Deterministic for the same input, so streamlit-folium keeps its component (no remount).
    ``selected_id`` adds the selection ring to the map itself; the map page instead passes
    ``selection_layer(...)`` to st_folium as a dynamic layer so that selecting never remounts.
    """
    actor_names = actor_names or {}
    m = folium.Map(
        location=[35.0, 38.5],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        max_bounds=False,
        # With tiles=None Leaflet has no maximum zoom, and Leaflet.markercluster then zooms forever
        # trying to split markers that share one place (several Aleppo events) instead of
        # spiderfying them.
        **{"maxZoom": MAX_ZOOM, "minZoom": 3},
    )

    base = None
    outlines = offline_outlines()
    if outlines is not None:
        base = OfflineBase(outlines)
        base.add_to(m)

    if online_tiles:
        tiles = folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap tiles (online)",
            overlay=True,
            control=True,
            show=True,
            attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        )
        tiles.add_to(m)
        TileStatus(tiles, base).add_to(m)

    points: list[tuple[float, float]] = []
    too_large = len(events_df) > LARGE

    if too_large:
        try:
            from pages.ui.bigmap import add_compact_layer  # noqa: PLC0415
        except ImportError as exc:
            raise CompactLayerUnavailable(
                f"{len(events_df):,} events are too many to draw one by one (the limit is {LARGE:,}), "
                "and the compact map layer (pages/ui/bigmap.py) is not available yet. "
                "Narrow the filters to see them on the map."
            ) from exc
        add_compact_layer(m, events_df)
        located = events_df.dropna(subset=["lat", "lon"])
        if len(located):
            points = [
                (float(located["lat"].min()), float(located["lon"].min())),
                (float(located["lat"].max()), float(located["lon"].max())),
            ]
    else:
        feats = event_features(events_df)
        points = [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in feats["features"]]

        # Uncertainty circles beneath the markers.
        circles = folium.FeatureGroup(name="Uncertainty circles", show=True)
        rows = events_df[["id", "lat", "lon", "precision", "radius_km", "status"]].to_dict("records") if len(events_df) else []
        n_circles = 0
        for r in rows:
            p = fmt.precision_int(r.get("precision"))
            radius = fmt.radius_km(r)
            if not fmt.has_coords(r) or p is None or p < 2 or not radius:
                continue
            colour = fmt.status_colour(r.get("status"))
            large = radius >= 100
            uncertainty_circle(
                float(r["lat"]), float(r["lon"]), radius,
                color=colour,
                weight=1.2 if large else 1.5,
                opacity=0.55 if large else 0.8,
                dash_array="8 6" if large else None,
                fill=circle_fill(radius) > 0,
                fill_color=colour,
                fill_opacity=circle_fill(radius),
                interactive=False,
            ).add_to(circles)
            n_circles += 1
        if n_circles:
            circles.add_to(m)

        # Claimed places that differ from the event's: ring + label + dashed line.
        places = claim_places(events_df, claims_df)
        if places:
            disputes = folium.FeatureGroup(name="Places claimed by each party", show=True)
            pts = []
            for c in places:
                folium.PolyLine(
                    [list(c["event_latlon"]), list(c["latlon"])],
                    color=c["colour"],
                    weight=2,
                    opacity=0.9,
                    dash_array="6 5",
                    interactive=False,
                ).add_to(disputes)
                if c["radius_km"] and (c["precision"] or 0) >= 2:
                    uncertainty_circle(
                        c["latlon"][0], c["latlon"][1], c["radius_km"],
                        color=c["colour"],
                        weight=1,
                        opacity=0.7,
                        dash_array="4 4",
                        fill=True,
                        fill_color=c["colour"],
                        fill_opacity=0.05,
                        interactive=False,
                    ).add_to(disputes)
                name = actor_names.get(c["claimant"], c["claimant"]) or "Unknown claimant"
                pts.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [c["latlon"][1], c["latlon"][0]]},
                        "properties": {
                            "event_id": c["event_id"],
                            "claim_id": c["claim_id"],
                            "claimant": c["claimant"],
                            "colour": c["colour"],
                            "tooltip": f"per {safe(_short(name, 40))}",
                            "side": "left" if c["latlon"][1] < c["event_latlon"][1] else "right",
                        },
                    }
                )
                points.append(c["latlon"])
            # The event's own place is some claimants' place too: label it with them.
            for eid, group in _group_by_event(places).items():
                elat, elon = group[0]["event_latlon"]
                own = {c["claimant"] for c in group}
                others = _claimants_at_event_place(claims_df, eid, own)
                if not others:
                    continue
                names = ", ".join(actor_names.get(a, a) for a in others)
                left = all(c["latlon"][1] >= elon for c in group)
                pts.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [elon, elat]},
                        "properties": {
                            "event_id": eid,
                            "claimant": "",
                            "colour": group[0]["colour"],
                            "tooltip": f"per {safe(_short(names, 60))}",
                            "side": "left" if left else "right",
                            "anchor_only": True,
                        },
                    }
                )
            PointLayer({"type": "FeatureCollection", "features": pts}, kind="claim").add_to(disputes)
            disputes.add_to(m)
            TooltipRefresh().add_to(m)

        cluster = folium.plugins.MarkerCluster(
            name="Events",
            control=False,
            icon_create_function=CLUSTER_ICON,
            options={"maxClusterRadius": 40, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
        )
        PointLayer(feats, kind="event").add_to(cluster)
        cluster.add_to(m)

        if selected_id is not None:
            layer = selection_layer(events_df, selected_id)
            if layer is not None:
                layer.add_to(m)

    types = sorted(set(events_df["event_type"].dropna())) if "event_type" in events_df and len(events_df) else []
    Legend(types or None).add_to(m)

    if online_tiles or n_layers(m) > 1:
        folium.LayerControl(position="topright", collapsed=True).add_to(m)

    core, m.events_outside_view = core_points(points)
    bounds = _bounds(core)
    single = len(core) == 1 or bounds[0] == bounds[1]
    m.fit_bounds(bounds, padding=(30, 30), max_zoom=SINGLE_EVENT_ZOOM if single else 12)
    return m


def n_layers(m: folium.Map) -> int:
    return sum(isinstance(c, (folium.FeatureGroup, folium.TileLayer)) for c in m._children.values())


def selection_layer(events_df: pd.DataFrame, selected_id: str | None) -> folium.FeatureGroup | None:
    """A ring around the selected event (not clickable); None if it is not shown or not located."""
    if selected_id is None or not len(events_df):
        return None
    rows = events_df[events_df["id"] == selected_id]
    if not len(rows):
        return None
    r = rows.iloc[0].to_dict()
    if not fmt.has_coords(r):
        return None
    fg = folium.FeatureGroup(name="Selected event", control=False)
    # Its own symbol above any cluster it is part of, so the selected event always shows.
    folium.Marker(
        location=[float(r["lat"]), float(r["lon"])],
        icon=folium.DivIcon(
            html=icon_svg(shape_for(r.get("event_type")), fmt.status_colour(r.get("status")), 24),
            icon_size=(24, 24),
            icon_anchor=(12, 12),
            class_name="ev-icon ev-selected",
        ),
        interactive=False,
        keyboard=False,
        z_index_offset=10000,
    ).add_to(fg)
    folium.CircleMarker(
        location=[float(r["lat"]), float(r["lon"])],
        radius=17,
        color=SELECTED_COLOUR,
        weight=3,
        opacity=0.95,
        fill=False,
        interactive=False,
    ).add_to(fg)
    return fg


def located_center(events_df: pd.DataFrame, event_id: str | None) -> tuple[float, float] | None:
    if event_id is None or not len(events_df):
        return None
    rows = events_df[events_df["id"] == event_id]
    if not len(rows):
        return None
    r = rows.iloc[0].to_dict()
    return (float(r["lat"]), float(r["lon"])) if fmt.has_coords(r) else None
