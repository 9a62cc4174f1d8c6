"""Conflict-event map: `streamlit run app.py`.

A multipage app: the shell (pages/ui/shell.py) sets the page config, serves Leaflet & co. from
static/vendor (offline), loads the active dataset once, draws the sidebar filters shared by
every page (mirrored to the URL) and runs the chosen page from pages/.
"""
from pages.ui.shell import run_app

run_app()
