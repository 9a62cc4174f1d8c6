"""Loading and validating a data folder (events/load.py): every bad file becomes a Problem
naming file, record and field; every file is checked; every valid event still loads."""
import shutil
from pathlib import Path

import pytest
import yaml

from events.load import load_curated, parse_yaml, read_data_dir

VALID = Path(__file__).parent / "fixtures" / "valid"
N_EVENTS = 4


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(VALID, d)
    return d


def edit(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def only_problem(d):
    r = read_data_dir(d)
    assert len(r.problems) == 1, "\n".join(map(str, r.problems))
    return r, r.problems[0]


def test_valid_fixture_has_no_problems():
    r = read_data_dir(VALID)
    assert r.problems == []
    assert (r.n_events, r.n_claims, r.n_actors, r.n_sources, r.n_excerpts) == (4, 6, 7, 2, 9)
    assert r.summary() == "4 events, 6 claims, 7 actors, 2 sources, 9 excerpts checked, 0 problems"


def test_load_curated_builds_one_row_per_event():
    ds = load_curated(VALID)
    assert len(ds.events) == N_EVENTS
    assert ds.events["id"].is_unique


def test_malformed_yaml(data):
    (data / "events" / "mi8-crash-palmyra.yaml").write_text("id: mi8-crash-palmyra\ntitle: [unclosed\n")
    r, p = only_problem(data)
    assert (p.file, p.record, p.field) == ("events/mi8-crash-palmyra.yaml", "mi8-crash-palmyra", "-")
    assert "malformed YAML" in p.message and "line" in p.message
    assert len(r.events) == N_EVENTS - 1  # the others still load


def test_missing_field(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "title: Mi-8 helicopter crash at Palmyra\n", "")
    _, p = only_problem(data)
    assert (p.file, p.record, p.field) == ("events/mi8-crash-palmyra.yaml", "mi8-crash-palmyra", "title")
    assert "missing" in p.message


def test_unknown_field(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "summary:", "sumary:")
    r = read_data_dir(data)
    fields = {p.field for p in r.problems}
    assert fields == {"summary", "sumary"}


def test_unknown_actor(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "participants: [ru-military, islamic-state]",
         "participants: [ru-military, wagner]")
    _, p = only_problem(data)
    assert (p.record, p.field) == ("mi8-crash-palmyra", "participants[1]")
    assert "unknown actor 'wagner'" in p.message


def test_unknown_claimant_and_via(data):
    edit(data / "events" / "helicopter-mortar-palmyra.yaml", "via: [amaq, site]", "via: [amaq, nobody]")
    edit(data / "events" / "helicopter-mortar-palmyra.yaml", "claimant: ru-mod\n    stance", "claimant: moD\n    stance")
    r = read_data_dir(data)
    assert {p.field for p in r.problems} == {"claims[0].via[1]", "claims[1].claimant"}


def test_unknown_stance(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "stance: acknowledges", "stance: boasts")
    _, p = only_problem(data)
    assert (p.record, p.field) == ("mi8-crash-palmyra", "claims[1].stance")
    assert "'acknowledges'" in p.message and "'corroborates'" in p.message


def test_retired_stance_confirms_names_its_replacements(data):
    # A file written before the split is refused with a message saying what to use instead.
    edit(data / "events" / "mi8-crash-palmyra.yaml", "stance: acknowledges", "stance: confirms")
    _, p = only_problem(data)
    assert (p.record, p.field) == ("mi8-crash-palmyra", "claims[1].stance")
    assert "'confirms' was split" in p.message and "'acknowledges' or 'corroborates'" in p.message


def test_end_date_before_start(data):
    edit(data / "events" / "helicopter-mortar-palmyra.yaml", "end: 2016-11-04", "end: 2016-10-01")
    _, p = only_problem(data)
    assert (p.record, p.field) == ("helicopter-mortar-palmyra", "date.end")
    assert "before start date" in p.message


def test_latitude_123(data):
    edit(data / "events" / "latakia-shell-deaths.yaml", "lat: 35.6", "lat: 123")
    _, p = only_problem(data)
    assert (p.file, p.record, p.field) == ("events/latakia-shell-deaths.yaml", "latakia-shell-deaths", "place.lat")
    assert "90" in p.message and "123" in p.message


def test_duplicate_id(data):
    shutil.copy(data / "events" / "mi8-crash-palmyra.yaml", data / "events" / "mi8-copy.yaml")
    r = read_data_dir(data)
    problems = [p for p in r.problems if p.file == "events/mi8-copy.yaml"]
    assert {p.field for p in problems} == {"id"}
    assert any("duplicate event id" in p.message and "events/mi8-crash-palmyra.yaml" in p.message for p in problems)
    assert [e.id for e in r.events].count("mi8-crash-palmyra") == 1


def test_file_name_must_be_the_id(data):
    (data / "events" / "mi8-crash-palmyra.yaml").rename(data / "events" / "mi8.yaml")
    _, p = only_problem(data)
    assert (p.file, p.record, p.field) == ("events/mi8.yaml", "mi8-crash-palmyra", "id")


def test_excerpt_not_in_its_source(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "On Board were five people", "On Board were six people")
    r, p = only_problem(data)
    assert (p.file, p.record, p.field) == ("events/mi8-crash-palmyra.yaml", "mi8-crash-palmyra", "claims[0].excerpts[1]")
    assert "not found verbatim" in p.message and "wire-helicopter" in p.message
    assert "On Board were " in p.message  # where it stops matching
    assert "mi8-crash-palmyra" not in [e.id for e in r.events]  # an unverified event is left out
    assert r.n_excerpts == 9


def test_excerpt_with_other_white_space_passes(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "- On Board were five people, all of them died.",
         "- \"On   Board were\\n five people,\\tall of them died.\"")
    assert read_data_dir(data).problems == []


def test_a_file_that_is_not_yaml(data):
    (data / "events" / "notes.txt").write_text("remember to add the Hama event")
    (data / "events" / "photo.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (data / "events" / "prose.yaml").write_text("This is just a sentence, not an event.")
    r = read_data_dir(data)
    by_file = {p.file: p for p in r.problems}
    assert set(by_file) == {"events/notes.txt", "events/photo.yaml", "events/prose.yaml"}
    assert "not an event file" in by_file["events/notes.txt"].message
    assert by_file["events/photo.yaml"].record == "photo"
    assert "plain text" in by_file["events/prose.yaml"].message
    assert len(r.events) == N_EVENTS


def test_a_list_instead_of_a_mapping(data):
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_text(yaml.safe_dump([yaml.safe_load(p.read_text())]))
    _, prob = only_problem(data)
    assert "expected a mapping" in prob.message and "list" in prob.message


def test_empty_file(data):
    (data / "events" / "mi8-crash-palmyra.yaml").write_text("")
    _, p = only_problem(data)
    assert "empty" in p.message


def test_wrong_encoding(data):
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_bytes(p.read_text().replace("Mi-8 helicopter", "Mi-8 hélicoptère").encode("latin-1"))
    _, prob = only_problem(data)
    assert "not UTF-8" in prob.message and prob.record == "mi8-crash-palmyra"


def test_utf8_with_bom_is_fine(data):
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert read_data_dir(data).problems == []


def test_duplicate_key(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "summary:", "title: Another title\nsummary:")
    _, p = only_problem(data)
    assert "duplicate key 'title'" in p.message


def test_unknown_source(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "source: wire-helicopter", "source: wire-nowhere")
    _, p = only_problem(data)
    assert (p.field, p.record) == ("claims[0].source", "mi8-crash-palmyra")
    assert "unknown source 'wire-nowhere'" in p.message


def test_source_without_text(data):
    (data / "sources" / "wire-denials.txt").unlink()
    r = read_data_dir(data)
    files = sorted({p.file for p in r.problems})
    assert files == ["events/latakia-shell-deaths.yaml", "events/mi24-airbase-denied.yaml", "sources/wire-denials.yaml"]
    assert any("no archived text" in p.message for p in r.problems)


def test_source_problems(data):
    edit(data / "sources" / "wire-denials.yaml", "outlet: fixture-wire", "outlet: fixture-newspaper")
    (data / "sources" / "orphan.txt").write_text("text without a record")
    r = read_data_dir(data)
    got = {(p.file, p.record, p.field) for p in r.problems}
    assert got == {("sources/wire-denials.yaml", "wire-denials", "outlet"), ("sources/orphan.txt", "orphan", "-")}


def test_event_cannot_start_after_its_source_was_published(data):
    edit(data / "events" / "latakia-shell-deaths.yaml", "start: 2016-05-24", "start: 2016-06-24")
    _, p = only_problem(data)
    assert p.field == "date.start" and "after source 'wire-denials'" in p.message


def test_event_toll_needs_a_claimant(data):
    edit(data / "events" / "mi8-crash-palmyra.yaml", "  - claimant: fixture-wire\n    count: 5", "  - count: 5")
    _, p = only_problem(data)
    assert p.field == "fatalities[0].claimant"


def test_actor_problems(data):
    with open(data / "actors.yaml", "a") as f:
        f.write("- id: sy-mod\n  name: Syrian Ministry of Defence\n  kind: government\n  aliases: [The Ministry]\n")
        f.write("- id: ru-mod\n  name: Duplicate\n  kind: government\n")
        f.write("- id: bad-kind\n  name: Bad\n  kind: blogger\n")
    r = read_data_dir(data)
    got = {(p.file, p.record, p.field) for p in r.problems}
    assert got == {("actors.yaml", "sy-mod", "aliases"), ("actors.yaml", "ru-mod", "id"),
                   ("actors.yaml", "bad-kind", "kind")}
    amb = next(p for p in r.problems if p.record == "sy-mod")
    assert "'The Ministry' also names actor 'ru-mod'" in amb.message


def test_missing_actors_file(data):
    (data / "actors.yaml").unlink()
    r = read_data_dir(data)
    assert r.problems[0].file == "actors.yaml"
    assert r.events == []  # every actor reference is now unknown


def test_every_file_is_checked_even_when_some_are_bad(data):
    edit(data / "events" / "latakia-shell-deaths.yaml", "lat: 35.6", "lat: 123")
    edit(data / "events" / "mi8-crash-palmyra.yaml", "stance: acknowledges", "stance: boasts")
    (data / "events" / "broken.yaml").write_text("{{{")
    r = read_data_dir(data)
    assert {p.file for p in r.problems} == {
        "events/latakia-shell-deaths.yaml", "events/mi8-crash-palmyra.yaml", "events/broken.yaml"}
    assert sorted(e.id for e in r.events) == ["helicopter-mortar-palmyra", "mi24-airbase-denied"]
    assert r.n_events == 5


def test_problem_lines_name_file_record_and_field(data):
    edit(data / "events" / "latakia-shell-deaths.yaml", "lat: 35.6", "lat: 123")
    p = read_data_dir(data).problems[0]
    line = str(p.under("events/data"))
    assert line.startswith("events/data/events/latakia-shell-deaths.yaml: latakia-shell-deaths: place.lat: ")


def test_missing_data_folder(tmp_path):
    r = read_data_dir(tmp_path / "nowhere")
    assert len(r.problems) == 1 and "not found" in r.problems[0].message


def test_load_curated_never_raises_and_reports(data):
    (data / "events" / "broken.yaml").write_text("- [")
    ds = load_curated(data)
    assert len(ds.events) == N_EVENTS
    assert [p.file for p in ds.problems] == ["events/broken.yaml"]


def test_parse_yaml_is_safe():
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")


def test_problem_is_always_one_line():
    from events.problems import Problem
    assert str(Problem("events/a.yaml", "a\nb", "title", "bad\nvalue")) == "events/a.yaml: a b: title: bad value"


def test_malformed_id_still_names_a_record(data):
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_text(p.read_text().replace("id: mi8-crash-palmyra", "id: 'Mi8 Crash'"))
    r = read_data_dir(data)
    assert {(x.record, x.field) for x in r.problems} == {("Mi8 Crash", "id")}
