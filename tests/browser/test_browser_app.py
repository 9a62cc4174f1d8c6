"""Real-browser tests: streamlit run + Playwright + Debian's chromium, with no network.

Screenshots land in test-output/screenshots/ — look at them.
"""
from __future__ import annotations

import re

import pytest

from events.filters import Filters, apply_filters
from harness import (event_ids_on_map, leaflet_frame, map_frame, reveal_marker, shot, sidebar_count, wait_map,
                     wait_ready, wait_rerun)

pytestmark = pytest.mark.browser

TILE_HOSTS = ("tile.openstreetmap.org",)


def _located_ids(events) -> set[str]:
    return set(events.loc[events["lat"].notna() & events["lon"].notna(), "id"])


def _aleppo_hospital(ds):
    ids = [i for i in ds.events["id"] if "aleppo" in i and "hospital" in i]
    assert ids, "no Aleppo hospital event in the data"
    return ids[0]


def _panel_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _only_tiles_blocked(page) -> None:
    others = [u for u in page.blocked if not any(h in u for h in TILE_HOSTS)]
    assert not others, f"the app asked for files from the internet: {others[:5]}"


def _first_words(excerpt: str, n: int = 8) -> str:
    return " ".join(excerpt.split()[:n])


def test_map_shows_markers_offline_and_a_click_opens_the_aleppo_hospital(curated_app, curated_ds, page):
    page.goto(curated_app.url + "/")
    wait_ready(page)
    wait_map(page)
    frame = map_frame(page)
    located = _located_ids(curated_ds.events)
    assert located, "no event in the data has coordinates"
    assert set(event_ids_on_map(page)) == located
    # markers or clusters are visible; outlines drawn; the offline note shows as tiles are blocked
    assert frame.locator(".ev-icon, .ev-cluster").first.is_visible()
    assert frame.locator(".leaflet-overlay-pane path").count() >= 14
    frame.locator(".tiles-note").wait_for(state="visible", timeout=10_000)
    assert frame.locator(".ev-legend").is_visible()
    assert page.locator(".lg-strip").is_visible()  # the legend under the map
    _only_tiles_blocked(page)
    shot(page, "01-map")

    # Click the Aleppo hospital marker (zooming into its cluster first, as a user would).
    eid = _aleppo_hospital(curated_ds)
    marker = reveal_marker(page, eid)
    marker.click()
    wait_rerun(page)
    page.wait_for_url(re.compile(rf"[?&]event={re.escape(eid)}"), timeout=10_000)
    text = _panel_text(page)
    assert curated_ds.event(eid)["title"] in text
    flat = " ".join(text.split())
    for excerpts in curated_ds.claims_of(eid)["excerpts"]:
        for ex in excerpts:
            assert _first_words(ex) in flat, ex
    _only_tiles_blocked(page)
    shot(page, "02-aleppo-hospital-clicked")


def test_link_with_status_and_from_reproduces_the_filtered_view(curated_app, curated_ds, page):
    statuses = ("denied", "disputed")
    date_from = "2016-01-01"
    f = Filters(statuses=statuses, date_from=__import__("datetime").date.fromisoformat(date_from))
    expected = apply_filters(curated_ds, f).events
    page.goto(f"{curated_app.url}/?status=denied&status=disputed&from={date_from}")
    wait_ready(page)
    wait_map(page)
    assert sidebar_count(page) == (len(expected), len(curated_ds.events))
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Denied" in sidebar and "Disputed" in sidebar
    assert page.locator("[data-testid='stSidebar'] [data-testid='stDateInput'] input").first.input_value() == "2016-01-01"
    assert set(event_ids_on_map(page)) == _located_ids(expected)
    assert "status=denied" in page.url and "from=2016-01-01" in page.url
    shot(page, "03-link-status-from")
    # the same view on another page: the parameters follow
    page.locator("[data-testid='stSidebarNav'] a", has_text="Table").click()
    wait_rerun(page)
    assert "/table" in page.url and "status=denied" in page.url and "from=2016-01-01" in page.url
    assert sidebar_count(page) == (len(expected), len(curated_ds.events))
    shot(page, "04-table-same-filters")


def test_event_link_opens_that_event_and_bad_parameters_give_a_notice(curated_app, curated_ds, page):
    eid = _aleppo_hospital(curated_ds)
    page.goto(f"{curated_app.url}/?event={eid}&status=bogus&from=2016-99-99&actor=Nobody+At+All")
    wait_ready(page)
    wait_map(page)
    text = _panel_text(page)
    assert curated_ds.event(eid)["title"] in text
    assert "Link to this event" in text
    link = page.locator("pre.cm-copy-text").first.inner_text()  # shown by the copy component (pages/ui/copylink.js)
    assert link.startswith(curated_app.url) and f"event={eid}" in link, link
    assert page.get_by_role("button", name="Copy event link").is_visible()
    ex = curated_ds.claims_of(eid)["excerpts"].iloc[0][0]
    assert _first_words(ex) in " ".join(text.split())
    notice = page.locator("[data-testid='stAlert']").first.inner_text()
    assert "bogus" in notice and "2016-99-99" in notice and "Nobody At All" in notice
    assert "status=" not in page.url and "from=" not in page.url  # dropped from the address too
    assert sidebar_count(page) == (len(curated_ds.events), len(curated_ds.events))
    # the selected event is ringed on the map
    frame = leaflet_frame(page)
    assert frame.evaluate("() => document.querySelectorAll('path[stroke=\"#111827\"]').length") >= 1
    shot(page, "05-event-link-with-bad-parameters")


def test_hostile_strings_do_not_run(fixture_app, page):
    page.goto(f"{fixture_app.url}/?event=hostile-title")
    wait_ready(page)
    wait_map(page)
    title = page.title()
    marker = reveal_marker(page, "hostile-title")
    marker.hover()
    page.wait_for_timeout(600)
    tooltip = map_frame(page).locator(".leaflet-tooltip-pane").inner_text()
    assert "<img src=x onerror=alert(1)>" in tooltip  # shown as text
    main = _panel_text(page)
    assert "<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))" in main
    assert "<b>shelling</b> hit the ${district} at dawn." in main
    shot(page, "07-hostile-fixture")
    page.locator("[data-testid='stSidebarNav'] a", has_text="Sources").click()
    wait_rerun(page)
    page.wait_for_timeout(500)
    assert not page.dialogs, page.dialogs
    assert page.title() == title
    expander = page.locator("[data-testid='stExpander']", has_text="Hostile")
    expander.locator("summary").click()
    mark = expander.locator("mark.ex").first
    mark.wait_for(state="visible", timeout=10_000)
    assert "<b>shelling</b> hit the ${district} at dawn." in " ".join(mark.inner_text().split())
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert not page.dialogs and page.title() == title
    _only_tiles_blocked(page)
    shot(page, "08-hostile-sources", full_page=True)
