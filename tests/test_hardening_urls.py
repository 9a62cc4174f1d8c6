"""Hostile addresses (AppTest): query parameters with junk keys, huge values, unknown ids, injection
strings and odd Unicode never raise; whatever the app cannot use gives a notice and is dropped
from the address; when nothing usable was given the reader gets the default view (every event,
nothing selected).

A property-based test (hypothesis) drives many generated addresses through the app; a few
explicit cases pin the ones people actually paste.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from app_support import APP_FIXTURE, ROOT, no_exceptions, shown_count
from hardening_support import check_rendered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from events import vocab
from events.load import load_curated
from events.urlstate import KEYS, MAX_VALUE_LEN, MAX_VALUES

DS = load_curated(APP_FIXTURE)
N_EVENTS = len(DS.events)
EVENT_IDS = set(DS.events["id"])
TYPES = set(vocab.EVENT_TYPES) | set(DS.events["event_type"])
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Keys Streamlit or another part of the app owns: never generated as junk.
RESERVED = {"embed", "embed_options", "dataset", "source", "hl", "page", "view", "tab"}

INJECTIONS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --", "../../etc/passwd",
    "[click](javascript:alert(1))", "${alert(1)}", "`backtick`", "{{7*7}}", "</script>", "%00", "\u202eevil\u202c",
    "a\u200db", "💥", "\x00\x01\x1b", "2016-13-45", "99999-01-01", "0000-00-00", "2016-02-30", "NaN", "-1",
    "null", "undefined", "x" * 10_000, "é" * 201, "CONFIRMED ", "claimed\x00",
]


def usable(key: str, value: str) -> bool:
    """Would the app use this value? (So generated junk can be told from accidents.)"""
    v = value.strip()
    if len(value) > MAX_VALUE_LEN:
        return False
    if key == "status":
        return v.lower() in vocab.STATUSES
    if key == "type":
        return v in TYPES or v.lower() in TYPES
    if key == "actor":
        return DS.registry.resolve(v) is not None
    if key in ("from", "to"):
        if not ISO.match(v):
            return False
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            return False
        return True
    if key == "area":
        from events.urlstate import area_name

        return area_name(v.upper()) is not None
    if key == "event":
        return v in EVENT_IDS
    if key == "q":
        return bool(v)
    return False


value_strategy = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=40),
    st.text(min_size=MAX_VALUE_LEN + 1, max_size=MAX_VALUE_LEN + 60),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(lambda d: d.isoformat() + "x"),
)
junk_key = st.text(min_size=1, max_size=12).filter(lambda k: k not in KEYS and k not in RESERVED)
key_strategy = st.one_of(st.sampled_from([*KEYS, "dataset"]), junk_key)


@st.composite
def junk_params(draw) -> dict[str, list[str]]:
    """Query parameters of which no value is usable (blank values allowed: they are ignored)."""
    keys = draw(st.lists(key_strategy, min_size=1, max_size=5, unique=True))
    out = {}
    for k in keys:
        vals = draw(st.lists(value_strategy, min_size=1, max_size=3))
        vals = [v for v in vals if not usable(k, v)] or ["\u202e<script>alert(1)</script>" if k != "q" else "q" * 201]
        out[k] = vals
    return out


@pytest.fixture(scope="module")
def data_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVENTS_DATA_DIR", str(APP_FIXTURE))
        yield


def run_with(params: dict[str, list[str]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def notices(at) -> str:
    """Every notice; each one short, however long the values it quotes."""
    assert all(len(w.value) < 5000 for w in at.warning), [len(w.value) for w in at.warning]
    return "\n".join(w.value for w in at.warning)


def assert_default_view(at) -> None:
    assert shown_count(at) == (N_EVENTS, N_EVENTS)
    assert "event" not in at.query_params
    assert "Select an event" in "\n".join(i.value for i in at.info)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(params=junk_params())
def test_junk_addresses_give_a_notice_and_the_default_view(data_env, params):
    at = run_with(params)
    no_exceptions(at)
    # (a blank value is ignored without a word, whatever the key: `dataset=` too)
    meaningful = any((k not in KEYS and k != "dataset") or any(v.strip() for v in vals) for k, vals in params.items())
    if meaningful:
        assert notices(at), params
    assert_default_view(at)
    # what could not be used is gone from the address (a shared link stays clean)
    assert not set(at.query_params) - {"embed"}, dict(at.query_params)
    check_rendered(at)
    at.run()  # and a rerun is just as calm
    no_exceptions(at)
    assert_default_view(at)


@pytest.mark.parametrize("params", [
    {"event": ["x" * 100_000]},
    {"status": ["<script>alert(1)</script>"] * (MAX_VALUES + 1)},
    {"actor": ["'; DROP TABLE actors; --"], "type": ["../../etc/passwd"], "from": ["2016-02-30"]},
    {"q": ["\u202e" + "x" * 500], "to": ["0000-00-00"], "\x00": ["\x00"]},
    {"from": ["2016-06-01"], "to": ["2016-05-01"]},  # both valid, but reversed
    {"dataset": ["../../events/data"], "event": ["hostile-title\x00"]},
    {"dataset": ["<img src=x onerror=alert(1)>" * 400]},
], ids=["huge-event", "too-many-values", "sql-and-path", "unicode-and-nul", "reversed-dates", "dataset-path",
        "huge-dataset"])
def test_pasted_hostile_links(data_env, params):
    at = run_with(params)
    no_exceptions(at)
    check_rendered(at)
    assert notices(at)
    assert_default_view(at)


def test_valid_values_survive_next_to_junk(data_env):
    at = run_with({"status": ["disputed", "<img src=x>"], "zzz": ["1"], "from": ["2016-13-01"]})
    no_exceptions(at)
    text = notices(at)
    assert "zzz" in text and "2016\\-13\\-01" in text
    assert shown_count(at) == (2, N_EVENTS)  # the usable part of the link still applies
    assert at.query_params["status"] == "disputed" and set(at.query_params) == {"status"}


def test_extreme_but_valid_dates_do_not_break_the_date_widget(data_env):
    at = run_with({"from": ["0001-01-01"], "to": ["9999-12-31"]})
    no_exceptions(at)
    assert shown_count(at) == (N_EVENTS, N_EVENTS)
