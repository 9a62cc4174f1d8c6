"""`python -m events import [--format acled|ucdp|timemap] [--date-order dmy|mdy] FILE [--out DIR] [--name NAME]`

Imports an ACLED or UCDP GED CSV export, or TimeMap JSON (a bundle file, a bare events list,
or a folder holding a datasheet-server's events/sources/associations files), into a stored
dataset folder (events/store.py) that the app's dataset picker lists. The format is detected
from the content when not given. Numeric dates (5/9/2020) are read in the order the file
shows; --date-order settles a file that cannot show it.
`--out` is the dataset's own folder; by default <data folder>/<slug of the name>, where the
data folder is $CONFLICT_MAP_DATA or events/data/imported/. Prints a summary, the skipped rows
(row number as a spreadsheet shows it, column, reason), the rows loaded with a substituted value
or a remark (unmapped types kept as `other`, places geocoded, contradictions), and warnings.

Exit codes: 0 imported; 1 no row could be loaded (nothing is written; the reasons are listed); 2 the file cannot be imported (unknown
format, missing required columns, unreadable).
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
    from .importers import FORMAT_LABELS, ImportFailed, import_file

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
    try:
        if src.is_dir():  # a datasheet-server's separate TimeMap files
            from .importers.timemap import bundle_from_folder

            data, fmt = bundle_from_folder(src), "timemap"
        else:
            data, fmt = src.read_bytes(), args.format
        ds, report = import_file(data, src.name, format=fmt, name=name, progress=progress,
                                 date_order=args.date_order)
    except ImportFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {src}: {e}", file=sys.stderr)
        return 2
    if not report.rows_loaded:
        # Nothing to show: write no dataset (an empty one would only clutter the picker).
        print(f"{FORMAT_LABELS[report.format]} {src.name}: nothing loaded ({report.summary()}); "
              "no dataset written", file=sys.stderr)
    else:
        if args.out:
            out = Path(args.out)
            folder, slug = out.parent, out.name
        else:
            folder, slug = store.data_folder(), store.slugify(name)
        path = store.save_dataset(ds, folder, report=report, source_file=src.name, slug=slug)
        print(f"{FORMAT_LABELS[report.format]} {src.name}: {report.summary()} -> {path}")
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
