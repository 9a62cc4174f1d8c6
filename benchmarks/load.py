"""Load benchmark: N concurrent reader sessions against a real `streamlit run app.py`.

    python benchmarks/load.py --sessions 50                       # the curated table
    python benchmarks/load.py --sessions 20 --events 1000000      # an imported synthetic dataset
    python benchmarks/load.py --sessions 20 --events 100000 --keep /tmp/load-100k   (reuses the import)
    python benchmarks/load.py --sessions 20 --replicas 2     # two processes behind nginx (deploy/nginx)
    python benchmarks/load.py --sessions 50 --vary           # each reader selects another event

Each session is a websocket client speaking Streamlit's own protocol (the protobuf BackMsg /
ForwardMsg classes Streamlit ships, on /_stcore/stream), as a browser tab does, without a
browser's rendering cost on the same 2 cores: it loads the page (a new session's first run), types
a word in the sidebar's Search box (a filter change), selects an event as a click on the map does
(the st_folium component's value), switches to the Table page and back to the Map, then repeats
the filter/select/switch steps --rounds times, pausing --think seconds (randomised) before each
action as a reader does. Sessions start --ramp seconds apart and all stay connected until every
one has finished (sessions held = connected at once at the end).

Measured: every rerun's latency (from the BackMsg to the script_finished message), first-load
latency, errors (a script exception shown, a failed or early-finished run, a lost connection, a
selection that did not open its event's panel), the server's CPU time per run, and its resident
memory (streamlit and its children) sampled every 0.5 s: before any session, after a first page
load, after one warm-up reader did every step once (the base memory must come back to:
`rss_loaded_mb`), the peak during, and every 15 s up to --settle s after the last session closed.
Prints a summary on stderr and one JSON line on stdout.

Synthetic events come from benchmarks/synthetic.py and are imported with `python -m events import`
as benchmarks/e2e.py does. The machine may be shared: timings then vary; say so with the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.e2e import App  # noqa: E402

SLUG = "synthetic"
WORDS = ["aleppo", "homs", "idlib", "hama", "raqqa", "palmyra", "deir", "damascus"]
STEP_TIMEOUT = 120.0


def log(msg: str) -> None:
    print(f"[load] {msg}", file=sys.stderr, flush=True)


class Session:
    """One reader: a websocket to /_stcore/stream and the widget values it has set."""

    def __init__(self, url: str, query: str, event_id: str, word: str, stats: "Stats", think_s: float = 0.0):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.query, self.event_id, self.word, self.stats = query, event_id, word, stats
        self.ws = None
        self.widgets: dict[str, object] = {}  # widget id -> WidgetState
        self.ids: dict[str, str] = {}  # "search" / "map" -> widget id (from the elements drawn)
        self.pages: dict[str, str] = {}  # url path ("" = map, "table") -> page_script_hash
        self.page_hash = ""
        self.think_s = think_s

    async def connect(self):
        from websockets.asyncio.client import connect

        # A browser's affinity cookie (deploy/nginx): with --replicas, the proxy hashes it to a replica.
        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                ping_interval=None, additional_headers={"Cookie": f"cm_route={self.word}-{id(self)}"})

    async def rerun(self, what: str) -> str:
        """Send a rerun with the current widget values; wait for script_finished. Returns the text
        of the elements drawn (for checks)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        for w in self.widgets.values():
            cs.widget_states.widgets.append(w)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        texts: list[str] = []
        error = None
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=STEP_TIMEOUT)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "navigation":
                for p in fm.navigation.app_pages:
                    self.pages[p.url_pathname] = p.page_script_hash
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                t = el.WhichOneof("type")
                if t == "exception":
                    error = f"exception: {el.exception.type}: {el.exception.message[:200]}"
                elif t == "text_input" and el.text_input.label == "Search":
                    self.ids["search"] = el.text_input.id
                elif t == "component_instance" and el.component_instance.component_name.endswith("st_folium"):
                    self.ids["map"] = el.component_instance.id
                elif t == "markdown":
                    texts.append(el.markdown.body)
                elif t == "alert":
                    texts.append(el.alert.body)
                elif t == "html":
                    texts.append(el.html.body)
            elif kind == "script_finished":
                status = fm.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    error = error or f"script finished with status {status}"
                break
        secs = time.perf_counter() - t0
        self.stats.add(what, secs, error)
        return "\n".join(texts)

    def set_search(self, word: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = WidgetState(id=self.ids["search"], string_value=word)
        self.widgets[w.id] = w

    def click_event(self, event_id: str, n: int):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        value = {"last_active_drawing": {"type": "Feature", "properties": {"event_id": event_id},
                                         "geometry": {"type": "Point", "coordinates": [n, 0]}}}
        w = WidgetState(id=self.ids["map"], json_value=json.dumps(value))
        self.widgets[w.id] = w

    async def think(self):
        if self.think_s:
            await asyncio.sleep(self.think_s * random.uniform(0.5, 1.5))

    async def scenario(self, rounds: int):
        await self.connect()
        await self.rerun("first_load")
        for r in range(rounds):
            await self.think()
            if "search" not in self.ids:
                self.stats.add("setup", 0.0, "no Search box drawn")
                return
            self.set_search(WORDS[(hash(self.word) + r) % len(WORDS)] if r else self.word)
            text = await self.rerun("filter")
            shown = re.search(r"([\d,]+)\*{0,2} of ([\d,]+) events shown", text)
            if not shown or shown.group(1) == shown.group(2):
                self.stats.add("filter_check", 0.0, "the search did not narrow the events shown")
            self.widgets.pop(self.ids["search"], None)  # back to every event, so the event below is in the set
            self.set_search("")
            if "map" in self.ids:
                self.click_event(self.event_id, r + 1)
                await self.think()
                text = await self.rerun("select")
                if "Link to this event" not in text:
                    self.stats.add("select_check", 0.0, "the selected event's panel did not open")
                self.widgets.pop(self.ids["map"], None)
            else:
                self.stats.add("setup", 0.0, "no map component drawn")
            self.page_hash = self.pages.get("table", "")
            await self.think()
            await self.rerun("page_switch")
            self.page_hash = self.pages.get("", "")
            self.ids.pop("map", None)
            await self.think()
            await self.rerun("page_switch")

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


class Stats:
    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def add(self, what: str, secs: float, error: str | None):
        with self.lock:
            if error:
                self.errors.append(f"{what}: {error}")
            elif what not in ("setup", "select_check", "filter_check"):
                self.times.setdefault(what, []).append(secs)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


class Replicas:
    """--replicas K: K `streamlit run` behind Debian's nginx with deploy/nginx's template; looks like one App."""

    def __init__(self, data: Path, work: Path, k: int):
        import importlib.util
        import socket

        self.apps = [App(data, work / f"streamlit-{i}.log") for i in range(k)]
        spec = importlib.util.spec_from_file_location("render", ROOT / "deploy" / "nginx" / "render.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        ng = work / "nginx"
        ng.mkdir(exist_ok=True)
        (ng / "cm.conf").write_text(mod.render(f"127.0.0.1:{port}", [a.url[7:] for a in self.apps], str(ng / "access.log")))
        temps = "".join(f"{t}_temp_path {ng / t};\n" for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        (ng / "nginx.conf").write_text(f"{user}worker_processes 1;\npid {ng / 'pid'};\nerror_log {ng / 'error.log'};\n"
                                       f"events {{ worker_connections 4096; }}\nhttp {{\n{temps}include {ng / 'cm.conf'};\n}}\n")
        self.nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", str(ng), "-c", str(ng / "nginx.conf"), "-e",
                                       str(ng / "error.log"), "-g", "daemon off;"])
        time.sleep(1)

    def rss_mb(self) -> float:
        return sum(a.rss_mb() for a in self.apps)

    def stop(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=10)
        for a in self.apps:
            a.stop()


def server_cpu_s(app) -> float:
    """CPU seconds (user + system) used so far by the server process(es) and their children."""
    import psutil

    total = 0.0
    for a in getattr(app, "apps", [app]):
        try:
            procs = [a.ps] + a.ps.children(recursive=True)
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
    return total


def wait_quiet(app, limit_s: float = 240.0) -> float:
    """Seconds until the server used under 5 % of a core for 3 s in a row (at most limit_s)."""
    t0 = time.monotonic()
    quiet, last = 0, server_cpu_s(app)
    while time.monotonic() - t0 < limit_s and quiet < 3:
        time.sleep(1.0)
        now = server_cpu_s(app)
        quiet = quiet + 1 if now - last < 0.05 else 0
        last = now
    return round(time.monotonic() - t0, 1)


class Sampler:
    def __init__(self, app):
        self.app, self.samples, self._stop = app, [], threading.Event()
        self.th = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.app.rss_mb()))
            time.sleep(0.5)

    def __enter__(self):
        self.th.start()
        return self

    def __exit__(self, *a):
        self._stop.set()
        self.th.join()


async def run_sessions(url: str, n: int, rounds: int, ramp: float, query: str, event_id, stats: Stats,
                       think: float = 0.0):
    """`event_id`: the event every reader selects, or a list of them (reader i selects the i-th, cycling)."""
    ids = [event_id] if isinstance(event_id, str) else list(event_id)
    sessions = [Session(url, query, ids[i % len(ids)], WORDS[i % len(WORDS)], stats, think) for i in range(n)]

    async def one(i, s):
        await asyncio.sleep(i * ramp)
        try:
            await s.scenario(rounds)
        except Exception as exc:  # noqa: BLE001 - counted, the others go on
            stats.add("session", 0.0, f"{type(exc).__name__}: {exc}"[:300])

    await asyncio.gather(*(one(i, s) for i, s in enumerate(sessions)))
    held = sum(1 for s in sessions if s.ws is not None and s.ws.state.name == "OPEN")
    for s in sessions:
        await s.close()
    return held


def prepare(work: Path, events: int, seed: int) -> Path:
    """The data folder with the synthetic dataset imported (reused when --keep already holds it)."""
    data = work / "data"
    if (data / SLUG / "dataset.json").is_file():
        return data
    from benchmarks.synthetic import synthetic_acled

    csv = work / "synthetic_acled.csv"
    if not csv.exists():
        log(f"generating {events:,} synthetic ACLED events")
        csv.write_bytes(synthetic_acled(events, seed=seed))
    log("importing with `python -m events import`")
    subprocess.run([sys.executable, "-m", "events", "import", str(csv), "--format", "acled", "--quiet",
                    "--name", f"Synthetic Syria {events:,}", "--out", str(data / SLUG)], cwd=ROOT, check=True)
    return data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--events", type=int, default=0, help="synthetic imported events (0: the curated table)")
    ap.add_argument("--rounds", type=int, default=2, help="filter/select/switch rounds per session")
    ap.add_argument("--ramp", type=float, default=0.2, help="seconds between session starts")
    ap.add_argument("--think", type=float, default=3.0,
                    help="a reader's pause before each action, in seconds (random 0.5-1.5 times this; 0: none)")
    ap.add_argument("--settle", type=float, default=60.0, help="seconds to watch memory after the sessions close")
    ap.add_argument("--replicas", type=int, default=1,
                    help="K > 1: K streamlit processes behind Debian's nginx (deploy/nginx), RSS summed")
    ap.add_argument("--vary", action="store_true",
                    help="each reader selects a different event (all of the curated table's, 64 spread over an "
                         "import) instead of all readers of one shared link selecting the same one")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--keep", help="a work folder kept between runs (the import is reused)")
    args = ap.parse_args(argv)

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="load-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.events:
        data = prepare(work, args.events, args.seed)
        import pyarrow.parquet as pq

        ids = pq.read_table(data / SLUG / "events.parquet", columns=["id"]).column(0)
        event_id, query = str(ids[len(ids) // 2]), f"dataset={SLUG}"
        spread = [str(ids[int(k * len(ids) / 64)]) for k in range(64)]
    else:
        data = work / "no-imports"
        data.mkdir(exist_ok=True)
        from events.load import load_curated

        every = [str(v) for v in load_curated().events["id"]]
        event_id, query, spread = every[0], "", every
    app = Replicas(data, work, args.replicas) if args.replicas > 1 else App(data, work / "streamlit.log")
    result: dict = {"dataset": f"{args.events:,} imported events" if args.events else "curated",
                    "sessions": args.sessions, "rounds": args.rounds, "think_s": args.think, "ramp_s": args.ramp,
                    "replicas": args.replicas, "vary": args.vary}
    try:
        time.sleep(2)
        base = app.rss_mb()
        # First a session per process: loads the dataset into it (what every later session shares),
        # then one reader doing each step once, so that what a process builds once whoever asks
        # (the other pages' imports, Altair's schema, the query engine's first plans) is in the
        # base that memory must come back to; that base is `rss_loaded_mb`.
        warm = Stats()
        for a in getattr(app, "apps", [app]):
            asyncio.run(run_sessions(a.url, 1, 0, 0, query, event_id, warm))
        result["warm_up_first_load_s"] = round(warm.times.get("first_load", [float("nan")])[0], 2)
        time.sleep(2)
        result["rss_first_page_mb"] = round(app.rss_mb(), 1)
        for a in getattr(app, "apps", [app]):
            asyncio.run(run_sessions(a.url, 1, 1, 0, query, event_id, warm))
        if warm.errors:
            log(f"warm-up error: {warm.errors[0]}")
        # A large stored dataset's frames go on loading in the background after its first page
        # (events.store.open_dataset): measure the steady state, once the server has gone quiet.
        result["warm_up_quiet_after_s"] = wait_quiet(app)
        loaded = app.rss_mb()
        stats = Stats()
        cpu0 = server_cpu_s(app)
        with Sampler(app) as sampler:
            t0 = time.perf_counter()
            held = asyncio.run(run_sessions(app.url, args.sessions, args.rounds, args.ramp, query,
                                            spread if args.vary else event_id, stats,
                                            args.think))
            wall = time.perf_counter() - t0
            cpu = server_cpu_s(app) - cpu0
            closed_at = time.monotonic()
            time.sleep(args.settle)
        during = [m for t, m in sampler.samples if t <= closed_at]
        after = [m for t, m in sampler.samples if t > closed_at]
        reruns = [s for k in ("filter", "select", "page_switch") for s in stats.times.get(k, [])]
        first = stats.times.get("first_load", [])
        result.update({
            "sessions_held": held, "wall_s": round(wall, 1), "reruns": len(reruns),
            "rerun_p50_s": round(pct(reruns, 50), 2), "rerun_p95_s": round(pct(reruns, 95), 2),
            "rerun_max_s": round(max(reruns), 2) if reruns else None,
            "first_load_p50_s": round(pct(first, 50), 2), "first_load_p95_s": round(pct(first, 95), 2),
            "first_load_max_s": round(max(first), 2) if first else None,
            "by_step_p95_s": {k: round(pct(v, 95), 2) for k, v in stats.times.items()},
            "errors": len(stats.errors), "error_examples": stats.errors[:5],
            "rss_base_mb": round(base, 1), "rss_loaded_mb": round(loaded, 1),
            "rss_peak_mb": round(max(during), 1) if during else None,
            "rss_after_mb": round(after[-1], 1) if after else None, "settle_s": args.settle,
            # RSS 15, 30, 45... s after the sessions closed (the last sample before each mark).
            "rss_after_curve_mb": {f"{s}s": round([m for t, m in sampler.samples if t <= closed_at + s][-1], 1)
                                   for s in range(15, int(args.settle) + 1, 15)},
            # The server's CPU time (user + system, every process of it) per rerun and first load:
            # what one reader action costs, whatever else the machine runs.
            "server_cpu_s": round(cpu, 1),
            "server_cpu_ms_per_run": round(1000 * cpu / max(1, len(reruns) + len(first)), 1),
            "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        })
        log(f"{result['dataset']}: {held}/{args.sessions} sessions held, {len(reruns)} reruns "
            f"p50 {result['rerun_p50_s']} s p95 {result['rerun_p95_s']} s max {result['rerun_max_s']} s; "
            f"first load p95 {result['first_load_p95_s']} s; errors {len(stats.errors)}; RSS base {base:.0f} MB, "
            f"loaded {loaded:.0f}, peak {result['rss_peak_mb']}, {args.settle:.0f} s after {result['rss_after_mb']}; "
            f"server CPU {result['server_cpu_ms_per_run']} ms per run")
        for e in stats.errors[:5]:
            log(f"error: {e}")
    finally:
        app.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
