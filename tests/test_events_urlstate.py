"""Filters and selected event <-> URL query parameters (events/urlstate.py)."""
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.filters import Filters
from events.load import load_curated
from events.urlstate import KEYS, parse_query, to_query
from events.vocab import EVENT_TYPES, STATUSES

VALID = Path(__file__).parent / "fixtures" / "valid"
DS = load_curated(VALID)
EVENT_IDS = sorted(DS.events["id"])
ACTOR_IDS = sorted(DS.actors["id"])


def test_empty():
    assert parse_query({}, DS) == (Filters(), None, [])


def test_full_query():
    f, ev, notices = parse_query({
        "event": ["mi8-crash-palmyra"], "status": ["confirmed", "disputed"],
        "actor": ["ru-mod", "ISIS"], "type": ["aircraft_loss"],
        "from": ["2016-01-01"], "to": ["2016-12-31"], "q": ["  palmyra   crash "],
    }, DS)
    assert notices == []
    assert ev == "mi8-crash-palmyra"
    assert f == Filters(date_from=dt.date(2016, 1, 1), date_to=dt.date(2016, 12, 31),
                        actors=("ru-mod", "islamic-state"), statuses=("confirmed", "disputed"),
                        types=("aircraft_loss",), q="palmyra crash")


def test_single_strings_are_accepted():
    f, ev, notices = parse_query({"status": "denied", "event": "mi24-airbase-denied"}, DS)
    assert (f.statuses, ev, notices) == (("denied",), "mi24-airbase-denied", [])


def test_actor_by_alias_and_duplicates_dropped():
    f, _, notices = parse_query({"actor": ["Russian Defense Ministry", "ru-mod", "the ministry"]}, DS)
    assert f.actors == ("ru-mod",) and notices == []


@pytest.mark.parametrize("params,fragment", [
    ({"status": ["maybe"]}, "unknown status 'maybe'"),
    ({"actor": ["Pentagon"]}, "unknown actor 'Pentagon'"),
    ({"type": ["picnic"]}, "unknown event type 'picnic'"),
    ({"from": ["2016-13-01"]}, "'from' date '2016-13-01'"),
    ({"to": ["yesterday"]}, "'to' date 'yesterday'"),
    ({"event": ["no-such-event"]}, "Event 'no-such-event' is not in this dataset"),
    ({"colour": ["red"]}, "unknown parameter 'colour'"),
    ({"q": ["x" * 201]}, "longer than 200 characters"),
    ({"area": ["SY99"]}, "unknown area 'SY99'"),
    ({"area": ["<img src=x onerror=alert(1)>"]}, "unknown area '<img src=x onerror=alert(1)>'"),
    ({"status": ["confirmed"] * 51}, "51 values is more than 50"),
])
def test_bad_values_dropped_with_a_notice(params, fragment):
    f, ev, notices = parse_query(params, DS)
    assert (f, ev) == (Filters(), None)
    assert len(notices) == 1 and fragment in notices[0], notices


def test_from_after_to_drops_both():
    f, _, notices = parse_query({"from": ["2017-01-01"], "to": ["2016-01-01"], "status": ["denied"]}, DS)
    assert f == Filters(statuses=("denied",))
    assert len(notices) == 1 and "after" in notices[0]


def test_good_values_kept_next_to_bad_ones():
    f, _, notices = parse_query({"status": ["denied", "nope"], "actor": ["sohr", "nobody"]}, DS)
    assert f.statuses == ("denied",) and f.actors == ("sohr",)
    assert len(notices) == 2


def test_ambiguous_actor():
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        shutil.copytree(VALID, Path(d) / "x")
        with open(Path(d) / "x" / "actors.yaml", "a") as fh:
            fh.write("- id: sy-mod\n  name: Syrian MoD\n  kind: government\n  aliases: [the ministry]\n")
        ds = load_curated(Path(d) / "x")
    f, _, notices = parse_query({"actor": ["the ministry"]}, ds)
    assert f.actors == () and "could mean ru-mod, sy-mod" in notices[0]


def test_repeated_single_key_uses_the_last():
    f, _, notices = parse_query({"from": ["2016-01-01", "2016-02-01"]}, DS)
    assert f.date_from == dt.date(2016, 2, 1) and "used the last" in notices[0]


def test_case_insensitive_status_and_type():
    f, _, notices = parse_query({"status": ["Confirmed"], "type": ["AIR_STRIKE"]}, DS)
    assert (f.statuses, f.types, notices) == (("confirmed",), ("air_strike",), [])


def test_streamlit_keys_are_silent():
    assert parse_query({"embed": ["true"]}, DS)[2] == []


def test_notices_are_capped():
    _, _, notices = parse_query({f"k{i}": ["v"] for i in range(100)}, DS)
    assert len(notices) == 20 and "81 more" in notices[-1]


def test_areas_at_every_level_case_and_duplicates():
    f, _, notices = parse_query({"area": ["SY02", "sy0200", "SY020000", "SY02", " SY07 "]}, DS)
    assert f.areas == ("SY02", "SY0200", "SY020000", "SY07") and notices == []
    assert to_query(f)["area"] == ["SY02", "SY0200", "SY020000", "SY07"]
    # a known area next to a bad one: the good one kept, the bad one named
    f, _, notices = parse_query({"area": ["SY02", "Aleppo"]}, DS)
    assert f.areas == ("SY02",) and len(notices) == 1 and "'Aleppo'" in notices[0]


def test_area_names_say_the_level_and_where():
    from events.urlstate import area_name

    assert area_name("SY02") == "Aleppo governorate"
    assert area_name("SY0200") == "Jebel Saman district (Aleppo)"
    assert area_name("SY020000").endswith("sub-district (Jebel Saman, Aleppo)")
    assert area_name("SY99") is None and area_name("") is None


def test_to_query():
    f = Filters(date_from=dt.date(2016, 1, 1), actors=("ru-mod",), statuses=("denied", "claimed"), q="heli")
    assert to_query(f, "mi8-crash-palmyra") == {
        "event": ["mi8-crash-palmyra"], "status": ["denied", "claimed"], "actor": ["ru-mod"],
        "from": ["2016-01-01"], "q": ["heli"]}
    assert to_query(Filters()) == {}


# ---------------------------------------------------------------- properties

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12)


@st.composite
def valid_states(draw):
    d1, d2 = sorted([draw(dates), draw(dates)])
    f = Filters(
        date_from=draw(st.one_of(st.none(), st.just(d1))),
        date_to=draw(st.one_of(st.none(), st.just(d2))),
        actors=tuple(draw(st.lists(st.sampled_from(ACTOR_IDS), unique=True, max_size=4))),
        statuses=tuple(draw(st.lists(st.sampled_from(STATUSES), unique=True))),
        types=tuple(draw(st.lists(st.sampled_from(sorted(EVENT_TYPES)), unique=True, max_size=3))),
        q=" ".join(draw(st.lists(words, max_size=4))),
        areas=tuple(draw(st.lists(st.sampled_from(["SY02", "SY0200", "SY020000", "SY07", "SY1400"]), unique=True,
                                  max_size=3))),
    )
    event = draw(st.one_of(st.none(), st.sampled_from(EVENT_IDS)))
    return f, event


@settings(max_examples=60, deadline=None)
@given(valid_states())
def test_round_trip(state):
    f, event = state
    assert parse_query(to_query(f, event), DS) == (f, event, [])


values = st.one_of(
    st.text(max_size=250),
    st.sampled_from(["confirmed", "ru-mod", "ISIS", "2016-01-01", "2016-02-30", "mi8-crash-palmyra", "", " ",
                     "SY02", "sy0200", "SY9"]),
    st.integers(), st.none(), st.binary(max_size=10),
)
param_maps = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=10)),
    st.one_of(values, st.lists(values, max_size=60)),
    max_size=10,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(param_maps)
def test_never_raises(params):
    f, event, notices = parse_query(params, DS)
    assert isinstance(f, Filters)
    assert event is None or event in EVENT_IDS
    assert all(isinstance(n, str) and len(n) < 300 for n in notices)
    assert len(f.q) <= 200
    assert set(f.statuses) <= set(STATUSES) and set(f.actors) <= set(ACTOR_IDS)
    assert all(a.startswith("SY") for a in f.areas)
    if f.date_from and f.date_to:
        assert f.date_from <= f.date_to


def test_links_shared_before_the_stance_split_still_work():
    """`confirms` was split into `acknowledges` / `corroborates`; the status names did not change,
    so a link made before the split still filters (its events may now be disputed instead)."""
    from events.load import load_curated

    ds = load_curated()
    f, ev, notices = parse_query({"status": ["confirmed", "Disputed"],
                                  "event": ["latakia-shell-three-russians-killed-2015"]}, ds)
    assert (f.statuses, ev, notices) == (("confirmed", "disputed"), "latakia-shell-three-russians-killed-2015", [])
