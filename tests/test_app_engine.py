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
    assert 0 < v1.count < v2.count == len(v1.ds.events)
    # A session holds no frame of the dataset's rows: its state is filter values and ids.
    assert not _frames_in_state(first) and not _frames_in_state(second)
