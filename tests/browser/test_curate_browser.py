"""Real browser: the Curate page with CONFLICT_MAP_CURATE=1 on a temp copy of the curated data.
Paste an article, propose, accept a claim, a place and a date, add an excerpt from the archived
text, fill the event, see the diff, save; the new event is on the map with its excerpts. With
curation off (the shared curated app), /curate does not exist.

Screenshots: test-output/screenshots/curate-*.png — look at them.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from harness import AppServer, event_ids_on_map, shot, wait_map, wait_ready, wait_rerun
from events.curate import extract
from events.load import DEFAULT_DATA_DIR, read_data_dir

pytestmark = pytest.mark.browser

ARTICLE = (DEFAULT_DATA_DIR / "sources" / "moscow-times-2015-10-20-servicemen-deaths-denied.txt").read_text()
SOURCE_ID = "moscow-times-2015-10-20-officials-deny-copy"
EVENT_ID = "latakia-deaths-curated-in-browser"


@pytest.fixture(scope="module")
def curate_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("curate") / "data"
    shutil.copytree(DEFAULT_DATA_DIR, d, ignore=shutil.ignore_patterns("imported", "README.md"))
    return d


@pytest.fixture(scope="module")
def curate_app(chromium_path, curate_data):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONFLICT_MAP_CURATE", "1")  # read by the server process at start
        server = AppServer(curate_data, "curate").start()
    yield server
    server.stop()


def key(page, k: str):
    return page.locator(f".st-key-{k}")


def type_in(page, k: str, value: str, submit: str = "Enter") -> None:
    box = key(page, k).locator("input, textarea").first
    box.fill(value)
    box.press(submit)
    wait_rerun(page)


def choose(page, k: str, option_text: str, typed: str | None = None) -> None:
    """Open a select box, type to filter (long lists are virtualised), pick the option."""
    key(page, k).get_by_test_id("stSelectbox").click()
    page.keyboard.type(typed or option_text[:24])
    page.get_by_role("option", name=option_text).first.click()
    wait_rerun(page)


def set_date(page, k: str, value: str) -> None:
    """Set a date field (an <input type="date"> in this Streamlit, else the picker's text field)."""
    box = key(page, k).locator("input").first
    if box.get_attribute("type") == "date":
        box.fill(value)
    else:
        box.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(value.replace("-", "/"), delay=30)
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # leave the field: the value is committed
    wait_rerun(page)


def click(page, k: str) -> None:
    key(page, k).locator("button").first.click()
    wait_rerun(page)


def test_curation_off_has_no_curate_page(curated_app, page):
    page.goto(curated_app.url + "/curate")
    wait_ready(page)
    body = page.get_by_test_id("stApp").inner_text()
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "About" in nav and "Curate" not in nav  # the navigation is there, without a Curate page
    assert "Archived source" not in body and "Check and save" not in body
    assert not page.locator("[class*='st-key-cur_']").count()


def test_curate_from_pasted_article_to_the_map(curate_app, curate_data, page):
    before = {p.relative_to(curate_data).as_posix() for p in curate_data.rglob("*") if p.is_file()}
    page.goto(curate_app.url + "/curate")
    wait_ready(page)
    page.get_by_text("1. Source").wait_for(state="visible", timeout=30_000)
    type_in(page, "cur_src_text", ARTICLE, submit="Control+Enter")
    choose(page, "cur_src_outlet", "The Moscow Times [the-moscow-times]")
    type_in(page, "cur_src_title", "Russian Officials Deny Reports of Servicemen Deaths in Syria")
    set_date(page, "cur_src_published", "2015-10-20")
    type_in(page, "cur_src_id", SOURCE_ID)
    click(page, "cur_propose")
    page.get_by_text("Claims (").first.wait_for(state="visible", timeout=30_000)
    shot(page, "curate-proposals", full_page=True)

    actors = read_data_dir(curate_data).actors
    claims = extract.propose_claims(ARTICLE, extract.ActorFinder(actors), "the-moscow-times")
    i = next(i for i, p in enumerate(claims) if (p.claimant, p.stance) == ("sohr", "corroborates"))
    click(page, f"cur_acc_claim_{i}")
    i = next(i for i, p in enumerate(claims) if (p.claimant, p.stance) == ("russian-defence-ministry", "denies"))
    click(page, f"cur_acc_claim_{i}")
    places = extract.propose_places(ARTICLE, actors=extract.ActorFinder(actors))
    page.get_by_role("tab", name=f"Places ({len(places)})").click()
    click(page, f"cur_acc_place_{next(i for i, p in enumerate(places) if p.query == 'Latakia province')}")
    dates = extract.propose_dates(ARTICLE, dt.date(2015, 10, 20))
    page.get_by_role("tab", name=f"Dates ({len(dates)})").click()
    click(page, f"cur_acc_date_{next(i for i, d in enumerate(dates) if d.words == 'Tuesday')}")

    type_in(page, "cur_ev_id", EVENT_ID)
    type_in(page, "cur_ev_title", "Russians reported killed in Latakia (curated in a browser)")
    type_in(page, "cur_ev_summary", "SOHR's sources confirm deaths of Russians; the Ministry denies any.",
            submit="Control+Enter")
    choose(page, "cur_ev_type", "Shelling or missile attack")
    # a second excerpt for the first claim, picked from the archived text's sentences
    extra = "He did not give a figure of the alleged Russian casualties, the report said."
    k = page.locator("[class*='st-key-cur_cl_'][class*='_addsent']").first
    k.get_by_test_id("stSelectbox").click()
    page.keyboard.type(extra[:30])
    page.get_by_role("option", name=extra).first.click()
    wait_rerun(page)
    page.locator("[class*='st-key-cur_cl_'][class*='_addbtn'] button").first.click()
    wait_rerun(page)

    body = page.get_by_test_id("stApp").inner_text()
    assert "Valid: the same checks as" in body, body[-3000:]
    assert f"+++ b/events/{EVENT_ID}.yaml" in body  # the diff, before saving
    shot(page, "curate-before-save", full_page=True)
    click(page, "cur_save")
    page.get_by_text("Saved:").wait_for(state="visible", timeout=30_000)

    after = {p.relative_to(curate_data).as_posix() for p in curate_data.rglob("*") if p.is_file()}
    assert after - before == {f"events/{EVENT_ID}.yaml", f"sources/{SOURCE_ID}.yaml", f"sources/{SOURCE_ID}.txt"}
    r = read_data_dir(curate_data)
    assert r.problems == []
    ev = next(e for e in r.events if e.id == EVENT_ID)
    assert [(c.claimant, c.stance) for c in ev.claims] == [("sohr", "corroborates"), ("russian-defence-ministry", "denies")]
    assert ev.claims[0].excerpts[1] == extra

    page.goto(curate_app.url + f"/?event={EVENT_ID}")
    wait_ready(page)
    wait_map(page)
    assert EVENT_ID in event_ids_on_map(page)
    body = page.get_by_test_id("stApp").inner_text()
    assert "Russians reported killed in Latakia (curated in a browser)" in body
    assert "said his sources in the area had confirmed the deaths of Russians" in body
    assert "corroborated by Syrian Observatory for Human Rights; denied by Russian Defence Ministry" in body
    # offline: nothing but the optional online tile layer asked another host (and it was refused)
    assert all("tile.openstreetmap.org" in u for u in page.blocked), page.blocked
    shot(page, "curate-saved-event-on-map")
