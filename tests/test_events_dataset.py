"""The Dataset frames built from curated records (events/dataset.py)."""
import datetime as dt
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from events.dataset import (ACTOR_COLUMNS, CLAIM_COLUMNS, EVENT_COLUMNS, ROLE_COLUMNS, Dataset,
                            make_frames, toll_figure)
from events.load import load_curated

VALID = Path(__file__).parent / "fixtures" / "valid"


@pytest.fixture(scope="module")
def ds():
    return load_curated(VALID)


def row(ds, event_id):
    return ds.events.set_index("id").loc[event_id]


def test_columns_are_exactly_the_contract(ds):
    assert tuple(ds.events.columns) == EVENT_COLUMNS
    assert tuple(ds.claims.columns) == CLAIM_COLUMNS
    assert tuple(ds.roles.columns) == ROLE_COLUMNS
    assert tuple(ds.actors.columns) == ACTOR_COLUMNS


def test_metadata(ds):
    assert ds.kind == "curated" and ds.name == "Curated events"
    assert ds.problems == []
    assert isinstance(ds.updated, dt.datetime) and ds.updated.tzinfo is not None
    assert set(ds.sources) == {"wire-helicopter", "wire-denials"}
    assert set(ds.records) == set(ds.events["id"])


def test_dtypes(ds):
    ev = ds.events
    assert str(ev["date_start"].dtype).startswith("datetime64")
    assert str(ev["date_end"].dtype).startswith("datetime64")
    assert str(ev["precision"].dtype) == "Int64"
    assert ev["lat"].dtype == "float64" and ev["fatalities_best"].dtype == "float64"
    assert ev["n_claims"].dtype == "int64"
    assert all(isinstance(v, tuple) for v in ev["participants"])
    assert all(v == {} for v in ev["extra"])
    assert all(isinstance(v, tuple) for v in ds.claims["excerpts"])
    assert all(isinstance(v, tuple) for v in ds.actors["aliases"])


def test_events_sorted_by_start_date(ds):
    assert ds.events["date_start"].is_monotonic_increasing


def test_one_event_of_each_status(ds):
    assert sorted(ds.events["status"]) == ["claimed", "confirmed", "denied", "disputed"]
    assert (ds.events["status"] == ds.events["status_derived"]).all()
    assert (ds.events["status_reason"] == "").all()


def test_status_override(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(VALID, d)
    with open(d / "events" / "mi24-airbase-denied.yaml", "a") as f:
        f.write("status_override:\n  status: disputed\n  reason: Imagery shows wrecks the ministry calls old.\n")
    r = row(load_curated(d), "mi24-airbase-denied")
    assert (r.status, r.status_derived, r.status_reason) == (
        "disputed", "denied", "Imagery shows wrecks the ministry calls old.")


def test_dates(ds):
    r = row(ds, "helicopter-mortar-palmyra")
    assert r.date_start == pd.Timestamp("2016-10-29") and r.date_end == pd.Timestamp("2016-11-04")
    assert (r.date_precision, r.date_basis) == ("week", "inferred")
    assert row(ds, "mi8-crash-palmyra").date_end == pd.Timestamp("2016-08-01")  # end defaults to start


def test_place_fields(ds):
    r = row(ds, "latakia-shell-deaths")
    # admin1 comes from point-in-polygon (OCHA's spelling "Lattakia"); a governorate-wide event
    # (precision 4) carries no district or sub-district
    assert (r.place_text, r.place_name, r.lat, r.lon, r.precision, r.admin1, r.country) == (
        "the coastal province of Latakia", "Latakia", 35.6, 36.0, 4, "Lattakia", "SY")
    assert (r.admin1_pcode, r.admin2, r.admin2_pcode, r.admin3, r.admin3_pcode) == ("SY06", "", "", "", "")
    assert r.radius_km == 75.0  # the precision code's default radius
    assert row(ds, "helicopter-mortar-palmyra").radius_km == 40.0  # the place's own radius
    unlocated = row(ds, "mi8-crash-palmyra")
    assert math.isnan(unlocated.lat) and pd.isna(unlocated.precision) and unlocated.place_name == ""


def test_participants(ds):
    assert row(ds, "mi8-crash-palmyra").participants == ("ru-military", "islamic-state")


def test_fatalities(ds):
    assert row(ds, "mi8-crash-palmyra").fatalities_text == "5 (Fixture Wire)"
    assert row(ds, "mi8-crash-palmyra").fatalities_best == 5.0
    # the event's toll and the claim's identical one are listed once
    assert row(ds, "latakia-shell-deaths").fatalities_text == "3 (Fixture Wire)"
    assert row(ds, "helicopter-mortar-palmyra").fatalities_text == "0 (Russian Ministry of Defence)"
    assert row(ds, "helicopter-mortar-palmyra").fatalities_best == 0.0
    none = row(ds, "mi24-airbase-denied")
    assert none.fatalities_text == "" and math.isnan(none.fatalities_best)


def test_fatalities_of_several_claimants_best_is_lowest(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(VALID, d)
    p = d / "events" / "mi8-crash-palmyra.yaml"
    p.write_text(p.read_text().replace("    count: 5\n", "    count: 5\n  - claimant: sohr\n    low: 3\n    high: 8\n"))
    r = row(load_curated(d), "mi8-crash-palmyra")
    assert r.fatalities_text == "5 (Fixture Wire); 3–8 (Syrian Observatory for Human Rights)"
    assert r.fatalities_best == 3.0


@pytest.mark.parametrize("args,text", [
    ((5, None, None), "5"), ((None, 3, 8), "3–8"), ((None, 3, None), "at least 3"),
    ((None, None, 8), "up to 8"), ((None, 4, 4), "4"), ((None, None, None), "?"),
])
def test_toll_figure(args, text):
    assert toll_figure(*args) == text


def test_search_text(ds):
    s = row(ds, "mi24-airbase-denied").search_text
    assert s == s.lower()
    assert "reported destruction of russian mi-24" in s  # title
    assert "a syrian airbase" in s  # place words
    assert '"rumors about a destroyed division' in s  # excerpt, quotes normalised
    assert "\n" not in s


def test_claims_frame(ds):
    cl = ds.claims.set_index("claim_id")
    assert len(cl) == 6
    c = cl.loc["is-shot-down"]
    assert (c.event_id, c.claimant, c.stance, c.source_id, c.via) == (
        "helicopter-mortar-palmyra", "islamic-state", "asserts", "wire-helicopter", ("amaq", "site"))
    assert c.place_text == "the province of HOMS" and math.isnan(c.lat)
    assert cl.loc["mod-emergency-landing"].place_text == ""  # no place of its own
    assert pd.isna(cl.loc["mod-emergency-landing"].date_start)
    assert cl.loc["wire-three-killed"].fatalities_text == "3 (Fixture Wire)"
    assert len(cl.loc["mod-denies"].excerpts) == 2


def test_roles_frame(ds):
    roles = set(map(tuple, ds.roles.to_numpy().tolist()))
    assert ("mi8-crash-palmyra", "islamic-state", "participant") in roles
    assert ("mi8-crash-palmyra", "ru-mod", "claimant") in roles
    assert ("helicopter-mortar-palmyra", "islamic-state", "claimant") in roles
    assert len(roles) == len(ds.roles)  # no duplicates


def test_helpers(ds):
    assert ds.event("mi8-crash-palmyra").title == "Mi-8 helicopter crash at Palmyra"
    assert ds.event("nope") is None
    assert len(ds.claims_of("mi8-crash-palmyra")) == 2


def test_make_frames_and_empty_dataset():
    ev, cl, ro, ac = make_frames([{"id": "a", "date_start": "2020-01-02", "precision": 2}], [], [], [])
    assert tuple(ev.columns) == EVENT_COLUMNS
    assert ev.loc[0, "title"] == "" and ev.loc[0, "participants"] == () and ev.loc[0, "extra"] == {}
    assert ev.loc[0, "date_start"] == pd.Timestamp("2020-01-02") and pd.isna(ev.loc[0, "date_end"])
    empty = Dataset.empty()
    assert len(empty.events) == 0 and tuple(empty.claims.columns) == CLAIM_COLUMNS


def test_no_streamlit_import_and_no_gazetteer():
    """Loading never imports Streamlit or folium, and from geodata only the precision codes and
    the admin polygons (point-in-polygon), never the gazetteer index or the phrase resolver."""
    import subprocess
    import sys
    code = ("import sys, events.load, events.filters, events.urlstate, events.export; "
            "events.load.load_curated(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'geodata', 'folium')))")
    out = subprocess.run([sys.executable, "-c", code, str(VALID)], capture_output=True, text=True,
                         cwd=Path(__file__).parents[1], check=True).stdout
    assert out.strip() == "['geodata', 'geodata.admin', 'geodata.precision', 'geodata.result']"


def test_dataset_pickles_for_the_app_cache(ds):
    import pickle
    ds.registry  # built lazily; must survive the copy st.cache_data makes
    copy = pickle.loads(pickle.dumps(ds))
    assert copy.events.equals(ds.events) and copy.registry.resolve("ISIS") == "islamic-state"
    assert copy.sources["wire-denials"].contains("Three Russians fighting")


def test_event_and_claims_of_look_up_like_a_scan_with_repeated_and_missing_ids():
    """Dataset.event / claims_of use a cached hash index: the same rows as the boolean scan they
    replace, in order, for unique, repeated and unknown ids, and rebuilt for a replaced frame."""
    import pandas as pd

    from events.dataset import Dataset, make_frames

    ev_rows = [{"id": i, "title": t} for i, t in (("a", "first a"), ("b", "b"), ("a", "second a"), ("c", "c"))]
    cl_rows = [{"event_id": e, "claim_id": k} for e, k in (("a", "1"), ("b", "2"), ("a", "3"), ("a", "4"))]
    ev, cl, ro, ac = make_frames(ev_rows, cl_rows, [], [])
    ds = Dataset(name="t", kind="acled", events=ev, claims=cl, roles=ro, actors=ac)
    assert ds.event("a")["title"] == "first a" and ds.event("c")["title"] == "c"
    assert ds.event("zzz") is None and ds.event(None) is None
    for eid in ("a", "b", "c", "zzz"):
        pd.testing.assert_frame_equal(ds.claims_of(eid), cl[cl["event_id"] == eid])
    assert ds.claims_of("a")["claim_id"].tolist() == ["1", "3", "4"]
    ds.events = ev.iloc[[3, 1]].reset_index(drop=True)  # a replaced frame: a fresh index
    assert ds.event("a") is None and ds.event("c")["title"] == "c"
