"""AppTest: every session shares one Dataset and one query engine per process (no copy per
session), for the curated events and for a stored import."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from app_support import make_app

from events import store
from events.engine import engine_of
from events.importers import import_csv

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    ds, report = import_csv(GED, name="GED sample")
    store.save_dataset(ds, tmp_path, report=report, slug="ged-sample")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    return tmp_path


def _frames_in_state(at) -> list[pd.DataFrame]:
    out = []
    for v in at.session_state.to_dict().values():
        if isinstance(v, pd.DataFrame):
            out.append(v)
    return out


@pytest.mark.parametrize("query", [{}, {"dataset": "ged-sample"}])
def test_a_second_session_adds_no_copy_of_the_dataset(monkeypatch, data_folder, query):
    first = make_app(monkeypatch, query=dict(query, type="attack_on_civilians")).run()
    second = make_app(monkeypatch, query=dict(query)).run()
    assert not first.exception and not second.exception
    v1, v2 = first.session_state["_view"], second.session_state["_view"]
    assert v1.ds is v2.ds  # the very same object, not an equal copy
    assert v1.engine is v2.engine is engine_of(v1.ds)
    assert v1.filters != v2.filters  # each session keeps its own filters
    assert 0 < v1.count < v2.count == v1.engine.n_events
    # A session holds no frame of the dataset's rows: its state is filter values and ids.
    assert not _frames_in_state(first) and not _frames_in_state(second)


def test_a_stored_import_is_served_by_the_engine_alone_on_every_page(monkeypatch, data_folder):
    """The app never builds a pandas frame of a stored import's events, claims or roles: the
    Dataset it opens (events.store.LazyDataset) refuses to hand them out, so any page still
    reading one would raise here. Every page, with an event selected, a text search and an
    actor filter (panel, roles, claims, table rows, timeline bars, nearby records)."""
    full = store.load_dataset(data_folder / "ged-sample")
    eid = full.events["id"].iloc[len(full.events) // 2]
    claims = full.claims_of(eid)
    actor = full.roles[full.roles["event_id"] == eid]["actor_id"].iloc[0]
    at = make_app(monkeypatch, query={"dataset": "ged-sample", "event": eid, "actor": actor}).run()
    assert not at.exception, [e.value for e in at.exception]
    view = at.session_state["_view"]
    assert isinstance(view.ds, store.LazyDataset) and view.selected_id == eid
    with pytest.raises(store.FramesNotLoaded):
        view.ds.events
    page_text = " ".join(str(m.value) for m in at.markdown) + " ".join(str(h.proto.body) for h in at.get("html"))
    assert f"Claims ({len(claims)})" in page_text
    assert full.events.set_index("id").loc[eid, "title"] in page_text
    assert "participant" in page_text or "claimant" in page_text  # the actor filter's roles line
    for page in ("pages/table.py", "pages/timeline.py", "pages/sources.py", "pages/about.py", "pages/map.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("pages/table.py").run()
    assert eid in at.dataframe[0].value["id"].tolist()
