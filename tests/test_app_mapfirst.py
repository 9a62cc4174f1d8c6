"""AppTest: the map-first page (issue 12): title and dataset name, the time histogram under the map
(brushing sets the date filter and the URL, the step control moves a window), colour by (legend,
map, URL), share/embed snippets and the embed view."""
from __future__ import annotations

import datetime as dt

from app_support import all_text, folium_args, html_bodies, make_app, no_exceptions, shown_count

from pages.ui import timebar

MS = 86_400_000


def _ms(d: str) -> int:
    return int(dt.datetime.fromisoformat(d).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def _legend_strip(at) -> str:
    return next(b for b in html_bodies(at) if 'class="lg-strip"' in b)


def test_map_first_title_histogram_and_default_colour(monkeypatch):
    at = make_app(monkeypatch).run()
    no_exceptions(at)
    assert any('class="cm-title"' in b and "Conflict event map" in b for b in html_bodies(at))
    charts = [c for c in at.get("vega_lite_chart")]
    assert charts, "no histogram under the map"
    assert at.radio(key="view_color").value == "status"  # curated claims have several statuses
    assert 'data-dim="status"' in _legend_strip(at)


def test_brushing_the_histogram_sets_dates_and_url(monkeypatch):
    at = make_app(monkeypatch).run()
    assert shown_count(at) == (5, 5)
    # What the browser sends when an interval is brushed: the x field's span in epoch ms.
    at.session_state[timebar.HIST_KEY] = {"selection": {"brush": {"bucket": [_ms("2016-04-01"), _ms("2016-05-15")]}}}
    at.run()
    no_exceptions(at)
    assert at.query_params["from"] == "2016-04-01" and at.query_params["to"] == "2016-05-14"
    n, total = shown_count(at)
    assert 0 < n < total
    assert at.session_state["flt_dates"] == (dt.date(2016, 4, 1), dt.date(2016, 5, 14))
    at.run()  # the same selection, still in the widget's state, is not applied again
    assert at.query_params["from"] == "2016-04-01"


def test_brushed_dates_reads_ms_and_iso_and_refuses_junk():
    assert timebar.brushed_dates({"selection": {"brush": {"bucket": [_ms("2016-01-01"), _ms("2016-01-08")]}}}) == (
        dt.date(2016, 1, 1), dt.date(2016, 1, 7))
    assert timebar.brushed_dates({"selection": {"brush": {"bucket": ["2016-02-01", "2016-02-03"]}}}) == (
        dt.date(2016, 2, 1), dt.date(2016, 2, 2))
    assert timebar.brushed_dates({"selection": {"brush": {}}}) is None
    assert timebar.brushed_dates({"selection": {"brush": {"bucket": ["x", "y"]}}}) is None
    assert timebar.brushed_dates({"selection": {}}) is None


def test_step_moves_a_window_of_the_chosen_width(monkeypatch):
    at = make_app(monkeypatch).run()
    at.selectbox(key="view_win").set_value(7).run()
    assert at.query_params["win"] == "7"
    at.button(key="play_next").click().run()
    no_exceptions(at)
    assert "from" not in at.query_params  # the first window starts on the data's first day
    assert at.query_params["to"] == "2015-10-18"
    at.button(key="play_next").click().run()
    assert (at.query_params["from"], at.query_params["to"]) == ("2015-10-19", "2015-10-25")
    at.button(key="play_back").click().run()
    assert at.query_params["to"] == "2015-10-18"


def test_window_from_url_and_invalid_window_gives_notice(monkeypatch):
    at = make_app(monkeypatch, {"win": "91"}).run()
    assert at.selectbox(key="view_win").value == 91
    at = make_app(monkeypatch, {"win": "12"}).run()
    assert "Ignored play window" in all_text(at)
    assert at.selectbox(key="view_win").value == 30


def test_colour_by_type_changes_legend_map_and_url(monkeypatch):
    at = make_app(monkeypatch).run()
    before = folium_args(at)["feature_group"]
    at.radio(key="view_color").set_value("type").run()
    no_exceptions(at)
    assert at.query_params["color"] == "type"
    strip = _legend_strip(at)
    assert 'data-dim="type"' in strip and "Event type" in strip and "Denied" not in strip
    after = folium_args(at)
    assert after["feature_group"] != before  # markers recoloured
    assert "Event type" in after["script"].split("ConflictMap.legend(")[1].split("Symbols")[0]  # the in-map legend
    at.radio(key="view_color").set_value("fatalities").run()
    assert at.query_params["color"] == "fatalities"
    assert "100 or more" in _legend_strip(at)


def test_colour_from_url_and_hostile_colour_stays_text(monkeypatch):
    at = make_app(monkeypatch, {"color": "fatalities"}).run()
    assert at.radio(key="view_color").value == "fatalities"
    at = make_app(monkeypatch, {"color": "<img src=x onerror=alert(1)>"}).run()
    no_exceptions(at)
    text = all_text(at)
    assert "Ignored colour" in text and "\\<img" in text  # Markdown-escaped in the notice
    assert not any("<img" in b for b in html_bodies(at))
    assert at.radio(key="view_color").value == "status"
    assert "color" not in at.query_params  # the default is not written


def test_share_link_and_embed_snippet(monkeypatch):
    at = make_app(monkeypatch, {"status": "denied", "color": "type"}).run()
    codes = [c.value for c in at.code]
    assert any(c.startswith("/?") and "status=denied" in c and "color=type" in c for c in codes), codes
    snippet = next(c for c in codes if c.startswith("<iframe"))
    assert "embed=true" in snippet and "status=denied" in snippet


def test_embed_view_is_map_legend_and_histogram(monkeypatch):
    at = make_app(monkeypatch, {"embed": "true", "status": "denied"}).run()
    no_exceptions(at)
    assert folium_args(at)  # the map
    assert at.get("vega_lite_chart")  # the histogram
    assert _legend_strip(at)
    assert shown_count(at)[0] < shown_count(at)[1]  # the filters of the address apply
    assert not [r for r in at.radio if r.key == "view_color"]  # no controls beside the map
    assert not at.code  # no share box, no side panel
    assert "Select an event" not in all_text(at)
