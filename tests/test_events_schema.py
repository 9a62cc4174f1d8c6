"""The pydantic schema of the curated YAML (events/schema.py)."""
import copy
import datetime as dt

import pytest
from pydantic import ValidationError

from events.schema import Actor, Claim, DateSpan, Event, Place, Source, StatusOverride, Toll

EVENT = {
    "id": "heli-down",
    "title": "Helicopter down",
    "summary": "A helicopter is said to have been shot down.",
    "event_type": "aircraft_loss",
    "participants": ["islamic-state"],
    "date": {"start": "2016-11-01", "precision": "day", "basis": "stated"},
    "place": {"text": "near Palmyra"},
    "claims": [{"id": "c1", "claimant": "islamic-state", "stance": "asserts", "source": "s1",
                "excerpts": ["shot down a Russian helicopter"]}],
}


def event(**changes):
    data = copy.deepcopy(EVENT)
    data.update(changes)
    return data


def locs(exc: ValidationError):
    return [e["loc"] for e in exc.errors()]


def test_valid_event():
    e = Event.model_validate(EVENT)
    assert e.date.end == dt.date(2016, 11, 1)  # end defaults to start
    assert e.claims[0].stance == "asserts"
    assert e.place.located is False


@pytest.mark.parametrize("missing", ["id", "title", "summary", "event_type", "date", "place", "claims"])
def test_required_fields(missing):
    data = event()
    del data[missing]
    with pytest.raises(ValidationError) as exc:
        Event.model_validate(data)
    assert (missing,) in locs(exc.value)


def test_unknown_field_is_an_error():
    with pytest.raises(ValidationError) as exc:
        Event.model_validate(event(titel="typo"))
    assert ("titel",) in locs(exc.value)


def test_unknown_stance():
    data = event()
    data["claims"][0]["stance"] = "boasts"
    with pytest.raises(ValidationError) as exc:
        Event.model_validate(data)
    assert ("claims", 0, "stance") in locs(exc.value)


def test_unknown_event_type():
    with pytest.raises(ValidationError) as exc:
        Event.model_validate(event(event_type="picnic"))
    assert ("event_type",) in locs(exc.value)


def test_end_before_start_is_reported_on_end():
    with pytest.raises(ValidationError) as exc:
        DateSpan(start="2016-11-02", end="2016-11-01", precision="day", basis="stated")
    assert locs(exc.value) == [("end",)]
    assert "before start" in exc.value.errors()[0]["msg"]


def test_date_precision_and_basis_vocabulary():
    with pytest.raises(ValidationError):
        DateSpan(start="2016-11-02", precision="hour", basis="stated")
    with pytest.raises(ValidationError):
        DateSpan(start="2016-11-02", precision="day", basis="guessed")


@pytest.mark.parametrize("lat,lon", [(123, 10), (-91, 10), (10, 181), (10, -200)])
def test_coordinates_in_range(lat, lon):
    with pytest.raises(ValidationError):
        Place(text="x", lat=lat, lon=lon)


def test_lat_and_lon_together():
    with pytest.raises(ValidationError):
        Place(text="x", lat=10)


def test_pinned_needs_coordinates():
    with pytest.raises(ValidationError):
        Place(text="x", pinned=True)
    assert Place(text="x", lat=1, lon=2, pinned=True).pinned


def test_precision_codes_1_to_7():
    Place(text="x", lat=1, lon=2, precision=7)
    with pytest.raises(ValidationError):
        Place(text="x", lat=1, lon=2, precision=8)


def test_toll_needs_a_figure_and_an_ordered_range():
    assert Toll(claimant="un", count=0).count == 0
    assert Toll(low=3).low == 3
    with pytest.raises(ValidationError):
        Toll(claimant="un")
    with pytest.raises(ValidationError):
        Toll(low=5, high=3)
    with pytest.raises(ValidationError):
        Toll(count=-1)


def test_claim_needs_non_empty_excerpts():
    base = {"id": "c", "claimant": "a", "stance": "asserts", "source": "s"}
    with pytest.raises(ValidationError):
        Claim(**base, excerpts=[])
    with pytest.raises(ValidationError):
        Claim(**base, excerpts=["  "])


def test_claim_ids_unique_within_event():
    data = event()
    data["claims"].append(dict(data["claims"][0]))
    with pytest.raises(ValidationError) as exc:
        Event.model_validate(data)
    assert ("claims",) in locs(exc.value)


def test_ids_are_slugs():
    with pytest.raises(ValidationError):
        Event.model_validate(event(id="Heli Down"))
    with pytest.raises(ValidationError):
        Actor(id="ru_mod", name="x", kind="government")


def test_actor_kind_vocabulary():
    assert Actor(id="sohr", name="SOHR", kind="monitor").aliases == []
    with pytest.raises(ValidationError):
        Actor(id="sohr", name="SOHR", kind="blogger")


def test_status_override_needs_a_reason():
    with pytest.raises(ValidationError):
        StatusOverride(status="confirmed", reason="")
    with pytest.raises(ValidationError):
        StatusOverride(status="maybe", reason="a long enough reason")
    e = Event.model_validate(event(status_override={"status": "confirmed", "reason": "Imagery shows the wreck."}))
    assert e.status_override.status == "confirmed"


def test_source_url_must_be_http():
    base = {"id": "s1", "outlet": "tass", "title": "t", "published": "2016-11-01"}
    assert Source(**base, url="https://example.org/a").url
    with pytest.raises(ValidationError):
        Source(**base, url="javascript:alert(1)")
