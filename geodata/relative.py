"""Relative places, resolved with geodesic distance (``geopy.distance``, WGS-84).

Each function takes resolved anchor places (dicts with at least ``lat, lon, radius_km``) and
returns a place dict ``{lat, lon, radius_km, precision, ...}``: a point plus an honest
uncertainty radius, never a falsely exact pin (../shared/DESIGN.md, "Places and location
precision").

- :func:`ring` — "40 km from Palmyra". The place lies *on a ring* of that radius around the
  anchor, in an unknown direction. The only honest single point for such a ring is its centre,
  the anchor, with a radius that reaches the ring: ``radius = X * (1 + tolerance) + anchor
  radius`` (reported distances are rounded; ``tolerance`` defaults to 10 %). Precision 2 if
  that radius is at most 25 km ("within about 25 km"), else 5 — the radius, not X. With a direction ("40 km north of Palmyra") the place is in a sector of
  ±22.5° around that bearing instead, and the point is that sector's centre.
- :func:`ring` with ``contains=`` — "in Hama province ... 40 km from Palmyra": the part of the
  ring (an annulus X·(1 ± tolerance) ± anchor radius, sampled every 2° of bearing) that lies
  inside the area; the point is the centre of the largest contiguous arc of it and the radius
  covers that arc. If no part of the ring is inside, the plain ring is returned with a note.
- :func:`near` — "near Aleppo": the anchor with precision 2 and a radius of 25 km (more if the
  anchor itself is larger). "north of Aleppo": the same disc moved 12.5 km that way.
- :func:`between` — "between X and Y": the geodesic midpoint, precision 5, radius half the
  distance plus the larger anchor radius.
- :func:`combine` — "Raqqa and Deir ez-Zor provinces": one disc covering every part,
  precision 5.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Optional, Sequence

from geographiclib.geodesic import Geodesic
from geopy.distance import geodesic

from .precision import PRECISION_RADIUS_KM, precision_for_radius

__all__ = ["BEARINGS", "bearing_of", "destination", "distance_km", "midpoint", "ring", "near", "between",
           "combine", "DEFAULT_TOLERANCE", "SECTOR_HALF_ANGLE"]

DEFAULT_TOLERANCE = 0.10  # reported distances are round numbers: "40 km" is 36-44 km
SECTOR_HALF_ANGLE = 22.5  # "north of" covers north-north-west to north-north-east
NEAR_KM = PRECISION_RADIUS_KM[2]

BEARINGS = {
    "north": 0.0, "n": 0.0, "northeast": 45.0, "north east": 45.0, "north-east": 45.0, "ne": 45.0,
    "east": 90.0, "e": 90.0, "southeast": 135.0, "south east": 135.0, "south-east": 135.0, "se": 135.0,
    "south": 180.0, "s": 180.0, "southwest": 225.0, "south west": 225.0, "south-west": 225.0, "sw": 225.0,
    "west": 270.0, "w": 270.0, "northwest": 315.0, "north west": 315.0, "north-west": 315.0, "nw": 315.0,
    "nne": 22.5, "ene": 67.5, "ese": 112.5, "sse": 157.5, "ssw": 202.5, "wsw": 247.5, "wnw": 292.5,
    "nnw": 337.5,
}


def bearing_of(word: str) -> Optional[float]:
    """Compass bearing of a direction word ("north", "north-east", "NE", "northern")."""
    w = " ".join(word.lower().replace("-", " ").split())
    for suffix in ("ern", "erly"):
        if w.endswith(suffix) and w[: -len(suffix)] in BEARINGS:
            w = w[: -len(suffix)]
    if w in BEARINGS:
        return BEARINGS[w]
    return BEARINGS.get(w.replace(" ", ""))


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    p = geodesic(kilometers=km).destination((lat, lon), bearing)
    return p.latitude, p.longitude


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).km


def _inverse_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """geodesic distance straight from geographiclib (geopy's engine), for many points."""
    return Geodesic.WGS84.Inverse(a[0], a[1], b[0], b[1], Geodesic.DISTANCE)["s12"] / 1000.0


def midpoint(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Geodesic midpoint (the point halfway along the shortest path)."""
    line = Geodesic.WGS84.InverseLine(a[0], a[1], b[0], b[1])
    p = line.Position(line.s13 / 2)
    return p["lat2"], p["lon2"]


def _mean_point(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Centre of points on the sphere (mean of unit vectors), safe across the antimeridian."""
    x = y = z = 0.0
    for lat, lon in points:
        la, lo = math.radians(lat), math.radians(lon)
        x += math.cos(la) * math.cos(lo)
        y += math.cos(la) * math.sin(lo)
        z += math.sin(la)
    lon = math.degrees(math.atan2(y, x))
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    return lat, lon


def _place(lat, lon, radius, precision, **extra) -> dict:
    out = {"lat": round(lat, 5), "lon": round(lon, 5), "radius_km": round(radius, 1), "precision": precision}
    out.update(extra)
    return out


def ring(anchor: dict, km: float, *, bearing: Optional[float] = None, tolerance: float = DEFAULT_TOLERANCE,
         contains: Optional[Callable[[float, float], bool]] = None, area_name: str = "") -> dict:
    """A place ``km`` from ``anchor`` (see the module docstring). ``contains(lat, lon)`` limits it
    to an area (a governorate polygon); ``bearing`` to a ±22.5° sector."""
    a_lat, a_lon = anchor["lat"], anchor["lon"]
    a_r = float(anchor.get("radius_km") or 0.0)
    notes: list[str] = []
    if bearing is None and contains is None:
        radius = km * (1 + tolerance) + a_r
        return _place(a_lat, a_lon, radius, precision_for_radius(radius), relation="ring", distance_km=km,
                      notes=[f"somewhere on a ring of {km:g} km around the anchor: centred on it"])
    inner = max(0.0, km * (1 - tolerance) - a_r)
    outer = km * (1 + tolerance) + a_r
    dists = [inner + (outer - inner) * i / 4 for i in range(5)]
    if bearing is None:
        bearings = [float(b) for b in range(0, 360, 2)]
        circular = True
    else:
        n = int(SECTOR_HALF_ANGLE)
        bearings = [(bearing + d) % 360 for d in range(-n, n + 1, 3)]
        circular = False
    rows = []  # per bearing: points inside
    caps = Geodesic.LATITUDE | Geodesic.LONGITUDE
    for b in bearings:
        line = Geodesic.WGS84.Line(a_lat, a_lon, b, caps | Geodesic.DISTANCE_IN)
        pts = [(q["lat2"], q["lon2"]) for q in (line.Position(d * 1000.0, caps) for d in dists)]
        if contains is not None:
            pts = [p for p in pts if contains(*p)]
        rows.append(pts)
    inside = [bool(p) for p in rows]
    if not any(inside):
        plain = ring(anchor, km, tolerance=tolerance)
        where = f" lies in {area_name}" if area_name else " lies in that area"
        plain["notes"] = [f"no point about {km:g} km from the anchor{where}; the whole ring is given"]
        plain["area_miss"] = True
        return plain
    runs = _runs(inside, circular)
    runs.sort(key=lambda r: -r[1])
    best_start, best_len = runs[0]
    idx = [(best_start + i) % len(rows) for i in range(best_len)]
    pts = [p for i in idx for p in rows[i]]
    c_lat, c_lon = _mean_point(pts)
    step_km = outer * math.radians(2 if circular else 3) / 2 + (outer - inner) / 8
    radius = max(_inverse_km((c_lat, c_lon), p) for p in pts) + step_km
    arc = (bearings[idx[0]], bearings[idx[-1]])
    if contains is not None:
        notes.append(f"the part of the ring of {km:g} km (±{tolerance:.0%}) around the anchor "
                     f"inside {area_name or 'the area'}: bearings {arc[0]:.0f}°–{arc[1]:.0f}°")
    else:
        notes.append(f"a sector of ±{SECTOR_HALF_ANGLE:g}° around bearing {bearing:.0f}° at {km:g} km (±{tolerance:.0%})")
    others = []
    for start, length in runs[1:]:
        ps = [p for i in range(length) for p in rows[(start + i) % len(rows)]]
        o_lat, o_lon = _mean_point(ps)
        o_r = max(_inverse_km((o_lat, o_lon), p) for p in ps) + step_km
        others.append(_place(o_lat, o_lon, o_r, precision_for_radius(o_r), relation="ring-arc"))
    return _place(c_lat, c_lon, radius, precision_for_radius(radius), relation="ring-arc" if contains else "sector",
                  distance_km=km, bearings=[round(arc[0], 1), round(arc[1], 1)], notes=notes, other_arcs=others)


def _runs(flags: list[bool], circular: bool) -> list[tuple[int, int]]:
    """Contiguous runs of True as (start, length); a run may wrap around when circular."""
    n = len(flags)
    if all(flags):
        return [(0, n)]
    runs = []
    if circular:
        start = next(i for i in range(n) if not flags[i])  # begin after a gap so no run is split
        order = [(start + k) % n for k in range(n)]
    else:
        order = list(range(n))
    cur_start, cur_len = None, 0
    for i in order:
        if flags[i]:
            if cur_start is None:
                cur_start, cur_len = i, 0
            cur_len += 1
        elif cur_start is not None:
            runs.append((cur_start, cur_len))
            cur_start = None
    if cur_start is not None:
        runs.append((cur_start, cur_len))
    return runs


def near(anchor: dict, *, bearing: Optional[float] = None) -> dict:
    """Near a place: precision 2, radius 25 km (or the anchor's own radius + 25 km for an area).
    With a direction, the disc moves 12.5 km that way."""
    a_r = float(anchor.get("radius_km") or 0.0)
    a_p = int(anchor.get("precision") or 1)
    if a_p >= 3:  # near an area: still that area, a bit wider
        radius, precision = a_r + NEAR_KM, a_p
    else:
        radius, precision = max(NEAR_KM, a_r + 10.0), 2
    lat, lon = anchor["lat"], anchor["lon"]
    notes = ["near the anchor: within about 25 km of it"]
    if bearing is not None:
        lat, lon = destination(lat, lon, bearing, NEAR_KM / 2)
        notes = [f"towards bearing {bearing:.0f}° of the anchor, distance not given"]
    return _place(lat, lon, radius, precision, relation="near", notes=notes)


def between(a: dict, b: dict) -> dict:
    """Between two places: the geodesic midpoint, precision 5, radius half the distance (plus
    the larger of the two places' radii)."""
    d = distance_km((a["lat"], a["lon"]), (b["lat"], b["lon"]))
    lat, lon = midpoint((a["lat"], a["lon"]), (b["lat"], b["lon"]))
    radius = max(d / 2 + max(float(a.get("radius_km") or 0), float(b.get("radius_km") or 0)), 1.0)
    return _place(lat, lon, radius, 5, relation="between", distance_km=round(d, 1),
                  notes=[f"between two places {d:.0f} km apart: their midpoint"])


def combine(parts: Iterable[dict]) -> dict:
    """One disc covering several places or areas ("Raqqa and Deir ez-Zor provinces")."""
    parts = list(parts)
    if len(parts) == 2:
        lat, lon = midpoint((parts[0]["lat"], parts[0]["lon"]), (parts[1]["lat"], parts[1]["lon"]))
    else:
        lat, lon = _mean_point([(p["lat"], p["lon"]) for p in parts])
    radius = max(distance_km((lat, lon), (p["lat"], p["lon"])) + float(p.get("radius_km") or 0) for p in parts)
    precision = max(5, max(int(p.get("precision") or 1) for p in parts)) if radius > NEAR_KM else 2
    return _place(lat, lon, radius, precision, relation="combined",
                  notes=[f"one disc covering {len(parts)} places"])
