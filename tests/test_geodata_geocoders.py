"""The offline geocoder on geopy's interface, and how it composes with geopy."""
from __future__ import annotations

import pytest
from geopy.exc import GeocoderUnavailable
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geodata.geocoders import GeocoderChain, OfflineGeocoder, location_from_result

from test_geodata_support import geodata_index  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("geodata_index")


def test_offline_geocoder_is_a_geopy_geocoder_returning_locations():
    g = OfflineGeocoder()
    assert isinstance(g, Geocoder)
    loc = g.geocode("Hmeimim air base")
    assert isinstance(loc, Location)
    assert (loc.latitude, loc.longitude) == (35.4014, 35.9483)
    assert loc.address == "Hmeimim Air Base, Lattakia, Syria"
    for k in ("precision", "radius_km", "admin1", "country", "source", "gazetteer_id", "alternatives"):
        assert k in loc.raw
    assert (loc.raw["precision"], loc.raw["source"]) == (1, "curated")


def test_exactly_one_false_lists_the_alternatives_too():
    locs = OfflineGeocoder(country_bias=None).geocode("Palmyra", exactly_one=False)
    assert isinstance(locs, list) and len(locs) >= 2
    assert locs[0].raw["country"] == "SY"
    assert any(loc.raw["country"] == "US" for loc in locs[1:])
    # with the Syria hint, places abroad are not answers, so not Locations either
    locs = OfflineGeocoder().geocode("Palmyra", exactly_one=False)
    assert all(loc.raw["country"] == "SY" for loc in locs)


def test_country_codes_is_the_hint():
    g = OfflineGeocoder()
    assert g.geocode("Palmyra", country_codes="US").raw["country"] == "US"
    assert g.geocode("Palmyra", country_codes=["us"]).raw["country"] == "US"
    assert OfflineGeocoder(country_bias="US").geocode("Damascus").raw["country"] == "US"


def test_not_found_is_none():
    assert OfflineGeocoder().geocode("Qwxzplk Hts") is None
    assert OfflineGeocoder().geocode(None) is None


def test_relative_phrases_through_the_geocoder():
    loc = OfflineGeocoder().geocode("40 km from Palmyra")
    assert loc.raw["precision"] == 5 and loc.raw["radius_km"] > 40


def test_composes_with_geopy_rate_limiter():
    geocode = RateLimiter(OfflineGeocoder().geocode, min_delay_seconds=0)
    assert "geonames:170063" in geocode("Aleppo").raw["ids"]


class Broken(Geocoder):
    def geocode(self, query, *, exactly_one=True, **kw):
        raise GeocoderUnavailable("down for the test")


class Stubborn(Geocoder):
    """A geocoder that takes no country_codes keyword."""

    def geocode(self, query, *, exactly_one=True):
        return location_from_result({"query": query, "name": "Stub", "lat": 1.0, "lon": 2.0, "country": None})


def test_chain_first_answer_wins_and_failures_are_recorded():
    chain = GeocoderChain([Broken(), OfflineGeocoder()])
    loc = chain.geocode("Damascus", country_codes="SY")
    assert "geonames:170654" in loc.raw["ids"]
    assert chain.last_errors == ["Broken: GeocoderUnavailable: down for the test"]
    assert GeocoderChain([OfflineGeocoder(), Broken()]).geocode("Damascus").raw["source"] == "ocha"


def test_chain_passes_on_to_geocoders_without_the_hint_keyword():
    chain = GeocoderChain([OfflineGeocoder(), Stubborn()])
    assert chain.geocode("Qwxzplk Hts", country_codes="SY").raw["name"] == "Stub"


def test_chain_with_nothing_found_is_none():
    chain = GeocoderChain([OfflineGeocoder(), Broken()])
    assert chain.geocode("Qwxzplk Hts") is None and len(chain.last_errors) == 1
