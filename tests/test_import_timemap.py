"""TimeMap data: events, sources as claims with their excerpts, associations as type and tags,
a repeated id, a place without coordinates; the bundle, a bare events list, and a folder of the
separate files a datasheet-server serves. The fixture follows TimeMap's
src/reducers/validate schemas (eventSchema, sourceSchema, associationsSchema)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from events import vocab
from events.importers import ImportFailed, import_file, sniff_format

FIX = Path(__file__).parent / "fixtures" / "timemap" / "civilian_harm_bundle.json"


@pytest.fixture(scope="module")
def imported():
    return import_file(FIX.read_bytes(), FIX.name)


def ev(ds, eid):
    return ds.events.set_index("id").loc[eid]


def test_every_event_loads_and_the_format_is_detected(imported):
    ds, report = imported
    assert sniff_format(FIX.read_bytes()) == "timemap" and report.format == "timemap"
    assert report.rows_read == 5 and report.rows_loaded == 5 and not report.skipped
    assert ds.kind == "timemap"


def test_us_dates_with_mixed_padding(imported):
    ds, report = imported
    assert list(ds.events["date_start"]) == [pd.Timestamp(d) for d in
                                             ("2020-05-09", "2020-05-13", "2020-05-14", "2020-06-02", "2020-06-12")]
    assert (ds.events["date_end"] == ds.events["date_start"]).all()
    assert ev(ds, "tm-CIV0001")["extra"]["time"] == "14:30"


def test_repeated_id_is_reported_and_both_events_kept(imported):
    ds, report = imported
    assert {"tm-CIV0002", "tm-CIV0002-2"} <= set(ds.events["id"])
    (note,) = [n for n in report.notes if n.column == "id"]
    assert note.row == 3 and "repeats event 2" in note.reason
    assert "school" in ev(ds, "tm-CIV0002-2")["summary"]


def test_coordinates_with_decimal_commas_and_a_stated_precision(imported):
    ds, _ = imported
    e = ev(ds, "tm-CIV0002")
    assert e["lat"] == pytest.approx(35.6484) and e["lon"] == pytest.approx(36.6746)
    assert e["precision"] == 1 and e["radius_km"] == 5.0  # TimeMap states no precision: never a pin


def test_place_without_coordinates_is_geocoded_and_counted(imported):
    ds, report = imported
    assert report.geocoded == 1
    e = ev(ds, "tm-CIV0004")
    assert 36.1 < e["lat"] < 36.3 and 37.0 < e["lon"] < 37.3  # Aleppo
    assert any(n.row == 4 and "gazetteer" in n.reason for n in report.notes)


def test_sources_are_claims_with_verbatim_excerpts(imported):
    ds, _ = imported
    c = ds.claims[ds.claims["event_id"] == "tm-CIV0001"].set_index("claim_id")
    assert list(c.index) == ["src-1", "src-2"]
    assert c.loc["src-1", "excerpts"] == ("Video of the aftermath", "Footage shows the collapsed upper floors.")
    assert "https://twitter.com/example/status/1" in c.loc["src-1", "note"]
    assert "paths: https://example.org/media/src1.mp4" in c.loc["src-1", "note"]
    author = ds.actors.set_index("id").loc[c.loc["src-2", "claimant"], "name"]
    assert author == "Ariha Local Council"
    assert set(c["stance"]) == {"asserts"} and ev(ds, "tm-CIV0001")["n_claims"] == 2
    roles = ds.roles[(ds.roles["event_id"] == "tm-CIV0001") & (ds.roles["role"] == "claimant")]
    assert set(roles["actor_id"]) == set(c["claimant"])
    # a referenced source missing from the sources file is said, not dropped
    missing = ds.claims[(ds.claims["event_id"] == "tm-CIV0004") & (ds.claims["claim_id"] == "src-missing")]
    assert "not in the sources file" in missing["note"].iloc[0]
    # an event without sources: one claim, the dataset's description
    (only,) = ds.claims[ds.claims["event_id"] == "tm-CIV0002-2"].itertuples()
    assert only.excerpts == ("Second report filed under the same id: damage to a school.",)


def test_associations_give_type_and_tags_and_unknown_types_are_counted(imported):
    ds, report = imported
    assert ev(ds, "tm-CIV0001")["event_type"] == "air_strike"
    assert ev(ds, "tm-CIV0002")["event_type"] == "shelling"
    assert ev(ds, "tm-CIV0001")["extra"]["tags"] == "Airstrike; Residential; Weapon > Airstrike; Impact > Residential"
    assert ev(ds, "tm-CIV0005")["event_type"] == vocab.OTHER_EVENT_TYPE
    assert report.other_types == {"School": 1, "Vehicle": 1, "Hospital damage": 1}
    assert ev(ds, "tm-CIV0005")["extra"]["custom_field"] == "kept"


def test_bare_event_list_and_datasheet_folder(tmp_path):
    from events.importers.timemap import bundle_from_folder

    doc = json.loads(FIX.read_text(encoding="utf-8"))
    ds, report = import_file(json.dumps(doc["events"]).encode(), "events.json")
    assert report.rows_loaded == 5
    # without the sources file the ids are kept and said
    assert ds.claims["note"].str.contains("not in the sources file").sum() == 6  # 6 references, 1 event without
    for part in ("events", "sources", "associations"):
        (tmp_path / f"{part}.json").write_text(json.dumps(doc[part]), encoding="utf-8")
    ds2, report2 = import_file(bundle_from_folder(tmp_path), "folder")
    assert report2.rows_loaded == 5 and len(ds2.claims) == 7


def test_bad_json_and_bad_events_are_named():
    with pytest.raises(ImportFailed, match="not valid JSON"):
        import_file(b'{"events": [', "broken.json", format="timemap")
    with pytest.raises(ImportFailed, match="not a TimeMap export"):
        import_file(b'{"rows": []}', "other.json", format="timemap")
    ds, report = import_file(json.dumps({"events": [
        "not an object", {"id": "a", "description": "ok", "date": "01/02/2020", "latitude": "35", "longitude": "36"},
        {"id": "b", "description": "no date", "date": "", "latitude": "35", "longitude": "36"},
        {"id": "c", "description": "bad latitude", "date": "01/03/2020", "latitude": "north", "longitude": "36"},
    ]}).encode(), "mixed.json")
    assert report.rows_loaded == 1
    assert {(s.row, s.column) for s in report.skipped} == {(1, "-"), (3, "date"), (4, "latitude")}


def test_bellingcat_download_inline_sources_and_filters():
    path = FIX.parent / "bellingcat_download.json"
    ds, report = import_file(path.read_bytes(), path.name)
    assert report.rows_loaded == 2 and not report.skipped
    e = ev(ds, "tm-CIV0101")
    assert e["date_start"] == pd.Timestamp("2022-03-07")
    assert e["extra"]["tags"] == "Residential; Missile; Type of area affected > Residential; Weapon System > Missile"
    c = ds.claims[ds.claims["event_id"] == "tm-CIV0101"].set_index("claim_id")
    assert c.loc["src0101", "excerpts"] == ("Video of the damaged facade.",)
    assert "paths: https://t.me/example_channel/1234" in c.loc["src0101", "note"]
    names = ds.actors.set_index("id")["name"]
    assert names[c.loc["src0101", "claimant"]] == "t.me" and names[c.loc["src0102", "claimant"]] == "twitter.com"
    assert ev(ds, "tm-CIV0102")["event_type"] == "shelling"  # the filter value names our type
    assert report.geocoded == 1 and 49.8 < ev(ds, "tm-CIV0102")["lat"] < 50.2
