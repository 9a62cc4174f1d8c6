"""`python -m events export --format csv|geojson|yaml-dir [--out FILE|DIR] [--data DIR]`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="export the curated events as CSV, GeoJSON or the curated YAML format",
        description="Export the valid events of a data folder. CSV has one row per event with "
                    "ACLED-like columns; GeoJSON one Feature per event; yaml-dir writes the curated "
                    "format itself (actors.yaml, sources/, events/) into --out DIR. Problems in the "
                    "data are reported on standard error; events with problems are left out.")
    p.add_argument("--format", required=True, choices=("csv", "geojson", "yaml-dir"))
    p.add_argument("--out", default=None, metavar="FILE",
                   help="output file (standard output when omitted); a folder for yaml-dir")
    p.add_argument("--data", default=None, metavar="DIR", help="data folder (default: events/data)")
    p.add_argument("--filter", default="", metavar="QUERY",
                   help="only the events the app would show for this URL query, "
                        "e.g. 'status=confirmed&actor=ru-mod&from=2016-01-01'")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from urllib.parse import parse_qs

    from . import export
    from .filters import apply_filters
    from .load import load_curated
    from .urlstate import parse_query

    if args.data and not Path(args.data).is_dir():
        print(f"export: {args.data}: no such folder", file=sys.stderr)
        return 2
    if args.format == "yaml-dir" and not args.out:
        print("export: --format yaml-dir needs --out DIR", file=sys.stderr)
        return 2
    ds = load_curated(args.data)
    if ds.problems:
        print(f"export: {len(ds.problems)} problems in the data (run `python -m events validate`); "
              f"events with problems are left out", file=sys.stderr)
    subset = None
    if args.filter:
        filters, _, notices = parse_query(parse_qs(args.filter, keep_blank_values=False), ds)
        for n in notices:
            print(f"export: --filter: {n}", file=sys.stderr)
        subset = apply_filters(ds, filters).events
    if args.format == "yaml-dir":
        written = export.to_yaml_dir(ds, args.out, subset)
        print(f"export: wrote {len(written)} files to {args.out}", file=sys.stderr)
        return 0
    if args.format == "csv":
        text = export.to_csv(ds, subset)
    else:
        text = json.dumps(export.to_geojson(ds, subset), ensure_ascii=False, indent=1) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0
