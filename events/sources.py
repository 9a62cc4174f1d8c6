"""Archived sources and verbatim excerpt checking.

An excerpt is found in its source when, after both are normalised the same way, the excerpt
is a substring of the text. Normalisation (`normalise_text`):
  * Unicode NFC, so composed and decomposed accents compare equal;
  * zero-width characters and soft hyphens (U+200B-U+200D, U+2060, U+FEFF, U+00AD) are removed;
  * typographic single quotes and apostrophes (‘ ’ ‚ ‛ ′ ‹ › and the modifier-letter
    apostrophe) become ', double quotes (“ ” „ ‟ ″ « ») become ", dashes and minus signs
    (‐ ‑ ‒ – — ― −) become -, and the ellipsis … becomes ...;
  * every run of white space (any Unicode white space, line breaks included) becomes one
    space, and the ends are stripped.
Letter case, punctuation other than the above and the words themselves must match exactly.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .schema import Source

_REMOVE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_MAP = {
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2039\u203a\u02bc"), "'"),
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"'),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
    ord("\u2026"): "...",
}
_TABLE = {**_REMOVE, **_MAP}
_SPACE = re.compile(r"\s+")
# Whether a step would change a text at all: a search is ~20x faster than str.translate with a dict
# table, and most texts (Arabic ones included) hold none of these characters.
_NEEDS_TABLE = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + "]")
_NEEDS_SPACE = re.compile(r"[^\S ]| {2}")  # any white space but a lone space


def normalise_text(text: str) -> str:
    """Text normalised for excerpt matching (see the module docstring)."""
    return normalised_unstripped(text).strip()


def normalised_unstripped(text: str) -> str:
    """normalise_text without stripping the ends: NFC, the character table, runs of white space to
    one space, each step only where it changes something (the same result as doing them all:
    tests/test_events_sources.py)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _NEEDS_TABLE.search(text):
        text = text.translate(_TABLE)
    if _NEEDS_SPACE.search(text):
        text = _SPACE.sub(" ", text)
    return text


def excerpt_in_text(excerpt: str, text: str) -> bool:
    """Is `excerpt` a verbatim passage of `text` (white space, quotes and dashes may differ)?"""
    needle = normalise_text(excerpt)
    return bool(needle) and needle in normalise_text(text)


def longest_found_prefix(excerpt: str, text: str) -> str:
    """The longest beginning of the (normalised) excerpt that the text contains: a hint for
    where a non-matching excerpt goes wrong."""
    needle, hay = normalise_text(excerpt), normalise_text(text)
    lo, hi = 0, len(needle)
    while lo < hi:  # the largest n with needle[:n] in hay (monotone: prefixes of a match match)
        mid = (lo + hi + 1) // 2
        if needle[:mid] in hay:
            lo = mid
        else:
            hi = mid - 1
    return needle[:lo]


@dataclass(frozen=True)
class SourceRecord:
    """A source's metadata and its archived text."""

    meta: Source
    text: str
    _normalised: list = field(default_factory=list, repr=False, compare=False)

    @property
    def normalised(self) -> str:
        if not self._normalised:
            self._normalised.append(normalise_text(self.text))
        return self._normalised[0]

    def contains(self, excerpt: str) -> bool:
        needle = normalise_text(excerpt)
        return bool(needle) and needle in self.normalised
