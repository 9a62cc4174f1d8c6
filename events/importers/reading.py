"""Reading a file into a table of strings: bytes and name, encoding, delimiter, header,
records with their spreadsheet row numbers.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first record row 2,
and a record whose quoted field spans several lines is still one row (so it may differ
from the file's line number). A blank line counts as a row, as it does in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .report import ImportFailed, Progress, SkippedRow, no_progress

DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 20_000


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


# Single-byte Windows and ISO code pages a spreadsheet may save a CSV in. charset-normalizer
# chooses among them from the bytes; Arabic text (cp1256, iso8859-6) must never come out as
# Latin-1 garble, so the choice is made on the lines that hold non-ASCII bytes, not a guess.
LEGACY_ENCODINGS = ("cp1252", "cp1256", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1257",
                    "iso8859_6", "iso8859_15", "mac_roman", "cp437", "cp850")
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")


def _legacy_encoding(data: bytes) -> str:
    """The most plausible legacy code page for bytes that are not UTF-8 (charset-normalizer over
    up to 64 kB of the lines holding non-ASCII bytes); cp1252 when it cannot tell."""
    from charset_normalizer import from_bytes

    sample, size = [], 0
    for m in _NON_ASCII_LINE.finditer(data):
        sample.append(m.group(0))
        size += len(m.group(0))
        if size > 65_536:
            break
    blob = b"\n".join(sample)
    best = from_bytes(blob, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        return "cp1252"
    # Code pages that read these bytes identically are all right; name the commonest of them
    # (cp1250 and cp1252 agree on 'é', and cp1252 is what a Western spreadsheet writes).
    text = str(best)
    for enc in LEGACY_ENCODINGS:
        try:
            if blob.decode(enc) == text:
                return enc
        except UnicodeDecodeError:
            continue
    return best.encoding


def decode(data: bytes, warnings: list[str]) -> tuple[str, str]:
    """UTF-8 (with or without BOM; also UTF-16 with BOM); otherwise the legacy code page
    charset-normalizer finds (cp1252 for Western names, cp1256 for Arabic...), with a warning
    naming it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        where = data[: e.start].count(b"\n") + 1
        enc = _legacy_encoding(data)
        for enc in (enc, "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            warnings.append(
                f"The file is not valid UTF-8 (first non-UTF-8 byte on line {where}): read it as {enc}, "
                "the code page its bytes fit best. Check names with accents or non-Latin letters, "
                "and save as “CSV UTF-8” next time."
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


_BLANK = "\x00blank"  # placeholder name of a header field left empty (never a real name)
_INDEX_NAMES = ("", "unnamed: 0", "unnamed:0")  # pandas writes its row index under these


def read_table(src, progress: Progress = no_progress, start: float = 0.0, span: float = 0.5,
               name: str | None = None) -> tuple[Table, str]:
    """Parse a CSV into strings, skipping (and reporting) records with the wrong number of fields.

    ``src`` is bytes (``name`` is then the file's name), a path or a file-like. Regular files go
    through pyarrow's C++ reader; a file with any irregular row (wrong field count, blank line) is
    re-read with the csv module, which knows every record's row number.

    Spreadsheet leftovers are tidied, each with a warning when it changes what is read: header
    names are stripped of spaces and BOMs; columns with no header and no value (a row of
    trailing delimiters) are dropped; a leading column with no header holding only row numbers
    (a spreadsheet's or pandas' index) is dropped; a column with no header but values is kept
    as ``column_N``."""
    import pyarrow as pa

    data, got_name = read_bytes(src)
    name = name or got_name
    warnings: list[str] = []
    text, encoding = decode(data, warnings)
    if not text.strip():
        raise ImportFailed(f"{name}: the file is empty")
    sep = re.match(r"\ufeff?sep=(.)\r?\n", text)
    if sep:  # Excel's "sep=;" line names the delimiter; Excel itself hides it (header = row 1)
        text = text[sep.end():]
        data = text.encode("utf-8")
        delimiter = sep.group(1)
    else:
        delimiter = sniff_delimiter(text)
    first_line = text.split("\n", 1)[0]
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    header = [h.replace("\ufeff", "").strip() for h in header]
    if sum(1 for h in header if h) < 2:
        raise ImportFailed(f"{name}: the first line is not a CSV header ({header[:1]!r})")
    header = [h if h else f"{_BLANK}{i}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # unique names: a repeated header gets a numbered suffix
        if h in seen:
            seen[h] += 1
            header[i] = f"{h}.{seen[h]}"
            warnings.append(f"Column {h!r} appears more than once; the copy is kept as {header[i]!r}.")
        else:
            seen[h] = 0
    n = len(header)
    # Fields a short row may lack: trailing columns with no header (some programs end the header
    # with delimiters the rows do not repeat).
    n_named = max(i for i, h in enumerate(header) if not h.startswith(_BLANK)) + 1
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
                elif n_named <= len(rec) < n:
                    good.append(rec + [""] * (n - len(rec)))  # lacks only unnamed trailing fields
                    rows_l.append(row_no)
                else:
                    skipped.append(SkippedRow(row_no, "-", f"row has {len(rec)} fields, the header has {n_named}"))
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
    frame, header = _tidy_columns(frame, header, warnings)
    progress(start + span, f"Read {len(frame):,} rows")
    table = Table(
        header=header, keys=[norm_col(h) for h in header], frame=frame, rows=rows, skipped=skipped,
        warnings=warnings, encoding=encoding, delimiter=delimiter, rows_read=rows_read,
    )
    return table, name


def _tidy_columns(frame: pd.DataFrame, header: list[str], warnings: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Drop the columns a spreadsheet adds around the data (see read_table); name the rest."""
    drop, rename = [], {}
    for i, h in enumerate(header):
        blank_name = h.startswith(_BLANK)
        if not (blank_name or (i == 0 and h.lower() in _INDEX_NAMES)):
            continue
        vals = frame[h].str.strip()
        filled = vals[vals != ""]
        if blank_name and filled.empty:
            drop.append(h)  # trailing delimiters: nothing lost
        elif i == 0 and len(filled) == len(vals) and filled.str.fullmatch(r"\d+").all():
            drop.append(h)
            warnings.append("The first column has no name and holds only row numbers (a spreadsheet's "
                            "or pandas' index): it was left out.")
        elif blank_name:
            rename[h] = f"column_{i + 1}"
            warnings.append(f"Column {i + 1} has no name in the header; its values are kept as "
                            f"'column_{i + 1}'.")
    if not drop and not rename:
        return frame, header
    frame = frame.drop(columns=drop).rename(columns=rename)
    return frame, [rename.get(h, h) for h in header if h not in drop]


def table_of(frame: pd.DataFrame, first_row: int = 2, warnings: list[str] | None = None) -> Table:
    """A Table over string columns read elsewhere (e.g. one chunk of a large file streamed by the
    caller): header = the frame's columns, rows numbered from ``first_row`` (a spreadsheet's row
    number of the chunk's first record). Pass it to ``<format>.import_table``; give the format
    module ``date_order`` when the chunk alone might not settle numeric dates."""
    header = [str(c) for c in frame.columns]
    frame = pd.DataFrame({h: frame[c].fillna("").astype("str") for h, c in zip(header, frame.columns)})
    return Table(header=header, keys=[norm_col(h) for h in header], frame=frame,
                 rows=np.arange(first_row, first_row + len(frame), dtype=np.int64), skipped=[],
                 warnings=list(warnings or []), encoding="utf-8", delimiter=",", rows_read=len(frame))


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

