"""The Table page's rows (pages/ui/tableview.py) on a few thousand events: the claimants and the
actor-match column grouped once per table give what a per-event scan gives."""
from __future__ import annotations

import pandas as pd
import pytest

from events import filters
from events.filters import Filters, apply_filters
from events.importers import import_csv
from pages.ui import tableview


@pytest.fixture(scope="module")
def big():
    from benchmarks.synthetic import synthetic_acled

    ds, _ = import_csv(synthetic_acled(3000, seed=11), format="acled")
    # A second and a third claim on some events (one repeating the first claimant), so claimants
    # are de-duplicated and kept in claim order; and the new claimants in the roles index.
    some = ds.claims.iloc[::7]
    second = some.assign(claim_id="second", claimant="sohr")
    third = some.iloc[::2].assign(claim_id="third", claimant=some.iloc[::2]["claimant"])
    ds.claims = pd.concat([ds.claims, second, third], ignore_index=True)
    extra_roles = pd.DataFrame({"event_id": second["event_id"], "actor_id": "sohr", "role": "claimant"})
    ds.roles = pd.concat([ds.roles, extra_roles], ignore_index=True)
    n = ds.claims.groupby("event_id").size()
    ds.events["n_claims"] = ds.events["id"].map(n).fillna(0).astype(int)
    filters.invalidate(ds)
    assert len(ds.events) == 3000
    return ds


@pytest.fixture(scope="module")
def big_engine(big):
    from events.engine import Engine

    return Engine.from_dataset(big)


def _reference(ds, eid, names, actors):
    """The per-event scan the table used to do (ds.claims_of / a roles scan for each row)."""
    claimants = ds.claims_of(eid)["claimant"].drop_duplicates().tolist()
    roles = ds.roles[(ds.roles["event_id"] == eid) & ds.roles["actor_id"].isin(list(actors))]
    parts: dict[str, list[str]] = {}
    for a, r in zip(roles["actor_id"], roles["role"]):
        parts.setdefault(a, [])
        if r not in parts[a]:
            parts[a].append(r)
    match = "; ".join(f"{names.get(a, a)} — {' and '.join(rs)}" for a, rs in parts.items())
    return ", ".join(names.get(a, a) for a in claimants), match


def test_rows_match_a_per_event_scan(big, big_engine):
    names = dict(zip(big.actors["id"], big.actors["name"]))
    counts = big.roles["actor_id"].value_counts()
    actors = ("sohr", counts.index[0], counts.index[1])  # often both participant and claimant
    shown = apply_filters(big, Filters(actors=actors)).events.reset_index(drop=True)
    assert 500 < len(shown) < 3000
    frame = tableview.table_frame(big_engine, shown, names, actors)
    assert list(frame["id"]) == list(shown["id"])
    assert list(frame.columns) == tableview.COLUMNS
    assert (frame["Actor match"] != "").all()  # every shown event matched one of the actors
    assert frame["Claimants"].str.contains(", ").any()
    assert frame["Actor match"].str.contains(" and ").any() or frame["Actor match"].str.contains("; ").any()
    for _, row in frame.iloc[:: max(1, len(frame) // 400)].iterrows():
        claimants, match = _reference(big, row["id"], names, actors)
        assert row["Claimants"] == claimants, row["id"]
        assert row["Actor match"] == match, row["id"]
    by_id = frame.set_index("id")
    n = big.events.set_index("id")["n_claims"]
    assert (by_id["Claims"] == n.loc[by_id.index]).all()


def test_no_actor_filter_no_actor_match_column(big, big_engine):
    names = dict(zip(big.actors["id"], big.actors["name"]))
    frame = tableview.table_frame(big_engine, big.events, names)
    assert len(frame) == 3000 and "Actor match" not in frame.columns
    sample = frame.iloc[::150]
    for eid, claimants in zip(sample["id"], sample["Claimants"]):
        assert claimants == _reference(big, eid, names, ())[0]


def test_empty_subset(big, big_engine):
    frame = tableview.table_frame(big_engine, big.events.iloc[:0], {}, ("sohr",))
    assert list(frame.columns) == tableview.COLUMNS and frame.empty


# --------------------------------------------------------------------------- pages and downloads

from pathlib import Path  # noqa: E402

from app_support import make_app  # noqa: E402

from events import export, store  # noqa: E402
from events.engine import Engine  # noqa: E402

GED = Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


def test_chunked_downloads_equal_the_whole_export(big):
    engine = Engine.from_dataset(big)
    f = Filters(q="aleppo")
    subset = apply_filters(big, f).events
    assert 0 < len(subset) < len(big.events)
    assert "".join(tableview.csv_chunks(big, engine, f, chunk=97)) == export.to_csv(big, subset)
    import json

    got = json.loads("".join(tableview.geojson_chunks(big, engine, f, chunk=97)))
    assert got == json.loads(json.dumps(export.to_geojson(big, subset), ensure_ascii=False))
    nothing = Filters(q="zzzz-no-such-word")
    assert "".join(tableview.csv_chunks(big, engine, nothing)) == export.to_csv(big, big.events.iloc[:0])
    assert json.loads("".join(tableview.geojson_chunks(big, engine, nothing)))["features"] == []


@pytest.fixture
def ged_folder(tmp_path, monkeypatch):
    ds, report = import_csv(GED, name="GED sample")
    store.save_dataset(ds, tmp_path, report=report, slug="ged-sample")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    return tmp_path


def test_table_pages_and_sorts_in_the_engine(monkeypatch, ged_folder):
    at = make_app(monkeypatch, {"dataset": "ged-sample"}).run()
    at.switch_page("pages/table.py").run()
    assert not at.exception, [e.value for e in at.exception]
    lazy = at.session_state["_view"].ds
    assert isinstance(lazy, store.LazyDataset)  # served by the engine: no frame in memory
    ds = lazy.load()
    by_date = ds.events.assign(_pos=range(len(ds.events))).sort_values(["date_start", "_pos"], kind="stable")
    df = at.dataframe[0].value
    assert len(df) == tableview.PAGE_SIZE  # only one page is sent
    assert df["id"].tolist() == by_date["id"].tolist()[:100]
    at.number_input(key="tbl_page").set_value(3).run()
    assert at.dataframe[0].value["id"].tolist() == by_date["id"].tolist()[200:300]
    at.toggle(key="tbl_desc").set_value(True).run()
    by_date_desc = ds.events.assign(_pos=range(len(ds.events))).sort_values(
        ["date_start", "_pos"], ascending=[False, True], kind="stable")
    df = at.dataframe[0].value
    assert df["id"].tolist() == by_date_desc["id"].tolist()[200:300]
    # Selecting a row on page 3 selects that event.
    # The widget's key changes with the page (its id ends with the key).
    key = at.dataframe[0].proto.id.split("-", 2)[-1]
    assert key.startswith("events_table-")
    at.session_state[key] = {"selection": {"rows": [5], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params["event"] == df["id"].iloc[5]


def test_table_opens_the_page_of_the_selected_event(monkeypatch, ged_folder):
    ds, _ = import_csv(GED)
    order = ds.events.assign(_pos=range(len(ds.events))).sort_values(["date_start", "_pos"], kind="stable")
    target = order["id"].iloc[555]
    at = make_app(monkeypatch, {"dataset": "ged-sample", "event": target}).run()
    at.switch_page("pages/table.py").run()
    assert not at.exception
    assert at.number_input(key="tbl_page").value == 6
    df = at.dataframe[0].value
    assert target in df["id"].tolist() and df["id"].tolist().index(target) == 55


def test_a_page_of_rows_looks_claims_and_roles_up_per_event(big, big_engine):
    """A table page (100 events): its claims and roles asked of the engine for those events only."""
    names = dict(zip(big.actors["id"], big.actors["name"]))
    actors = ("sohr", big.roles["actor_id"].value_counts().index[0])
    page = big.events.iloc[1200:1300]
    frame = tableview.table_frame(big_engine, page, names, actors)
    assert list(frame["id"]) == list(page["id"])
    for _, row in frame.iterrows():
        claimants, match = _reference(big, row["id"], names, actors)
        assert row["Claimants"] == claimants and row["Actor match"] == match, row["id"]
    assert (frame["Actor match"] != "").any() and frame["Claimants"].str.contains(", ").any()
