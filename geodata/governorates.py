"""Syria's 14 governorates: simplified polygons, names, point-in-governorate lookups.

The polygons in ``geodata/data/syr_governorates.geojson`` are OCHA's common operational
boundaries (via HDX, CC BY 3.0 IGO; see ``geodata/data/CREDITS.md``) simplified by
:func:`simplify_feature_collection`: a pure-Python Douglas–Peucker run on each *shared arc*
once, so neighbouring governorates keep exactly the same border (no gaps, no overlaps from
the simplification). Regenerate with ``python -m geodata simplify-governorates SRC``.

``admin1`` names are OCHA's ``NAME_EN`` ("Idleb", "Al-Hasakeh", "Deir-ez-Zor", ...), which
ACLED also uses; the common spellings are in ``governorate_names.csv``.
"""
from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

DATA_DIR = Path(__file__).resolve().parent / "data"
GEOJSON_PATH = DATA_DIR / "syr_governorates.geojson"
NAMES_PATH = DATA_DIR / "governorate_names.csv"

EARTH_RADIUS_KM = 6371.0088

Ring = list[tuple[float, float]]  # (lon, lat), closed: first == last
Polygon = list[Ring]  # outer ring, then holes

__all__ = [
    "Governorate", "governorates", "by_pcode", "by_name", "admin1_at", "governorate_at",
    "outline_geojson", "simplify_feature_collection", "haversine_km", "point_in_polygons",
]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; within 0.5 % of geodesic, and fast (used for extents and radii)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# --------------------------------------------------------------------------- geometry

def _ring_contains(ring: Sequence[tuple[float, float]], x: float, y: float) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygons(polygons: Sequence[Polygon], lon: float, lat: float) -> bool:
    """Even-odd test: inside an outer ring and in none of its holes."""
    for poly in polygons:
        if _ring_contains(poly[0], lon, lat) and not any(_ring_contains(h, lon, lat) for h in poly[1:]):
            return True
    return False


def _ring_area_centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a /= 2
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return a, cx / (6 * a), cy / (6 * a)


def _seg_dist_deg(px, py, ax, ay, bx, by, kx) -> float:
    """Distance from P to segment AB in degrees of latitude, x scaled by kx = cos(lat)."""
    px, ax, bx = px * kx, ax * kx, bx * kx
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


# --------------------------------------------------------------------------- simplification

def _douglas_peucker(points: Sequence[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    kx = math.cos(math.radians(sum(p[1] for p in points) / n))
    while stack:
        i, j = stack.pop()
        ax, ay = points[i]
        bx, by = points[j]
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist_deg(points[k][0], points[k][1], ax, ay, bx, by, kx)
            if d > best:
                best, idx = d, k
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(points, keep) if k]


def _polygons_of(geometry: dict) -> list[Polygon]:
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in poly] for poly in polys]


def simplify_feature_collection(fc: dict, tolerance_deg: float = 0.003, decimals: int = 4,
                                keep_properties: Iterable[str] = ("NAME_EN", "NAME_ARA", "PCODE",
                                                                  "AREA_SQKM")) -> dict:
    """Topology-preserving Douglas–Peucker over a polygon FeatureCollection.

    Rings are cut into arcs at *nodes* (vertices where more than two edges meet, i.e. where
    borders join); each distinct arc is simplified once and reused, reversed where needed, by
    every ring that contains it, so shared borders stay identical. Rings with no node start
    at their smallest vertex so that two rings tracing the same loop cut it at the same place.
    """
    feats = [(f["properties"], _polygons_of(f["geometry"])) for f in fc["features"]]
    nbrs: dict[tuple[float, float], set] = defaultdict(set)
    for _, polys in feats:
        for poly in polys:
            for ring in poly:
                pts = ring[:-1] if ring[0] == ring[-1] else ring
                for a, b in zip(pts, pts[1:] + pts[:1]):
                    nbrs[a].add(b)
                    nbrs[b].add(a)
    nodes = {p for p, s in nbrs.items() if len(s) != 2}
    done: dict[tuple, tuple] = {}

    def simplify_arc(arc: list) -> list:
        fwd, rev = tuple(arc), tuple(reversed(arc))
        canon = min(fwd, rev)
        if canon not in done:
            s = _douglas_peucker(list(canon), tolerance_deg)
            if canon[0] == canon[-1] and len(s) < 4:  # a closed loop must stay a polygon
                s = list(canon) if len(canon) < 8 else _douglas_peucker(list(canon), tolerance_deg / 8)
            done[canon] = tuple(s)
        s = done[canon]
        return list(s) if canon == fwd else list(reversed(s))

    out_features = []
    for props, polys in feats:
        new_polys = []
        for poly in polys:
            new_poly = []
            for ring in poly:
                pts = ring[:-1] if ring[0] == ring[-1] else list(ring)
                cut = [i for i, p in enumerate(pts) if p in nodes]
                start = cut[0] if cut else min(range(len(pts)), key=lambda i: pts[i])
                pts = pts[start:] + pts[:start]
                cut = [i for i, p in enumerate(pts) if p in nodes] or [0]
                bounds = cut + [len(pts)]
                new_ring: list = []
                for a, b in zip(bounds, bounds[1:]):
                    arc = pts[a:b + 1] if b < len(pts) else pts[a:] + [pts[0]]
                    s = simplify_arc(arc)
                    new_ring.extend(s if not new_ring else s[1:])
                rounded = []
                for x, y in new_ring:
                    p = (round(x, decimals), round(y, decimals))
                    if not rounded or rounded[-1] != p:
                        rounded.append(p)
                if rounded[0] != rounded[-1]:
                    rounded.append(rounded[0])
                if len(rounded) >= 4:
                    new_poly.append([list(p) for p in rounded])
            if new_poly:
                new_polys.append(new_poly)
        geom = ({"type": "Polygon", "coordinates": new_polys[0]} if len(new_polys) == 1
                else {"type": "MultiPolygon", "coordinates": new_polys})
        out_features.append({"type": "Feature",
                             "properties": {k: props[k] for k in keep_properties if k in props},
                             "geometry": geom})
    return {"type": "FeatureCollection", "features": out_features}


# --------------------------------------------------------------------------- the governorates

@dataclass(frozen=True)
class Governorate:
    pcode: str
    name: str  # OCHA NAME_EN: the project's admin1 value
    name_ar: str
    aliases: tuple[str, ...]
    polygons: tuple = field(repr=False)
    bbox: tuple[float, float, float, float] = field(repr=False)  # min lon, min lat, max lon, max lat
    lat: float = 0.0  # an interior point: the area centroid, or the nearest inside point to it
    lon: float = 0.0
    radius_km: float = 0.0  # from (lat, lon) to the farthest boundary vertex
    area_sqkm: float = 0.0
    bands: dict = field(default_factory=dict, repr=False, compare=False)  # see _edge_bands

    def contains(self, lat: float, lon: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        if not self.bands:
            return point_in_polygons(self.polygons, lon, lat)
        inside = False  # even-odd over the edges that span this latitude band only
        for xi, yi, xj, yj in self.bands.get(int((lat - y0) / BAND_DEG), ()):
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
        return inside

    def distance_deg(self, lat: float, lon: float) -> float:
        kx = math.cos(math.radians(lat))
        best = math.inf
        for poly in self.polygons:
            for ring in poly:
                for (ax, ay), (bx, by) in zip(ring, ring[1:]):
                    best = min(best, _seg_dist_deg(lon, lat, ax, ay, bx, by, kx))
        return best


BAND_DEG = 0.02


def _edge_bands(polys, y0: float) -> dict[int, list]:
    """Every ring edge filed under each horizontal band (BAND_DEG high) it spans, so that a
    point-in-polygon test looks at a handful of edges instead of thousands. The even-odd rule
    over all rings handles holes and several parts alike."""
    bands: dict[int, list] = {}
    for poly in polys:
        for ring in poly:
            for (xi, yi), (xj, yj) in zip(ring, ring[1:]):
                if yi == yj:
                    continue
                lo, hi = (yi, yj) if yi < yj else (yj, yi)
                for b in range(int((lo - y0) / BAND_DEG), int((hi - y0) / BAND_DEG) + 1):
                    bands.setdefault(b, []).append((xi, yi, xj, yj))
    return bands


def _read_names(path: Path) -> dict[str, tuple[str, ...]]:
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out[row["pcode"].strip()] = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
    return out


def _interior_point(polys, bbox, lon, lat) -> tuple[float, float]:
    if point_in_polygons(polys, lon, lat):
        return lon, lat
    x0, y0, x1, y1 = bbox
    best, bp = math.inf, (lon, lat)
    steps = 60
    for i in range(1, steps):
        for j in range(1, steps):
            x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * j / steps
            if point_in_polygons(polys, x, y):
                d = (x - lon) ** 2 + (y - lat) ** 2
                if d < best:
                    best, bp = d, (x, y)
    return bp


def load(geojson_path: Path | str = GEOJSON_PATH, names_path: Path | str = NAMES_PATH) -> tuple[Governorate, ...]:
    with open(geojson_path, encoding="utf-8") as f:
        fc = json.load(f)
    names = _read_names(Path(names_path)) if Path(names_path).exists() else {}
    out = []
    for feat in fc["features"]:
        p = feat["properties"]
        polys = tuple(tuple(tuple(map(tuple, ring)) for ring in poly) for poly in _polygons_of(feat["geometry"]))
        xs = [x for poly in polys for x, _ in poly[0]]
        ys = [y for poly in polys for _, y in poly[0]]
        bbox = (min(xs), min(ys), max(xs), max(ys))
        area = cx = cy = 0.0
        for poly in polys:
            for k, ring in enumerate(poly):
                a, x, y = _ring_area_centroid(ring)
                a = abs(a) if k == 0 else -abs(a)
                area += a
                cx += a * x
                cy += a * y
        lon, lat = _interior_point(polys, bbox, cx / area, cy / area)
        radius = max(haversine_km(lat, lon, y, x) for poly in polys for x, y in poly[0])
        out.append(Governorate(
            pcode=p["PCODE"], name=p["NAME_EN"], name_ar=p.get("NAME_ARA", ""),
            aliases=names.get(p["PCODE"], ()), polygons=polys, bbox=bbox, lat=round(lat, 5),
            lon=round(lon, 5), radius_km=round(radius, 1), area_sqkm=float(p.get("AREA_SQKM") or 0),
            bands=_edge_bands(polys, bbox[1])))
    return tuple(sorted(out, key=lambda g: g.pcode))


@lru_cache(maxsize=1)
def governorates() -> tuple[Governorate, ...]:
    """The 14 governorates from the package data (loaded once)."""
    return load()


def by_pcode(pcode: str) -> Optional[Governorate]:
    return next((g for g in governorates() if g.pcode == pcode), None)


def by_name(name: str) -> Optional[Governorate]:
    """A governorate by its OCHA name or any common spelling ("Hasakah", "Deir ez-Zor", "حماة")."""
    from .normalize import key_loose

    k = key_loose(name)
    for g in governorates():
        if k in {key_loose(n) for n in (g.name, g.name_ar, g.pcode, *g.aliases)}:
            return g
    return None


def governorate_at(lat: float, lon: float, max_km: float = 3.0,
                   govs: Optional[Sequence[Governorate]] = None) -> Optional[Governorate]:
    """The governorate containing the point; a point outside all of them (the sea just off the
    coast, the simplified border) gets the nearest one within ``max_km``, else None."""
    govs = governorates() if govs is None else govs
    for g in govs:
        if g.contains(lat, lon):
            return g
    near = [g for g in govs if g.bbox[0] - 0.1 <= lon <= g.bbox[2] + 0.1 and g.bbox[1] - 0.1 <= lat <= g.bbox[3] + 0.1]
    if not near:
        return None
    d, g = min((g.distance_deg(lat, lon), g) for g in near)
    return g if d * 111.2 <= max_km else None


def admin1_at(lat: float, lon: float, max_km: float = 3.0) -> Optional[str]:
    """OCHA NAME_EN of the governorate at a point, or None outside Syria."""
    g = governorate_at(lat, lon, max_km)
    return g.name if g else None


def outline_geojson() -> dict:
    """The simplified governorates as a GeoJSON FeatureCollection for a display layer (a fresh
    copy each call), with properties ``name``, ``name_ar``, ``pcode``, ``admin1`` and
    ``label_lat``/``label_lon`` (a point inside the governorate, for its label)."""
    with open(GEOJSON_PATH, encoding="utf-8") as f:
        fc = json.load(f)
    inside = {g.pcode: (g.lat, g.lon) for g in governorates()}
    for feat in fc["features"]:
        p = feat["properties"]
        lat, lon = inside.get(p["PCODE"], (None, None))
        feat["properties"] = {"name": p["NAME_EN"], "name_ar": p.get("NAME_ARA", ""), "pcode": p["PCODE"],
                              "admin1": p["NAME_EN"], "label_lat": lat, "label_lon": lon}
    fc["attribution"] = "Governorate boundaries: OCHA, via HDX (CC BY 3.0 IGO), simplified"
    return fc


def write_simplified(src: Path | str, dst: Path | str = GEOJSON_PATH, tolerance_deg: float = 0.003) -> int:
    """Simplify OCHA's admin-1 GeoJSON ``src`` into ``dst``; returns the bytes written."""
    with open(src, encoding="utf-8") as f:
        fc = json.load(f)
    out = simplify_feature_collection(fc, tolerance_deg)
    out["features"].sort(key=lambda f: f["properties"]["PCODE"])
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    Path(dst).write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8")) + 1
