"""Claim status: first rule that applies (DESIGN.md), and the curator's override."""
import pytest

from events.schema import Event
from events.status import derive_status, event_status, explain
from events.vocab import STATUSES


@pytest.mark.parametrize("stances,status", [
    # rule 1: confirmed
    (["asserts", "acknowledges"], "confirmed"),
    (["denies", "counters", "acknowledges"], "confirmed"),  # the concerned party's own word comes first
    (["acknowledges", "corroborates", "denies"], "confirmed"),
    (["asserts", "corroborates"], "confirmed"),  # corroborated and nobody answers
    (["corroborates"], "confirmed"),
    # rule 2: disputed
    (["asserts", "counters"], "disputed"),
    (["denies", "counters"], "disputed"),  # counters comes before denies
    (["corroborates", "counters"], "disputed"),  # corroboration does not outweigh a counter
    (["asserts", "corroborates", "denies"], "disputed"),  # ... nor a standing denial
    # rule 3: denied
    (["asserts", "denies"], "denied"),
    (["denies"], "denied"),
    # rule 4: claimed
    (["asserts"], "claimed"),
    (["asserts", "asserts"], "claimed"),
    ([], "claimed"),
])
def test_derive_status(stances, status):
    assert derive_status(stances) == status
    assert derive_status(reversed(stances)) == status  # order of claims does not matter


def test_every_status_is_reachable():
    got = {derive_status([s]) for s in ("asserts", "denies", "counters", "acknowledges", "corroborates")}
    assert got == set(STATUSES)


def test_unknown_stance_raises():
    with pytest.raises(ValueError, match="boasts"):
        derive_status(["asserts", "boasts"])
    with pytest.raises(ValueError, match="split into acknowledges / corroborates"):
        derive_status(["confirms"])


@pytest.mark.parametrize("claims,why", [
    ([("Stratfor", "corroborates"), ("Russian Defence Ministry", "denies"), ("Islamic State", "asserts")],
     "corroborated by Stratfor; denied by Russian Defence Ministry; asserted by Islamic State"),
    ([("Stratfor", "corroborates"), ("Islamic State", "asserts")],
     "corroborated by Stratfor; asserted by Islamic State; no claim denies or counters it"),
    ([("Ministry", "acknowledges"), ("Outlet", "asserts")], "acknowledged by Ministry; asserted by Outlet"),
    ([("A", "asserts"), ("B", "denies"), ("C", "denies"), ("B", "denies")], "denied by B and C; asserted by A"),
    ([("A", "asserts")], "asserted by A; no response recorded in the sources"),
    ([], "no claims recorded"),
])
def test_explain_says_why(claims, why):
    assert explain(claims) == why


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


def test_curated_mi24_and_latakia_are_disputed_not_confirmed():
    """The two cases the split was made for: independent evidence against the concerned party's
    standing denial is a dispute, and the explanation names both sides."""
    from events.load import load_curated

    ds = load_curated()
    assert not ds.problems
    by_id = ds.events.set_index("id")["status"]
    assert by_id["syrian-airbase-mi24-helicopters-destroyed-2016"] == "disputed"
    assert by_id["latakia-shell-three-russians-killed-2015"] == "disputed"
    # acknowledged by the side that lost the aircraft: still confirmed
    assert by_id["palmyra-mi8-crash-2016"] == "confirmed"
    assert by_id["su-24m-shot-down-by-turkish-f-16-2015"] == "confirmed"
    c = ds.claims[ds.claims["event_id"] == "syrian-airbase-mi24-helicopters-destroyed-2016"]
    why = explain((ds.actor_name(a), s) for a, s in zip(c["claimant"], c["stance"]))
    assert why.startswith("countered by Russian Defence Ministry; corroborated by Stratfor; "
                          "denied by Russian Defence Ministry")
    c = ds.claims[ds.claims["event_id"] == "latakia-shell-three-russians-killed-2015"]
    why = explain((ds.actor_name(a), s) for a, s in zip(c["claimant"], c["stance"]))
    assert why.startswith("corroborated by Syrian Observatory for Human Rights; denied by ")
