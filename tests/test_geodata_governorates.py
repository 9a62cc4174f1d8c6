"""Syria's governorates: simplified polygons, point-in-governorate, display outline."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from geodata import governorates as gv

OCHA_NAMES = {"Damascus", "Aleppo", "Rural Damascus", "Homs", "Hama", "Lattakia", "Idleb", "Al-Hasakeh",
              "Deir-ez-Zor", "Tartous", "Ar-Raqqa", "Dar'a", "As-Sweida", "Quneitra"}
FULL_RESOLUTION = Path(__file__).resolve().parent / "fixtures" / "real" / "syr_admin1_governorates.geojson"


def test_fourteen_governorates_with_ocha_names_and_pcodes():
    govs = gv.governorates()
    assert {g.name for g in govs} == OCHA_NAMES
    assert sorted(g.pcode for g in govs) == [f"SY{i:02d}" for i in range(1, 15)]
    assert all(g.name_ar for g in govs)


def test_simplified_file_is_small():
    assert gv.GEOJSON_PATH.stat().st_size < 150_000


def test_interior_point_and_radius_cover_each_governorate():
    for g in gv.governorates():
        assert g.contains(g.lat, g.lon), g.name
        vertices = [(y, x) for poly in g.polygons for x, y in poly[0]]
        assert max(gv.haversine_km(g.lat, g.lon, y, x) for y, x in vertices) <= g.radius_km + 0.1


@pytest.mark.parametrize("lat,lon,name", [
    (34.5624, 38.2840, "Homs"),            # Palmyra (Tadmur)
    (36.2012, 37.1612, "Aleppo"),          # Aleppo city
    (35.4014, 35.9483, "Lattakia"),        # Hmeimim air base
    (33.5102, 36.2913, "Damascus"),        # Damascus city
    (33.5711, 36.4040, "Rural Damascus"),  # Douma
    (35.3359, 40.1408, "Deir-ez-Zor"),
    (35.9506, 39.0094, "Ar-Raqqa"),
    (36.5024, 40.7477, "Al-Hasakeh"),
    (35.1318, 36.7578, "Hama"),
    (35.9306, 36.6339, "Idleb"),
    (34.8890, 35.8866, "Tartous"),
    (32.6189, 36.1021, "Dar'a"),
    (32.7089, 36.5695, "As-Sweida"),
    (33.1256, 35.8240, "Quneitra"),
])
def test_admin1_at_known_points(lat, lon, name):
    assert gv.admin1_at(lat, lon) == name


def test_outside_syria_is_none():
    assert gv.admin1_at(36.335, 43.119) is None  # Mosul
    assert gv.admin1_at(44.61, 33.52) is None    # Sevastopol


def test_a_point_just_off_the_coast_gets_the_nearest_governorate():
    # 1 km west of Latakia's shore: in the sea, so in no polygon, but within 3 km of Lattakia
    assert gv.admin1_at(35.52, 35.76, max_km=3.0) == "Lattakia"
    assert gv.admin1_at(35.52, 35.60, max_km=3.0) is None  # 15 km out to sea


def test_rural_damascus_surrounds_damascus_and_slivers_are_dropped():
    assert any(len(poly) > 1 for poly in gv.by_name("Rural Damascus").polygons)  # Damascus is a hole
    # OCHA's file has a 75 m sliver of Homs inside Hama (a digitising artefact): simplified away
    assert len(gv.by_name("Homs").polygons) == 1
    assert all(len(poly) == 1 for poly in gv.by_name("Hama").polygons)


def test_neighbours_share_identical_borders():
    """Shared arcs are simplified once, so neighbours keep exactly the same border vertices."""
    def vertices(name):
        return {p for poly in gv.by_name(name).polygons for ring in poly for p in ring}
    assert len(vertices("Hama") & vertices("Homs")) > 20
    assert len(vertices("Damascus") & vertices("Rural Damascus")) > 10
    assert len(vertices("Idleb") & vertices("Aleppo")) > 10


def test_simplify_keeps_a_shared_border_shared():
    # two squares whose common side wiggles by 10 m: simplified away, identically in both
    wiggle = [(1.0, y / 10) for y in range(11)]
    wiggle = [(x + (0.0001 if i % 2 else 0.0), y) for i, (x, y) in enumerate(wiggle)]
    left = [(0.0, 0.0)] + [(x, y) for x, y in wiggle] + [(0.0, 1.0), (0.0, 0.0)]
    right = [(x, y) for x, y in wiggle] + [(2.0, 1.0), (2.0, 0.0), (1.0, 0.0)]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"PCODE": "A"}, "geometry": {"type": "Polygon", "coordinates": [left]}},
        {"type": "Feature", "properties": {"PCODE": "B"}, "geometry": {"type": "Polygon", "coordinates": [right]}},
    ]}
    out = gv.simplify_feature_collection(fc, tolerance_deg=0.001, keep_properties=("PCODE",))
    a, b = (f["geometry"]["coordinates"][0] for f in out["features"])
    shared = {tuple(p) for p in a} & {tuple(p) for p in b}
    assert shared == {(1.0, 0.0), (1.0, 1.0)}  # the wiggle is gone from both, the corners stay
    assert len(a) == 5 and len(b) == 5


def test_simplify_real_polygons_is_topologically_consistent():
    fc = json.loads(gv.GEOJSON_PATH.read_text(encoding="utf-8"))
    edges = Counter()
    for f in fc["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for poly in polys:
            for ring in poly:
                for a, b in zip(ring, ring[1:]):
                    edges[frozenset((tuple(a), tuple(b)))] += 1
    # every edge belongs to one governorate (the outer border) or exactly two (a shared border)
    assert set(edges.values()) <= {1, 2}
    assert sum(1 for v in edges.values() if v == 2) > 500


def test_simplified_lookups_agree_with_full_resolution():
    fc = json.loads(FULL_RESOLUTION.read_text(encoding="utf-8"))
    full = []
    for f in fc["features"]:
        polys = gv._polygons_of(f["geometry"])
        xs = [x for poly in polys for x, _ in poly[0]]
        ys = [y for poly in polys for _, y in poly[0]]
        full.append((f["properties"]["NAME_EN"], polys, (min(xs), min(ys), max(xs), max(ys))))
    disagree = n = 0
    for lat100 in range(3250, 3740, 25):
        for lon100 in range(3560, 4240, 25):
            lat, lon = lat100 / 100, lon100 / 100
            want = next((name for name, polys, (x0, y0, x1, y1) in full
                         if x0 <= lon <= x1 and y0 <= lat <= y1 and gv.point_in_polygons(polys, lon, lat)), None)
            if want is None:
                continue
            n += 1
            disagree += gv.admin1_at(lat, lon, max_km=0.5) != want
    assert n > 200 and disagree <= n * 0.01


def test_outline_geojson_for_display():
    fc = gv.outline_geojson()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 14
    props = fc["features"][0]["properties"]
    assert set(props) == {"name", "name_ar", "pcode", "admin1", "label_lat", "label_lon"}
    for f in fc["features"]:
        p = f["properties"]
        assert gv.admin1_at(p["label_lat"], p["label_lon"]) == p["admin1"]
    assert "OCHA" in fc["attribution"]
    fc["features"].clear()  # a fresh copy each call
    assert len(gv.outline_geojson()["features"]) == 14


def test_outline_label_points_are_stored_and_match_the_computed_ones():
    """The file keeps each governorate's label point (geodata.governorates.add_label_points), so the
    map's outlines need no shapely; they are the points `load` computes from the polygons."""
    import subprocess
    import sys

    stored = {f["properties"]["pcode"]: (f["properties"]["label_lat"], f["properties"]["label_lon"])
              for f in gv.outline_geojson()["features"]}
    assert stored == {g.pcode: (g.lat, g.lon) for g in gv.governorates()}
    code = ("import sys; from geodata import governorates as g; fc = g.outline_geojson(); "
            "assert len(fc['features']) == 14; print('shapely' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_by_name_knows_common_spellings():
    assert gv.by_name("Hasakah").name == "Al-Hasakeh"
    assert gv.by_name("Deir ez-Zor").name == "Deir-ez-Zor"
    assert gv.by_name("Latakia").name == "Lattakia"
    assert gv.by_name("Idlib").name == "Idleb"
    assert gv.by_name("حماة").name == "Hama"
    assert gv.by_name("Rif Dimashq").name == "Rural Damascus"
    assert gv.by_name("Narnia") is None
