"""Load and filter figures for the curated table: `python benchmarks/curated.py`.

Prints one JSON line: events, load_ms (fresh load_curated, median of 5), filter_ms (median over a
few typical filter changes). Figures from real runs belong here, never in timed tests.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from events.filters import Filters, apply_filters  # noqa: E402
from events.load import load_curated  # noqa: E402


def median_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def main() -> None:
    ds = load_curated()
    load_ms = median_ms(load_curated)
    changes = [
        Filters(),
        Filters(statuses=("denied", "disputed")),
        Filters(date_from=dt.date(2016, 1, 1), date_to=dt.date(2016, 12, 31)),
        Filters(actors=("russian-defence-ministry",)),
        Filters(q="hospital"),
    ]
    filter_ms = statistics.median(median_ms(lambda f=f: apply_filters(ds, f)) for f in changes)
    print(json.dumps({"events": len(ds.events), "load_ms": load_ms, "filter_ms": filter_ms}))


if __name__ == "__main__":
    main()
