"""Curation writes: confined to the data folder, atomic, refused while curation is off, and only
after the validator (same rules, same messages) finds nothing wrong. Always on a temp copy."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from events.curate import CurateDisabled, draft, files, yamlout
from events.load import DEFAULT_DATA_DIR, parse_yaml, read_data_dir

SRC = "moscow-times-2016-05-24-mi24-is-propaganda"


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, d, ignore=shutil.ignore_patterns("imported", "README.md"))
    return d


@pytest.fixture
def curate_on(monkeypatch):
    monkeypatch.setenv("CONFLICT_MAP_CURATE", "1")


def snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def new_event(**over) -> dict:
    ev = {
        "id": "mi24-test-event",
        "title": "Test: helicopters reported destroyed",
        "summary": "IS spread reports; the Ministry denied them.",
        "event_type": "aircraft_loss",
        "participants": ["islamic-state"],
        "date": {"start": dt.date(2016, 5, 14), "end": dt.date(2016, 5, 17), "precision": "week",
                 "basis": "inferred", "note": '"about 10 days ago" (source published 2016-05-24)'},
        "place": {"text": "Syria", "name": "Syria", "gazetteer_id": "country:SY", "lat": 34.9964,
                  "lon": 38.5009, "precision": 6, "radius_km": 426.1, "country": "SY"},
        "claims": [{
            "id": "mod-denies", "claimant": "russian-defence-ministry", "stance": "denies", "source": SRC,
            "via": ["interfax"],
            "excerpts": ["The Russian Defense Ministry has denied reports of the destruction of Russian Mi-24 "
                         "combat helicopters on a Syrian airbase, the Interfax news agency reported Tuesday."],
        }],
    }
    ev.update(over)
    return ev


def test_paths_outside_the_data_folder_are_refused(data, tmp_path):
    for bad in ("../x.yaml", "/etc/passwd", "events/../../x.yaml", "other/x.yaml", "events/x.py", "app.py",
                "events/.hidden.yaml", "events\\..\\x.yaml"):
        with pytest.raises(files.UnsafePath):
            files.target(data, bad)
    outside = tmp_path / "outside.yaml"
    outside.write_text("x")
    os.symlink(outside, data / "events" / "link.yaml")
    with pytest.raises(files.UnsafePath, match="outside"):
        files.target(data, "events/link.yaml")
    assert files.target(data, "events/new.yaml") == (data / "events" / "new.yaml").resolve()


def test_nothing_writes_while_curation_is_off(data, monkeypatch):
    monkeypatch.delenv("CONFLICT_MAP_CURATE", raising=False)
    before = snapshot(data)
    with pytest.raises(CurateDisabled):
        files.atomic_write(data, "events/x.yaml", "id: x\n")
    pl = draft.plan(data, new_event())
    assert draft.validate(data, pl) == []  # checking reads only, and is allowed
    with pytest.raises(CurateDisabled):
        draft.save(data, pl)
    monkeypatch.setenv("CONFLICT_MAP_CURATE", "0")
    with pytest.raises(CurateDisabled):
        files.apply(data, pl.changes)
    assert snapshot(data) == before


def test_save_writes_one_readable_file_that_validates(data, curate_on):
    pl = draft.plan(data, new_event())
    assert [c.rel for c in pl.changes] == ["events/mi24-test-event.yaml"]
    assert pl.diff.startswith("--- /dev/null\n+++ b/events/mi24-test-event.yaml\n")
    assert "+  - id: mod-denies\n" in pl.diff
    before = snapshot(data)
    assert draft.save(data, pl) == []
    after = snapshot(data)
    assert set(after) - set(before) == {"events/mi24-test-event.yaml"}
    assert all(after[k] == v for k, v in before.items())
    text = (data / "events" / "mi24-test-event.yaml").read_text()
    assert text.startswith("id: mi24-test-event\ntitle: 'Test: helicopters reported destroyed'\n")
    assert "participants: [islamic-state]\n" in text and "start: 2016-05-14\n" in text
    r = read_data_dir(data)
    assert r.problems == []
    assert "mi24-test-event" in {e.id for e in r.events}
    assert not list((data / "events").glob(".*.tmp"))


@pytest.mark.parametrize("change,field,message", [
    (lambda e: e["claims"][0].update(excerpts=["The Russian Defense Ministry has denied all reports."]),
     "claims[0].excerpts[0]", "excerpt not found verbatim in source"),
    (lambda e: e["date"].update(end=dt.date(2016, 5, 1)), "date.end", "end date 2016-05-01 is before start date"),
    (lambda e: e["claims"][0].update(claimant="nobody-we-know"), "claims[0].claimant",
     "unknown actor 'nobody-we-know' (not in actors.yaml)"),
    (lambda e: e.update(id="palmyra-mi8-crash-2016"), "id",
     "duplicate event id (also in events/palmyra-mi8-crash-2016.yaml)"),
    (lambda e: e["claims"][0].update(stance="confirms"), "claims[0].stance", "'confirms' was split"),
])
def test_invalid_input_is_refused_with_the_validators_message_and_nothing_written(data, curate_on, change, field,
                                                                                  message):
    ev = new_event()
    change(ev)
    before = snapshot(data)
    problems = draft.save(data, draft.plan(data, ev))
    assert problems and problems[0].field == field and message in problems[0].message, problems
    assert snapshot(data) == before
    if field != "id":  # the same message as `python -m events validate` on the written file
        (data / "events" / f"{ev['id']}.yaml").write_text(yamlout.dump(draft.normalise_event(ev)))
        assert any(p.field == field and message in p.message for p in read_data_dir(data).problems)


def test_editing_replaces_the_file_and_keeps_the_id(data, curate_on):
    ev = draft.open_event(data, "palmyra-mi8-crash-2016")
    assert draft.plan(data, ev, editing="palmyra-mi8-crash-2016").changes == []  # unchanged: nothing to write
    ev["title"] = "Russian Mi-8 helicopter lost with all five aboard (edited)"
    pl = draft.plan(data, ev, editing="palmyra-mi8-crash-2016")
    assert "-title: Russian Mi-8 helicopter lost with all five aboard\n" in pl.diff
    # only the edited field changes in the file: the rest keeps its hand-written layout
    assert [l for l in pl.diff.splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---")] == [
        "-title: Russian Mi-8 helicopter lost with all five aboard",
        "+title: Russian Mi-8 helicopter lost with all five aboard (edited)"]
    assert draft.save(data, pl) == []
    assert parse_yaml((data / "events" / "palmyra-mi8-crash-2016.yaml").read_text())["title"].endswith("(edited)")
    assert read_data_dir(data).problems == []
    ev["id"] = "renamed"
    assert draft.plan(data, ev, editing="palmyra-mi8-crash-2016").problems[0].field == "id"


def test_new_source_and_actor_are_written_with_the_event(data, curate_on):
    text = "Agency X said on Monday that a shell hit a school in Idlib, killing four people.\n"
    src = {"id": "agency-x-2020-01-06-idlib-school", "outlet": "agency-x", "title": "Shell hits school",
           "published": dt.date(2020, 1, 6), "published_precision": "day", "published_basis": "stated"}
    actor = {"id": "agency-x", "name": "Agency X", "kind": "news_outlet", "aliases": ["AgX"]}
    ev = new_event(id="idlib-school-shell-2020", event_type="shelling", participants=[],
                   date={"start": dt.date(2020, 1, 6), "precision": "day", "basis": "inferred", "note": '"on Monday"'},
                   claims=[{"id": "agency-says", "claimant": "agency-x", "stance": "asserts", "source": src["id"],
                            "excerpts": ["a shell hit a school in Idlib, killing four people."]}])
    pl = draft.plan(data, ev, source=src, source_text=text, actors=[actor])
    assert sorted(c.rel for c in pl.changes) == ["actors.yaml", "events/idlib-school-shell-2020.yaml",
                                                 "sources/agency-x-2020-01-06-idlib-school.txt",
                                                 "sources/agency-x-2020-01-06-idlib-school.yaml"]
    old_actors = (data / "actors.yaml").read_text()
    assert draft.save(data, pl) == []
    new_actors = (data / "actors.yaml").read_text()
    assert new_actors.startswith(old_actors)  # appended: comments and layout kept
    assert read_data_dir(data).problems == []
    # the same source again is a duplicate
    again = draft.plan(data, new_event(id="other"), source=src, source_text=text)
    assert [p.message for p in again.problems] == [
        "duplicate source id (also in sources/agency-x-2020-01-06-idlib-school.yaml)"]


def test_a_crash_during_the_rename_leaves_the_old_file_whole(data, curate_on, monkeypatch):
    path = data / "events" / "palmyra-mi8-crash-2016.yaml"
    old = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(data, "events/palmyra-mi8-crash-2016.yaml", "id: half\n")
    assert path.read_bytes() == old
    assert not [p for p in (data / "events").iterdir() if p.name.startswith(".")]


def test_a_file_changed_on_disk_since_the_plan_is_not_overwritten(data, curate_on):
    ev = draft.open_event(data, "palmyra-mi8-crash-2016")
    ev["title"] += " (edited)"
    pl = draft.plan(data, ev, editing="palmyra-mi8-crash-2016")
    path = data / "events" / "palmyra-mi8-crash-2016.yaml"
    path.write_text(path.read_text() + "# someone else's edit\n")
    problems = files.apply(data, pl.changes)
    assert "changed on disk" in problems[0].message
    assert path.read_text().endswith("# someone else's edit\n")


def test_yaml_dump_reads_back_to_the_same_event_for_every_curated_file():
    from events.schema import Event

    for p in sorted((DEFAULT_DATA_DIR / "events").glob("*.yaml")):
        d = parse_yaml(p.read_text())
        back = parse_yaml(yamlout.dump(d))
        assert Event.model_validate(back) == Event.model_validate(d), p.name
        assert {k: v for k, v in d.items() if v != []} == back  # only empty lists are left out
