"""Real browser: upload an ACLED CSV through the sidebar's file uploader and see its events on
the map; a large upload (above mapview.LARGE) draws with the compact layer and says so.

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


def test_large_upload_draws_compact_layer_and_says_what_it_did(curated_app, page, tmp_path):
    from benchmarks.synthetic import synthetic_acled
    from pages.ui import mapview

    n = mapview.LARGE + 1000
    big = tmp_path / "synthetic_acled.csv"
    big.write_bytes(synthetic_acled(n, seed=11))
    page.goto(curated_app.url + "/")
    wait_ready(page)
    choose_upload(page)
    upload(page, big)
    frame = map_frame(page)
    note = frame.get_by_test_id("compact-layer-note")
    note.wait_for(state="visible", timeout=60_000)
    assert f"{n:,} events" in note.inner_text()
    f = leaflet_frame(page)
    f.wait_for_function("window.__drawn !== undefined", timeout=60_000)
    assert frame.locator(".cl-bubble, .cl-stack, .cl-icon").count() > 0
    shot(page, "upload-acled-large")
    # zoom into one place until single events show; their markers carry event ids for selection
    ids = f.evaluate(
        "() => { const m = window.map; m.setView([36.2021, 37.1343], 17); return true; }")
    assert ids
    page.wait_for_timeout(800)
    f.wait_for_function("document.querySelectorAll('.cl-icon, .cl-stack').length > 0", timeout=30_000)
    shot(page, "upload-acled-large-zoomed")
