"""Building the gazetteer index from its inputs (see :mod:`geodata.gazetteer`).

Takes some 20-40 s (GeoNames' 80 MB of JSON and 1.4 million names); it runs once per change of
inputs and the result is cached on disk.
"""
from __future__ import annotations

import array
import bisect
import csv
import json
import math
import statistics
import time
import zlib
from typing import Iterable, Optional

from . import governorates as govmod
from .index_format import BUCKET_SHIFT, BUCKETS, INDEX_FORMAT, KINDS, MAGIC, SOURCES, TIERS, key_hash
from .normalize import keys_many, skeleton
from .precision import default_radius, radius_for_population

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

class _Builder:
    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("gid", "name", "kind", "lat", "lon", "precision", "radius",
                                                       "admin1", "country", "pop", "source", "acode",
                                                       "nhash", "adm3", "prom", "ids")}
        self.tables: dict[str, list] = {"kind": list(KINDS), "source": list(SOURCES), "admin1": [None],
                                        "country": [None], "acode": [None], "adm3": [None]}
        self._tindex = {t: {v: i for i, v in enumerate(vals)} for t, vals in self.tables.items()}
        self.notes: dict[int, str] = {}
        self.entries: tuple[list[int], ...] = ([], [], [])  # per tier: (hash << 24) | rid
        self._pending: list[tuple[int, bool, str, bool]] = []
        self.fz_rids: set[int] = set()  # records whose loose keys the last-resort fuzzy matcher scans
        self.fz: dict[str, set[int]] = {}

    def _code(self, table: str, value) -> int:
        idx = self._tindex[table]
        if value not in idx:
            idx[value] = len(self.tables[table])
            self.tables[table].append(value)
        return idx[value]

    def add(self, *, gid: str, name: str, kind: str, lat: float, lon: float, precision: int, radius: float,
            admin1: Optional[str], country: Optional[str], population: int, source: str,
            names: Iterable[str], fuzzy: bool, acode: Optional[str] = None, note: str = "",
            adm3: Optional[str] = None, prominence: int = 0, ids: str = "") -> int:
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
        c["adm3"].append(self._code("adm3", adm3 or None))
        c["prom"].append(max(0, min(255, int(prominence))))
        c["ids"].append(ids or gid)
        if note:
            self.notes[rid] = note
        c["nhash"].append(0)
        for i, n in enumerate(dict.fromkeys(names)):
            if n:
                self._pending.append((rid, fuzzy, n, i == 0))
        if len(self._pending) >= 100_000:
            self._flush()
        return rid

    def _flush(self) -> None:
        """Keys of the queued names, computed in one batch (much faster than one by one)."""
        if not self._pending:
            return
        pending = self._pending
        k1s, k2s = keys_many([p[2] for p in pending])
        crc32 = zlib.crc32
        memo = {k: (crc32(b) << 32) | crc32(b[::-1])
                for k in set(k1s).union(k2s) if k for b in (k.encode("utf-8"),)}
        rids = [p[0] for p in pending]
        e1, e2, e3 = self.entries
        e1 += [(memo[k] << 24) | r for r, k in zip(rids, k1s) if k]
        e2 += [(memo[k] << 24) | r for r, k in zip(rids, k2s) if k]
        nhash = self.cols["nhash"]
        for (rid, fuzzy, _, primary), k2 in zip(pending, k2s):
            if primary and k2:
                nhash[rid] = memo[k2]  # the primary name's loose key, for ranking
            if rid in self.fz_rids and k2 and len(k2) >= 3:
                self.fz.setdefault(k2, set()).add(rid)
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
            hashes = [e >> 24 for e in entries]
            sections[f"hash{tier}"] = ("Q", array.array("Q", hashes).tobytes())
            sections[f"post{tier}"] = ("I", array.array("I", [e & mask for e in entries]).tobytes())
            # where each value of a hash's top 16 bits starts: a lookup bisects ~30 entries, not 2 million
            starts = array.array("I", (bisect.bisect_left(hashes, b << BUCKET_SHIFT) for b in range(BUCKETS)))
            starts.append(len(hashes))
            sections[f"start{tier}"] = ("I", starts.tobytes())
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
            "nhash": ("Q", array.array("Q", self.cols["nhash"]).tobytes()),
            "adm3": ("H", array.array("H", self.cols["adm3"]).tobytes()),
            "prom": ("B", array.array("B", self.cols["prom"]).tobytes()),
        })
        # Keys by length, then alphabetically; fz_len[L] is the first key of length >= L and
        # fz_len_byte[L] where it starts in the blob: a reader decodes only the lengths it needs.
        fz_keys = sorted(self.fz, key=lambda k: (len(k), k))
        fz_off = array.array("I", [0])
        fz_rid = array.array("I")
        for k in fz_keys:
            fz_rid.extend(sorted(self.fz[k]))
            fz_off.append(len(fz_rid))
        fz_len, fz_len_byte = array.array("I"), array.array("I")
        pos = i = 0
        for L in range(max((len(k) for k in fz_keys), default=0) + 2):
            while i < len(fz_keys) and len(fz_keys[i]) < L:
                pos += len(fz_keys[i].encode("utf-8")) + 1
                i += 1
            fz_len.append(i)
            fz_len_byte.append(pos)
        sections["fz_key_blob"] = ("B", "\n".join(fz_keys).encode("utf-8"))
        sections["fz_off"] = ("I", fz_off.tobytes())
        sections["fz_rid"] = ("I", fz_rid.tobytes())
        sections["fz_len"] = ("I", fz_len.tobytes())
        sections["fz_len_byte"] = ("I", fz_len_byte.tobytes())
        for col in ("gid", "name", "ids"):
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


def _add_syria(b: _Builder, sources, cities: dict, govs, by_country: dict) -> None:
    """The Syria gazetteer (``syria_places.csv.gz``): each merged place once, with GeoNames'
    entry for it (population, alternate names) folded in by GeoNames id."""
    from . import admin as adminmod
    from .syria_build import ADMIN_NAME, read_places

    places = read_places(sources.syria_places)
    aidx = adminmod.AdminIndex.from_file(sources.syria_admin)
    gov_names = {g.pcode: g.name for g in govs}
    by_gn: dict[str, dict] = {}
    for row in places:
        for i in row["ids"].split("|"):
            if i.startswith("geonames:"):
                by_gn.setdefault(i[9:], row)
    extra: dict[str, tuple[int, list[str]]] = {}
    for c in cities.values():
        if c.get("countrycode") != "SY":
            continue
        row = by_gn.get(str(c["geonameid"]))
        if row is not None:
            c["_merged"] = True
            extra[row["id"]] = (int(c.get("population") or 0),
                                [a for a in c.get("alternatenames") or () if len(a) <= 80
                                 and not ADMIN_NAME.search(a)
                                 and not (len(a) <= 4 and a.isupper() and a.isascii())])
    for row in places:
        kind = row["kind"]
        lat, lon = float(row["lat"]), float(row["lon"])
        names = [row["name"], *row["names"].split("|")]
        pop, more = extra.get(row["id"], (0, []))
        names += more
        if kind in ("admin2", "admin3"):
            u = aidx.unit(row["id"].split(":", 1)[1])
            ext = aidx.extent(u.pcode) if u else None
            precision, radius = 3, (ext.radius_km if ext else default_radius(3))
            adm3 = row["adm3"] or None
            pcode = u.pcode if u else ""
            a1 = gov_names.get(pcode[:4])
        else:
            precision, radius = 1, radius_for_population(pop)
            adm3 = row["adm3"] or None
            a1 = gov_names.get((adm3 or "")[:4])
        by_country.setdefault("SY", []).append((lat, lon))
        rid = b.add(gid=row["id"], name=row["name"], kind=kind, lat=lat, lon=lon, precision=precision, radius=radius,
                    admin1=a1, country="SY", population=pop, source=row["id"].split(":", 1)[0], names=names,
                    fuzzy=True, adm3=adm3 if kind != "admin2" else None, prominence=int(row["prominence"] or 0),
                    ids=row["ids"])
        b.fz_rids.add(rid)


def build_bytes(sources, fingerprint: Optional[str] = None) -> bytes:
    """Build the index from its inputs (seconds: GeoNames' JSON is large) and serialise it."""
    t0 = time.perf_counter()
    fingerprint = fingerprint or sources.fingerprint()
    b = _Builder()
    govs = govmod.load(sources.governorates, sources.governorate_names)
    syr_lat, syr_lon, syr_radius = _syria_country_point(govs)
    from . import admin as adminmod

    aidx = adminmod.AdminIndex.from_file(sources.syria_admin)

    def adm3_at(lat: float, lon: float, precision: int = 1) -> Optional[str]:
        """The sub-district of a Syrian point of precision 1-2 (stored, so that answering a site
        needs no polygons)."""
        return aidx.locate(lat, lon)["admin3_pcode"] if precision <= 2 else None

    for g in govs:
        b.add(gid=f"admin1:{g.pcode}", name=g.name, kind="admin1", lat=g.lat, lon=g.lon, precision=4,
              radius=g.radius_km, admin1=g.name, country="SY", population=0, source="ocha",
              names=[g.name, g.name_ar, *g.aliases], fuzzy=True)
        b.fz_rids.add(len(b.cols["gid"]) - 1)

    with open(sources.sites, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            lat, lon, prec = float(row["lat"]), float(row["lon"]), int(row["precision"])
            radius = float(row["radius_km"]) if (row.get("radius_km") or "").strip() else None
            b.add(gid=f"site:{row['id'].strip()}", name=row["name"].strip(), kind=row["kind"].strip(), lat=lat,
                  lon=lon, precision=prec, radius=radius if radius is not None else default_radius(prec),
                  admin1=(row.get("admin1") or "").strip() or None, country=(row.get("country") or "").strip() or None,
                  population=0, source="curated", fuzzy=True, note=(row.get("note") or "").strip(),
                  names=[row["name"], *(a.strip() for a in (row.get("aliases") or "").split("|"))],
                  adm3=adm3_at(lat, lon, prec) if (row.get("country") or "").strip() == "SY" else None)

    with open(sources.cities, encoding="utf-8") as f:
        cities = json.load(f)
    by_country: dict[str, list[tuple[float, float]]] = {}
    _add_syria(b, sources, cities, govs, by_country)
    for c in cities.values():
        pop = int(c.get("population") or 0)
        cc = c.get("countrycode") or None
        lat, lon = float(c["latitude"]), float(c["longitude"])
        if pop < sources.min_population and cc not in FUZZY_COUNTRIES and sources.min_population > 500:
            continue
        admin1 = None
        if c.get("_merged"):
            continue  # its names and population went into the Syria gazetteer's entry
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
              acode=f"{cc}.{c['admin1code']}" if c.get("admin1code") else None,
              adm3=adm3_at(lat, lon) if cc == "SY" else None)
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


