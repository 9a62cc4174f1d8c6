"""Claim status: first rule that applies (DESIGN.md), and the curator's override."""
import pytest

from events.schema import Event
from events.status import derive_status, event_status
from events.vocab import STATUSES


@pytest.mark.parametrize("stances,status", [
    (["asserts"], "claimed"),
    (["asserts", "asserts"], "claimed"),
    (["asserts", "denies"], "denied"),
    (["denies"], "denied"),
    (["asserts", "counters"], "disputed"),
    (["denies", "counters"], "disputed"),  # counters comes before denies
    (["asserts", "confirms"], "confirmed"),
    (["denies", "counters", "confirms"], "confirmed"),  # confirms comes first
    ([], "claimed"),
])
def test_derive_status(stances, status):
    assert derive_status(stances) == status
    assert derive_status(reversed(stances)) == status  # order of claims does not matter


def test_every_status_is_reachable():
    got = {derive_status([s]) for s in ("asserts", "denies", "counters", "confirms")}
    assert got == set(STATUSES)


def test_unknown_stance_raises():
    with pytest.raises(ValueError, match="boasts"):
        derive_status(["asserts", "boasts"])


def _event(stances, override=None):
    data = {
        "id": "e", "title": "t", "summary": "s", "event_type": "air_strike",
        "date": {"start": "2016-01-01", "precision": "day", "basis": "stated"},
        "place": {"text": "Aleppo"},
        "claims": [{"id": f"c{i}", "claimant": "a", "stance": s, "source": "src", "excerpts": ["x"]}
                   for i, s in enumerate(stances)],
    }
    if override:
        data["status_override"] = override
    return Event.model_validate(data)


def test_event_status_derived():
    assert event_status(_event(["asserts", "denies"])) == ("denied", "denied", "")


def test_event_status_override_keeps_derived_and_reason():
    e = _event(["asserts", "denies"], {"status": "confirmed", "reason": "Satellite imagery shows the crater."})
    assert event_status(e) == ("confirmed", "denied", "Satellite imagery shows the crater.")
