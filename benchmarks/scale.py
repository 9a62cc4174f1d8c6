"""Scale benchmark: 100,000 synthetic ACLED events of Syria through import, load, filter, map.

    python benchmarks/scale.py [--events 100000] [--seed N] [--keep DIR]

Prints progress to stderr and, as its last stdout line, one JSON object:
    events      events in the dataset
    load_s      reading the stored (imported) dataset: what the app does when it is picked
    import_s    importing the CSV (in a child process, with its own peak memory import_rss_mb)
    filter_ms   median of apply_filters calls changing status / dates / actor / type / text
    build_ms    mapview.build_map(all events, the whole of Syria in view) + rendering the map's HTML
    html_bytes  size of that HTML
    draw_s      navigation start until the map has drawn, in headless Debian chromium
                (conflictmap.js's window.__drawn hook, set when the event layer is on the map)
    rss_mb      peak resident memory of this process (load, filter, build, render), browser excluded
    naive       [{events, build_ms, html_bytes, draw_s}] for one folium.Marker (with a tooltip)
                per event, at 1,000 and 10,000 events; draw_s = until every marker icon is in the DOM

Deterministic data (seeded), real browser. Needs /usr/bin/chromium (never downloads one).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
NAIVE_SIZES = (1_000, 10_000)


def log(msg: str) -> None:
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# --------------------------------------------------------------------------- child: generate + import

def child_import(n: int, seed: int, out_dir: str) -> None:
    from benchmarks.synthetic import synthetic_acled
    from events import store
    from events.importers import import_csv

    data = synthetic_acled(n, seed=seed)
    csv_path = Path(out_dir) / "synthetic_acled.csv"
    csv_path.write_bytes(data)
    del data
    t0 = time.perf_counter()
    ds, report = import_csv(csv_path, format="acled", name=f"Synthetic Syria {n:,}")
    import_s = time.perf_counter() - t0
    path = store.save_dataset(ds, Path(out_dir) / "imported", report=report, slug="synthetic")
    print(json.dumps({"import_s": round(import_s, 3), "import_rss_mb": round(peak_rss_mb(), 1),
                      "path": str(path), "csv_bytes": csv_path.stat().st_size,
                      "loaded": report.rows_loaded, "skipped": report.rows_skipped}))


# --------------------------------------------------------------------------- browser

class _Server:
    """Serves a folder on 127.0.0.1, with /app/static/vendor/ mapped to the app's vendor files."""

    def __init__(self, root: Path):
        from pages.ui.assets import ensure_vendor_assets

        vendor = ensure_vendor_assets()
        (root / "app" / "static").mkdir(parents=True, exist_ok=True)
        link = root / "app" / "static" / "vendor"
        if not link.exists():
            link.symlink_to(vendor, target_is_directory=True)

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a):  # noqa: D401
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def draw_times(root: Path, pages: list[tuple[str, str]], timeout_s: float = 180) -> dict[str, float]:
    """{name: seconds from navigation start until drawn} for (file name, wait kind) pages.
    wait kind: 'hook' (window.__drawn) or 'markers:N' (N .leaflet-marker-icon elements)."""
    from playwright.sync_api import sync_playwright

    srv = _Server(root)
    out: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for name, kind in pages:
                    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = ctx.new_page()
                    errors: list[str] = []
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.goto(f"http://127.0.0.1:{srv.port}/{name}", wait_until="commit", timeout=timeout_s * 1000)
                    if kind == "hook":
                        page.wait_for_function("window.__drawn !== undefined", polling="raf", timeout=timeout_s * 1000)
                        t = page.evaluate("window.__drawn")
                    else:
                        n = int(kind.split(":")[1])
                        page.wait_for_function(f"document.querySelectorAll('.leaflet-marker-icon').length >= {n}",
                                               polling="raf", timeout=timeout_s * 1000)
                        t = page.evaluate("performance.now()")
                    if errors:
                        log(f"page errors in {name}: {errors[:3]}")
                    out[name] = round(float(t) / 1000.0, 3)
                    log(f"drawn {name}: {out[name]} s")
                    ctx.close()
            finally:
                browser.close()
    finally:
        srv.close()
    return out


# --------------------------------------------------------------------------- main

def naive_map(events_df):
    import folium

    from pages.ui import mapview  # noqa: F401  (points folium at the offline assets)

    m = folium.Map(location=[35.0, 38.5], zoom_start=7, tiles=None)
    for r in events_df[["lat", "lon", "title"]].itertuples(index=False):
        folium.Marker([float(r.lat), float(r.lon)], tooltip=str(r.title)).add_to(m)
    return m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--keep", help="keep the generated files in this folder")
    ap.add_argument("--child-import", nargs=3, metavar=("N", "SEED", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_import:
        child_import(int(args.child_import[0]), int(args.child_import[1]), args.child_import[2])
        return 0

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        log(f"generating and importing {args.events:,} synthetic ACLED events (child process) in {work}")
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child-import", str(args.events),
                               str(args.seed), str(work)], capture_output=True, text=True, cwd=str(ROOT))
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit("import child failed")
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        log(f"import: {child['import_s']} s for {child['csv_bytes'] / 1e6:.1f} MB, peak {child['import_rss_mb']} MB")

        import pandas as pd

        from events import store
        from events.filters import Filters, apply_filters
        from pages.ui import mapview

        t0 = time.perf_counter()
        ds = store.load_dataset(child["path"])
        load_s = time.perf_counter() - t0
        n = len(ds.events)
        log(f"load: {load_s:.3f} s, {n:,} events")

        filters = [
            Filters(statuses=("claimed",)),
            Filters(date_from=pd.Timestamp("2015-01-01").date(), date_to=pd.Timestamp("2016-12-31").date()),
            Filters(actors=("syrian-government-forces",)),
            Filters(types=("air_strike", "shelling")),
            Filters(date_from=pd.Timestamp("2019-06-01").date(), actors=("russian-armed-forces",), types=("air_strike",)),
            Filters(q="aleppo"),
            Filters(),
        ]
        times = []
        for _round in range(3):
            for f in filters:
                t0 = time.perf_counter()
                res = apply_filters(ds, f)
                times.append((time.perf_counter() - t0) * 1000)
                _ = len(res.events)
        filter_ms = statistics.median(times)
        log(f"filter: median {filter_ms:.1f} ms (max {max(times):.1f} ms) over {len(times)} calls")

        from events.engine import Bounds, Engine

        engine = Engine.from_parquet(child["path"])
        t0 = time.perf_counter()
        res = mapview.build_map(ds, engine, Filters(), bounds=Bounds(32.0, 35.5, 37.5, 42.5), zoom=7,
                                online_tiles=False)
        for fg in res.layers:
            fg.add_to(res.map)
        m = res.map
        html = m.get_root().render()
        build_ms = (time.perf_counter() - t0) * 1000
        html_bytes = len(html.encode("utf-8"))
        (work / "big.html").write_text(html, encoding="utf-8")
        del m, html
        log(f"build: {build_ms:.0f} ms, {html_bytes / 1e6:.2f} MB of HTML")
        rss_mb = peak_rss_mb()
        log(f"peak RSS (load, filter, build, render): {rss_mb:.0f} MB")

        naive = []
        pages = [("big.html", "hook")]
        sample = ds.events.sample(n=max(NAIVE_SIZES), random_state=1) if n >= max(NAIVE_SIZES) else ds.events
        for size in NAIVE_SIZES:
            sub = sample.iloc[:size]
            t0 = time.perf_counter()
            m = naive_map(sub)
            html = m.get_root().render()
            b_ms = (time.perf_counter() - t0) * 1000
            name = f"naive_{size}.html"
            (work / name).write_text(html, encoding="utf-8")
            naive.append({"events": int(len(sub)), "build_ms": round(b_ms, 1),
                          "html_bytes": len(html.encode("utf-8")), "draw_s": None})
            pages.append((name, f"markers:{len(sub)}"))
            log(f"naive {size:,}: build {b_ms:.0f} ms, {naive[-1]['html_bytes'] / 1e6:.2f} MB")
            del m, html
        drawn = draw_times(work, pages)
        for rec in naive:
            rec["draw_s"] = drawn[f"naive_{rec['events']}.html"]
        result = {
            "events": n,
            "load_s": round(load_s, 3),
            "filter_ms": round(filter_ms, 2),
            "build_ms": round(build_ms, 1),
            "html_bytes": html_bytes,
            "draw_s": drawn["big.html"],
            "rss_mb": round(rss_mb, 1),
            "import_s": child["import_s"],
            "import_rss_mb": child["import_rss_mb"],
            "naive": naive,
        }
        print(json.dumps(result))
        return 0
    finally:
        if not args.keep:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
