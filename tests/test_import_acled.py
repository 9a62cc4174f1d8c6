"""ACLED CSV importer: every precision code, date spellings, malformed rows, unknown columns,
encodings and delimiters (tests/fixtures/acled/README.md lists the fixture's rows)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from events import vocab
from events.dataset import CLAIM_COLUMNS, EVENT_COLUMNS
from events.importers import ImportFailed, detect_format, header_of, import_csv

FIX = Path(__file__).parent / "fixtures" / "acled" / "acled_every_code.csv"


@pytest.fixture(scope="module")
def imported():
    return import_csv(FIX)


def ev(ds, eid):
    row = ds.events[ds.events["id"] == eid]
    assert len(row) == 1, eid
    return row.iloc[0]


def test_counts_and_skipped_rows_with_spreadsheet_row_numbers(imported):
    ds, report = imported
    assert report.format == "acled"
    assert report.rows_read == 12 and report.rows_loaded == 7 and report.rows_skipped == 5
    got = {(s.row, s.column) for s in report.skipped}
    assert got == {(7, "latitude"), (8, "event_date"), (9, "-"), (10, "geo_precision"), (12, "longitude")}
    reasons = {s.row: s.reason for s in report.skipped}
    assert "'north'" in reasons[7] and "sometime in spring" in reasons[8]
    assert "6 fields" in reasons[9] and "32" in reasons[9]
    # A repeated id loses no row: kept under a suffixed id, with a remark naming the first row.
    [dup] = [n for n in report.notes if n.row == 13]
    assert dup.column == "event_id_cnty" and "repeats row 2's" in dup.reason and "both kept" in dup.reason
    assert ds.events["id"].is_unique and ds.events["id"].str.endswith("-2").sum() == 1
    # skipped rows are problems of the dataset too
    assert {p.record for p in ds.problems} == {f"row {r}" for r in (7, 8, 9, 10, 12)}


def test_frames_have_the_contract_columns(imported):
    ds, _ = imported
    assert tuple(ds.events.columns) == EVENT_COLUMNS
    assert tuple(ds.claims.columns) == CLAIM_COLUMNS
    assert ds.kind == "acled"
    assert str(ds.events["date_start"].dtype) == "datetime64[us]"
    assert ds.events["status"].eq("claimed").all() and ds.events["n_claims"].eq(1).all()
    # the contract: status_derived holds the derived status string, status_reason the override's reason
    assert str(ds.events["status_derived"].dtype) == "str"
    assert ds.events["status_derived"].eq(ds.events["status"]).all()
    assert ds.events["status_reason"].eq("").all()


def test_every_geo_precision_maps(imported):
    ds, _ = imported
    assert ev(ds, "acled-syr1001")["precision"] == 1
    assert ev(ds, "acled-syr1002")["precision"] == 2
    assert ev(ds, "acled-syr1003")["precision"] == 4  # ACLED 3 = a larger region: our governorate code
    assert ev(ds, "acled-syr1003")["radius_km"] == vocab.PRECISION_RADIUS_KM[4]
    assert ev(ds, "acled-syr1002")["radius_km"] == vocab.PRECISION_RADIUS_KM[2]


def test_geo_precision_1_is_a_town_not_a_pin(imported):
    """ACLED 1 = the coordinates of the named town: a town-sized radius, never code 1's 1 km."""
    from events.importers.acled import ACLED_TOWN_RADIUS_KM

    ds, _ = imported
    assert ACLED_TOWN_RADIUS_KM == 5.0
    towns = ds.events[ds.events["precision"] == 1]
    assert len(towns) and towns["radius_km"].eq(5.0).all()
    claims = ds.claims[ds.claims["precision"] == 1]
    assert len(claims) and claims["radius_km"].eq(5.0).all()


def test_every_time_precision_maps_to_a_range(imported):
    ds, _ = imported
    a, b, c = ev(ds, "acled-syr1001"), ev(ds, "acled-syr1002"), ev(ds, "acled-syr1003")
    assert (a["date_precision"], a["date_start"], a["date_end"]) == ("day", pd.Timestamp("2016-04-27"), pd.Timestamp("2016-04-27"))
    assert (b["date_precision"], b["date_start"], b["date_end"]) == ("week", pd.Timestamp("2016-04-24"), pd.Timestamp("2016-04-30"))
    assert (c["date_precision"], c["date_start"], c["date_end"]) == ("month", pd.Timestamp("2016-04-01"), pd.Timestamp("2016-04-30"))
    assert ds.events["date_basis"].eq("stated").all()


def test_date_spellings(imported):
    ds, report = imported
    assert ev(ds, "acled-syr1004")["date_start"] == pd.Timestamp("2016-04-28")  # April 28, 2016
    assert ev(ds, "acled-syr1005")["date_start"] == pd.Timestamp("2016-04-29")  # 29/04/2016
    assert any("day/month/year" in w for w in report.warnings)


def test_ambiguous_slash_dates_are_reported_not_guessed():
    text = FIX.read_text(encoding="utf-8").replace("29/04/2016", "04/05/2016")
    ds, report = import_csv(text.encode(), format="acled")
    amb = [s for s in report.skipped if "ambiguous" in s.reason]
    assert [(s.row, s.column) for s in amb] == [(6, "event_date")]
    assert "acled-syr1005" not in set(ds.events["id"])


def _rows(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_ids_differing_only_in_case_repeat_each_other_and_both_rows_are_kept():
    """The stored id is lower-cased ('acled-syr1'), so 'SYR1' and 'syr1' are one id: the later
    row is kept under a suffixed id and named, never loaded as a second event with the same id."""
    rows = _rows(FIX.read_text(encoding="utf-8"))
    h, first, second = rows[0], rows[1], list(rows[2])
    i = h.index("event_id_cnty")
    first = list(first)
    first[i], second[i] = "SYR1", "syr1"
    ds, report = import_csv(_csv([h, first, second]), format="acled")
    assert list(ds.events["id"]) == ["acled-syr1", "acled-syr1-2"]
    assert report.rows_loaded == 2 and not report.skipped
    [s] = report.notes
    assert (s.row, s.column) == (3, "event_id_cnty")
    assert s.reason.startswith("event_id_cnty 'syr1' repeats row 2's as 'SYR1'") and "this one as syr1-2" in s.reason


def test_a_suffixed_id_never_takes_an_id_already_in_the_file():
    rows = _rows(FIX.read_text(encoding="utf-8"))
    h, a, b, c = rows[0], list(rows[1]), list(rows[2]), list(rows[3])
    i = h.index("event_id_cnty")
    a[i], b[i], c[i] = "SYR7", "SYR7-2", "SYR7"
    ds, report = import_csv(_csv([h, a, b, c]), format="acled")
    assert sorted(ds.events["id"]) == ["acled-syr7", "acled-syr7-2", "acled-syr7-3"]
    assert report.rows_loaded == 3


def test_event_types_actors_claims_and_extra(imported):
    ds, _ = imported
    assert ev(ds, "acled-syr1001")["event_type"] == "air_strike"
    assert ev(ds, "acled-syr1002")["event_type"] == "shelling"
    assert ev(ds, "acled-syr1003")["event_type"] == "armed_clash"
    assert ev(ds, "acled-syr1004")["event_type"] == "attack_on_civilians"
    assert ev(ds, "acled-syr1005")["event_type"] == "deployment"
    # aliases: "Military Forces of Syria (2000-)" is the alias table's Syrian government forces
    assert "syrian-government-forces" in ev(ds, "acled-syr1002")["participants"]
    assert set(ev(ds, "acled-syr1003")["participants"]) == {"islamic-state", "sdf", "ypg-people-s-protection-units"}
    claim = ds.claims[ds.claims["event_id"] == "acled-syr1001"].iloc[0]
    assert claim["claimant"] == "sohr" and claim["stance"] == "asserts"
    assert claim["excerpts"] == ("On 27 April 2016, Russian forces carried out air strikes on a hospital in Al Sukkari, "
                                 "Aleppo city. 27 civilians were killed.",)
    claimants = set(ds.roles[(ds.roles["event_id"] == "acled-syr1001") & (ds.roles["role"] == "claimant")]["actor_id"])
    assert claimants == {"sohr", "sana"}
    kinds = dict(zip(ds.actors["id"], ds.actors["kind"]))
    assert kinds["sohr"] == "monitor" and kinds["russian-armed-forces"] == "state_military"
    e = ev(ds, "acled-syr1001")
    assert e["fatalities_best"] == 27 and e["fatalities_text"] == "27"
    assert e["extra"]["analyst_flag"] == "check"  # unknown column kept
    assert e["extra"]["sub_event_type"] == "Air/drone strike" and e["extra"]["source"] == "SOHR; Syrian Arab News Agency"
    assert e["country"] == "SY" and e["admin1"] == "Aleppo"
    assert "al sukkari" in e["search_text"]
    # a quoted field spanning two lines stays verbatim
    assert "\nA second paragraph" in ev(ds, "acled-syr1010")["summary"]


def test_missing_required_columns_are_named():
    text = FIX.read_text(encoding="utf-8").replace("geo_precision", "geo_prec").replace("time_precision", "t_prec")
    with pytest.raises(ImportFailed) as e:
        import_csv(text.encode(), format="acled")
    assert "time_precision" in str(e.value) and "geo_precision" in str(e.value)


def test_format_detection_from_the_header():
    assert detect_format(header_of(FIX.read_bytes())) == "acled"
    assert detect_format(["EVENT_ID_CNTY", "EVENT_DATE", "GEO_PRECISION", "TIME_PRECISION"]) == "acled"
    assert detect_format(["id", "where_prec", "date_prec", "side_a", "side_b"]) == "ucdp"
    assert detect_format(["name", "lat", "lon"]) is None
    with pytest.raises(ImportFailed, match="cannot tell the format"):
        import_csv(b"name,lat,lon\nx,1,2\n")


@pytest.mark.parametrize("variant", ["bom", "semicolon", "tab", "pipe", "crlf", "cp1252", "upper"])
def test_hostile_encodings_and_delimiters(variant):
    text = FIX.read_text(encoding="utf-8").replace("Al Sukkari", "Al Sukkarī")
    if variant in ("semicolon", "tab", "pipe"):
        import csv
        import io

        sep = {"semicolon": ";", "tab": "\t", "pipe": "|"}[variant]
        rows = list(csv.reader(io.StringIO(text, newline="")))
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
        data = out.getvalue().encode("utf-8")
    elif variant == "bom":
        data = "\ufeff".encode() + text.encode("utf-8")
    elif variant == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif variant == "cp1252":
        data = text.replace("ī", "é").encode("cp1252")
    else:
        first, rest = text.split("\n", 1)
        data = (first.upper() + "\n" + rest).encode("utf-8")
    ds, report = import_csv(data)
    assert report.format == "acled"
    assert report.rows_loaded == 7, report.skipped
    summary = ev(ds, "acled-syr1001")["summary"]
    if variant == "cp1252":
        assert "Al Sukkaré" in summary and any("not valid UTF-8" in w and "cp1252" in w for w in report.warnings)
    else:
        assert "Al Sukkarī" in summary


def test_progress_is_reported_and_ends_at_one():
    seen = []
    import_csv(FIX, progress=lambda f, t: seen.append((f, t)))
    assert seen and seen[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_synthetic_generator_imports_cleanly():
    from benchmarks.synthetic import synthetic_acled

    ds, report = import_csv(synthetic_acled(2000, seed=7), format="acled")
    assert report.rows_loaded == 2000 and not report.skipped
    assert ds.events["date_start"].min() >= pd.Timestamp("2013-01-01")
    assert ds.events["date_end"].max() <= pd.Timestamp("2024-01-31")
    assert ds.events["lat"].between(32, 37.5).all() and ds.events["lon"].between(35.5, 42.5).all()
    assert isinstance(ds.events["date_start"].iloc[0].date(), dt.date)


@pytest.mark.parametrize("value, best", [
    ("1,000", 1000.0), ("12,345,678", 12345678.0), ("1,000.0", 1000.0), ("27", 27.0), ("27.0", 27.0),
    ("1,5", None), ("12,34", None), ("1.000", None), ("1,0000", None), ("-1", None),
])
def test_fatalities_thousands_separators_load_and_ambiguous_commas_are_reported(value, best):
    """'1,000' is a thousand (not 1.0, as a decimal comma would read it); a comma that is not a
    thousands separator, or a dotted '1.000', is ambiguous: the row is reported, not guessed."""
    rows = _rows(FIX.read_text(encoding="utf-8"))
    h, row = rows[0], list(rows[1])
    row[h.index("fatalities")] = value
    ds, report = import_csv(_csv([h, row]), format="acled")
    if best is None:
        assert ds.events.empty
        [s] = report.skipped
        assert (s.row, s.column) == (2, "fatalities") and repr(value) in s.reason
    else:
        assert not report.skipped
        assert ds.events["fatalities_best"].tolist() == [best]


def test_coordinates_still_accept_a_decimal_comma():
    rows = _rows(FIX.read_text(encoding="utf-8"))
    h, row = rows[0], list(rows[1])
    row[h.index("latitude")], row[h.index("longitude")] = "36,1842", "37,1563"
    ds, report = import_csv(_csv([h, row]), format="acled")
    assert not report.skipped and ds.events[["lat", "lon"]].values.tolist() == [[36.1842, 37.1563]]


def test_rows_without_coordinates_are_geocoded_inside_their_own_admin_areas():
    """ACLED's admin1-3 are the context of its location (geodata.resolve(..., context=)): of the two
    equally attested 'Salba' in Hama governorate the row's district picks one; a location unknown
    inside its district gives the district (precision 3), never a namesake elsewhere."""
    rows = _rows(FIX.read_text(encoding="utf-8"))
    h = rows[0]
    col = {k: h.index(k) for k in ("event_id_cnty", "admin1", "admin2", "admin3", "location", "latitude",
                                    "longitude", "geo_precision")}
    out = [h]
    for n, (adm2, adm3, loc) in enumerate([("As-Salamiyeh", "", "Salba"), ("As-Suqaylabiyah", "", "Salba"),
                                           ("Ariha", "", "Nowhere-that-is-a-village")]):
        row = list(rows[1])
        row[col["event_id_cnty"]] = f"SYR77{n}"
        row[col["admin1"]], row[col["admin2"]], row[col["admin3"]] = ("Idleb" if adm2 == "Ariha" else "Hama"), adm2, adm3
        row[col["location"]], row[col["latitude"]], row[col["longitude"]] = loc, "", ""
        row[col["geo_precision"]] = ""
        out.append(row)
    ds, report = import_csv(_csv(out), format="acled")
    e = ds.events.set_index("id")
    a, b, c = e.loc["acled-syr770"], e.loc["acled-syr771"], e.loc["acled-syr772"]
    assert (a["admin2"], b["admin2"]) == ("As-Salamiyeh", "As-Suqaylabiyah"), (a, b)
    assert a["precision"] == b["precision"] == 1
    import geodata

    salbas = geodata.resolve("Salba")["alternatives"]  # not found alone: the namesakes are listed
    assert {(round(x["lat"], 4), round(x["lon"], 4)) for x in salbas} == {
        (round(a["lat"], 4), round(a["lon"], 4)), (round(b["lat"], 4), round(b["lon"], 4))}
    assert c["precision"] == 3 and c["admin2"] == "Ariha" and not c["admin3"], c
