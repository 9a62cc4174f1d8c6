"""`python -m events health [--url URL] [--deep] [--curated DIR] [--data DIR]`

Checks what the app would serve: the curated folder (every file loads; the problems the app's
notice would list), every imported dataset in the data folder (dataset.json, each Parquet file's
footer and columns, row counts; `--deep` reads every column; whether its word index is usable, which
is said, not failed: searches scan without it; `--deep` reads its postings too), and with `--url` that the Streamlit
server answers on /_stcore/health. Prints one line per dataset ("ok ..." or "FAIL ...", naming the
file) and exits 1 when anything the app would have to leave out or cannot reach is found, else 0.
The Docker image's HEALTHCHECK and compose.yaml call it; it reads, never writes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "health",
        help="check that every dataset the app serves can be read (exit 1 naming what cannot)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--url", help="also check this Streamlit server (http://127.0.0.1:8501 or its /_stcore/health address)")
    p.add_argument("--deep", action="store_true", help="read every column of every imported dataset (slower)")
    p.add_argument("--curated", metavar="DIR", help="the curated folder (default: $EVENTS_DATA_DIR or events/data)")
    p.add_argument("--data", metavar="DIR", help="the imported datasets' folder (default: $CONFLICT_MAP_DATA "
                                                  "or events/data/imported)")
    p.set_defaults(func=run)


def check_server(url: str, timeout: float = 4.0) -> str | None:
    """None if the server answers ok, else why not."""
    import urllib.request

    url = url.rstrip("/")
    if not url.endswith("/_stcore/health"):
        url += "/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read(100)
        return None if body.strip() == b"ok" else f"answered {body[:40]!r}"
    except OSError as exc:
        return str(getattr(exc, "reason", exc))


def run(args) -> int:
    import os

    from . import store
    from .load import load_curated

    failed = 0
    if args.url:
        why = check_server(args.url)
        if why:
            failed += 1
            print(f"FAIL server {args.url}: {why}")
        else:
            print(f"ok   server {args.url}")

    curated = args.curated or os.environ.get("EVENTS_DATA_DIR", "").strip() or None
    ds = load_curated(curated)
    files = sorted({p.file for p in ds.problems})
    if ds.problems:
        failed += 1
        print(f"FAIL curated: {len(ds.events)} events shown; {len(ds.problems)} problem(s) in "
              f"{', '.join(files[:5])}{' …' if len(files) > 5 else ''} (python -m events validate lists them)")
    else:
        print(f"ok   curated: {len(ds.events)} events")

    folder = Path(args.data) if args.data else store.data_folder()
    good, broken = store.scan_datasets(folder)
    for b in broken:
        failed += 1
        print(f"FAIL imported {b.problem}")
    for d in good:
        problems = store.check_dataset(d.path, deep=args.deep)
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL imported {d.slug}: {p}")
        else:
            print(f"ok   imported {d.slug}: {d.events:,} events; {word_index_state(d.path, d.events, args.deep)}")
    return 1 if failed else 0


def word_index_state(path: Path, n_events: int, deep: bool = False) -> str:
    """How the app will answer a text search in this import: not a fault either way (a search
    without the index scans search_text, slower at scale), so it is said, not failed."""
    from .wordindex import IndexUnreadable, WordIndex

    try:
        wi = WordIndex.open(path, n_events)
        if wi is not None and deep:
            wi.read_all()
    except IndexUnreadable as exc:
        return f"word index unusable ({exc}): searches scan search_text; import the file again to rebuild it"
    if wi is None:
        return "no word index (imported before it existed): searches scan search_text; import the file again to add it"
    return f"word index of {len(wi.words):,} words"
