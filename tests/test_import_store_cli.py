"""events.store round trip, `python -m events import`, and the map of an imported dataset."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from events import store
from events.dataset import EVENT_COLUMNS
from events.importers import import_csv

ROOT = Path(__file__).resolve().parents[1]
ACLED = ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv"
GED = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"


GED_SAMPLE = Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


def test_store_round_trip(tmp_path):
    for src in (ACLED, GED):
        ds, report = import_csv(src)
        path = store.save_dataset(ds, tmp_path, report=report, source_file=src.name)
        back = store.load_dataset(path)
        # The events come back sorted by start date (how they are stored), the other frames as they were.
        pd.testing.assert_frame_equal(store.sorted_by_date(ds.events), back.events)
        for frame in ("claims", "roles", "actors"):
            pd.testing.assert_frame_equal(getattr(ds, frame), getattr(back, frame))
        assert back.kind == ds.kind and back.name == ds.name
        assert [p.record for p in back.problems] == [p.record for p in ds.problems]
        again = store.load_report(path)
        assert again.rows_loaded == report.rows_loaded and again.skipped == report.skipped
    listed = store.list_datasets(tmp_path)
    assert [d.kind for d in listed] == ["acled", "ucdp"]
    assert listed[0].events == 7 and listed[0].rows_skipped == 5
    (tmp_path / "not-a-dataset").mkdir()
    (tmp_path / ".half-written").mkdir()
    assert len(store.list_datasets(tmp_path)) == 2


def test_events_are_stored_sorted_by_date_in_row_groups(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    ds, report = import_csv(GED_SAMPLE)
    assert not ds.events["date_start"].is_monotonic_increasing  # the file's order is not the date's
    monkeypatch.setattr(store, "ROW_GROUP", 150)
    path = store.save_dataset(ds, tmp_path, report=report)
    pf = pq.ParquetFile(path / "events.parquet")
    assert pf.metadata.num_row_groups == -(-len(ds.events) // 150)
    starts = pf.read(columns=["date_start"]).column(0).to_pandas()
    assert starts.is_monotonic_increasing and len(starts) == len(ds.events)
    ranges = []
    for i in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(i).column(pf.schema_arrow.get_field_index("date_start")).statistics
        assert stats is not None and stats.has_min_max
        ranges.append((stats.min, stats.max))
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))  # row groups do not overlap in time
    assert sorted(store.load_dataset(path).events["id"]) == sorted(ds.events["id"])
    assert store.read_meta(path)["events_sorted_by"] == "date_start"


def test_a_failed_import_is_never_listed_and_keeps_the_previous_one(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    ds, report = import_csv(GED_SAMPLE, name="GED")
    store.save_dataset(ds, tmp_path, report=report, slug="ged")
    before = (tmp_path / "ged" / "events.parquet").read_bytes()
    real = pq.write_table
    calls = []

    def failing(table, where, **kw):  # the disk fills up while the claims are written
        calls.append(where)
        if str(where).endswith("claims.parquet"):
            raise OSError("No space left on device")
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(OSError, match="No space"):
        store.save_dataset(ds, tmp_path, report=report, slug="ged")
    with pytest.raises(OSError):
        store.save_dataset(ds, tmp_path, report=report, slug="new-one")
    # (events.parquet and the postings are written a row group at a time, by ParquetWriters)
    assert [Path(c).name for c in calls] == ["words.parquet", "claims.parquet"] * 2
    assert [d.slug for d in store.list_datasets(tmp_path)] == ["ged"]
    assert (tmp_path / "ged" / "events.parquet").read_bytes() == before  # the earlier import, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ged"]  # no temporary folder left behind


def test_store_writes_status_derived_as_a_string_and_reads_old_boolean_ones(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ds, report = import_csv(ACLED)
    path = store.save_dataset(ds, tmp_path, report=report)
    table = pq.read_table(path / "events.parquet")
    assert pa.types.is_string(table.schema.field("status_derived").type)
    assert store.load_dataset(path).events["status_derived"].eq("claimed").all()

    # a dataset stored before the fix: status_derived a boolean column (True, one null, one False)
    i = table.schema.get_field_index("status_derived")
    flags = [True] * table.num_rows
    flags[1], flags[2] = None, False
    pq.write_table(table.set_column(i, "status_derived", pa.array(flags, type=pa.bool_())),
                   path / "events.parquet")
    back = store.load_dataset(path)
    want = ["claimed"] * table.num_rows
    want[1] = want[2] = ""  # not known to be the derived status
    assert back.events["status_derived"].tolist() == want
    assert str(back.events["status_derived"].dtype) == "str"
    expected = store.sorted_by_date(ds.events).copy()
    expected["status_derived"] = pd.Series(want, dtype="str")
    pd.testing.assert_frame_equal(back.events, expected)


def test_loaded_dataset_keeps_its_filter_index_when_pickled(tmp_path):
    """The pandas filter (the reference semantics; the app asks events.engine) builds its index on
    first use, not at load (a cost the app would pay for nothing), and keeps it through a pickle."""
    import pickle

    from events.filters import Filters, apply_filters, filter_index, prepare

    ds, report = import_csv(ACLED)
    back = store.load_dataset(store.save_dataset(ds, tmp_path, report=report))
    assert "filters" not in back._cache
    idx = prepare(back)
    assert idx.valid_for(back) and idx._actors is not None and "status" in idx._codes
    copy = pickle.loads(pickle.dumps(back))
    assert filter_index(copy).valid_for(copy) and filter_index(copy)._actors is not None
    f = Filters(statuses=("claimed",), actors=tuple(back.roles["actor_id"][:2]))
    pd.testing.assert_frame_equal(apply_filters(copy, f).events, apply_filters(back, f).events)
    assert apply_filters(copy, f).matched_roles == apply_filters(ds, f).matched_roles


def test_data_folder_env(monkeypatch, tmp_path):
    monkeypatch.setenv(store.ENV, str(tmp_path))
    assert store.data_folder() == tmp_path.resolve()
    monkeypatch.delenv(store.ENV)
    assert store.data_folder() == store.DEFAULT_FOLDER


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "events", "import", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_import_detects_format_and_reports(tmp_path):
    out = tmp_path / "syria-acled"
    p = run_cli(str(ACLED), "--out", str(out), "--name", "ACLED test")
    assert p.returncode == 0, p.stderr
    assert "7 rows loaded (1 with a substituted value or a remark), 5 skipped" in p.stdout
    assert "row 7: latitude:" in p.stdout and "row 13: event_id_cnty:" in p.stdout and "both kept" in p.stdout
    assert "analyst_flag" in p.stdout
    meta = json.loads((out / "dataset.json").read_text())
    assert meta["name"] == "ACLED test" and meta["kind"] == "acled" and meta["counts"]["events"] == 7
    assert meta["report"]["rows_skipped"] == 5 and meta["source_file"] == ACLED.name
    assert len(store.load_dataset(out).events) == 7


def test_cli_import_explicit_format_default_folder_and_errors(tmp_path):
    import os

    env = dict(os.environ, CONFLICT_MAP_DATA=str(tmp_path))
    p = run_cli("--format", "ucdp", str(GED), "--quiet", env=env)
    assert p.returncode == 0, p.stderr
    assert [d.slug for d in store.list_datasets(tmp_path)] == ["ged231-slice"]
    p = run_cli("--format", "ucdp", str(ACLED), env=env)
    assert p.returncode == 2 and "missing required column" in p.stderr
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    p = run_cli(str(bad), env=env)
    assert p.returncode == 2 and "cannot tell the format" in p.stderr


def test_build_map_counts_per_cell_above_the_limit():
    from benchmarks.synthetic import synthetic_acled
    from events.engine import Bounds, engine_of
    from events.filters import Filters
    from pages.ui import mapview

    ds, _ = import_csv(synthetic_acled(mapview.LARGE + 500, seed=3), format="acled")
    res = mapview.build_map(ds, engine_of(ds), Filters(), bounds=Bounds(32, 35, 38, 43), zoom=7, online_tiles=False)
    assert res.mode == "grid" and 0 < res.drawn < 1000
    for fg in res.layers:
        fg.add_to(res.map)
    html = res.map.get_root().render()
    assert "ConflictMap.cells(" in html
    assert "/app/static/vendor/" in html and "cdn" not in html.lower()
    assert len(html) < 2_000_000


def _one_row_with(src: Path, column: str, value: str) -> str:
    """The header and first record of `src`, with `column` set to `value`, as CSV text."""
    import csv
    import io

    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[:2]
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("src, column, value", [
    (ACLED, "time_precision", "9"), (GED, "date_prec", "9"), (ACLED, "latitude", "north"),
])
def test_import_with_no_loadable_row_gives_an_empty_dataset_and_the_reasons(src, column, value):
    ds, report = import_csv(_one_row_with(src, column, value).encode(), name="none")
    assert report.rows_read == 1 and report.rows_loaded == 0 and report.rows_skipped == 1
    assert [(s.row, s.column) for s in report.skipped] == [(2, column)]
    assert len(ds.events) == len(ds.claims) == len(ds.roles) == 0
    assert tuple(ds.events.columns) == EVENT_COLUMNS and len(ds.problems) == 1


def test_import_of_a_header_without_rows_gives_an_empty_dataset():
    header = ACLED.read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    ds, report = import_csv(header.encode(), name="header-only")
    assert report.rows_read == 0 and report.rows_loaded == 0 and not report.skipped
    assert ds.events.empty and ds.roles.empty


def test_cli_import_with_no_loadable_row_exits_1_lists_the_reasons_and_writes_nothing(tmp_path):
    bad = tmp_path / "one-row.csv"
    bad.write_text(_one_row_with(ACLED, "time_precision", "9"), encoding="utf-8")
    out = tmp_path / "out"
    p = run_cli(str(bad), "--out", str(out), "--quiet")
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr
    assert "nothing loaded" in p.stderr
    assert "row 2: time_precision: time_precision '9' is not one of 1, 2, 3" in p.stdout
    assert not out.exists()


def test_open_dataset_is_served_by_the_engine_and_never_builds_the_frames(tmp_path):
    """The app's way to open a stored import (events.store.open_dataset): a LazyDataset whose
    whole events / claims / roles frames are never built. Asking for one fails loudly (a page
    that still did would load a million rows); one event and its claims come from the engine."""
    import pickle

    from events.engine import engine_of

    ds, report = import_csv(GED_SAMPLE, name="GED")
    path = store.save_dataset(ds, tmp_path, report=report, slug="ged")
    full = store.load_dataset(path)
    opened = store.open_dataset(path)
    assert isinstance(opened, store.LazyDataset)
    assert opened.name == full.name and opened.kind == full.kind
    pd.testing.assert_frame_equal(opened.actors, full.actors)
    for frame in ("events", "claims", "roles"):
        with pytest.raises(store.FramesNotLoaded, match=frame):
            getattr(opened, frame)
    with pytest.raises(store.FramesNotLoaded):
        opened.positions("events", "id", "x")
    assert engine_of(opened) is opened.engine and opened.engine.n_events == len(full.events)
    eid = full.events["id"].iloc[7]
    pd.testing.assert_series_equal(opened.event(eid), full.event(eid), check_names=False)
    pd.testing.assert_frame_equal(opened.claims_of(eid), full.claims_of(eid).reset_index(drop=True))
    pd.testing.assert_frame_equal(opened.load().events, full.events)
    copy = pickle.loads(pickle.dumps(opened))
    assert isinstance(copy, store.LazyDataset) and copy.engine is not opened.engine
    assert copy.event(eid)["id"] == eid
    # A damaged file is named (store.Unreadable): at opening when its footer is gone, by the deep check.
    (path / "claims.parquet").write_bytes(b"not parquet")
    with pytest.raises(store.Unreadable, match="claims.parquet"):
        store.open_dataset(path)
    with pytest.raises(store.Unreadable, match="claims.parquet"):
        store.require_readable(path)


def test_a_dataset_stored_before_the_admin_columns_still_loads_with_them(tmp_path):
    """Folders written before admin 2-3 existed lack those Parquet columns: they are located
    again by point-in-polygon at load, never a crash."""
    import pyarrow.parquet as pq

    from events.dataset import ADMIN_COLUMNS

    ds, report = import_csv(GED_SAMPLE)
    folder = store.save_dataset(ds, tmp_path, report=report, slug="old")
    path = folder / "events.parquet"
    table = pq.read_table(path)
    old = table.drop_columns([c for c in ADMIN_COLUMNS if c != "admin1" and c in table.column_names])
    pq.write_table(old, path)
    back = store.load_dataset(folder)
    assert list(back.events.columns) == list(ds.events.columns)
    # The app's way: not refused by the checks, read whole (served from memory) to locate them.
    assert store.check_dataset(folder, deep=True) == []
    opened = store.open_dataset(folder)
    assert not isinstance(opened, store.LazyDataset)
    pd.testing.assert_frame_equal(opened.events, back.events)
    codes = dict(zip(ds.events["id"], ds.events["admin2_pcode"]))  # stored sorted by date: compare by id
    assert dict(zip(back.events["id"], back.events["admin2_pcode"])) == codes
    assert sum(1 for c in codes.values() if c) > 100
