"""`python -m events geocode [DIR] [--dry-run] [--only ID ...]`: fill place coordinates."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "geocode", help="fill places' coordinates from their words through geodata",
        description="Resolve each event's and claim's place from its text with geodata.resolve and "
                    "write name, gazetteer_id, lat, lon, precision, radius_km, admin1 and country into "
                    "the event file. Places with `pinned: true` are kept as they are. Exits 1 when a "
                    "place stays unresolved or a file cannot be read.")
    p.add_argument("dir", nargs="?", default=None, metavar="DIR", help="data folder (default: events/data)")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--only", nargs="+", default=(), metavar="ID", help="only these event ids")
    p.add_argument("--country", default="SY", help="ISO country code for places without one (default SY)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list unchanged places")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .geocode import geocode_dir

    if args.dir and not Path(args.dir).is_dir():
        print(f"geocode: {args.dir}: no such folder", file=sys.stderr)
        return 2
    try:
        report = geocode_dir(args.dir, dry_run=args.dry_run, country=args.country, only=args.only)
    except ImportError as exc:
        print(f"geocode: geodata is not available: {exc}", file=sys.stderr)
        return 2
    for c in report.changes:
        if c.action != "unchanged" or args.verbose:
            print(c)
    for p in report.problems:
        print(p)
    print(f"geocode: {report.summary()}" + (" (dry run)" if args.dry_run else ""))
    return 0 if report.ok else 1
