"""Fixtures of the real-browser tests (see harness.py): one `streamlit run` per data folder for
the session, one Chromium, and a fresh offline page per test."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, ROOT, SCREENSHOTS, VIEWPORT, AppServer, unavailable


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def curated_dir():
    """The data the main browser tests use: events/data (BROWSER_TEST_DATA_DIR overrides, for debugging)."""
    d = os.environ.get("BROWSER_TEST_DATA_DIR")
    return Path(d).resolve() if d else None


@pytest.fixture(scope="session")
def curated_ds():
    from events.load import load_curated

    return load_curated(curated_dir())


@pytest.fixture(scope="session")
def curated_app(chromium_path):
    """The app on the curated data (events/data)."""
    server = AppServer(curated_dir(), "curated").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fixture_app(chromium_path):
    """The app on the test fixture with hostile strings (tests/fixtures/app)."""
    server = AppServer(ROOT / "tests" / "fixtures" / "app", "fixture").start()
    yield server
    server.stop()


@pytest.fixture()
def page(browser):
    """A fresh page whose requests to any host but this machine are aborted."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    blocked: list[str] = []

    def route(r):
        host = urlsplit(r.request.url).hostname or ""
        if host in LOCAL_HOSTS or r.request.url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.blocked = blocked  # type: ignore[attr-defined]
    pg.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(d):
        pg.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


@pytest.fixture(autouse=True, scope="session")
def _clean_screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    yield
