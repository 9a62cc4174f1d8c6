"""End-to-end benchmark: what a user waits for, in headless Debian chromium, on a real
`streamlit run` of the app, with several sessions open.

    python benchmarks/e2e.py [--events 100000] [--sessions 10] [--seed N] [--keep DIR] [--no-naive]
                             [--dataset DATA_FOLDER] [--cold] [--maps-only] [--real-words N]

``--dataset`` reuses a data folder an earlier run imported (``<keep>/data``, holding the stored
dataset ``synthetic``): no generation or import (no ``import_s`` figure), the app part only. Any
import can be measured that way (`python -m events import FILE --out DIR/synthetic`);
``--maps-only`` then skips steps 3 and 4, which use the synthetic set's words, types and towns.

Steps (progress on stderr; the last stdout line is one JSON object):
1. generate N synthetic ACLED events (benchmarks/synthetic.py; ``--real-words N`` appends N words
   of real data to each event's notes, for a realistic vocabulary) and import them with the CLI,
   `python -m events import`, in a child process: ``import_s``, ``import_peak_mb`` (the child's
   peak resident memory, sampled every 50 ms);
2. `streamlit run app.py` with that data folder; one browser session opens
   ``/?dataset=<slug>``: ``first_map_s`` = navigation start until the map's event layer is on the
   map (conflictmap.js records when it adds the layer), for this first session after a server
   start. The server warms its process before it answers (pages/ui/warmup.py: imports, the
   datasets opened, the map's first questions): ``server_ready_s``, from the process start until
   its health check answers. ``--cold`` turns the warm-up off (CONFLICT_MAP_WARM=0), so that
   first session pays for it;
3. a filter change until the new layer is on the map: the sidebar's search box (a new word, Enter),
   ``filter_s``, then six more new words one after another, ``filter_words_s`` (median, min, max:
   one search is one sample of a noisy machine); an event type chosen in its multiselect,
   ``filter_type_s``; then zooming the map into one town until single events replace the counts:
   ``zoom_to_events_s``;
4. the Table and Timeline pages, from the click on their link until the table / the chart is
   drawn and the script has finished: ``table_s``, ``timeline_s``;
5. ``--sessions`` - 1 more readers arrive, each a new browser context (an empty cache) opening the
   map: ``first_map_warm_s`` (median, min, max of their first maps: a warm server);
6. server memory (RSS of the streamlit process): ``rss_idle_mb`` before any session,
   ``rss_1_mb`` with the first session, ``rss_sessions_mb`` with ``--sessions`` sessions open,
   ``per_extra_session_mb``, and ``rss_after_close_mb`` 20 s after all but one are closed;
7. unless --no-naive: the plain approach, one ``folium.Marker`` (with a tooltip) per event for
   min(N, 10,000) events, as a static page: ``naive.draw_s`` until every marker is in the DOM.

Every time is taken on the browser's own clock (CLOCK_JS below); ``observed`` holds the same steps
as Playwright saw them from outside, later by its polling. Needs /usr/bin/chromium (never downloads
one). Timings on a shared machine are noisy: say so.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
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

from benchmarks.scale import CHROMIUM, CHROMIUM_ARGS, draw_times, naive_map  # noqa: E402

SLUG = "synthetic"
# Further new search words after "aleppo" (``filter_words_s``): towns of the synthetic set, each
# keeping fewer than all events.
MORE_WORDS = ("homs", "hama", "latakia", "idleb", "qamishli", "tartous")
TIMEOUT_MS = 600_000
MODE_JS = "() => { const c = document.querySelector('.leaflet-container'); return c && c.dataset.mode; }"


def log(msg: str) -> None:
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


def tree_rss_mb(proc) -> float:
    """Resident memory of a process and its children, in MB."""
    import psutil

    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += p.memory_info().rss
    return total / 2**20


def run_sampled(cmd: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; (result, wall seconds, peak RSS MB of it and its children)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(ps))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak[0]


# --------------------------------------------------------------------------- the app

class App:
    def __init__(self, data_folder: Path, log_path: Path, warm: bool = True):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        env.pop("EVENTS_DATA_DIR", None)
        env["CONFLICT_MAP_DATA"] = str(data_folder)
        env["PYTHONUNBUFFERED"] = "1"
        env["CONFLICT_MAP_WARM"] = "1" if warm else "0"
        self.logf = open(log_path, "w")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=ROOT, env=env, stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        import psutil
        import urllib.request

        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited; see {log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=30) as r:
                    if r.status == 200:
                        self.ready_s = round(time.monotonic() - started, 2)
                        return
            except OSError:
                time.sleep(0.25)
        raise RuntimeError("streamlit did not start")

    def rss_mb(self) -> float:
        return tree_rss_mb(self.ps)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.logf.close()


def wait_idle(page, timeout=TIMEOUT_MS) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def map_frame(page):
    el = page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=TIMEOUT_MS)
    return el.content_frame()


def wait_layer(frame, after: float | None = None, mode: str | None = None) -> dict:
    """Wait until the map's event layer is on the map (newer than `after`, in `mode`); its info."""
    cond = "window.__cm !== undefined"
    if after is not None:
        cond += f" && window.__cm.t > {after}"
    if mode is not None:
        cond += f" && window.__cm.mode === {json.dumps(mode)}"
    frame.wait_for_function(cond, polling=50, timeout=TIMEOUT_MS)
    return frame.evaluate("window.__cm")


# The browser's own clock. Playwright notices a change by polling the page, and on a busy 2-core
# machine its polls wait behind the page's own work (0.3-0.7 s late at 1,000,000 events), so every
# figure is taken from timestamps the page records itself: the reader's key press or click (the
# event's own timeStamp), the moment the map's layer is added (conflictmap.js: window.__cm.t,
# window.__drawn), the moment the table's or chart's drawing surface appears and the moment the
# script finished (Streamlit's data-test-script-state), all as epoch milliseconds (timeOrigin +
# the page's clock; the map's frame has its own timeOrigin). What Playwright saw is kept beside
# them ("observed").
CLOCK_JS = r"""
(() => {
  if (window !== window.top) { return; }
  const now = () => performance.timeOrigin + performance.now();
  const m = window.__e2e = {input: [], state: [], seen: {}};
  for (const type of ["keydown", "click"]) {
    document.addEventListener(type, (e) => { m.input.push([performance.timeOrigin + e.timeStamp, type]); }, true);
  }
  // Watching the page's changes costs the page work of its own, so it starts only when a step needs
  // it (the Table and Timeline), never while a first map is being timed.
  window.__e2eWatch = () => {
    if (m.watching) { return; }
    m.watching = true;
    const watched = {
      table: "[data-testid='stDataFrame'] canvas",
      chart: "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
    };
    new MutationObserver(() => {
      const app = document.querySelector("[data-testid='stApp']");
      const s = app && app.getAttribute("data-test-script-state");
      if (s && s !== m.last) { m.last = s; m.state.push([now(), s]); }
      for (const [name, sel] of Object.entries(watched)) {
        const here = !!document.querySelector(sel);
        if (here !== !!m.seen[name]) { m.seen[name] = here ? now() : 0; }
      }
    }).observe(document, {subtree: true, childList: true, attributes: true});
  };
})();
"""


def layer_epoch(frame, first: bool = False) -> float:
    """When the map's event layer was (first / last) added, epoch ms on the browser's clock."""
    return frame.evaluate("performance.timeOrigin + " + ("window.__drawn" if first else "window.__cm.t"))


def last_input(page) -> float:
    return page.evaluate("window.__e2e.input[window.__e2e.input.length - 1][0]")


def page_ready(page, element: str, since: float) -> float:
    """When `element` (table/chart) had appeared and the script had finished, after `since` (epoch ms)."""
    shown = page.evaluate(f"window.__e2e.seen[{json.dumps(element)}]")
    done = page.evaluate(f"window.__e2e.state.filter(s => s[1] === 'notRunning' && s[0] > {since})"
                         ".map(s => s[0]).pop() || 0")
    if not shown or shown < since or not done:
        raise RuntimeError(f"{element}: not drawn after the click ({shown}, {done})")
    return max(shown, done)


def open_map(context, url: str) -> tuple[object, float, float]:
    """A new session on the map: (page, seconds from navigation start to the event layer drawn on the
    browser's clock, the same as Playwright observed it)."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    frame = map_frame(page)
    wait_layer(frame)
    observed = time.perf_counter() - t0
    start = page.evaluate("performance.timeOrigin")
    return page, (layer_epoch(frame, first=True) - start) / 1000, observed


def _pick(page, label: str, text: str) -> None:
    """Choose the first option matching `text` in the sidebar's multiselect `label` (Enter)."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text=label)
    box.locator("input").click()
    page.keyboard.type(text)
    page.wait_for_timeout(300)  # the option list filtered
    page.keyboard.press("Enter")


def _redraw(page, frame, act, name: str, out: dict, observed: dict) -> None:
    """`act()` (a key press) and the map's layer drawn again, with fewer events (the filter took):
    seconds on the browser's clock."""
    before, count = frame.evaluate("[window.__cm.t, window.__cm.count]")
    t0 = time.perf_counter()
    act()
    now = wait_layer(frame, after=before)
    if not now["count"] < count:
        raise RuntimeError(f"{name}: the filter kept {now['count']:,} of {count:,} events")
    observed[name] = round(time.perf_counter() - t0, 2)
    out[name] = round((layer_epoch(frame) - last_input(page)) / 1000, 2)
    wait_idle(page)
    log(f"{name}: {out[name]} s (Playwright saw {observed[name]} s)")


def browser_part(app: App, sessions: int, maps_only: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {}
    observed: dict = {}
    url = f"{app.url}/?dataset={SLUG}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            def context(**kw):
                c = browser.new_context(**kw)
                c.add_init_script(CLOCK_JS)
                return c

            ctx = context(viewport={"width": 1440, "height": 960})
            page, first, seen = open_map(ctx, url)
            observed["first_map_s"] = round(seen, 2)
            wait_idle(page)
            out["first_map_s"] = round(first, 2)
            frame = map_frame(page)
            info = frame.evaluate("window.__cm")
            out["first_map_mode"] = info["mode"]
            log(f"first map: {first:.2f} s ({info['mode']}, {info['count']:,}; Playwright saw "
                f"{observed['first_map_s']:.2f} s)")
            time.sleep(2)
            out["rss_1_mb"] = round(app.rss_mb(), 1)

            # Steps 3 and 4 search for "aleppo", pick "Shelling" and zoom into Aleppo: the synthetic
            # ACLED set's words, types and towns. --maps-only (any other dataset) leaves them out.
            if not maps_only:
                # A filter change: the search box (a word this session has not searched before), then
                # a facet (an event type).
                box = page.get_by_test_id("stSidebar").get_by_label("Search", exact=True).and_(page.locator("input"))
                box.fill("aleppo")
                _redraw(page, frame, lambda: box.press("Enter"), "filter_s", out, observed)
                # More new words, one after another: one search is one sample of a noisy machine.
                times = []
                for word in MORE_WORDS:
                    before, count = frame.evaluate("[window.__cm.t, window.__cm.count]")
                    box.fill(word)
                    box.press("Enter")
                    now = wait_layer(frame, after=before)
                    if not 0 < now["count"] < info["count"]:
                        raise RuntimeError(f"search {word!r}: {now['count']:,} of {info['count']:,} events")
                    times.append(round((layer_epoch(frame) - last_input(page)) / 1000, 2))
                    wait_idle(page)
                out["filter_words_s"] = {"median": round(statistics.median(times), 2), "min": min(times),
                                         "max": max(times), "words": len(times)}
                log(f"{len(times)} more new words: {times}")
                before = frame.evaluate("window.__cm.t")
                box.fill("aleppo")  # back to the first word (its rows are kept) for the next step
                box.press("Enter")
                wait_layer(frame, after=before)
                wait_idle(page)
                _redraw(page, frame, lambda: _pick(page, "Event type", "Shelling"), "filter_type_s", out, observed)

                # Zoom into Aleppo until single events show.
                before = frame.evaluate("window.__cm.t")
                t0 = time.perf_counter()
                start = frame.evaluate("() => { const t = performance.timeOrigin + performance.now(); "
                                       "window.map.setView([36.2021, 37.1343], 15, {animate: false}); return t; }")
                wait_layer(frame, after=before, mode="events")
                observed["zoom_to_events_s"] = round(time.perf_counter() - t0, 2)
                out["zoom_to_events_s"] = round((layer_epoch(frame) - start) / 1000, 2)
                wait_idle(page)
                log(f"zoom to events: {out['zoom_to_events_s']} s (Playwright saw {observed['zoom_to_events_s']} s)")

                # Table and Timeline: from the click on their link until the table / the chart is drawn
                # and the script has finished.
                nav = page.get_by_test_id("stSidebarNav")
                page.evaluate("window.__e2eWatch()")
                for name, link, element, selector in (
                        ("table_s", "Table", "table", "[data-testid='stDataFrame']"),
                        ("timeline_s", "Timeline", "chart",
                         "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg")):
                    t0 = time.perf_counter()
                    nav.get_by_text(link, exact=True).click()
                    page.wait_for_selector(selector, timeout=TIMEOUT_MS)
                    wait_idle(page)
                    observed[name] = round(time.perf_counter() - t0, 2)
                    click = last_input(page)
                    out[name] = round((page_ready(page, element, click) - click) / 1000, 2)
                    log(f"{link}: {out[name]} s (Playwright saw {observed[name]} s, with a 150 ms settle)")

            # More sessions, each on the map: new readers arriving at a warm server.
            others, warm = [], []
            for i in range(sessions - 1):
                c = context(viewport={"width": 1280, "height": 800})
                pg, secs, seen = open_map(c, url)
                others.append((c, pg))
                warm.append(secs)
                log(f"session {i + 2}: map in {secs:.2f} s (Playwright saw {seen:.2f} s), server RSS {app.rss_mb():.0f} MB")
            if warm:
                warm.sort()
                out["first_map_warm_s"] = {"median": round(warm[len(warm) // 2], 2), "min": round(warm[0], 2),
                                           "max": round(warm[-1], 2), "sessions": len(warm)}
            time.sleep(3)
            out["sessions"] = sessions
            out["rss_sessions_mb"] = round(app.rss_mb(), 1)
            out["per_extra_session_mb"] = round((out["rss_sessions_mb"] - out["rss_1_mb"]) / max(1, sessions - 1), 1)
            for c, _pg in others:
                c.close()
            time.sleep(20)
            out["rss_after_close_mb"] = round(app.rss_mb(), 1)
            log(f"RSS: {out['rss_1_mb']} MB with 1 session, {out['rss_sessions_mb']} MB with {sessions}, "
                f"{out['rss_after_close_mb']} MB after closing {sessions - 1}")
            ctx.close()
        finally:
            browser.close()
    out["observed"] = observed
    return out


def _generate_and_import(args, work: Path) -> tuple[Path, dict]:
    from benchmarks.synthetic import synthetic_acled

    csv_path = work / "synthetic_acled.csv"
    if not csv_path.exists():
        log(f"generating {args.events:,} synthetic ACLED events")
        csv_path.write_bytes(synthetic_acled(args.events, seed=args.seed, real_words=args.real_words))
    data = work / "data"
    env = dict(os.environ, CONFLICT_MAP_DATA=str(data))
    log("importing with `python -m events import`")
    res, import_s, import_peak = run_sampled(
        [sys.executable, "-m", "events", "import", str(csv_path), "--format", "acled", "--quiet",
         "--name", f"Synthetic Syria {args.events:,}", "--out", str(data / SLUG)], env)
    if res.returncode != 0:
        sys.stderr.write(res.stderr[-3000:])
        raise SystemExit("import failed")
    log(f"import: {import_s:.1f} s, peak {import_peak:.0f} MB")
    result = {"events": args.events, "import_s": round(import_s, 1), "import_peak_mb": round(import_peak, 1)}
    return data, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--real-words", type=int, default=0, metavar="N",
                    help="append N words of real data to each event's notes (benchmarks/synthetic.py): a "
                         "realistic vocabulary for the import and the word index")
    ap.add_argument("--keep", help="keep the generated files in this folder")
    ap.add_argument("--no-naive", action="store_true", help="skip the one-folium.Marker-per-event page")
    ap.add_argument("--dataset", help="a data folder already imported (holding 'synthetic/'): skip generation and import")
    ap.add_argument("--maps-only", action="store_true",
                    help="first maps and memory only (steps 2, 5, 6): for a --dataset that is not the synthetic set")
    ap.add_argument("--cold", action="store_true", help="no warm-up of the server process (CONFLICT_MAP_WARM=0)")
    args = ap.parse_args(argv)

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="e2e-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    app = None
    try:
        if args.dataset:
            data = Path(args.dataset).resolve()
            from events import store

            counts = store.read_meta(data / SLUG).get("counts", {})
            log(f"reusing the stored dataset in {data / SLUG} ({counts.get('events', 0):,} events)")
            result = {"events": int(counts.get("events", 0)), "import_s": None, "import_peak_mb": None,
                      "reused": str(data / SLUG)}
        else:
            data, result = _generate_and_import(args, work)

        app = App(data, work / "streamlit.log", warm=not args.cold)
        result["server_ready_s"] = app.ready_s
        result["warm_up"] = not args.cold
        time.sleep(1)
        result["rss_idle_mb"] = round(app.rss_mb(), 1)
        result.update(browser_part(app, args.sessions, maps_only=args.maps_only))
        app.stop()
        app = None

        if not args.no_naive:
            import pandas as pd

            from events import store

            ev = pd.read_parquet(data / SLUG / "events.parquet", columns=["lat", "lon", "title"])
            sub = ev.dropna(subset=["lat", "lon"]).sample(n=min(10_000, len(ev)), random_state=1)
            (work / "naive.html").write_text(naive_map(sub).get_root().render(), encoding="utf-8")
            drawn = draw_times(work, [("naive.html", f"markers:{len(sub)}")])
            result["naive"] = {"events": int(len(sub)), "draw_s": drawn["naive.html"]}
            del store
        print(json.dumps(result))
        return 0
    finally:
        if app is not None:
            app.stop()
        if not args.keep:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)


if __name__ == "__main__":
    raise SystemExit(main())
