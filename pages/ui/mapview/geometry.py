"""Geometry for the map, from geopy, pyproj and shapely (no hand-written spherical or polygon
maths): uncertainty circles as geodesic rings, label points of outlines, the home view of a set of
points, and the grid cell size for a zoom level."""
from __future__ import annotations

import functools
import math

from geopy.distance import great_circle

SYRIA_BOUNDS = [[32.3, 35.6], [37.4, 42.4]]
FAR_KM = 700.0  # events farther than this from the median are left out of the initial view
CELL_PX = 64  # a grid cell is about this many screen pixels wide at the zoom it was made for


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (enough to tell whether two places differ; the same as fmt's)."""
    return great_circle((lat1, lon1), (lat2, lon2)).km


def circle_points(lat: float, lon: float, radius_km: float, n: int | None = None) -> list[list[float]]:
    """A geodesic circle (WGS84) as a closed ring of [lat, lon] points (rounded to ~10 m).

    PROJ's geodesic (pyproj.Geod.fwd) computes the whole ring in one call: the same answer as
    geopy's geodesic (both are Karney's algorithm), which per point took ~1 s of a first map for the
    circles of a thousand UCDP GED events (benchmarks: the README's "At scale")."""
    import numpy as np

    n = n or (64 if radius_km >= 50 else 40)
    lons, lats, _ = _wgs84().fwd(np.full(n, float(lon)), np.full(n, float(lat)),
                                    np.arange(n) * (360.0 / n), np.full(n, radius_km * 1000.0))
    return [[round(float(a), 4), round((float(b) + 540) % 360 - 180, 4)] for a, b in zip(lats, lons)]


@functools.cache
def _wgs84():
    from pyproj import Geod  # noqa: PLC0415 - imported by the first map with circles only

    return Geod(ellps="WGS84")


def label_point(geometry: dict) -> tuple[float, float] | None:
    """(lat, lon) for a polygon's label: the centroid of its largest part (shapely)."""
    from shapely.geometry import shape

    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    parts = list(getattr(geom, "geoms", [geom]))
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return None
    best = max(parts, key=lambda p: p.area)
    c = best.centroid if best.area > 0 else best.representative_point()
    return (c.y, c.x)


def core_points(points: list[tuple[float, float]], far_km: float = FAR_KM) -> tuple[list[tuple[float, float]], int]:
    """The points to fit the view to, and how many were left out: a few events far from all the
    others (Sevastopol, Sinai, for a Syrian dataset) would otherwise shrink the view to a
    continent. Leaves out at most a quarter of the points, each over ``far_km`` from the median."""
    if len(points) < 4:
        return points, 0
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    mlat, mlon = lats[len(lats) // 2], lons[len(lons) // 2]
    near = [p for p in points if km_between(mlat, mlon, p[0], p[1]) <= far_km]
    left_out = len(points) - len(near)
    if not near or left_out > len(points) // 4:
        return points, 0
    return near, left_out


def bounds_of(points: list[tuple[float, float]]) -> list[list[float]]:
    if not points:
        return SYRIA_BOUNDS
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def cell_degrees(zoom: float | None) -> float:
    """Grid cell size in degrees of longitude for a Web-Mercator zoom level: about CELL_PX pixels
    on screen (256-pixel tiles, 2**zoom of them around the world)."""
    z = 7.0 if zoom is None or not math.isfinite(float(zoom)) else min(max(float(zoom), 0.0), 22.0)
    return CELL_PX * 360.0 / (256.0 * 2 ** z)
