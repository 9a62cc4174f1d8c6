"""Warm the server process before it takes its first reader.

Why: the first run of a fresh process imports folium and its plugins, DuckDB, streamlit-folium
and Altair, opens the dataset and asks its query engine the map's first questions: about a second
that only the first reader after a server start would wait (benchmarks/e2e.py's
``first_map_s``), on top of what every reader waits. `streamlit run app.py` serves app.py's
``st.App``, whose lifespan runs `warm()` once, after Streamlit's runtime has started and before
the server accepts a connection: the health check answers when the process is warm.

What it does, each step a cache the first run would otherwise fill:
- imports the modules a first run imports (the map page's, the panel's, the histogram's), and
  makes Streamlit's own once-per-process check of its first element;
- opens the curated events and the newest stored imports, as many as their shared cache keeps
  (pages/ui/datasets.py, ``st.cache_resource``): the reader's run then finds them open;
- asks each engine what a new reader's map asks first, through the same caches (the counts of the
  unfiltered set, where the map opens: events.engine.Engine.totals,
  pages/ui/rendercache.home_of).

Nothing here writes a file but static/vendor's offline map assets, which the first run writes
anyway (pages/ui/assets). A failure is logged and never stops the server: the first reader then
pays what it would have paid. ``CONFLICT_MAP_WARM=0`` turns it off (to measure a cold process)."""
from __future__ import annotations

import contextlib
import logging
import os
import time

log = logging.getLogger(__name__)

ENV = "CONFLICT_MAP_WARM"


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _imports() -> None:
    # The modules a first run imports beyond the shell's (the order is not significant).
    import altair  # noqa: F401  (the histogram's; imported after the map by the page)
    import duckdb  # noqa: F401
    import folium  # noqa: F401
    import folium.plugins  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import pyproj  # noqa: F401  (the uncertainty circles')
    # Not streamlit_folium: its component is registered with the runtime only when it is imported
    # inside a script run (streamlit.components.v1.declare_component), so imported here the map's
    # component would be missing (a 404) for every session. Its own import is ~30 ms.

    from . import mapview, panel, rendercache, share, tableview, timebar  # noqa: F401
    from .mapview import areas, overlay  # noqa: F401


def _streamlit_once() -> None:
    # Streamlit's first element in a process checks once whether it runs in a Python REPL, with
    # inspect.stack(): in a script run that reads the source of every frame (~0.1 s of the first
    # reader's run). Called here, the check is done. A private function: skipped if a later
    # Streamlit has none.
    from streamlit import delta_generator

    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if callable(check):
        check()


def _datasets() -> list:
    """The curated dataset and the newest stored imports (as many as the shared cache keeps)."""
    from events import store

    from . import datasets

    opened = [datasets.curated_dataset()]
    stored = sorted(store.list_datasets(), key=lambda d: d.imported_at or "", reverse=True)
    for d in stored[:datasets.STORED_KEPT]:
        try:
            opened.append(datasets.load_stored_cached(str(d.path), datasets._stamp(d.path)))
        except Exception as exc:  # noqa: BLE001 - a broken folder is reported to its readers by the picker
            log.warning("warm-up: could not open the dataset in %s: %s", d.path, exc)
    return opened


def _first_questions(ds) -> None:
    from events.filters import Filters

    from . import memory, rendercache
    from .datasets import engine_of

    engine = engine_of(ds)
    engine.totals(Filters())
    rendercache.home_of(engine, Filters())
    memory.settle(ds, shared=True)


def warm() -> dict:
    """Run the steps above; returns what was done and how long each step took (seconds)."""
    from .shell import _offline_assets

    done: dict = {}
    t = time.perf_counter()
    _offline_assets()
    _imports()
    _streamlit_once()
    done["imports_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    opened = _datasets()
    done["datasets"] = [ds.name for ds in opened]
    for ds in opened:
        try:
            _first_questions(ds)
        except Exception as exc:  # noqa: BLE001 - a damaged file surfaces to its readers, named
            log.warning("warm-up: %s: %s", ds.name, exc)
    done["datasets_s"] = round(time.perf_counter() - t, 2)
    return done


@contextlib.asynccontextmanager
async def lifespan(_app):
    """st.App's lifespan: warm the process, then serve."""
    if enabled():
        import asyncio

        from . import logs

        logs.setup()
        t = time.perf_counter()
        # The shared caches' spinners have no session to show in here: not worth a warning each.
        quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            done = await asyncio.to_thread(warm)
            log.info("warm-up in %.2f s: %s", time.perf_counter() - t, done)
        except Exception:  # noqa: BLE001 - never stop the server for it
            log.exception("warm-up failed; the first reader will wait longer")
        finally:
            quiet.setLevel(level)
    yield
