"""The app shell: page config, offline assets, navigation, the active dataset and the shared
sidebar filters, then the chosen page. ``app.py`` calls ``run_app()``.

Why pages call ``page_view()`` first: because the pages live in a folder named ``pages/``,
Streamlit starts in its legacy multipage mode, in which a request for ``/table`` runs
``pages/table.py`` directly, without app.py, until some session has called ``st.navigation``
(the first request after a server start, and every AppTest run). ``page_view()`` notices that
the shell is not running and runs it instead, so every page always gets the shared sidebar,
dataset and URL state.
"""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from events.store import Unreadable

from .html_safe import md

_local = threading.local()
FAVICON = Path(__file__).with_name("favicon.png")


def active() -> bool:
    """True while run_app() is running in this script thread."""
    return getattr(_local, "depth", 0) > 0


@st.cache_resource(show_spinner=False)
def _offline_assets() -> str:
    """Copy Leaflet, Leaflet.markercluster and jQuery into static/vendor once per process."""
    from . import assets

    return str(assets.ensure_vendor_assets())


PAGE_SPECS = (
    # key, file, title, icon, url_path
    ("map", "pages/map.py", "Map", ":material/map:", None),
    ("table", "pages/table.py", "Table", ":material/table_rows:", "table"),
    ("timeline", "pages/timeline.py", "Timeline", ":material/timeline:", "timeline"),
    ("sources", "pages/sources.py", "Sources", ":material/article:", "sources"),
    ("about", "pages/about.py", "About", ":material/info:", "about"),
)
# Registered only when curation is on (CONFLICT_MAP_CURATE=1, a local setting): otherwise the page
# does not exist, and /curate falls back to the map like any unknown page.
CURATE_SPEC = ("curate", "pages/curate.py", "Curate", ":material/edit_note:", "curate")


def page_specs() -> tuple:
    from events import curate  # noqa: PLC0415

    return PAGE_SPECS + ((CURATE_SPEC,) if curate.enabled() else ())


EMBED_CSS = Path(__file__).with_name("embed.css")
LAYOUT_CSS = Path(__file__).with_name("layout.css")


def run_app() -> None:
    from . import footer, panel, state  # noqa: PLC0415

    embed = state.embedded()
    st.set_page_config(
        page_title="Conflict event map",
        page_icon=str(FAVICON),  # a local file: a :material/...: icon would be fetched from the internet
        layout="wide",
        # "auto": open beside the map on a wide screen, collapsed on a phone so the map shows on
        # arrival; an embedded view (?embed=true) has no sidebar at all.
        initial_sidebar_state="collapsed" if embed else "auto",
    )
    from . import logs  # noqa: PLC0415

    st.html(LAYOUT_CSS)
    if embed:  # the filters still come from the address; their widgets are not shown
        st.html(EMBED_CSS)
    from .datasets import active_dataset  # noqa: PLC0415

    logs.setup()  # once per process: imports and unreadable files are logged with their file

    try:
        _offline_assets()
    except Exception as exc:  # noqa: BLE001 - the other pages still work without the map assets
        st.error(f"Could not prepare the offline map files in static/vendor: {exc}")

    pages = {
        key: st.Page(path, title=title, icon=icon, default=(key == "map"), **({"url_path": url} if url else {}))
        for key, path, title, icon, url in page_specs()
    }
    if embed:  # an embed is the map page alone
        pages = {"map": pages["map"]}
    page = st.navigation(list(pages.values()), position="hidden" if embed else "sidebar")
    page_name = next((k for k, p in pages.items() if p.url_path == page.url_path), "map")

    from . import memory  # noqa: PLC0415

    memory.note_run()
    memory.start_janitor()
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        ds = active_dataset()
        state.setup(ds, page=page_name)
        panel.inject_css()
        state.show_notices()
        try:
            page.run()
        except Unreadable as exc:
            # A large stored dataset's frames load in the background (store.open_dataset): a damaged
            # file shows here, named, when a page first needs it; the store has logged it.
            st.error(f"Could not read the dataset's file {md(str(exc))}. Choose another dataset, or "
                     "re-import it with `python -m events import`.", icon=":material/error:")
        if not embed:  # an embed is the map, its legend and the histogram (the map keeps its credits)
            footer.render(ds)  # pages never st.stop(), so every page gets it
        from .datasets import dataset_info  # noqa: PLC0415

        memory.settle(ds, shared=dataset_info().get("origin") in ("curated", "stored"))
    finally:
        _local.depth -= 1


def page_view():
    """The shared View for a page; runs the shell first if Streamlit ran the page on its own."""
    if not active():
        run_app()
        st.stop()
    from . import state  # noqa: PLC0415

    return state.view()
