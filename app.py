"""Conflict-event map: `streamlit run app.py`.

The entry point of a multipage app: page config, the offline map assets, the active dataset,
the sidebar filters shared by every page (mirrored to the URL), then the chosen page.
"""
from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="Conflict event map",
    page_icon=":material/map:",
    layout="wide",
    initial_sidebar_state="expanded",
)

from pages.ui import assets, panel, state  # noqa: E402
from pages.ui.datasets import active_dataset  # noqa: E402


@st.cache_resource(show_spinner=False)
def _offline_assets() -> str:
    """Copy Leaflet, Leaflet.markercluster and jQuery into static/vendor once per process."""
    return str(assets.ensure_vendor_assets())


try:
    _offline_assets()
except Exception as exc:  # noqa: BLE001 - the other pages still work without the map assets
    st.error(f"Could not prepare the offline map files in static/vendor: {exc}")

PAGES = {
    "map": st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    "table": st.Page("pages/table.py", title="Table", icon=":material/table_rows:", url_path="table"),
    "timeline": st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
    "sources": st.Page("pages/sources.py", title="Sources", icon=":material/article:", url_path="sources"),
    "about": st.Page("pages/about.py", title="About", icon=":material/info:", url_path="about"),
}
page = st.navigation(list(PAGES.values()))
page_name = next((k for k, p in PAGES.items() if p.url_path == page.url_path), "map")

ds = active_dataset()
state.setup(ds, page=page_name)
panel.inject_css()
state.show_notices()
page.run()
