"""Canonical actors and alias resolution (events/actors.py)."""
from pathlib import Path

import pytest

from events.actors import ActorInfo, ActorRegistry, name_key
from events.load import load_curated
from events.schema import Actor

VALID = Path(__file__).parent / "fixtures" / "valid"


@pytest.fixture
def reg():
    return ActorRegistry([
        Actor(id="ru-mod", name="Russian Ministry of Defence", kind="government",
              aliases=["Russian Defense Ministry", "Russian Defence Ministry", "the ministry"]),
        Actor(id="islamic-state", name="Islamic State", kind="non_state_armed_group", aliases=["ISIS", "I.S."]),
        Actor(id="us-mil", name="U.S. military", kind="state_military"),
        Actor(id="hts", name="Hay'at Tahrir al-Sham", kind="non_state_armed_group", aliases=["HTS"]),
    ])


@pytest.mark.parametrize("name,expected", [
    ("ru-mod", "ru-mod"),
    ("Russian Ministry of Defence", "ru-mod"),
    ("Russian Defense Ministry", "ru-mod"),
    ("russian defence ministry", "ru-mod"),
    ("  RUSSIAN   DEFENCE\tMINISTRY ", "ru-mod"),
    ("The Ministry", "ru-mod"),
    ("isis", "islamic-state"),
    ("IS", "islamic-state"),  # "I.S." without punctuation
    ("US military", "us-mil"),
    ("Hayat Tahrir al Sham", "hts"),
    ("Hay’at Tahrir al-Sham", "hts"),  # typographic apostrophe
    ("Ḥayʼat Taḥrīr al-Shām", "hts"),  # transliteration accents
])
def test_resolve(reg, name, expected):
    assert reg.resolve(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "--", "Pentagon", None, 42])
def test_unknown_resolves_to_none(reg, name):
    assert reg.resolve(name) is None


def test_name_key():
    assert name_key("Al-Qaeda") == name_key("al qaeda") == "alqaeda"


def test_ambiguous_alias_resolves_to_none_and_is_listed():
    reg = ActorRegistry([
        ActorInfo("ru-mod", "Russian Ministry of Defence", "government", ("the ministry",)),
        ActorInfo("sy-mod", "Syrian Ministry of Defence", "government", ("The Ministry",)),
    ])
    assert reg.resolve("the ministry") is None
    assert reg.candidates("the ministry") == ["ru-mod", "sy-mod"]
    [(key, ids, spellings)] = reg.ambiguous()
    assert key == "theministry" and ids == ["ru-mod", "sy-mod"]
    assert spellings == ["The Ministry", "the ministry"]


def test_exact_id_wins_over_another_actors_alias():
    reg = ActorRegistry([ActorInfo("sohr", "Syrian Observatory", "monitor"),
                         ActorInfo("other", "Other", "other", ("sohr",))])
    assert reg.resolve("sohr") == "sohr"


def test_registry_container_and_names(reg):
    assert "ru-mod" in reg and "nobody" not in reg
    assert len(reg) == 4
    assert reg.name("ru-mod") == "Russian Ministry of Defence"
    assert reg.name("nobody") == "nobody"


def test_dataset_registry_from_frame():
    ds = load_curated(VALID)
    assert ds.registry.resolve("Russian Defense Ministry") == "ru-mod"
    assert ds.registry.resolve("daesh") == "islamic-state"
    assert ds.actor_name("sohr") == "Syrian Observatory for Human Rights"
