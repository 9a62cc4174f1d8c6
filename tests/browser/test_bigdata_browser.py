"""Real browser on 100,000 events (a stored import of benchmarks/synthetic.py's ACLED-shaped
data): the map opens on grid counts from the query engine, and panning and zooming in (the view
goes back to Python through st_folium) turns the counts into single events, without the map
component being replaced; zooming back out turns them into counts again.

Screenshots: test-output/screenshots/big-*.png — look at them.
"""
from __future__ import annotations

import os
import re

import pytest

from harness import AppServer, leaflet_frame, map_frame, shot, wait_ready, wait_rerun

pytestmark = pytest.mark.browser

N = 100_000


@pytest.fixture(scope="module")
def big_app(chromium_path, tmp_path_factory):
    from benchmarks.synthetic import synthetic_acled
    from events import store
    from events.importers import import_csv

    folder = tmp_path_factory.mktemp("big-data")
    ds, report = import_csv(synthetic_acled(N, seed=7), format="acled", name="Synthetic 100k")
    store.save_dataset(ds, folder, report=report, slug="big")
    del ds
    old = os.environ.get(store.ENV)
    os.environ[store.ENV] = str(folder)  # AppServer passes the environment on
    try:
        server = AppServer(None, "big").start(timeout=120)
    finally:
        if old is None:
            os.environ.pop(store.ENV, None)
        else:
            os.environ[store.ENV] = old
    yield server
    server.stop()


def _mode(frame) -> dict:
    return frame.evaluate("() => ({mode: document.querySelector('.leaflet-container').dataset.mode,"
                          " count: Number(document.querySelector('.leaflet-container').dataset.count),"
                          " t: window.__cm && window.__cm.t})")


def _wait_mode(frame, mode: str, after: float | None = None) -> dict:
    cond = f"window.__cm !== undefined && window.__cm.mode === '{mode}'"
    if after is not None:
        cond += f" && window.__cm.t > {after}"
    frame.wait_for_function(cond, timeout=120_000)
    return _mode(frame)


def test_pan_and_zoom_turn_grid_counts_into_events(big_app, page):
    page.goto(big_app.url + "/?dataset=big", timeout=120_000)
    wait_ready(page, timeout=120_000)
    f = leaflet_frame(page)
    grid = _wait_mode(f, "grid")
    assert grid["count"] > 0
    assert map_frame(page).locator(".cm-cell").count() > 0
    # The caption (Python) and the cells drawn (browser) count the same events in view.
    caption = page.get_by_text("counted per cell").first
    assert caption.is_visible()
    in_view = int(re.match(r"([\d,]+) events in this view", caption.inner_text()).group(1).replace(",", ""))
    assert in_view == grid["count"] > 1000
    iframe_before = page.locator('iframe[title="streamlit_folium.st_folium"]').element_handle()
    # The time histogram follows the map (pages/map.py: drawn in the rerun the map's first report makes).
    page.wait_for_selector("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
                           timeout=60_000)
    assert page.locator(".cm-timebar-wait").count() == 0
    wait_rerun(page)
    shot(page, "big-grid")

    # Pan (at the same zoom) far enough that part of the data leaves the view (the map-first page
    # is wide: a short pan can keep every event in view, and then nothing needs redrawing): still
    # counts, for the new view.
    before = _mode(f)["t"]
    f.evaluate("() => { const s = window.map.getSize(); window.map.panBy([s.x * 0.6, s.y * 0.6], {animate: false}); }")
    panned = _wait_mode(f, "grid", after=before)
    assert 0 < panned["count"] < grid["count"]

    # Zoom into one town: single events, with their ids, and a caption saying so.
    before = panned["t"]
    f.evaluate("() => { window.map.setView([35.1318, 36.7578], 15, {animate: false}); }")
    events = _wait_mode(f, "events", after=before)
    assert 0 < events["count"] <= 1000
    wait_ready(page, timeout=120_000)
    assert map_frame(page).locator("svg[data-event-id]").count() + map_frame(page).locator(".ev-cluster").count() > 0
    assert page.get_by_text("drawn one by one").first.is_visible()
    shot(page, "big-events")

    # Back out: counts again. The map component is the same element throughout (no remount).
    before = events["t"]
    f.evaluate("() => { window.map.setView([35.0, 38.5], 7, {animate: false}); }")
    _wait_mode(f, "grid", after=before)
    same = page.locator('iframe[title="streamlit_folium.st_folium"]').element_handle()
    assert page.evaluate("([a, b]) => a === b", [iframe_before, same])
