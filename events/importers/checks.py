"""Per-row checks: masks of bad rows with reasons, and the value parsers they rest on
(numbers, counts, coordinates, codes, duplicate ids)."""
from __future__ import annotations

import re
from typing import Callable, Iterable, NamedTuple, Optional

import numpy as np
import pandas as pd

from .reading import Table, column_map, require_columns
from .report import ImportReport, SkippedRow


class Start(NamedTuple):
    """What every importer begins with (see start_import)."""

    table: Table
    fname: str
    cols: dict[str, str]  # normalised key -> the file's header spelling
    report: ImportReport
    get: Callable[[str], pd.Series]  # a column by key; all-empty strings when the file lacks it
    checks: "Checks"


def start_import(table: Table, fname: str, fmt: str, label: str, required: Iterable[str],
                 known: Iterable[str]) -> Start:
    """Map a read table's columns, refuse it when a required one is missing (ImportFailed),
    and open the report and the row checks."""
    cols = column_map(table)
    require_columns(cols, required, label, fname)
    report = ImportReport(format=fmt, source=fname, rows_read=table.rows_read,
                          encoding=table.encoding, delimiter=table.delimiter)
    report.warnings.extend(table.warnings)
    known = set(known)
    report.unknown_columns = [h for k, h in zip(table.keys, table.header) if k not in known]
    f = table.frame

    def get(key: str) -> pd.Series:
        return f[cols[key]] if key in cols else pd.Series([""] * len(f), index=f.index, dtype="str")
    return Start(table, fname, cols, report, get, Checks(table))


# --------------------------------------------------------------------------- row checks

class Checks:
    """Collects per-row problems as boolean masks and turns them into SkippedRow records, and
    remarks on rows that still load (``note``) into RowNote records."""

    def __init__(self, table: Table):
        self.rows = table.rows
        self.bad = np.zeros(len(table.frame), dtype=bool)
        self.problems: list[tuple[np.ndarray, str, object]] = []
        self.remarks: list[tuple[np.ndarray, str, object]] = []

    @classmethod
    def scratch(cls, n: int) -> "Checks":
        """Checks over ``n`` rows numbered 2.. whose findings nobody reads (a decision pass)."""
        self = cls.__new__(cls)
        self.rows = np.arange(2, n + 2, dtype=np.int64)
        self.bad = np.zeros(n, dtype=bool)
        self.problems, self.remarks = [], []
        return self

    def note(self, mask, column: str, reason) -> None:
        """A remark on rows that load anyway (reported only for rows not skipped)."""
        m = np.asarray(mask, dtype=bool)
        if m.any():
            self.remarks.append((m, column, reason))

    def noted(self) -> list[SkippedRow]:
        out: list[SkippedRow] = []
        for m, column, reason in self.remarks:
            idx = np.flatnonzero(m & ~self.bad)
            if not len(idx):
                continue
            reasons = reason(idx) if callable(reason) else [reason] * len(idx)
            out.extend(SkippedRow(int(self.rows[i]), column, r) for i, r in zip(idx, reasons))
        return sorted(out)

    def flag(self, mask, column: str, reason) -> None:
        """reason: a str, or a callable(index positions) -> list[str] for per-row wording."""
        m = np.asarray(mask, dtype=bool)
        if m.any():
            self.bad |= m
            self.problems.append((m, column, reason))

    def skipped(self) -> list[SkippedRow]:
        out: list[SkippedRow] = []
        for m, column, reason in self.problems:
            idx = np.flatnonzero(m)
            reasons = reason(idx) if callable(reason) else [reason] * len(idx)
            out.extend(SkippedRow(int(self.rows[i]), column, r) for i, r in zip(idx, reasons))
        return out


def value_reasons(series: pd.Series, template: str) -> Callable[[np.ndarray], list[str]]:
    """A per-row reason quoting the offending value (shortened)."""
    def f(idx: np.ndarray) -> list[str]:
        vals = series.to_numpy()[idx]
        return [template.format(value=_short(v)) for v in vals]
    return f


def _short(v: object, n: int = 40) -> str:
    s = str(v)
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def blank(s: pd.Series) -> np.ndarray:
    return (s.str.strip() == "").to_numpy(dtype=bool)


def per_distinct(parse):
    """A parser of a text Series run once per distinct value (imports repeat coordinates, counts
    and codes: 100,000 rows hold a few thousand distinct values)."""
    def run(s: pd.Series) -> pd.Series:
        codes_, uniq = pd.factorize(s, use_na_sentinel=False)
        got = parse(pd.Series(uniq, dtype=s.dtype) if len(uniq) else s.iloc[:0])
        out = got.to_numpy(dtype=float, na_value=np.nan)[codes_] if len(uniq) else np.zeros(0)
        return pd.Series(out, index=s.index, dtype=float)
    run.__doc__ = parse.__doc__
    return run


@per_distinct
def to_number(s: pd.Series) -> pd.Series:
    """Coordinates: a number, with a decimal point or a decimal comma ('36,18'); NaN if not one."""
    return pd.to_numeric(s.str.strip().str.replace(",", ".", regex=False).where(s.str.strip() != ""), errors="coerce")


_THOUSANDS = r"^\d{1,3}(?:,\d{3})+(?:\.0+)?$"  # 1,000 / 12,345,678 (/ 1,000.0)
_AMBIGUOUS_COUNT = r"^\d{1,3}(?:\.\d{3})+$"  # 1.000: one, or a thousand with a dot separator?


@per_distinct
def to_count(s: pd.Series) -> pd.Series:
    """Counts (fatalities, best, low, high): a plain number ('12', '12.0'), or thousands
    separated by commas ('1,000', '12,345,678'). No decimal comma: '1,000' is a thousand, never
    1.0. Anything else with a comma ('1,5', '12,34'), or a dotted '1.000' that could be one or a
    thousand, is NaN, which the importers report as malformed."""
    t = s.str.strip()
    thousands = t.str.fullmatch(_THOUSANDS).fillna(False)
    t = t.where(~thousands, t.str.replace(",", "", regex=False))
    bad = t.str.contains(",", regex=False).fillna(False) | t.str.fullmatch(_AMBIGUOUS_COUNT).fillna(False)
    return pd.to_numeric(t.where((t != "") & ~bad), errors="coerce")


def whole_counts(raw: pd.Series, column: Optional[str], checks: Checks, what: str) -> pd.Series:
    """A count column (fatalities, best, low, high) as numbers (see to_count); when the file has
    it (``column``), flag values that are not whole numbers >= 0."""
    num = to_count(raw)
    if column is not None:
        bad = ~blank(raw) & ~((num >= 0) & (num == num.round())).fillna(False).to_numpy(dtype=bool)
        checks.flag(bad, column, value_reasons(raw, f"{what} {{value}} is not a whole number ≥ 0"))
    return num


def coordinates(frame: pd.DataFrame, lat_col: str, lon_col: str, checks: Checks,
                allow_missing: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, missing): numbers, and the rows where both are empty. With ``allow_missing``
    those rows are left to the caller (to geocode from the place name); otherwise flagged."""
    lat_raw, lon_raw = frame[lat_col], frame[lon_col]
    lat = to_number(lat_raw).to_numpy(dtype=float, na_value=np.nan)
    lon = to_number(lon_raw).to_numpy(dtype=float, na_value=np.nan)
    lat_blank, lon_blank = blank(lat_raw), blank(lon_raw)
    missing = lat_blank & lon_blank
    if not allow_missing:
        missing = np.zeros(len(frame), dtype=bool)
    checks.flag(lat_blank & ~missing, lat_col, "latitude is empty")
    checks.flag(~lat_blank & ~((lat >= -90) & (lat <= 90)), lat_col,
                value_reasons(lat_raw, "latitude {value} is not a number between -90 and 90"))
    checks.flag(lon_blank & ~missing, lon_col, "longitude is empty")
    checks.flag(~lon_blank & ~((lon >= -180) & (lon <= 180)), lon_col,
                value_reasons(lon_raw, "longitude {value} is not a number between -180 and 180"))
    return lat, lon, missing


def codes(frame: pd.DataFrame, col: str, mapping: dict, checks: Checks, what: str,
          empty_ok: Optional[np.ndarray] = None) -> pd.Series:
    """Map a code column ('1', '2', ' 3 ', '2.0') through `mapping` (keys: the codes, int or
    str); flag empty (unless ``empty_ok`` for that row) and unknown codes."""
    raw = frame[col]
    table = {str(k): v for k, v in mapping.items()}
    mapped = fast_map(raw, lambda v: table.get(re.sub(r"\.0+$", "", str(v).strip())))
    empty = blank(raw)
    checks.flag(empty & ~empty_ok if empty_ok is not None else empty, col, f"{what} is empty")
    allowed = ", ".join(table)
    checks.flag(~empty & mapped.isna().to_numpy(), col,
                value_reasons(raw, f"{what} {{value}} is not one of {allowed}"))
    return mapped



def fast_map(s: pd.Series, mapping) -> pd.Series:
    """Series.map for a dict or function, applied once per distinct value (object result)."""
    codes_, uniq = pd.factorize(s, use_na_sentinel=False)
    get = mapping.get if isinstance(mapping, dict) else mapping
    table = np.empty(len(uniq) + 1, dtype=object)
    for i, v in enumerate(uniq.tolist()):
        table[i] = get(v)
    table[-1] = None
    return pd.Series(table[codes_], index=s.index, dtype=object)



class SeenIds:
    """The ids of one import, across the chunks of a streamed file (see distinct_ids): every
    stored id key in the file (from a first pass over the id column), the keys that occur more
    than once, and the first good row of each such key seen so far."""

    def __init__(self, keys: pd.Series):
        keys = keys[keys.str.strip() != ""]
        counts = keys.value_counts()
        self.repeated: set[str] = set(counts.index[counts.to_numpy() > 1].tolist())
        self._keys = keys if self.repeated else None
        self._taken: Optional[set[str]] = None
        self.first: dict[str, tuple[int, str]] = {}  # repeated key -> (row, raw id) of its first good row

    def taken(self) -> set[str]:
        """Every id key in the file, and the suffixed ones given so far (built on first need)."""
        if self._taken is None:
            self._taken = set(self._keys.tolist()) if self._keys is not None else set()
        return self._taken


def distinct_ids(ids: pd.Series, checks: Checks, column: str, what: str,
                 key: Optional[pd.Series] = None, seen: Optional[SeenIds] = None) -> pd.Series:
    """Ids made unique without losing a row: a later *good* row whose id repeats an earlier one's
    is kept under the id with a suffix (``-2``, ``-3``, ... never an id found anywhere in the file,
    even on a skipped row) and a remark naming the first row. Which of two records is right is the
    analyst's call, not ours: both stay. ``key`` is the id as the dataset will store it (e.g.
    lower-cased) when that differs from the raw ``ids``: two raw spellings of one stored id repeat
    each other too. ``seen`` carries the file's ids across the chunks of a streamed import (made
    from this table's ids when not given, i.e. the table is the whole file)."""
    key = ids if key is None else key
    if seen is None:
        seen = SeenIds(key)
    if not seen.repeated:
        return ids
    good = ~checks.bad & ~blank(ids)
    cand = good & key.isin(seen.repeated).to_numpy(dtype=bool)
    if not cand.any():
        return ids
    out = ids.copy()
    dup = np.zeros(len(ids), dtype=bool)
    text: dict[int, str] = {}
    key_v, raw_v, rows = key.to_numpy(dtype=object), ids.to_numpy(dtype=object), checks.rows
    for i in np.flatnonzero(cand):
        k, raw = key_v[i], raw_v[i]
        got = seen.first.get(k)
        if got is None:
            seen.first[k] = (int(rows[i]), raw)
            continue
        taken = seen.taken()
        n = 2
        while f"{k}-{n}" in taken:
            n += 1
        taken.add(f"{k}-{n}")
        out.iloc[i] = f"{raw}-{n}"
        dup[i] = True
        row, first_raw = got
        same = "" if first_raw == raw else f" as {first_raw!r}; ids are compared as stored, {k!r}"
        text[i] = f"{what} {raw!r} repeats row {row}'s{same}: both kept, this one as {raw}-{n}"
    checks.note(dup, column, lambda idx: [text[i] for i in idx])
    return out
