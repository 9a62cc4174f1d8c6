"""The map layer for large datasets (ACLED/UCDP imports: 10,000s to 100,000s of events).
No Streamlit import. `pages.ui.mapview.build_map` calls `add_compact_layer(m, events_df)` above
`mapview.LARGE` events.

Technique (measured by benchmarks/scale.py, see the README's table):
- **Compact arrays, not one Leaflet object per event.** Events are grouped by place (lat/lon
  rounded to 4 decimals, about 10 m); the page gets a table of places and, per event, small
  integers: place (implicit: events are sorted by place), id (a prefix table index plus the
  trailing number), status index, type index, date (days since 1970 × 4 + date precision) and
  precision code. About 22 bytes an event: 100,000 events are about 2.5 MB of HTML.
- **Drawn client-side by view.** On every move/zoom, the places in view are bucketed into a
  screen grid (64 px); a cell holding several places becomes one count bubble (click zooms in),
  a place with one event becomes that event's marker (the same status colours and type shapes
  as the small-data map), a place with several events a count marker that fans out ("spiders")
  up to SPIDER_MAX of its most recent events when clicked. A few hundred DOM elements at a
  time whatever the dataset's size, so the tab never freezes.
- **Clicks select events as on the small map**: every event marker carries a GeoJSON
  `feature` with `properties.event_id` and sits in a FeatureGroup, so streamlit-folium returns
  `last_active_drawing.properties.event_id` (bubbles return `properties.cluster`).
- **Above MAX_EVENTS** located events, per-event arrays are not embedded at all: the page gets
  only places with their counts, draws count bubbles, and a note on the map says so (narrow
  the filters to pick single events). A note always says how many events the map holds and
  that they are grouped.
- Scripts come only from Leaflet (already loaded by the map, from /app/static/vendor): this
  layer needs no plugin. It sets `window.__drawn = performance.now()` (and the map
  container's `data-drawn`) after its first draw: the benchmark's and the browser tests'
  signal.
"""
from __future__ import annotations

import json
import re
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from events import vocab

from .html_safe import safe

MAX_EVENTS = 200_000  # above this many located events, draw per-place totals only
SPIDER_MAX = 60  # a place's most recent events fanned out on click
CELL_PX = 64
DATE_PRECISIONS = ("day", "week", "month", "year")
_ID_RE = re.compile(r"^(.*?)([1-9]\d{0,14})$")


def _json(obj: Any) -> str:
    """Compact JSON safe to put inside a <script> (no '</', no HTML-significant characters, and no
    backtick or dollar sign either, should the script ever sit in a JS template literal)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace(
        "\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("`", "\\u0060").replace("$", "\\u0024")


def _split_ids(ids: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    """ids -> (prefix table, prefix index, number or -1). 'acled-syr12345' -> ('acled-syr', 12345)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(ids.astype(str).to_numpy(dtype=object), type=pa.string())
    parts = pc.extract_regex(arr, r"^(?P<prefix>.*?)(?P<num>[1-9]\d{0,14})$")
    has = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    prefix = np.asarray(pc.struct_field(parts, "prefix").to_numpy(zero_copy_only=False), dtype=object)
    num_s = np.asarray(pc.struct_field(parts, "num").to_numpy(zero_copy_only=False), dtype=object)
    whole = arr.to_numpy(zero_copy_only=False).astype(object)
    prefix = np.where(has, prefix, whole)
    number = np.full(len(whole), -1, dtype="int64")
    if has.any():
        number[has] = np.asarray(num_s[has], dtype="int64")
    codes, uniques = pd.factorize(pd.Series(prefix, dtype=object))
    return [str(u) for u in uniques], codes.astype("int64"), number


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Each value's index in ``categories``, -1 for a missing or unknown one."""
    return pd.Index(list(categories)).get_indexer(values.astype(object).where(values.notna(), None))


def compact_payload(events_df: pd.DataFrame, max_events: int = MAX_EVENTS) -> dict:
    """The data the layer embeds (also used by tests). Located events only."""
    cols = [c for c in ("id", "lat", "lon", "date_start", "date_precision", "status", "event_type", "precision",
                        "place_name", "place_text") if c in events_df.columns]
    ev = events_df[cols]  # only the columns the layer uses: never copy the whole frame
    if len(ev):
        ok = ev["lat"].notna() & ev["lon"].notna()
        if not ok.all():
            ev = ev.loc[ok]
    n = len(ev)
    lat4 = np.round(ev["lat"].to_numpy(dtype=float) * 1e4).astype("int64") if n else np.zeros(0, "int64")
    lon4 = np.round(ev["lon"].to_numpy(dtype=float) * 1e4).astype("int64") if n else np.zeros(0, "int64")
    key = lat4 * 4_000_000 + (lon4 + 2_000_000)  # unique per rounded position
    loc_codes, loc_keys = pd.factorize(key, sort=True)
    n_locs = len(loc_keys)
    # Sort events by place, then most recent first.
    days = ((ev["date_start"].to_numpy(dtype="datetime64[D]").astype("int64")) if n else np.zeros(0, "int64"))
    days = np.where(days < -10**6, 0, days)  # NaT -> 1970-01-01 (never shown as a real date: precision says)
    order = np.lexsort((-days, loc_codes)) if n else np.zeros(0, "int64")
    loc_sorted = loc_codes[order]
    counts = np.bincount(loc_sorted, minlength=n_locs) if n else np.zeros(0, "int64")
    first = np.zeros(n_locs, dtype="int64")
    if n:
        first_idx = np.r_[0, np.flatnonzero(np.diff(loc_sorted)) + 1]
        first[loc_sorted[first_idx]] = order[first_idx]
    place_col = ev["place_name"] if "place_name" in ev else pd.Series([""] * n, index=ev.index)
    place_text = ev["place_text"] if "place_text" in ev else place_col
    place = place_col.fillna("").astype(str).where(place_col.fillna("").astype(str) != "", place_text.fillna("").astype(str))
    loc_place = place.to_numpy(dtype=object)[first] if n else np.zeros(0, dtype=object)
    name_codes, names = pd.factorize(pd.Series(loc_place, dtype=object).fillna(""))
    payload: dict[str, Any] = {
        "n": int(n),
        "locs": int(n_locs),
        "lat": (loc_keys // 4_000_000).tolist() if n else [],
        "lon": (loc_keys - (loc_keys // 4_000_000) * 4_000_000 - 2_000_000).tolist() if n else [],
        "count": counts.tolist(),
        "name": name_codes.tolist(),
        "names": [safe(x) for x in names],
        "aggregated": bool(n > max_events),
        "max_events": int(max_events),
    }
    if n > max_events or n == 0:
        return payload
    e = ev.iloc[order]
    prefixes, pidx, num = _split_ids(e["id"])
    status_codes = _codes(e["status"], vocab.STATUSES)
    type_codes = _codes(e["event_type"], vocab.EVENT_TYPES)
    dprec = _codes(e["date_precision"], DATE_PRECISIONS)
    dprec = np.where(dprec < 0, 0, dprec)  # missing or unknown: shown as a day
    prec = pd.to_numeric(e["precision"], errors="coerce").fillna(0).astype("int64").to_numpy() if "precision" in e else np.zeros(n, "int64")
    payload.update({
        # raw: ids only ever reach feature properties (given back to Python), never HTML; _json
        # makes them safe inside the script
        "prefixes": list(prefixes),
        "p": pidx.tolist(),
        "k": num.tolist(),
        "s": status_codes.astype("int64").tolist(),
        "t": type_codes.astype("int64").tolist(),
        "d": (days[order] * 4 + dprec).tolist(),
        "r": prec.tolist(),
    })
    return payload


def _style() -> dict:
    from .mapview import DEFAULT_SHAPE, SHAPE_PATHS, TYPE_SHAPES

    types = list(vocab.EVENT_TYPES)
    return {
        "statuses": [vocab.STATUS_LABELS[s] for s in vocab.STATUSES],
        "colours": [vocab.STATUS_COLOURS[s] for s in vocab.STATUSES],
        "types": [vocab.EVENT_TYPE_LABELS[t] for t in types],
        "paths": [SHAPE_PATHS[TYPE_SHAPES.get(t, DEFAULT_SHAPE)] for t in types],
        "default_path": SHAPE_PATHS[DEFAULT_SHAPE],
        "radius": {str(k): v for k, v in vocab.PRECISION_RADIUS_KM.items()},
        "precisions": list(DATE_PRECISIONS),
        "cell": CELL_PX,
        "spider": SPIDER_MAX,
    }


class CompactLayer(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .cl-icon { background: none; border: none; }
          .cl-icon svg { display: block; filter: drop-shadow(0 0 1px #000) drop-shadow(0 1px 1px rgba(0,0,0,.45)); }
          .cl-bubble { background: rgba(55,65,81,.30); border-radius: 50%; }
          .cl-bubble div { background: #374151; color: #fff; border-radius: 50%; text-align: center;
                           font: 700 12px system-ui, sans-serif; box-shadow: 0 0 0 2px rgba(255,255,255,.85); }
          .cl-stack div { background: #fff; color: #1F2328; border: 3px solid #374151; border-radius: 50%;
                          text-align: center; font: 700 11px system-ui, sans-serif; box-sizing: border-box; }
          .cl-note { background: rgba(255,255,255,.94); padding: 4px 9px; border-radius: 5px; max-width: 340px;
                     box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.35 system-ui, sans-serif; color: #1F2328; }
          .cl-note.cl-warn { border-left: 4px solid #D55E00; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function(map) {
            var D = {{ this.data_json }};
            var S = {{ this.style_json }};
            var group = L.featureGroup().addTo(map);
            var spider = null;
            var n = D.n, NL = D.locs;
            var lat = new Float64Array(NL), lon = new Float64Array(NL), start = new Int32Array(NL + 1);
            for (var i = 0; i < NL; i++) { lat[i] = D.lat[i] / 1e4; lon[i] = D.lon[i] / 1e4; start[i + 1] = start[i] + D.count[i]; }
            var perEvent = !D.aggregated && n > 0;
            function fmtN(x) { return x >= 10000 ? (Math.round(x / 1000)) + "k" : x >= 1000 ? (Math.round(x / 100) / 10) + "k" : String(x); }
            function pad(x) { return x < 10 ? "0" + x : String(x); }
            var MONTHS = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"];
            function dateText(v) {
                var prec = ((v % 4) + 4) % 4, day = (v - prec) / 4;
                var d = new Date(day * 86400000);
                var y = d.getUTCFullYear(), m = d.getUTCMonth(), dd = d.getUTCDate();
                if (prec === 3) return String(y);
                if (prec === 2) return MONTHS[m] + " " + y;
                if (prec === 1) return "week of " + dd + " " + MONTHS[m] + " " + y;
                return dd + " " + MONTHS[m] + " " + y;
            }
            function eventId(j) { var k = D.k[j]; return D.prefixes[D.p[j]] + (k >= 0 ? String(k) : ""); }
            function eventTip(j, loc) {
                var s = D.s[j], t = D.t[j];
                var colour = s >= 0 ? S.colours[s] : "#6B7280";
                var r = S.radius[String(D.r[j])];
                return "<b>" + (t >= 0 ? S.types[t] : "Event") + " \u2014 " + (D.names[D.name[loc]] || "unnamed place") + "</b><br>"
                    + dateText(D.d[j]) + " \u00b7 <span style=\\"color:" + colour + "\\">&#9632;</span> " + (s >= 0 ? S.statuses[s] : "Unknown")
                    + (r ? " \u00b7 \u00b1" + r + " km" : "");
            }
            function eventMarker(j, loc, latlng) {
                var s = D.s[j], t = D.t[j];
                var colour = s >= 0 ? S.colours[s] : "#6B7280";
                var path = t >= 0 ? S.paths[t] : S.default_path;
                var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" viewBox="0 0 24 24"><path d="'
                    + path + '" fill="' + colour + '" stroke="#FFFFFF" stroke-width="1.6" stroke-linejoin="round"/></svg>';
                var m = L.marker(latlng, {icon: L.divIcon({className: "cl-icon ev-icon", html: svg, iconSize: [22, 22], iconAnchor: [11, 11]}),
                                          riseOnHover: true, keyboard: true});
                var id = eventId(j);
                m.feature = {type: "Feature", properties: {event_id: id}, geometry: null};
                m.bindTooltip(eventTip(j, loc), {direction: "top", offset: [0, -10]});
                return m;
            }
            function bubble(count, latlng, kind, props, tip) {
                var size = Math.round(26 + 7 * Math.log(count) / Math.LN10);
                var icon = L.divIcon({className: kind === "stack" ? "cl-stack" : "cl-bubble",
                    html: '<div style="width:' + size + 'px;height:' + size + 'px;line-height:' + size + 'px;margin:' + (kind === "stack" ? 0 : 4) + 'px">' + fmtN(count) + '</div>',
                    iconSize: [size + (kind === "stack" ? 0 : 8), size + (kind === "stack" ? 0 : 8)]});
                var m = L.marker(latlng, {icon: icon, keyboard: true});
                m.feature = {type: "Feature", properties: props, geometry: null};
                if (tip) m.bindTooltip(tip, {direction: "top"});
                return m;
            }
            function closeSpider() { if (spider) { group.removeLayer(spider); spider = null; } }
            function openSpider(loc) {
                closeSpider();
                var c = D.count[loc], k = Math.min(c, S.spider);
                var z = map.getZoom(), centre = map.project([lat[loc], lon[loc]], z);
                spider = L.featureGroup();
                var legs = [];
                for (var q = 0; q < k; q++) {
                    var a = q * 2.4, rad = 26 + 9 * Math.sqrt(q + 1) * 2.2;
                    var p = L.point(centre.x + rad * Math.cos(a), centre.y + rad * Math.sin(a));
                    var ll = map.unproject(p, z);
                    legs.push(L.polyline([[lat[loc], lon[loc]], ll], {color: "#374151", weight: 1, opacity: 0.5, interactive: false}));
                    spider.addLayer(eventMarker(start[loc] + q, loc, ll));
                }
                for (var q2 = 0; q2 < legs.length; q2++) spider.addLayer(legs[q2]);
                group.addLayer(spider);
            }
            function draw() {
                closeSpider();
                group.clearLayers();
                var z = map.getZoom(), maxZ = map.getMaxZoom ? map.getMaxZoom() : 18;
                var b = map.getBounds().pad(0.3);
                var s = b.getSouth(), w = b.getWest(), nN = b.getNorth(), e = b.getEast();
                var cells = new Map();
                var G = S.cell;
                for (var i = 0; i < NL; i++) {
                    var la = lat[i], lo = lon[i];
                    if (la < s || la > nN || lo < w || lo > e) continue;
                    var p = map.project([la, lo], z);
                    var key = (z >= maxZ) ? ("l" + i) : (Math.floor(p.x / G) + ":" + Math.floor(p.y / G));
                    var cell = cells.get(key);
                    if (!cell) { cell = {n: 0, sx: 0, sy: 0, locs: []}; cells.set(key, cell); }
                    var c = D.count[i];
                    cell.n += c; cell.sx += la * c; cell.sy += lo * c; cell.locs.push(i);
                }
                cells.forEach(function(cell) {
                    if (cell.locs.length > 1) {
                        var ll = L.latLng(cell.sx / cell.n, cell.sy / cell.n);
                        var bb = L.latLngBounds(cell.locs.map(function(i) { return [lat[i], lon[i]]; }));
                        var m = bubble(cell.n, ll, "cluster", {cluster: true, count: cell.n},
                                       fmtN(cell.n) + " events at " + cell.locs.length + " places \u2014 click to zoom in");
                        m.on("click", function() { map.fitBounds(bb.pad(0.2), {maxZoom: Math.min(maxZ, z + 3)}); });
                        group.addLayer(m);
                        return;
                    }
                    var loc = cell.locs[0], c = D.count[loc], here = L.latLng(lat[loc], lon[loc]);
                    var place = D.names[D.name[loc]] || "unnamed place";
                    if (perEvent && c === 1) { group.addLayer(eventMarker(start[loc], loc, here)); return; }
                    var tip = "<b>" + fmtN(c) + " events at " + place + "</b><br>" + (perEvent
                        ? (c > S.spider ? "click to fan out the " + S.spider + " most recent; narrow the filters to see the others"
                                        : "click to fan them out")
                        : "too many events to draw one by one: narrow the filters to pick one");
                    var m2 = bubble(c, here, "stack", {place: true, count: c}, tip);
                    if (perEvent) m2.on("click", function() { openSpider(loc); });
                    group.addLayer(m2);
                });
                if (window.__drawn === undefined) {
                    window.__drawn = performance.now();
                    map.getContainer().setAttribute("data-drawn", String(Math.round(window.__drawn)));
                }
            }
            var note = L.control({position: "topright"});
            note.onAdd = function() {
                var d = L.DomUtil.create("div", "cl-note" + (D.aggregated ? " cl-warn" : ""));
                d.setAttribute("data-testid", "compact-layer-note");
                d.innerHTML = {{ this.note|tojson }};
                L.DomEvent.disableClickPropagation(d);
                return d;
            };
            note.addTo(map);
            map.on("moveend", draw);
            map.on("click", closeSpider);
            map.whenReady(draw);
            return group;
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "CompactEvents"
        self.payload = payload
        self.data_json = _json(payload)
        self.style_json = _json(_style())
        n = payload["n"]
        if payload["aggregated"]:
            self.note = (
                f"<b>{n:,} events</b> are more than this map draws one by one "
                f"({payload['max_events']:,}): it shows how many events each place has. "
                "Narrow the filters to pick single events."
            )
        else:
            self.note = (
                f"<b>{n:,} events</b>, grouped by place and zoom: numbers are event counts. "
                "Zoom in or click a group; a place with several events fans out when clicked."
            )

    def _get_self_bounds(self):
        p = self.payload
        if not p["locs"]:
            return [[None, None], [None, None]]
        return [[min(p["lat"]) / 1e4, min(p["lon"]) / 1e4], [max(p["lat"]) / 1e4, max(p["lon"]) / 1e4]]


def add_compact_layer(m: folium.Map, events_df: pd.DataFrame, max_events: int = MAX_EVENTS) -> None:
    """Add the compact event layer for `events_df` (the events frame's columns) to map `m`."""
    CompactLayer(compact_payload(events_df, max_events)).add_to(m)
