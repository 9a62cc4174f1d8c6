"""Precision codes (UCDP GED ``where_prec``, see ../shared/DESIGN.md) and uncertainty radii.

Where a place is known is a geodata concept: the codes and their default radii are defined here,
and :mod:`events.vocab` imports them (``geodata`` never imports ``events``). The rules:

- a populated place has precision 1 (the named place is known, as UCDP codes a town) and a
  radius from its size: the radius of a disc holding its population at 5,000 people per km²,
  at least 1 km and at most 30 km (Aleppo about 12 km, Palmyra about 2 km, a village 1 km);
- a relative description gets the code its radius deserves (:func:`precision_for_radius`).
"""
from __future__ import annotations

import math

# Location precision codes follow UCDP GED where_prec, so imports map one to one. As in GED, code 1
# also covers a town named as a whole; its radius then comes from the town's size, not the 1 km default.
PRECISION_RADIUS_KM = {1: 1.0, 2: 25.0, 3: 30.0, 4: 75.0, 5: 150.0, 6: 300.0, 7: 300.0}
PRECISION_LABELS = {
    1: "exact site, or a town as a whole",
    2: "near a named place",
    3: "district",
    4: "governorate / province",
    5: "part of a country, route or between places",
    6: "country only",
    7: "international waters or airspace",
}

__all__ = ["PRECISION_RADIUS_KM", "PRECISION_LABELS", "default_radius", "radius_for_population",
           "precision_for_radius", "describe"]

PEOPLE_PER_KM2 = 5000.0


def default_radius(precision: int) -> float:
    """DESIGN.md's default uncertainty radius for a precision code."""
    return float(PRECISION_RADIUS_KM[int(precision)])


def radius_for_population(population: int) -> float:
    """Uncertainty radius (km) of a populated place pinned at its GeoNames point."""
    if not population or population <= 0:
        return 1.0
    r = math.sqrt(population / PEOPLE_PER_KM2 / math.pi)
    return round(min(30.0, max(1.0, r)), 1)


def precision_for_radius(radius_km: float) -> int:
    """The code for a relative place known to within ``radius_km``: within about 25 km of a
    point is 2 ("near a named place"), anything wider is 5 ("part of a country, between places")."""
    return 2 if radius_km <= PRECISION_RADIUS_KM[2] else 5


def describe(precision: int) -> str:
    return PRECISION_LABELS.get(int(precision), "unknown")
