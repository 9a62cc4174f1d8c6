"""Real-browser test helpers: `streamlit run app.py` on localhost, Playwright driving Debian's
/usr/bin/chromium (never a downloaded browser), with every request to a host other than
localhost/127.0.0.1 aborted, so the tests prove the app works offline.

- If /usr/bin/chromium (or Playwright) is missing the tests fail when CI=true and skip otherwise.
- Screenshots go to test-output/screenshots/ (git-ignored).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 1440, "height": 960}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app.py` as a subprocess on a free local port."""

    def __init__(self, data_dir: Path | None = None, name: str = "app"):
        self.data_dir = data_dir
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = ROOT / "test-output" / f"streamlit-{name}.log"

    def start(self, timeout: float = 60.0) -> "AppServer":
        env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        env.pop("EVENTS_DATA_DIR", None)
        if self.data_dir is not None:
            env["EVENTS_DATA_DIR"] = str(self.data_dir)
        env["PYTHONUNBUFFERED"] = "1"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.headless", "true", "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--server.runOnSave", "false"],
            cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def wait_ready(page, timeout: float = 30_000) -> None:
    """Streamlit's own e2e wait: connected, script finished, no skeletons (GUIDE §4)."""
    page.wait_for_timeout(210)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0",
                           timeout=timeout)


def map_frame(page):
    return page.frame_locator('iframe[title="streamlit_folium.st_folium"]')


def wait_map(page, timeout: float = 30_000) -> None:
    """Until Leaflet has drawn the map (the outlines or a marker) inside the component frame."""
    frame = map_frame(page)
    frame.locator(".leaflet-container").wait_for(state="attached", timeout=timeout)
    frame.locator(".leaflet-overlay-pane svg, .ev-icon, .ev-cluster").first.wait_for(state="attached",
                                                                                      timeout=timeout)
    page.wait_for_timeout(500)


def shot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def leaflet_frame(page):
    """The Playwright Frame of the map component (for evaluate())."""
    for f in page.frames:
        if "streamlit_folium" in (f.url or "") or f.name == "streamlit_folium.st_folium":
            return f
    el = page.locator('iframe[title="streamlit_folium.st_folium"]').element_handle()
    return el.content_frame()


_FIND_CLUSTER_JS = """
() => {
  const m = window.map; const out = [];
  for (const k in m._layers) { const l = m._layers[k]; if (l && l.zoomToShowLayer && l.getLayers) out.push(l); }
  return out;
}
"""


def event_ids_on_map(page) -> list[str]:
    """The event ids of every event marker on the map (clustered or not)."""
    frame = leaflet_frame(page)
    return frame.evaluate(
        "() => { const ids = []; const m = window.map;"
        " for (const k in m._layers) { const l = m._layers[k];"
        "   if (l && l.zoomToShowLayer && l.getLayers) l.getLayers().forEach(x => {"
        "     if (x.feature && x.feature.properties && x.feature.properties.event_id) ids.push(x.feature.properties.event_id); }); }"
        " return ids; }"
    )


def reveal_marker(page, event_id: str, timeout: float = 10_000):
    """Zoom/spiderfy the cluster so the event's marker is visible, as a user clicking clusters
    would; return a locator for the marker icon to click."""
    frame = leaflet_frame(page)
    found = frame.evaluate(
        """(id) => new Promise((resolve) => {
             const m = window.map;
             for (const k in m._layers) { const g = m._layers[k];
               if (!(g && g.zoomToShowLayer && g.getLayers)) continue;
               const layer = g.getLayers().find(x => x.feature && x.feature.properties.event_id === id);
               if (layer) { g.zoomToShowLayer(layer, () => resolve(true)); return; } }
             resolve(false); })""",
        event_id,
    )
    assert found, f"no marker for {event_id} on the map"
    loc = map_frame(page).locator(f'svg[data-event-id="{event_id}"]')
    loc.wait_for(state="visible", timeout=timeout)
    page.wait_for_timeout(400)
    return loc


def wait_rerun(page, timeout: float = 30_000) -> None:
    """After an interaction: the component debounces 250 ms, then Streamlit reruns."""
    page.wait_for_timeout(450)
    wait_ready(page, timeout)
    page.wait_for_timeout(300)
    wait_ready(page, timeout)


def sidebar_count(page) -> tuple[int, int]:
    text = page.locator("[data-testid='stSidebar']").inner_text()
    import re

    m = re.search(r"([\d,]+)\s+of\s+([\d,]+)\s+events shown", text)
    assert m, text
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))
