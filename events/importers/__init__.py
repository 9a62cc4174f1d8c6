"""Importers: ACLED and UCDP GED CSV exports, and TimeMap JSON -> our Dataset (+ an ImportReport).

    from events.importers import import_file, import_csv
    ds, report = import_file(data, "syria.csv")            # bytes + the file's name; format detected
    ds, report = import_file(data, "x.csv", format="acled", date_order="dmy", progress=lambda f, t: ...)
    ds, report = import_csv("syria.csv")                   # a path, bytes or file-like (same thing)

- `import_file(data, filename, *, format=None, name=None, progress=None, registry=None,
  date_order=None)` is the one signature every caller uses (CLI, app upload, tests). Returns
  `(Dataset, ImportReport)`. `date_order` ("dmy" | "mdy") forces the order of numeric dates.
- `import_csv(src, ...)`: the same for a path, bytes or file-like (Streamlit's UploadedFile works).
- `detect_format(header) -> "acled" | "ucdp" | None` for a CSV header; `sniff_format(data)`
  adds "timemap" for JSON.
- Each CSV format module also has `import_table(table, fname, ..., carry=None)`, which imports rows
  already read (`reading.read_table`), and `prepare(whole_table, ...)`, which makes the decisions only
  the whole file settles (date order, repeated ids, the actor book). `stream.import_stream(path,
  writer, ...)` imports a large file chunk by chunk with them, never holding it whole (the CLI's way).
- `ImportReport`: rows_read, rows_loaded, rows_skipped, `skipped: list[SkippedRow(row, column,
  reason)]` (row numbers as a spreadsheet shows them: header = row 1), `notes` (loaded rows with
  a substituted value or a remark, same shape), `other_types` (unmapped types kept as `other`,
  with their counts), `geocoded` (rows placed by the gazetteer), warnings (encoding, date order...),
  unknown_columns (kept in `extra`).
- `ImportFailed` (a ValueError): the file as a whole is unusable (empty, unknown format,
  missing required columns: the message names them). Malformed rows never raise.

Modules by concern: `report` (the report and errors), `reading` (bytes -> a table of strings:
encoding, delimiter, spreadsheet leftovers; `CsvStream` for a file read in chunks), `stream` (the
streamed import), `checks` (per-row checks and value parsers),
`dates`, `actors`, `places` (offline geocoding of rows without coordinates), `assemble` (the
Dataset frames), and one module per format: `acled`, `ucdp`, `timemap`.
"""
from __future__ import annotations

import csv
import re
from typing import Iterable, Optional

from .reading import decode, norm_col, read_bytes, sniff_delimiter
from .report import ImportFailed, ImportReport, Progress, RowNote, SkippedRow

FORMATS = ("acled", "ucdp", "timemap")
FORMAT_LABELS = {"acled": "ACLED", "ucdp": "UCDP GED", "timemap": "TimeMap"}
DATE_ORDERS = ("dmy", "mdy")

_SIGNATURES = {
    "acled": ({"event_id_cnty", "event_date", "geo_precision"}, {"time_precision", "actor1", "sub_event_type"}),
    "ucdp": ({"where_prec", "date_prec", "side_a"}, {"relid", "side_b", "type_of_violence", "best"}),
}


def detect_format(header: Iterable[str]) -> Optional[str]:
    """'acled' or 'ucdp' from a header row (any case/spacing), None when neither fits."""
    keys = {norm_col(h) for h in header}
    scores = {}
    for fmt, (must, extra) in _SIGNATURES.items():
        if must <= keys:
            scores[fmt] = len(extra & keys)
    if not scores:
        return None
    return max(scores, key=scores.get)


def header_of(data: bytes) -> list[str]:
    text, _ = decode(data[:65536], [])
    first, _, rest = text.partition("\n")
    sep = re.match(r"\ufeff?sep=(.)\r?$", first)
    if sep:  # Excel's delimiter line
        first = rest.split("\n", 1)[0]
    return next(csv.reader([first], delimiter=sep.group(1) if sep else sniff_delimiter(first)), [])


def sniff_format(data: bytes) -> Optional[str]:
    """'timemap' for JSON (a TimeMap export), else detect_format on the CSV header."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "timemap"
    return detect_format(header_of(data))


def unknown_format_message(filename: str) -> str:
    return (f"{filename}: cannot tell the format from the header: an ACLED export has event_id_cnty, "
            "event_date and geo_precision; a UCDP GED export has where_prec, date_prec and side_a; "
            "a TimeMap export is JSON. Choose the format explicitly if the columns were renamed.")


def import_file(data: bytes, filename: str, *, format: Optional[str] = None, name: Optional[str] = None,
                progress: Optional[Progress] = None, registry=None, date_order: Optional[str] = None):
    """Import an export's bytes; ``filename`` names it in messages (see the module docstring)."""
    if format is None:
        format = sniff_format(data)
        if format is None:
            raise ImportFailed(unknown_format_message(filename))
    format = format.lower()
    if format in ("ged", "ucdp-ged", "ucdp_ged"):
        format = "ucdp"
    if format not in FORMATS:
        raise ImportFailed(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ImportFailed(f"unknown date order {date_order!r}: use one of {', '.join(DATE_ORDERS)}")
    prog = progress or (lambda f, t: None)
    if format == "timemap":
        from .timemap import import_timemap

        return import_timemap(data, filename, name=name, progress=prog, registry=registry, date_order=date_order)
    from .reading import read_table

    module = __import__(f"{__name__}.{format}", fromlist=["import_table"])
    prog(0.0, "Reading the file")
    table, fname = read_table(data, prog, 0.0, 0.55, name=filename)
    return module.import_table(table, fname, name=name, progress=prog, registry=registry, date_order=date_order)


def import_csv(src, format: Optional[str] = None, name: Optional[str] = None,
               progress: Optional[Progress] = None, registry=None, date_order: Optional[str] = None):
    """import_file for a path, bytes or file-like."""
    data, fname = read_bytes(src)
    return import_file(data, fname, format=format, name=name, progress=progress, registry=registry,
                       date_order=date_order)


__all__ = ["DATE_ORDERS", "FORMATS", "FORMAT_LABELS", "ImportFailed", "ImportReport", "RowNote", "SkippedRow",
           "detect_format", "import_csv", "import_file", "sniff_format"]
