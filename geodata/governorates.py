"""Syria's 14 governorates: simplified polygons, names, point-in-governorate lookups.

The polygons in ``geodata/data/syr_governorates.geojson`` are OCHA's common operational
boundaries (via HDX, CC BY 3.0 IGO; see ``geodata/data/CREDITS.md``) simplified by
:func:`simplify_feature_collection`: shapely's Douglas–Peucker run on each *shared arc* once,
so neighbouring governorates keep exactly the same border (no gaps, no overlaps from the
simplification). Point-in-polygon and distances are shapely's too (prepared geometries). Regenerate with ``python -m geodata simplify-governorates SRC``.

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


# --------------------------------------------------------------------------- geometry (shapely)

def _polygons_of(geometry: dict) -> list[Polygon]:
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in poly] for poly in polys]


def _shape(polygons: Sequence[Polygon]):
    """A shapely (Multi)Polygon from our nested coordinate lists."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry import Polygon as SPolygon

    parts = [SPolygon(poly[0], poly[1:]) for poly in polygons]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def point_in_polygons(polygons: Sequence[Polygon], lon: float, lat: float) -> bool:
    """Inside an outer ring and in none of its holes (shapely; a point on the boundary is not
    inside)."""
    import shapely

    return bool(shapely.contains_xy(_shape(polygons), lon, lat))


def _scaled_distance_deg(geom, lon: float, lat: float) -> float:
    """Distance from the point to ``geom`` in degrees of latitude, longitudes scaled by
    cos(lat) at the point (so that a degree east counts for what it measures there)."""
    import numpy as np
    import shapely

    kx = math.cos(math.radians(lat))
    scaled = shapely.transform(geom, lambda c: c * np.array([kx, 1.0]))
    return float(shapely.distance(scaled, shapely.Point(lon * kx, lat)))


# --------------------------------------------------------------------------- simplification

def _simplify_arc(arc, tol: float):
    """Douglas-Peucker (shapely) of one arc; a closed loop (an island, an enclave) must stay a
    ring of at least 4 points: kept as it is when small, else simplified less."""
    import shapely

    s = shapely.simplify(arc, tol, preserve_topology=False)
    if arc.is_closed and (s.is_empty or len(s.coords) < 4):
        s = arc if len(arc.coords) < 8 else shapely.simplify(arc, tol / 8, preserve_topology=False)
    return s


def simplify_feature_collection(fc: dict, tolerance_deg: float = 0.003, decimals: int = 4,
                                keep_properties: Iterable[str] = ("NAME_EN", "NAME_ARA", "PCODE",
                                                                  "AREA_SQKM")) -> dict:
    """Topology-preserving Douglas–Peucker over a polygon FeatureCollection, with shapely.

    All boundaries are noded together (``union_all``) and merged into *arcs* between the points
    where borders join (``line_merge``); each arc is simplified once (``simplify``), rounded to
    ``decimals``, and the faces are rebuilt from the simplified arcs (``polygonize``). A face
    belongs to the feature whose original polygon holds a point inside it, so neighbours keep
    exactly the same border (no gaps, no overlaps) and slivers thinner than the tolerance vanish.
    """
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    feats = [(f["properties"], shapely.make_valid(shape(f["geometry"]))) for f in fc["features"]]
    lines = shapely.union_all([g.boundary for _, g in feats])
    arcs = shapely.line_merge(lines)
    arcs = list(getattr(arcs, "geoms", [arcs]))
    simplified = []
    for arc in arcs:
        s = _simplify_arc(arc, tolerance_deg)
        s = shapely.transform(s, lambda c: np.round(c, decimals))
        if not s.is_empty and s.length > 0:
            simplified.append(s)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(simplified)))))
    owner = shapely.STRtree([g for _, g in feats])
    parts: dict[int, list] = defaultdict(list)
    for face in faces:
        pt = face.representative_point()
        hit = owner.query(pt, predicate="intersects")
        if len(hit):
            parts[int(min(hit))].append(face)
    out_features = []
    for i, (props, _) in enumerate(feats):
        if not parts.get(i):
            continue
        g = shapely.union_all(parts[i]) if len(parts[i]) > 1 else parts[i][0]
        g = shapely.normalize(g)
        out_features.append({"type": "Feature",
                             "properties": {k: props[k] for k in keep_properties if k in props},
                             "geometry": mapping(g)})
    for f in out_features:  # GeoJSON wants lists, not tuples
        f["geometry"] = json.loads(json.dumps(f["geometry"]))
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
    geometry: object = field(default=None, repr=False, compare=False)  # shapely, prepared

    def contains(self, lat: float, lon: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        import shapely

        return bool(shapely.contains_xy(self.geometry, lon, lat))

    def distance_deg(self, lat: float, lon: float) -> float:
        return _scaled_distance_deg(self.geometry, lon, lat)


def _read_names(path: Path) -> dict[str, tuple[str, ...]]:
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out[row["pcode"].strip()] = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
    return out


def _interior_point(geom, bbox, lon, lat) -> tuple[float, float]:
    """(lon, lat) itself if inside ``geom``, else the nearest of a 59 x 59 grid over the bbox
    that is inside (a label point the area's centroid would miss for a crescent-shaped area)."""
    import numpy as np
    import shapely

    if shapely.contains_xy(geom, lon, lat):
        return lon, lat
    x0, y0, x1, y1 = bbox
    steps = 60
    i, j = np.meshgrid(np.arange(1, steps), np.arange(1, steps), indexing="ij")
    x, y = x0 + (x1 - x0) * i.ravel() / steps, y0 + (y1 - y0) * j.ravel() / steps
    ok = shapely.contains_xy(geom, x, y)
    if not ok.any():
        return lon, lat
    d = (x[ok] - lon) ** 2 + (y[ok] - lat) ** 2
    k = int(np.argmin(d))
    return float(x[ok][k]), float(y[ok][k])


def load(geojson_path: Path | str = GEOJSON_PATH, names_path: Path | str = NAMES_PATH) -> tuple[Governorate, ...]:
    import shapely

    with open(geojson_path, encoding="utf-8") as f:
        fc = json.load(f)
    names = _read_names(Path(names_path)) if Path(names_path).exists() else {}
    out = []
    for feat in fc["features"]:
        p = feat["properties"]
        polys = tuple(tuple(tuple(map(tuple, ring)) for ring in poly) for poly in _polygons_of(feat["geometry"]))
        geom = _shape(polys)
        shapely.prepare(geom)
        bbox = tuple(float(v) for v in geom.bounds)
        c = geom.centroid  # area-weighted, holes subtracted
        lon, lat = _interior_point(geom, bbox, c.x, c.y)
        radius = max(haversine_km(lat, lon, y, x) for poly in polys for x, y in poly[0])
        out.append(Governorate(
            pcode=p["PCODE"], name=p["NAME_EN"], name_ar=p.get("NAME_ARA", ""),
            aliases=names.get(p["PCODE"], ()), polygons=polys, bbox=bbox, lat=round(lat, 5),
            lon=round(lon, 5), radius_km=round(radius, 1), area_sqkm=float(p.get("AREA_SQKM") or 0),
            geometry=geom))
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
    # the nearest; at equal distances (a shared border vertex) the first in P-code order
    d, _, g = min((g.distance_deg(lat, lon), i, g) for i, g in enumerate(near))
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
    # The label points are stored in the file (write_simplified): the map's first draw then needs
    # no shapely (~0.15 s to import on a server's first run). A file without them: computed.
    stored = all("LABEL_LAT" in feat["properties"] for feat in fc["features"])
    inside = {} if stored else {g.pcode: (g.lat, g.lon) for g in governorates()}
    for feat in fc["features"]:
        p = feat["properties"]
        lat, lon = (p["LABEL_LAT"], p["LABEL_LON"]) if stored else inside.get(p["PCODE"], (None, None))
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
    return add_label_points(dst)


def add_label_points(path: Path | str = GEOJSON_PATH) -> int:
    """Store each governorate's label point (a point inside it, as `load` computes it) in the
    file's properties as LABEL_LAT/LABEL_LON, for outline_geojson; returns the bytes written."""
    fc = json.loads(Path(path).read_text(encoding="utf-8"))
    points = {g.pcode: (g.lat, g.lon) for g in load(path)}
    for feat in fc["features"]:
        feat["properties"]["LABEL_LAT"], feat["properties"]["LABEL_LON"] = points[feat["properties"]["PCODE"]]
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    Path(path).write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8")) + 1
