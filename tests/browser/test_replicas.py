"""Scale out: two `streamlit run` replicas behind Debian's nginx (/usr/sbin/nginx) with the
configuration compose.yaml uses (deploy/nginx/conflict-map.conf.template, ports filled in), on
127.0.0.1. Several browser sessions spread over both replicas, each keeps its replica (every request
and its websocket, read from nginx's access log) and its own state across reruns and a page switch."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from harness import (LOCAL_HOSTS, ROOT, VIEWPORT, AppServer, _free_port, _in_ci, shot, sidebar_count, wait_ready,
                     wait_rerun)

NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
SEARCHES = ["aleppo", "palmyra", "hmeimim", "raqqa"]  # one per session, to tell their states apart


def _render():
    spec = importlib.util.spec_from_file_location("nginx_render", ROOT / "deploy" / "nginx" / "render.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.render


class Proxy:
    """Debian's nginx in the foreground with a config of its own in a temporary folder."""

    def __init__(self, tmp, upstreams: list[str]):
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "access.log"
        (tmp / "conflict-map.conf").write_text(_render()(f"127.0.0.1:{self.port}", upstreams, str(self.log)))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folders below
        temps = "".join(f"{k}_temp_path {tmp / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (tmp / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\n"
            f"events {{ worker_connections 512; }}\nhttp {{\n{temps}include {tmp / 'conflict-map.conf'};\n}}\n")
        self.proc = None

    def start(self) -> "Proxy":
        args = [NGINX, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"), "-e", str(self.tmp / "error.log")]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer; see {self.tmp / 'error.log'}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def lines(self) -> list[dict]:
        out = []
        for line in self.log.read_text().splitlines():
            m = re.search(r'"(\S+) (\S+) [^"]*" (\d+) .* upstream=(\S+) route=(\S+)', line)
            if m:
                out.append({"path": m.group(2), "status": int(m.group(3)), "upstream": m.group(4),
                            "route": m.group(5)})
        return out

    def upstream_for(self, route: str) -> str:
        """Which replica nginx picks for a browser with this cookie (one request, read from the log)."""
        before = len(self.lines())
        req = urllib.request.Request(f"{self.url}/_stcore/health", headers={"Cookie": f"cm_route={route}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()
        for _ in range(50):
            new = self.lines()[before:]
            if new:
                return new[-1]["upstream"]
            time.sleep(0.05)
        raise AssertionError("no access log line")


@pytest.fixture(scope="module")
def replicas(chromium_path, tmp_path_factory):
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        if _in_ci():
            pytest.fail(f"{NGINX} is missing (tests/run.sh installs Debian's nginx)")
        pytest.skip(f"{NGINX} is not installed (apt-get install nginx)")
    apps = [AppServer(None, f"replica-{i}") for i in (1, 2)]
    proxy = None
    try:
        for a in apps:
            a.start()
        proxy = Proxy(tmp_path_factory.mktemp("nginx"), [f"127.0.0.1:{a.port}" for a in apps]).start()
        yield apps, proxy
    finally:
        if proxy:
            proxy.stop()
        for a in apps:
            a.stop()


def _context(browser, proxy, route: str | None):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.route("**/*", lambda r: r.continue_() if (urlsplit(r.request.url).hostname or "") in LOCAL_HOSTS
              or r.request.url.startswith(("data:", "blob:", "about:")) else r.abort())
    if route:
        ctx.add_cookies([{"name": "cm_route", "value": route, "url": proxy.url}])
    return ctx


def test_sessions_spread_over_both_replicas_and_keep_their_state(browser, replicas):
    apps, proxy = replicas
    ports = {f"127.0.0.1:{a.port}" for a in apps}
    # Cookies chosen so that two browsers land on each replica (nginx's own hashing, read from its log):
    # without it a handful of random keys could all land on one.
    by_upstream: dict[str, list[str]] = {}
    for i in range(200):
        key = f"reader-{i}"
        by_upstream.setdefault(proxy.upstream_for(key), []).append(key)
        if len(by_upstream) == 2 and all(len(v) >= 2 for v in by_upstream.values()):
            break
    assert set(by_upstream) == ports, by_upstream
    routes = [k for v in by_upstream.values() for k in v[:2]]
    sessions = []
    for i, route in enumerate([*routes, None]):  # the last browser has no cookie yet: nginx gives it one
        ctx = _context(browser, proxy, route)
        page = ctx.new_page()
        page.goto(proxy.url)
        wait_ready(page)
        sessions.append((ctx, page, SEARCHES[i % len(SEARCHES)]))
    totals = {sidebar_count(p)[1] for _, p, _ in sessions}
    assert len(totals) == 1
    total = totals.pop()
    counts = {}
    for ctx, page, term in sessions:  # each session filters by its own word
        box = page.locator("[data-testid='stSidebar'] input[aria-label='Search']")
        box.fill(term)
        box.press("Enter")
        wait_rerun(page)
        counts[term] = sidebar_count(page)[0]
        assert 0 < counts[term] < total, (term, counts[term])
    for ctx, page, term in sessions:  # reruns: another page, then back; each kept its own filter
        page.locator("[data-testid='stSidebarNav'] a", has_text="Table").click()
        wait_rerun(page)
        assert "/table" in page.url
        assert page.locator("[data-testid='stSidebar'] input[aria-label='Search']").input_value() == term
        assert sidebar_count(page)[0] == counts[term]
        page.locator("[data-testid='stSidebarNav'] a", has_text="Map").click()
        wait_rerun(page)
        assert sidebar_count(page)[0] == counts[term]
    shot(sessions[0][1], "replicas-session-0")
    cookies = [next(c["value"] for c in ctx.cookies() if c["name"] == "cm_route") for ctx, _, _ in sessions]
    assert cookies[:-1] == routes and cookies[-1]  # the new browser was given a key
    for ctx, _, _ in sessions:
        ctx.close()  # closes the websockets: nginx logs each when it ends
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        streams = [line for line in proxy.lines() if line["path"].startswith("/_stcore/stream")]
        if len({s["route"] for s in streams} & set(cookies)) == len(cookies):
            break
        time.sleep(0.2)
    served = {}
    for key in cookies:
        mine = [line for line in proxy.lines() if line["route"] == key and line["upstream"] != "-"]
        ups = {line["upstream"] for line in mine}
        assert len(ups) == 1, (key, ups)  # every request of one browser, and its websocket, on one replica
        assert any(line["path"].startswith("/_stcore/stream") and line["status"] == 101 for line in mine), key
        served[key] = ups.pop()
    assert set(served.values()) == ports  # both replicas hold sessions
    for key in routes:
        assert served[key] in [u for u, ks in by_upstream.items() if key in ks]
