"""Share and embed: the address of the current view (filters, selected event, colour, window) and
an ``<iframe>`` snippet of its embedded view (``&embed=true``: map, legend and time histogram, no
sidebar). Both in st.code blocks, whose copy button copies them (Streamlit's own, no script of ours)."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from . import state
from .html_safe import safe


def view_url(embed: bool = False) -> str:
    """The current address (the app's root and the current query parameters)."""
    q = state.current_query()
    pairs = [(k, v) for k, vals in q.items() for v in vals]
    if embed:
        pairs.append(("embed", "true"))
    base = state.app_base_url() or "/"
    return f"{base}?{urlencode(pairs)}" if pairs else base


def iframe_snippet(url: str) -> str:
    return (f'<iframe src="{safe(url)}" width="100%" height="860" style="border:0" '
            f'title="Conflict event map" loading="lazy"></iframe>')


def render(view: state.View) -> None:
    with st.expander("Share or embed this view", icon=":material/share:"):
        st.caption("Copy link (the copy button at the right of the box): this map with these filters, "
                   "colours and dates.")
        st.code(view_url(), language=None, wrap_lines=True)
        st.caption("Embed on a web page: the map, its legend and the time histogram, without the sidebar.")
        st.code(iframe_snippet(view_url(embed=True)), language="html", wrap_lines=True)
