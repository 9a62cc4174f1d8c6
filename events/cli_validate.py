"""`python -m events validate [DIR]`: check a curated data folder; one line per problem."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "validate", help="check the curated data (or any folder in the same format)",
        description="Check a data folder: schema, unique ids, known actors and sources, dates in "
                    "order, coordinates in range, every excerpt verbatim in its archived source. "
                    "Prints one line per problem (file: record: field: message) and a summary; "
                    "exits 1 when anything is wrong, 2 when the folder does not exist.")
    p.add_argument("dir", nargs="?", default=None, metavar="DIR",
                   help="data folder (default: events/data)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .load import DEFAULT_DATA_DIR, read_data_dir

    data_dir = Path(args.dir) if args.dir else DEFAULT_DATA_DIR
    shown = args.dir if args.dir else _display(DEFAULT_DATA_DIR)
    if not data_dir.is_dir():
        print(f"validate: {shown}: no such folder", file=sys.stderr)
        return 2
    r = read_data_dir(data_dir)
    for problem in r.problems:
        print(problem.under(shown))
    print(f"validate: {shown}: {r.summary()}")
    return 1 if r.problems else 0


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
