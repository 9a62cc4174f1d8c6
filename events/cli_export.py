"""`python -m events export --format csv|geojson|timemap|yaml-dir [--dataset DIR | --data DIR] [--out FILE|DIR]`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="export the curated events or an imported dataset as CSV, GeoJSON, TimeMap JSON or YAML",
        description="Export the valid events of the curated data folder, or of an imported dataset "
                    "(--dataset DIR, a folder `python -m events import` wrote). CSV has one row per event "
                    "with ACLED-like columns (event_date included); GeoJSON one Feature per event; "
                    "timemap what a TimeMap site loads (events, sources, associations: one JSON object in "
                    "FILE, or events.json, sources.json and associations.json when --out is a folder); "
                    "yaml-dir writes the curated format itself (actors.yaml, sources/, events/) into "
                    "--out DIR (curated data only). Problems in the data are reported on standard "
                    "error; events with problems are left out.")
    p.add_argument("--format", required=True, choices=("csv", "geojson", "timemap", "yaml-dir"))
    p.add_argument("--out", default=None, metavar="FILE",
                   help="output file (standard output when omitted); a folder for yaml-dir, and for "
                        "timemap when it does not end in .json")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", default=None, metavar="DIR", help="curated data folder (default: events/data)")
    src.add_argument("--dataset", default=None, metavar="DIR",
                     help="an imported dataset's folder (written by `python -m events import`)")
    p.add_argument("--filter", default="", metavar="QUERY",
                   help="only the events the app would show for this URL query, "
                        "e.g. 'status=confirmed&actor=ru-mod&from=2016-01-01'")
    p.set_defaults(func=run)


def _write_text(path: Path, text: str) -> None:
    """Atomic: a temp file beside the target, then rename."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    from urllib.parse import parse_qs

    from . import export
    from .engine import engine_of
    from .load import load_curated
    from .urlstate import parse_query

    if args.data and not Path(args.data).is_dir():
        print(f"export: {args.data}: no such folder", file=sys.stderr)
        return 2
    if args.format == "yaml-dir" and not args.out:
        print("export: --format yaml-dir needs --out DIR", file=sys.stderr)
        return 2
    if args.dataset:
        from . import store

        if args.format == "yaml-dir":
            print("export: yaml-dir writes curated data only; use csv, geojson or timemap for --dataset",
                  file=sys.stderr)
            return 2
        try:
            ds = store.load_dataset(args.dataset)
        except (OSError, ValueError, KeyError) as e:
            print(f"export: {args.dataset}: not a dataset folder written by `python -m events import` ({e})",
                  file=sys.stderr)
            return 2
    else:
        ds = load_curated(args.data)
    if ds.problems and not args.dataset:
        print(f"export: {len(ds.problems)} problems in the data (run `python -m events validate`); "
              f"events with problems are left out", file=sys.stderr)
    subset = None
    if args.filter:
        filters, _, notices = parse_query(parse_qs(args.filter, keep_blank_values=False), ds)
        for n in notices:
            print(f"export: --filter: {n}", file=sys.stderr)
        subset = engine_of(ds).ids(filters)  # the app's one filter (events.engine)
    if args.format == "yaml-dir":
        written = export.to_yaml_dir(ds, args.out, subset)
        print(f"export: wrote {len(written)} files to {args.out}", file=sys.stderr)
        return 0
    if args.format == "timemap":
        bundle = export.to_timemap(ds, subset)
        if args.out and not args.out.lower().endswith(".json"):
            out = Path(args.out)
            for part in ("events", "sources", "associations"):
                _write_text(out / f"{part}.json", json.dumps(bundle[part], ensure_ascii=False, indent=1) + "\n")
            print(f"export: wrote events.json, sources.json and associations.json to {out}", file=sys.stderr)
            return 0
        text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        text = export.to_csv(ds, subset)
    else:
        text = json.dumps(export.to_geojson(ds, subset), ensure_ascii=False, indent=1) + "\n"
    if args.out:
        _write_text(Path(args.out), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0
