"""``python -m geodata build-gazetteer``: the Syria gazetteer shipped in ``geodata/data/``.

Reads the real place data in ``../shared/data/gazetteer/`` (see its README: OCHA communities and
neighbourhoods, Who's On First localities, OpenSyria admin divisions, OCHA district and
sub-district polygons) and writes, small enough to ship with the app (Community Cloud only runs
``pip install``):

- ``syria_places.csv.gz`` — one row per place, records of one place across sources merged: its
  names (every spelling of every source, `` | ``-separated), its source ids (OCHA P-code, WOF id,
  GeoNames id), point, kind, admin-3 P-code, and a prominence score used to rank namesakes;
- ``syr_admin.geojson.gz`` — the 272 sub-district polygons (simplified, topology kept within
  about 100 m) with their district and governorate P-codes and names; districts are their unions.

Merging: a Who's On First locality joins an OCHA community when one of its names equals one of
the community's after normalisation (:func:`geodata.normalize.key_loose`: case, diacritics,
articles, Arabic letter forms, doubled letters, endings) and the points are within
:data:`MERGE_KM`; otherwise it is a place of its own. A neighbourhood joins a community of the
same name within 2 km (the community *is* that quarter), else stays a neighbourhood.
This runs at development time only; the app and its tests read the written files.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Optional

from .normalize import key_loose

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_PATH = DATA_DIR / "syria_places.csv.gz"
ADMIN_PATH = DATA_DIR / "syr_admin.geojson.gz"
DEFAULT_SRC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "gazetteer"
MERGE_KM = 4.0
PLACE_COLUMNS = ("id", "kind", "name", "name_ar", "lat", "lon", "adm3", "prominence", "ids", "names")
SIMPLIFY_DEG = 0.001

# Names of an admin area that sources list under its main town ("Latakia Governate", "مُحافظة
# اللاذقية", "Nawa Subdistrict"): they belong to the area's own entry, not to the town's.
ADMIN_NAME = re.compile(r"\b(?:governorate|governate|province|muhafaz\w*|district|sub-?district|subdistrict|"
                        r"nahiy\w*|mintaqat|qada)\b|محافظ|ناحي|منطقة", re.I)

# OpenSyria's unvowelled machine transliterations ("nahyt mrkz albab") are worth nothing as names.
_MACHINE = ("nahyt", "mntkt", "mrkz", "mhafzt")


def _km(lat1, lon1, lat2, lon2) -> float:
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def _split(v: Optional[str]) -> list[str]:
    return [s.strip() for s in (v or "").split("|") if s.strip()]


class _Place:
    __slots__ = ("id", "kind", "name", "name_ar", "lat", "lon", "adm3", "prominence", "ids", "names")

    def __init__(self, id, kind, name, name_ar, lat, lon, adm3=None, prominence=0):
        self.id, self.kind, self.name, self.name_ar = id, kind, name, name_ar
        self.lat, self.lon, self.adm3, self.prominence = float(lat), float(lon), adm3, prominence
        self.ids: list[str] = [id]
        self.names: list[str] = []

    def add_names(self, names: Iterable[str]) -> None:
        for n in names:
            n = " ".join(str(n).split())
            if self.kind not in ("admin2", "admin3") and ADMIN_NAME.search(n):
                continue
            if n and n not in self.names and len(n) <= 80:
                self.names.append(n)

    def keys(self) -> set[str]:
        return {k for k in (key_loose(n) for n in self.names) if k and len(k) >= 3}


class _Grid:
    """Places by a 0.05° cell, for "within a few km" without comparing every pair."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[_Place]] = defaultdict(list)

    def add(self, p: _Place) -> None:
        self.cells[(int(p.lat // 0.05), int(p.lon // 0.05))].append(p)

    def near(self, lat: float, lon: float, km: float) -> list[_Place]:
        ci, cj = int(lat // 0.05), int(lon // 0.05)
        out = []
        for i in (ci - 1, ci, ci + 1):
            for j in (cj - 1, cj, cj + 1):
                out += [p for p in self.cells.get((i, j), ()) if _km(lat, lon, p.lat, p.lon) <= km]
        return out


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _merge_into(grid: _Grid, lat: float, lon: float, names: list[str], km: float,
                kinds=("populated_place",)) -> Optional[_Place]:
    keys = {k for k in (key_loose(n) for n in names) if k and len(k) >= 3}
    best = None
    for p in grid.near(lat, lon, km):
        if p.kind in kinds and keys & p.keys():
            d = _km(lat, lon, p.lat, p.lon)
            if best is None or d < best[0]:
                best = (d, p)
    return best[1] if best else None


def build_places(src: Path) -> tuple[list[_Place], dict]:
    """Merged places from the sources in ``src``; and counts of what was read and merged."""
    stats: dict[str, int] = {}
    places: list[_Place] = []
    grid = _Grid()
    # OCHA communities: the backbone (P-codes, EN + AR, admin 1-3).
    comm = _read_csv(src / "ocha_communities.csv")
    adm3_names = {}
    for r in comm:
        adm3_names[r["admin3_pcode"]] = key_loose(r["admin3_en"])
    adm2_names = {r["admin2_pcode"]: key_loose(r["admin2_en"]) for r in comm}
    for r in comm:
        k = key_loose(r["name_en"])
        prom = 1 + (k == adm3_names[r["admin3_pcode"]]) + 2 * (k == adm2_names[r["admin2_pcode"]]) \
            + 2 * (r.get("is_admin1_capital") == "1")
        p = _Place(f"ocha:{r['pcode']}", "populated_place", r["name_en"], r["name_ar"], r["lat"], r["lon"],
                   r["admin3_pcode"], prom)
        p.add_names([r["name_en"], r["name_ar"]])
        places.append(p)
        grid.add(p)
    stats["ocha_communities"] = len(comm)
    # Who's On First localities (mostly GeoNames'): merged into a community or kept.
    wof = _read_csv(src / "wof_localities.csv")
    merged = kept = dropped = 0
    for r in wof:
        if r.get("deprecated") or r.get("is_current") == "0" or r.get("gn_feature_code") == "PPLQ" \
                or r.get("placetype") != "locality":
            dropped += 1
            continue
        names = [r["name"], r.get("name_ar", ""), *_split(r.get("names_ar_all")), *_split(r.get("names_en_all")),
                 *_split(r.get("names_latin_other")), r.get("gn_name", ""), r.get("gn_asciiname", "")]
        names = [n for n in names if n]
        ids = [f"wof:{r['wof_id']}"] + ([f"geonames:{r['gn_geonameid']}"] if r.get("gn_geonameid") else [])
        prom_bonus = 1 if r.get("wikidata") else 0
        p = _merge_into(grid, float(r["lat"]), float(r["lon"]), names, MERGE_KM)
        if p is not None:
            merged += 1
            p.add_names(names)
            p.ids += [i for i in ids if i not in p.ids]
            p.prominence += 1 + prom_bonus
            continue
        kept += 1
        p = _Place(ids[0], "populated_place", r["name"] or r.get("gn_name") or names[0], r.get("name_ar", ""),
                   r["lat"], r["lon"], None, prom_bonus)
        p.ids = ids
        p.add_names(names)
        places.append(p)
        grid.add(p)
    # A second pass: a locality kept in the first one may share a name with a community that only
    # gained that name from a later locality ("Lislamin" reaches Salamin through "Islamin").
    gone: set[int] = set()
    for p in [p for p in places if p.id.startswith("wof:")]:
        best = None
        for q in grid.near(p.lat, p.lon, MERGE_KM):
            if q is not p and id(q) not in gone and q.kind == "populated_place" and q.keys() & p.keys() \
                    and (q.id.startswith("ocha:") or q.id < p.id):
                d = _km(p.lat, p.lon, q.lat, q.lon)
                if best is None or d < best[0]:
                    best = (d, q)
        if best is not None:
            q = best[1]
            q.add_names(p.names)
            q.ids += [i for i in p.ids if i not in q.ids]
            q.prominence += 1
            gone.add(id(p))
            merged += 1
            kept -= 1
    places = [p for p in places if id(p) not in gone]
    grid = _Grid()
    for p in places:
        grid.add(p)
    stats.update(wof_merged=merged, wof_kept=kept, wof_dropped=dropped)
    # OCHA neighbourhoods.
    nb_merged = nb_kept = 0
    for r in _read_csv(src / "ocha_neighbourhoods.csv"):
        names = [r["NAME_EN"], *_split(r.get("NAM_EN_REF")), r["NAME_AR"], *_split(r.get("NAM_AR_REF"))]
        lat, lon = float(r["LATITUDE"]), float(r["LONGITUDE"])
        p = _merge_into(grid, lat, lon, names, 2.0)
        if p is not None:
            nb_merged += 1
            p.add_names(names)
            p.ids.append(f"ocha:{r['PCODE']}")
            continue
        nb_kept += 1
        p = _Place(f"ocha:{r['PCODE']}", "neighbourhood", r["NAME_EN"], r["NAME_AR"], lat, lon, r["ADM3_PCODE"], 0)
        p.add_names(names)
        places.append(p)
    stats.update(neighbourhoods_merged=nb_merged, neighbourhoods_kept=nb_kept)
    # Districts and sub-districts: names from the polygons and OpenSyria's aliases; point from
    # OpenSyria (polygon centroid), radius later from the polygon.
    osy = {r["ocha_pcode"]: r for r in _read_csv(src / "opensyria_admin.csv")}
    for lvl, fname in (("admin2", "syr_admin2_ocha.geojson"), ("admin3", "syr_admin3_ocha.geojson")):
        n = lvl[-1]
        with open(src / fname, encoding="utf-8") as f:
            feats = json.load(f)["features"]
        for ft in feats:
            pr = ft["properties"]
            pcode = pr[f"adm{n}_pcode"]
            o = osy.get(pcode, {})
            names = [pr[f"adm{n}_name"], pr.get(f"adm{n}_name1") or "", pr.get(f"adm{n}_ref_n") or "",
                     o.get("name_en", ""), o.get("name_ar", "")]
            names += [a for a in _split(o.get("aliases_en")) if not a.lower().startswith(_MACHINE)]
            names += _split(o.get("aliases_ar"))
            from shapely.geometry import shape

            geom = shape(ft["geometry"])
            pt = geom.representative_point() if not o.get("lat") else None
            lat, lon = (float(o["lat"]), float(o["lon"])) if pt is None else (pt.y, pt.x)
            p = _Place(f"ocha:{pcode}", lvl, pr[f"adm{n}_name"], pr.get(f"adm{n}_name1") or "", lat, lon,
                       pcode if lvl == "admin3" else None, 0)
            p.add_names(n for n in names if n)
            places.append(p)
        stats[lvl] = len(feats)
    stats["places"] = len(places)
    return places, stats


def build_admin(src: Path) -> dict:
    """Sub-district polygons, simplified, with their parents' P-codes and names."""
    import shapely
    from shapely.geometry import mapping, shape

    with open(src / "syr_admin3_ocha.geojson", encoding="utf-8") as f:
        feats = json.load(f)["features"]
    out = []
    for ft in feats:
        pr = ft["properties"]
        g = shape(ft["geometry"]).simplify(SIMPLIFY_DEG, preserve_topology=True)
        g = shapely.set_precision(g, 1e-4)
        if not g.is_valid:
            g = shapely.make_valid(g)
        keep = {k: pr[k] for k in ("adm3_pcode", "adm3_name", "adm3_name1", "adm2_pcode", "adm2_name", "adm2_name1",
                                   "adm1_pcode", "adm1_name", "adm1_name1")}
        out.append({"type": "Feature", "properties": keep, "geometry": mapping(g)})
    return {"type": "FeatureCollection", "features": out}


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; this is data that ships
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write(src: Path | str = DEFAULT_SRC, places_path: Path = PLACES_PATH, admin_path: Path = ADMIN_PATH) -> dict:
    """Build both files from ``src`` and write them atomically; returns the build's counts."""
    from . import admin as adminmod

    src = Path(src or DEFAULT_SRC)
    fc = build_admin(src)
    _atomic_write(admin_path, gzip.compress(json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
                                            .encode("utf-8"), 9, mtime=0))
    places, stats = build_places(src)
    # Every place's sub-district by point-in-polygon (OCHA's own admin-3 code is kept where given).
    idx = adminmod.AdminIndex.from_geojson(fc)
    todo = [p for p in places if not p.adm3 and p.kind in ("populated_place", "neighbourhood")]
    found = idx.locate_many([p.lat for p in todo], [p.lon for p in todo])
    for p, code in zip(todo, found["admin3_pcode"]):
        p.adm3 = code or None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PLACE_COLUMNS)
    for p in places:
        w.writerow([p.id, p.kind, p.name, p.name_ar, f"{p.lat:.5f}", f"{p.lon:.5f}", p.adm3 or "", p.prominence,
                    "|".join(p.ids), "|".join(p.names)])
    _atomic_write(places_path, gzip.compress(buf.getvalue().encode("utf-8"), 9, mtime=0))
    stats.update(places_bytes=places_path.stat().st_size, admin_bytes=admin_path.stat().st_size,
                 outside_admin3=sum(1 for p in places if p.kind == "populated_place" and not p.adm3))
    return stats


def read_places(path: Path = PLACES_PATH) -> list[dict]:
    """The shipped places (what the index builder reads)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
