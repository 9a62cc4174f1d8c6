"""Real-browser tests of the map-first page (issue 12): layout at 1440×900 and 390×844, brushing the
time histogram, stepping the play window, colour by, and the embed view. Screenshots in
test-output/screenshots/ (looked at)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from harness import leaflet_frame, map_frame, shot, sidebar_count, wait_map, wait_ready, wait_rerun

pytestmark = pytest.mark.browser


def _query(page) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _box(page, selector: str) -> dict:
    el = page.locator(selector).first
    el.wait_for(state="visible", timeout=30_000)
    return el.bounding_box()


def _sidebar_visible(page) -> bool:
    sb = page.locator("[data-testid='stSidebar']")
    if sb.count() == 0 or not sb.first.is_visible():
        return False
    box = sb.first.bounding_box()
    return bool(box) and box["x"] + box["width"] > 5 and box["width"] > 50


def test_map_first_at_1440(curated_app, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/")
    wait_ready(page)
    wait_map(page)
    m = _box(page, 'iframe[title="streamlit_folium.st_folium"]')
    main = _box(page, "[data-testid='stMain']")
    assert m["width"] > 0.6 * main["width"], (m, main)  # the map takes most of the page
    assert m["y"] < 260  # and starts near the top, under the title
    assert "Conflict event map" in page.locator("[data-testid='stMain']").inner_text()
    chart = _box(page, "[data-testid='stVegaLiteChart']")
    assert chart["y"] >= m["y"] + m["height"] - 5  # the histogram is under the map
    assert chart["y"] + chart["height"] <= 900, (m, chart)  # and in view without scrolling
    _home_fits(page)
    assert _sidebar_visible(page)  # a wide screen keeps the filters open
    # The legend (bottom left) and the scale do not overlap; the attribution is bottom right.
    frame = map_frame(page)
    lg = frame.locator(".ev-legend").bounding_box()
    sc = frame.locator(".leaflet-control-scale").bounding_box()
    assert lg and sc and (lg["y"] + lg["height"] <= sc["y"] + 1 or sc["y"] + sc["height"] <= lg["y"] + 1), (lg, sc)
    shot(page, "mapfirst-1440x900")


def test_map_first_on_a_phone(curated_app, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(curated_app.url + "/")
    wait_ready(page)
    wait_map(page)
    assert not _sidebar_visible(page)  # collapsed on arrival
    m = _box(page, 'iframe[title="streamlit_folium.st_folium"]')
    assert m["y"] < 844 and m["width"] > 300  # the map is on screen, across the width
    page.wait_for_timeout(3500)  # the claim labels are placed again until 3 s after the layer is added
    frame = map_frame(page)
    sc = frame.locator(".leaflet-control-scale").bounding_box()
    at = frame.locator(".leaflet-control-attribution").bounding_box()
    assert sc["y"] + sc["height"] <= at["y"] + 1 or sc["x"] + sc["width"] <= at["x"] + 1, (sc, at)  # no overlap
    _home_fits(page)
    # Every claimant's label is inside the map (one near the left edge goes to the right of its place).
    labels = map_frame(page).locator(".claim-label")
    assert labels.count() >= 2
    for i in range(labels.count()):
        b = labels.nth(i).bounding_box()
        assert b["x"] >= m["x"] - 1 and b["x"] + b["width"] <= m["x"] + m["width"] + 1, (b, m)
    shot(page, "mapfirst-390x844")


def _home_fits(page) -> None:
    """The first view holds the home bounds (the events' extent) and they fill most of the map's
    width or height: fitted in the browser at the map's real size, not for an assumed 800 px."""
    lf = leaflet_frame(page)
    got = lf.evaluate("""(() => {
        const m = window.map, h = L.latLngBounds(m._cmHome), s = m.getSize();
        const a = m.latLngToContainerPoint(h.getSouthWest()), b = m.latLngToContainerPoint(h.getNorthEast());
        return {inside: m.getBounds().pad(0.001).contains(h), fw: (b.x - a.x) / s.x, fh: (a.y - b.y) / s.y,
                zoom: m.getZoom()};
    })()""")
    assert got["inside"], got
    assert max(got["fw"], got["fh"]) >= 0.6, got


def _brush(page, x0: float, x1: float) -> None:
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    box = chart.bounding_box()
    y = box["y"] + box["height"] * 0.6
    page.mouse.move(box["x"] + box["width"] * x0, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (x0 + x1) / 2, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * x1, y, steps=5)
    page.mouse.up()


def test_brushing_the_histogram_sets_dates_in_the_url(curated_app, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/")
    wait_ready(page)
    wait_map(page)
    page.locator("[data-testid='stVegaLiteChart']").first.scroll_into_view_if_needed()
    _brush(page, 0.35, 0.6)
    page.wait_for_function("location.search.includes('from=') || location.search.includes('to=')", timeout=30_000)
    wait_rerun(page)
    q = _query(page)
    assert "from" in q or "to" in q, page.url
    shot(page, "histogram-brushed", full_page=True)
    # The same address in a new page reproduces the filter.
    page.goto(page.url)
    wait_ready(page)
    assert _query(page).get("from") == q.get("from") and _query(page).get("to") == q.get("to")


def test_play_step_and_colour_by_type(curated_app, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/?win=91")
    wait_ready(page)
    wait_map(page)
    page.get_by_role("button", name="Step ▶").click()
    page.wait_for_function("location.search.includes('to=')", timeout=30_000)
    wait_rerun(page)
    first = _query(page)["to"]
    page.get_by_role("button", name="Step ▶").click()
    page.wait_for_function(f"location.search.includes('from=') && !location.search.includes('to={first}')",
                           timeout=30_000)
    wait_rerun(page)
    q = _query(page)
    assert q["from"] > first and q["win"] == "91"
    page.locator("[data-testid='stRadio']").get_by_text("Event type", exact=True).click()
    page.wait_for_function("location.search.includes('color=type')", timeout=30_000)
    wait_rerun(page)
    shot(page, "play-stepped-colour-by-type", full_page=True)


def test_embed_view(curated_app, page):
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(curated_app.url + "/?embed=true&color=type")
    wait_ready(page)
    wait_map(page)
    assert not _sidebar_visible(page)
    assert page.locator("[data-testid='stSidebarCollapsedControl'], [data-testid='stExpandSidebarButton']").filter(
        has=page.locator(":visible")).count() == 0 or not page.locator("[data-testid='stExpandSidebarButton']").is_visible()
    _box(page, 'iframe[title="streamlit_folium.st_folium"]')
    _box(page, "[data-testid='stVegaLiteChart']")
    assert "Share or embed" not in page.locator("[data-testid='stMain']").inner_text()
    shot(page, "embed-view")


def _open_choropleth(page, url: str, level: str):
    """The map page with areas filled by level, at 1440x900, once its areas are drawn: its map frame."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{url}/?layer={level}")
    wait_ready(page)
    frame = map_frame(page)
    frame.locator(".leaflet-overlay-pane path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(800)
    return frame


def test_choropleth_by_district_and_a_click_on_an_area(curated_app, page):
    frame = _open_choropleth(page, curated_app.url, "district")
    filled = frame.locator(".leaflet-overlay-pane path.leaflet-interactive[fill-opacity='0.7']")
    assert filled.count() >= 1  # districts with events are filled
    assert "Districts: events" in page.locator("[data-testid='stMain']").inner_text()
    shot(page, "choropleth-districts")
    filled.first.click(force=True)
    page.wait_for_function("document.body.innerText.includes('fatalities (best estimates) in the filtered set')",
                           timeout=30_000)
    page.wait_for_function("location.search.includes('area=SY')", timeout=30_000)  # the click filtered


def test_clicking_a_governorate_filters_to_it(curated_app, curated_ds, page):
    """A click on Aleppo governorate on the choropleth: the URL gets area=SY02, the counts follow,
    the sidebar shows the area's name as a removable chip, the map is not remounted, and the
    address reproduces the filter in a new page."""
    from events.engine import engine_of
    from events.filters import Filters

    want = engine_of(curated_ds).count(Filters(areas=("SY02",)))
    total = len(curated_ds.events)
    assert 0 < want < total
    frame = _open_choropleth(page, curated_app.url, "governorate")
    assert sidebar_count(page) == (total, total)
    lf = leaflet_frame(page)
    lf.evaluate("window.__mounted = 'yes'")  # gone if the component's frame were rebuilt
    # Aleppo city, where the map puts it (inside Aleppo governorate's polygon)
    pt = lf.evaluate("(() => { const p = window.map.latLngToContainerPoint([36.20, 37.15]); return [p.x, p.y]; })()")
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
    page.wait_for_function("location.search.includes('area=SY02')", timeout=30_000)
    wait_rerun(page)
    page.wait_for_function(f"document.body.innerText.includes('{want} of {total} events')", timeout=30_000)
    assert sidebar_count(page) == (want, total)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text("Aleppo governorate").count() >= 1  # the chip, by name
    assert leaflet_frame(page).evaluate("window.__mounted") == "yes"  # the same map, not remounted
    q = _query(page)
    assert q["area"] == "SY02" and q["layer"] == "governorate"
    shot(page, "area-clicked-aleppo")
    # The address alone reproduces it.
    page.goto(page.url)
    wait_ready(page)
    page.wait_for_function(f"document.body.innerText.includes('{want} of {total} events')", timeout=30_000)


def test_play_advances_the_window_and_pause_keeps_it(curated_app, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/?win=91")
    wait_ready(page)
    wait_map(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("location.search.includes('to=')", timeout=30_000)
    first = _query(page)["to"]
    # The fragment's timer moves the window on its own (no click) ...
    page.wait_for_function(f"location.search.includes('from=') && !location.search.includes('to={first}')",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    wait_rerun(page)
    paused = _query(page)
    page.wait_for_timeout(4000)  # ... and stops when paused: the address keeps that window
    assert _query(page) == paused and "from" in paused
    shot(page, "play-paused")


def test_copy_link_button_copies_the_view_url(curated_app, page):
    """The "Copy link" button (pages/ui/copylink.js) with clipboard permissions granted: the
    clipboard then holds this view's address, which reproduces the view; a visible "Copied"."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=curated_app.url)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/?status=denied&color=type")
    wait_ready(page)
    wait_map(page)
    button = page.get_by_role("button", name="Copy link")
    button.wait_for(state="visible", timeout=30_000)
    button.click()
    page.get_by_text("Copied", exact=False).first.wait_for(state="visible", timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url, (copied, page.url)  # absolute, the address of this very view
    q = {k: v[-1] for k, v in parse_qs(urlsplit(copied).query).items()}
    assert q["status"] == "denied" and q["color"] == "type"
    assert page.get_by_role("button", name="Copied ✓").is_visible()
    shot(page, "copy-link-copied")
    # The copied address, opened anew, gives the same view.
    page.goto(copied)
    wait_ready(page)
    assert sidebar_count(page)[0] < sidebar_count(page)[1]


def test_copy_link_falls_back_to_a_selected_link_when_the_clipboard_is_refused(curated_app, page):
    # A browser that refuses the Clipboard API (a permission denied, plain http): the link is shown, selected.
    page.add_init_script("""Object.defineProperty(navigator, 'clipboard', {configurable: true,
        value: {writeText: () => Promise.reject(new DOMException('refused', 'NotAllowedError'))}});""")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(curated_app.url + "/?type=air_strike")
    wait_ready(page)
    wait_map(page)
    page.get_by_role("button", name="Copy link").click()
    field = page.get_by_role("textbox", name="Link to this view")
    field.wait_for(state="visible", timeout=10_000)
    assert field.input_value() == page.url
    selected = field.evaluate("el => el.value.substring(el.selectionStart, el.selectionEnd)")
    assert selected == page.url  # selected, ready for Ctrl+C
    status = page.locator(".cm-copy-status").first.inner_text()
    assert "Copied" in status or "Ctrl+C" in status, status
    shot(page, "copy-link-fallback")
