"""Conflict-event map: `streamlit run app.py`.

A multipage app: the shell (pages/ui/shell.py) sets the page config, serves Leaflet & co. from
static/vendor (offline), loads the active dataset once, draws the sidebar filters shared by
every page (mirrored to the URL) and runs the chosen page from pages/.

This file plays two parts:
- every reader's session runs it as its script (Streamlit names it ``__main__``): the app;
- `streamlit run app.py` finds ``app = st.App(...)`` below, imports this file as a module and serves
  that App, whose lifespan warms the process before the first reader (pages/ui/warmup.py).
"""
if __name__ == "__main__":
    from pages.ui.shell import run_app

    run_app()
else:
    import streamlit as st

    from pages.ui.warmup import lifespan

    app = st.App(__file__, lifespan=lifespan)
