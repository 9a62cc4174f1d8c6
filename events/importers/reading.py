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
            warnings.append(_legacy_warning(where, enc))
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


def parse_header(first_line: str, delimiter: str, name: str, warnings: list[str]) -> tuple[list[str], int]:
    """The header's names (stripped, blanks named by placeholder, repeats numbered, each repeat
    with a warning) and the number of fields a short row may not lack (trailing columns with no
    header are optional: some programs end the header with delimiters the rows do not repeat)."""
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
    n_named = max(i for i, h in enumerate(header) if not h.startswith(_BLANK)) + 1
    return header, n_named


def shape_record(rec: list[str], n: int, n_named: int):
    """A csv record against a header of ``n`` fields: the record to load (a list of n strings),
    None for a blank line (nothing to load, nothing to report), or the reason it is skipped."""
    if len(rec) == n:
        return rec
    if not rec or (len(rec) == 1 and not rec[0].strip()):
        return None
    if len(rec) > n and not any(v.strip() for v in rec[n:]):
        return rec[:n]  # trailing empty fields (a trailing delimiter)
    if n_named <= len(rec) < n:
        return rec + [""] * (n - len(rec))  # lacks only unnamed trailing fields
    return f"row has {len(rec)} fields, the header has {n_named}"


def _records_frame(good: list[list[str]], header: list[str]) -> pd.DataFrame:
    import pyarrow as pa

    cols = list(zip(*good)) if good else [() for _ in header]
    return pd.DataFrame({h: _str_series(pa.chunked_array([pa.array(list(c), type=pa.string())]))
                         for h, c in zip(header, cols)})


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
    header, n_named = parse_header(first_line, delimiter, name, warnings)
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
                got = shape_record(rec, n, n_named)
                if isinstance(got, list):
                    good.append(got)
                    rows_l.append(row_no)
                elif got is not None:
                    skipped.append(SkippedRow(row_no, "-", got))
                if row_no % CHUNK_ROWS == 0:
                    progress(start + span * min(1.0, reader.line_num / total_lines), f"Reading {name}: {row_no - 1:,} rows")
        except csv.Error as e:
            skipped.append(SkippedRow(row_no + 1, "-", f"unreadable CSV from here on: {e}"))
        frame = _records_frame(good, header)
        del good
        rows = np.asarray(rows_l, dtype=np.int64)
        rows_read = row_no - 1
    frame, header = _tidy_columns(frame, header, warnings)
    progress(start + span, f"Read {len(frame):,} rows")
    table = Table(
        header=header, keys=[norm_col(h) for h in header], frame=frame, rows=rows, skipped=skipped,
        warnings=warnings, encoding=encoding, delimiter=delimiter, rows_read=rows_read,
    )
    return table, name


def tidy_plan(frame: pd.DataFrame, header: list[str], warnings: list[str]) -> tuple[list[str], dict[str, str]]:
    """Which columns a spreadsheet added around the data (see read_table): (columns to drop,
    {placeholder: column_N} to rename), decided on every value of the candidate columns (the
    ones with no name, and a first column named like an index) — ``frame`` needs only those."""
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
    return drop, rename


def tidy_candidates(header: list[str]) -> list[str]:
    """The columns tidy_plan looks at."""
    return [h for i, h in enumerate(header) if h.startswith(_BLANK) or (i == 0 and h.lower() in _INDEX_NAMES)]


def apply_tidy(frame: pd.DataFrame, header: list[str], drop: list[str], rename: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    if not drop and not rename:
        return frame, header
    frame = frame.drop(columns=drop).rename(columns=rename)
    return frame, [rename.get(h, h) for h in header if h not in drop]


def _tidy_columns(frame: pd.DataFrame, header: list[str], warnings: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Drop the columns a spreadsheet adds around the data (see read_table); name the rest."""
    drop, rename = tidy_plan(frame, header, warnings)
    return apply_tidy(frame, header, drop, rename)


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



# --------------------------------------------------------------------------- streaming

STREAM_CHUNK_ROWS = 100_000  # records per chunk of a streamed import
_BLOCK = 1 << 24  # bytes read at a time when scanning or transcoding a file


class _Irregular(Exception):
    """pyarrow met a row with the wrong number of fields: the exact (csv module) reader takes over."""


class CsvStream:
    """A CSV file on disk read a chunk of records at a time (``chunks()`` yields Tables whose
    ``rows`` are the spreadsheet row numbers in the whole file), for imports too large to hold.

    It reads the file as read_table does: the encoding is checked over every byte (one pass; a
    file that is not UTF-8 is transcoded to a temporary UTF-8 copy with the code page
    read_table would choose, and the same warning); the delimiter, Excel's ``sep=`` line and
    the header come from the first line; regular files go through pyarrow's streaming reader, and
    a file with any irregular row (found by the first pass, ``whole_columns``) through the csv
    module, which knows every record's row number. Spreadsheet leftovers (columns with no name,
    an index column) are decided on their whole columns in the first pass (``decide_tidy``),
    then applied to every chunk. ``close()`` removes the temporary copy."""

    def __init__(self, path, name: str | None = None, chunk_rows: int = STREAM_CHUNK_ROWS):
        self.path = Path(path)
        self.name = name or self.path.name
        self.chunk_rows = max(1, int(chunk_rows))
        self.warnings: list[str] = []
        self._tmp: Path | None = None
        self.encoding = self._scan_encoding()
        self.source = self.path if self.encoding == "utf-8" else self._transcode()
        self.size = max(1, self.source.stat().st_size)
        with open(self.source, "rb") as f:
            head = f.read(1 << 20)
        offset = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        text = head[offset:].decode("utf-8", errors="ignore")
        if not text.strip() and self.size <= len(head):
            self.close()
            raise ImportFailed(f"{self.name}: the file is empty")
        sep = re.match(r"sep=(.)\r?\n", text)
        if sep:  # Excel's "sep=;" line names the delimiter; Excel itself hides it (header = row 1)
            offset += len(text[:sep.end()].encode("utf-8"))
            text = text[sep.end():]
            self.delimiter = sep.group(1)
        else:
            self.delimiter = sniff_delimiter(text)
        first_line = text.split("\n", 1)[0]
        self.header_raw, self.n_named = parse_header(first_line, self.delimiter, self.name, self.warnings)
        self.offset = offset
        self.fast = first_line.count(self.delimiter) + 1 == len(self.header_raw)
        self.drop: list[str] = []
        self.rename: dict[str, str] = {}
        self.header = list(self.header_raw)
        self.rows_read = 0

    # ------------------------------------------------------------------ encoding
    def _scan_encoding(self) -> str:
        """decode()'s choice, made over the whole file a block at a time."""
        import codecs

        with open(self.path, "rb") as f:
            if f.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                return "utf-16"
            f.seek(0)
            dec = codecs.getincrementaldecoder("utf-8")()
            line, where = 1, None
            while where is None:
                block = f.read(_BLOCK)
                try:
                    dec.decode(block, final=not block)
                except UnicodeDecodeError as e:
                    where = line + block[: max(0, e.start)].count(b"\n")
                    break
                if not block:
                    return "utf-8"
                line += block.count(b"\n")
        import mmap

        with open(self.path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            best = _legacy_encoding(m)
        for enc in (best, "cp1252", "latin-1"):
            if self._decodes_as(enc):
                self.warnings.append(_legacy_warning(where, enc))
                return enc
        raise AssertionError("latin-1 decodes every byte")  # pragma: no cover

    def _decodes_as(self, enc: str) -> bool:
        import codecs

        dec = codecs.getincrementaldecoder(enc)()
        with open(self.path, "rb") as f:
            try:
                while block := f.read(_BLOCK):
                    dec.decode(block)
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                return False
        return True

    def _transcode(self) -> Path:
        """A temporary UTF-8 copy of a file in another encoding (pyarrow and csv read UTF-8)."""
        import codecs
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix="import-", suffix=".csv")
        self._tmp = Path(tmp)
        dec = codecs.getincrementaldecoder(self.encoding)()
        with open(self.path, "rb") as src, open(fd, "wb") as out:
            while block := src.read(_BLOCK):
                out.write(dec.decode(block).encode("utf-8"))
            out.write(dec.decode(b"", final=True).encode("utf-8"))
        return self._tmp

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    # ------------------------------------------------------------------ passes
    def whole_columns(self, keys: Iterable[str], progress: Progress = no_progress, start: float = 0.0,
                      span: float = 0.1) -> Table:
        """The first pass: the columns named by ``keys`` (normalised names; those the file lacks
        are left out) and the tidy candidates, over every record, as one Table. Finds irregular
        rows (then every pass uses the csv module)."""
        want = set(keys)
        names = [h for h in self.header_raw if norm_col(h) in want] + tidy_candidates(self.header_raw)
        names = list(dict.fromkeys(names))
        while True:
            parts: list[Table] = []
            try:
                for t in self._chunks(names, progress, start, span, tidy=False):
                    parts.append(t)
                break
            except _Irregular:
                self.fast = False
        frame = pd.concat([t.frame for t in parts], ignore_index=True) if len(parts) > 1 else parts[0].frame
        return Table(header=names, keys=[norm_col(h) for h in names], frame=frame,
                     rows=np.concatenate([t.rows for t in parts]), skipped=[s for t in parts for s in t.skipped],
                     warnings=[], encoding=self.encoding, delimiter=self.delimiter,
                     rows_read=sum(t.rows_read for t in parts))

    def decide_tidy(self, whole: Table) -> None:
        """Decide the spreadsheet leftovers on their whole columns (from whole_columns)."""
        self.drop, self.rename = tidy_plan(whole.frame, self.header_raw, self.warnings)
        self.header = [self.rename.get(h, h) for h in self.header_raw if h not in self.drop]

    def chunks(self, progress: Progress = no_progress, start: float = 0.0, span: float = 1.0):
        """Tables of up to chunk_rows records, every column, tidied; at least one (maybe empty)."""
        self.rows_read = 0
        for t in self._chunks(None, progress, start, span, tidy=True):
            self.rows_read += t.rows_read
            yield t

    def _table(self, frame: pd.DataFrame, rows: np.ndarray, skipped: list, rows_read: int, tidy: bool) -> Table:
        header = [str(c) for c in frame.columns]
        if tidy:
            frame, header = apply_tidy(frame, header, self.drop, self.rename)
        return Table(header=header, keys=[norm_col(h) for h in header], frame=frame, rows=rows, skipped=skipped,
                     warnings=[], encoding=self.encoding, delimiter=self.delimiter, rows_read=rows_read)

    def _chunks(self, names, progress, start, span, tidy: bool):
        step = _chunks_arrow if self.fast else _chunks_exact
        yield from step(self, names, progress, start, span, tidy)


def _legacy_warning(where: int, enc: str) -> str:
    return (f"The file is not valid UTF-8 (first non-UTF-8 byte on line {where}): read it as {enc}, "
            "the code page its bytes fit best. Check names with accents or non-Latin letters, "
            "and save as “CSV UTF-8” next time.")


def _chunks_arrow(stream: CsvStream, names, progress, start, span, tidy):
    """pyarrow's streaming reader; raises _Irregular at the first row with the wrong field count."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list = []

    def handler(row):
        bad.append(row)
        return "skip"
    header = stream.header_raw
    with open(stream.source, "rb") as f:
        f.seek(stream.offset)
        reader = pcsv.open_csv(
            f,
            read_options=pcsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 22, use_threads=True),
            parse_options=pcsv.ParseOptions(delimiter=stream.delimiter, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                include_columns=names or header),
        )
        buf: list = []
        held = 0
        first_row = 2

        def emit(tb):
            nonlocal first_row
            frame = pd.DataFrame({h: _str_series(tb.column(i)) for i, h in enumerate(tb.column_names)})
            rows = np.arange(first_row, first_row + tb.num_rows, dtype=np.int64)
            first_row += tb.num_rows
            return stream._table(frame, rows, [], tb.num_rows, tidy)
        emitted = False
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            if bad:
                raise _Irregular()
            buf.append(batch)
            held += batch.num_rows
            progress(start + span * min(1.0, f.tell() / stream.size), f"Reading {stream.name}: {first_row - 2 + held:,} rows")
            while held >= stream.chunk_rows:
                tb = pa.Table.from_batches(buf)
                yield emit(tb.slice(0, stream.chunk_rows))
                emitted = True
                rest = tb.slice(stream.chunk_rows)
                buf, held = rest.to_batches(), rest.num_rows
        if bad:
            raise _Irregular()
        if held or not emitted:
            schema = reader.schema
            yield emit(pa.Table.from_batches(buf, schema=schema))


def _chunks_exact(stream: CsvStream, names, progress, start, span, tidy):
    """The csv module, for files with irregular rows: every record's row number is known."""
    n = len(stream.header_raw)
    with open(stream.source, "rb") as fb:
        fb.seek(stream.offset)
        text = io.TextIOWrapper(fb, encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter=stream.delimiter, strict=False)
        next(reader, None)
        row_no = first = 1
        good: list[list[str]] = []
        rows_l: list[int] = []
        skipped: list[SkippedRow] = []

        def emit():
            frame = _records_frame(good, stream.header_raw)
            if names:
                frame = frame[names]
            return stream._table(frame, np.asarray(rows_l, dtype=np.int64), list(skipped), row_no - first, tidy)
        emitted = False
        try:
            for rec in reader:
                row_no += 1
                got = shape_record(rec, n, stream.n_named)
                if isinstance(got, list):
                    good.append(got)
                    rows_l.append(row_no)
                elif got is not None:
                    skipped.append(SkippedRow(row_no, "-", got))
                if len(good) >= stream.chunk_rows:
                    yield emit()
                    emitted = True
                    good, rows_l, skipped, first = [], [], [], row_no
                    progress(start + span * min(1.0, fb.tell() / stream.size), f"Reading {stream.name}: {row_no - 1:,} rows")
        except csv.Error as e:
            skipped.append(SkippedRow(row_no + 1, "-", f"unreadable CSV from here on: {e}"))
        if good or skipped or not emitted or row_no > first:
            yield emit()
