"""Which governorate, district and sub-district a point is in (OCHA admin 1-3 with P-codes).

One shapely ``STRtree`` over Syria's 272 sub-district polygons (``geodata/data/syr_admin.geojson.gz``,
simplified by ``python -m geodata build-gazetteer``); a sub-district gives its district and
governorate. A point within :data:`NEAR_KM` outside every polygon (a village on the border or
the coast, where simplification moved the line) takes the nearest sub-district; farther out it
is outside Syria and gets nothing.

    >>> from geodata import admin
    >>> admin.locate(36.2, 37.15)["admin1"]
    'Aleppo'
    >>> admin.locate_many([36.2, 0.0], [37.15, 0.0])  # doctest: +SKIP   a DataFrame, one row a point
"""
from __future__ import annotations

import gzip
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

ADMIN_PATH = Path(__file__).resolve().parent / "data" / "syr_admin.geojson.gz"
NEAR_KM = 3.0
COLUMNS = ("admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode")

__all__ = ["AdminIndex", "AdminUnit", "Extent", "locate", "locate_many", "get_index", "COLUMNS"]


@dataclass(frozen=True)
class AdminUnit:
    pcode: str
    name: str
    name_ar: str
    level: int  # 1 governorate, 2 district, 3 sub-district
    parent: Optional[str]


@dataclass(frozen=True)
class Extent:
    lat: float  # a point inside the polygon
    lon: float
    radius_km: float  # from that point to the farthest vertex: the disc covers the polygon


class AdminIndex:
    """Names and P-codes are ready at once; the polygons and their STRtree are made (with
    shapely and numpy imported) on the first point-in-polygon or extent question, so that naming
    a place's areas from its stored sub-district P-code costs nothing more."""

    def __init__(self, features: list[dict]) -> None:
        self._features = features
        self._geo_ready = False
        self.props = [f["properties"] for f in features]
        self.rows = [(p["adm1_name"], p["adm1_pcode"], p["adm2_name"], p["adm2_pcode"], p["adm3_name"],
                      p["adm3_pcode"]) for p in self.props]
        self.units: dict[str, AdminUnit] = {}
        self._members: dict[str, list[int]] = {}  # P-code -> its sub-district polygons
        self._extents: dict[str, Extent] = {}
        for i, p in enumerate(self.props):
            for lvl in (1, 2, 3):
                code = p[f"adm{lvl}_pcode"]
                self._members.setdefault(code, []).append(i)
                if code not in self.units:
                    self.units[code] = AdminUnit(code, p[f"adm{lvl}_name"], p[f"adm{lvl}_name1"], lvl,
                                                 p[f"adm{lvl - 1}_pcode"] if lvl > 1 else None)

    def _geo(self) -> None:
        if self._geo_ready:
            return
        import numpy as np
        import shapely
        from shapely.geometry import shape

        self._np = np
        self._shapely = shapely
        self.geoms = [shape(f["geometry"]) for f in self._features]
        self.tree = shapely.STRtree(self.geoms)
        self._geo_ready = True

    def extent(self, pcode: str) -> Optional[Extent]:
        """A point inside the area and the radius of a disc (around it) that covers it: the
        geometry of a district or sub-district answer. Computed when first asked for."""
        e = self._extents.get(pcode)
        if e is None and pcode in self._members:
            self._geo()
            geoms = [self.geoms[i] for i in self._members[pcode]]
            g = self._shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
            pt = g.representative_point()
            coords = self._shapely.get_coordinates(g)
            lat0 = math.radians(pt.y)
            d = self._np.hypot((coords[:, 0] - pt.x) * math.cos(lat0), coords[:, 1] - pt.y).max() * 111.195
            e = self._extents[pcode] = Extent(round(pt.y, 5), round(pt.x, 5), round(float(d), 1))
        return e

    @classmethod
    def from_geojson(cls, fc: dict) -> "AdminIndex":
        return cls(fc["features"])

    @classmethod
    def from_file(cls, path: Path = ADMIN_PATH) -> "AdminIndex":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f)["features"])

    def locate_many(self, lats: Sequence[float], lons: Sequence[float], precisions: Optional[Sequence] = None):
        """A DataFrame of :data:`COLUMNS`, one row per point (None where outside Syria). With
        ``precisions``, levels finer than a point's precision code are None (see :func:`levels_for`)."""
        self._geo()
        df = self._locate(lats, lons)
        if precisions is not None:
            np = self._np
            p = np.asarray([int(x) if x is not None and x == x else 1 for x in precisions], dtype=int)
            keep = np.vectorize(levels_for)(p) if len(p) else p
            for lvl in (1, 2, 3):
                drop = keep < lvl
                if drop.any():
                    for c in (f"admin{lvl}", f"admin{lvl}_pcode"):
                        df[c] = df[c].mask(drop, None)
        return df

    def _hits(self, lat, lon):
        """Index of the sub-district holding each point (-1 outside Syria)."""
        np, shapely = self._np, self._shapely
        n = len(lat)
        hit = np.full(n, -1, dtype=np.int64)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if not ok.any():
            return hit
        where = np.flatnonzero(ok)
        pts = shapely.points(lon[ok], lat[ok])
        pi, gi = self.tree.query(pts, predicate="intersects")
        # a point on a shared edge intersects two polygons: the first one wins
        first = np.full(len(pts), -1, dtype=np.int64)
        first[pi[::-1]] = gi[::-1]
        hit[where] = first
        miss = where[first < 0]
        if len(miss):
            (pi2, gi2), dist = self.tree.query_nearest(shapely.points(lon[miss], lat[miss]),
                                                       max_distance=NEAR_KM / 111.0 * 1.5,
                                                       return_distance=True, all_matches=False)
            # degrees -> km, conservatively (a degree of longitude is shorter than one of latitude)
            km = dist * 111.195 * np.maximum(np.cos(np.radians(lat[miss][pi2])), 0.5)
            close = km <= NEAR_KM
            hit[miss[pi2[close]]] = gi2[close]
        return hit

    def _locate(self, lats, lons):
        import pandas as pd

        np = self._np
        hit = self._hits(np.asarray(lats, dtype=float), np.asarray(lons, dtype=float))
        empty = (None,) * 6
        return pd.DataFrame([self.rows[h] if h >= 0 else empty for h in hit], columns=list(COLUMNS), dtype=object)

    def locate(self, lat: Optional[float], lon: Optional[float]) -> dict:
        """The admin names and P-codes at one point (all None outside Syria)."""
        if lat is None or lon is None:
            return dict.fromkeys(COLUMNS)
        self._geo()
        np = self._np
        h = int(self._hits(np.array([lat], dtype=float), np.array([lon], dtype=float))[0])
        return dict(zip(COLUMNS, self.rows[h])) if h >= 0 else dict.fromkeys(COLUMNS)

    def distance_km(self, pcode: str, lat: float, lon: float) -> float:
        """How far a point is from an admin area (0 inside; infinity for an unknown P-code);
        degrees scaled at the point's latitude, good to a few per cent at these distances."""
        idxs = self._members.get(pcode)
        if not idxs:
            return math.inf
        self._geo()
        pt = self._shapely.Point(lon, lat)
        d = min(self.geoms[i].distance(pt) for i in idxs)
        return d * 111.195 * max(math.cos(math.radians(lat)), 0.5) if d else 0.0

    def unit(self, pcode: Optional[str]) -> Optional[AdminUnit]:
        return self.units.get(pcode) if pcode else None

    def names_of(self, adm3: Optional[str]) -> dict:
        """Admin names and P-codes from a sub-district P-code (no geometry needed)."""
        u3 = self.unit(adm3)
        if u3 is None:
            return dict.fromkeys(COLUMNS)
        u2 = self.units[u3.parent]
        u1 = self.units[u2.parent]
        return {"admin1": u1.name, "admin1_pcode": u1.pcode, "admin2": u2.name, "admin2_pcode": u2.pcode,
                "admin3": u3.name, "admin3_pcode": u3.pcode}


def levels_for(precision: int) -> int:
    """How many admin levels a point of this precision code vouches for: an exact place or one
    near a named place all three; a district (3) its district and governorate; a governorate (4)
    only that; anything wider none (its centre's areas are not the event's)."""
    p = int(precision or 1)
    return 3 if p <= 2 else 2 if p == 3 else 1 if p == 4 else 0


_index: Optional[AdminIndex] = None
_lock = threading.Lock()


def get_index() -> AdminIndex:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = AdminIndex.from_file()
    return _index


def locate_many(lats: Sequence[float], lons: Sequence[float], precisions: Optional[Sequence] = None):
    """Admin 1-3 names and P-codes of many points at once: a DataFrame with :data:`COLUMNS`
    (levels finer than each point's precision code dropped when ``precisions`` is given)."""
    return get_index().locate_many(lats, lons, precisions)


def locate(lat: Optional[float], lon: Optional[float]) -> dict:
    return get_index().locate(lat, lon)
