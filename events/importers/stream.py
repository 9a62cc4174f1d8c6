"""A large CSV export imported a chunk at a time, never whole in memory.

    from events import store
    from events.importers.stream import import_stream
    writer = store.DatasetWriter(folder, slug)
    report = import_stream(path, writer, name="ACLED Syria")   # writer.add(chunk dataset) per chunk
    path = writer.finish(name, report.format, report, source_file=path.name)

The file is read twice (``reading.CsvStream``): a first pass reads only the columns whose
whole content decides something for every row (the format's ``WHOLE_FILE``: ids and dates,
plus any spreadsheet leftover columns), and the format's ``prepare`` makes those decisions into
a ``Carry``: the order of numeric dates (``dates.DateRules``, said once in the report's
warnings), every id in the file (a repeated id is suffixed across chunks exactly as in one
piece, ``checks.SeenIds``) and one actor book. The second pass imports chunk after chunk
with the format's ``import_table`` — the same row logic as a whole-file import, which is the
one-chunk case — and hands each chunk's Dataset to the writer. The report is the chunks'
reports merged (row numbers are the file's), equal to a whole-file import's.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .report import ImportFailed, ImportReport, Progress, no_progress


@dataclass
class Carry:
    """What every chunk of one import shares, decided on the whole file (a format's ``prepare``)."""

    dates: dict  # column key -> dates.DateRules
    ids: object  # checks.SeenIds
    book: object  # actors.ActorBook (one across chunks: each name resolved once)
    warnings: list[str] = field(default_factory=list)  # how the whole file decided; said once
    # Chunks give `extra` as "extra.<column>" string columns (the store's layout) instead of a
    # dict per row: nothing but the store reads a streamed chunk.
    extra_as_columns: bool = False


def import_stream(path, writer, *, format: Optional[str] = None, name: Optional[str] = None,
                  progress: Progress = no_progress, registry=None, date_order: Optional[str] = None,
                  chunk_rows: Optional[int] = None) -> ImportReport:
    """Import an ACLED or UCDP GED CSV file at ``path`` chunk by chunk into ``writer`` (it needs
    ``add(dataset)``; ``writer.actors`` is set to the actors frame at the end). Returns the
    ImportReport. Raises ImportFailed as import_file does."""
    from . import DATE_ORDERS, FORMAT_LABELS, detect_format, unknown_format_message
    from .reading import STREAM_CHUNK_ROWS, CsvStream, norm_col, require_columns

    path = Path(path)
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ImportFailed(f"unknown date order {date_order!r}: use one of {', '.join(DATE_ORDERS)}")
    stream = CsvStream(path, chunk_rows=chunk_rows or STREAM_CHUNK_ROWS)
    fname = stream.name
    try:
        fmt = (format or detect_format(stream.header_raw) or "").lower()
        if not fmt:
            raise ImportFailed(unknown_format_message(fname))
        if fmt in ("ged", "ucdp-ged", "ucdp_ged"):
            fmt = "ucdp"
        if fmt not in ("acled", "ucdp"):
            raise ImportFailed(f"{fname}: format {fmt!r} is not a CSV export this importer streams (acled, ucdp)")
        module = importlib.import_module(f"{__package__}.{fmt}")
        cols: dict[str, str] = {}
        for h in stream.header_raw:
            cols.setdefault(norm_col(h), h)
        require_columns(cols, module.REQUIRED, FORMAT_LABELS[fmt], fname)
        progress(0.0, f"Reading {fname}: the id and date columns")
        whole = stream.whole_columns(module.WHOLE_FILE, progress, 0.0, 0.15)
        stream.decide_tidy(whole)
        carry = module.prepare(whole, date_order, registry, extra_as_columns=True)
        del whole
        report = ImportReport(format=fmt, source=fname, encoding=stream.encoding, delimiter=stream.delimiter)
        report.warnings = list(stream.warnings) + list(carry.warnings)
        first = True
        for chunk in stream.chunks(progress, 0.15, 0.75):
            ds, part = module.import_table(chunk, fname, name=name, carry=carry)
            writer.add(ds)
            del ds
            if first:
                report.unknown_columns = list(part.unknown_columns)
                first = False
            report.rows_loaded += part.rows_loaded
            report.skipped.extend(part.skipped)
            report.notes.extend(part.notes)
            report.geocoded += part.geocoded
            for t, c in part.other_types.items():
                report.other_types[t] = report.other_types.get(t, 0) + c
            for w in part.warnings:
                if w not in report.warnings:
                    report.warnings.append(w)
        report.rows_read = stream.rows_read
        report.skipped.sort()
        report.notes.sort()
        report.other_types = dict(sorted(report.other_types.items(), key=lambda kv: -kv[1]))
        writer.actors = carry.book.frame()
        return report
    finally:
        stream.close()
