"""Relative places with geodesic distance: rings, sectors, near, between, combined."""
from __future__ import annotations

import pytest
from geopy.distance import geodesic

from geodata import governorates as gv
from geodata import relative

PALMYRA = {"lat": 34.5624, "lon": 38.28402, "radius_km": 1.8, "precision": 1}
DEIR = {"lat": 35.33588, "lon": 40.14084, "radius_km": 4.2, "precision": 1}


def km(a, b):
    return geodesic((a["lat"], a["lon"]), (b["lat"], b["lon"])).km


def test_destination_is_geodesic():
    lat, lon = relative.destination(34.5624, 38.28402, 90, 40)
    assert geodesic((34.5624, 38.28402), (lat, lon)).km == pytest.approx(40, abs=0.01)


def test_ring_is_centred_on_the_anchor_with_radius_reaching_the_ring():
    r = relative.ring(PALMYRA, 40)
    assert (r["lat"], r["lon"]) == (PALMYRA["lat"], PALMYRA["lon"])
    assert r["radius_km"] == pytest.approx(40 * 1.1 + 1.8, abs=0.1)
    assert r["precision"] == 5


def test_ring_precision_follows_its_radius_not_the_stated_distance():
    """Code 2 says "within about 25 km": only a ring whose radius (distance + tolerance + the
    anchor's own radius) is at most 25 km gets it."""
    assert relative.ring(PALMYRA, 10)["precision"] == 2  # 12.8 km
    assert relative.ring(PALMYRA, 20)["precision"] == 2  # 23.8 km
    assert relative.ring(PALMYRA, 22)["precision"] == 5  # 26.0 km
    assert relative.ring(PALMYRA, 25)["precision"] == 5  # 29.3 km
    aleppo = {"lat": 36.20124, "lon": 37.16117, "radius_km": 11.6, "precision": 1}
    r = relative.ring(aleppo, 20)  # "20 km from Aleppo": a 33.6 km circle is not "within 25 km"
    assert r["radius_km"] == pytest.approx(33.6, abs=0.1) and r["precision"] == 5
    for d in (1, 5, 12, 13, 30, 60):
        r = relative.ring(aleppo, d)
        assert r["precision"] == (2 if r["radius_km"] <= 25 else 5), d


def test_ring_within_a_governorate_is_the_arc_inside_it():
    """"In Hama province ... 40 km from Palmyra" (Palmyra is in Homs): the arc of the ring in Hama."""
    hama = gv.by_name("Hama")
    r = relative.ring(PALMYRA, 40, contains=hama.contains, area_name="Hama")
    assert hama.contains(r["lat"], r["lon"])
    assert 36 <= km(PALMYRA, r) <= 46  # about 40 km away
    assert r["radius_km"] < 25 and r["precision"] == 2  # much tighter than the whole ring
    assert r["relation"] == "ring-arc"
    b0, b1 = r["bearings"]
    assert 300 <= b0 <= b1 <= 360  # to the north-west: where Hama comes closest


def test_ring_missing_the_area_falls_back_to_the_whole_ring():
    quneitra = gv.by_name("Quneitra")  # 300 km away
    r = relative.ring(PALMYRA, 40, contains=quneitra.contains, area_name="Quneitra")
    assert (r["lat"], r["lon"]) == (PALMYRA["lat"], PALMYRA["lon"])
    assert r["area_miss"] and "no point" in r["notes"][0]


def test_a_direction_gives_a_sector():
    r = relative.ring(PALMYRA, 40, bearing=0)
    assert r["lat"] > PALMYRA["lat"] + 0.25  # north
    assert abs(r["lon"] - PALMYRA["lon"]) < 0.05
    assert 36 <= km(PALMYRA, r) <= 44
    assert r["radius_km"] < 25


def test_bearing_words():
    assert relative.bearing_of("north") == 0
    assert relative.bearing_of("North-East") == 45
    assert relative.bearing_of("SW") == 225
    assert relative.bearing_of("western") == 270
    assert relative.bearing_of("upwards") is None


def test_near_is_precision_2_radius_25():
    r = relative.near(PALMYRA)
    assert r["precision"] == 2 and r["radius_km"] == 25
    assert (r["lat"], r["lon"]) == (PALMYRA["lat"], PALMYRA["lon"])


def test_near_a_big_city_or_an_area_is_wider():
    aleppo = {"lat": 36.2, "lon": 37.16, "radius_km": 20.0, "precision": 1}
    assert relative.near(aleppo)["radius_km"] == 30.0
    hama_gov = {"lat": 35.2, "lon": 37.2, "radius_km": 113.0, "precision": 4}
    r = relative.near(hama_gov)
    assert r["precision"] == 4 and r["radius_km"] == 138.0


def test_north_of_moves_the_disc():
    r = relative.near(PALMYRA, bearing=0)
    assert r["lat"] > PALMYRA["lat"] and km(PALMYRA, r) == pytest.approx(12.5, abs=0.1)


def test_between_is_the_midpoint_with_half_the_distance():
    r = relative.between(PALMYRA, DEIR)
    d = km(PALMYRA, DEIR)
    assert km(PALMYRA, r) == pytest.approx(d / 2, abs=0.1)
    assert km(DEIR, r) == pytest.approx(d / 2, abs=0.1)
    assert r["radius_km"] == pytest.approx(d / 2 + 4.2, abs=0.2)
    assert r["precision"] == 5


def test_combine_covers_every_part():
    a = {"lat": 36.0, "lon": 39.0, "radius_km": 90.0, "precision": 4}
    b = {"lat": 35.1, "lon": 40.3, "radius_km": 140.0, "precision": 4}
    r = relative.combine([a, b])
    for p in (a, b):
        assert km(r, p) + p["radius_km"] <= r["radius_km"] + 0.1
    assert r["precision"] == 5


def test_combine_three_parts():
    parts = [{"lat": 33.5, "lon": 36.3, "radius_km": 10.0}, {"lat": 36.2, "lon": 37.2, "radius_km": 12.0},
             {"lat": 35.3, "lon": 40.1, "radius_km": 4.0}]
    r = relative.combine(parts)
    assert all(km(r, p) + p["radius_km"] <= r["radius_km"] + 0.1 for p in parts)
