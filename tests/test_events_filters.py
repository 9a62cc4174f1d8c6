"""Shared filters (events/filters.py)."""
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from events.dataset import Dataset, make_frames
from events.filters import Filters, apply_filters
from events.load import load_curated

VALID = Path(__file__).parent / "fixtures" / "valid"
D = dt.date


@pytest.fixture(scope="module")
def ds():
    return load_curated(VALID)


def ids(ds, **kw):
    return sorted(apply_filters(ds, Filters(**kw)).events["id"])


ALL = ["helicopter-mortar-palmyra", "latakia-shell-deaths", "mi24-airbase-denied", "mi8-crash-palmyra"]


def test_no_filter_keeps_everything(ds):
    assert ids(ds) == ALL
    assert not Filters().active


def test_status(ds):
    assert ids(ds, statuses=("confirmed",)) == ["mi8-crash-palmyra"]
    assert ids(ds, statuses=("denied", "disputed")) == ["helicopter-mortar-palmyra", "mi24-airbase-denied"]


def test_type(ds):
    assert ids(ds, types=("shelling",)) == ["latakia-shell-deaths"]


def test_date_overlap(ds):
    # mi24: 2016-05-01..05-24, latakia: 05-24, mi8: 08-01, helicopter: 10-29..11-04
    assert ids(ds, date_from=D(2016, 5, 24), date_to=D(2016, 5, 24)) == ["latakia-shell-deaths", "mi24-airbase-denied"]
    assert ids(ds, date_from=D(2016, 11, 4)) == ["helicopter-mortar-palmyra"]  # end day counts
    assert ids(ds, date_to=D(2016, 10, 29)) == ALL  # start day counts
    assert ids(ds, date_to=D(2016, 10, 28)) == ["latakia-shell-deaths", "mi24-airbase-denied", "mi8-crash-palmyra"]
    assert ids(ds, date_from=D(2016, 5, 10), date_to=D(2016, 5, 12)) == ["mi24-airbase-denied"]  # inside a range
    assert ids(ds, date_from=D(2017, 1, 1)) == []


def test_text_search(ds):
    assert ids(ds, q="PALMYRA") == ["helicopter-mortar-palmyra", "mi8-crash-palmyra"]
    assert ids(ds, q="emergency landing") == ["helicopter-mortar-palmyra"]  # an excerpt's words
    assert ids(ds, q="palmyra five") == ["mi8-crash-palmyra"]  # every term must occur
    assert ids(ds, q="“rumors") == ["mi24-airbase-denied"]  # typographic quote normalised
    assert ids(ds, q="(") == []  # not a regex


def test_actor_matches_both_roles(ds):
    r = apply_filters(ds, Filters(actors=("islamic-state",)))
    assert sorted(r.events["id"]) == ["helicopter-mortar-palmyra", "mi8-crash-palmyra"]
    assert r.matched_roles == {"helicopter-mortar-palmyra": {"participant", "claimant"},
                               "mi8-crash-palmyra": {"participant"}}
    r = apply_filters(ds, Filters(actors=("ru-mod", "sohr")))
    assert r.matched_roles["mi24-airbase-denied"] == {"claimant"}
    assert apply_filters(ds, Filters()).matched_roles == {}


def test_facets_combine(ds):
    assert ids(ds, actors=("ru-mod",), statuses=("confirmed", "disputed"), q="palmyra",
               date_from=D(2016, 9, 1)) == ["helicopter-mortar-palmyra"]


def test_result_keeps_dataset_order(ds):
    r = apply_filters(ds, Filters(q="russian"))
    assert list(r.events.index) == sorted(r.events.index)


def big_dataset(n=100_000):
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    ev, cl, ro, ac = make_frames([], [], [], [])
    ids_ = pd.Series([f"e{i}" for i in range(n)], dtype="str")
    ev = pd.DataFrame({c: ev[c] for c in ev.columns}).reindex(range(n))
    ev["id"] = ids_
    ev["status"] = pd.Series(rng.choice(["confirmed", "disputed", "denied", "claimed"], n), dtype="str")
    ev["event_type"] = pd.Series(rng.choice(["air_strike", "shelling", "armed_clash"], n), dtype="str")
    ev["date_start"] = start.astype("datetime64[us]")
    ev["date_end"] = (start + pd.to_timedelta(rng.integers(0, 5, n), unit="D")).astype("datetime64[us]")
    ev["search_text"] = pd.Series(rng.choice(["air strike on aleppo", "shelling near palmyra hospital",
                                              "clash in idlib"], n), dtype="str")
    ro = pd.DataFrame({"event_id": pd.concat([ids_, ids_], ignore_index=True),
                       "actor_id": pd.Series(rng.choice([f"a{i}" for i in range(200)], 2 * n), dtype="str"),
                       "role": pd.Series(["participant"] * n + ["claimant"] * n, dtype="str")})
    return Dataset(name="big", kind="acled", events=ev, claims=cl, roles=ro, actors=ac)


def test_fast_on_100k_events():
    big = big_dataset()
    f = Filters(date_from=D(2016, 1, 1), date_to=D(2019, 12, 31), actors=("a1", "a2", "a3"),
                statuses=("confirmed", "disputed"), types=("shelling", "air_strike"), q="palmyra hospital")
    apply_filters(big, f)
    t = time.perf_counter()
    r = apply_filters(big, f)
    assert time.perf_counter() - t < 1.0
    assert 0 < len(r.events) < 100_000
    assert set(r.matched_roles) == set(r.events["id"])
