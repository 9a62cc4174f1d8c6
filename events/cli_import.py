"""`python -m events import [--format acled|ucdp] FILE [--out DIR] [--name NAME]`

Imports an ACLED or UCDP GED CSV export into a stored dataset folder (events/store.py) that
the app's dataset picker lists. The format is detected from the header when not given.
`--out` is the dataset's own folder; by default <data folder>/<slug of the name>, where the
data folder is $CONFLICT_MAP_DATA or events/data/imported/. Prints a summary, the skipped rows
(row number as a spreadsheet shows it, column, reason) and any warnings.

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
        help="import an ACLED or UCDP GED CSV export as a dataset the app can show",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the CSV export")
    p.add_argument("--format", choices=("acled", "ucdp"), help="the export's format (default: from the header)")
    p.add_argument("--out", metavar="DIR", help="the dataset folder to write (default: <data folder>/<name>)")
    p.add_argument("--name", help="the dataset's display name (default: the file name)")
    p.add_argument("--all-skipped", action="store_true", help=f"list every skipped row (default: the first {SHOW_SKIPPED})")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args) -> int:
    from . import store
    from .importers import FORMAT_LABELS, ImportFailed, import_csv

    src = Path(args.file)
    if not src.is_file():
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
        ds, report = import_csv(src, format=args.format, name=name, progress=progress)
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
        try:
            path = store.save_dataset(ds, folder, report=report, source_file=src.name, slug=slug)
        except OSError as e:  # a full disk, a read-only folder: save_dataset removed its temporary folder
            import errno

            why = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
            kept = " (the previous import of this dataset is kept)" if (folder / slug).is_dir() else ""
            print(f"error: could not write the dataset to {folder / slug}: {why}; nothing was written{kept}",
                  file=sys.stderr)
            return 3
        print(f"{FORMAT_LABELS[report.format]} {src.name}: {report.summary()} -> {path}")
    for w in report.warnings:
        print(f"warning: {w}")
    if report.unknown_columns:
        print(f"note: columns kept as extra fields (not in the {FORMAT_LABELS[report.format]} layout): "
              + ", ".join(report.unknown_columns))
    if report.skipped:
        shown = report.skipped if args.all_skipped else report.skipped[:SHOW_SKIPPED]
        print("skipped rows (row as a spreadsheet numbers it, header = row 1):")
        for s in shown:
            print(f"  row {s.row}: {s.column}: {s.reason}")
        if len(shown) < len(report.skipped):
            print(f"  ... and {len(report.skipped) - len(shown)} more (--all-skipped lists them)")
    return 0 if report.rows_loaded else 1
