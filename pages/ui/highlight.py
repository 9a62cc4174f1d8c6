"""Find excerpts in an archived source text and mark them, for the Sources page. No Streamlit.

Excerpts are verbatim passages up to white space, quotes and dashes (events.sources.normalise_text),
so the search runs on the normalised text while keeping, for each normalised character, the
position in the original text it came from. The text is escaped first; only our own ``<mark>``
tags are added.
"""
from __future__ import annotations

import functools
import unicodedata
from typing import Iterable

from events.sources import normalise_text

from .html_safe import safe, safe_lines


@functools.lru_cache(maxsize=128)
def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """(normalised text, start offset in ``text`` of each normalised character)."""
    out: list[str] = []
    pos: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and out:
                out.append(" ")
                pos.append(i)
            in_space = True
            continue
        in_space = False
        mapped = ch if ch.isascii() else normalise_text(ch)
        for m in mapped:
            out.append(m)
            pos.append(i)
    return "".join(out), pos


def find_spans(text: str, excerpt: str) -> list[tuple[int, int]]:
    """Every (start, end) in ``text`` where ``excerpt`` occurs (after normalisation)."""
    needle = normalise_text(excerpt)
    if not needle:
        return []
    hay, pos = _normalised_with_map(text)
    spans = []
    start = hay.find(needle)
    while start != -1:
        end_norm = start + len(needle) - 1
        spans.append((pos[start], pos[end_norm] + 1))
        start = hay.find(needle, start + 1)
    return spans


def highlight_html(text: str, marks: Iterable[tuple[str, str]]) -> tuple[str, set[str]]:
    html, missing = _highlight(text, tuple(marks))
    return html, set(missing)


@functools.lru_cache(maxsize=256)
def _highlight(text: str, marks: tuple[tuple[str, str], ...]) -> tuple[str, frozenset[str]]:
    """The escaped text with each excerpt wrapped in ``<mark class="...">``.

    ``marks`` are (excerpt, css class) pairs; overlapping spans merge into one whose class is
    that of the mark listed first in ``marks`` (whichever span starts first). Returns the HTML and the excerpts that were not found."""
    text = unicodedata.normalize("NFC", text)
    spans: list[tuple[int, int, int, str]] = []  # (start, end, rank: the mark's place in ``marks``, class)
    missing: set[str] = set()
    for rank, (excerpt, cls) in enumerate(marks):
        found = find_spans(text, excerpt)
        if not found:
            missing.add(excerpt)
        spans.extend((s, e, rank, cls) for s, e in found)
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list] = []
    for s, e, rank, cls in spans:
        if merged and s < merged[-1][1]:
            last_span = merged[-1]
            last_span[1] = max(last_span[1], e)
            if rank < last_span[2]:  # the mark listed first gives the merged span its class
                last_span[2], last_span[3] = rank, cls
            continue
        merged.append([s, e, rank, cls])
    parts, last = [], 0
    for s, e, _rank, cls in merged:
        parts.append(safe_lines(text[last:s]))
        parts.append(f'<mark class="{safe(cls)}">{safe_lines(text[s:e])}</mark>')
        last = e
    parts.append(safe_lines(text[last:]))
    return "".join(parts), frozenset(missing)

