"""The DuckDB query engine (events/engine.py): its SQL filter agrees with the pandas reference
(events.filters.apply_filters) on the curated table and on the real UCDP GED sample, both in
memory and read back from the stored Parquet; aggregates add up; pages sort and paginate."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import store
from events.engine import Bounds, Engine, EngineError
from events.filters import Filters, apply_filters
from events.importers import import_csv
from events.load import load_curated

GED = Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


@pytest.fixture(scope="module")
def curated():
    ds = load_curated()
    return ds, Engine.from_dataset(ds)


@pytest.fixture(scope="module")
def ged(tmp_path_factory):
    ds, _ = import_csv(GED)
    folder = store.save_dataset(ds, tmp_path_factory.mktemp("store"), slug="ged")
    back = store.load_dataset(folder)
    return back, Engine.from_parquet(folder), Engine.from_dataset(ds)


def _words(ds, n=40) -> list[str]:
    """Words that occur in the search text (and pieces of them), plus a few that do not."""
    words: list[str] = []
    for text in ds.events["search_text"].head(200).tolist():
        words.extend(w for w in text.split()[:5] if w)
    words = sorted(set(words))[:n]
    return words + [w[:3] for w in words[:10]] + ["zzzqx", "(", "ü"]


def filters_strategy(ds):
    ev = ds.events
    statuses = sorted(set(ev["status"])) + ["no-such-status"]
    types = sorted(set(ev["event_type"])) + ["no-such-type"]
    actors = sorted(set(ds.roles["actor_id"]))[:60] + ["no-such-actor"]
    lo = ev["date_start"].min().date() - dt.timedelta(days=30)
    hi = ev["date_end"].max().date() + dt.timedelta(days=30)
    days = st.one_of(st.none(), st.dates(min_value=lo, max_value=hi))
    words = _words(ds)
    # P-codes at every admin level present in the data (plus one of no area): the area filter
    # matches any of the three columns.
    pcodes = sorted({v for c in ("admin1_pcode", "admin2_pcode", "admin3_pcode") for v in ev[c] if v})[:60]
    areas = pcodes + ["SY99"]
    return st.builds(
        Filters,
        date_from=days,
        date_to=days,
        actors=st.lists(st.sampled_from(actors), max_size=3, unique=True).map(tuple),
        statuses=st.lists(st.sampled_from(statuses), max_size=2, unique=True).map(tuple),
        types=st.lists(st.sampled_from(types), max_size=2, unique=True).map(tuple),
        q=st.lists(st.sampled_from(words), max_size=2).map(" ".join),
        areas=st.lists(st.sampled_from(areas), max_size=2, unique=True).map(tuple),
    )


def _same(ds, engine, f: Filters):
    ref = apply_filters(ds, f)
    assert engine.ids(f) == ref.events["id"].tolist(), f
    assert engine.count(f) == len(ref.events)
    assert engine.matched_roles(f) == ref.matched_roles


def test_sql_filter_matches_pandas_on_curated(curated):
    ds, engine = curated

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filters_strategy(ds))
    def check(f):
        _same(ds, engine, f)

    check()


def test_sql_filter_matches_pandas_on_real_ged(ged):
    ds, from_parquet, from_memory = ged

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filters_strategy(ds))
    def check(f):
        _same(ds, from_parquet, f)
        # (the stored copy is sorted by date: the same events, in another order)
        assert sorted(from_memory.ids(f)) == sorted(from_parquet.ids(f))

    check()


def test_filters_that_keep_some_and_drop_some(curated):
    """Not only empty or full answers: a few hand-made filters with known, non-trivial counts."""
    ds, engine = curated
    n = len(ds.events)
    for f in (Filters(statuses=("confirmed",)), Filters(q="palmyra"), Filters(date_from=dt.date(2016, 6, 1)),
              Filters(actors=("russian-defence-ministry",)), Filters(areas=("SY02",))):
        k = engine.count(f)
        assert 0 < k < n, f
        _same(ds, engine, f)


def test_grid_cells_sum_to_the_filtered_located_count(ged):
    ds, engine, _ = ged
    for f in (Filters(), Filters(types=tuple(sorted(set(ds.events["event_type"])))[:1]), Filters(q="killed")):
        kept = apply_filters(ds, f).events
        located = int((kept["lat"].notna() & kept["lon"].notna()).sum())
        assert located > 0
        for cell in (0.1, 0.5, 2.0):
            g = engine.grid(f, None, cell)
            assert int(g["n"].sum()) == located == engine.located_count(f)
            for row in g.itertuples():
                assert sum(row.status.values()) == row.n
                assert sum(row.event_type.values()) == row.n
                eps = 1e-9  # cell edges are multiples of a float step
                assert row.south - eps <= row.lat <= row.north + eps and row.west - eps <= row.lon <= row.east + eps
        # A view: the cells inside sum to the events inside.
        b = Bounds(south=33.0, west=35.5, north=35.0, east=38.0)
        inside = kept[kept["lat"].between(b.south, b.north) & kept["lon"].between(b.west, b.east)]
        assert int(engine.grid(f, b, 0.25)["n"].sum()) == len(inside) == engine.located_count(f, b)
        assert sorted(engine.in_view(f, b, ["id"], 10**6)["id"]) == sorted(inside["id"])
        # The map's one-scan counts: kept, located, located in the view (and across the antimeridian).
        assert engine.counts(f, b) == (len(kept), located, len(inside))
        assert engine.counts(f) == (len(kept), located, located)
        assert engine.totals(f) == (len(kept), located)  # kept per filter state: asked again, no query
        wrap = Bounds(south=33.0, west=170.0, north=35.0, east=38.0)
        assert engine.counts(f, wrap)[2] == engine.located_count(f, wrap) == int(
            (kept["lat"].between(33.0, 35.0) & ((kept["lon"] >= 170.0) | (kept["lon"] <= 38.0))).sum())


def test_pages_sort_and_paginate(ged):
    ds, engine, _ = ged
    f = Filters(statuses=tuple(sorted(set(ds.events["status"]))))
    total = engine.count(f)
    assert total > 250
    for sort, desc in (("date_start", False), ("date_start", True), ("title", False), ("fatalities_best", True)):
        pages = [engine.page(f, ["id", sort], sort=sort, descending=desc, offset=o, limit=100)
                 for o in range(0, total, 100)]
        assert [len(p) for p in pages[:-1]] == [100] * (len(pages) - 1)
        ids = [i for p in pages for i in p["id"]]
        assert len(ids) == total == len(set(ids))
        kept = apply_filters(ds, f).events.reset_index(drop=True)
        kept["_pos"] = range(len(kept))
        # Missing values last, ties in dataset order: the same order pandas gives.
        expect = kept.sort_values([sort, "_pos"], ascending=[not desc, True], na_position="last",
                                  kind="stable")["id"].tolist()
        assert ids == expect, sort
        some = expect[137]
        assert engine.position(f, some, sort=sort, descending=desc) == 137
    with pytest.raises(EngineError):
        engine.page(f, ["id"], sort="id; DROP TABLE events")
    with pytest.raises(EngineError):
        engine.page(f, ["nope"])


def test_histogram_counts_the_dated_kept_events(ged):
    ds, engine, _ = ged
    f = Filters(date_from=dt.date(2000, 1, 1))
    kept = apply_filters(ds, f).events
    for unit in ("day", "week", "month", "year"):
        for by in ("status", "event_type"):
            h = engine.histogram(f, unit, by)
            assert int(h["n"].sum()) == int(kept["date_start"].notna().sum())
    month = engine.histogram(f, "month", "status")
    assert all(ts.day == 1 for ts in pd.to_datetime(month["bucket"]))


def test_batches_give_every_kept_row_once_with_all_its_columns(ged):
    ds, engine, _ = ged
    memory = Engine.from_dataset(ds)  # (the fixture's is over the frames before they were stored)
    f = Filters(q="killed")
    expect = apply_filters(ds, f).events.reset_index(drop=True)
    for eng in (engine, memory):
        chunks = list(eng.batches(f, size=37))
        assert len(chunks) == -(-len(expect) // 37) and all(len(c) <= 37 for c in chunks)
        pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), expect)


def test_rows_leave_the_engine_as_the_contract_frames(ged):
    """What the pages read instead of the Dataset's frames: the same values and dtypes as
    load_dataset's frames (tuples, `extra` dicts, dates, Int64), from the Parquet and from memory."""
    from events.dataset import CLAIM_COLUMNS, EVENT_COLUMNS

    ds, engine, _ = ged
    memory = Engine.from_dataset(ds)
    some = ds.events["id"].iloc[[3, 500, 77]].tolist()
    want = ds.events[ds.events["id"].isin(some)].reset_index(drop=True)
    for eng in (engine, memory):
        pd.testing.assert_frame_equal(eng.event_rows(some), want)
        row = eng.event(some[1])
        assert row is not None and row["id"] == some[1] and isinstance(row["extra"], dict) and row["extra"]
        pd.testing.assert_series_equal(row, ds.event(some[1]), check_names=False)
        assert eng.event("no-such-id") is None
        # Single-event look-ups are kept (the panel asks on every rerun): equal answers, never shared objects.
        first = eng.claims_of([some[0]])
        first.loc[:, "claimant"] = "altered by a caller"
        pd.testing.assert_frame_equal(eng.claims_of([some[0]]), ds.claims_of(some[0]).reset_index(drop=True))
        pd.testing.assert_series_equal(eng.event(some[1]), ds.event(some[1]), check_names=False)
        claims = eng.claims_of(some)
        pd.testing.assert_frame_equal(claims, ds.claims[ds.claims["event_id"].isin(some)].reset_index(drop=True))
        assert list(claims.columns) == list(CLAIM_COLUMNS) and len(claims) >= 3
        roles = eng.roles_of(some)
        pd.testing.assert_frame_equal(roles, ds.roles[ds.roles["event_id"].isin(some)].reset_index(drop=True))
        assert eng.claims_of([]).empty and list(eng.claims_of([]).columns) == list(CLAIM_COLUMNS)
        f = Filters(types=(ds.events["event_type"].mode()[0],))
        kept = eng.kept(f, EVENT_COLUMNS)
        assert len(kept) > 20
        pd.testing.assert_frame_equal(kept, apply_filters(ds, f).events.reset_index(drop=True))
        sub = eng.subset(ds, kept.head(20))
        assert sub.events["id"].tolist() == kept["id"].head(20).tolist()
        assert set(sub.claims["event_id"]) == set(sub.events["id"]) and len(sub.roles) >= 20


def test_bounds_from_leaflet():
    b = Bounds.from_leaflet({"_southWest": {"lat": 32.1, "lng": 35.0}, "_northEast": {"lat": 37.5, "lng": 42.5}})
    assert b == Bounds(32.1, 35.0, 37.5, 42.5)
    assert Bounds.from_leaflet({"_southWest": {"lat": None, "lng": 1}}) is None
    assert Bounds.from_leaflet(None) is None
    world = Bounds.from_leaflet({"_southWest": {"lat": -100, "lng": -400}, "_northEast": {"lat": 100, "lng": 400}})
    assert (world.south, world.west, world.north, world.east) == (-90, -180, 90, 180)
    assert not math.isnan(world.south)


def test_text_searches_are_kept_then_dropped_and_stay_right(ged, monkeypatch):
    import events.engine as engine_mod

    ds, _, _ = ged
    engine = Engine.from_dataset(ds)
    monkeypatch.setattr(engine_mod, "TEXT_CACHE", 2)
    words = ["killed", "civilians", "aleppo", "army", "killed civilians", "killed"]
    for w in words * 2:
        _same(ds, engine, Filters(q=w))
        _same(ds, engine, Filters(q=w, types=("attack_on_civilians",)))
    tables = engine._df("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'text_rows_%'")["table_name"]
    assert len(engine._texts) == 2 and 2 <= len(tables) <= 3  # kept + at most one waiting to be dropped
    assert set(engine._texts.values()) <= set(tables)


def test_totals_are_kept_per_filter_state_and_bounded(ged, monkeypatch):
    from events import engine as engine_module

    ds, engine, _ = ged
    f = Filters(q="killed")
    first = engine.totals(f)
    monkeypatch.setattr(engine, "counts", lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked again")))
    assert engine.totals(f) == first  # from the engine's own record
    monkeypatch.undo()
    monkeypatch.setattr(engine_module, "TOTALS", 3)
    for y in range(2000, 2010):
        engine.totals(Filters(date_from=dt.date(y, 1, 1)))
    assert len(engine._totals) <= 3
