"""AppTest: the map page (markers, selection by click, side panel, escaping)."""
from __future__ import annotations

import re

from app_support import (ALEPPO_ID, HELI_ID, HOSTILE_ID, all_text, click_marker, folium_args, html_bodies,
                         make_app, no_exceptions, shown_count)


def test_map_page_draws_every_located_event_offline(monkeypatch):
    at = make_app(monkeypatch).run()
    no_exceptions(at)
    assert shown_count(at) == (5, 5)
    args = folium_args(at)
    layers = args["feature_group"]  # the events are a dynamic layer: the base map never changes
    for eid in (ALEPPO_ID, HELI_ID, HOSTILE_ID, "hmeimim-withdrawal"):
        assert f'"event_id": "{eid}"' in layers
        assert eid not in args["script"]
    assert "latakia-shell-deaths" not in layers  # no coordinates: listed in the table, not drawn
    assert "ConflictMap.events(" in layers and "ConflictMap.cells(" not in layers
    # Leaflet, jQuery and markercluster come from the app itself, never a CDN.
    links = args["js_links"] + args["css_links"]
    assert links and all(u.startswith("/app/static/vendor/") for u in links), links
    assert "bootstrap" not in " ".join(links) and "awesome" not in " ".join(links)
    assert not re.search(r"https?://", args["header"])
    assert args["returned_objects"] == ["last_active_drawing"]  # all drawn: one run on load, one per click
    assert args["js_links"] == ["/app/static/vendor/app/map-bundle.js"]  # Leaflet & co. and ours: one file
    assert "/app/static/vendor/app/conflictmap.css" in args["css_links"]
    assert "4 events on the map" in all_text(at)


def test_click_on_marker_selects_event_and_panel_shows_excerpts(monkeypatch):
    at = make_app(monkeypatch).run()
    click_marker(at, ALEPPO_ID)
    no_exceptions(at)
    assert at.query_params["event"] == ALEPPO_ID
    text = all_text(at)
    assert "Air strike on Al-Quds hospital in Aleppo" in text
    assert "Doctors without Borders claims that the hospital was destroyed in a recent air raid." in text
    assert "The Russian Defense Ministry denies the very instance of an air strike against a hospital" in text
    assert "Russian Ministry of Defence" in text and ">denies<" in text and ">asserts<" in text
    assert "Denied" in text  # status badge
    assert "?event=aleppo-hospital-strike" in text  # link to this event
    # each claim links to its archived source with the excerpt highlighted
    links = [n for n in at.get("page_link")]
    assert len(links) == 2


def test_repeated_rerun_does_not_reapply_an_old_click(monkeypatch):
    at = make_app(monkeypatch).run()
    click_marker(at, ALEPPO_ID)
    at.button(key="map-panel-clear").click().run()
    assert "event" not in at.query_params
    at.run()  # the old click value is still in session state: it must not select again
    assert "event" not in at.query_params
    click_marker(at, ALEPPO_ID)  # a click on the same marker (on the new map component) selects again
    assert at.query_params["event"] == ALEPPO_ID


def test_selection_does_not_remount_the_map(monkeypatch):
    at = make_app(monkeypatch).run()
    before = folium_args(at)
    assert "ev-selected" not in before["feature_group"]
    click_marker(at, HELI_ID)
    after = folium_args(at)
    assert "ev-selected" in after["feature_group"]  # the selection ring is a dynamic layer ...
    assert after["script"] == before["script"] or _stable(after["script"]) == _stable(before["script"])
    assert after["key"] == before["key"]  # ... so the component keeps its key: no remount


def _stable(script: str) -> str:
    return re.sub(r"_[a-z0-9]+", "", script)


def test_event_parameter_opens_event(monkeypatch):
    at = make_app(monkeypatch, {"event": HELI_ID}).run()
    no_exceptions(at)
    text = all_text(at)
    assert "Russian helicopter shot down or landed under fire near Palmyra" in text
    assert "declared that they shot down a Russian helicopter in the province of HOMS in Syria" in text
    assert "Place per this claim:" in text and "Hama province" in text
    assert "0 (Russian Ministry of Defence)" in text  # fatalities by claimant
    assert "ev-selected" in folium_args(at)["feature_group"]


def test_filter_change_does_not_remount_the_map(monkeypatch):
    at = make_app(monkeypatch).run()
    before = folium_args(at)
    at.sidebar.multiselect(key="flt_status").set_value(["denied"]).run()
    no_exceptions(at)
    after = folium_args(at)
    assert after["key"] == before["key"]
    assert ALEPPO_ID in after["feature_group"] and HELI_ID not in after["feature_group"]
    assert HELI_ID in before["feature_group"]


def test_disputed_places_and_uncertainty_are_drawn(monkeypatch):
    at = make_app(monkeypatch).run()
    script = folium_args(at)["feature_group"]
    assert "per Islamic State" in script and "per Russian Ministry of Defence" in script
    assert '"dashArray": "6 5"' in script  # the lines linking each claimed place to the event
    from pages.ui.mapview import circle_points

    north = circle_points(34.56, 38.27, 60)[0]  # the event's own 60 km uncertainty circle
    assert f"[{north[0]}, {north[1]}]" in script
    north = circle_points(33.5102, 36.2913, 25)[0]  # the hostile event, precision 2: 25 km
    assert f"[{north[0]}, {north[1]}]" in script


def test_hostile_event_is_escaped_everywhere(monkeypatch):
    at = make_app(monkeypatch, {"event": HOSTILE_ID}).run()
    no_exceptions(at)
    for body in html_bodies(at):
        if body.lstrip().startswith("<style"):
            continue
        assert "<img" not in body and "<script" not in body and "<i>Damascus" not in body and "${" not in body
        assert "<b>shelling" not in body
    text = "\n".join(html_bodies(at))
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # shown as text
    assert "&lt;b&gt;shelling&lt;/b&gt; hit the &#36;{district} at dawn." in text
    assert "&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt;" in text
    script = folium_args(at)["script"] + folium_args(at)["feature_group"]
    assert "<img" not in script and "<script" not in script and "<b " not in script
    # Markdown-rendered texts (labels, captions) escape Markdown.
    for m in at.markdown:
        assert "**bold**" not in m.value and "](javascript" not in m.value


def test_unknown_event_parameter_gives_notice(monkeypatch):
    at = make_app(monkeypatch, {"event": "no-such-event"}).run()
    no_exceptions(at)
    assert any("no\\-such\\-event" in w or "no-such-event" in w for w in (x.value for x in at.warning))
    assert "event" not in at.query_params


# ----------------------------------------------------------------- a large dataset: the view drives the map

import pytest  # noqa: E402


@pytest.fixture
def big_folder(tmp_path, monkeypatch):
    from benchmarks.synthetic import synthetic_acled
    from events import store
    from events.importers import import_csv
    from pages.ui import mapview

    ds, report = import_csv(synthetic_acled(mapview.LARGE + 1500, seed=5), format="acled", name="Synthetic")
    store.save_dataset(ds, tmp_path, report=report, slug="synthetic")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    return tmp_path


def _send_view(at, south, west, north, east, zoom):
    """What streamlit-folium sends after a pan or zoom (GUIDE §1: bounds and zoom)."""
    at.session_state["map"] = {"last_active_drawing": None, "zoom": zoom,
                               "bounds": {"_southWest": {"lat": south, "lng": west},
                                          "_northEast": {"lat": north, "lng": east}}}
    return at.run()


def test_bounds_and_zoom_round_trip_turn_counts_into_events(monkeypatch, big_folder):
    at = make_app(monkeypatch, {"dataset": "synthetic"}).run()
    no_exceptions(at)
    first = folium_args(at)
    assert first["returned_objects"] == ["last_active_drawing", "bounds", "zoom"]
    assert "ConflictMap.cells(" in first["feature_group"]  # the whole of Syria: counted per cell
    assert "counted per cell" in all_text(at)
    # Zoom into Aleppo: the view comes back, the engine finds few events there, they are drawn.
    _send_view(at, 36.15, 37.05, 36.25, 37.25, 13)
    no_exceptions(at)
    zoomed = folium_args(at)
    assert "ConflictMap.events(" in zoomed["feature_group"] and "ConflictMap.cells(" not in zoomed["feature_group"]
    ids = set(re.findall(r'"event_id": "([^"]+)"', zoomed["feature_group"]))
    assert ids and "drawn one by one" in all_text(at)
    assert zoomed["key"] == first["key"] and zoomed["script"] == first["script"]  # never remounted
    # Back out: counts again, same component.
    _send_view(at, 31.0, 34.0, 38.5, 43.5, 6)
    out = folium_args(at)
    assert "ConflictMap.cells(" in out["feature_group"] and out["key"] == first["key"]
    # A click on a cell (no event id) selects nothing; a click on an event selects it.
    click_marker(at, sorted(ids)[0])
    assert at.query_params["event"] == sorted(ids)[0]


def test_a_large_map_is_drawn_before_its_time_histogram(monkeypatch, big_folder):
    """A map that reports its view: the first run sends the map and a place for the histogram;
    the rerun that the map's first report of its view makes draws the histogram there."""
    from app_support import elements, html_bodies

    at = make_app(monkeypatch, {"dataset": "synthetic"}).run()
    no_exceptions(at)
    assert folium_args(at)["feature_group"]  # the map and its layer
    assert not elements(at, "vega_lite_chart")
    assert any("drawn once the map has loaded" in b for b in html_bodies(at))
    assert at.selectbox(key="view_win")  # the play controls are there from the start
    _send_view(at, 31.0, 34.0, 38.5, 43.5, 6)  # the map's first report
    no_exceptions(at)
    assert len(elements(at, "vega_lite_chart")) == 1
    assert not any("drawn once the map has loaded" in b for b in html_bodies(at))
    at.run()  # and it stays
    assert len(elements(at, "vega_lite_chart")) == 1


def test_a_small_map_and_its_histogram_come_together(monkeypatch):
    from app_support import elements

    at = make_app(monkeypatch).run()  # the fixture: every event drawn, no view reported
    assert elements(at, "vega_lite_chart") and folium_args(at)["feature_group"]


def test_panel_says_in_words_why_the_event_has_its_status(monkeypatch):
    # The fixture's Al-Quds event: a counter-free denial.
    at = make_app(monkeypatch, {"event": ALEPPO_ID}).run()
    no_exceptions(at)
    assert "<b>Denied:</b> denied by Russian Ministry of Defence; asserted by" in all_text(at)


def test_panel_explains_the_mi24_dispute_on_the_curated_data(monkeypatch):
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "events" / "data"
    at = make_app(monkeypatch, {"event": "syrian-airbase-mi24-helicopters-destroyed-2016"}, data_dir=data).run()
    no_exceptions(at)
    text = all_text(at)
    assert ">Disputed<" in text
    assert ("<b>Disputed:</b> countered by Russian Defence Ministry; corroborated by Stratfor; "
            "denied by Russian Defence Ministry; asserted by Islamic State") in text
    assert ">corroborates<" in text
