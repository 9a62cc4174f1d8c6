"""Shared filters (events/filters.py)."""
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from events.dataset import Dataset, make_frames
from events.filters import Filters, apply_filters, query_terms
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


def test_combined_filters_on_100k_events():
    # Speed is measured by benchmarks/scale.py, never here; this checks the combined filter at scale.
    big = big_dataset()
    f = Filters(date_from=D(2016, 1, 1), date_to=D(2019, 12, 31), actors=("a1", "a2", "a3"),
                statuses=("confirmed", "disputed"), types=("shelling", "air_strike"), q="palmyra hospital")
    r = apply_filters(big, f)
    assert 0 < len(r.events) < 100_000
    assert r.events["search_text"].str.contains("palmyra hospital", regex=False).all()
    assert r.events["status"].isin(["confirmed", "disputed"]).all()
    assert set(r.matched_roles) == set(r.events["id"])


# --------------------------------------------------------------------------- same answers as a plain reference

WORDS = ("aleppo", "palmyra", "al-bab", "strike", "air", "shelling", "hospital", "killed", "(3)", "a.b", "x*y",
         "c++", "[n]", "$5", "50%", "under_score", "back\\slash", "ḥama", "dayr", "ez-zor", "aaa", "aa", "é", "ß",
         "naïve", "“quoted”", "z")
ROLES_ = ("participant", "claimant")


def _py(values):
    """Column values as plain Python objects, missing ones (NaN, NaT) as None."""
    return [None if (not isinstance(v, (str, tuple)) and pd.isna(v)) else v for v in values.tolist()]


_PREPARED: dict = {}


def _columns(ds):
    """(events columns, roles rows) as Python lists, once per pair of frames."""
    key = (id(ds.events), id(ds.roles))
    hit = _PREPARED.get(key)
    if hit is None or hit[0] is not ds.events or hit[1] is not ds.roles:
        cols = [_py(ds.events[c]) for c in ("id", "date_start", "date_end", "status", "event_type", "search_text")]
        roles = list(zip(*(ds.roles[c].tolist() for c in ("event_id", "actor_id", "role"))))
        hit = _PREPARED[key] = (ds.events, ds.roles, cols, roles)
    return hit[2], hit[3]


def reference(ds, f: Filters):
    """The filters spelled out row by row: the semantics the fast version must keep."""
    ev = ds.events
    cols, roles = _columns(ds)
    terms = query_terms(f.q)
    lo = pd.Timestamp(f.date_from).to_pydatetime() if f.date_from is not None else None
    hi = (pd.Timestamp(f.date_to) + pd.Timedelta(days=1)).to_pydatetime() if f.date_to is not None else None
    wanted = set(f.actors)
    by_actor = [(e, r) for e, a, r in roles if a in wanted]
    actor_events = {e for e, _ in by_actor}
    keep = []
    for id_, start, end, status, type_, text in zip(*cols):
        keep.append(
            (lo is None or (end is not None and end >= lo))
            and (hi is None or (start is not None and start < hi))
            and (not f.statuses or (status is not None and status in f.statuses))
            and (not f.types or (type_ is not None and type_ in f.types))
            and (not terms or (isinstance(text, str) and all(t in text for t in terms)))
            and (not f.actors or id_ in actor_events)
        )
    kept = ev[np.array(keep, dtype=bool)]
    matched: dict = {}
    if f.actors:
        kept_ids = set(kept["id"])
        for e, role in by_actor:
            if e in kept_ids:
                matched.setdefault(e, set()).add(role)
    return kept, matched


def random_dataset(n, seed, *, unique_ids=True):
    rng = np.random.default_rng(seed)
    ev, cl, ro, ac = make_frames([], [], [], [])
    ids_ = [f"ev-{i}" for i in range(n)]
    if not unique_ids:
        ids_ = [f"ev-{i % (n // 3)}" for i in range(n)]
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    start = pd.Series(start).mask(rng.random(n) < 0.03)  # NaT starts
    end = start + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    end = end.mask(rng.random(n) < 0.03)  # NaT ends
    texts = [" ".join(rng.choice(WORDS, rng.integers(0, 8))) for _ in range(n)]
    ev = pd.DataFrame({c: ev[c] for c in ev.columns}).reindex(range(n))
    ev["id"] = pd.Series(ids_, dtype="str")
    ev["title"] = pd.Series([f"Event {i}" for i in range(n)], dtype="str")
    ev["status"] = pd.Series(rng.choice(["confirmed", "disputed", "denied", "claimed", ""], n), dtype="str")
    ev.loc[rng.random(n) < 0.02, "status"] = np.nan  # missing values never match
    ev["event_type"] = pd.Series(rng.choice(["air_strike", "shelling", "armed_clash", "other"], n), dtype="str")
    ev["date_start"] = start.astype("datetime64[us]")
    ev["date_end"] = end.astype("datetime64[us]")
    ev["search_text"] = pd.Series(texts, dtype="str")
    ev.loc[rng.random(n) < 0.02, "search_text"] = np.nan
    ev.index = pd.RangeIndex(1000, 1000 + 2 * n, 2)  # positions and labels differ
    actors = [f"actor-{i}" for i in range(30)]
    m = 3 * n
    ro = pd.DataFrame({
        "event_id": pd.Series(np.array(ids_ + [f"ghost-{i}" for i in range(20)], dtype=object)[
            rng.integers(0, n + 20, m)], dtype="str"),  # some roles name events that are not there
        "actor_id": pd.Series(rng.choice(actors, m), dtype="str"),
        "role": pd.Series(rng.choice(ROLES_, m), dtype="str"),
    })
    ro.index = pd.RangeIndex(5, 5 + m)
    return Dataset(name="random", kind="acled", events=ev, claims=cl, roles=ro, actors=ac)


def random_filters(rng, n_filters):
    days = pd.date_range("2014-12-01", "2019-03-01", freq="D")
    for _ in range(n_filters):
        kw = {}
        if rng.random() < 0.4:
            kw["date_from"] = days[rng.integers(len(days))].date()
        if rng.random() < 0.4:
            kw["date_to"] = days[rng.integers(len(days))].date()
        if rng.random() < 0.4:
            kw["statuses"] = tuple(rng.choice(["confirmed", "disputed", "denied", "claimed", "nope"],
                                              rng.integers(1, 4), replace=False))
        if rng.random() < 0.3:
            kw["types"] = tuple(rng.choice(["air_strike", "shelling", "armed_clash", "nope"],
                                           rng.integers(1, 3), replace=False))
        if rng.random() < 0.4:
            kw["actors"] = tuple(rng.choice([f"actor-{i}" for i in range(32)], rng.integers(1, 4), replace=False))
        if rng.random() < 0.5:
            words = list(rng.choice(WORDS, rng.integers(1, 3)))
            # whole words, pieces of words, upper case, and a word that never occurs
            words = [w[: rng.integers(1, len(w) + 1)] if rng.random() < 0.3 else w for w in words]
            if rng.random() < 0.2:
                words.append("QXZ")
            sep = str(rng.choice([" ", "  ", "\t"]))
            kw["q"] = sep.join(w.upper() if rng.random() < 0.2 else w for w in words)
        yield Filters(**kw)


def assert_same(ds, f, whole_frame=True):
    got = apply_filters(ds, f)
    want_events, want_roles = reference(ds, f)
    assert got.events.index.equals(want_events.index), f  # the same rows, in the dataset's order
    if whole_frame:
        pd.testing.assert_frame_equal(got.events, want_events)
    assert got.matched_roles == want_roles, f
    assert {k: set(v) for k, v in got.matched_roles.items()} == want_roles


def test_same_as_reference_on_random_data():
    ds = random_dataset(2000, seed=7)
    rng = np.random.default_rng(11)
    for i, f in enumerate(random_filters(rng, 300)):
        assert_same(ds, f, whole_frame=i % 10 == 0)
    assert_same(ds, Filters())


def test_same_as_reference_with_object_text_ns_dates_and_duplicate_ids():
    ds = random_dataset(600, seed=3, unique_ids=False)  # the slow actor path
    ds.events["search_text"] = ds.events["search_text"].astype(object)  # not Arrow-backed
    ds.events["date_end"] = ds.events["date_end"].astype("datetime64[ns]")  # another unit
    rng = np.random.default_rng(5)
    for i, f in enumerate(random_filters(rng, 120)):
        assert_same(ds, f, whole_frame=i % 10 == 0)


def test_text_terms_are_literal():
    ds = random_dataset(400, seed=1)
    for q in ("a.b", "x*y", "c++", "[n]", "$5", "50%", "back\\slash", "(3)", ".", "*", "\\", "?", "|", "^", "b$",
              "_", "%", "ḥ", "“", "a.", "ß"):
        assert_same(ds, Filters(q=q))


def test_index_survives_pickling_and_follows_replaced_frames():
    import pickle

    from events.filters import filter_index

    ds = random_dataset(500, seed=2)
    f = Filters(actors=("actor-1", "actor-2"), statuses=("claimed", "denied"), q="al")
    first = apply_filters(ds, f)
    idx = filter_index(ds)
    back = pickle.loads(pickle.dumps(ds))
    assert filter_index(back).valid_for(back)  # the pickled index still refers to the copy's frames
    assert filter_index(back)._actors is not None
    pd.testing.assert_frame_equal(apply_filters(back, f).events, first.events)
    assert apply_filters(back, f).matched_roles == first.matched_roles

    # a new events frame (status changed) and a new roles frame: the index is rebuilt
    ev = ds.events.copy()
    ev["status"] = "claimed"
    ds.events = ev
    assert not idx.valid_for(ds)
    assert_same(ds, f)
    ds.roles = ds.roles.iloc[::2]
    assert_same(ds, f)
    assert filter_index(ds) is not idx


def test_area_matches_any_admin_level_the_precision_vouches_for():
    """An area is an OCHA P-code of any level: a governorate keeps the events located in it (the
    governorate-precision one too), a district only those whose precision names the district."""
    cur = load_curated()
    by = lambda *a: sorted(apply_filters(cur, Filters(areas=a)).events["id"])  # noqa: E731
    ev = cur.events
    assert by("SY04") == sorted(ev.loc[ev["admin1_pcode"] == "SY04", "id"])
    assert "russian-helicopter-homs-claim-hama-landing-2016" in by("SY04")  # precision 4: governorate only
    assert "russian-helicopter-homs-claim-hama-landing-2016" not in by("SY0405")
    assert by("SY0405") == by("SY040500") == sorted(ev.loc[ev["admin2_pcode"] == "SY0405", "id"])
    assert set(by("SY02", "SY11")) == set(by("SY02")) | set(by("SY11"))  # alternatives within the facet
    assert by("SY99") == []
    assert sorted(apply_filters(cur, Filters(areas=("SY02",), q="hospital")).events["id"]) == [
        "aleppo-al-quds-hospital-strike-2016"]
