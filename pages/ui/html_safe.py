"""Escaping for every data string that reaches HTML or Markdown (GUIDE §2).

- ``safe(s)``: for HTML (folium tooltips/popups/divIcons, st.html, the legend). ``html.escape``
  plus the backtick and ``$``, because folium puts popups and tooltips inside JS template literals
  where ``${...}`` would run.
- ``md(s)``: for Streamlit Markdown (labels, captions, st.markdown): backslash-escapes every ASCII
  punctuation character, so ``**``, ``[x](javascript:...)``, ``$`` maths, ``:red[...]`` and raw
  HTML all show as the literal text.
- ``safe_lines(s)``: ``safe`` with line breaks as ``<br>``, so text put into an HTML block in
  Markdown never contains a blank line (which would end the HTML block and let Markdown parse
  the rest).
"""
from __future__ import annotations

import html
import re
import string

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def safe(s: object) -> str:
    """HTML-escape ``s`` (quotes included), plus backtick and dollar sign."""
    if s is None:
        return ""
    return html.escape(str(s), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def safe_lines(s: object) -> str:
    """``safe(s)`` with every line break as ``<br>``."""
    text = safe(s).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n", "<br>", text)


def md(s: object) -> str:
    """Escape ``s`` for Streamlit Markdown: every ASCII punctuation character gets a backslash;
    line breaks become spaces (labels and captions are one line)."""
    if s is None:
        return ""
    text = re.sub(r"\s+", " ", str(s)).strip()
    return _MD_SPECIAL.sub(r"\\\1", text)
