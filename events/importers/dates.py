"""Date spellings of exports and spreadsheets -> datetimes, vectorised.

Understood (time of day and a time zone after the date are ignored: the date as written counts):
- ISO: 2020-05-09, 2020-05-09 00:00:00, 2020-05-09T00:00:00Z, 2020/05/09
- month names (English, full or abbreviated, any case): 9-May-20, 09-May-2020, 09 May 2020,
  9 May, 2020, May 9, 2020, May-09-2020
- numbers: 5/9/2020 and 09/05/2020 (also with '.' or '-', and two-digit years: 5/9/20)
- spreadsheet serial numbers: 43960 (days since 1899-12-30, as Excel and LibreOffice count)

Two-digit years take their century from the row's `year` column when it agrees on the last two
digits, else 2000-2068 / 1969-1999 (as spreadsheets read them), with a warning. When the FIRST
number of two-digit numeric dates is the year column's (20/05/09 with year 2020) and no row's last
number is, the column is year/month/day.

Numeric day/month order is decided for the whole column, and the report says how:
1. the caller's order (``order``: "dmy" or "mdy", e.g. the CLI's --date-order);
2. the values: a first number above 12 means day-first, a second above 12 month-first;
3. the row order: exports are sorted by date, so when every value fits both readings, the reading
   whose dates run in order (far smaller total jump between neighbouring rows) wins;
4. the format's convention (``default_order``; TimeMap sheets write US month/day/year);
otherwise each date that fits both readings is reported as ambiguous and its row skipped.
A column mixing both orders has its unambiguous dates read and the rest reported.

These whole-column decisions (the order, two-digit year/month/day) are a ``DateRules``:
``date_rules`` makes them over a whole column and says how (the warnings), and ``parse_dates``
with ``rules=`` applies them to any part of it, silently. A streamed import decides on the
whole column in a first pass and applies the rules chunk by chunk, so a chunk never decides
on its own rows what only the whole file settles.

Each distinct spelling is parsed once (a 100,000-row export has a few thousand distinct dates).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .checks import Checks, blank, value_reasons

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
MONTH_NUMBER = {**{m: i for i, m in enumerate(MONTHS, 1)}, **{m[:3]: i for i, m in enumerate(MONTHS, 1)},
                "sept": 9}
SERIAL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's and LibreOffice's 1900 date system
SERIAL_RANGE = (10_000, 99_999)  # 1927-05-18 .. 2173-10-14: five digits, never a bare year

_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-./]+([A-Za-z]{3,9})\.?,?[\s\-./]+(\d{4}|\d{2})" + _TIME + "$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-./]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-./]+(\d{4}|\d{2})" + _TIME + "$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + "$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")

ORDERS = ("dmy", "mdy")
ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year"}


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970 of (y, m, d) arrays; NaN where the date does not exist."""
    ok = ~(np.isnan(y) | np.isnan(m) | np.isnan(d))
    out = np.full(len(y), np.nan)
    if ok.any():
        got = pd.to_datetime(pd.DataFrame({"year": y[ok], "month": m[ok], "day": d[ok]}), errors="coerce")
        out[ok] = (got - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float, na_value=np.nan)
    return out


def _total_jump(days: np.ndarray) -> float:
    """Sum of the absolute differences between neighbouring dates (NaN ignored)."""
    v = days[~np.isnan(days)]
    return float(np.abs(np.diff(v)).sum()) if len(v) > 1 else 0.0


@dataclass
class DateRules:
    """What a whole date column settles: ``order`` of numeric dates ("dmy", "mdy", or
    "neither": read only what one order can read, report the rest) and ``ymd`` (two-digit
    numeric dates whose first number is the year column's)."""

    order: Optional[str] = None
    ymd: bool = False


def date_rules(raw: pd.Series, col: str, *, year: Optional[pd.Series] = None, year_col: Optional[str] = None,
               order: Optional[str] = None, default_order: Optional[str] = None) -> tuple[DateRules, list[str]]:
    """The rules a whole column settles, and the warnings saying how (see parse_dates)."""
    warnings: list[str] = []
    decided = DateRules()
    parse_dates(raw, col, Checks.scratch(len(raw)), warnings, year=year, year_col=year_col, order=order,
                default_order=default_order, decided=decided)
    return decided, warnings


def parse_dates(raw: pd.Series, col: str, checks: Checks, warnings: list[str], *,
                year: Optional[pd.Series] = None, year_col: Optional[str] = None,
                order: Optional[str] = None, default_order: Optional[str] = None,
                rules: Optional[DateRules] = None, decided: Optional[DateRules] = None) -> pd.Series:
    """The dates of ``raw`` (see the module docstring) as datetime64[us], NaT where unread.

    Empty and unreadable dates, and numeric dates whose order cannot be decided, are flagged on
    ``checks`` (their rows are skipped). With ``year`` (the export's year column), two-digit
    years take its century, and a date in another year than the column says is noted on its
    row (kept: the date is the more precise field, the note lets the user check).

    ``rules`` (from ``date_rules`` over the whole column) replaces the decisions made from
    ``raw`` alone, and nothing is added to ``warnings`` (date_rules said it); ``decided``, when
    given, receives the decisions made."""
    if rules is not None:
        warnings = []  # the whole column's pass said how it decided
        order = rules.order
    codes, uniq = pd.factorize(raw.str.strip(), use_na_sentinel=True)
    u = pd.Series(uniq, dtype="str") if len(uniq) else pd.Series([], dtype="str")
    nu = len(u)
    Y, M, D = np.full(nu, np.nan), np.full(nu, np.nan), np.full(nu, np.nan)
    two_digit = np.zeros(nu, dtype=bool)
    serial = np.zeros(nu, dtype=bool)
    ambiguous = np.zeros(nu, dtype=bool)

    def take(mask: np.ndarray, y, m, d) -> None:
        Y[mask], M[mask], D[mask] = y[mask], m[mask], d[mask]

    todo = np.ones(nu, dtype=bool)
    # ISO
    if nu:
        g = u.str.extract(_ISO)
        hit = g[0].notna().to_numpy() & todo
        take(hit, _num(g[0]), _num(g[1]), _num(g[2]))
        todo &= ~hit
    # Month names, day first then month first.
    for rx, di, mi in ((_DAY_MONTH_NAME, 0, 1), (_MONTH_NAME_DAY, 1, 0)):
        if not todo.any():
            break
        g = u.str.extract(rx)
        mon = g[mi].str.lower().map(MONTH_NUMBER).to_numpy(dtype=float, na_value=np.nan)
        hit = g[0].notna().to_numpy() & ~np.isnan(mon) & todo
        y = _num(g[2])
        two_digit |= hit & (g[2].str.len() == 2).fillna(False).to_numpy(dtype=bool)
        take(hit, y, mon, _num(g[di]))
        todo &= ~hit
    # Spreadsheet serial numbers.
    if todo.any():
        g = u.str.extract(_SERIAL)
        n = _num(g[0])
        hit = todo & (n >= SERIAL_RANGE[0]) & (n <= SERIAL_RANGE[1])
        if hit.any():
            dates = SERIAL_EPOCH + pd.to_timedelta(n[hit], unit="D")
            y, m, d = (np.full(nu, np.nan) for _ in range(3))
            y[hit], m[hit], d[hit] = dates.year, dates.month, dates.day
            take(hit, y, m, d)
            serial |= hit
            todo &= ~hit
    # Numbers a/b/year: the order is decided below.
    numeric = np.zeros(nu, dtype=bool)
    a = b = ny = np.full(nu, np.nan)
    if todo.any():
        g = u.str.extract(_NUMERIC)
        numeric = g[0].notna().to_numpy() & todo
        a, b, ny = _num(g[0]), _num(g[1]), _num(g[2])
        two_digit |= numeric & (g[2].str.len() == 2).fillna(False).to_numpy(dtype=bool)
        todo &= ~numeric

    # The year column, per distinct spelling: its value on the spelling's first row (rows of one
    # spelling agree, or the cross-check below notes the one that does not).
    year_num = fy = None
    if year is not None:
        year_num = pd.to_numeric(year.str.strip().str.replace(r"\.0+$", "", regex=True), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        first_row = pd.Series(np.arange(len(codes))).groupby(codes).first()
        fy = np.full(nu, np.nan)
        idx = first_row.index.to_numpy()
        ok = idx >= 0
        fy[idx[ok]] = year_num[first_row.to_numpy()[ok]]
    # Two-digit numeric dates whose FIRST number is the year column's (20/05/09, as East Asian
    # locales write short dates): year/month/day, when no row says otherwise.
    if rules is not None:
        ymd_wanted = rules.ymd and fy is not None and (numeric & two_digit).any()
    elif fy is not None and order is None and (numeric & two_digit).any():
        yy2 = numeric & two_digit & ~np.isnan(fy)
        first_is_year = yy2 & (a == np.mod(fy, 100)) & (ny != np.mod(fy, 100))
        last_is_year = yy2 & (ny == np.mod(fy, 100))
        ymd_wanted = bool(first_is_year.any() and not last_is_year.any())
    else:
        ymd_wanted = False
    if decided is not None:
        decided.ymd = ymd_wanted
    if ymd_wanted:
        ymd = numeric & two_digit
        a, ny = ny.copy(), a.copy()  # now a = day, ny = two-digit year: (ny, b, a) = y/m/d
        take(ymd, ny, b, a)
        numeric = numeric & ~ymd
        warnings.append(f"Column {col}: dates like {u[np.flatnonzero(ymd)[0]]!r} read as year/month/day: "
                        "their first number is the year column's.")
    # Two-digit years: the century of the row's year column, else the spreadsheet pivot.
    if two_digit.any():
        yy = np.where(numeric, ny, Y)
        pivot = np.where(yy <= 68, 2000 + yy, 1900 + yy)
        century = pivot
        if fy is not None:
            agrees = ~np.isnan(fy) & (np.mod(fy, 100) == yy)
            century = np.where(agrees, fy, pivot)
        Y = np.where(two_digit & ~numeric & (Y < 100), century, Y)  # month names and y/m/d
        ny = np.where(two_digit & numeric, century, ny)
        warnings.append(f"Column {col}: two-digit years read with the century of the year column where it "
                        "agrees, else as 2000–2068 / 1969–1999 (as spreadsheets do).")
    if serial.any():
        warnings.append(f"Column {col}: {int(serial[codes[codes >= 0]].sum()):,} dates are spreadsheet serial "
                        "numbers (days since 1899-12-30, as Excel and LibreOffice count); read as such.")

    if numeric.any():
        if rules is not None:
            how = rules.order or "neither"
        else:
            how = _decide_order(raw, codes, numeric, a, b, ny, col, warnings, order, default_order)
            if decided is not None:
                decided.order = how if how in ORDERS else "neither"
        first, second = (a, b) if how != "mdy" else (b, a)
        if how in ORDERS:
            take(numeric, ny, second, first)
        else:  # mixed or undecided: read what only one order can read, report the rest
            dmy = numeric & ((a > 12) | (a == b))
            mdy = numeric & (b > 12) & ~dmy
            take(dmy, ny, b, a)
            take(mdy, ny, a, b)
            ambiguous = numeric & ~dmy & ~mdy

    days = _days(Y, M, D)
    out_days = np.where(codes >= 0, days[np.maximum(codes, 0)] if nu else np.nan, np.nan)
    out = pd.Series(pd.to_datetime(out_days, unit="D", origin="unix"), index=raw.index).astype("datetime64[us]")

    empty = blank(raw)
    amb_rows = ~empty & (ambiguous[np.maximum(codes, 0)] if nu else np.zeros(len(raw), dtype=bool)) & (codes >= 0)
    checks.flag(empty, col, "date is empty")
    checks.flag(amb_rows, col, value_reasons(
        raw, "date {value} is ambiguous: day/month or month/day? (nothing in the file settles it; "
             "give the order, e.g. --date-order dmy)"))
    unread = ~empty & ~amb_rows & out.isna().to_numpy()
    checks.flag(unread, col, value_reasons(raw, "date {value} is not a date this importer reads (or not a real calendar day)"))

    if year_num is not None and year_col is not None:
        got_year = out.dt.year.to_numpy(dtype=float, na_value=np.nan)
        clash = ~np.isnan(year_num) & ~np.isnan(got_year) & (got_year != year_num)
        checks.note(clash, col, _year_clash_reasons(out, year_num, raw, col, year_col))
    return out


def _year_clash_reasons(out: pd.Series, year_num: np.ndarray, raw: pd.Series, col: str, year_col: str):
    def f(idx: np.ndarray) -> list[str]:
        return [f"{col} {raw.iloc[i]!r} reads as {out.iloc[i].date()}, but {year_col} says {int(year_num[i])}: "
                f"kept with the date from {col}; check the row" for i in idx]
    return f


def _decide_order(raw: pd.Series, codes: np.ndarray, numeric: np.ndarray, a: np.ndarray, b: np.ndarray,
                  ny: np.ndarray, col: str, warnings: list[str], order: Optional[str],
                  default_order: Optional[str]) -> str:
    """"dmy", "mdy", or "mixed"/"undecided" (see the module docstring); says how in ``warnings``."""
    if order in ORDERS:
        warnings.append(f"Column {col}: numeric dates read as {ORDER_WORDS[order]}, as asked.")
        return order
    rows_numeric = (codes >= 0) & numeric[np.maximum(codes, 0)]
    n_day_first = int(((a > 12) & numeric)[codes[rows_numeric]].sum())
    n_month_first = int(((b > 12) & numeric)[codes[rows_numeric]].sum())
    if n_day_first and not n_month_first:
        warnings.append(f"Column {col}: numeric dates read as day/month/year ({n_day_first:,} rows have a "
                        "first number above 12).")
        return "dmy"
    if n_month_first and not n_day_first:
        warnings.append(f"Column {col}: numeric dates read as month/day/year ({n_month_first:,} rows have a "
                        "second number above 12).")
        return "mdy"
    if n_day_first and n_month_first:
        warnings.append(f"Column {col}: numeric dates are written both day-first ({n_day_first:,} rows) and "
                        f"month-first ({n_month_first:,} rows); only the ones that fit one order were read.")
        return "mixed"
    # Every value fits both readings: the row order may settle it.
    c = codes[rows_numeric]
    dmy_days = _days(ny, b, a)[c]
    mdy_days = _days(ny, a, b)[c]
    jd, jm = _total_jump(dmy_days), _total_jump(mdy_days)
    if len(c) >= 3 and (jd or jm) and min(jd, jm) * 3 <= max(jd, jm):
        got = "dmy" if jd < jm else "mdy"
        warnings.append(f"Column {col}: every numeric date fits both day/month and month/day; read as "
                        f"{ORDER_WORDS[got]}, the order in which the rows run by date (total jump between "
                        f"neighbouring rows {min(jd, jm):,.0f} days against {max(jd, jm):,.0f}).")
        return got
    if (a == b)[c].all():
        return "dmy"  # day equals month everywhere: both readings agree
    if default_order in ORDERS:
        warnings.append(f"Column {col}: every numeric date fits both day/month and month/day; read as "
                        f"{ORDER_WORDS[default_order]}, this format's convention.")
        return default_order
    return "undecided"
