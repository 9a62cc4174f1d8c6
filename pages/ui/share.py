"""Share and embed: the address of the current view (filters, selected event, colour, window) and
an ``<iframe>`` snippet of its embedded view (``&embed=true``: map, legend and time histogram, no
sidebar).

"Copy link" is a small st.components.v2 component (copylink.js + copylink.css, read from their
files): a real button that copies the URL it is given with the Clipboard API, says "Copied", and
when the browser refuses shows the link selected for Ctrl+C. It sends nothing back (no rerun).
The expander keeps the link and the snippet in st.code blocks too."""
from __future__ import annotations

import functools
from pathlib import Path
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


_HERE = Path(__file__).parent


@functools.cache
def _copy_component():
    # Registered once per process (a second registration under the same name logs a warning).
    return st.components.v2.component(
        "conflict_map_copy_link",
        js=(_HERE / "copylink.js").read_text(encoding="utf-8"),
        css=(_HERE / "copylink.css").read_text(encoding="utf-8"),
    )


def copy_button(url: str, *, key: str = "copy-link", label: str = "Copy link") -> None:
    """The "Copy link" button for `url` (text only: the script sets it as a value, never as HTML)."""
    _copy_component()(data={"url": url, "label": label}, key=key)


def render(view: state.View) -> None:
    url = view_url()
    copy_button(url)
    with st.expander("Share or embed this view", icon=":material/share:"):
        st.caption("Link to this map with these filters, colours and dates:")
        st.code(url, language=None, wrap_lines=True)
        st.caption("Embed on a web page: the map, its legend and the time histogram, without the sidebar.")
        st.code(iframe_snippet(view_url(embed=True)), language="html", wrap_lines=True)
