"""Place phrases as news reports write them -> a place with an honest precision.

:class:`Resolver` reads a phrase in this order (the first rule that resolves wins):

1. the country it names: "..., Syria", "... in Syria", "(Syria)", "Syria's ..." set the hint;
2. the whole phrase as a name ("Syria", "northern Syria", "Aleppo International Airport");
3. a border: "the Syrian-Turkish border", "the border with Turkey", "the Turkish border";
4. a distance: "a locality 40 km from Palmyra", "40 km north of Palmyra", "30-40 km from X",
   limited to a governorate the phrase names ("in Hama province ... 40 km from Palmyra");
5. "between X and Y";
6. near: "near Aleppo", "on the outskirts of X", "X and its suburbs", "north of X";
7. countryside: "rural Aleppo", "Idlib countryside" (the governorate);
8. several governorates: "Raqqa and Deir ez-Zor provinces", "the provinces of X and Y";
9. a container: "Al-Quds hospital in Aleppo", "Sukkari, Aleppo", "the X neighbourhood of Y";
10. a descriptor: "Hmeimim air base", "the province of al-Hasaka", "the coastal province of
    Latakia", "Palmyra airport", "Kafr Nabl hospital";
11. a plain name ("Hmeimim", "Deir Ezzor", "حلب"), fuzzy spelling last, then the online
    geocoder if one is configured;
12. "X and Y" (several places) as one disc.

Leading words such as "at", "in", "the", "a" are skipped.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional

from . import admin
from . import governorates as govmod
from . import relative
from .normalize import key_loose, skeleton
from .gazetteer import (MATCH_NAMES, PLACE_KINDS, SKELETON_MIN, Gazetteer, Lookup, Match, Record,
                        get_gazetteer)
from .result import ADMIN_FIELDS, RESULT_KEYS, GeoResult, LazyAlternatives  # noqa: F401 (RESULT_KEYS re-exported)
from .precision import PRECISION_RADIUS_KM

__all__ = ["Resolver", "RESULT_KEYS", "DEMONYMS"]

_FILLERS = re.compile(
    r"^(?:(?:at|in|on|inside|into|from|over|to|towards?|within|across|throughout|of|the|a|an|some|"
    r"somewhere\s+in|parts\s+of|part\s+of)\s+)+", re.I)
_STRIP = " \t\r\n.,;:!?\"'“”‘’«»()[]{}"
_NOT_PLAIN = re.compile(r"[,()'’\d]|\sin\s", re.I)

_DESCRIPTORS: dict[str, str] = {
    # kind group -> regex (order matters: more specific first); Arabic words come before the name
    "airbase": r"(?:military\s+)?air[\s-]?(?:base|field|strip)|(?:military\s+)?airbase|air\s+force\s+base|"
               r"military\s+airport|aerodrome|helicopter\s+base|heliport|مطار\s+عسكري|قاعدة\s+جوية",
    "airport": r"(?:international\s+|civil\s+)?airport|مطار",
    "crossing": r"(?:border\s+)?crossing(?:\s+point)?|border\s+gate|border\s+post|checkpoint|معبر|حاجز",
    "base": r"(?:brigade|division|regiment|battalion)(?:\s+(?:base|headquarters|hq))?|"
            r"(?:military|naval|army)\s+(?:base|facility|academy)|garrison|base|قاعدة|(?:ال)?لواء|(?:ال)?فوج|(?:ال)?فرقة",
    "hospital": r"(?:field\s+|general\s+|national\s+|university\s+)?hospital|clinic|medical\s+cent(?:er|re)|"
                r"مستشفى|مشفى",
    # a site inside a town: the town is the answer (precision 1, it is in it)
    "facility": r"industrial\s+(?:district|zone|area|city)|school|market|souq|bakery|mosque|church|university|"
                r"factory|power\s+(?:station|plant)|stadium|prison|مدرسة|سوق|جامع|مسجد|فرن",
    # a feature named after a place, not in it: near the place (precision 2)
    "feature": r"(?:refugee\s+|idp\s+|displacement\s+)?camp|farms?|plain|mountains?|mount|jabal|jebel|valley|"
               r"wadi|dam|bridge|island|hawija|junction|roundabout|hills?|مخيم|مزارع|سهل|جبل|وادي|سد|جسر",
    "neighbourhood": r"neighbou?rhoods?|quarters?|حي",
    "governorate": r"provinces?|governorates?|governates?|muhafaz[ae]h?|محافظ[ةه]",
    "region": r"regions?|منطق[ةه]",
    "subdistrict": r"sub-?districts?|nahiy[ae]h?|nahia|ناحي[ةه]",
    "district": r"districts?|mintaqat|mantiq?a|mantika",
    "place": r"city|town|village|hamlet|locality|municipality|settlement|suburb|مدين[ةه]|بلد[ةه]|قري[ةه]|مرك[زذ]",
}
_DESC_ALT = "|".join(f"(?P<{k}>{v})" for k, v in _DESCRIPTORS.items())
_SUFFIX = re.compile(rf"^(?P<name>.+?)\s+(?:{_DESC_ALT})$", re.I)
_PREFIX = re.compile(rf"^(?:the\s+)?(?:[\w'’-]+\s+){{0,2}}?(?:{_DESC_ALT})\s+of\s+(?P<name>.+)$", re.I)
_PREFIX_BARE = re.compile(rf"^(?:the\s+)?(?:{_DESC_ALT})\s+(?P<name>\S.*)$", re.I)
_BARE_DESC = re.compile(rf"^(?:the\s+)?(?:[\w'’-]+\s+){{0,2}}?(?:{_DESC_ALT})$", re.I)

# What each descriptor wants, and what to do when only a namesake of another kind is found.
_DESC_KINDS = {
    "airbase": ({"airbase", "airport", "base"}, "site_near"),
    "airport": ({"airport", "airbase"}, "site_near"),
    "crossing": ({"crossing"}, "site_near"),
    "base": ({"base", "airbase"}, "site_near"),
    "hospital": ({"hospital"}, "site_in"),
    "neighbourhood": ({"neighbourhood"}, "site_in"),
    "governorate": ({"admin1"}, "admin1"),
    "region": ({"region", "admin1"}, "region"),
    "facility": ({"site", "hospital"}, "site_in"),
    "feature": ({"site", "base"}, "site_near"),
    "subdistrict": ({"admin3"}, "district"),
    "district": ({"admin2"}, "district"),
    "place": ({"populated_place", "town", "neighbourhood"}, "place"),
}

_NUM = r"\d+(?:[.,]\d+)?"
_DIR = r"(?:north|south)[\s-]?(?:east|west)|north|south|east|west|[NS][EW]|N{1,2}[EW]|S{1,2}[EW]|[NSEW]"
_DISTANCE = re.compile(
    rf"(?P<num>{_NUM})(?:\s*(?:-|–|to|or|and)\s*(?P<num2>{_NUM}))?\s*-?\s*"
    rf"(?P<unit>km|kms|kilomet(?:er|re)s?|mi|miles?)\.?\s+(?:\([^)]*\)\s+)?"
    rf"(?:to\s+the\s+)?(?:(?P<dir>{_DIR})(?:ern|erly)?\s+)?"
    rf"(?:of|from|away\s+from|outside(?:\s+of)?|off)\s+(?P<anchor>.+)$", re.I)
_BETWEEN = re.compile(r"^(?:.*?\s)?between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I)
_NEAR_PREFIX = re.compile(
    r"^(?:.*?\s)?(?:near(?:by)?|close\s+to|around|just\s+outside|outside(?:\s+of)?|"
    r"(?:on\s+|in\s+)?the\s+outskirts\s+of|outskirts\s+of|(?:in\s+)?the\s+(?:vicinity|environs|surroundings|"
    r"suburbs|area)\s+of|(?:vicinity|environs|surroundings|suburbs)\s+of|not\s+far\s+from|"
    r"in\s+the\s+direction\s+of|محيط|أطراف|اطراف|ضواحي|قرب|بالقرب\s+من)\s+(?P<anchor>.+)$", re.I)
_NEAR_SUFFIX = re.compile(
    r"^(?P<anchor>.+?)\s+(?:area|environs|outskirts|surroundings|vicinity|suburbs|"
    r"and\s+(?:its\s+|the\s+)?(?:environs|suburbs|surroundings|outskirts|vicinity|surrounding\s+area))$", re.I)
_DIRECTION_OF = re.compile(rf"^(?:.*?\s)?(?:to\s+the\s+)?(?P<dir>{_DIR})(?:ern|erly)?\s+of\s+(?P<anchor>.+)$", re.I)
_COUNTRYSIDE = re.compile(
    r"^(?:(?:northern|southern|eastern|western|north|south|east|west|north-?eastern|north-?western|"
    r"south-?eastern|south-?western)\s+)?(?:(?:rural|rif|reef)\s+(?P<a>.+)|(?P<b>.+?)\s+(?:countryside|"
    r"rural\s+areas?)|(?:the\s+)?countryside\s+of\s+(?P<c>.+)|ريف\s+(?P<d>.+?)(?:\s+(?:الشمالي|الجنوبي|الشرقي|"
    r"الغربي))?)$", re.I)
_ONLY_DESC = re.compile(rf"^(?:(?:northern|southern|eastern|western|central|main|local|nearby|small|"
                        rf"military|border|rural|some|several|one|two|three)\s+)*(?:{_DESC_ALT})$", re.I)
_ADMIN_WORDS = re.compile(
    r"^(?:(?P<name>.+?)\s+(?P<w1>governorates?|provinces?|sub-?districts?|districts?|nahiy[ae]h?|mintaqat?|"
    r"mantiqa)|(?P<w2>governorate\s+of|province\s+of|sub-?district\s+of|district\s+of|mintaqat|nahiy[ae]t?|"
    r"محافظ[ةه]|ناحي[ةه]|منطق[ةه])\s+(?P<name2>.+))$", re.I)
# Any word the phrase grammar reads (descriptors, relations): a text without one is only a name.
_GRAMMAR = re.compile(rf"(?:^|\s)(?:{_DESC_ALT}|near(?:by)?|close|around|outside|outskirts|vicinity|environs|"
                      rf"surroundings|suburbs|area|between|north|south|east|west|northern|southern|eastern|"
                      rf"western|rural|rif|reef|countryside|border|frontier|and|of|from|the|a|an|[NSEW]{{1,3}})(?:\s|$)"
                      r"|[/&]|محيط|أطراف|اطراف|ضواحي|قرب|ريف", re.I)
# The same test, faster: _GRAMMAR's word alternatives tried only at the start of each word (its
# "(?:^|\s)" branch fails elsewhere anyway), without named groups; the rest by substring. A test
# checks that the two agree.
# For ASCII text, lower-cased first: then the expression needs no re.I (which costs several
# times more per character), and ASCII lower-casing is exactly re.I's folding.
_GRAMMAR_WORD = re.compile(
    "(?:" + "|".join(f"(?:{v})" for v in _DESCRIPTORS.values()) + r"|near(?:by)?|close|around|outside|outskirts|"
    r"vicinity|environs|surroundings|suburbs|area|between|north|south|east|west|northern|southern|eastern|western|"
    r"rural|rif|reef|countryside|border|frontier|and|of|from|the|a|an|[nsew]{1,3})(?:\s|$)")
_GRAMMAR_ANY = ("/", "&")


def _has_grammar(s: str) -> bool:
    """``bool(_GRAMMAR.search(s))``: whether any word the phrase grammar reads is in ``s``."""
    if not s.isascii():
        return bool(_GRAMMAR.search(s))
    if "/" in s or "&" in s:
        return True
    if not s.isprintable():
        return bool(_GRAMMAR.search(s))  # tabs, line breaks: the general expression
    t = s.lower()  # printable ASCII: the only white space is " "
    m = _GRAMMAR_WORD.match
    if m(t):
        return True
    i = t.find(" ")
    while i >= 0:
        if m(t, i + 1):
            return True
        i = t.find(" ", i + 1)
    return False

_MARKAZ = re.compile(r"^(?:(?:mintaqat|mintaqa|mantiqat?)\s+)?(?:(?P<centre>markaz|merkez)\s+)?(?P<name>\S.*)$",
                     re.I)
_GOV_LIST_SUFFIX = re.compile(r"^(?P<list>.+?)\s+(?:provinces?|governorates?|regions)$", re.I)
_GOV_LIST_PREFIX = re.compile(r"^(?:provinces|governorates|regions)\s+of\s+(?P<list>.+)$", re.I)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.I)
_CONTAINER_COMMA = re.compile(r"^(?P<x>.+?)\s*,\s*(?P<y>[^,]+)$")
# "Aleppo: Sheikh Ali village", "Deir Ezzor : Salhia", "Aleppo: Bab: Raei village" (the wider place first)
_CONTAINER_COLON = re.compile(r"^(?P<y>[^:]+?)\s*:\s*(?P<x>[^:\s].*)$")
_CONTAINER_IN = re.compile(r"^(?P<x>.+)\s+in\s+(?P<y>.+?)$", re.I)
_SITE_DESC = "|".join(_DESCRIPTORS[k] for k in ("airbase", "airport", "crossing", "base", "hospital",
                                                 "facility", "neighbourhood", "subdistrict", "district"))
_CONTAINER_OF = re.compile(rf"^(?P<x>.+?\s(?:{_SITE_DESC}))\s+of\s+(?P<y>.+)$", re.I)
_POSSESSIVE = re.compile(r"^(?:the\s+)?(?P<x>[^\s'’]+(?:\s+[^\s'’]+){0,2})['’]s\s+(?P<y>.+)$", re.I)
_COUNTRY_TAIL = re.compile(r"^(?P<x>.+?)(?:\s*,\s*|\s+in\s+(?:the\s+)?|\s*\(\s*)(?P<c>[^,()]+?)\s*\)?$", re.I)
_GOV_BEFORE = re.compile(rf"(?P<n>[\w'’-]+(?:\s+[\w'’-]+)?)\s+(?:{_DESCRIPTORS['governorate']})\b", re.I)
_GOV_AFTER = re.compile(rf"\b(?:{_DESCRIPTORS['governorate']})\s+of\s+(?P<n>[\w'’-]+(?:\s+[\w'’-]+)?)", re.I)
_BORDER_WITH = re.compile(r"^(?:the\s+)?border\s+(?:with|of)\s+(?P<b>.+)$", re.I)
_BORDER_BETWEEN = re.compile(r"^(?:the\s+)?border\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I)
_BORDER_PAIR = re.compile(r"^(?:the\s+)?(?P<a>[a-z]+)\s*[-–—/]?\s*(?P<b>[a-z]+)\s+(?:border|frontier)"
                          r"(?:\s+(?:area|region|zone|strip))?$", re.I)
_BORDER_ONE = re.compile(r"^(?:the\s+)?(?P<b>[a-z]+)\s+(?:border|frontier)(?:\s+(?:area|region|zone|strip))?$", re.I)

# Country adjectives ("a Syrian airbase" is somewhere in Syria, not the village of Suran).
ADJECTIVES = {
    "syrian": "SY", "turkish": "TR", "iraqi": "IQ", "lebanese": "LB", "jordanian": "JO", "israeli": "IL",
    "palestinian": "PS", "iranian": "IR", "russian": "RU", "ukrainian": "UA", "egyptian": "EG", "saudi": "SA",
    "american": "US", "british": "GB", "french": "FR", "german": "DE", "libyan": "LY", "yemeni": "YE",
    "afghan": "AF", "qatari": "QA", "emirati": "AE", "kuwaiti": "KW", "cypriot": "CY", "georgian": "GE",
    "armenian": "AM", "azerbaijani": "AZ",
}
DEMONYMS = {**ADJECTIVES, "syria": "SY", "turkey": "TR", "turkiye": "TR", "iraq": "IQ", "lebanon": "LB",
            "jordan": "JO", "israel": "IL"}


class NotFound(Exception):
    pass


# Last-resort similarity matching (rapidfuzz ratio of loose keys, 0-100). Thresholds from
# benchmarks/fuzzy_threshold.py on a labelled set (9,257 Who's On First spellings of OCHA
# communities): over all of Syria the most similar name is the right place only 71 % of the time
# at 90 and 96 % at 96, so without an area only 96 and up is accepted; within the governorate or
# district the text names, 84 gives 93 % right. A tie between places is never accepted. Names
# shorter than SIMILAR_MIN_LEN letters are never matched by similarity.
SIMILAR_THRESHOLD = 96.0
SIMILAR_THRESHOLD_IN_AREA = 84.0
SIMILAR_MIN_LEN = 5
# Inside an area the threshold is lower, and short names are where it fails: keys of 5-6 letters
# are right 83-86 % of the time at any threshold (7-8 letters: 94 % at 84), so only 7 and up.
SIMILAR_MIN_LEN_IN_AREA = 7
# "X, Governorate": a place of that name this close outside the governorate's OCHA boundary still
# counts (a dataset's boundaries, or its point, may differ from OCHA's by a few km).
AREA_MARGIN_KM = 10.0


@dataclass
class Place:
    name: str
    lat: float
    lon: float
    precision: int
    radius_km: float
    admin1: Optional[str]
    country: Optional[str]
    source: str
    gazetteer_id: Optional[str] = None
    kind: str = ""
    match: str = ""
    alts: Optional[list] = None  # the alternatives (read them as ``alternatives``), or None until
    alt_make: Optional[Callable[[], list]] = None  # this makes them: most answers' are never read
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    admin3_pcode: Optional[str] = None
    ids: tuple = ()
    ambiguous: bool = False

    @property
    def alternatives(self) -> list[dict]:
        if self.alts is None:
            self.alts = list(self.alt_make()) if self.alt_make is not None else []
            self.alt_make = None
        return self.alts

    @alternatives.setter
    def alternatives(self, value) -> None:
        self.alts, self.alt_make = list(value), None

    @classmethod
    def of(cls, rec: Record, match: str = "exact", alternatives: Optional[list] = None) -> "Place":
        return cls(name=rec.name, lat=rec.lat, lon=rec.lon, precision=rec.precision, radius_km=rec.radius_km,
                   admin1=rec.admin1, country=rec.country, source=rec.source, gazetteer_id=rec.gazetteer_id,
                   kind=rec.kind, match=match, alts=list(alternatives or []), admin3_pcode=rec.admin3_pcode,
                   ids=tuple(rec.ids.split("|")) if rec.ids else (rec.gazetteer_id,))

    @classmethod
    def from_lookup(cls, lk: Lookup, country: Optional[str] = None) -> "Place":
        """The best match of a lookup, its alternatives (made when read), and its ambiguity said
        in a note."""
        p = cls.of(lk.best.record, MATCH_NAMES[lk.best.tier])
        if lk.others:
            others = lk.others
            p.alts, p.alt_make = None, lambda: [_alt(m, country) for m in others]
        if lk.best.tier == 3:
            p.notes.append(f"spelling matched loosely (transliteration): check {p.name!r}")
        if lk.ambiguous:
            p.ambiguous = True
            p.notes.append(lk.why)
        return p

    def geom(self) -> dict:
        return {"lat": self.lat, "lon": self.lon, "radius_km": self.radius_km, "precision": self.precision}

    def with_geometry(self, g: dict, *, name: str, kind: str, match: str = "derived") -> "Place":
        p = Place(name=name, lat=g["lat"], lon=g["lon"], precision=g["precision"], radius_km=g["radius_km"],
                  admin1=None, country=self.country, source=self.source, gazetteer_id=self.gazetteer_id, kind=kind,
                  match=match, alts=list(self.alternatives), notes=list(self.notes) + list(g.get("notes", [])))
        p.extra = {k: v for k, v in g.items() if k not in ("lat", "lon", "precision", "radius_km", "notes")}
        p.extra["anchor"] = self.summary()
        return p

    def summary(self) -> dict:
        return {"name": self.name, "gazetteer_id": self.gazetteer_id, "lat": round(self.lat, 5),
                "lon": round(self.lon, 5), "precision": self.precision, "radius_km": round(self.radius_km, 1),
                "admin1": self.admin1, "country": self.country, "kind": self.kind, "source": self.source}

    def admin(self) -> dict:
        """Admin 1-3 names and P-codes: the record's sub-district, else point-in-polygon of the
        point, keeping only the levels the precision supports (a 25 km disc has no sub-district)."""
        a = admin_of(self.gazetteer_id, self.admin3_pcode, self.lat, self.lon, self.country, self.precision)
        if a.get("admin1") is None and self.admin1:
            a["admin1"] = self.admin1  # a relative place spanning one governorate (or abroad: GeoNames' name)
        elif self.admin1 is None and self.kind in ("relative", "near", "between", "combined"):
            a = dict.fromkeys(a)  # the disc spans several governorates: none is true of it
        return a

    def to_result(self, query: str) -> GeoResult:
        a = self.admin()
        return GeoResult.make(query=query, name=self.name, gazetteer_id=self.gazetteer_id, lat=round(self.lat, 5),
                         lon=round(self.lon, 5), precision=int(self.precision),
                         radius_km=round(float(self.radius_km), 1), country=self.country, source=self.source,
                         kind=self.kind, match=self.match, ambiguous=self.ambiguous,
                         alternatives=(LazyAlternatives(self.alt_make) if self.alts is None and self.alt_make
                                       else tuple(self.alternatives)), ids=tuple(self.ids),
                         note="; ".join(dict.fromkeys(n for n in self.notes if n)), extra=dict(self.extra), **a)

    def to_dict(self, query: str) -> dict:
        return self.to_result(query).as_dict()


def admin_of(gazetteer_id: Optional[str], adm3: Optional[str], lat: Optional[float], lon: Optional[float],
             country: Optional[str], precision: Optional[int]) -> dict:
    """Admin 1-3 names and P-codes of a Syrian place (all None elsewhere): from its sub-district
    P-code, its own P-code (a district or governorate), or point-in-polygon of its point."""
    ix = admin.get_index()
    out = dict.fromkeys(ADMIN_FIELDS)
    if country not in ("SY", None) or lat is None:
        return out
    pc = adm3
    if gazetteer_id and gazetteer_id.startswith(("ocha:SY", "admin1:SY")):
        # an admin area itself: its own level and those above it
        u = ix.unit(gazetteer_id.split(":", 1)[1])
        if u is not None:
            chain = [u]
            while chain[-1].parent:
                chain.append(ix.units[chain[-1].parent])
            for x in chain:
                out[f"admin{x.level}"], out[f"admin{x.level}_pcode"] = x.name, x.pcode
            return out
    if pc:
        out.update(ix.names_of(pc))
    elif admin.levels_for(precision or 1) > 0:
        out.update(ix.locate(lat, lon))
    # keep only the levels the precision supports: 1-2 every level, 3 district, 4 governorate
    for lvl in range(admin.levels_for(precision or 1) + 1, 4):
        out[f"admin{lvl}"] = out[f"admin{lvl}_pcode"] = None
    return out


def _alt(m: Match, hinted: Optional[str] = None) -> dict:
    """An alternative candidate with its governorate, district and sub-district; outside the
    hinted country it has no coordinates (it is not an answer, only a name to check)."""
    r = m.record  # coordinates are stored as published (5 decimals at most)
    outside = hinted is not None and r.country != hinted
    key = (r, outside)
    d = _ALT_MEMO.get(key)
    if d is None:
        a = admin_of(r.gazetteer_id, r.admin3_pcode, r.lat, r.lon, r.country, r.precision)
        if a["admin1"] is None:
            a["admin1"] = r.admin1
        d = {"name": r.name, "gazetteer_id": r.gazetteer_id, "lat": None if outside else r.lat,
             "lon": None if outside else r.lon, "precision": None if outside else r.precision,
             "radius_km": None if outside else round(r.radius_km, 1), "country": r.country, "kind": r.kind,
             "source": r.source, **a}
        if len(_ALT_MEMO) > 50_000:
            _ALT_MEMO.clear()
        _ALT_MEMO[key] = d
    return dict(d)  # a copy: callers may add to it


# A place listed as an alternative is listed the same way in every answer (the record is the key:
# a new index makes new records).
_ALT_MEMO: dict[tuple, dict] = {}


_BRACKET = re.compile(r"^(?P<a>[^()]*?)\s*\((?P<b>[^()]*)(?:\)|$)\s*(?P<c>[^()]*)$")
_ROAD_CODE = re.compile(r"^(?:the\s+)?(?:(?:[MN]\s?-?\d{1,2}|(?:highway|motorway|road|route)\s+\d{1,3})"
                        r"(?:\s+(?:highway|motorway|road|route))?)?$", re.I)


def _unbracket(s: str) -> str:
    """One bracketed part of a phrase: dropped if it is a road code or empty ("(M4)"), else an
    alternative name ("A (B) village" -> "A village/B village")."""
    m = _BRACKET.match(s)
    if not m:
        return s
    a, b, c = m["a"].strip(), m["b"].strip(), m["c"].strip()
    if _ROAD_CODE.match(b):
        return " ".join(x for x in (a, c) if x)
    if not a:
        return " ".join(x for x in (b, c) if x)
    return f"{a} {c}/{b} {c}" if c else f"{a}/{b}"


def _context_key(context) -> tuple:
    """A record's area fields as a hashable key: a string is one area; blanks dropped."""
    if not context:
        return ()
    if isinstance(context, str):
        context = (context,)
    return tuple(dict.fromkeys(c for c in (_clean(str(x)) for x in context if x is not None) if c))


@lru_cache(maxsize=65536)  # a phrase is cleaned at several steps of its reading, and a batch first
def _clean(text: str) -> str:  # cleans every name to prefetch its keys
    t = " ".join(str(text).split()).strip(_STRIP)
    return t


@lru_cache(maxsize=65536)
def _strip_fillers(text: str) -> str:
    return _clean(_FILLERS.sub("", _clean(text)))


class Resolver:
    """Resolve place phrases against a :class:`~geodata.gazetteer.Gazetteer`; optionally ask
    ``fallback`` (a geopy geocoder, e.g. :class:`~geodata.geocoders.NominatimGeocoder`) for plain
    names the gazetteer lacks."""

    def __init__(self, gazetteer: Optional[Gazetteer] = None, fallback=None, cache_size: int = 65536) -> None:
        self._gaz = gazetteer
        self.fallback = fallback
        self._answers: dict[tuple[str, Optional[str]], GeoResult] = {}
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._cc_memo: dict[str, str] = {}
        self._local = threading.local()

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gaz is None:
            self._gaz = get_gazetteer()
            govmod.governorates()  # the polygons are part of the working set: load them with the index
        return self._gaz

    # ------------------------------------------------------------------ public

    def resolve(self, text: str, country: Optional[str] = "SY", context=()) -> GeoResult:
        """See :func:`geodata.resolve`."""
        if text is None:
            text = ""
        country = self._country_key(country)
        key = (str(text), country, _context_key(context))
        hit = self._answers.get(key)
        if hit is not None:
            return hit
        res = self._resolve_uncached(*key)
        if res.lat is None and self._online_error:
            return res  # a transient online failure is never remembered as "not found"
        with self._cache_lock:
            if len(self._answers) >= self._cache_size:
                self._answers.pop(next(iter(self._answers)))  # the oldest answer goes
            self._answers[key] = res
        return res

    def resolve_many(self, texts, country: Optional[str] = "SY", contexts=None) -> list[GeoResult]:
        """:meth:`resolve` of each text: the same code path, a loop over the cache. What is the
        same for many names is done once for the batch: the distinct plain names not yet answered
        are normalised together and their exact-key postings fetched in one vectorised pass
        (:meth:`~geodata.gazetteer.Gazetteer.prefetch`); each name then runs :meth:`resolve`, which
        finds them memoised (the answers are those of :meth:`resolve` alone, a test checks)."""
        texts = list(texts)
        if contexts is not None:
            contexts = list(contexts)
            if len(contexts) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
            return [self.resolve(t, country, c) for t, c in zip(texts, contexts)]
        if len(texts) > 1:
            cc = self._country_key(country)
            plain = []
            for t in dict.fromkeys("" if t is None else str(t) for t in texts):
                if (t, cc, ()) in self._answers:
                    continue
                c = _clean(t)
                if c and not _NOT_PLAIN.search(c):
                    plain.append(_strip_fillers(c))
            if len(plain) > 1:
                self.gazetteer.prefetch(plain)
        return [self.resolve(t, country) for t in texts]

    def _country_key(self, country: Optional[str]) -> Optional[str]:
        if not country:
            return None
        cc = self._cc_memo.get(country)
        if cc is None:
            cc = self._cc_memo[country] = self.country_code(country) or ""
        return cc or None

    def country_code(self, country: str) -> Optional[str]:
        """ISO code from "SY", "sy", "SYR" or "Syria"."""
        c = country.strip()
        if len(c) == 2 and c.isalpha():
            return c.upper()
        m = self.gazetteer.lookup(c, kinds={"country"}, fuzzy=False)
        if m.best is not None and m.best.record.kind == "country":
            return m.best.record.country
        return c.upper()[:2] if len(c) == 2 else None

    def _resolve_uncached(self, text: str, country: Optional[str], context: tuple = ()) -> GeoResult:
        t = _clean(text)
        self._online_error = None
        self._local.outside = []
        self._local.even = None
        if not t:
            return self._not_found(text, "empty place text")
        if context and country in (None, "SY"):
            areas = self._context_areas(context)
            if areas:
                return self._in_areas(t, areas).to_result(text)
        if not _NOT_PLAIN.search(t):
            # A plain name (no punctuation, digits or " in "): the whole-name lookup of step 2,
            # without the phrase machinery. Anything else, or a miss, takes the full path.
            s = _strip_fillers(t)
            lk = self.gazetteer.lookup(s, country, fuzzy=False) if s else None
            if lk is not None and lk.best is not None:
                if not lk.even:
                    return Place.from_lookup(lk, country).to_result(text)
                if not _has_grammar(s):  # namesakes nothing tells apart, and nothing else to read
                    self._local.even = (s, lk)
                    return self._not_found(text, "", country)
            if lk is not None and lk.outside and self.fallback is None and not _has_grammar(s):
                # the whole text is the name of a place abroad, and no grammar word could make it
                # Syrian: not found, with that place listed (the full path would end the same way)
                self._local.outside = lk.others
                return self._not_found(text, f"{s!r} is not in the offline gazetteer inside {country}", country)
        try:
            place = self._phrase(t, country, 0)
        except NotFound as exc:
            return self._not_found(text, str(exc), country)
        return place.to_result(text)

    def _not_found(self, query: str, reason: str, country: Optional[str] = None) -> GeoResult:
        """No answer; candidates outside the hinted country (if any matched) are listed without
        coordinates, so that a reader sees what the name may have meant."""
        even = getattr(self._local, "even", None)
        if even is not None:
            # namesakes in the country that nothing in the data tells apart: a coin toss is not an
            # answer (a wrong place is worse than none); they are listed, with their coordinates
            name, lk = even
            alts = [_alt(m, country) for m in [lk.best] + lk.others[:lk.namesakes]]
            return GeoResult.make(query=query, alternatives=tuple(alts), ambiguous=True, reason=(
                f"{len(alts)} places named {name!r} in {country or 'the gazetteer'} and nothing in the data "
                f"tells them apart (listed as alternatives): give the governorate or district"))
        outside = getattr(self._local, "outside", None) or []
        if not outside:
            return GeoResult.make(query=query, reason=reason)
        rids = getattr(outside, "rids", None)
        if rids is None:
            rids = [m.record.rid for m in outside]
        n = len(dict.fromkeys(rids))  # a record id is a gazetteer id

        def alternatives(outside=outside, country=country):
            seen, alts = set(), []
            for m in outside:
                if m.record.gazetteer_id not in seen:
                    seen.add(m.record.gazetteer_id)
                    alts.append(_alt(m, country))
            return alts[:5]

        if country:
            reason += f"; {n} place(s) of that name outside {country}, listed as alternatives"
        return GeoResult.make(query=query, alternatives=LazyAlternatives(alternatives), reason=reason)

    def _context_areas(self, context: tuple) -> list[Record]:
        """The Syrian admin areas a record's own fields name (a dataset's governorate, district,
        sub-district), narrowest first; names that are no area are ignored."""
        found = {}
        for c in context:
            a = self._admin_area(c)
            if a is not None:
                found[a.gazetteer_id] = a
        return sorted(found.values(), key=lambda a: -len(a.gazetteer_id))

    def _in_areas(self, t: str, areas: list[Record]) -> Place:
        """``t`` inside the narrowest of ``areas`` (or within :data:`AREA_MARGIN_KM` of it: a
        dataset's boundaries are not OCHA's); from a sub-district the search widens to the next
        area, taking there only a match by spelling that is not ambiguous. Else the narrowest area
        itself, at its own precision (3 or 4), said so."""
        for i, area in enumerate(areas):
            for where, note in ((self._in_admin(area), f"in {area.name} ({area.kind}, from the record's fields)"),
                                (self._near_admin(area, AREA_MARGIN_KM),
                                 f"not inside {area.name} by OCHA's boundaries, but within {AREA_MARGIN_KM:g} km "
                                 f"of it (from the record's fields)")):
                try:
                    inner = self._phrase(t, "SY", 1, where=where)
                except NotFound:
                    continue
                if i and (inner.ambiguous or inner.match not in ("exact", "loose", "derived")):
                    # not in the narrowest area the record names (which came from its own point):
                    # a namesake elsewhere in a wider one is taken only if it is the only one, by spelling
                    continue
                inner.notes.append(note)
                return inner
            if area.kind != "admin3":
                # A record's district comes from its own point: a namesake elsewhere in the governorate
                # is likelier another place than the one meant (on the GED sample, widening found no
                # right place and one wrong one). Only a sub-district (perhaps a dataset's district
                # read as OCHA's smaller sub-district) widens to the next area.
                break
        return self._area_only(areas[0], t, "SY", " (from the record's fields)")

    def _area_only(self, area: Record, name: str, country: Optional[str], why: str = "") -> Place:
        """The area itself, at its own precision (3 or 4), when the place in it is unknown, or
        known several times over with nothing to tell which (then they are the alternatives)."""
        p = Place.of(area, "exact")
        what = "governorate" if area.kind == "admin1" else "district"
        even = getattr(self._local, "even", None)
        if even is not None:
            lk = even[1]
            p.alternatives = [_alt(m, country) for m in [lk.best] + lk.others[:lk.namesakes]]
            p.ambiguous = True
            p.notes.append(f"{len(p.alternatives)} places named {even[0]!r} inside {area.name} and nothing in "
                           f"the data tells them apart (listed as alternatives): only the {what} is given{why}")
        else:
            p.notes.append(f"{name!r} is not in the gazetteer inside {area.name}: only the {what} is given{why}")
        return p

    # ------------------------------------------------------------------ grammar

    def _country_of(self, text: str) -> Optional[str]:
        """The ISO code if ``text`` is (only) a country's name."""
        t = _strip_fillers(text)
        if not t or len(t) > 60:
            return None
        lk = self.gazetteer.lookup(t, fuzzy=False)
        if lk.best is not None and lk.best.record.kind == "country":
            return lk.best.record.country
        return None

    def _phrase(self, t: str, country: Optional[str], depth: int,
                where: Optional[Callable[[Record], bool]] = None) -> Place:
        if depth > 6:
            raise NotFound("phrase too deeply nested")
        t = _clean(t)
        # 1. the country it names
        m = _POSSESSIVE.match(t)
        if m:
            cc = self._country_of(m["x"])
            if cc:
                country, t = cc, m["y"]
            else:
                try:
                    return self._contained(m["y"], m["x"], country, depth)
                except NotFound:
                    pass
        m = _COUNTRY_TAIL.match(t)
        if m and not _DISTANCE.search(m["c"]):
            cc = self._country_of(m["c"])
            if cc:
                country, t = cc, _clean(m["x"])
        s = _strip_fillers(t)
        if not s:
            raise NotFound(f"no place name in {t!r}")
        # "Tirwaziya checkpoint (M4)": a road code in brackets says nothing of the place; "Al-Rai
        # town (Choban Bey)", "Izz ad-Din (Ezzeddin) village": another name, read as "X/Y"
        if "(" in s:
            s2 = _unbracket(s)
            if s2 != s and s2:
                return self._phrase(s2, country, depth + 1, where)
        # "Tadmur/Palmyra town": alternative names of one place (before any other rule reads the slash)
        if "/" in s and not _DISTANCE.search(s):
            p = self._alternates(s, country, depth, where)
            if p is not None:
                return p
        # 2. the whole phrase as a name (no fuzzy matching yet)
        p = self._name(s, country, where=where, fuzzy=False, online=False, stripped=True)
        if p is not None:
            return p
        # a country's adjective alone ("Syrian") is that country
        p = self._adjective(s)
        if p is not None:
            return p
        # 3. borders
        p = self._border(s, country)
        if p is not None:
            return p
        # 4. distances
        m = _DISTANCE.search(t)
        if m:
            return self._distance(t, m, country, depth)
        # 5. between
        m = _BETWEEN.match(s)
        if m:
            a = self._phrase(m["a"], country, depth + 1)
            b = self._phrase(m["b"], country, depth + 1)
            g = relative.between(a.geom(), b.geom())
            p = a.with_geometry(g, name=f"between {a.name} and {b.name}", kind="between")
            p.gazetteer_id = None
            p.extra["components"] = [a.summary(), b.summary()]
            p.alternatives = []
            p.admin1 = a.admin1 if a.admin1 and a.admin1 == b.admin1 else None
            p.country = a.country if a.country == b.country else None
            return p
        # 6. near
        m = _NEAR_PREFIX.match(s) or _NEAR_SUFFIX.match(s)
        if m:
            a = self._phrase(m["anchor"], country, depth + 1)
            g = relative.near(a.geom())
            p = a.with_geometry(g, name=f"near {a.name}", kind="near")
            p.admin1 = self._admin1_of_disc(p)
            return p
        m = _DIRECTION_OF.match(s)
        if m:
            bearing = relative.bearing_of(m["dir"])
            a = self._phrase(m["anchor"], country, depth + 1)
            g = relative.near(a.geom(), bearing=bearing)
            p = a.with_geometry(g, name=f"{m['dir'].lower()} of {a.name}", kind="near")
            p.admin1 = self._admin1_of_disc(p)
            return p
        # 7. countryside
        m = _COUNTRYSIDE.match(s)
        if m:
            name = m["a"] or m["b"] or m["c"] or m["d"]
            gov = self._governorate(name)
            if gov is not None:
                p = Place.of(gov, "exact")
                p.notes.append("the countryside of a governorate's capital: the governorate")
                return p
            a = self._phrase(name, country, depth + 1)
            g = relative.near(a.geom())
            p = a.with_geometry(g, name=f"countryside of {a.name}", kind="near")
            p.admin1 = a.admin1
            return p
        # 8. several governorates
        m = _GOV_LIST_SUFFIX.match(s) or _GOV_LIST_PREFIX.match(s)
        if m:
            names = [n for n in _LIST_SPLIT.split(m["list"]) if n.strip()]
            if len(names) > 1:
                parts = [self._descriptor(n, "governorate", country, where) for n in names]
                # every part a real province ("Hamra, Idleb governorate" is a village in one)
                if all(parts) and not any("namesake town" in " ".join(q.notes) for q in parts):
                    return self._combined(parts, " and ".join(p.name for p in parts))
        # 9. containers
        for rx in (_CONTAINER_COLON, _CONTAINER_OF, _CONTAINER_COMMA, _CONTAINER_IN):
            m = rx.match(s)
            if m:
                try:
                    return self._contained(m["x"], m["y"], country, depth, where)
                except NotFound:
                    continue
        # 10. descriptors
        m = _SUFFIX.match(s) or _PREFIX.match(s) or _PREFIX_BARE.match(s)
        if m:
            group = next(k for k in _DESCRIPTORS if m.group(k))
            # "Jabal al-Zawiya", "Wadi Barada": a mountain or valley is not beside the village
            # its name shares (only "Tabqa dam", "Al-Hol camp" are named after a place)
            if not (group == "feature" and m.re is not _SUFFIX):
                p = self._descriptor(m["name"], group, country, where, word=m.group(group))
                if p is not None:
                    return p
            if group in ("district", "subdistrict") and where is None and country in (None, "SY"):
                # as other datasets name them: "Mintaqat Markaz Homs district" (GADM), "Albu Kamal district"
                area = self._admin_area(s)
                if area is not None:
                    return Place.of(area, "exact")
        # 11. a plain name (fuzzy spelling, then online), unless a name in the phrase was found and
        # only its namesakes not told apart ("Abil town" is not "Blutan" by a loose spelling)
        p = None
        if getattr(self._local, "even", None) is None:
            p = self._name(s, country, where=where, fuzzy=True, online=True, stripped=True)
        if p is not None:
            return p
        # 12. "X, Y" or "X/Y" (a list or alternative readings): each part, the most specific answers
        if "," in s or "/" in s:
            p = self._alternates(s, country, depth, where)
            if p is not None:
                return p
        # 12b. "X and Y"
        if re.search(r"\s(?:and|&)\s|,", s):
            names = [n for n in _LIST_SPLIT.split(s) if n.strip()]
            if len(names) > 1:
                try:
                    parts = [self._phrase(n, country, depth + 1) for n in names]
                except NotFound:
                    parts = []
                if parts:
                    return self._combined(parts, " and ".join(p.name for p in parts))
        # 13. only a governorate is named ("the northern districts of the province of Latakia")
        gov = self._governorate_mention(s)
        if gov is not None:
            p = Place.of(gov, "exact")
            p.notes.append(f"only the governorate is identified in {s!r}")
            return p
        reason = f"{s!r} is not in the offline gazetteer"
        if self._online_error:
            reason += f"; online lookup failed: {self._online_error}"
        elif self.fallback is None:
            reason += " (online lookup not enabled)"
        else:
            reason += " and the online geocoder found nothing"
        raise NotFound(reason)

    @property
    def _online_error(self) -> Optional[str]:
        """Why the online fallback failed for the phrase being resolved (per thread: Streamlit
        serves sessions from several threads)."""
        return getattr(self._local, "online_error", None)

    @_online_error.setter
    def _online_error(self, value: Optional[str]) -> None:
        self._local.online_error = value

    # ------------------------------------------------------------------ pieces

    def _name(self, name: str, country: Optional[str], *, kinds=None, where=None, fuzzy: bool = True,
              online: bool = True, stripped: bool = False) -> Optional[Place]:
        if not stripped:
            name = _strip_fillers(name)
        if not name:
            return None
        lk = self.gazetteer.lookup(name, country, kinds, fuzzy=fuzzy, where=where)
        if lk.best is not None:
            if lk.even:
                self._remember_even(name, lk)
                return None  # and no similar spelling either: the name is known, only not told apart
            return Place.from_lookup(lk, country)
        if lk.outside:
            prev = getattr(self._local, "outside", None)
            self._local.outside = list(prev) + list(lk.others) if prev else lk.others
        if fuzzy and country in (None, "SY"):
            p = self._similar(name, country, kinds, where)
            if p is not None:
                return p
        if online and self.fallback is not None and where is None:
            return self._online(name, country)
        return None

    def _remember_even(self, name: str, lk: Lookup) -> None:
        """A name whose namesakes nothing tells apart: if nothing else answers, the not-found
        answer lists them (the first such name read)."""
        if getattr(self._local, "even", None) is None:
            self._local.even = (name, lk)

    def _similar(self, name: str, country: Optional[str], kinds, where) -> Optional[Place]:
        """The last resort: the Syrian name most similar to ``name`` (rapidfuzz ratio of loose keys),
        accepted only at or above :data:`SIMILAR_THRESHOLD` (tuned on a labelled set, see
        ``benchmarks/fuzzy_threshold.py``) and only when one place is clearly best."""
        k = key_loose(name)
        if not k or len(k) < (SIMILAR_MIN_LEN if where is None else SIMILAR_MIN_LEN_IN_AREA):
            return None
        g = self.gazetteer
        cutoff = SIMILAR_THRESHOLD if where is None else SIMILAR_THRESHOLD_IN_AREA
        cands = g.fuzzy_candidates(k, limit=8 if where is None else 200, cutoff=cutoff)
        recs = []
        for rid, sc, key in cands:
            r = g.record(rid)
            if where is not None and not where(r):
                continue
            if kinds and r.kind not in kinds:
                continue
            recs.append((sc, r, key))
        if not recs:
            return None
        top = max(sc for sc, _, _ in recs)
        best = [(sc, r, key) for sc, r, key in recs if sc == top]
        best.sort(key=lambda x: (-x[1].prominence, x[1].rid))
        r0 = best[0][1]
        twins = [x for x in best[1:] if govmod.haversine_km(r0.lat, r0.lon, x[1].lat, x[1].lon) > 10.0]
        if twins:
            return None  # as similar to two places: the labelled set says such a pick is a coin toss
        others = [Match(x[1], 4) for x in sorted(recs, key=lambda x: -x[0]) if x[1].rid != r0.rid]
        p = Place.of(r0, "similar", [_alt(m, country) for m in others[:5]])
        p.notes.append(f"no place of that spelling; the most similar name is {best[0][2]!r} "
                       f"(similarity {top:.0f}/100): check {r0.name!r}")
        return p

    def _online(self, name: str, country: Optional[str]) -> Optional[Place]:
        self._online_error = None
        try:
            locs = self.fallback.geocode(name, exactly_one=False)
        except Exception as exc:  # any failure falls back cleanly: geopy errors, OSError, ...
            self._online_error = f"{type(exc).__name__}: {exc}"
            return None
        if not locs:
            return None
        locs = list(locs)
        raws = [getattr(loc, "raw", None) or {} for loc in locs]
        best_i = next((i for i, r in enumerate(raws) if country and r.get("country") == country), None)
        if best_i is None and country:
            return None  # a country hint is a border, online too
        best_i = best_i or 0
        r = raws[best_i]
        loc = locs[best_i]
        p = Place(name=r.get("name") or loc.address, lat=loc.latitude, lon=loc.longitude,
                  precision=int(r.get("precision") or 1), radius_km=float(r.get("radius_km") or 1.0),
                  admin1=r.get("admin1"), country=r.get("country"), source=r.get("source") or "online",
                  gazetteer_id=r.get("gazetteer_id"), kind=r.get("kind") or "", match="online")
        p.alternatives = [{k: rr.get(k) for k in ("name", "gazetteer_id", "precision", "radius_km", "admin1",
                                                  "country", "kind", "source")} | {"lat": l.latitude, "lon": l.longitude}
                          for i, (l, rr) in enumerate(zip(locs, raws)) if i != best_i][:5]
        return p

    def _governorate(self, name: str) -> Optional[Record]:
        lk = self.gazetteer.lookup(_strip_fillers(name), "SY", kinds={"admin1"}, fuzzy=True)
        if lk.best is not None and lk.best.record.kind == "admin1" and lk.best.record.country == "SY":
            return lk.best.record
        return None

    def _adjective(self, text: str, what: str = "", operator_hint: Optional[str] = None) -> Optional[Place]:
        """ "Syrian", "an Iraqi town": only the country is known. For a site ("a Russian airbase")
        the adjective may name who runs it rather than where it is: then the hinted country is
        assumed (``operator_hint``), and the note says so."""
        adj = _strip_fillers(text)
        cc = ADJECTIVES.get(adj.lower())
        if not cc:
            return None
        where_cc = operator_hint or cc
        rec = self.gazetteer.by_id(f"country:{where_cc}")
        if rec is None:
            return None
        p = Place.of(rec, "exact")
        if where_cc == cc:
            p.notes.append(f"{what or 'a place'} somewhere in {rec.name}: only the country is known")
        else:
            p.notes.append(f"{what or 'a place'} described as {adj}: that may name its operator, not its "
                           f"country; the hinted country ({rec.name}) is assumed")
        return p

    def _descriptor(self, name: str, group: str, country: Optional[str], where=None,
                    word: str = "") -> Optional[Place]:
        kinds, fallback = _DESC_KINDS[group]
        word = (word or group).strip().lower()
        name = _strip_fillers(name)
        if not name or _BARE_DESC.match(name):
            return None
        site = fallback in ("site_near", "site_in")
        article = "an" if group[0] in "aeiou" else "a"
        p = self._adjective(name, f"{article} {group}", operator_hint=country if site else None)
        if p is not None:
            return p
        lk = self.gazetteer.lookup(name, country, kinds, where=where)
        if lk.even:
            self._remember_even(name, lk)
            return None
        if lk.best is None:
            p = self._name(name, country, kinds=kinds, where=where)
            if p is None:
                return None
            if p.kind in kinds or p.match == "online":
                return p
            if p.match == "similar" or (p.match == "fuzzy" and (
                    where is None or len(skeleton(key_loose(name)) or "") < SKELETON_MIN)):
                return None  # a loosely spelled namesake of another kind: too weak a clue (as above)
            rec_kind = p.kind
        else:
            p = Place.from_lookup(lk, country)
            if lk.kind_matched:
                return p
            if lk.best.tier == 3 and (where is None or len(skeleton(key_loose(name)) or "") < SKELETON_MIN):
                # a loosely spelled namesake of another kind: too weak a clue, unless an area narrows
                # the search and the spelling has 4 consonants or more
                return None
            rec_kind = p.kind
        # Only a namesake of another kind was found.
        if fallback == "admin1":
            if rec_kind in PLACE_KINDS:
                p.precision = 4
                p.radius_km = max(PRECISION_RADIUS_KM[4], p.radius_km)
                p.kind = "admin1"
                p.notes.append(f"no boundary for this province in the gazetteer: centred on its namesake town "
                               f"{p.name}, radius {PRECISION_RADIUS_KM[4]:g} km")
                p.name = f"{name} province"
            return p
        if fallback == "site_near" and rec_kind in PLACE_KINDS:
            g = relative.near(p.geom())
            q = p.with_geometry(g, name=f"{name} {word}", kind=group, match=p.match)
            q.admin1 = self._admin1_of_disc(q)
            q.notes = [f"no {group} named {name!r} in the gazetteer: the place it is named after, "
                       f"within about 25 km"]
            q.extra.pop("relation", None)
            return q
        if fallback == "site_in" and rec_kind in PLACE_KINDS:
            if country and p.country != country:
                return None  # "Al-Quds hospital" must not become a hospital in Jerusalem
            p.notes.append(f"no {group} named {name!r} in the gazetteer: the place it is in")
            return p
        if fallback == "district" and rec_kind in PLACE_KINDS:
            # the district or sub-district the town lies in, when it is named after the town
            area = self._area_named_after(p, "admin3" in kinds)
            if area is not None:
                q = Place.of(area, p.match)
                q.notes.append(f"the {'sub-district' if area.kind == 'admin3' else 'district'} around {p.name}")
                return q
            p.precision = 3
            p.radius_km = max(PRECISION_RADIUS_KM[3], p.radius_km)
            p.kind = "admin2"
            p.notes.append("district named after its main town: centred on the town")
            return p
        return p

    def _area_named_after(self, town: Place, sub: bool) -> Optional[Record]:
        """The (sub-)district holding ``town`` if its name is the town's (loose keys at least 80 %
        alike): "Saraqeb nahiya" is the sub-district of Saraqab."""
        pc = town.admin3_pcode
        if not pc:
            return None
        code = pc if sub else pc[:6]
        rec = self.gazetteer.by_id(f"ocha:{code}")
        if rec is None:
            return None
        from rapidfuzz import fuzz

        return rec if fuzz.ratio(key_loose(rec.name), key_loose(town.name)) >= 80 else None

    def _contained(self, x: str, y: str, country: Optional[str], depth: int,
                   outer: Optional[Callable[[Record], bool]] = None) -> Place:
        """``x`` inside ``y`` ("Al-Quds hospital in Aleppo", "Kafr Nabl, Idlib", "X village in rural
        Aleppo"); if ``x`` is only a descriptor ("a village in Idlib"), ``y`` itself. ``outer``: a
        restriction from around the phrase (a record's own district) that still holds."""
        cy = self._country_of(y)
        if cy:
            return self._phrase(x, cy, depth + 1, where=outer)
        both = (lambda w: w) if outer is None else (lambda w: lambda r: outer(r) and w(r))
        bare = _strip_fillers(x)
        only_desc = not bare or bool(_ONLY_DESC.match(bare))
        # A governorate, district or sub-district named as the container: the candidates are those
        # whose sub-district P-code lies in it (the governorate before a town of the same name:
        # "X, Idlib" is the governorate's X).
        area = None if only_desc else self._admin_area(y)
        if area is not None:
            try:
                inner = self._phrase(x, "SY", depth + 1, where=both(self._in_admin(area)))
            except NotFound:
                inner = None
            if inner is not None:
                inner.notes.append(f"in {area.name} ({area.kind})")
                return inner
            # Just outside it by OCHA's lines (datasets draw boundaries differently): within
            # AREA_MARGIN_KM of the area, said so.
            try:
                inner = self._phrase(x, "SY", depth + 1, where=both(self._near_admin(area, AREA_MARGIN_KM)))
            except NotFound:
                inner = None
            if inner is not None:
                inner.notes.append(f"not inside {area.name} by OCHA's boundaries, but within "
                                   f"{AREA_MARGIN_KM:g} km of it")
                return inner
            if outer is not None:  # the restriction from around the phrase is narrower: its caller answers
                raise NotFound(f"{bare!r} is not in the gazetteer inside {area.name} and the area around")
            # The area is all that is known: answered at its own precision (3 or 4), honestly wide.
            return self._area_only(area, bare, country)
        container = self._phrase(y, country, depth + 1)
        where = both(self._within(container))
        try:
            inner = self._phrase(x, container.country or country, depth + 1, where=where)
        except NotFound:
            inner = None
        if inner is not None:
            inner.notes.append(f"in {container.name}")
            return inner
        if only_desc:
            container.notes.append(f"{bare or x!r}: no named place, the containing place is given")
            return container
        raise NotFound(f"{x!r} is not in the gazetteer inside {container.name}")

    def _alternates(self, s: str, country: Optional[str], depth: int, where) -> Optional[Place]:
        """Parts separated by "/" or "," ("Tadmur/Palmyra town", "Al-Bal'oum, Al-Mayadeen"): each is
        resolved (a trailing descriptor applies to every part); the most specific answer wins, the
        others become alternatives; parts that disagree by more than 10 km make it ambiguous."""
        parts = [x.strip() for x in re.split(r"\s*[/,]\s*", s) if x.strip()]
        if len(parts) < 2:
            return None
        m = _SUFFIX.match(parts[-1])
        tail = parts[-1][len(m["name"]):] if m else ""
        found: list[Place] = []
        for i, part in enumerate(parts):
            q = part + tail if tail and i < len(parts) - 1 and not _SUFFIX.match(part) else part
            try:
                found.append(self._phrase(q, country, depth + 1, where=where))
            except NotFound:
                continue
        if not found:
            return None
        order = sorted(range(len(found)), key=lambda i: (found[i].precision, found[i].radius_km, i))
        best = found[order[0]]
        others = [found[i] for i in order[1:]]
        far = [o for o in others if govmod.haversine_km(best.lat, best.lon, o.lat, o.lon) > 10.0]
        best.alternatives = [dict(o.summary(), lat=o.lat, lon=o.lon) for o in others] + best.alternatives
        if far and not all(o.precision > best.precision for o in far):
            best.ambiguous = True
            best.notes.append(f"the parts of {s!r} are places {len(far)} of which lie more than 10 km apart: "
                              f"the most specific is given, check the alternatives")
        elif others:
            best.notes.append(f"{len(others)} other part(s) of {s!r} resolved too (listed as alternatives)")
        return best

    def _admin_area(self, y: str) -> Optional[Record]:
        """The Syrian governorate, district or sub-district ``y`` names ("Idlib", "rural Aleppo",
        "Hamah governorate", "Jisr ash Shughur district", "ريف إدلب"), widest first."""
        t = _strip_fillers(y)
        for kinds in (("admin1",), ("admin2",), ("admin3",)):  # the name as it stands ("Rif Dimashq")
            lk = self.gazetteer.lookup(t, "SY", kinds=set(kinds), fuzzy=False)
            if lk.best is not None and lk.kind_matched and lk.best.record.kind in kinds:
                return lk.best.record
        m = _COUNTRYSIDE.match(t)
        if m:
            t = next(g for g in m.groups() if g)
        m = _ADMIN_WORDS.match(t)
        levels = [("admin1",), ("admin2",), ("admin3",)]
        if m:
            t = m["name"] or m["name2"]
            w = (m["w1"] or m["w2"] or "").lower()
            if "sub" in w or "nahi" in w or "ناحي" in w:
                levels = [("admin3",)]
            elif "district" in w or "mintaq" in w or "mantiq" in w or "منطق" in w:
                levels = [("admin2",), ("admin3",)]
        t = _strip_fillers(t)
        if not t:
            return None
        names = [t]
        mk = _MARKAZ.match(t)
        if mk and mk["name"] != t and levels[0] != ("admin3",):
            # "Markaz Homs", "Mintaqat Markaz Hamah", "Mintaqat Azaz" (GADM's names): the district
            names.insert(0, mk["name"])
            if mk["centre"]:
                levels = [("admin2",)]
        want_district = ("admin2",) in levels
        for name in names:
            for kinds in levels:
                lk = self.gazetteer.lookup(name, "SY", kinds=set(kinds), fuzzy=True)
                if lk.best is not None and lk.kind_matched and lk.best.record.kind in kinds:
                    return self._district_of_centre(lk.best.record) if want_district else lk.best.record
            # the area only under a looser spelling than a town of that name ("Tall Abyad district"
            # is OCHA's "Tell Abiad" district; the town also has the spelling "Tall Abyad")
            for kinds in levels:
                ms = [m for m in self.gazetteer.matches(name) if m.record.kind in kinds and m.record.country == "SY"]
                if ms:
                    tier = min(m.tier for m in ms)
                    ms = [m for m in ms if m.tier == tier]
                    if len(ms) == 1:
                        return self._district_of_centre(ms[0].record) if want_district else ms[0].record
        return None

    def _district_of_centre(self, rec: Record) -> Record:
        """A district was asked for and a sub-district found: if it is its district's centre (OCHA
        codes the centre sub-district SYxxxx00 and names it after the district), the district."""
        pc = rec.gazetteer_id.split(":", 1)[1] if rec.kind == "admin3" else ""
        if len(pc) == 8 and pc.endswith("00"):
            return self.gazetteer.by_id(f"ocha:{pc[:6]}") or rec
        return rec

    @classmethod
    def _near_admin(cls, area: Record, km: float) -> Callable[[Record], bool]:
        inside = cls._in_admin(area)
        pcode = area.gazetteer_id.split(":", 1)[1]
        ix = admin.get_index()
        return lambda r: r.country == "SY" and (inside(r) or ix.distance_km(pcode, r.lat, r.lon) <= km)

    @staticmethod
    def _in_admin(area: Record) -> Callable[[Record], bool]:
        pcode = area.gazetteer_id.split(":", 1)[1]
        gov = area.admin1

        def inside(r: Record) -> bool:
            if r.country != "SY" or r.gazetteer_id == area.gazetteer_id:
                return False
            if r.admin3_pcode:
                return r.admin3_pcode.startswith(pcode)
            if len(pcode) == 4:
                return r.admin1 == gov
            code = admin.locate(r.lat, r.lon)["admin3_pcode"]
            return bool(code) and code.startswith(pcode)
        return inside

    def _within(self, container: Place) -> Callable[[Record], bool]:
        if container.kind == "admin1" and container.country == "SY":
            gov = container.admin1
            return lambda r: r.admin1 == gov
        if container.kind == "country":
            cc = container.country
            return lambda r: r.country == cc
        lat, lon, km = container.lat, container.lon, container.radius_km + 15.0
        return lambda r: govmod.haversine_km(lat, lon, r.lat, r.lon) <= km

    def _distance(self, t: str, m: re.Match, country: Optional[str], depth: int) -> Place:
        km = float(m["num"].replace(",", "."))
        tol = relative.DEFAULT_TOLERANCE
        if m["num2"]:
            km2 = float(m["num2"].replace(",", "."))
            lo, hi = min(km, km2), max(km, km2)
            km = (lo + hi) / 2
            tol = max(tol, (hi - lo) / 2 / km + tol) if km else tol
        if m["unit"].lower().startswith("mi"):
            km *= 1.609344
        bearing = relative.bearing_of(m["dir"]) if m["dir"] else None
        anchor_text = m["anchor"]
        gov = None
        # "40 km from Palmyra in Hama province": the governorate limits the ring
        mi = _CONTAINER_IN.match(anchor_text)
        if mi:
            g = self._governorate_mention(mi["y"])
            if g is not None:
                gov, anchor_text = g, mi["x"]
        if gov is None:
            gov = self._governorate_mention(t[: m.start()])
        a = self._phrase(anchor_text, country, depth + 1)
        contains = None
        area = ""
        if gov is not None:
            polys = govmod.by_pcode(gov.gazetteer_id.split(":", 1)[1])
            contains, area = polys.contains, gov.name
        g = relative.ring(a.geom(), km, bearing=bearing, tolerance=tol, contains=contains, area_name=area)
        label = f"{km:g} km " + (f"{m['dir'].lower()} of" if m["dir"] else "from") + f" {a.name}"
        if gov is not None and not g.get("area_miss"):
            label += f", in {gov.name}"
        p = a.with_geometry(g, name=label, kind="relative")
        p.extra.pop("area_miss", None)
        others = p.extra.pop("other_arcs", [])
        p.alternatives = [dict(o, name=f"{label} (another arc)") for o in others] + p.alternatives[:3]
        if gov is not None and not g.get("area_miss"):
            p.admin1 = gov.admin1
        else:
            p.admin1 = self._admin1_of_disc(p)
        return p

    def _governorate_mention(self, text: str) -> Optional[Record]:
        """A Syrian governorate a phrase mentions ("in Hama province during ...")."""
        text = text or ""
        cands = []
        for m in _GOV_AFTER.finditer(text):
            w = m["n"].split()
            cands += [" ".join(w[:2]), w[0]]
        for m in _GOV_BEFORE.finditer(text):
            w = m["n"].split()
            cands += [" ".join(w[-2:]), w[-1]]
        for cand in cands:
            if _strip_fillers(cand):
                rec = self._governorate(cand)
                if rec is not None:
                    return rec
        return None

    def _border(self, s: str, country: Optional[str]) -> Optional[Place]:
        pair = None
        m = _BORDER_BETWEEN.match(s)
        if m:
            pair = (self._iso(m["a"]), self._iso(m["b"]))
        else:
            m = _BORDER_WITH.match(s) or _BORDER_ONE.match(s)
            if m:
                pair = (country, self._iso(m["b"]))
            else:
                m = _BORDER_PAIR.match(s)
                if m:
                    pair = (self._iso(m["a"]), self._iso(m["b"]))
        if not pair or not all(pair) or pair[0] == pair[1]:
            return None
        for a, b in (pair, pair[::-1]):
            rec = self.gazetteer.by_id(f"site:border-{a}-{b}")
            if rec is not None:
                return Place.of(rec, "exact")
        return None

    def _iso(self, word: str) -> Optional[str]:
        w = _strip_fillers(word).lower()
        return DEMONYMS.get(w) or self._country_of(w)

    def _combined(self, parts: list[Place], name: str) -> Place:
        g = relative.combine([p.geom() for p in parts])
        p = Place(name=name, lat=g["lat"], lon=g["lon"], precision=g["precision"], radius_km=g["radius_km"],
                  admin1=None, country=None, source="derived", kind="combined", match="derived",
                  notes=list(g.get("notes", [])))
        admin1s = {q.admin1 for q in parts}
        countries = {q.country for q in parts}
        p.admin1 = admin1s.pop() if len(admin1s) == 1 else None
        p.country = countries.pop() if len(countries) == 1 else None
        p.extra = {"relation": "combined", "components": [q.summary() for q in parts]}
        return p

    def _admin1_of_disc(self, p: Place) -> Optional[str]:
        """The governorate if the whole disc lies in one (Syria only), else None. (Sampled at the
        centre and eight points on the rim, on a sphere: a membership test, not a measurement.)"""
        if p.country not in (None, "SY"):
            return None
        names = set()
        pts = [(p.lat, p.lon)] + [_sphere_destination(p.lat, p.lon, b, p.radius_km) for b in range(0, 360, 45)]
        for lat, lon in pts:
            names.add(govmod.admin1_at(lat, lon, max_km=0.0))
            if len(names) > 1:
                return None
        return names.pop() if names else None


def _sphere_destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    d = km / govmod.EARTH_RADIUS_KM
    la1, lo1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    la2 = math.asin(math.sin(la1) * math.cos(d) + math.cos(la1) * math.sin(d) * math.cos(b))
    lo2 = lo1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(la1), math.cos(d) - math.sin(la1) * math.sin(la2))
    return math.degrees(la2), (math.degrees(lo2) + 540) % 360 - 180
