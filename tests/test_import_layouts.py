"""Every ACLED and UCDP GED layout, and files as spreadsheets save them: each fixture imports
with every valid row kept (tests/fixtures/make_layout_fixtures.py wrote them from the published
column lists; the GED ones re-lay real GED 23.1 rows)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from events import vocab
from events.importers import import_csv, import_file
from events.importers.acled import KNOWN as ACLED_KNOWN
from events.importers.ucdp import KNOWN as GED_KNOWN

FIX = Path(__file__).parent / "fixtures"
ACLED = FIX / "acled"
GED = FIX / "ucdp"


def ev(ds, eid):
    return ds.events.set_index("id").loc[eid]


# ------------------------------------------------------------------------- ACLED layouts

def test_pre2019_layout_every_old_type_maps_and_nothing_is_lost():
    ds, report = import_csv(ACLED / "acled_pre2019.csv")
    assert report.format == "acled" and report.rows_read == 10
    assert report.rows_loaded == 10 and not report.skipped and not report.other_types
    expected = {
        "Battle-No change of territory": "armed_clash", "Battle-Government regains territory": "armed_clash",
        "Battle-Non-state actor overtakes territory": "armed_clash",
        "Headquarters or base established": "deployment",
        "Non-violent transfer of territory": "strategic_development", "Remote violence": "shelling",
        "Riots/Protests": "strategic_development", "Strategic development": "strategic_development",
        "Violence against civilians": "attack_on_civilians",
    }
    got = {e["event_type"]: t for e, t in zip(ds.events["extra"], ds.events["event_type"])}
    assert got == expected
    assert all(k.lower() in vocab.ACLED_EVENT_TYPES_IN for k in expected)  # each listed in vocab
    # ids like 8188RTA; empty event_id_no_cnty; gwno kept; ally actors are participants
    first = ev(ds, "acled-8188rta")
    assert first["extra"]["gwno"] == "652" and "event_id_no_cnty" not in first["extra"]
    spelled = {r.id for r in ds.actors.itertuples() if "NDF: National Defence Forces" in (r.name, *r.aliases)}
    assert len(spelled) == 1 and spelled <= set(first["participants"])  # ally_actor_1 read as assoc_actor_1
    assert first["date_start"] == pd.Timestamp("2016-05-10")


def test_pre2019_row_without_coordinates_is_geocoded_with_honest_precision():
    ds, report = import_csv(ACLED / "acled_pre2019.csv")
    assert report.geocoded == 1
    e = ev(ds, "acled-8199rta")
    assert 34.4 < e["lat"] < 34.7 and 38.1 < e["lon"] < 38.4  # Palmyra / Tadmur
    assert e["precision"] == 1 and 0 < e["radius_km"] <= 25
    (note,) = [n for n in report.notes if n.row == 11]
    assert "gazetteer" in note.reason and "'Palmyra'" in note.reason


def test_2019_layout_numeric_iso_and_iso3():
    ds, report = import_csv(ACLED / "acled_2019.csv")
    assert report.rows_loaded == 7 and not report.skipped and not report.unknown_columns
    assert set(ds.events["country"]) == {"SY"}
    assert ev(ds, "acled-syr52004")["event_type"] == "strategic_development"  # Non-violent transfer of territory
    assert ev(ds, "acled-syr52001")["event_type"] == "air_strike"
    assert ev(ds, "acled-syr52000")["extra"]["iso3"] == "SYR"


def test_current_layout_unknown_type_is_other_kept_and_counted():
    ds, report = import_csv(ACLED / "acled_current.csv")
    assert report.rows_loaded == 9 and not report.skipped
    assert report.other_types == {"Unrest of a new kind": 1}
    e = ev(ds, "acled-syr90008")
    assert e["event_type"] == vocab.OTHER_EVENT_TYPE
    assert e["extra"]["event_type"] == "Unrest of a new kind" and e["extra"]["sub_event_type"] == "Something ACLED adds later"
    assert [n.row for n in report.notes] == [10]
    assert ev(ds, "acled-syr90000")["extra"]["tags"] == "women targeted: girls"
    assert ev(ds, "acled-syr90003")["extra"]["civilian_targeting"] == "Civilian targeting"


def test_every_layout_column_is_known():
    for f in ("acled_pre2019.csv", "acled_2019.csv", "acled_current.csv"):
        header = next(csv.reader(io.StringIO((ACLED / f).read_text(encoding="utf-8"))))
        assert set(header) <= set(ACLED_KNOWN), f


# ------------------------------------------------------------------------- spreadsheet-saved files

def test_excel_saved_export_loads_every_row():
    """cp1252, CRLF, ';', 9-May-20 dates, header spaces, a leading unnamed index column, trailing
    empty columns, decimal commas, a quoted note with a line break."""
    ds, report = import_csv(ACLED / "acled_excel_saved.csv")
    assert report.rows_loaded == 9 and not report.skipped, report.skipped
    assert report.encoding == "cp1252" and report.delimiter == ";"
    assert any("row numbers" in w for w in report.warnings)
    assert sorted(ds.events["date_start"].dt.day) == list(range(9, 18))
    assert (ds.events["date_start"].dt.year == 2020).all()
    e = ev(ds, "acled-syr90001")
    assert "café" in e["summary"] and "Sarâqib" in e["summary"] and "\n" in e["summary"]
    assert e["lat"] == pytest.approx(35.8137)
    assert not report.unknown_columns  # no 'column_33' made of the trailing delimiters


def test_arabic_cp1256_is_decoded_as_arabic():
    ds, report = import_csv(ACLED / "acled_arabic_cp1256.csv")
    assert report.encoding == "cp1256" and report.rows_loaded == 3
    assert ev(ds, "acled-syr90000")["place_name"] == "حلب"
    assert "قصف جوي" in ev(ds, "acled-syr90000")["summary"]
    assert list(ds.events.sort_values("id")["date_start"].dt.day) == [9, 10, 11]


@pytest.mark.parametrize("delimiter", [";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_each_encoding_delimiter_and_line_end(delimiter, encoding, newline):
    rows = list(csv.reader(io.StringIO((ACLED / "acled_current.csv").read_text(encoding="utf-8"))))
    rows[2][rows[0].index("notes")] = "Frappe près de l'école,\nsuite de la note."
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    ds, report = import_file(out.getvalue().encode(encoding), "export.csv")
    assert report.rows_loaded == 9 and not report.skipped
    assert report.delimiter == delimiter
    assert "près de l'école,\nsuite" in ev(ds, "acled-syr90001")["summary"]


def test_spreadsheet_date_spellings_in_a_whole_file():
    text = (ACLED / "acled_current.csv").read_text(encoding="utf-8")
    for old, new in (("2020-05-09", "43960"), ("2020-05-10", "10-May-20"), ("2020-05-11", "11 May 2020"),
                     ("2020-05-12", "2020-05-12T00:00:00Z"), ("2020-05-13", "5/13/2020"),
                     ("2020-05-14", "2020-05-14 00:00:00"), ("2020-05-15", "05/15/2020")):
        text = text.replace(old, new)
    ds, report = import_file(text.encode(), "mixed.csv")
    assert report.rows_loaded == 9 and not report.skipped
    assert sorted(ds.events["date_start"].dt.day) == list(range(9, 18))


# ------------------------------------------------------------------------- UCDP GED layouts

def _ged_ids(path: Path) -> set[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {"ged-" + r["id"] for r in csv.DictReader(f)}


def test_ged_191_layout_by_name():
    ds, report = import_csv(GED / "ged191_slice.csv")
    header = next(csv.reader(io.StringIO((GED / "ged191_slice.csv").read_text(encoding="utf-8"))))
    assert len(header) == 41 and "where_description" not in header and "relid" not in header
    assert report.format == "ucdp" and report.rows_loaded == 12 and not report.skipped
    assert set(ds.events["id"]) == _ged_ids(GED / "ged191_slice.csv")
    # without where_description the place text is where_coordinates
    assert (ds.events["place_text"] == ds.events["place_name"]).all()


def test_ged_231_and_later_layouts_give_the_same_events():
    a, _ = import_csv(GED / "ged231_slice.csv")
    b, report = import_csv(GED / "ged_later_slice.csv")
    assert report.rows_loaded == 12 and not report.skipped
    assert report.unknown_columns == ["event_uncertainty"]
    cols = ["id", "date_start", "date_end", "lat", "lon", "precision", "event_type"]
    pd.testing.assert_frame_equal(a.events[cols].sort_values("id").reset_index(drop=True),
                                  b.events[cols].sort_values("id").reset_index(drop=True))
    assert set(GED_KNOWN) >= set(next(csv.reader(io.StringIO((GED / "ged231_slice.csv").read_text(encoding="utf-8")))))


def test_ged_oddities_are_kept_with_warnings():
    ds, report = import_csv(GED / "ged_later_slice.csv")
    assert any("number_of_sources is -1" in w for w in report.warnings)
    notes = {(n.row, n.column): n.reason for n in report.notes}
    assert "low 9 is above best 5" in notes[(3, "low")]
    assert "best 30 is above high 20" in notes[(4, "best")]
    with open(GED / "ged_later_slice.csv", encoding="utf-8", newline="") as f:
        second = list(csv.DictReader(f))[1]["id"]
    e = ev(ds, "ged-" + second)
    assert e["fatalities_best"] == 5 and "low 9" in e["fatalities_text"]


def test_geocoded_row_is_never_more_precise_than_its_own_geo_precision():
    rows = list(csv.reader(io.StringIO((ACLED / "acled_pre2019.csv").read_text(encoding="utf-8"))))
    rows[-1][rows[0].index("geo_precision")] = "3"  # ACLED: a larger region
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    ds, report = import_file(out.getvalue().encode(), "x.csv")
    e = ev(ds, "acled-8199rta")
    assert report.geocoded == 1 and e["precision"] == 4 and e["radius_km"] == vocab.PRECISION_RADIUS_KM[4]


def test_a_chunk_of_rows_imports_alone_with_its_own_row_numbers():
    """What a caller streaming a large file does: one chunk of string columns, no second read."""
    from events.importers import acled
    from events.importers.reading import table_of

    frame = pd.read_csv(ACLED / "acled_current.csv", dtype=str, keep_default_na=False)
    whole, _ = import_csv(ACLED / "acled_current.csv")
    first, r1 = acled.import_table(table_of(frame.iloc[:4]), "part.csv")
    second, r2 = acled.import_table(table_of(frame.iloc[4:].reset_index(drop=True), first_row=6), "part.csv")
    assert r1.rows_loaded + r2.rows_loaded == len(whole.events)
    assert set(first.events["id"]) | set(second.events["id"]) == set(whole.events["id"])
    assert [n.row for n in r2.notes] == [10]  # the unmapped type, numbered as in the whole file


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row():
    text = (ACLED / "acled_current.csv").read_text(encoding="utf-8").replace(",", "|")
    ds, report = import_file(("sep=|\r\n" + text).encode("utf-8"), "sep.csv")
    assert report.delimiter == "|" and report.rows_loaded == 9 and not report.skipped
    assert [n.row for n in report.notes] == [10]  # header = row 1, as Excel shows it
