"""Place names as reporters write them -> lookup keys.

Three keys per name, from strict to loose; the gazetteer indexes all three and a lookup tries
them in that order, so a looser key only decides when the stricter ones found nothing:

1. ``key_exact``: case, diacritics, apostrophes (Dar'a = Dara = Dar`a), punctuation and
   hyphens folded; Arabic script normalised (hamza carriers, ta marbuta, alef maqsura,
   harakat, tatweel); descriptor synonyms unified ("air base", "airfield", "military airport"
   -> "airbase"; "international airport" -> "airport"; "neighborhood"/"quarter" ->
   "neighbourhood"; "province" -> "governorate"; "border crossing" -> "crossing").
2. ``key_loose``: (1) without Arabic articles (al-/el-/ar-/as-/ad-/ash-/az-/at-/an-, fused
   assimilated forms like "Ezzor", and Arabic "ال"), without spaces, with doubled letters
   single and a final -ah/-eh/-e folded to -a: "Deir ez-Zor" = "Deir Ezzor" = "deirzor",
   "Hassakeh" = "Hasakah" = "hasaka", "Lattakia" = "Latakia".
3. ``key_skeleton``: (2) for Latin script with transliteration digraphs folded
   (kh->h, sh->s, q->k, ou->u, dj->j, ...) and vowels (with y, w) dropped:
   "Hmeimim" = "Khmeimim" = "Hmeymim" = "hmmm", "Dayr az Zawr" = "Deir ez-Zor" = "drzr".
   Only skeletons of 3 letters or more are used.
"""
from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "fold", "key_exact", "key_loose", "key_skeleton", "keys", "keys_many", "skeleton", "ARTICLES",
    "DESCRIPTOR_CANON",
]

# Apostrophe-like marks (ayn, hamza, primes, quotes) are dropped: Dar'a = Dar`a = Dara.
_APOSTROPHES = "'`´‘’‛ʼʻʿʾʹ′″\"“”«»"
_FIXED = {ord(c): None for c in _APOSTROPHES}
_FIXED.update({
    ord("ø"): "o", ord("ł"): "l", ord("đ"): "d", ord("ð"): "d", ord("þ"): "th", ord("æ"): "ae",
    ord("œ"): "oe", ord("ı"): "i", ord("ħ"): "h", ord("ŧ"): "t", ord("ŋ"): "n",
    # Arabic script: letters that vary in writing fold to one form. Hamza carriers (أ إ آ ؤ ئ)
    # decompose under NFKD to the bare letter plus a combining mark, which is then dropped.
    ord("ة"): "ه", ord("ى"): "ي", ord("ـ"): None, ord("ٱ"): "ا", ord("ء"): None,
    ord("ی"): "ي", ord("ک"): "ك", ord("ہ"): "ه",
})


def _arabic(cp: int) -> bool:
    return 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFDFF \
        or 0xFE70 <= cp <= 0xFEFF


class _FoldTable(dict):
    """str.translate table: the fixed replacements above, every non-spacing mark (accents,
    harakat, ...) dropped, and any other non-ASCII letter outside the Arabic script transliterated
    by anyascii (Cyrillic "Хмеймим" -> "khmeimim", Greek, "ı", "ß" ...): Arabic keeps its own
    normalisation (an Arabic name is matched against the Arabic names the sources give). Filled
    lazily, so that a character is classified once."""

    def __missing__(self, cp: int):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Mn":
            v = None
        elif cp >= 128 and cat[0] == "L" and not _arabic(cp):
            from anyascii import anyascii

            t = "".join(x for x in anyascii(ch).casefold() if x.isalnum())
            v = t if t else cp
        else:
            v = cp
        self[cp] = v
        return v


_TRANSLATE = _FoldTable(_FIXED)
_NON_WORD = re.compile(r"(?:[^\w\n]|_)+")

# Descriptor synonyms -> one canonical token (applied to folded text, so on word boundaries).
DESCRIPTOR_CANON: tuple[tuple[str, str], ...] = (
    (r"military air ?base|air ?force base|military air ?field|military airport|air ?base|"
     r"air ?field|air ?strip|aerodrome", "airbase"),
    (r"international airport|civil airport", "airport"),
    (r"neighbou?rhoods?|quarter", "neighbourhood"),
    (r"provinces|governorates|governorate|muhafaza[h]?|governate|province", "governorate"),
    (r"border crossing point|border crossing|crossing point|border gate|border post", "crossing"),
)
_CANON = [(re.compile(rf"\b(?:{pat})\b"), rep) for pat, rep in DESCRIPTOR_CANON]
_CANON_ANY = re.compile(r"air|port|quarter|neighb|provinc|govern|muhafaz|cross|border|aerodrome")

# Arabic definite article as transliterated, standalone (after hyphens became spaces).
ARTICLES = frozenset({
    "al", "el", "il", "ul", "ar", "er", "as", "es", "ash", "esh", "ad", "ed", "adh", "at", "et",
    "ath", "az", "ez", "an", "en", "aj", "ag",
})
# Batch forms, on newline-separated names whose words are single-space separated. Each pattern
# starts with a literal (so the regex engine can skip ahead) and checks what precedes it with a
# look-behind: a standalone article that is not the last word of its name (2 and 3 letters),
_A2 = sorted(a for a in ARTICLES if len(a) == 2)
_A3 = sorted(a for a in ARTICLES if len(a) == 3)
_ARTICLE_WORD2 = re.compile(r"(?:%s)(?<![^\n ]..) (?=[^\n ])" % "|".join(_A2))
_ARTICLE_WORD3 = re.compile(r"(?:%s)(?<![^\n ]...) (?=[^\n ])" % "|".join(_A3))
# a fused, assimilated article: "ezzor", "arraqqa", "assuwayda" (sun letters doubled),
_FUSED = re.compile(r"[ae](?<![^\n ].)(?:(t|d|r|z|s|n)\1|(sh)sh|(th)th|(dh)dh)(?=[a-z]{2})")
# the Arabic-script article on a word of 4 letters or more,
_AR_ARTICLE = re.compile(r"ال(?<![^\n ]..)(?=[^\n ]{2})")
# a final -ah, -eh or -e after a Latin letter (ta marbuta and its spellings) -> -a.
_ENDING = re.compile(r"(?:e(?<=[a-z]e)|[ae]h(?<=[a-z][ae]h))$", re.M)
# ta marbuta in the construct state, before another word: "Tibarat as Sakhanah" = "Tabarah
# as-Sakhana", "Jdidet Bikara" = "Jdideh Bikara", "Hawijat Saqr" = "Hwaijeh Saqr" -> "-a".
_CONSTRUCT = re.compile(r"(?<=[a-z]{3})(?:ah|eh|at|et)(?= [a-z])")
_DOUBLES = re.compile(r"([a-z])\1+")  # doubled Latin letters once: "ss" -> "s", "ttt" -> "t"

_SKELETON_DIGRAPHS = (
    ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("sh", "s"), ("ch", "s"),
    ("th", "t"), ("dh", "t"), ("ph", "f"), ("ck", "k"), ("ou", "u"), ("q", "k"), ("c", "k"),
    ("x", "ks"),
)
_VOWELS = re.compile(r"[aeiouyw]")


def _group(m: re.Match) -> str:
    return next(g for g in m.groups() if g)


def _first(m: re.Match) -> str:
    return m.group(1)


def _nfkd_casefold(t: str) -> str:
    """NFKD of casefolded text, casefolded again: a compatibility character may decompose to
    capitals ('㏗' -> 'PH'), and the folded key must be a fixed point (key_exact(key) == key)."""
    t = unicodedata.normalize("NFKD", t)
    folded = t.casefold()
    if folded != t and not unicodedata.is_normalized("NFKD", folded):
        folded = unicodedata.normalize("NFKD", folded)
    return folded


def fold_many(names: list[str]) -> list[str]:
    """:func:`fold` of many names at once (one pass over them all: the index build's path)."""
    blob = "\n".join(n.replace("\n", " ") for n in names).casefold()
    if not blob.isascii():
        blob = _nfkd_casefold(blob)
    blob = blob.translate(_TRANSLATE)
    if not blob.isalnum():  # (a single plain word needs nothing more)
        blob = _NON_WORD.sub(" ", blob)
        blob = blob.replace(" \n", "\n").replace("\n ", "\n").strip(" ")  # runs are single spaces
    return blob.split("\n")


def _canon_one(folded: str) -> str:
    for rx, rep in _CANON:
        folded = rx.sub(rep, folded)
    return folded


def canon_many(folded: list[str]) -> list[str]:
    """Descriptor synonyms unified in many folded names (only the few that mention one are
    rewritten)."""
    blob = "\n".join(folded)
    out = list(folded)
    if not _CANON_ANY.search(blob):
        return out
    starts = list(itertools.accumulate((len(x) + 1 for x in folded), initial=0))
    for i in {bisect.bisect_right(starts, m.start()) - 1 for m in _CANON_ANY.finditer(blob)}:
        out[i] = _canon_one(out[i])
    return out


def loose_many(exact: list[str]) -> list[str]:
    """:func:`key_loose` of many exact keys at once."""
    blob = "\n".join(exact)
    if " " in blob:  # a standalone article is followed by another word
        blob = _CONSTRUCT.sub("a", blob)
        blob = _ARTICLE_WORD2.sub("", blob)
        blob = _ARTICLE_WORD3.sub("", blob)
    blob = _FUSED.sub(_group, blob)
    if "ال" in blob:
        blob = _AR_ARTICLE.sub("", blob)
    blob = blob.replace(" ", "")
    if _DOUBLES.search(blob):
        blob = _DOUBLES.sub(_first, blob)
    blob = _ENDING.sub("a", blob)
    return blob.split("\n")


def fold(text: str) -> str:
    """Case, diacritics, apostrophes, punctuation and Arabic letter variants folded;
    words separated by single spaces."""
    return fold_many([text])[0]


def canon_descriptors(folded: str) -> str:
    """Descriptor synonyms in folded text replaced by their canonical token."""
    return canon_many([folded])[0]


def _exact_one(text: str) -> str:
    """``canon_many(fold_many([text]))[0]`` without the batch's joins and splits (a test
    checks on random text that the two agree)."""
    t = text.replace("\n", " ").casefold()
    if not t.isascii():
        t = _nfkd_casefold(t)
    t = t.translate(_TRANSLATE)
    if not t.isalnum():
        t = _NON_WORD.sub(" ", t).strip(" ")
    return _canon_one(t) if _CANON_ANY.search(t) else t


def _loose_one(k1: str) -> str:
    """``loose_many([k1])[0]`` for one key."""
    if " " in k1:
        k1 = _CONSTRUCT.sub("a", k1)
        k1 = _ARTICLE_WORD2.sub("", k1)
        k1 = _ARTICLE_WORD3.sub("", k1)
    k1 = _FUSED.sub(_group, k1)
    if "ال" in k1:
        k1 = _AR_ARTICLE.sub("", k1)
    k1 = k1.replace(" ", "")
    if _DOUBLES.search(k1):
        k1 = _DOUBLES.sub(_first, k1)
    return _ENDING.sub("a", k1) if k1[-1:] in ("h", "e") else k1


@lru_cache(maxsize=200_000)
def key_exact(text: str) -> str:
    return _exact_one(text)


@lru_cache(maxsize=200_000)
def key_loose(text: str) -> str:
    return _loose_one(key_exact(text))


def skeleton(loose: str) -> str | None:
    """The transliteration skeleton of a loose key (None if not Latin letters or too short)."""
    if not loose or not loose.isascii() or not loose.isalpha():
        return None
    s = loose
    if s.endswith("h") and s[-2:-1] in ("a", "e", "i", "o", "u"):
        s = s[:-1]  # a silent final h ("Sharshouh" = "Sharshou")
    for a, b in _SKELETON_DIGRAPHS:
        if a in s:
            s = s.replace(a, b)
    s = _VOWELS.sub("", s)
    return s if len(s) >= 3 else None


@lru_cache(maxsize=200_000)
def key_skeleton(text: str) -> str | None:
    return skeleton(key_loose(text))


@lru_cache(maxsize=200_000)
def keys(text: str) -> tuple[str, str, str | None]:
    """(exact, loose, skeleton) keys of a name; skeleton is None when not applicable."""
    k1 = key_exact(text)
    k2 = _loose_one(k1)
    return k1, k2, skeleton(k2)


def keys_many(names: list[str]) -> tuple[list[str], list[str]]:
    """Exact and loose keys of many names at once (the same as :func:`keys`, faster)."""
    k1 = canon_many(fold_many(names))
    return k1, loose_many(k1)
