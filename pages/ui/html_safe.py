"""Escaping for every data string that reaches HTML or Markdown (GUIDE §2).

- ``safe(s)``: for HTML (folium tooltips/popups/divIcons, st.html, the legend). ``html.escape``
  plus the backtick and ``$``, because folium puts popups and tooltips inside JS template literals
  where ``${...}`` would run.
- ``md(s)``: for Streamlit Markdown (labels, captions, st.markdown): backslash-escapes every ASCII
  punctuation character, so ``**``, ``[x](javascript:...)``, ``$`` maths, ``:red[...]`` and raw
  HTML all show as the literal text.
- Every one closes any right-to-left override or isolate a string leaves open (``close_bidi``), so
  data cannot reverse the app's text that follows it.
- ``safe_lines(s)``: ``safe`` with line breaks as ``<br>``, so text put into an HTML block in
  Markdown never contains a blank line (which would end the HTML block and let Markdown parse
  the rest).
"""
from __future__ import annotations

import html
import re
import string

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


_EMBED_OPEN = "\u202a\u202b\u202d\u202e"  # LRE, RLE, LRO, RLO: closed by PDF (U+202C)
_ISOLATE_OPEN = "\u2066\u2067\u2068"  # LRI, RLI, FSI: closed by PDI (U+2069)


def close_bidi(s: str) -> str:
    """``s`` with any right-to-left override, embedding or isolate it leaves open closed at its end,
    so that a data string cannot reverse the app's own text after it (display spoofing). The
    characters themselves stay: the string shows as it is."""
    if not any(c in s for c in _EMBED_OPEN + _ISOLATE_OPEN):
        return s
    embeds = isolates = 0
    for c in s:
        if c in _EMBED_OPEN:
            embeds += 1
        elif c == "\u202c":
            embeds = max(0, embeds - 1)
        elif c in _ISOLATE_OPEN:
            isolates += 1
        elif c == "\u2069":
            isolates = max(0, isolates - 1)
    return s + "\u202c" * embeds + "\u2069" * isolates


def safe(s: object) -> str:
    """HTML-escape ``s`` (quotes included), plus backtick and dollar sign; open bidi controls closed."""
    if s is None:
        return ""
    return html.escape(close_bidi(str(s)), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def safe_lines(s: object) -> str:
    """``safe(s)`` with every line break as ``<br>``."""
    text = safe(s).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n", "<br>", text)


def md(s: object) -> str:
    """Escape ``s`` for Streamlit Markdown: every ASCII punctuation character gets a backslash;
    line breaks become spaces (labels and captions are one line)."""
    if s is None:
        return ""
    text = close_bidi(re.sub(r"\s+", " ", str(s)).strip())
    return _MD_SPECIAL.sub(r"\\\1", text)
