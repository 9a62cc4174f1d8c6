"""events.importers.dates: every spelling spreadsheets and older exports write, both numeric
orders and how the order is decided, serials, two-digit years and the year cross-check."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from events.importers.checks import Checks
from events.importers.dates import parse_dates
from events.importers.reading import Table


def run(values, year=None, order=None, default_order=None):
    raw = pd.Series(values, dtype="str")
    table = Table(header=["d"], keys=["d"], frame=pd.DataFrame({"d": raw}), rows=np.arange(2, len(raw) + 2),
                  skipped=[], warnings=[], encoding="utf-8", delimiter=",", rows_read=len(raw))
    checks = Checks(table)
    warnings: list[str] = []
    out = parse_dates(raw, "event_date", checks, warnings,
                      year=pd.Series(year, dtype="str") if year is not None else None,
                      year_col="year" if year is not None else None, order=order, default_order=default_order)
    return out, checks, warnings


NINE_MAY = pd.Timestamp("2020-05-09")


@pytest.mark.parametrize("spelling", [
    "2020-05-09", "2020-05-09 00:00:00", "2020-05-09T00:00:00Z", "2020-05-09T13:45:00+03:00",
    "2020-05-09 00:00:00.000", "2020/05/09", "9-May-20", "09-May-2020", "09 May 2020", "9 May 2020",
    "9-may-2020", "09-MAY-20", "9 May, 2020", "May 9, 2020", "May 09 2020", "9 September 2020".replace("September", "May"),
    "43960", "43960.0", "9. May 2020", "9th May 2020",
])
def test_each_spelling_reads_as_the_same_day(spelling):
    out, checks, _ = run([spelling])
    assert out.iloc[0] == NINE_MAY, spelling
    assert not checks.bad.any()


def test_day_first_is_decided_from_the_column_and_said():
    out, checks, warnings = run(["09/05/2020", "13/05/2020", "5/6/2020"])
    assert list(out) == [NINE_MAY, pd.Timestamp("2020-05-13"), pd.Timestamp("2020-06-05")]
    assert any("day/month/year" in w and "1 rows have a first number above 12" in w for w in warnings)


def test_month_first_is_decided_from_the_column_and_said():
    out, _, warnings = run(["5/9/2020", "05/13/2020", "6/5/2020"])
    assert list(out) == [NINE_MAY, pd.Timestamp("2020-05-13"), pd.Timestamp("2020-06-05")]
    assert any("month/day/year" in w for w in warnings)


@pytest.mark.parametrize("values,expected,word", [
    # sorted by date, every value fits both readings: the reading whose rows run in order wins
    (["01/05/2020", "02/05/2020", "03/05/2020", "05/05/2020"], "2020-05-01", "day/month/year"),
    (["05/01/2020", "05/02/2020", "05/03/2020", "05/05/2020"], "2020-05-01", "month/day/year"),
])
def test_order_from_the_row_order_when_every_value_fits_both(values, expected, word):
    out, checks, warnings = run(values)
    assert out.iloc[0] == pd.Timestamp(expected) and not checks.bad.any()
    assert any(word in w and "order in which the rows run" in w for w in warnings)


def test_undecidable_dates_are_reported_not_guessed_and_the_order_can_be_given():
    out, checks, _ = run(["05/09/2020", "09/05/2020"])
    assert out.isna().all() and checks.bad.all()
    assert all("ambiguous" in s.reason for s in checks.skipped())
    out, checks, warnings = run(["05/09/2020", "09/05/2020"], order="dmy")
    assert list(out) == [pd.Timestamp("2020-09-05"), NINE_MAY] and not checks.bad.any()
    assert any("as asked" in w for w in warnings)
    out, _, warnings = run(["05/09/2020", "09/05/2020"], default_order="mdy")
    assert list(out) == [NINE_MAY, pd.Timestamp("2020-09-05")]
    assert any("convention" in w for w in warnings)


def test_mixed_orders_read_what_one_order_reads_and_report_the_rest():
    out, checks, warnings = run(["13/05/2020", "05/14/2020", "05/06/2020"])
    assert out.iloc[0] == pd.Timestamp("2020-05-13") and out.iloc[1] == pd.Timestamp("2020-05-14")
    assert pd.isna(out.iloc[2]) and [s.row for s in checks.skipped()] == [4]
    assert any("both day-first" in w for w in warnings)


def test_two_digit_years_take_the_century_of_the_year_column():
    out, _, warnings = run(["9-May-97", "9-May-20", "5/9/97"], year=["1997", "2020", "1997"], order="mdy")
    assert list(out) == [pd.Timestamp("1997-05-09"), NINE_MAY, pd.Timestamp("1997-05-09")]
    assert any("two-digit years" in w for w in warnings)


def test_serial_numbers_are_said():
    out, _, warnings = run(["43960", "2020-05-10"])
    assert out.iloc[0] == NINE_MAY
    assert any("serial" in w for w in warnings)


def test_contradiction_with_the_year_column_is_noted_per_row_and_the_row_kept():
    out, checks, _ = run(["2020-05-09", "2020-05-10"], year=["2020", "2019"])
    assert not checks.bad.any() and out.notna().all()
    notes = checks.noted()
    assert [(n.row, n.column) for n in notes] == [(3, "event_date")]
    assert "2019" in notes[0].reason and "2020-05-10" in notes[0].reason


@pytest.mark.parametrize("bad", ["sometime in spring", "31/02/2020", "2020-13-01", "1234", "99999999"])
def test_unreadable_and_impossible_dates_are_skipped_with_the_value(bad):
    out, checks, _ = run([bad])
    assert out.isna().all()
    (s,) = checks.skipped()
    assert repr(bad) in s.reason


def test_one_pass_per_distinct_value_keeps_row_alignment():
    values = ["9-May-20", "2020-05-10", "9-May-20", "", "43962"] * 3
    out, checks, _ = run(values)
    assert pd.isna(out[3]) and out[1] == pd.Timestamp("2020-05-10")
    assert out[0] == out[5] == out[10] == NINE_MAY and out[4] == pd.Timestamp("2020-05-11")
    assert [s.row for s in checks.skipped()] == [5, 10, 15]


def test_year_column_shows_a_two_digit_year_first():
    out, checks, warnings = run(["20/05/09", "20/05/13", "20/6/01"], year=["2020", "2020", "2020"])
    assert list(out) == [NINE_MAY, pd.Timestamp("2020-05-13"), pd.Timestamp("2020-06-01")]
    assert not checks.bad.any() and any("year/month/day" in w for w in warnings)
    # without the year column the same values are day/month/two-digit year
    out, _, _ = run(["20/05/09", "21/05/09"])
    assert list(out) == [pd.Timestamp("2009-05-20"), pd.Timestamp("2009-05-21")]
