"""AppTest: the shared sidebar filters, their URL query parameters, and invalid parameters."""
from __future__ import annotations

import datetime as dt

from app_support import (map_script, ALEPPO_ID, HELI_ID, all_text, folium_args, make_app, no_exceptions, qp_all, shown_count,
                         warnings)


def _ids_on_map(at) -> set[str]:
    import re

    return set(re.findall(r'"event_id": "([a-z0-9-]+)"', map_script(at)))


def test_status_filter_narrows_and_goes_to_url(monkeypatch):
    at = make_app(monkeypatch).run()
    at.multiselect(key="flt_status").set_value(["disputed"]).run()
    no_exceptions(at)
    assert shown_count(at) == (2, 5)
    assert qp_all(at, "status") == ["disputed"]
    assert _ids_on_map(at) == {HELI_ID}  # the other disputed event has no coordinates


def test_type_filter(monkeypatch):
    at = make_app(monkeypatch).run()
    at.multiselect(key="flt_types").set_value(["shelling"]).run()
    assert shown_count(at) == (2, 5)
    assert qp_all(at, "type") == ["shelling"]


def test_actor_filter_says_which_role_matched(monkeypatch):
    at = make_app(monkeypatch).run()
    at.multiselect(key="flt_actors").set_value(["msf"]).run()
    assert shown_count(at) == (1, 5)
    assert qp_all(at, "actor") == ["msf"]
    at.switch_page("pages/table.py").run()
    no_exceptions(at)
    table = at.dataframe[0].value
    assert list(table["Actor match"]) == ["Doctors without Borders — participant and claimant"]
    at.multiselect(key="flt_actors").set_value(["ru-mod"]).run()
    table = at.dataframe[0].value
    assert len(table) == 4 and set(table["Actor match"]) == {"Russian Ministry of Defence — claimant"}


def test_date_filter_keeps_overlapping_events(monkeypatch):
    at = make_app(monkeypatch).run()
    at.date_input(key="flt_dates").set_value((dt.date(2016, 3, 15), dt.date(2016, 4, 30))).run()
    no_exceptions(at)
    assert shown_count(at) == (2, 5)  # the March withdrawal (overlaps) and the 27 April strike
    assert at.query_params["from"] == "2016-03-15" and at.query_params["to"] == "2016-04-30"


def test_text_search_covers_titles_summaries_and_excerpts(monkeypatch):
    at = make_app(monkeypatch).run()
    at.text_input(key="flt_q").input("Palmyra").run()
    assert shown_count(at) == (1, 5)
    assert at.query_params["q"] == "Palmyra"
    at.text_input(key="flt_q").input("recent air raid").run()  # only in an excerpt
    assert shown_count(at) == (1, 5)
    at.text_input(key="flt_q").input("nothing-matches-this").run()
    assert shown_count(at) == (0, 5)
    no_exceptions(at)


def test_reset_clears_filters_and_url(monkeypatch):
    at = make_app(monkeypatch, {"status": "denied", "q": "hospital"}).run()
    assert shown_count(at) == (1, 5)
    at.button(key="flt_reset").click().run()
    assert shown_count(at) == (5, 5)
    assert "status" not in at.query_params and "q" not in at.query_params
    assert at.multiselect(key="flt_status").value == []


def test_query_parameters_restore_the_view(monkeypatch):
    at = make_app(monkeypatch, {"status": ["disputed", "denied"], "type": "aircraft_loss", "from": "2016-10-01",
                                "event": HELI_ID}).run()
    no_exceptions(at)
    assert not warnings(at)
    assert shown_count(at) == (1, 5)
    assert at.multiselect(key="flt_status").value == ["disputed", "denied"]
    assert at.multiselect(key="flt_types").value == ["aircraft_loss"]
    assert at.date_input(key="flt_dates").value[0] == dt.date(2016, 10, 1)
    assert "Russian helicopter shot down or landed under fire near Palmyra" in all_text(at)
    # the URL keeps the state
    assert qp_all(at, "status") == ["disputed", "denied"] and at.query_params["event"] == HELI_ID


def test_actor_parameter_accepts_an_alias(monkeypatch):
    at = make_app(monkeypatch, {"actor": "Russian Defense Ministry"}).run()
    assert at.multiselect(key="flt_actors").value == ["ru-mod"]
    assert at.query_params["actor"] == "ru-mod"


def test_invalid_parameters_are_dropped_with_a_notice(monkeypatch):
    at = make_app(monkeypatch, {
        "event": "no-such-event", "status": ["bogus", "denied"], "actor": "Nobody At All",
        "from": "2016-13-45", "to": "yesterday", "q": "x" * 5000, "type": "teleportation", "zzz": "1",
    }).run()
    no_exceptions(at)
    notes = "\n".join(warnings(at))
    for word in ("bogus", "Nobody", "2016\\-13\\-45", "yesterday", "200 characters", "teleportation",
                 "zzz", "no\\-such\\-event"):
        assert word in notes, word
    assert shown_count(at) == (1, 5)  # the valid part (status=denied) still applies
    assert dict(at.query_params) == {"status": "denied"}


def test_hostile_parameter_values_are_escaped_in_the_notice(monkeypatch):
    at = make_app(monkeypatch, {"status": "<script>alert(1)</script>", "actor": "[x](javascript:alert(1))"}).run()
    no_exceptions(at)
    notes = "\n".join(warnings(at))
    assert "\\<script\\>" in notes and "\\[x\\]\\(javascript" in notes


def test_from_after_to_is_dropped(monkeypatch):
    at = make_app(monkeypatch, {"from": "2016-12-01", "to": "2016-01-01"}).run()
    no_exceptions(at)
    assert shown_count(at) == (5, 5) and warnings(at)


def test_filters_survive_a_page_switch(monkeypatch):
    at = make_app(monkeypatch, {"status": "denied"}).run()
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    assert at.query_params["status"] == "denied" and shown_count(at) == (1, 5)
    at.switch_page("pages/map.py").run()
    assert at.query_params["status"] == "denied" and shown_count(at) == (1, 5)


def test_selected_event_hidden_by_filters_stays_open(monkeypatch):
    at = make_app(monkeypatch, {"event": ALEPPO_ID, "status": "confirmed"}).run()
    no_exceptions(at)
    assert "hidden by the current filters" in all_text(at)


def test_notices_survive_a_date_on_the_data_edge(monkeypatch):
    """A `from` before the data's first date (or `to` after its last) is the whole range: the
    notices about the rest of the address must still be shown, also on the next rerun."""
    for extra in ({"from": "2010-01-01"}, {"to": "2030-12-31"}, {"from": "2010-01-01", "to": "2030-12-31"}):
        at = make_app(monkeypatch, dict(extra, status="bogus")).run()
        no_exceptions(at)
        assert "bogus" in "\n".join(warnings(at)), extra
        assert shown_count(at) == (5, 5)
        at.run()
        assert "bogus" in "\n".join(warnings(at)), extra


def test_notices_clear_when_the_user_changes_a_filter(monkeypatch):
    at = make_app(monkeypatch, {"from": "2010-01-01", "status": "bogus"}).run()
    assert warnings(at)
    at.multiselect(key="flt_status").set_value(["denied"]).run()
    assert not warnings(at) and shown_count(at) == (1, 5)
