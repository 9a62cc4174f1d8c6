"""`python -m events import` on each layout fixture, then `python -m events export --dataset`
back: the row count and the dates survive (CSV's event_date, GeoJSON's date_start, TimeMap's
MM/DD/YYYY), and the exports import again."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from events import store

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
FIXTURES = [
    FIX / "acled" / "acled_pre2019.csv", FIX / "acled" / "acled_2019.csv", FIX / "acled" / "acled_current.csv",
    FIX / "acled" / "acled_excel_saved.csv", FIX / "acled" / "acled_arabic_cp1256.csv",
    FIX / "acled" / "acled_every_code.csv",
    FIX / "ucdp" / "ged191_slice.csv", FIX / "ucdp" / "ged231_slice.csv", FIX / "ucdp" / "ged_later_slice.csv",
    FIX / "timemap" / "civilian_harm_bundle.json", FIX / "timemap" / "bellingcat_download.json",
]


def cli(*args):
    env = dict(os.environ)
    env.setdefault("CONFLICT_MAP_CACHE", "/tmp/cache-tests")
    p = subprocess.run([sys.executable, "-m", "events", *args], cwd=ROOT, capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr + p.stdout
    return p


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    base = tmp_path_factory.mktemp("datasets")
    out = {}
    for src in FIXTURES:
        folder = base / src.stem
        p = cli("import", str(src), "--out", str(folder), "--quiet")
        out[src.name] = (folder, p.stdout)
    return out


@pytest.mark.parametrize("src", FIXTURES, ids=lambda p: p.name)
def test_import_then_export_keeps_rows_and_dates(imported, src, tmp_path):
    folder, stdout = imported[src.name]
    ds = store.load_dataset(folder)
    report = store.load_report(folder)
    assert len(ds.events) == report.rows_loaded > 0
    assert f"{report.rows_loaded:,} rows loaded" in stdout
    days = sorted(ds.events["date_start"].dt.date.astype(str))

    csv_out = tmp_path / "back.csv"
    cli("export", "--dataset", str(folder), "--format", "csv", "--out", str(csv_out))
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    assert len(rows) == len(ds.events)
    assert sorted(r["date_start"] for r in rows) == days
    assert all(r["event_date"] for r in rows)  # ACLED's convention: the day, or a week's middle day

    gj = json.loads(cli("export", "--dataset", str(folder), "--format", "geojson").stdout)
    assert sorted(f["properties"]["date_start"] for f in gj["features"]) == days

    tm_out = tmp_path / "back.json"
    cli("export", "--dataset", str(folder), "--format", "timemap", "--out", str(tm_out))
    tm = json.loads(tm_out.read_text(encoding="utf-8"))
    assert len(tm["events"]) == len(ds.events)
    assert sorted(pd.to_datetime([e["date"] for e in tm["events"]], format="%m/%d/%Y").date.astype(str)) == days
    assert sum(len(e["sources"]) for e in tm["events"]) == len(ds.claims) == len(tm["sources"])

    # the exports import again, with every row and date
    for path in (csv_out, tm_out):
        again = tmp_path / ("again-" + path.suffix[1:])
        cli("import", str(path), "--out", str(again), "--quiet")
        back = store.load_dataset(again)
        assert sorted(back.events["date_start"].dt.date.astype(str)) == days, path.name


def test_export_of_other_types_gives_the_original_back(imported):
    folder, _ = imported["acled_current.csv"]
    rows = list(csv.DictReader(io.StringIO(cli("export", "--dataset", str(folder), "--format", "csv").stdout)))
    (row,) = [r for r in rows if r["event_type_code"] == "other"]
    assert row["event_type"] == "Unrest of a new kind" and row["sub_event_type"] == "Something ACLED adds later"


def test_timemap_export_to_a_folder_writes_the_three_files(imported, tmp_path):
    folder, _ = imported["civilian_harm_bundle.json"]
    cli("export", "--dataset", str(folder), "--format", "timemap", "--out", str(tmp_path / "site"))
    events = json.loads((tmp_path / "site" / "events.json").read_text(encoding="utf-8"))
    sources = json.loads((tmp_path / "site" / "sources.json").read_text(encoding="utf-8"))
    assocs = json.loads((tmp_path / "site" / "associations.json").read_text(encoding="utf-8"))
    # what TimeMap's validators require of each (src/reducers/validate); Joi refuses unknown keys
    event_keys = {"id", "description", "date", "time", "time_precision", "location", "latitude", "longitude",
                  "type", "category", "category_full", "associations", "sources", "comments", "time_display",
                  "narrative___stepStyles", "shape", "colour"}
    source_keys = {"id", "title", "thumbnail", "paths", "type", "affil_s", "url", "description", "parent",
                   "author", "date", "notes"}
    assoc_keys = {"id", "title", "desc", "mode", "colour", "type", "display", "filter_paths"}
    assert all(set(e) <= event_keys for e in events)
    assert all(set(s) <= source_keys for s in sources.values())
    assert all(set(a) <= assoc_keys for a in assocs)
    assert all({"description", "associations"} <= set(e) and isinstance(e["associations"], list) for e in events)
    assert all(isinstance(e["latitude"], str) and isinstance(e["longitude"], str) for e in events)
    assert all("id" in s and isinstance(s["paths"], list) for s in sources.values())
    assert all({"id", "title", "mode"} <= set(a) for a in assocs)
    ids = {a["id"] for a in assocs}
    assert all(set(e["associations"]) <= ids and set(e["sources"]) <= set(sources) for e in events)


def test_export_of_the_curated_table_still_works_without_dataset():
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv").stdout)))
    assert rows and all(r["event_date"] for r in rows)
    tm = json.loads(cli("export", "--format", "timemap").stdout)
    assert len(tm["events"]) == len(rows)
