"""A streamed import (`python -m events import`: events.importers.stream + store.DatasetWriter,
chunk by chunk) stores exactly what a whole-file import stores: the same events, claims, roles,
actors and report, row numbers included, whatever the chunk size."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from events import store
from events.importers import import_csv
from events.importers.stream import import_stream

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
GED_REAL = ROOT.parent / "shared" / "data" / "ucdp_ged231_sample1000.csv"
if not GED_REAL.exists():  # the same sample, copied with the fixtures
    GED_REAL = FIX / "real" / "ucdp_ged231_sample1000.csv"
FILES = sorted((FIX / "acled").glob("*.csv")) + sorted((FIX / "ucdp").glob("*.csv")) + [
    FIX / "hostile" / "uploads" / "hostile_acled.csv"]


def whole_and_streamed(src: Path, tmp: Path, chunk_rows: int, **kw):
    """(whole-file report, its stored folder or None), (streamed report, its folder or None)."""
    ds, whole = import_csv(src, name="X", **kw)
    wpath = store.save_dataset(ds, tmp / "whole", report=whole, slug="x") if whole.rows_loaded else None
    writer = store.DatasetWriter(tmp / "streamed", "x")
    streamed = import_stream(src, writer, name="X", chunk_rows=chunk_rows, **kw)
    if streamed.rows_loaded:
        spath = writer.finish("X", streamed.format, report=streamed, source_file=src.name)
    else:
        writer.abort()
        spath = None
    return (whole, wpath), (streamed, spath)


def assert_same(src: Path, tmp: Path, chunk_rows: int, **kw):
    (whole, wpath), (streamed, spath) = whole_and_streamed(src, tmp, chunk_rows, **kw)
    for attr in ("format", "source", "rows_read", "rows_loaded", "skipped", "notes", "warnings", "unknown_columns",
                 "encoding", "delimiter", "other_types", "geocoded"):
        assert getattr(streamed, attr) == getattr(whole, attr), attr
    assert (wpath is None) == (spath is None)
    if wpath is None:
        return whole, None
    a, b = store.load_dataset(wpath), store.load_dataset(spath)
    pd.testing.assert_frame_equal(a.events, b.events)  # sorted by date, ties in the file's order
    pd.testing.assert_frame_equal(a.claims, b.claims)
    for x in (a, b):  # roles: the same set (a chunk lists its participants, then its claimants)
        x.roles = x.roles.sort_values(list(x.roles.columns), ignore_index=True)
    pd.testing.assert_frame_equal(a.roles, b.roles)
    assert list(a.actors["id"]) == list(b.actors["id"])
    assert store.read_meta(wpath)["counts"] == store.read_meta(spath)["counts"]
    assert store.check_dataset(spath, deep=True) == []
    return whole, b


@pytest.mark.parametrize("src", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("chunk_rows", [3, 100_000])
def test_streamed_import_equals_whole_file_import(src, chunk_rows, tmp_path):
    assert_same(src, tmp_path, chunk_rows)


def test_real_ged_sample_in_many_chunks_keeps_every_record_and_row_number(tmp_path):
    whole, ds = assert_same(GED_REAL, tmp_path, 97)
    assert whole.rows_loaded == 1000 and len(ds.events) == 1000
    assert len(pd.read_parquet(tmp_path / "streamed" / "x" / "events.parquet", columns=["id"])) == 1000


def write(path: Path, rows: list[list[str]], **kw) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", **kw).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def acled_rows():
    rows = list(csv.reader(io.StringIO((FIX / "acled" / "acled_current.csv").read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def test_row_numbers_across_chunk_boundaries(tmp_path):
    """Blank lines, short rows and a record spanning lines, on both sides of chunk edges."""
    header, body = acled_rows()
    notes = header.index("notes")
    body[1][notes] = "first line\nsecond line\nthird line"  # one record, three lines (row 3)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(header)
    for i, r in enumerate(body):
        w.writerow(r)
        if i == 2:
            text.write("\n")  # a blank line (row 5): nothing to load, nothing to report
        if i == 4:
            text.write("too,few,fields\n")  # row 8
    src = tmp_path / "edges.csv"
    src.write_text(text.getvalue(), encoding="utf-8")
    for chunk in (1, 2, 3, 4):
        whole, ds = assert_same(src, tmp_path / str(chunk), chunk)
        assert [s.row for s in whole.skipped if s.column == "-"] == [8]
        assert whole.rows_read == len(body) + 2
        assert [n.row for n in whole.notes] == [12]  # the unmapped type (row 10 of the file's records)


def test_a_repeated_id_in_a_later_chunk_is_suffixed_as_in_one_piece(tmp_path):
    header, body = acled_rows()
    idc = header.index("event_id_cnty")
    body[6][idc] = body[0][idc]  # repeats row 2
    body[8][idc] = body[0][idc] + "-2"  # an id the file already has: the suffix skips it
    src = write(tmp_path / "dups.csv", [header] + body)
    whole, ds = assert_same(src, tmp_path, 2)
    raw = body[0][idc]
    assert f"acled-{raw.lower()}-3" in set(ds.events["id"]) and f"acled-{raw.lower()}-2" in set(ds.events["id"])
    assert any(n.row == 8 and f"repeats row 2's" in n.reason and f"{raw}-3" in n.reason for n in whole.notes)


def test_numeric_date_order_is_decided_on_the_whole_column(tmp_path):
    """Every date fits both orders; only the whole file's row order settles day/month, and a
    chunk of two rows could not: the streamed import applies the file's decision to each."""
    header, body = acled_rows()
    dc = header.index("event_date")
    yc = header.index("year")
    for i, r in enumerate(body):
        r[dc] = f"{1 + i:02d}/03/2020"  # 1 March .. in order: day/month
        r[yc] = "2020"
    src = write(tmp_path / "dmy.csv", [header] + body)
    whole, ds = assert_same(src, tmp_path, 2)
    assert any("read as day/month/year" in w for w in whole.warnings)
    assert ds.events["date_start"].min() == pd.Timestamp("2020-03-01")


def test_spreadsheet_leftovers_are_decided_on_the_whole_column(tmp_path):
    """An unnamed column empty in the first chunk but not in a later one is kept, never dropped."""
    header, body = acled_rows()
    rows = [["", *header, ""]] + [[str(i + 1), *r, ("late value" if i == 7 else "")] for i, r in enumerate(body)]
    src = write(tmp_path / "leftovers.csv", rows)
    whole, ds = assert_same(src, tmp_path, 3)
    assert any("holds only row numbers" in w for w in whole.warnings)
    assert any(f"Column {len(header) + 2} has no name" in w for w in whole.warnings)
    assert f"extra.column_{len(header) + 2}" in pd.read_parquet(tmp_path / "streamed" / "x" / "events.parquet").columns


def test_not_utf8_and_excel_sep_line(tmp_path):
    header, body = acled_rows()
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows([header] + body)
    src = tmp_path / "excel.csv"
    src.write_bytes(("sep=;\r\n" + text.getvalue().replace("Aleppo", "Alépo")).encode("cp1252"))
    whole, ds = assert_same(src, tmp_path, 4)
    assert whole.delimiter == ";" and any("not valid UTF-8" in w for w in whole.warnings)


def test_nothing_loadable_writes_nothing(tmp_path):
    header, body = acled_rows()
    for r in body:
        r[header.index("event_date")] = ""
    src = write(tmp_path / "empty.csv", [header] + body)
    whole, _ = assert_same(src, tmp_path, 2)
    assert whole.rows_loaded == 0
    assert [p.name for p in (tmp_path / "streamed").iterdir()] == []


def test_rows_without_coordinates_are_geocoded_in_any_chunk(tmp_path):
    header, body = acled_rows()
    for i in (1, 6):
        body[i][header.index("latitude")] = body[i][header.index("longitude")] = ""
    src = write(tmp_path / "nocoords.csv", [header] + body)
    whole, ds = assert_same(src, tmp_path, 2)
    assert whole.geocoded == 2
    assert sorted(n.row for n in whole.notes if "placed by the gazetteer" in n.reason) == [3, 8]
