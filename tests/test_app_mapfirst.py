"""AppTest: the map-first page (issue 12): title and dataset name, the time histogram under the map
(brushing sets the date filter and the URL, the step control moves a window), colour by (legend,
map, URL), share/embed snippets and the embed view."""
from __future__ import annotations

import datetime as dt

from app_support import all_text, folium_args, html_bodies, make_app, no_exceptions, qp_all, shown_count

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
    shown = {b["label"]: b for b in _copy_buttons(at) if b["show"]}  # the share box: text shown, a copy button
    link, snippet = shown["Copy"]["text"], shown["Copy embed code"]["text"]
    assert link.startswith("/?") and "status=denied" in link and "color=type" in link, link
    assert snippet.startswith("<iframe") and "embed=true" in snippet and "status=denied" in snippet
    assert shown["Copy"]["link"] and not shown["Copy embed code"]["link"]  # only an address is made absolute
    # The "Copy link" button is given the same address (its script copies it: tests/browser).
    button = _copy_button(at)
    assert button["text"] == link and button["label"] == "Copy link" and not button["show"]
    assert not at.code  # no st.code: its syntax highlighter is a 1.5 MB script (pages/ui/share.py)


def _copy_buttons(at) -> list[dict]:
    import json

    from app_support import walk

    found = [n for n in walk(at._tree) if getattr(n, "type", None) == "bidi_component"
             and n.proto.component_name == "conflict_map_copy_link"]
    assert all("navigator.clipboard.writeText" in n.proto.js_content for n in found)  # read from pages/ui/copylink.js
    return [json.loads(n.proto.json) for n in found]


def _copy_button(at) -> dict:
    """The "Copy link" button of the view (the one beside the map, its text not shown)."""
    found = [b for b in _copy_buttons(at) if b["label"] == "Copy link"]
    assert len(found) == 1
    return found[0]


def test_copy_link_follows_the_filters_and_hostile_text_is_data(monkeypatch):
    at = make_app(monkeypatch, {"q": "<img src=x onerror=alert(1)>"}).run()
    no_exceptions(at)
    url = _copy_button(at)["text"]
    assert url.startswith("/?") and "%3Cimg" in url and "<img" not in url  # URL-encoded, and set as text by the script
    at = _click_area(make_app(monkeypatch, {"layer": "governorate"}).run(), "SY02", "governorate")
    assert "area=SY02" in _copy_button(at)["text"] and "layer=governorate" in _copy_button(at)["text"]


def test_embed_view_is_map_legend_and_histogram(monkeypatch):
    at = make_app(monkeypatch, {"embed": "true", "status": "denied"}).run()
    no_exceptions(at)
    assert folium_args(at)  # the map
    assert at.get("vega_lite_chart")  # the histogram
    assert _legend_strip(at)
    assert shown_count(at)[0] < shown_count(at)[1]  # the filters of the address apply
    assert not [r for r in at.radio if r.key == "view_color"]  # no controls beside the map
    assert not _copy_buttons(at)  # no share box, no side panel
    assert "Select an event" not in all_text(at)


def _click_area(at, pcode: str, level: str, stamp: int = 1):
    # What st_folium returns after a click on a GeoJSON area (the map's key is "map" before any
    # clear); the browser stamps each click (ConflictMap.areaFeature).
    at.session_state["map"] = {"last_active_drawing": {"type": "Feature", "properties": {
        "area_pcode": pcode, "area_level": level, "clicked": stamp}, "geometry": None}}
    return at.run()


def test_choropleth_by_governorate_counts_the_filtered_events(monkeypatch):
    at = make_app(monkeypatch, {"layer": "governorate"}).run()
    no_exceptions(at)
    layers = folium_args(at)["feature_group"]
    assert '"area_pcode": "SY02"' in layers  # Aleppo governorate drawn as an area
    strip = _legend_strip(at)
    # 3 of the 4 located events: the fifth's precision (5, a province-wide place) names no governorate
    assert 'data-areas="governorate"' in strip and "3 in all areas" in strip
    assert "ConflictMap.events(" not in layers  # areas instead of the single events
    assert at.query_params["layer"] == "governorate"
    # A click on an area says what it holds, and filters to it.
    _click_area(at, "SY02", "governorate")
    no_exceptions(at)
    assert any("Aleppo" in c.value and "events" in c.value for c in at.caption)


def test_an_area_click_filters_to_it_without_remounting_the_map(monkeypatch):
    at = make_app(monkeypatch, {"layer": "district"}).run()
    assert shown_count(at) == (5, 5)
    script = folium_args(at)["script"]
    _click_area(at, "SY0200", "district")
    no_exceptions(at)
    assert qp_all(at, "area") == ["SY0200"] and at.query_params["layer"] == "district"
    assert shown_count(at) == (1, 5)  # the Aleppo hospital strike, the one event in Jebel Saman district
    assert at.multiselect(key="flt_areas").value == ["SY0200"]
    assert folium_args(at)["script"] == script  # the same base map: the component is not remounted
    assert '"area_pcode": "SY0200"' in folium_args(at)["feature_group"]
    # The click's value persists in the map's state: removing the chip is not undone by it ...
    at.multiselect(key="flt_areas").set_value([]).run()
    assert shown_count(at) == (5, 5) and "area" not in at.query_params
    at.run()
    assert shown_count(at) == (5, 5)
    # ... and a new click on the same area (a new stamp) filters again.
    _click_area(at, "SY0200", "district", stamp=2)
    assert shown_count(at) == (1, 5)
    # Another area replaces it.
    _click_area(at, "SY0602", "district", stamp=3)
    assert qp_all(at, "area") == ["SY0602"]
    assert shown_count(at) == (1, 5)


def test_area_from_the_url_chip_name_and_bad_area_notice(monkeypatch):
    at = make_app(monkeypatch, {"area": ["SY02", "SY06"]}).run()
    no_exceptions(at)
    assert shown_count(at) == (2, 5)
    ms = at.multiselect(key="flt_areas")
    assert ms.value == ["SY02", "SY06"]
    assert ms.format_func("SY02") == "Aleppo governorate"
    at = make_app(monkeypatch, {"area": ["SY02", "<script>alert(1)</script>"]}).run()
    no_exceptions(at)
    text = all_text(at)
    assert "Ignored unknown area" in text and "\\<script" in text  # Markdown-escaped in the notice
    assert not any("<script" in b for b in html_bodies(at))
    assert shown_count(at) == (1, 5) and qp_all(at, "area") == ["SY02"]


def test_area_stats_place_events_by_their_pcodes_at_every_level(monkeypatch):
    from events.engine import engine_of
    from events.filters import Filters
    from events.load import load_curated
    from pages.ui.mapview import areas

    ds = load_curated(str(__import__("app_support").APP_FIXTURE))
    eng = engine_of(ds)
    ev = ds.events
    for level, col in areas.LEVEL_COLUMNS.items():
        stats = areas.area_stats(eng, Filters(), level)
        # every located event whose precision vouches for that level, counted once, where the
        # area filter finds it
        assert stats["n"].sum() == (ev["lat"].notna() & (ev[col] != "")).sum() == 3
        assert stats["pcode"].is_unique
        for r in stats[stats["n"] > 0].itertuples():
            assert eng.located_count(Filters(areas=(r.pcode,))) == r.n
    gov = areas.area_stats(eng, Filters(), "governorate").set_index("pcode")
    assert gov.at["SY02", "n"] == 1  # the Aleppo hospital strike
    assert areas.area_stats(eng, Filters(areas=("SY02",)), "governorate")["n"].sum() == 1


def test_heat_layer_is_served_offline(monkeypatch):
    at = make_app(monkeypatch, {"layer": "heat"}).run()
    no_exceptions(at)
    args = folium_args(at)
    assert args["js_links"] == ["/app/static/vendor/app/map-bundle.js"]  # Leaflet.heat is in the bundle
    assert "L.heatLayer(" in args["feature_group"]


def test_invalid_layer_gives_notice_and_events(monkeypatch):
    at = make_app(monkeypatch, {"layer": "<b>areas", "measure": "x"}).run()
    no_exceptions(at)
    text = all_text(at)
    assert "Ignored layer" in text and "Ignored measure" in text
    assert "ConflictMap.events(" in folium_args(at)["feature_group"]


GED_HEADER = ("id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
              "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,"
              "side_b,number_of_sources,source_article,source_office,source_date,source_headline,source_original,"
              "where_prec,where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,"
              "country,country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
              "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob")


def _ged_row(i: int, place: str, lat: float, lon: float, date: str, best: int, headline: str) -> str:
    return (f'{i},SYR-2016-1-{i},2016,1,Clear,3,1,1,Syria: Government,1,1,Government of Syria - civilians,1,1,'
            f'Government of Syria,1,1,Civilians,1,"{headline}",Agency,{date},"{headline}",SOHR,1,"{place}",'
            f'"in {place}",Aleppo governorate,Jabal Saman district,{lat},{lon},POINT ({lon} {lat}),1,Syria,652,'
            f'Middle East,1,1,{date} 00:00:00,{date} 00:00:00,0,0,{best},0,{best},{best},{best},652,')


def _ged_store(tmp_path, monkeypatch):
    """A GED-shaped dataset imported into a store folder: one record overlapping the Al-Quds
    hospital strike (Aleppo, 2016-04-27) in place and time, one too far, one too late."""
    from events import store
    from events.importers import import_csv

    csv = tmp_path / "ged_aleppo.csv"
    csv.write_text("\n".join([
        GED_HEADER,
        _ged_row(1, "Aleppo city <b>al-Sukkari</b>", 36.2100, 37.1500, "2016-04-28", 27, "Strike on <i>hospital</i>"),
        _ged_row(2, "Idlib city", 35.9300, 36.6300, "2016-04-27", 3, "Far away"),
        _ged_row(3, "Aleppo city", 36.2150, 37.1490, "2016-06-20", 1, "Too late"),
    ]) + "\n", encoding="utf-8")
    ds, report = import_csv(csv, name="GED test")
    assert len(ds.events) == 3, report
    folder = tmp_path / "store"
    store.save_dataset(ds, folder, report=report, slug="ged-test")
    monkeypatch.setenv(store.ENV, str(folder))
    return folder


def test_nearby_records_in_another_dataset(tmp_path, monkeypatch):
    _ged_store(tmp_path, monkeypatch)
    at = make_app(monkeypatch, {"event": "aleppo-hospital-strike"}).run()
    no_exceptions(at)
    body = next(b for b in html_bodies(at) if "nb-rec" in b)
    assert "28 Apr 2016" in body and "27" in body and "0.6 km away" in body
    assert "&lt;b&gt;al-Sukkari&lt;/b&gt;" in body and "<b>al-Sukkari" not in body  # data stays text
    assert "Strike on &lt;i&gt;hospital&lt;/i&gt;" in body  # its source text (GED source_headline), escaped
    assert "Far away" not in body and "Too late" not in body
    assert "dataset=ged-test" in body and "event=" in body
    assert "1 record" in all_text(at)
    # No distance margin: the record 0.6 km away is inside the hospital's own uncertainty radius
    # (precision 1: 1 km), still found; no date margin either: dated the day after, it is not.
    at.number_input(key="near_km").set_value(0).run()
    assert "1 record" in all_text(at)
    at.number_input(key="near_days").set_value(0).run()
    assert "no record there and then" in all_text(at)
    assert at.query_params["near_km"] == "0" and at.query_params["near_days"] == "0"  # the margins are in the URL
    again = make_app(monkeypatch, {"event": "aleppo-hospital-strike", "near_km": "0", "near_days": "0"}).run()
    assert "no record there and then" in all_text(again)
    bad = make_app(monkeypatch, {"event": "aleppo-hospital-strike", "near_km": "-5"}).run()
    assert "a whole number from 0 to 200" in all_text(bad) and bad.number_input(key="near_km").value == 10
    at.number_input(key="near_km").set_value(10)
    at.number_input(key="near_days").set_value(60).run()
    body = next(b for b in html_bodies(at) if "nb-rec" in b)
    assert "Too late" in body and "Far away" not in body


def test_other_dataset_as_a_layer_over_the_curated_claims(tmp_path, monkeypatch):
    _ged_store(tmp_path, monkeypatch)
    at = make_app(monkeypatch).run()
    assert at.multiselect(key="view_with").options  # the stored dataset is offered
    at.multiselect(key="view_with").set_value(["ged-test"]).run()
    no_exceptions(at)
    assert at.query_params.get_all("with") == ["ged-test"] if hasattr(at.query_params, "get_all") else \
        at.query_params["with"] in ("ged-test", ["ged-test"])
    layers = folium_args(at)["feature_group"]
    assert '"overlay_id": "ged-1"' in layers and '"overlay_id": "ged-2"' in layers
    assert "&lt;i&gt;hospital&lt;/i&gt;" in layers or "Strike on" not in layers  # titles escaped in tooltips
    assert '"event_id": "aleppo-hospital-strike"' in layers  # the curated events stay
    assert any("Other datasets" in b and "GED test" in b for b in html_bodies(at))
    # From the address, and a dataset that does not exist gives a notice.
    at = make_app(monkeypatch, {"with": ["ged-test", "no-such"]}).run()
    assert '"overlay_id": "ged-1"' in folium_args(at)["feature_group"]
    assert "Ignored layer dataset" in all_text(at)


def test_colour_by_dataset_with_another_dataset_as_a_layer(tmp_path, monkeypatch):
    _ged_store(tmp_path, monkeypatch)
    at = make_app(monkeypatch, {"color": "dataset", "with": "ged-test"}).run()
    no_exceptions(at)
    assert at.radio(key="view_color").value == "dataset"
    strip = " ".join(b for b in html_bodies(at) if 'class="lg-strip"' in b)
    assert "This dataset" in strip and "GED test" in strip and "Denied" not in strip
    layers = folium_args(at)["feature_group"]
    assert '"colour": "#111827"' in layers and '"overlay_id": "ged-1"' in layers
