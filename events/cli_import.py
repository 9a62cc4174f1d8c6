"""`python -m events import [--format acled|ucdp|timemap] [--date-order dmy|mdy] FILE [--out DIR] [--name NAME]`

Imports an ACLED or UCDP GED CSV export, or TimeMap JSON (a bundle file, a bare events list,
or a folder holding a datasheet-server's events/sources/associations files), into a stored
dataset folder (events/store.py) that the app's dataset picker lists. The format is detected
from the content when not given. Numeric dates (5/9/2020) are read in the order the file
shows; --date-order settles a file that cannot show it. A CSV export is streamed (never read
whole): a first pass over its id and date columns, then 100,000 rows at a time into parts sorted
by date, merged into the dataset (events.importers.stream, events.store.DatasetWriter,
events.partsort).
`--out` is the dataset's own folder; by default <data folder>/<slug of the name>, where the
data folder is $CONFLICT_MAP_DATA or events/data/imported/. Prints a summary, the skipped rows
(row number as a spreadsheet shows it, column, reason), the rows loaded with a substituted value
or a remark (unmapped types kept as `other`, places geocoded, contradictions), and warnings.

Exit codes: 0 imported; 1 no row could be loaded (nothing is written; the reasons are listed); 2 the file cannot be imported (unknown
format, missing required columns, unreadable); 3 the dataset could not be written (disk full, folder not
writable: nothing is written and an earlier import of the same dataset is kept).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

SHOW_SKIPPED = 20


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import",
        help="import an ACLED or UCDP GED CSV export, or TimeMap JSON, as a dataset the app can show",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the CSV export, TimeMap JSON file, or a folder of TimeMap JSON files")
    p.add_argument("--format", choices=("acled", "ucdp", "timemap"), help="the export's format (default: from the content)")
    p.add_argument("--date-order", choices=("dmy", "mdy"),
                   help="order of numeric dates such as 5/9/2020 when the file cannot show it (default: from the file)")
    p.add_argument("--out", metavar="DIR", help="the dataset folder to write (default: <data folder>/<name>)")
    p.add_argument("--name", help="the dataset's display name (default: the file name)")
    p.add_argument("--all-skipped", action="store_true",
                   help=f"list every skipped and remarked row (default: the first {SHOW_SKIPPED} of each)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args) -> int:
    from . import store
    from .importers import FORMAT_LABELS, ImportFailed, import_file, sniff_format

    src = Path(args.file)
    if not src.exists():
        print(f"error: {src}: no such file", file=sys.stderr)
        return 2
    last = [-1]

    def progress(fraction: float, text: str) -> None:
        pct = int(fraction * 100)
        if not args.quiet and pct // 10 != last[0] // 10:
            last[0] = pct
            print(f"  {pct:3d}%  {text}", file=sys.stderr, flush=True)

    name = args.name or src.stem
    if args.out:
        out = Path(args.out)
        folder, slug = out.parent, out.name
    else:
        folder, slug = store.data_folder(), store.slugify(name)
    try:
        fmt = args.format
        if src.is_dir():  # a datasheet-server's separate TimeMap files
            from .importers.timemap import bundle_from_folder

            data, fmt = bundle_from_folder(src), "timemap"
        elif fmt is None:
            with open(src, "rb") as f:
                head = f.read(1 << 16)
            fmt = "timemap" if sniff_format(head) == "timemap" else None
        if fmt == "timemap":
            if not src.is_dir():
                data = src.read_bytes()
            ds, report = import_file(data, src.name, format=fmt, name=name, progress=progress,
                                     date_order=args.date_order)
            write = _write_whole(ds, report, src, folder, slug)
        else:  # a CSV export: streamed, chunk by chunk, straight into the dataset folder
            write = _write_streamed(src, fmt, name, progress, args, folder, slug)
            report = write.report
    except ImportFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except store.WriteFailed as e:  # a full disk, a read-only folder: the temporary folder is removed
        import errno

        why = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
        kept = " (the previous import of this dataset is kept)" if (folder / slug).is_dir() else ""
        print(f"error: could not write the dataset to {folder / slug}: {why}; nothing was written{kept}",
              file=sys.stderr)
        return 3
    except OSError as e:
        print(f"error: {src}: {e}", file=sys.stderr)
        return 2
    if not report.rows_loaded:
        # Nothing to show: write no dataset (an empty one would only clutter the picker).
        print(f"{FORMAT_LABELS[report.format]} {src.name}: nothing loaded ({report.summary()}); "
              "no dataset written", file=sys.stderr)
    else:
        print(f"{FORMAT_LABELS[report.format]} {src.name}: {report.summary()} -> {write.path}")
    for w in report.warnings:
        print(f"warning: {w}")
    if report.unknown_columns:
        print(f"note: columns kept as extra fields (not in the {FORMAT_LABELS[report.format]} layout): "
              + ", ".join(report.unknown_columns))
    if report.other_types:
        print("event types kept as 'other' (the original stays with each event): "
              + ", ".join(f"{t!r} ({n:,})" for t, n in sorted(report.other_types.items(), key=lambda x: -x[1])))
    if report.geocoded:
        print(f"places geocoded offline (no coordinates in the file): {report.geocoded:,}")
    where = ("event as numbered in the events list, first = 1" if report.format == "timemap"
             else "row as a spreadsheet numbers it, header = row 1")
    for title, rows in (("skipped rows", report.skipped), ("rows loaded with a remark", report.notes)):
        if not rows:
            continue
        shown = rows if args.all_skipped else rows[:SHOW_SKIPPED]
        print(f"{title} ({where}):")
        for s in shown:
            print(f"  row {s.row}: {s.column}: {s.reason}")
        if len(shown) < len(rows):
            print(f"  ... and {len(rows) - len(shown)} more (--all-skipped lists them)")
    return 0 if report.rows_loaded else 1


class _Written:
    def __init__(self, report, path):
        self.report, self.path = report, path


def _write_whole(ds, report, src: Path, folder: Path, slug: str) -> _Written:
    """TimeMap JSON (small, read whole): save the Dataset unless nothing loaded."""
    from . import store

    if not report.rows_loaded:
        return _Written(report, None)
    try:
        return _Written(report, store.save_dataset(ds, folder, report=report, source_file=src.name, slug=slug))
    except OSError as e:
        raise store.WriteFailed(e) from e


def _write_streamed(src: Path, fmt, name: str, progress, args, folder: Path, slug: str) -> _Written:
    """A CSV export read and written a chunk at a time (events.importers.stream): never the whole
    file in memory; the dataset appears only when complete, and not at all if nothing loaded."""
    from . import store
    from .importers.stream import import_stream

    class Writer(store.DatasetWriter):
        def add(self, ds):
            try:
                super().add(ds)
            except OSError as e:
                raise store.WriteFailed(e) from e

    try:
        writer = Writer(folder, slug)
    except OSError as e:
        raise store.WriteFailed(e) from e
    try:
        report = import_stream(src, writer, format=fmt, name=name, progress=progress, date_order=args.date_order)
        if not report.rows_loaded:
            writer.abort()
            return _Written(report, None)
        try:
            path = writer.finish(name, report.format, report=report, source_file=src.name)
        except OSError as e:
            raise store.WriteFailed(e) from e
        return _Written(report, path)
    finally:
        writer.abort()  # nothing left behind whatever happened (a no-op once renamed into place)
