"""The opt-in Nominatim path, against a real HTTP server on 127.0.0.1 that answers as Nominatim
does, and its clean fallback when that server is down, slow or failing."""
from __future__ import annotations

import json
import subprocess
import time

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable
from geopy.geocoders import Nominatim

import geodata
from geodata import governorates as gv
from geodata.geocoders import DEFAULT_USER_AGENT, GeocoderChain, NominatimGeocoder, OfflineGeocoder

from test_geodata_support import (PYTHON, ROOT, FakeNominatim, free_port, geodata_index,  # noqa: F401
                                  nominatim_record, subprocess_env)

ZZYZX = nominatim_record("Zzyzx", 35.0, 37.2, osm_id=42, addresstype="village", state="Hamah Governorate")
ANSWERS = {
    "zzyzx": [ZZYZX, nominatim_record("Zzyzx", 35.27, -116.10, osm_id=43, country_code="us", state="California")],
    "zzyzx us": [nominatim_record("Zzyzx", 35.27, -116.10, osm_id=43, country_code="us", state="California")],
    "qwerty governorate": [nominatim_record("Qwerty", 30.0, 40.0, osm_id=7, addresstype="state", cls="boundary",
                                            country_code="iq", state="Qwerty", bbox=[29, 31, 39, 41])],
}


@pytest.fixture
def server():
    with FakeNominatim(ANSWERS) as s:
        yield s


def geocoder(server, tmp_path, **kw):
    kw.setdefault("timeout", 2.0)
    return NominatimGeocoder(domain=server.domain, scheme="http", cache_path=tmp_path / "nominatim.json", **kw)


def test_it_is_geopy_nominatim_underneath(server, tmp_path):
    g = geocoder(server, tmp_path)
    assert isinstance(g.nominatim, Nominatim)
    assert g.nominatim.domain == server.domain and g.nominatim.scheme == "http"
    assert NominatimGeocoder().timeout == 3.0  # the default: short


def test_answers_become_our_fields(server, tmp_path):
    loc = geocoder(server, tmp_path).geocode("Zzyzx")
    raw = loc.raw
    assert (loc.latitude, loc.longitude) == (35.0, 37.2)
    assert raw["source"] == "nominatim" and raw["gazetteer_id"] == "osm:node/42"
    assert raw["precision"] == 1 and raw["country"] == "SY"
    # Syrian points get OCHA's governorate name from our polygons, not Nominatim's "Hamah Governorate"
    assert raw["admin1"] == gv.admin1_at(35.0, 37.2) == "Hama"
    assert 1.0 <= raw["radius_km"] <= 2.0  # from the bounding box
    assert "OpenStreetMap" in raw["note"]
    assert [a["country"] for a in raw["alternatives"]] == ["US"]
    req = server.requests[-1]
    assert req["path"] == "/search" and req["params"]["q"] == "Zzyzx" and req["params"]["format"] == "json"
    assert req["user_agent"] == DEFAULT_USER_AGENT


def test_a_province_answer_is_precision_4(server, tmp_path):
    raw = geocoder(server, tmp_path).geocode("Qwerty governorate").raw
    assert raw["precision"] == 4 and raw["radius_km"] > 100 and raw["admin1"] == "Qwerty"


def test_no_answer_is_none(server, tmp_path):
    assert geocoder(server, tmp_path).geocode("nothing here") is None


def test_answers_are_cached_on_disk(server, tmp_path):
    g = geocoder(server, tmp_path)
    a = g.geocode("Zzyzx")
    assert g.geocode("Zzyzx").raw == a.raw
    assert g.geocode("nothing here") is None and g.geocode("nothing here") is None  # "none" is cached too
    assert len(server.requests) == 2
    again = geocoder(server, tmp_path)  # a new instance, say in a new process
    assert again.geocode("Zzyzx").raw == a.raw
    assert len(server.requests) == 2
    assert "Zzyzx" in (tmp_path / "nominatim.json").read_text(encoding="utf-8")


def test_one_request_per_second(server, tmp_path, monkeypatch):
    """The rate limiter waits out the rest of the second before the next request: proven on a
    fake clock (what it asks to sleep), not by timing the test."""
    g = geocoder(server, tmp_path)
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds
    monkeypatch.setattr(g._limited, "_clock", lambda: now[0])
    monkeypatch.setattr(g._limited, "_sleep", sleep)
    monkeypatch.setattr(g._limited, "_last_call", None)
    before = len(server.requests)
    g.geocode("Zzyzx")
    now[0] += 0.25  # the next query comes a quarter of a second later
    g.geocode("nothing here")
    assert slept == [pytest.approx(0.75)]  # it waited until one second after the first request
    assert len(server.requests) == before + 2


@pytest.mark.timeout(20)  # a hang fails the test; no retries is proven by the request count
def test_a_slow_server_times_out_quickly(tmp_path):
    with FakeNominatim(ANSWERS, delay=3.0) as slow:
        g = NominatimGeocoder(domain=slow.domain, scheme="http", timeout=0.5, cache_path=tmp_path / "c.json")
        with pytest.raises((GeocoderTimedOut, GeocoderUnavailable), match="(?i)timed out"):
            g.geocode("Zzyzx")
        assert len(slow.requests) == 1  # one attempt: no retries
    assert not (tmp_path / "c.json").exists()  # a failure is not cached


@pytest.mark.timeout(20)  # a hang fails the test
def test_a_server_that_is_down_fails_fast(tmp_path):
    g = NominatimGeocoder(domain=f"127.0.0.1:{free_port()}", scheme="http", timeout=2.0,
                          cache_path=tmp_path / "c.json")
    with pytest.raises(GeocoderUnavailable):
        g.geocode("Zzyzx")
    assert not (tmp_path / "c.json").exists()


def test_a_server_error_is_a_geopy_error_and_is_not_cached(tmp_path):
    with FakeNominatim(ANSWERS, status=500) as bad:
        g = NominatimGeocoder(domain=bad.domain, scheme="http", timeout=2.0, cache_path=tmp_path / "c.json")
        with pytest.raises(GeocoderServiceError):
            g.geocode("Zzyzx")
    assert not (tmp_path / "c.json").exists()


# ---------------------------------------------------------------- in the chain and in resolve()

def fresh_answer_cache(tmp_path):
    """The shared resolver's Nominatim answers go to this test's own file (the default is beside
    the shared test index, where another test's answers would be found)."""
    from geodata.geocoders import _JsonCache

    geodata.get_resolver().fallback.cache = _JsonCache(tmp_path / "nominatim.json")


@pytest.mark.usefixtures("geodata_index")
def test_chain_offline_answers_first(server, tmp_path):
    chain = GeocoderChain([OfflineGeocoder(), geocoder(server, tmp_path)])
    loc = chain.geocode("Hmeimim air base")
    assert loc.raw["gazetteer_id"] == "site:hmeimim-airbase"
    assert server.requests == []  # Nominatim not asked
    loc = chain.geocode("Zzyzx")
    assert loc.raw["source"] == "nominatim" and len(server.requests) == 1


@pytest.mark.usefixtures("geodata_index")
def test_chain_falls_back_cleanly_when_nominatim_is_down(tmp_path):
    dead = NominatimGeocoder(domain=f"127.0.0.1:{free_port()}", scheme="http", timeout=1.0,
                             cache_path=tmp_path / "c.json")
    chain = GeocoderChain([dead, OfflineGeocoder()])
    loc = chain.geocode("Palmyra")
    assert "geonames:163808" in loc.raw["ids"]
    assert len(chain.last_errors) == 1 and "GeocoderUnavailable" in chain.last_errors[0]
    chain = GeocoderChain([OfflineGeocoder(), dead])
    assert chain.geocode("Zzyzx") is None
    assert "NominatimGeocoder" in chain.last_errors[0]


@pytest.mark.usefixtures("geodata_index")
def test_resolve_online_only_when_opted_in(server, monkeypatch, tmp_path):
    monkeypatch.setenv("CONFLICT_MAP_NOMINATIM_URL", server.url)
    geodata.reset()
    off = geodata.resolve("Zzyzx")
    assert off["lat"] is None and "online lookup not enabled" in off["reason"]
    assert server.requests == []

    monkeypatch.setenv("CONFLICT_MAP_NOMINATIM", "1")
    geodata.reset()
    fresh_answer_cache(tmp_path)
    on = geodata.resolve("Zzyzx")
    assert on["source"] == "nominatim" and on["country"] == "SY" and on["match"] == "online"
    assert on["alternatives"][0]["country"] == "US"
    us = geodata.resolve("Zzyzx", "US")
    assert us["country"] == "US"  # the hint picks among Nominatim's answers
    assert len(server.requests) == 1  # the same query again is answered from the cache
    # a known name never goes online, and relative phrases use the online anchor
    assert geodata.resolve("Hmeimim")["source"] == "curated"
    near = geodata.resolve("near Zzyzx")
    assert near["precision"] == 2 and near["anchor"]["source"] == "nominatim"
    assert len(server.requests) == 1


@pytest.mark.timeout(60)  # a hang fails the test (this one may also build the shared index)
@pytest.mark.usefixtures("geodata_index")
def test_resolve_online_with_the_server_down_falls_back_with_a_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("CONFLICT_MAP_NOMINATIM", "1")
    monkeypatch.setenv("CONFLICT_MAP_NOMINATIM_URL", f"http://127.0.0.1:{free_port()}")
    geodata.reset()
    fresh_answer_cache(tmp_path)
    d = geodata.resolve("Zzyzx")
    assert d["lat"] is None and "online lookup failed" in d["reason"] and "GeocoderUnavailable" in d["reason"]
    assert "geonames:163808" in geodata.resolve("Palmyra")["ids"]  # offline still answers


@pytest.mark.timeout(60)  # a hang fails the test; one request proves there is no retry
@pytest.mark.usefixtures("geodata_index")
def test_resolve_online_with_a_slow_server_gives_up(monkeypatch, tmp_path):
    with FakeNominatim(ANSWERS, delay=5.0) as slow:
        monkeypatch.setenv("CONFLICT_MAP_NOMINATIM", "1")
        monkeypatch.setenv("CONFLICT_MAP_NOMINATIM_URL", slow.url)
        geodata.reset()
        res = geodata.get_resolver()
        assert res.fallback.timeout == 3.0
        res.fallback.nominatim.timeout = 0.5  # keep the test short; the default is 3 s
        fresh_answer_cache(tmp_path)
        d = geodata.resolve("Zzyzx")
        assert d["lat"] is None and "online lookup failed" in d["reason"] and "timed out" in d["reason"]
        assert len(slow.requests) == 1
        assert "geonames:163808" in geodata.resolve("Palmyra")["ids"]  # offline still answers
        assert len(slow.requests) == 1  # a known name never goes online


def test_cli_online_flag(tmp_path):
    name = f"Zzyzx {time.time_ns()}"  # unique: the answer cache beside the shared index persists
    with FakeNominatim({name: [ZZYZX]}) as server:
        env = subprocess_env(CONFLICT_MAP_NOMINATIM_URL=server.url)
        out = subprocess.run([PYTHON, "-m", "geodata", "geocode", "--online", name, "Palmyra"], env=env,
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        assert out.returncode == 0, out.stderr
        assert [r["source"] for r in rows] == ["nominatim", "ocha"]
        assert [r["params"]["q"] for r in server.requests] == [name]
        assert server.requests[0]["user_agent"] == DEFAULT_USER_AGENT
