"""CSV, GeoJSON and yaml-dir exports (events/export.py)."""
import csv
import io
import json
from pathlib import Path

import pytest

from events.export import CSV_COLUMNS, GEOJSON_PROPERTIES, to_csv, to_geojson, to_yaml_dir
from events.filters import Filters, apply_filters
from events.load import load_curated, read_data_dir

VALID = Path(__file__).parent / "fixtures" / "valid"


@pytest.fixture(scope="module")
def ds():
    return load_curated(VALID)


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_header_and_one_row_per_event(ds):
    text = to_csv(ds)
    assert text.splitlines()[0].split(",") == list(CSV_COLUMNS)
    assert [r["event_id_cnty"] for r in rows(text)] == list(ds.events["id"])


def test_csv_acled_like_values(ds):
    r = {x["event_id_cnty"]: x for x in rows(to_csv(ds))}
    lat = r["latakia-shell-deaths"]
    assert lat["event_date"] == "2016-05-24" and lat["year"] == "2016" and lat["time_precision"] == "1"
    assert (lat["event_type"], lat["sub_event_type"]) == ("Explosions/Remote violence", "Shelling/artillery/missile attack")
    assert (lat["latitude"], lat["longitude"], lat["geo_precision"], lat["precision"]) == ("35.6", "36.0", "3", "4")
    assert lat["actor1"] == "Russian Armed Forces" and lat["fatalities"] == "3"
    assert lat["source"] == "Fixture Wire" and lat["status"] == "claimed"
    heli = r["helicopter-mortar-palmyra"]
    assert heli["time_precision"] == "2" and heli["date_end"] == "2016-11-04"
    assert heli["actor2"] == "Russian Armed Forces"
    assert heli["claimants"] == "Islamic State; Russian Ministry of Defence"
    mi24 = r["mi24-airbase-denied"]
    assert mi24["latitude"] == "" and mi24["fatalities"] == ""  # unknown stays empty, not 0


def test_csv_subset(ds):
    sub = apply_filters(ds, Filters(statuses=("confirmed",))).events
    assert [r["event_id_cnty"] for r in rows(to_csv(ds, sub))] == ["mi8-crash-palmyra"]
    assert [r["event_id_cnty"] for r in rows(to_csv(ds, ["mi8-crash-palmyra", "latakia-shell-deaths"]))] == [
        "mi8-crash-palmyra", "latakia-shell-deaths"]


def test_csv_quotes_text_safely(ds):
    text = to_csv(ds)
    r = {x["event_id_cnty"]: x for x in rows(text)}
    assert r["mi24-airbase-denied"]["notes"].endswith("the ministry denies it.")


def test_geojson_features(ds):
    gj = to_geojson(ds)
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 4
    json.dumps(gj)  # serialisable as is (no numpy, NaN or Timestamp)
    assert "NaN" not in json.dumps(gj)
    for feat in gj["features"]:
        assert set(GEOJSON_PROPERTIES) <= set(feat["properties"])
        assert feat["id"] == feat["properties"]["id"]


def test_geojson_values(ds):
    feats = {f["id"]: f for f in to_geojson(ds)["features"]}
    f = feats["latakia-shell-deaths"]
    assert f["geometry"] == {"type": "Point", "coordinates": [36.0, 35.6]}
    p = f["properties"]
    assert (p["status"], p["event_type"], p["date_start"], p["date_end"], p["date_precision"]) == (
        "claimed", "shelling", "2016-05-24", "2016-05-24", "day")
    assert (p["precision"], p["radius_km"]) == (4, 75.0)
    assert feats["mi8-crash-palmyra"]["geometry"] is None  # not geocoded: no invented point
    heli = feats["helicopter-mortar-palmyra"]["properties"]
    assert {"id": "islamic-state", "name": "Islamic State", "roles": ["participant", "claimant"]} in heli["actors"]
    claim = heli["claims"][0]
    assert (claim["claimant"], claim["stance"], claim["source"]) == ("islamic-state", "asserts", "wire-helicopter")
    assert claim["excerpts"] == ["declared that they shot down a Russian helicopter in the province of HOMS in Syria"]
    assert claim["place"]["text"] == "the province of HOMS"
    assert claim["via"] == ["amaq", "site"]


def test_geojson_subset(ds):
    gj = to_geojson(ds, apply_filters(ds, Filters(q="latakia")).events)
    assert [f["id"] for f in gj["features"]] == ["latakia-shell-deaths"]


def test_yaml_dir_round_trip(ds, tmp_path):
    to_yaml_dir(ds, tmp_path / "out")
    r = read_data_dir(tmp_path / "out")
    assert r.problems == []
    assert sorted(e.id for e in r.events) == sorted(ds.events["id"])
    again = load_curated(tmp_path / "out")
    cols = ["id", "status", "date_start", "date_end", "place_text", "fatalities_text", "search_text"]
    assert again.events[cols].equals(ds.events[cols])


def test_yaml_dir_subset_writes_only_what_it_uses(ds, tmp_path):
    to_yaml_dir(ds, tmp_path / "out", ["latakia-shell-deaths"])
    assert [p.name for p in (tmp_path / "out" / "events").iterdir()] == ["latakia-shell-deaths.yaml"]
    assert sorted(p.name for p in (tmp_path / "out" / "sources").iterdir()) == ["wire-denials.txt", "wire-denials.yaml"]
    assert read_data_dir(tmp_path / "out").problems == []
