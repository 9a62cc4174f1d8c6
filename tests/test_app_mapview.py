"""The pure view helpers: map building, escaping, excerpt highlighting, offline assets."""
from __future__ import annotations

import json
import re
import sys

import folium
import pandas as pd
import pytest
from streamlit_folium import _get_map_string, generate_js_hash

from app_support import APP_FIXTURE
from events.dataset import make_frames
from events.load import load_curated
from pages.ui import assets, fmt, highlight, mapview
from pages.ui.html_safe import md, safe, safe_lines


@pytest.fixture(scope="module")
def ds():
    return load_curated(APP_FIXTURE)


def _render(m: folium.Map) -> str:
    return m.get_root().render()


def test_map_uses_only_local_assets(ds):
    html = _render(mapview.build_map(ds.events, ds.claims))
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/app/static/vendor/") for s in srcs), srcs
    assert "cdn" not in " ".join(srcs)


def test_map_is_deterministic_for_the_same_input(ds):
    a = _get_map_string(mapview.build_map(ds.events, ds.claims))
    b = _get_map_string(mapview.build_map(ds.events, ds.claims))
    assert generate_js_hash(a, "map") == generate_js_hash(b, "map")


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
    one = ds.events[ds.events["id"] == "aleppo-hospital-strike"]
    html = _render(mapview.build_map(one, ds.claims))
    assert '"maxZoom": 8' in html
    empty = ds.events.iloc[0:0]
    html = _render(mapview.build_map(empty, ds.claims))
    assert "32.3" in html and "42.4" in html  # Syria's bounds


def test_legend_lists_statuses_types_and_symbols():
    html = mapview.legend_html(["aircraft_loss", "shelling"])
    for word in ("Confirmed", "Disputed", "Denied", "Claimed", "Aircraft loss", "Shelling or missile attack",
                 "uncertainty"):
        assert word in html
    assert "Armed clash" not in html


def test_offline_outlines_drawn(ds):
    # the governorate outlines are in the repo (geodata/data/syr_governorates.geojson): never missing
    assert mapview.offline_outlines() is not None
    html = _render(mapview.build_map(ds.events, ds.claims, online_tiles=False))
    assert "govlabels" in html and "Aleppo" in html
    assert "tile.openstreetmap.org" not in html
    html = _render(mapview.build_map(ds.events, ds.claims, online_tiles=True))
    assert "tile.openstreetmap.org" in html and "tileerror" in html


def test_hostile_strings_never_reach_the_map_html_raw(ds):
    html = _render(mapview.build_map(ds.events, ds.claims, "hostile-title"))
    assert "<img src=x" not in html and "<b onmouseover" not in html
    assert "${7*6}" not in html  # the JS template literal payload is entity-encoded
    tip = mapview.event_tooltip(ds.event("hostile-title").to_dict())
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip and "&#36;{7*6}" in tip and "&#96;tick&#96;" in tip


def test_too_many_events_need_the_compact_layer(monkeypatch):
    n = mapview.LARGE + 1
    rows = [{"id": f"e{i}", "title": "t", "summary": "s", "event_type": "air_strike", "status": "claimed",
             "date_start": "2016-01-01", "date_end": "2016-01-01", "lat": 35.0, "lon": 38.0, "precision": 1}
            for i in range(n)]
    ev, cl, _, _ = make_frames(rows, [], [], [])
    monkeypatch.setitem(sys.modules, "pages.ui.bigmap", None)  # as if it did not exist
    with pytest.raises(mapview.CompactLayerUnavailable, match="too many"):
        mapview.build_map(ev, cl)


def test_events_without_coordinates_are_skipped():
    ev, cl, _, _ = make_frames([{"id": "x", "title": "t", "summary": "s", "event_type": "air_strike",
                                 "status": "claimed", "date_start": "2016-01-01"}], [], [], [])
    assert mapview.event_features(ev)["features"] == []
    _render(mapview.build_map(ev, cl))


def test_uncertainty_circles_are_geodesic_polygons():
    pts = mapview.circle_points(35.0, 38.0, 100)
    assert len(pts) == 64
    for lat, lon in pts:
        assert abs(fmt.km_between(35.0, 38.0, lat, lon) - 100) < 0.5


def test_view_leaves_out_a_few_far_away_events():
    syria = [(36.2, 37.16), (34.56, 38.28), (35.4, 35.95), (33.5, 36.3), (36.3, 43.1), (35.0, 38.5)]
    far = [(44.6, 33.5), (30.2, 31.3)]  # Sevastopol, Sinai
    core, out = mapview.core_points(syria + far)
    assert out == 2 and set(core) == set(syria)
    core, out = mapview.core_points(syria[:2] + far)  # half of them far away: fit them all
    assert out == 0 and len(core) == 4


def test_map_has_a_maximum_zoom(ds):
    # without one, Leaflet.markercluster zooms forever into markers that share a place
    html = _render(mapview.build_map(ds.events, ds.claims))
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
    for url in (assets.LEAFLET_JS, assets.JQUERY_JS, assets.MARKERCLUSTER_JS, assets.MARKERCLUSTER_CSS):
        assert (tmp_path / url.removeprefix("/app/static/")).is_file()


ODD_IDS = ("acled-a&b1", "acled-a&amp;b2", "x</script><script>alert(1)//3", "q\"uote'4", "ls\u2028sep\u20295",
           "tick`${x}6", "é-ünï-7", "<b>8", "no-number", "a>b&c<d")


def test_compact_layer_ids_round_trip_through_the_html():
    """The compact layer (large maps) embeds ids as prefix table + number, and the browser rebuilds
    them (eventId() in bigmap's script): a click must give back the id exactly as it is in the data
    (not HTML-escaped), and nothing in the embedded JSON may end the script."""
    from pages.ui import bigmap

    rows = [{"id": eid, "title": "t", "summary": "s", "event_type": "air_strike", "status": "claimed",
             "date_start": "2016-01-01", "date_end": "2016-01-01", "lat": 35.0 + i / 100, "lon": 38.0,
             "precision": 1, "place_name": "<i>Town</i> & co"} for i, eid in enumerate(ODD_IDS)]
    ev, _, _, _ = make_frames(rows, [], [], [])
    m = folium.Map(tiles=None)
    bigmap.add_compact_layer(m, ev)
    html = _render(m)
    # the embedded data as the browser's script sees it: `var D = {...};`
    found = re.search(r"var D = (\{.*?\});\n", html)
    assert found, "no compact-layer data in the map"
    embedded = found.group(1)
    for raw in ("</", "<script", "<b>", "\u2028", "\u2029", "`", "${"):
        assert raw not in embedded, raw
    D = json.loads(embedded)
    rebuilt = [D["prefixes"][p] + (str(k) if k >= 0 else "") for p, k in zip(D["p"], D["k"])]  # as eventId(j)
    assert sorted(rebuilt) == sorted(ODD_IDS)
    assert D["names"] == [safe("<i>Town</i> & co")]  # place names do reach HTML: escaped


@pytest.mark.filterwarnings("error")
def test_compact_layer_codes_unknown_or_missing_values_without_warnings():
    from events import vocab
    from pages.ui import bigmap

    rows = [{"id": f"e{i}", "event_type": t, "status": s, "date_precision": p, "date_start": "2016-01-01",
             "lat": 35.0 + i / 100, "lon": 38.0, "precision": 1}
            for i, (t, s, p) in enumerate([("air_strike", "denied", "month"), ("", "", ""),
                                           ("teleportation", "rumoured", "decade")])]
    ev, _, _, _ = make_frames(rows, [], [], [])
    ev.loc[1, ["event_type", "status", "date_precision"]] = None
    D = bigmap.compact_payload(ev)
    by_id = {D["prefixes"][p] + (str(k) if k >= 0 else ""): j for j, (p, k) in enumerate(zip(D["p"], D["k"]))}
    j0, j1, j2 = by_id["e0"], by_id["e1"], by_id["e2"]
    assert D["s"][j0] == list(vocab.STATUSES).index("denied") and D["t"][j0] == list(vocab.EVENT_TYPES).index("air_strike")
    assert D["d"][j0] % 4 == 2  # month
    assert D["s"][j1] == D["t"][j1] == D["s"][j2] == D["t"][j2] == -1
    assert D["d"][j1] % 4 == D["d"][j2] % 4 == 0


def test_highlight_overlap_keeps_the_first_listed_class_whatever_starts_first():
    """The Sources page lists the selected claim's excerpts first ("ex-hl"): an overlapping excerpt
    of another claim that starts earlier must not take the strong highlight away."""
    html, _ = highlight.highlight_html("abc def ghi", [("def ghi", "ex-hl"), ("abc def", "ex")])
    assert html == '<mark class="ex-hl">abc def ghi</mark>'
    html, _ = highlight.highlight_html("abc def ghi jkl", [("def", "ex-hl"), ("abc def ghi", "ex"), ("ghi jkl", "ex")])
    assert html == '<mark class="ex-hl">abc def ghi jkl</mark>'
    html, _ = highlight.highlight_html("abc def ghi", [("abc", "ex"), ("ghi", "ex-hl")])  # apart: each its own
    assert html == '<mark class="ex">abc</mark> def <mark class="ex-hl">ghi</mark>'
