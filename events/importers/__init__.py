"""Importers: ACLED and UCDP GED CSV exports -> our Dataset (+ an ImportReport).

    from events.importers import import_csv
    ds, report = import_csv("syria.csv")                 # format from the header
    ds, report = import_csv(data_bytes, format="acled", progress=lambda f, t: ...)

- `import_csv(src, format=None, name=None, progress=None)`: `src` is a path, bytes or a
  file-like (Streamlit's UploadedFile works). Returns `(Dataset, ImportReport)`.
- `detect_format(header) -> "acled" | "ucdp" | None`.
- `ImportReport`: rows_read, rows_loaded, rows_skipped, `skipped: list[SkippedRow(row, column,
  reason)]` (row numbers as a spreadsheet shows them: header = row 1), warnings (encoding,
  date order...), unknown_columns (kept in `extra`).
- `ImportFailed` (a ValueError): the file as a whole is unusable (empty, unknown format,
  missing required columns: the message names them). Malformed rows never raise.

Reading: UTF-8 with or without BOM (UTF-16 with BOM too); otherwise cp1252, then latin-1, with
a warning. Delimiter: whichever of `,` `;` TAB `|` splits the header into the most fields.
Parsing is vectorised pandas over string columns; no per-row pydantic objects, so 100,000
ACLED rows import in seconds. Mappings: see `acled` and `ucdp` module docstrings.
"""
from __future__ import annotations

import csv
from typing import Iterable, Optional

from .common import ImportFailed, ImportReport, Progress, SkippedRow, decode, norm_col, read_bytes, sniff_delimiter

FORMATS = ("acled", "ucdp")
FORMAT_LABELS = {"acled": "ACLED", "ucdp": "UCDP GED"}

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
    first = text.split("\n", 1)[0]
    return next(csv.reader([first], delimiter=sniff_delimiter(first)), [])


def import_csv(src, format: Optional[str] = None, name: Optional[str] = None,
               progress: Optional[Progress] = None, registry=None):
    """Import an ACLED or UCDP GED CSV (see the module docstring)."""
    from .acled import import_acled
    from .ucdp import import_ucdp

    data, fname = read_bytes(src)
    if format is None:
        format = detect_format(header_of(data))
        if format is None:
            raise ImportFailed(
                f"{fname}: cannot tell the format from the header: an ACLED export has event_id_cnty, "
                "event_date and geo_precision; a UCDP GED export has where_prec, date_prec and side_a. "
                "Choose the format explicitly if the columns were renamed."
            )
    format = format.lower()
    if format in ("ged", "ucdp-ged", "ucdp_ged"):
        format = "ucdp"
    if format not in FORMATS:
        raise ImportFailed(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    fn = import_acled if format == "acled" else import_ucdp
    prog = progress or (lambda f, t: None)
    return fn(_Named(data, fname), name=name, progress=prog, registry=registry)


class _Named:
    """Bytes with the original file name, so reports name the file the user chose."""

    def __init__(self, data: bytes, name: str):
        self._data, self.name = data, name

    def getvalue(self) -> bytes:
        return self._data


__all__ = ["FORMATS", "FORMAT_LABELS", "ImportFailed", "ImportReport", "SkippedRow",
           "detect_format", "import_csv"]
