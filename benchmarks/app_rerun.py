"""Rerun benchmark: how long a filter change takes to rerun each page, on the curated data (AppTest).

    python benchmarks/app_rerun.py [--data DIR] [--repeat N]

For each page (map, table, timeline, sources) it warms the page with one filter change, then
times N changes of the claim-status filter and prints one line per page and, as its last stdout
line, one JSON object {page: {"median_s", "max_s", "runs"}, "events": N}.

AppTest gives every run a fresh st.cache_data store, so these times include loading the curated
YAML on each run, which the real server does once: they are an upper bound for a reader's wait.
(This was tests/test_app_perf.py; timings belong here, not in the test suite.)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = ("pages/map.py", "pages/table.py", "pages/timeline.py", "pages/sources.py")
CHANGES = (["disputed"], ["claimed", "denied"], [], ["confirmed"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "events" / "data"), help="curated data folder")
    ap.add_argument("--repeat", type=int, default=2, help="rounds of the four filter changes per page")
    ns = ap.parse_args(argv)

    os.environ["EVENTS_DATA_DIR"] = str(Path(ns.data).resolve())
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if at.exception:
        print(f"the app raised: {[e.value for e in at.exception]}", file=sys.stderr)
        return 1
    n_events = at.session_state["_view"].total
    out: dict = {"events": n_events}
    for page in PAGES:
        at.switch_page(page).run()
        at.multiselect(key="flt_status").set_value(["denied"]).run()  # warm the page
        times = []
        for _ in range(ns.repeat):
            for value in CHANGES:
                t = time.perf_counter()
                at.multiselect(key="flt_status").set_value(value).run()
                times.append(time.perf_counter() - t)
                if at.exception:
                    print(f"{page}: the app raised: {[e.value for e in at.exception]}", file=sys.stderr)
                    return 1
        name = Path(page).stem
        out[name] = {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3), "runs": len(times)}
        print(f"{name:9s} median {out[name]['median_s']:.3f} s  max {out[name]['max_s']:.3f} s  "
              f"({len(times)} filter changes, {n_events} events)")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
