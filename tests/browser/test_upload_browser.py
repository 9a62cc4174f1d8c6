"""Real browser: upload an ACLED CSV through the sidebar's file uploader and see its events on
the map; a large upload (above mapview.LARGE) is counted per grid cell until zoomed in, and says so.

Screenshots: test-output/screenshots/upload-*.png — look at them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import ROOT, event_ids_on_map, leaflet_frame, map_frame, shot, wait_map, wait_ready

pytestmark = pytest.mark.browser

ACLED = ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv"
LOADED = {"acled-syr1001", "acled-syr1002", "acled-syr1003", "acled-syr1004", "acled-syr1005", "acled-syr1010"}


def choose_upload(page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Upload a file…").click()
    wait_ready(page)
    sidebar.get_by_test_id("stFileUploader").wait_for(state="visible", timeout=30_000)


def upload(page, path: Path) -> None:
    page.get_by_test_id("stSidebar").locator("input[type='file']").set_input_files(str(path))
    page.wait_for_timeout(500)
    wait_ready(page, timeout=120_000)


def test_upload_acled_csv_shows_its_events_on_the_map(curated_app, page):
    page.goto(curated_app.url + "/")
    wait_ready(page)
    choose_upload(page)
    upload(page, ACLED)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("rows loaded").wait_for(state="visible", timeout=30_000)
    text = sidebar.inner_text()
    assert "6 rows loaded" in text.replace("\n", " ") and "6 skipped" in text.replace("\n", " ")
    wait_map(page)
    assert set(event_ids_on_map(page)) == LOADED
    assert "6 of 6 events shown" in text.replace("\n", " ").replace("*", "")
    shot(page, "upload-acled-small")


def test_large_upload_is_counted_per_cell_and_says_what_it_did(curated_app, page, tmp_path):
    from benchmarks.synthetic import synthetic_acled
    from pages.ui import mapview

    n = mapview.LARGE + 1000
    big = tmp_path / "synthetic_acled.csv"
    big.write_bytes(synthetic_acled(n, seed=11))
    page.goto(curated_app.url + "/")
    wait_ready(page)
    choose_upload(page)
    upload(page, big)
    page.get_by_text("counted per cell").first.wait_for(state="visible", timeout=60_000)
    f = leaflet_frame(page)
    f.wait_for_function("document.querySelector('.leaflet-container').dataset.mode === 'grid'", timeout=60_000)
    assert map_frame(page).locator(".cm-cell").count() > 0
    shot(page, "upload-acled-large")
    # Zoom into one town: the map sends its view back and single events replace the counts.
    f.evaluate("() => { window.map.setView([36.2021, 37.1343], 14, {animate: false}); return true; }")
    f.wait_for_function("document.querySelector('.leaflet-container').dataset.mode === 'events'", timeout=60_000)
    assert map_frame(page).locator("svg[data-event-id]").count() > 0
    shot(page, "upload-acled-large-zoomed")
