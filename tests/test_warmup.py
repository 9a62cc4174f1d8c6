"""The server process is warmed before its first reader (pages/ui/warmup.py): app.py serves an
st.App whose lifespan imports the map's modules, opens the datasets and asks their engines the
map's first questions. The warm-up runs in fresh interpreters here, as it does in a new server."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from events import store
from events.importers import import_csv
from pages.ui import warmup

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


def _python(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh interpreter at the repository's root; its last stdout line is JSON."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    full.update(env or {})
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_streamlit_run_finds_the_st_app_of_app_py_with_the_warm_up():
    # `streamlit run app.py` serves an ASGI app when it finds one (by reading the file); imported as
    # a module (not __main__, as a session runs it), app.py builds that App with the warm-up.
    facts = _python(
        "import json, runpy, sys\n"
        "from pathlib import Path\n"
        "from streamlit.web.server.app_discovery import discover_asgi_app\n"
        "found = discover_asgi_app(Path('app.py'))\n"
        "g = runpy.run_path('app.py', run_name='app')\n"
        "import pages.ui.warmup as w\n"
        "print(json.dumps({'asgi': found.is_asgi_app, 'name': found.app_name,\n"
        "                  'type': type(g['app']).__name__, 'lifespan': g['app']._user_lifespan is w.lifespan,\n"
        "                  'shell_ran': 'pages.ui.shell' in sys.modules}))")
    assert facts == {"asgi": True, "name": "app", "type": "App", "lifespan": True, "shell_ran": False}


@pytest.fixture
def stored(tmp_path):
    ds, report = import_csv(GED, name="GED sample")
    return store.save_dataset(ds, tmp_path, report=report, slug="ged-sample")


WARM_THEN_CHECK = """
import json, sys
from events import store
from events.filters import Filters
from pages.ui import datasets, rendercache, warmup
done = warmup.warm()
path = store.list_datasets()[0].path
# What a reader's first run asks next must now come from the caches: the dataset opened, its
# counts and where its map opens answered. Anything recomputed would fail here.
def refuse(*a, **k):
    raise AssertionError("computed again after the warm-up")
store.open_dataset = refuse
ds = datasets.load_stored_cached(str(path), datasets._stamp(path))
engine = datasets.engine_of(ds)
engine.counts = refuse
import pages.ui.mapview as mv
mv.home_view = refuse
kept, located = engine.totals(Filters())
home = rendercache.home_of(engine, Filters())
print(json.dumps({"done": done, "kept": kept, "located": located, "n": engine.n_events,
                  "home": list(map(list, home.bounds)),
                  "folium": "folium.plugins" in sys.modules, "duckdb": "duckdb" in sys.modules,
                  "st_folium": "streamlit_folium" in sys.modules}))
"""


def test_warm_opens_the_datasets_and_answers_a_new_readers_first_questions(stored):
    facts = _python(WARM_THEN_CHECK, {store.ENV: str(stored.parent)})
    assert facts["done"]["datasets"] == ["Curated events", "GED sample"]
    assert facts["kept"] == facts["n"] == 1000 and 0 < facts["located"] <= 1000
    # Where the map opens is what the page would compute (here, in this process).
    from events.filters import Filters
    from pages.ui.mapview import home_view

    expected = home_view(store.open_dataset(stored).engine, Filters())
    assert facts["home"] == [list(p) for p in expected.bounds]
    assert facts["folium"] and facts["duckdb"]
    # Imported outside a script run, streamlit-folium's component would not be registered with
    # the runtime and every map would be a 404: the warm-up leaves it to the first run.
    assert facts["st_folium"] is False


def test_a_damaged_dataset_is_logged_and_the_others_are_warmed(tmp_path, stored):
    ds, report = import_csv(GED, name="GED damaged")
    damaged = store.save_dataset(ds, stored.parent, report=report, slug="ged-damaged")
    events = damaged / "events.parquet"
    events.write_bytes(events.read_bytes()[: events.stat().st_size // 2])
    out = subprocess.run(
        [sys.executable, "-c", "import json; from pages.ui import warmup; print(json.dumps(warmup.warm()))"],
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")},
                       store.ENV: str(stored.parent)}, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["datasets"] == ["Curated events", "GED sample"]
    assert "warm-up: could not open the dataset in" in out.stderr and "ged-damaged" in out.stderr


def _lifespan_once() -> None:
    """Enter and leave the lifespan as the server does, on an event loop of its own (in a thread:
    the browser tests' Playwright keeps a loop running in this one)."""
    async def go():
        async with warmup.lifespan(None):
            return "served"

    out: dict = {}

    def run():
        try:
            out["value"] = asyncio.run(go())
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            out["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    if "error" in out:
        raise out["error"]
    assert out.get("value") == "served"


def test_the_lifespan_warms_once_and_serves(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "warm", lambda: calls.append(1) or {"imports_s": 0.0})
    monkeypatch.delenv(warmup.ENV, raising=False)
    _lifespan_once()
    assert calls == [1]


def test_the_lifespan_serves_even_when_the_warm_up_fails(monkeypatch):
    def broken():
        raise OSError("disk gone")
    monkeypatch.setattr(warmup, "warm", broken)
    monkeypatch.delenv(warmup.ENV, raising=False)
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger = logging.getLogger("pages.ui.warmup")
    logger.addHandler(handler)
    try:
        _lifespan_once()
    finally:
        logger.removeHandler(handler)
    assert [(r.levelno, r.getMessage()) for r in seen] == [(logging.ERROR, "warm-up failed; the first reader will wait longer")]
    assert "disk gone" in str(seen[0].exc_info[1])


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_conflict_map_warm_0_turns_it_off(monkeypatch, value):
    monkeypatch.setattr(warmup, "warm", lambda: pytest.fail("warmed although turned off"))
    monkeypatch.setenv(warmup.ENV, value)
    _lifespan_once()
