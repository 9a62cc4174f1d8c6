"""geodata.resolve: place phrases as news reports write them (runs on the shared test index)."""
from __future__ import annotations

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geodata
from geodata import governorates as gv

from test_geodata_support import geodata_index  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("geodata_index")


def r(text, country="SY"):
    return geodata.resolve(text, country=country)


def ids(d) -> set:
    """Every source id of an answer: a Syrian place merged across sources answers with its OCHA
    P-code and keeps the GeoNames (and Who's On First) ids of the same place."""
    return {d["gazetteer_id"], *d["ids"]}


def km(d, lat, lon):
    return geodesic((d["lat"], d["lon"]), (lat, lon)).km


# ---------------------------------------------------------------- the contract

def test_result_keys():
    d = r("Damascus")
    for k in geodata.RESULT_KEYS:
        assert k in d
    assert d["query"] == "Damascus" and isinstance(d["alternatives"], list)
    assert isinstance(d["precision"], int) and isinstance(d["radius_km"], float)


def test_not_found_has_a_reason_and_never_raises():
    d = r("Qwxzplk Hts")
    assert d["lat"] is None and d["lon"] is None and d["precision"] is None
    assert "not in the offline gazetteer" in d["reason"] and "online lookup not enabled" in d["reason"]
    assert r("")["lat"] is None and r("")["reason"]
    assert r(None)["lat"] is None  # type: ignore[arg-type]


def test_results_are_immutable_and_hand_out_copies():
    import dataclasses

    a = r("Aleppo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "changed"  # type: ignore[misc]
    a["alternatives"].append({"x": 1})
    b = r("Aleppo")
    assert b["name"] == "Aleppo" and {"x": 1} not in b["alternatives"]
    assert b.as_dict()["name"] == "Aleppo" and isinstance(b.as_dict()["alternatives"], list)


# ---------------------------------------------------------------- the events team's phrases

@pytest.mark.parametrize("text,country,gid,precision,admin1,cc", [
    ("at Palmyra", "SY", "geonames:163808", 1, "Homs", "SY"),
    ("in the province of HOMS in Syria", "SY", "admin1:SY04", 4, "Homs", "SY"),
    ("in Hama province", "SY", "admin1:SY05", 4, "Hama", "SY"),
    ("Hmeimim airbase", "SY", "site:hmeimim-airbase", 1, "Lattakia", "SY"),
    ("the base Hamim", "SY", "site:hmeimim-airbase", 1, "Lattakia", "SY"),
    ("Al-Quds hospital in Aleppo", "SY", "site:al-quds-hospital-aleppo", 1, "Aleppo", "SY"),
    ("the Az-Zagra neighborhood", "SY", "site:zahraa-aleppo", 1, "Aleppo", "SY"),
    ("the province of al-Hasaka", "SY", "admin1:SY08", 4, "Al-Hasakeh", "SY"),
    ("the coastal province of Latakia", "SY", "admin1:SY06", 4, "Lattakia", "SY"),
    ("Damascus", "SY", "geonames:170654", 1, "Damascus", "SY"),
    ("Sevastopol", "UA", "geonames:694423", 1, None, "UA"),
    ("Mosul", "IQ", "geonames:99072", 1, None, "IQ"),
    ("Nineveh province", "IQ", "site:nineveh-iq", 4, "Nineveh", "IQ"),
    ("Tiyas airbase", "SY", "site:tiyas-airbase", 1, "Homs", "SY"),
    ("T4 airbase", "SY", "site:tiyas-airbase", 1, "Homs", "SY"),
    ("the Syrian-Turkish border", "SY", "site:border-SY-TR", 5, None, "SY"),
    ("Syria", "SY", "country:SY", 6, None, "SY"),
    ("Caspian Sea", "SY", "site:caspian-sea", 7, None, None),
    ("Sinai", "EG", "site:sinai-eg", 5, None, "EG"),
])
def test_phrases_from_the_seed_articles(text, country, gid, precision, admin1, cc):
    d = r(text, country)
    assert (gid in ids(d), d["precision"], d["admin1"], d["country"]) == (True, precision, admin1, cc), d


def test_a_hospital_in_aleppo_is_aleppo_with_its_size():
    d = r("a hospital in Aleppo")
    assert "geonames:170063" in ids(d) and d["precision"] == 1
    assert d["radius_km"] >= 10  # a hospital somewhere in a city of two million: not a pin
    assert "no named place" in d["note"]


def test_near_araq_is_near_arak_by_palmyra():
    d = r("near Araq")
    assert d["precision"] == 2 and d["radius_km"] == 25
    assert d["anchor"]["gazetteer_id"] == "site:arak-homs"
    assert 20 < km(d, 34.5624, 38.28402) < 45  # Arak is some 30 km from Palmyra
    assert d["admin1"] == "Homs"


def test_raqqa_and_deir_ez_zor_provinces():
    d = r("Raqqa and Deir ez-Zor provinces")
    assert d["precision"] == 5 and d["admin1"] is None and d["country"] == "SY"
    parts = {c["gazetteer_id"] for c in d["components"]}
    assert parts == {"admin1:SY11", "admin1:SY09"}
    for c in d["components"]:  # the disc covers both governorates
        assert km(d, c["lat"], c["lon"]) + c["radius_km"] <= d["radius_km"] + 0.5
    assert r("Syria's Raqqa and Deir ez-Zor provinces")["components"] == d["components"]


# ---------------------------------------------------------------- relative places

def test_a_locality_40_km_from_palmyra_is_a_ring():
    d = r("a locality 40 km from Palmyra")
    assert (d["lat"], d["lon"]) == (34.56563, 38.28769)  # OCHA's point for Tadmur
    assert 40 <= d["radius_km"] <= 50 and d["precision"] == 5
    assert d["relation"] == "ring" and d["anchor"]["gazetteer_id"] == "ocha:C2889"


def test_40_km_from_palmyra_in_hama_province_is_the_arc_in_hama():
    """The Defence Ministry's place: Hama province, 40 km from Palmyra (which is in Homs)."""
    for text in ("in Hama province during a humanitarian aid delivery in a locality 40 km from Palmyra",
                 "a locality 40 km from Palmyra in Hama province"):
        d = r(text)
        assert d["admin1"] == "Hama", text
        assert gv.admin1_at(d["lat"], d["lon"]) == "Hama"
        assert 36 <= km(d, 34.5624, 38.28402) <= 46
        assert d["precision"] == 2 and d["radius_km"] <= 25
        assert d["relation"] == "ring-arc"


def test_distance_variants():
    assert r("40km from Palmyra")["radius_km"] == r("40 km from Palmyra")["radius_km"]
    assert r("some 40 kilometres from Palmyra")["relation"] == "ring"
    miles = r("25 miles from Palmyra")
    assert miles["radius_km"] == pytest.approx(25 * 1.609344 * 1.1 + 1.8, abs=0.2)
    north = r("40 km north of Palmyra")
    assert north["lat"] > 34.8 and north["precision"] == 2 and north["relation"] == "sector"
    rng = r("30-50 km from Palmyra")
    assert rng["radius_km"] > r("40 km from Palmyra")["radius_km"]  # a range is less certain


def test_near_outskirts_and_suburbs():
    for text in ("near Aleppo", "on the outskirts of Aleppo", "Aleppo and its suburbs", "the Aleppo area"):
        d = r(text)
        assert d["precision"] == 2 and d["radius_km"] >= 25 and d["relation"] == "near", text
        assert d["anchor"]["gazetteer_id"] == "ocha:C1007"  # Aleppo (GeoNames 170063 merged into it)
    north = r("north of Aleppo")
    assert north["lat"] > 36.2 and north["precision"] == 2


def test_between_two_places():
    d = r("between Palmyra and Deir ez-Zor")
    total = geodesic((34.5624, 38.28402), (35.33588, 40.14084)).km
    assert km(d, 34.5624, 38.28402) == pytest.approx(total / 2, abs=0.5)
    assert d["precision"] == 5 and d["radius_km"] >= total / 2
    assert [c["gazetteer_id"] for c in d["components"]] == ["ocha:C2889", "ocha:C5086"]


def test_countryside_is_the_governorate():
    assert r("Idlib countryside")["gazetteer_id"] == "admin1:SY07"
    assert r("rural Damascus")["gazetteer_id"] == "admin1:SY03"
    assert r("the western countryside of Aleppo")["gazetteer_id"] == "admin1:SY02"


def test_only_a_governorate_named_in_a_longer_phrase():
    d = r("the northern districts of the province of Latakia")
    assert d["gazetteer_id"] == "admin1:SY06" and d["precision"] == 4


# ---------------------------------------------------------------- names as reporters write them

@pytest.mark.parametrize("variants,gid", [
    (["Hmeimim", "Khmeimim", "Hmeymim", "Humaymim", "Hamim", "Хмеймим", "حميميم", "HMEIMIM AIR BASE",
      "Khmeimim airbase", "Hmeimim air-base"], "site:hmeimim-airbase"),
    (["Deir ez-Zor", "Deir Ezzor", "Dayr az Zawr", "Deir el-Zor", "Dair al-Zour", "دير الزور", "deir-ez-zor city"],
     "geonames:170794"),
    (["Latakia", "Lattakia", "Al-Ladhiqiyah", "al Ladhiqiyah", "اللاذقية"], "geonames:173576"),
    (["Hasakah", "Hassakeh", "al-Hasakah", "Al Hasaka", "Hasakah city"], "geonames:173811"),
    (["Palmyra", "Tadmur", "Tadmor", "تدمر", "palmyra, syria", "Palmyra (Syria)"], "geonames:163808"),
    (["Raqqa", "Ar-Raqqah", "Ar Raqqa", "Al-Raqqa", "Rakka"], "geonames:172955"),
    (["Qamishli", "Al-Qamishli", "Kamishli", "Qamishly"], "geonames:173377"),
    (["Tiyas airbase", "T-4 air base", "the T4 airbase", "Tiyas military airport", "T4"], "site:tiyas-airbase"),
    (["Kuweires", "Kweires airbase", "Kuweires military airport"], "site:kuweires-airbase"),
    (["Shayrat airbase", "al-Shayrat", "Shairat air base"], "site:shayrat-airbase"),
    (["Bab al-Hawa", "Bab el-Hawa crossing", "the Bab al Hawa border crossing"], "site:bab-al-hawa-crossing"),
])
def test_spelling_variants_resolve_to_one_place(variants, gid):
    got = {v: r(v)["gazetteer_id"] for v in variants}
    assert len(set(got.values())) == 1, got
    assert gid in ids(r(variants[0]))


@pytest.mark.parametrize("variants,gid", [
    (["Hama province", "Hamah governorate", "province of Hama", "the governorate of Hama", "محافظة حماة"],
     "admin1:SY05"),
    (["Deir ez-Zor province", "Dayr az Zawr governorate", "the province of Deir Ezzor"], "admin1:SY09"),
    (["Latakia province", "Lattakia governorate", "the province of Al-Ladhiqiyah"], "admin1:SY06"),
    (["Hasakah province", "Hassakeh governorate", "Al-Hasakah province"], "admin1:SY08"),
    (["Idlib province", "Idleb governorate"], "admin1:SY07"),
    (["Daraa province", "Dar'a governorate", "Deraa province"], "admin1:SY12"),
    (["Rif Dimashq governorate", "Damascus countryside", "Rural Damascus"], "admin1:SY03"),
])
def test_governorate_spellings(variants, gid):
    got = {v: r(v)["gazetteer_id"] for v in variants}
    assert set(got.values()) == {gid}, got


@pytest.mark.parametrize("text,gid", [
    ("Aleppo airport", "site:aleppo-airport"),
    ("Aleppo International Airport", "site:aleppo-airport"),
    ("Nayrab airbase", "site:aleppo-airport"),
    ("Damascus airport", "site:damascus-airport"),
    ("Deir ez-Zor airport", "site:deir-ez-zor-airbase"),
    ("Palmyra airport", "site:palmyra-airport"),
    ("Palmyra airbase", "site:palmyra-airport"),
    ("Mezzeh military airport", "site:mezzeh-airbase"),
    ("Sheikh Maqsoud", "site:sheikh-maqsoud-aleppo"),
    ("the Sukkari district of Aleppo", "site:sukkari-aleppo"),
    ("Jobar, Damascus", "site:jobar-damascus"),
])
def test_descriptors_pick_the_site(text, gid):
    assert r(text)["gazetteer_id"] == gid


def test_city_descriptor_picks_the_town_over_the_governorate():
    assert "geonames:170017" in ids(r("Hama city"))
    assert "geonames:170017" in ids(r("the city of Hama"))
    assert "geonames:170017" in ids(r("Hama"))  # the more specific, by default
    assert r("Hama province")["gazetteer_id"] == "admin1:SY05"


def test_an_unknown_airbase_named_after_a_town_is_near_that_town():
    d = r("Manbij airbase")
    assert d["precision"] == 2 and d["radius_km"] == 25
    assert "no airbase named" in d["note"] and d["anchor"]["name"] in ("Manbij", "Menbij")


def test_country_adjectives_are_the_country_not_a_village_that_sounds_alike():
    # "Syrian" has the skeleton "srn", like the village of Suran in Hama: never that
    d = r("a Syrian airbase")
    assert d["gazetteer_id"] == "country:SY" and d["precision"] == 6
    assert "only the country is known" in d["note"]
    assert r("Syrian")["gazetteer_id"] == "country:SY"
    assert r("an Iraqi town")["gazetteer_id"] == "country:IQ"
    # for a site the adjective may name the operator: the hinted country, said so
    d = r("the Russian airbase")
    assert d["gazetteer_id"] == "country:SY" and "operator" in d["note"]


def test_a_loosely_spelled_namesake_of_another_kind_is_not_a_site():
    assert r("Xqzv airbase")["lat"] is None


def test_a_province_without_polygon_is_centred_on_its_namesake_town():
    d = r("Kandahar province", None)
    assert d["country"] == "AF" and d["precision"] == 4 and d["radius_km"] >= 75
    assert "namesake town" in d["note"]


# ---------------------------------------------------------------- ambiguity and the country hint

def test_palmyra_is_syrian_with_the_default_hint_and_alternatives_are_reported():
    d = r("Palmyra")
    assert d["country"] == "SY" and d["name"] == "Tadmor" and "geonames:163808" in ids(d)
    # places of that name abroad are never an answer and never listed with coordinates
    assert not any(a["country"] != "SY" and a["lat"] is not None for a in d["alternatives"])


def test_the_hint_moves_an_ambiguous_name():
    assert r("Palmyra", "US")["country"] == "US"
    assert r("Damascus", "US")["country"] == "US"
    assert r("Damascus", "SY")["country"] == "SY"
    assert r("Damascus", "United States")["country"] == "US"  # a country name works as the hint


def test_a_name_found_only_abroad_is_not_found_with_the_hint_and_listed_without_coordinates():
    for name in ("Sevastopol", "Mosul"):
        d = r(name, "SY")
        assert d["lat"] is None and "outside SY" in d["reason"], d
        assert d["alternatives"] and all(a["lat"] is None and a["country"] != "SY" for a in d["alternatives"])
    assert r("Mosul", None)["country"] == "IQ"  # without a hint, anywhere
    assert r("Mosul, Iraq")["country"] == "IQ"  # a country the text names overrides the hint


def test_a_country_named_in_the_phrase_overrides_the_hint():
    assert r("Palmyra, Syria", "US")["country"] == "SY"
    assert r("Damascus in the United States", "SY")["country"] == "US"


def test_without_a_hint_countries_beat_foreign_towns_of_the_same_name():
    assert r("Jordan", None)["gazetteer_id"] == "country:JO"
    assert r("Lebanon", None)["gazetteer_id"] == "country:LB"


def test_container_disambiguates():
    assert r("Al-Quds hospital in Gaza", "PS")["gazetteer_id"] == "site:al-quds-hospital-gaza"
    assert r("Al-Quds hospital in Gaza")["lat"] is None  # Gaza is outside the default hint, Syria
    assert r("Al-Quds hospital in Aleppo", None)["gazetteer_id"] == "site:al-quds-hospital-aleppo"
    assert r("Crimea's Sevastopol", None)["country"] == "UA"


def test_fuzzy_matches_are_flagged_and_stay_in_the_hinted_country():
    d = r("Hmeymeem")  # a spelling no source lists
    assert d["match"] == "fuzzy" and "loosely" in d["note"] and d["country"] == "SY"
    assert km(d, 35.4014, 35.9483) < 5  # the air base, or the village of Hmeimim beside it
    assert r("Xyzzy")["lat"] is None  # no Syrian place sounds like it, and no foreign guess


# ---------------------------------------------------------------- robustness

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_resolve_never_raises(text):
    d = geodata.resolve(text)
    assert d["query"] == text
    assert (d["lat"] is None) == ("reason" in d)
    if d["lat"] is not None:
        assert -90 <= d["lat"] <= 90 and -180 <= d["lon"] <= 180
        assert d["precision"] in range(1, 8) and d["radius_km"] > 0


_GRAMMAR_SAMPLES = ["Sevastopol", "San José de las Lajas", "Hmeimim air base", "near Aleppo", "Tadmur/Palmyra",
                    "ريف إدلب", "Deir ez-Zor", "the Hama province", "N Aleppo", "Newark", "Al-Bab and Manbij",
                    "Tall Abyad district", "Saraqeb  nahiya", "a\tvillage", "Kafr Nabl\nhospital", "Idlib countryside"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_GRAMMAR_SAMPLES + ["of", "the", "camp", "x", "NW", "area", " ", "-", "/", "قرب"]),
                min_size=1, max_size=5).map(" ".join) | st.text(max_size=40))
def test_the_fast_grammar_test_agrees_with_the_regex(text):
    from geodata import resolver

    assert resolver._has_grammar(text) == bool(resolver._GRAMMAR.search(text))


def test_lazy_alternatives_read_pickle_and_compare_as_the_tuple():
    import pickle

    d = geodata.resolve("Sevastopol")
    alts = d.alternatives
    assert d["lat"] is None and len(alts) >= 1 and alts[0]["country"] == "UA" and alts[0]["lat"] is None
    back = pickle.loads(pickle.dumps(d))
    assert isinstance(back.alternatives, tuple) and back.alternatives == alts and back.as_dict() == d.as_dict()
