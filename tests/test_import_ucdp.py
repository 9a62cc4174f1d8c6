"""UCDP GED importer: the real GED sample, every where_prec/date_prec code, malformed rows."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from events.dataset import EVENT_COLUMNS
from events.importers import import_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"
SLICE = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"


# The longest date range (days, both ends included) each of our date precisions may stand for.
MAX_SPAN_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}


def records(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_full_ged_sample_imports_every_record():
    rows = records(SAMPLE)
    expected = len(rows) - 1  # every record is well formed (checked: 49 fields each, valid codes)
    assert expected == 1000
    ds, report = import_csv(SAMPLE)
    assert report.format == "ucdp"
    assert report.rows_read == expected and report.rows_loaded == expected and not report.skipped
    assert len(ds.events) == expected
    assert set(ds.events["precision"]) == set(range(1, 8))
    assert (ds.events["country"] == "SY").sum() == 265


def test_date_prec_fits_each_real_rows_span():
    """GED's codebook: date_prec 1 exact day, 2 a 2-6 day range, 3 a week, 4 8-30 days (a month),
    5 within a year. On the real sample every row's span must fit the precision we give it."""
    ds, _ = import_csv(SAMPLE)
    raw = pd.read_csv(SAMPLE, usecols=["id", "date_prec"], dtype=str).set_index("id")["date_prec"]
    ev = ds.events.assign(code=ds.events["id"].str.removeprefix("ged-").map(raw))
    span = (ev["date_end"] - ev["date_start"]).dt.days + 1
    too_long = span > ev["date_precision"].map(MAX_SPAN_DAYS)
    assert not too_long.any(), ev.loc[too_long, ["id", "code", "date_precision"]].head().to_dict("records")
    # every code occurs in the sample; a week code (3) spans 7 days and is a week, not a month
    assert set(ev["code"]) == {"1", "2", "3", "4", "5"}
    assert ev.loc[ev["code"] == "3", "date_precision"].eq("week").all() and span[ev["code"] == "3"].eq(7).all()
    assert ev.loc[ev["code"] == "4", "date_precision"].eq("month").all() and span[ev["code"] == "4"].max() > 7
    assert ev.loc[ev["code"] == "5", "date_precision"].eq("year").all() and span[ev["code"] == "5"].max() > 31
    # spot checks (id: date_start..date_end, code)
    by_id = ev.set_index("id")
    assert by_id.loc["ged-300380", "date_precision"] == "day"    # 2013-01-03..2013-01-03, 1
    assert by_id.loc["ged-401115", "date_precision"] == "week"   # 2021-05-28..2021-05-29, 2
    assert by_id.loc["ged-21300", "date_precision"] == "week"    # 1989-05-10..1989-05-16, 3
    assert by_id.loc["ged-32433", "date_precision"] == "month"   # 1995-04-10..1995-04-20, 4
    assert by_id.loc["ged-298457", "date_precision"] == "year"   # 1994-04-07..1994-05-31, 5


def test_status_is_claimed_and_derived_as_a_string():
    ds, _ = import_csv(SLICE)
    assert ds.events["status"].eq("claimed").all()
    assert str(ds.events["status_derived"].dtype) == "str"
    assert ds.events["status_derived"].eq("claimed").all() and ds.events["status_reason"].eq("").all()


def test_slice_every_code():
    ds, report = import_csv(SLICE)
    rows = records(SLICE)
    h = rows[0]
    assert report.rows_loaded == len(rows) - 1 and not report.skipped
    assert tuple(ds.events.columns) == EVENT_COLUMNS
    byid = {r[h.index("id")]: r for r in rows[1:]}
    for e in ds.events.itertuples():
        raw = byid[e.id.removeprefix("ged-")]
        assert e.precision == int(raw[h.index("where_prec")])  # one to one
        span = (e.date_end - e.date_start).days + 1  # days covered, both ends included
        assert span <= MAX_SPAN_DAYS[e.date_precision]
        assert e.date_start == pd.Timestamp(raw[h.index("date_start")][:10])
        assert e.date_end == pd.Timestamp(raw[h.index("date_end")][:10])
        assert e.event_type == ("attack_on_civilians" if raw[h.index("type_of_violence")] == "3" else "armed_clash")
        assert e.lat == float(raw[h.index("latitude")]) and e.lon == float(raw[h.index("longitude")])
        assert e.fatalities_best == float(raw[h.index("best")])
        assert e.extra["relid"] == raw[h.index("relid")]
    assert set(ds.events["date_precision"]) == {"day", "week", "month", "year"}


def test_claims_excerpts_actors_and_fatalities_text():
    ds, _ = import_csv(SLICE)
    e = ds.events[ds.events["id"] == "ged-300380"].iloc[0]
    assert e["participants"] == ("syrian-government-forces", "syrian-insurgents")  # alias table
    assert e["admin1"] == "Idleb" and e["country"] == "SY" and e["extra"]["adm_1"] == "Idlib governorate"
    c = ds.claims[ds.claims["event_id"] == "ged-300380"].iloc[0]
    assert c["claimant"] == "support-kurds-in-syria" and c["stance"] == "asserts"
    assert c["excerpts"][0] == "Thursday 3 January 2013;Abdul Satar Mustafa Hankosh"  # source_headline, verbatim
    assert c["excerpts"][1] == "SOHR; VDC"  # source_original
    claimants = set(ds.roles[(ds.roles["event_id"] == "ged-300380") & (ds.roles["role"] == "claimant")]["actor_id"])
    assert claimants == {"support-kurds-in-syria", "vdc"}
    # best/low/high: the text shows the range when they differ
    text = SLICE.read_text(encoding="utf-8").replace(",2,2,2,652,\n", ",12,15,10,652,\n", 1)
    ds2, _ = import_csv(text.encode())
    e2 = ds2.events[ds2.events["id"] == "ged-300380"].iloc[0]
    assert e2["fatalities_text"] == "best 12 (low 10, high 15)" and e2["fatalities_best"] == 12


def test_multiline_records_keep_their_text_and_row_numbers():
    rows = records(SLICE)
    multi = [i for i, r in enumerate(rows) if any("\n" in f for f in r)]
    assert multi
    ds, _ = import_csv(SLICE)
    h = rows[0]
    r = rows[multi[0]]
    e = ds.events[ds.events["id"] == "ged-" + r[h.index("id")]].iloc[0]
    claim = ds.claims[ds.claims["event_id"] == e["id"]].iloc[0]
    kept = set(claim["excerpts"]) | set(e["extra"].values()) | {e["place_text"]}
    for col, value in zip(h, r):
        if "\n" in value:
            assert value in kept, col  # verbatim, line breaks included


def test_malformed_rows_are_skipped_with_row_column_reason_and_unknown_column_kept():
    rows = records(SLICE)
    h = rows[0] + ["my_note"]
    body = [r + ["kept"] for r in rows[1:]]
    i_start, i_end, i_lat, i_wp, i_dp = (h.index(c) for c in ("date_start", "date_end", "latitude", "where_prec", "date_prec"))
    body[0][i_end] = "2012-12-31 00:00:00"  # before date_start
    body[1][i_lat] = "95.5"
    body[2][i_wp] = "8"
    body[3][i_dp] = ""
    body[4] = body[4][:10]  # wrong number of fields
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([h, *body])
    ds, report = import_csv(out.getvalue().encode(), format="ucdp")
    # spreadsheet rows: header 1, records 2.. (multi-line records count once)
    got = sorted((s.row, s.column) for s in report.skipped)
    assert got == [(2, "date_end"), (3, "latitude"), (4, "where_prec"), (5, "date_prec"), (6, "-")]
    assert report.rows_loaded == len(body) - 5
    assert "before date_start" in report.skipped[0].reason
    assert report.unknown_columns == ["my_note"]
    assert ds.events["extra"].map(lambda x: x.get("my_note")).eq("kept").all()


def test_death_counts_with_thousands_separators():
    rows = records(SLICE)
    h = rows[0]
    a, b = list(rows[1]), list(rows[2])
    a[h.index("best")], a[h.index("low")], a[h.index("high")] = "1,200", "1,000", "1,500"
    b[h.index("best")] = "1,2"  # a decimal comma in a count: ambiguous, reported
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([h, a, b])
    ds, report = import_csv(out.getvalue().encode(), format="ucdp")
    e = ds.events.iloc[0]
    assert len(ds.events) == 1 and e["fatalities_best"] == 1200.0
    assert e["fatalities_text"] == "best 1200 (low 1000, high 1500)"
    assert [(s.row, s.column) for s in report.skipped] == [(3, "best")] and "'1,2'" in report.skipped[0].reason
