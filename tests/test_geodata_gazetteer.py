"""The gazetteer index: built once, cached on disk, rebuilt when an input changes; ranking."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from geodata import gazetteer as gz
from geodata import governorates as gv

from test_geodata_support import PYTHON, ROOT, subprocess_env


def city(gid, name, lat, lon, cc, pop=0, alts=(), admin1code="01"):
    return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "population": pop, "timezone": "", "admin1code": admin1code, "alternatenames": list(alts)}


CITIES = [
    city(163808, "Tadmur", 34.5624, 38.28402, "SY", 51015, ["Palmyra", "Tadmor", "PMS", "تدمر"], "11"),
    city(5204964, "Palmyra", 40.30898, -76.5933, "US", 7300, [], "PA"),
    city(4517698, "Mason", 39.36006, -84.30994, "US", 33000, ["Palmyra"], "OH"),
    city(170063, "Aleppo", 36.20124, 37.16117, "SY", 2098210, ["Halab", "Alep", "ALP", "حلب"], "09"),
    city(170794, "Deir ez-Zor", 35.33588, 40.14084, "SY", 271800, ["Dayr az Zawr", "Deir Ezzor"], "07"),
    city(99072, "Mosul", 36.335, 43.11889, "IQ", 1683000, ["Al Mawsil"], "15"),
    city(163806, "Hamah-like village", 35.0, 36.0, "SY", 0, ["Al Masil"], "10"),
]
COUNTRIES = {
    "SY": {"geonameid": 163843, "name": "Syria", "iso": "SY", "iso3": "SYR", "areakm2": 185180, "population": 1},
    "US": {"geonameid": 6252001, "name": "United States", "iso": "US", "iso3": "USA", "areakm2": 9629091,
           "population": 1},
    "IQ": {"geonameid": 99237, "name": "Iraq", "iso": "IQ", "iso3": "IRQ", "areakm2": 437072, "population": 1},
}


@pytest.fixture
def tiny(tmp_path):
    """A tiny but real set of inputs: GeoNames-shaped JSON, the package's sites and polygons."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "cities.json").write_text(json.dumps({str(c["geonameid"]): c for c in CITIES}), encoding="utf-8")
    (data / "countries.json").write_text(json.dumps(COUNTRIES), encoding="utf-8")
    shutil.copy(gz.SITES_PATH, data / "sites.csv")
    src = gz.Sources(cities=data / "cities.json", countries=data / "countries.json", sites=data / "sites.csv")
    return src, tmp_path / "cache"


def test_built_once_then_loaded_from_the_cache(tiny):
    src, cache = tiny
    g1 = gz.load(src, cache)
    assert g1.built and g1.path is not None and g1.path.exists()
    assert g1.path.parent == cache and g1.path.name.startswith("gazetteer-")
    g2 = gz.load(src, cache)
    assert not g2.built and g2.path == g1.path
    assert g2.lookup("Palmyra", "SY").best.record.name == "Tadmor"
    assert not list(cache.glob(".gazetteer-*"))  # no temporary files left behind


def test_rebuilt_when_our_data_changes(tiny):
    src, cache = tiny
    g1 = gz.load(src, cache)
    with open(src.sites, "a", encoding="utf-8") as f:
        f.write("test-site,Test Site,Zzyzx Base,airbase,35.0,38.0,1,2,Homs,SY,for a test\n")
    g2 = gz.load(src, cache)
    assert g2.built and g2.path != g1.path
    assert not g1.path.exists()  # the stale index is removed
    assert g2.lookup("Zzyzx Base", "SY").best.record.gazetteer_id == "site:test-site"
    assert not gz.load(src, cache).built


def test_rebuilt_when_geonames_files_change(tiny):
    src, cache = tiny
    gz.load(src, cache)
    st = os.stat(src.cities)
    os.utime(src.cities, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert gz.load(src, cache).built


def test_rebuilt_when_the_population_floor_changes(tiny):
    src, cache = tiny
    gz.load(src, cache)
    g = gz.load(gz.Sources(src.cities, src.countries, src.sites, min_population=5000), cache)
    assert g.built
    assert g.lookup("Mosul", "IQ").best is not None  # neighbours of Syria keep all their places


def test_a_corrupt_cache_file_is_rebuilt(tiny):
    src, cache = tiny
    g1 = gz.load(src, cache)
    g1.path.write_bytes(b"not an index")
    g2 = gz.load(src, cache)
    assert g2.built and g2.lookup("Aleppo", "SY").best is not None


def test_an_unwritable_cache_dir_falls_back_to_memory(tiny, tmp_path, caplog):
    src, _ = tiny
    blocker = tmp_path / "a-file"
    blocker.write_text("this is a file, not a directory")
    g = gz.load(src, blocker / "cache")  # cannot be created, even as root
    assert g.built and g.path is None
    assert g.lookup("Aleppo", "SY").best.record.name == "Aleppo"
    assert "not writable" in caplog.text


def test_cache_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONFLICT_MAP_CACHE", str(tmp_path / "x"))
    assert gz.default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("CONFLICT_MAP_CACHE")
    assert gz.default_cache_dir() == gz.Path.home() / ".cache" / "conflict-map"


def test_records_carry_precision_radius_admin1_and_source(tiny):
    g = gz.load(*tiny)
    rec = g.lookup("Halab", "SY").best.record
    assert (rec.name, rec.precision, rec.admin1, rec.country, rec.source) == ("Aleppo", 1, "Aleppo", "SY", "ocha")
    assert "geonames:170063" in rec.ids.split("|") and rec.admin3_pcode == "SY020000"  # merged, with its P-codes
    assert 10 < rec.radius_km < 14  # a city of two million: not a pin
    assert g.lookup("Tadmur").best.record.admin1 == "Homs"
    gov = g.by_id("admin1:SY05")
    assert (gov.name, gov.kind, gov.precision, gov.source) == ("Hama", "admin1", 4, "ocha")
    site = g.by_id("site:hmeimim-airbase")
    assert site.kind == "airbase" and site.precision == 1 and "verify" in site.note
    syria = g.by_id("country:SY")
    assert syria.precision == 6 and gv.admin1_at(syria.lat, syria.lon) is not None


def test_codes_among_alternate_names_are_not_indexed(tiny):
    g = gz.load(*tiny)
    assert g.lookup("ALP").best is None  # Aleppo's IATA code
    assert g.lookup("PMS").best is None


def test_country_hint_breaks_ties(tiny):
    g = gz.load(*tiny)
    assert g.lookup("Palmyra", "SY").best.record.country == "SY"
    lk = g.lookup("Palmyra", "US")
    # in the US: Palmyra itself, not Mason (which GeoNames also knows as Palmyra)
    assert lk.best.record.name == "Palmyra" and lk.in_hinted_country
    assert "Mason" in {m.record.name for m in lk.others}  # alternatives are reported ...
    assert all(m.record.country == "US" for m in lk.others)  # ... inside the hinted country only


def test_the_hinted_country_is_a_border(tiny):
    g = gz.load(*tiny)
    # "Mosul" has the skeleton "msl", like the Syrian village "Al Masil": neither is an answer with
    # the Syria hint; the Iraqi city is listed as what the name may mean elsewhere
    lk = g.lookup("Mosul", "SY")
    assert lk.best is None and lk.outside and lk.others[0].record.country == "IQ"
    assert g.lookup("Mosul").best.record.country == "IQ"


def test_more_specific_before_larger_area_and_wanted_kinds_first(tiny):
    g = gz.load(*tiny)
    assert g.lookup("Aleppo", "SY").best.record.kind == "populated_place"
    assert g.lookup("Aleppo", "SY", kinds={"admin1"}).best.record.kind == "admin1"
    assert g.lookup("Deir Ezzor", "SY").best.record.kind == "populated_place"


def test_fresh_process_reuses_the_cache():
    """A new process finds the cached index (the shared test index, built here if needed)."""
    env = subprocess_env()
    cmd = [PYTHON, "-m", "geodata", "build-index"]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=60)
    info = json.loads(out.stdout)
    assert info["built"] is False and info["records"] > 10_000
