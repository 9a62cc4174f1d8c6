"""Share and embed: the address of the current view (filters, selected event, colour, window) and
an ``<iframe>`` snippet of its embedded view (``&embed=true``: map, legend and time histogram, no
sidebar).

"Copy link" is a small st.components.v2 component (copylink.js + copylink.css, read from their
files): a real button that copies the text it is given with the Clipboard API, says "Copied", and
when the browser refuses shows the text selected for Ctrl+C. It sends nothing back (no rerun).
The expander shows the link and the embed snippet with the same component (`show=True`), not
st.code: st.code's syntax highlighter is a 1.5 MB script that every reader of the map page would
download and run before the map appears (about 0.3 s of a first map; benchmarks/e2e.py)."""
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


def copy_button(text: str, *, key: str = "copy-link", label: str = "Copy link", show: bool = False,
                link: bool = True, what: str = "the link to this view") -> None:
    """A button that copies `text` (text only: the script sets it as a value, never as HTML).
    `show`: the text is shown above the button; `link`: a relative address is copied whole;
    `what` names the text in the button's messages ("Copied: <what> is on your clipboard")."""
    _copy_component()(data={"text": text, "label": label, "show": show, "link": link, "what": what}, key=key)


def render(view: state.View) -> None:
    url = view_url()
    copy_button(url)
    with st.expander("Share or embed this view", icon=":material/share:"):
        st.caption("Link to this map with these filters, colours and dates:")
        copy_button(url, key="share-link", label="Copy", show=True)
        st.caption("Embed on a web page: the map, its legend and the time histogram, without the sidebar.")
        copy_button(iframe_snippet(view_url(embed=True)), key="share-embed", label="Copy embed code", show=True,
                    link=False, what="the embed code")
