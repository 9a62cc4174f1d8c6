"""Real browser, hostile data: `streamlit run` on tests/fixtures/hostile (HTML, script, Markdown,
template and odd-Unicode payloads in every field, two broken files) with every request to
another host blocked. No script from data runs (no dialog opens, the page title never changes,
no element or handler from data exists in the page or the map's frame) on the map (tooltips,
claim labels), the side panel, the table, the timeline's tooltips, the sources page, an uploaded
hostile CSV and its summary; the offline map still shows every event and says the online tiles
could not load; the CSV download neutralises formulas; and the server process writes nothing
to disk through all of it (an audit hook logs every write it attempts).

Screenshots: test-output/screenshots/hostile-*.png — look at them.
"""
from __future__ import annotations

import csv
import io
import os

import pytest

from harness import (AppServer, event_ids_on_map, leaflet_frame, map_frame, reveal_marker, shot, sidebar_count,
                     wait_map, wait_ready, wait_rerun)
from tests.hardening_support import (HOSTILE_DIR, HOSTILE_FILENAME, HOSTILE_UPLOAD, HOSTILE_VALID_IDS, SCRIPT_EVENT,
                               logged_writes, tree_digest, write_audit_env)

pytestmark = pytest.mark.browser

TILE_HOSTS = ("tile.openstreetmap.org",)
TITLE = "Conflict event map"
RAW_TITLE = "<script>window.parent.document.title='PWNED';alert('title')</script> Script in the title"
EVIL_ACTOR = "<img src=x onerror=\"window.parent.document.title='PWNED';alert('actor')\"> Evil"

INJECTED_JS = """() => {
  // an event handler, a script address, or a payload where it would run: text in aria-label or
  // title is fine, and so is an http(s) link whose query holds odd characters
  const links = ['src', 'href', 'xlink:href', 'action', 'formaction'];
  const code = ['srcdoc', 'style'];
  const on = [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => {
      const n = a.name.toLowerCase();
      return n.startsWith('on') || (links.includes(n) && /^\\s*(javascript|vbscript|data:text\\/html)/i.test(a.value))
        || (code.includes(n) && /alert\\(|PWNED/.test(a.value)); }));
  return {
    img: document.querySelectorAll('img[src="x"]').length,
    handlers: on.map(e => e.outerHTML.slice(0, 120)),
    jslinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    scripts: [...document.scripts].filter(s => /^\\s*(alert|window\\.parent|document\\.title)/.test(s.textContent)).length,
    title: document.title,
  };
}"""


@pytest.fixture(scope="module")
def hostile_app(chromium_path, tmp_path_factory):
    """The app on the hostile fixture, its file writes logged (hardening_support.write_audit_env),
    its stored-dataset folder an empty temporary one."""
    tmp = tmp_path_factory.mktemp("hostile-server")
    env, log = write_audit_env(tmp / "audit")
    env["CONFLICT_MAP_DATA"] = str(tmp / "imported")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # AppServer passes this process's environment on
    try:
        server = AppServer(HOSTILE_DIR, "hostile").start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    server.audit_log = log
    server.audit_offset = len(log.read_text())  # writes before this are start-up's, not a visitor's
    server.imported = tmp / "imported"
    server.data_before = tree_digest(HOSTILE_DIR)
    yield server
    server.stop()


def assert_nothing_ran(page, title: str = TITLE) -> None:
    assert not page.dialogs, page.dialogs
    assert page.title() == title
    for frame in page.frames:
        if frame.is_detached():
            continue
        found = frame.evaluate(INJECTED_JS)
        assert found["img"] == 0 and found["jslinks"] == 0 and found["scripts"] == 0, (frame.url, found)
        assert not found["handlers"], (frame.url, found["handlers"][:3])
        assert "PWNED" not in found["title"]


def only_tiles_blocked(page) -> None:
    others = [u for u in page.blocked if not any(h in u for h in TILE_HOSTS)]
    assert not others, f"the app asked for files from the internet: {others[:5]}"


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def go(page, name: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=name).click()
    wait_rerun(page)


def test_map_and_panel_show_hostile_text_offline_and_run_nothing(hostile_app, page):
    page.goto(f"{hostile_app.url}/?event={SCRIPT_EVENT}")
    wait_ready(page)
    wait_map(page)
    frame = map_frame(page)
    # offline to the end: every event on the offline base, and a note that tiles could not load
    assert sorted(event_ids_on_map(page)) == sorted(HOSTILE_VALID_IDS)
    frame.locator(".tiles-note").wait_for(state="visible", timeout=10_000)
    assert "Online tiles unavailable" in frame.locator(".tiles-note").inner_text()
    assert frame.locator(".leaflet-overlay-pane path").count() >= 14  # governorate outlines
    # the notice names the broken files; the valid events are shown
    notice = page.locator("[data-testid='stExpander']", has_text="problems").first.inner_text()
    assert "events/hx-broken.yaml" in notice and "events/hx-bad-schema.yaml" in notice
    assert sidebar_count(page) == (3, 3)
    # the claimants' labels on the map are text
    labels = frame.locator(".claim-label").all_inner_texts()
    assert any(t.startswith("per <img src=x onerror=") for t in labels), labels
    assert any(t.startswith("per [click](javascript:alert('md'))") for t in labels), labels
    # the tooltip of the event is text
    reveal_marker(page, SCRIPT_EVENT).hover()
    page.wait_for_timeout(600)
    tip = frame.locator(".leaflet-tooltip.ev-tip").first
    tip.wait_for(state="visible", timeout=5_000)
    assert RAW_TITLE in tip.inner_text()
    shot(page, "hostile-map-tooltip")
    # the side panel shows every field as text
    text = main_text(page)
    for raw in (RAW_TITLE, EVIL_ACTOR, "<script>alert('reason')</script>", "<b>Damascus</b> ${alert('name')}",
                "<img src=x onerror=alert('place')> **old city**", "[They deny](javascript:alert('deny')) any **involvement**.",
                "<svg onload=alert('outlet')> Outlet", "<script>alert('claim note')</script>"):
        assert raw in text, raw
    # long unbroken strings wrap inside the panel instead of running off the page
    width = page.viewport_size["width"]
    assert page.evaluate("() => Math.max(...[...document.querySelectorAll('.ev-title, .ev-summary, .ev-facts dd, "
                         ".claim-card')].map(e => e.getBoundingClientRect().right))") <= width
    assert_nothing_ran(page)
    only_tiles_blocked(page)
    shot(page, "hostile-map-panel", full_page=True)


def test_table_timeline_and_sources_show_hostile_text(hostile_app, page):
    page.goto(f"{hostile_app.url}/?event=hx-unicode")
    wait_ready(page)
    go(page, "Table")
    page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=20_000)
    assert_nothing_ran(page)
    shot(page, "hostile-table")
    # the timeline's tooltip (Vega) shows the title as text
    go(page, "Timeline")
    bar = page.locator("[data-testid='stVegaLiteChart'] [aria-roledescription='bar']")
    bar.first.wait_for(state="attached", timeout=20_000)
    assert bar.count() == len(HOSTILE_VALID_IDS)
    texts = []
    for i in range(bar.count()):
        bar.nth(i).hover(force=True)
        page.wait_for_timeout(400)
        tip = page.locator("#vg-tooltip-element")
        if tip.count() and tip.is_visible():
            texts.append(tip.inner_text())
            assert tip.locator("img, script, svg, a").count() == 0
    assert any(RAW_TITLE in t for t in texts), texts
    assert_nothing_ran(page)
    shot(page, "hostile-timeline-tooltip")
    # the sources page: metadata and the archived text with its excerpts marked, as text
    go(page, "Sources")  # no filter is set: every source is listed
    expander = page.locator("[data-testid='stExpander']", has_text="alert('source title')")
    expander.locator("summary").click()
    mark = expander.locator("mark.ex").first
    mark.wait_for(state="visible", timeout=10_000)
    marked = " ".join(expander.locator("mark").all_inner_texts())
    assert "<b>shelling</b> hit the ${district} at dawn, said <img src=x onerror=alert('excerpt')>." in marked
    assert "<script>alert('source title')</script> **Hostile**" in expander.inner_text()
    assert_nothing_ran(page)
    only_tiles_blocked(page)
    shot(page, "hostile-sources", full_page=True)


def test_hostile_upload_shows_as_text(hostile_app, page):
    page.goto(hostile_app.url + "/")
    wait_ready(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Upload a file…").click()
    wait_ready(page)
    sidebar.locator("input[type='file']").set_input_files(
        files=[{"name": HOSTILE_FILENAME, "mimeType": "text/csv", "buffer": HOSTILE_UPLOAD.read_bytes()}])
    page.wait_for_timeout(500)
    wait_ready(page, timeout=60_000)
    sidebar.get_by_text("rows loaded").wait_for(state="visible", timeout=30_000)
    details = sidebar.locator("[data-testid='stExpander']", has_text="Import details")
    details.locator("summary").click()
    page.wait_for_timeout(300)
    text = " ".join(sidebar.inner_text().split())
    assert "3 rows loaded, 2 skipped" in text
    assert "latitude '<img src=\"window.parent" in text or "latitude '<img src=x onerror=" in text
    assert "<img src=x onerror=alert('column')>" in text  # the unknown column's name, as text
    assert HOSTILE_FILENAME in text  # the file's name, as text
    wait_map(page)
    assert len(event_ids_on_map(page)) == 3
    f = leaflet_frame(page)
    f.evaluate("() => { const m = window.map; m.setView([36.2, 37.15], 11); }")
    page.wait_for_timeout(600)
    marker = map_frame(page).locator("svg[data-event-id='acled-syr9001']")
    marker.wait_for(state="visible", timeout=10_000)
    marker.hover()
    page.wait_for_timeout(500)
    tip = map_frame(page).locator(".leaflet-tooltip.ev-tip").first.inner_text()
    assert "+cmd|' /C calc'!A0 <b>Town</b>" in tip
    footer = page.locator(".st-key-app-footer").inner_text()
    assert "ACLED" in footer and f"Upload: {HOSTILE_FILENAME}" in footer and "uploaded in this session" in footer
    assert_nothing_ran(page)
    only_tiles_blocked(page)
    shot(page, "hostile-upload", full_page=True)


def test_download_is_formula_safe_and_the_server_wrote_nothing(hostile_app, page):
    page.goto(f"{hostile_app.url}/table")
    wait_ready(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=20_000)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8").read())))
    notes = {r["event_id_cnty"]: r["notes"] for r in rows}
    assert notes["hx-js-link"].startswith("'=HYPERLINK(")
    assert {r["title"] for r in rows} >= {RAW_TITLE}
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download GeoJSON").click()
    assert b"FeatureCollection" in open(dl.value.path(), "rb").read()
    wait_ready(page)
    assert_nothing_ran(page)
    footer = page.locator(".st-key-app-footer").inner_text()
    assert "GeoNames" in footer and "OpenStreetMap" in footer and "Data last updated" in footer
    # Everything every test in this module did, as a visitor: no file written, renamed or removed.
    writes = logged_writes(hostile_app.audit_log, hostile_app.audit_offset)
    assert writes == [], writes[:10]
    assert tree_digest(HOSTILE_DIR) == hostile_app.data_before
    assert not hostile_app.imported.exists() or not any(hostile_app.imported.iterdir())


def test_area_chip_and_copy_link_keep_hostile_text_as_text(hostile_app, page):
    """The new surfaces of issue 12: an area chosen by a click on the choropleth (its name in the
    sidebar chip) and the "Copy link" button given an address whose search is a script."""
    q = "<img src=x onerror=alert('q')>"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hostile_app.url)
    page.goto(f"{hostile_app.url}/?layer=governorate&q={q.replace(' ', '%20')}")
    wait_ready(page)
    frame = map_frame(page)
    frame.locator(".leaflet-overlay-pane path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(800)
    lf = leaflet_frame(page)
    pt = lf.evaluate("(() => { const p = window.map.latLngToContainerPoint([33.51, 36.29]); return [p.x, p.y]; })()")
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])  # Damascus
    page.wait_for_function("location.search.includes('area=SY01')", timeout=30_000)
    wait_rerun(page)
    assert page.locator("[data-testid='stSidebar']").get_by_text("Damascus governorate").count() >= 1
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Copied", exact=False).first.wait_for(state="visible", timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url and "area=SY01" in copied and "<img" not in copied
    assert_nothing_ran(page)
    shot(page, "hostile-area-copy-link")
