"""The pure view helpers: map building, escaping, excerpt highlighting, offline assets."""
from __future__ import annotations

import json
import re
import sys

import folium
import pandas as pd
import pytest
from streamlit_folium import _get_map_string, generate_js_hash

from pathlib import Path

from app_support import APP_FIXTURE
from events.dataset import Dataset, make_frames
from events.engine import Bounds, engine_of
from events.filters import Filters
from events.importers import import_csv
from events.load import load_curated
from pages.ui import assets, fmt, highlight, mapview
from pages.ui.html_safe import md, safe, safe_lines


@pytest.fixture(scope="module")
def ds():
    return load_curated(APP_FIXTURE)


def _dataset(ev, cl=None) -> Dataset:
    _, cl0, ro, ac = make_frames([], [], [], [])
    return Dataset(name="test", kind="acled", events=ev, claims=cl if cl is not None else cl0, roles=ro, actors=ac)


def _render(m: folium.Map) -> str:
    return m.get_root().render()


def _html(res) -> str:
    """The base map and its dynamic layers rendered together (as the browser ends up with them)."""
    for fg in res.layers:
        fg.add_to(res.map)
    return _render(res.map)


def _map(ds, f=Filters(), **kw):
    return mapview.build_map(ds, engine_of(ds), f, **kw)


def test_map_uses_only_local_assets(ds):
    html = _html(_map(ds))
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/app/static/vendor/") for s in srcs), srcs
    assert "cdn" not in " ".join(srcs)
    assert assets.MAP_BUNDLE_JS in srcs and assets.CONFLICTMAP_CSS in srcs
    assert srcs.count(assets.MAP_BUNDLE_JS) == 1  # Leaflet, jQuery, markercluster, heat and ours: one script
    for rule in (".ev-icon {", ".ev-legend {", ".gov-label", ".cm-cell"):  # our styles live in conflictmap.css
        assert rule not in html, rule


def test_base_map_is_deterministic_and_independent_of_the_filters(ds):
    home = mapview.home_view(engine_of(ds), Filters())
    a = _get_map_string(_map(ds, home=home).map)
    b = _get_map_string(_map(ds, Filters(statuses=("denied",)), home=home, selected_id="aleppo-hospital-strike").map)
    assert generate_js_hash(a, "map") == generate_js_hash(b, "map")
    assert "aleppo-hospital-strike" not in a  # the events are in the dynamic layers only


def test_markers_carry_event_ids_shapes_and_status_colours(ds):
    feats = mapview.event_features(ds.events)["features"]
    by_id = {f["properties"]["event_id"]: f["properties"] for f in feats}
    assert set(by_id) == {"aleppo-hospital-strike", "helicopter-homs-hama", "hostile-title", "hmeimim-withdrawal"}
    assert by_id["aleppo-hospital-strike"]["colour"] == "#D55E00"
    assert by_id["aleppo-hospital-strike"]["shape"] == "square"
    assert by_id["helicopter-homs-hama"]["shape"] == "triangle"
    assert by_id["hmeimim-withdrawal"]["date"] == "2016-03-01"
    json.dumps(feats)  # plain JSON types only


def test_claim_places_only_where_they_differ(ds):
    places = mapview.claim_places(ds.events, ds.claims)
    assert {(p["event_id"], p["claimant"]) for p in places} == {
        ("helicopter-homs-hama", "islamic-state"), ("helicopter-homs-hama", "ru-mod")}


def test_single_event_zooms_in_and_no_events_show_syria(ds):
    eng = engine_of(ds)
    one = mapview.home_view(eng, Filters(q="al-quds hospital"))
    assert one.max_zoom == 8 and one.bounds[0] == one.bounds[1]
    assert '"maxZoom": 8' in _render(mapview.base_map(one))
    none = mapview.home_view(eng, Filters(q="no-such-words-anywhere"))
    html = _render(mapview.base_map(none))
    assert "32.3" in html and "42.4" in html  # Syria's bounds
    res = _map(ds, Filters(q="no-such-words-anywhere"))
    assert res.mode == "empty" and res.layers == [] and "No event matches" in res.note


def test_legend_lists_statuses_types_and_symbols():
    html = mapview.legend_html(["aircraft_loss", "shelling"])
    for word in ("Confirmed", "Disputed", "Denied", "Claimed", "Aircraft loss", "Shelling or missile attack",
                 "uncertainty"):
        assert word in html
    assert "Armed clash" not in html


def test_offline_outlines_drawn(ds):
    # the governorate outlines are in the repo (geodata/data/syr_governorates.geojson): never missing
    assert mapview.offline_outlines() is not None
    html = _render(_map(ds, online_tiles=False).map)
    assert "ConflictMap.offlineBase(" in html and "Aleppo" in html
    assert "tile.openstreetmap.org" not in html
    html = _render(_map(ds, online_tiles=True).map)
    assert "tile.openstreetmap.org" in html and "ConflictMap.tileStatus(" in html
    js = (assets.APP_SOURCE / "conflictmap.js").read_text()
    assert "tileerror" in js and "govlabels" in js


def test_hostile_strings_never_reach_the_map_html_raw(ds):
    html = _html(_map(ds, selected_id="hostile-title"))
    assert "<img src=x" not in html and "<b onmouseover" not in html
    assert "${7*6}" not in html  # the JS template literal payload is entity-encoded
    tip = mapview.event_tooltip(ds.event("hostile-title").to_dict())
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip and "&#36;{7*6}" in tip and "&#96;tick&#96;" in tip


def _synthetic(n, seed=3):
    from benchmarks.synthetic import synthetic_acled

    big, _ = import_csv(synthetic_acled(n, seed=seed), format="acled")
    return big


def test_a_large_set_is_counted_per_cell_then_drawn_one_by_one_when_zoomed_in():
    big = _synthetic(mapview.LARGE + 1500)
    eng = engine_of(big)
    f = Filters()
    located = int(big.events["lat"].notna().sum())
    syria = Bounds(32.0, 35.5, 37.5, 42.5)
    res = mapview.build_map(big, eng, f, bounds=syria, zoom=7)
    assert res.mode == "grid" and res.located == located
    html = _html(res)
    cells = _js_arg(html, "ConflictMap.cells(")
    assert sum(c["n"] for c in cells) == res.in_view == eng.located_count(f, mapview._pad(syria, mapview.VIEW_PAD))
    assert "event_id" not in html.split("ConflictMap.cells(")[1][:200000]  # counts, not events
    assert "more than the" in res.note and "cells" in res.note
    # Zoomed in on one town: single events, each with its id.
    town = Bounds(36.15, 37.05, 36.25, 37.25)
    res = mapview.build_map(big, eng, f, bounds=town, zoom=13)
    assert res.mode == "events" and 0 < res.drawn == res.in_view <= mapview.VIEW_EVENTS
    feats = _js_arg(_html(res), "ConflictMap.events(")["features"]
    assert len(feats) == res.drawn
    padded = mapview._pad(town, mapview.VIEW_PAD)
    for ft in feats:
        lon, lat = ft["geometry"]["coordinates"]
        assert padded.south <= lat <= padded.north and padded.west <= lon <= padded.east
    assert "drawn one by one" in res.note


def _js_arg(html: str, call: str):
    """The first JSON argument of a ConflictMap call in the rendered HTML."""
    at = html.index(call) + len(call)
    value, _ = json.JSONDecoder().raw_decode(html[at:].lstrip())
    return value


def test_events_without_coordinates_are_skipped():
    ev, cl, _, _ = make_frames([{"id": "x", "title": "t", "summary": "s", "event_type": "air_strike",
                                 "status": "claimed", "date_start": "2016-01-01"}], [], [], [])
    assert mapview.event_features(ev)["features"] == []
    res = _map(_dataset(ev, cl))
    assert res.mode == "empty" and res.unlocated == 1 and "coordinates" in res.note


def test_uncertainty_circles_are_geodesic_polygons():
    from geopy.distance import geodesic

    pts = mapview.circle_points(35.0, 38.0, 100)
    assert len(pts) == 64
    for lat, lon in pts:
        assert abs(geodesic((35.0, 38.0), (lat, lon)).km - 100) < 0.05
        assert abs(fmt.km_between(35.0, 38.0, lat, lon) - 100) < 0.6  # the great-circle figure


def test_view_leaves_out_a_few_far_away_events():
    syria = [(36.2, 37.16), (34.56, 38.28), (35.4, 35.95), (33.5, 36.3), (36.3, 43.1), (35.0, 38.5)]
    far = [(44.6, 33.5), (30.2, 31.3)]  # Sevastopol, Sinai
    core, out = mapview.core_points(syria + far)
    assert out == 2 and set(core) == set(syria)
    core, out = mapview.core_points(syria[:2] + far)  # half of them far away: fit them all
    assert out == 0 and len(core) == 4


def test_map_has_a_maximum_zoom(ds):
    # without one, Leaflet.markercluster zooms forever into markers that share a place
    html = _render(_map(ds).map)
    assert f'"maxZoom": {mapview.MAX_ZOOM}' in html


# ----------------------------------------------------------------- escaping

def test_safe_escapes_html_backtick_and_dollar():
    assert safe('<img src="x" onerror=alert(1)>') == "&lt;img src=&quot;x&quot; onerror=alert(1)&gt;"
    assert safe("`${x}`") == "&#96;&#36;{x}&#96;"
    assert safe(None) == ""
    assert safe_lines("a\n\nb") == "a<br><br>b"


def test_md_escapes_markdown():
    out = md("**b** [x](javascript:alert(1)) $x$ <i>i</i> :red[r]")
    assert "**" not in out.replace("\\*", "")
    assert out.startswith("\\*\\*b\\*\\*") and "\\[x\\]\\(javascript\\:" in out and "\\$x\\$" in out
    assert md("a\nb") == "a b"


# ----------------------------------------------------------------- highlighting

def test_highlight_finds_excerpts_across_line_breaks_and_quotes():
    text = "He said “no losses” —\nthe ministry.\nOther <b>text</b>."
    html, missing = highlight.highlight_html(text, [('"no losses" - the ministry', "ex"), ("absent", "ex")])
    assert '<mark class="ex">“no losses” —<br>the ministry</mark>' in html
    assert missing == {"absent"}
    assert "&lt;b&gt;text&lt;/b&gt;" in html


def test_highlight_merges_overlaps():
    html, _ = highlight.highlight_html("abc def ghi", [("abc def", "ex-hl"), ("def ghi", "ex")])
    assert html == '<mark class="ex-hl">abc def ghi</mark>'


# ----------------------------------------------------------------- formatting

def test_date_labels():
    assert fmt.date_label("2016-04-27", "2016-04-27", "day") == "27 Apr 2016"
    assert fmt.date_label("2016-10-29", "2016-11-04", "week") == "week of 29 Oct 2016"
    assert fmt.date_label("2016-03-01", "2016-03-31", "month") == "Mar 2016"
    assert fmt.date_label("2016-01-01", "2016-12-31", "year") == "2016"
    assert fmt.date_label("2016-04-27", "2016-05-03", "day") == "27 Apr – 3 May 2016"
    assert fmt.date_label(pd.NaT) == "date unknown"


# ----------------------------------------------------------------- offline assets

def test_vendor_assets_are_copied_idempotently(tmp_path):
    vendor = assets.ensure_vendor_assets(tmp_path)
    for rel in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/layers.png", "jquery/jquery.min.js",
                "markercluster/leaflet.markercluster.js", "markercluster/MarkerCluster.css"):
        assert (vendor / rel).is_file(), rel
    stamp = (vendor / assets.STAMP).stat().st_mtime_ns
    assert assets.ensure_vendor_assets(tmp_path) == vendor
    assert (vendor / assets.STAMP).stat().st_mtime_ns == stamp  # untouched the second time
    (vendor / "jquery" / "jquery.min.js").unlink()
    assets.ensure_vendor_assets(tmp_path)  # a damaged copy is replaced
    assert (vendor / "jquery" / "jquery.min.js").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".vendor")]
    for url in (assets.LEAFLET_JS, assets.JQUERY_JS, assets.MARKERCLUSTER_JS, assets.MARKERCLUSTER_CSS,
                assets.CONFLICTMAP_JS, assets.CONFLICTMAP_CSS, assets.MAP_BUNDLE_JS):
        assert (tmp_path / url.removeprefix("/app/static/")).is_file()


def test_map_bundle_holds_every_script_in_order(tmp_path):
    vendor = assets.ensure_vendor_assets(tmp_path)
    bundle = (vendor / "app" / assets.MAP_BUNDLE_NAME).read_text(encoding="utf-8")
    starts = []
    for rel in assets.MAP_BUNDLE:
        part = (vendor / rel).read_text(encoding="utf-8")
        body = next(line for line in part.splitlines() if len(line) > 40 and not line.startswith("//#"))
        assert body in bundle, rel  # each file whole ...
        starts.append(bundle.index(f"/* ---- {rel} ---- */"))
    assert starts == sorted(starts)  # ... Leaflet first, the plugins after it, our script last
    assert "sourceMappingURL" not in bundle
    (vendor / "app" / assets.MAP_BUNDLE_NAME).unlink()
    assets.ensure_vendor_assets(tmp_path)  # a missing bundle is made again
    assert (vendor / "app" / assets.MAP_BUNDLE_NAME).read_text(encoding="utf-8") == bundle


ODD_IDS = ("acled-a&b1", "acled-a&amp;b2", "x</script><script>alert(1)//3", "q\"uote'4", "ls\u2028sep\u20295",
           "tick`${x}6", "é-ünï-7", "<b>8", "no-number", "a>b&c<d")


def test_odd_ids_round_trip_through_the_event_layer():
    """A click gives back properties.event_id: it must be the id exactly as in the data (not
    HTML-escaped), and nothing in the embedded JSON may end the script."""
    rows = [{"id": eid, "title": "t", "summary": "s", "event_type": "air_strike", "status": "claimed",
             "date_start": "2016-01-01", "date_end": "2016-01-01", "lat": 35.0 + i / 100, "lon": 38.0,
             "precision": 1, "place_name": "<i>Town</i> & co"} for i, eid in enumerate(ODD_IDS)]
    ev, _, _, _ = make_frames(rows, [], [], [])
    html = _html(_map(_dataset(ev)))
    embedded = html.split("ConflictMap.events(", 1)[1]
    for raw in ("</script", "<script", "<b>", "\u2028", "\u2029"):  # (a `${` in a JSON string is inert: not a template literal)
        assert raw not in embedded.split("</script>")[0], raw
    feats = _js_arg(html, "ConflictMap.events(")["features"]
    assert sorted(ft["properties"]["event_id"] for ft in feats) == sorted(ODD_IDS)


def test_highlight_overlap_keeps_the_first_listed_class_whatever_starts_first():
    """The Sources page lists the selected claim's excerpts first ("ex-hl"): an overlapping excerpt
    of another claim that starts earlier must not take the strong highlight away."""
    html, _ = highlight.highlight_html("abc def ghi", [("def ghi", "ex-hl"), ("abc def", "ex")])
    assert html == '<mark class="ex-hl">abc def ghi</mark>'
    html, _ = highlight.highlight_html("abc def ghi jkl", [("def", "ex-hl"), ("abc def ghi", "ex"), ("ghi jkl", "ex")])
    assert html == '<mark class="ex-hl">abc def ghi jkl</mark>'
    html, _ = highlight.highlight_html("abc def ghi", [("abc", "ex"), ("ghi", "ex-hl")])  # apart: each its own
    assert html == '<mark class="ex">abc</mark> def <mark class="ex-hl">ghi</mark>'


def test_at_the_deepest_zoom_events_sharing_places_are_drawn_up_to_the_limit(monkeypatch):
    big = _synthetic(mapview.LARGE + 1500)
    eng = engine_of(big)
    monkeypatch.setattr(mapview, "VIEW_EVENTS", 50)
    aleppo = Bounds(36.18, 37.11, 36.22, 37.16)
    at_13 = mapview.build_map(big, eng, Filters(), bounds=aleppo, zoom=13)
    assert at_13.mode == "grid" and at_13.in_view > 50
    deepest = mapview.build_map(big, eng, Filters(), bounds=aleppo, zoom=mapview.MAX_ZOOM)
    assert deepest.mode == "events" and deepest.drawn == 50 < deepest.in_view == at_13.in_view
    assert f"50 of the {deepest.in_view:,} events in this view" in deepest.note


def test_the_base_map_draws_its_labels_without_shapely():
    """The governorate names sit at geodata's stored label points: a server's first map imports no
    shapely (its import and the polygons' geometry cost ~0.15 s of that first run)."""
    import subprocess
    import sys

    code = ("import sys; from pages.ui import mapview, rendercache; from pages.ui.mapview import layers; "
            "m = mapview.base_map(mapview.Home(bounds=((32.3, 35.7), (37.3, 42.4)), max_zoom=12)); "
            "fc, labels = layers._label_outlines(layers.offline_outlines()); "
            "assert len(labels) == 14 and all(l['lat'] and l['lon'] for l in labels); "
            "rendercache.render_base(m, key='map', height=600); print('shapely' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False"), out.stdout + out.stderr
