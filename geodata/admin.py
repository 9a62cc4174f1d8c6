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

__all__ = ["AdminIndex", "AdminUnit", "locate", "locate_many", "get_index", "COLUMNS"]


@dataclass(frozen=True)
class AdminUnit:
    pcode: str
    name: str
    name_ar: str
    level: int  # 1 governorate, 2 district, 3 sub-district
    parent: Optional[str]
    lat: float  # a point inside the polygon
    lon: float
    radius_km: float  # from that point to the farthest vertex: the disc covers the polygon


class AdminIndex:
    def __init__(self, features: list[dict]) -> None:
        import numpy as np
        import shapely
        from shapely.geometry import shape

        self._np = np
        self._shapely = shapely
        self.geoms = [shape(f["geometry"]) for f in features]
        self.props = [f["properties"] for f in features]
        self.tree = shapely.STRtree(self.geoms)
        self.rows = [(p["adm1_name"], p["adm1_pcode"], p["adm2_name"], p["adm2_pcode"], p["adm3_name"],
                      p["adm3_pcode"]) for p in self.props]
        self.units: dict[str, AdminUnit] = {}
        by2: dict[str, list[int]] = {}
        for i, p in enumerate(self.props):
            by2.setdefault(p["adm2_pcode"], []).append(i)
            self.units[p["adm3_pcode"]] = self._unit(p["adm3_pcode"], p["adm3_name"], p["adm3_name1"], 3,
                                                     p["adm2_pcode"], [self.geoms[i]])
        for code, idxs in by2.items():
            p = self.props[idxs[0]]
            self.units[code] = self._unit(code, p["adm2_name"], p["adm2_name1"], 2, p["adm1_pcode"],
                                          [self.geoms[i] for i in idxs])
            self.units.setdefault(p["adm1_pcode"], AdminUnit(p["adm1_pcode"], p["adm1_name"], p["adm1_name1"], 1,
                                                             None, 0.0, 0.0, 0.0))

    def _unit(self, pcode, name, name_ar, level, parent, geoms) -> AdminUnit:
        g = self._shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
        pt = g.representative_point()
        coords = self._shapely.get_coordinates(g)
        lat0 = math.radians(pt.y)
        d = self._np.hypot((coords[:, 0] - pt.x) * math.cos(lat0), coords[:, 1] - pt.y).max() * 111.195
        return AdminUnit(pcode, name, name_ar, level, parent, round(pt.y, 5), round(pt.x, 5),
                         round(float(d), 1))

    @classmethod
    def from_geojson(cls, fc: dict) -> "AdminIndex":
        return cls(fc["features"])

    @classmethod
    def from_file(cls, path: Path = ADMIN_PATH) -> "AdminIndex":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f)["features"])

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]):
        """A DataFrame of :data:`COLUMNS`, one row per point (None where outside Syria)."""
        import pandas as pd

        np, shapely = self._np, self._shapely
        lat = np.asarray(lats, dtype=float)
        lon = np.asarray(lons, dtype=float)
        n = len(lat)
        hit = np.full(n, -1, dtype=np.int64)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            pts = shapely.points(lon[ok], lat[ok])
            pi, gi = self.tree.query(pts, predicate="intersects")
            where = np.flatnonzero(ok)
            # a point on a shared edge intersects two polygons: the first one wins
            first = np.full(len(pts), -1, dtype=np.int64)
            first[pi[::-1]] = gi[::-1]
            hit[where] = first
            miss = where[first < 0]
            if len(miss):
                mp = shapely.points(lon[miss], lat[miss])
                near_idx, dist = self.tree.query_nearest(mp, max_distance=NEAR_KM / 111.0 * 1.5,
                                                         return_distance=True, all_matches=False)
                pi2, gi2 = near_idx
                for k, g, dd in zip(pi2, gi2, dist):
                    i = miss[k]
                    km = dd * 111.195 * max(math.cos(math.radians(lat[i])), 0.5)
                    if km <= NEAR_KM:
                        hit[i] = g
        out = [self.rows[h] if h >= 0 else (None,) * 6 for h in hit]
        return pd.DataFrame(out, columns=list(COLUMNS))

    def locate(self, lat: Optional[float], lon: Optional[float]) -> dict:
        """The admin names and P-codes at one point (all None outside Syria)."""
        if lat is None or lon is None:
            return dict.fromkeys(COLUMNS)
        return self.locate_many([lat], [lon]).iloc[0].to_dict()

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


_index: Optional[AdminIndex] = None
_lock = threading.Lock()


def get_index() -> AdminIndex:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = AdminIndex.from_file()
    return _index


def locate_many(lats: Sequence[float], lons: Sequence[float]):
    """Admin 1-3 names and P-codes of many points at once: a DataFrame with :data:`COLUMNS`."""
    return get_index().locate_many(lats, lons)


def locate(lat: Optional[float], lon: Optional[float]) -> dict:
    return get_index().locate(lat, lon)
