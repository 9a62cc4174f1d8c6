"""Read-only: nothing a visitor does writes to the project's data or to disk at all (AppTest).

An audit hook (PEP 578, hardening_support.WriteWatch) records every file the process opens for
writing, renames, deletes or creates while a session goes through everything a visitor can do:
filters, the URL, a marker click, a table row, a timeline bar, the sources page, every page,
the dataset picker (a stored import, an upload, a refused upload) and the downloads' contents.
Python's bytecode cache is not counted. The data folders' files are compared before and after
too. The browser does the same against `streamlit run` in tests/browser/test_hostile_browser.py.
"""
from __future__ import annotations

import json

import pytest
from app_support import click_marker, make_app, no_exceptions, shown_count
from hardening_support import HOSTILE_DIR, HOSTILE_UPLOAD, SCRIPT_EVENT, WriteWatch, is_write, tree_digest

from events import export, store
from events.importers import import_csv
from pages.ui import assets

ROOT = HOSTILE_DIR.parents[2]
GED = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"


def test_the_watch_sees_writes_renames_and_deletes(tmp_path):
    p = tmp_path / "x.txt"
    with WriteWatch.get() as w:
        p.write_text("x")
        p.rename(tmp_path / "y.txt")
        (tmp_path / "y.txt").unlink()
        (tmp_path / "d").mkdir()
        (ROOT / "app.py").read_text()  # reading is fine
    events = [e for e, _ in w.writes]
    assert events[0] == "open" and {"os.rename", "os.remove", "os.mkdir"} <= set(events)
    assert all("app.py" not in path for _, path in w.writes)
    assert is_write("open", (str(p), "rb", 0)) is None


@pytest.fixture
def stored(tmp_path, monkeypatch):
    ds, report = import_csv(GED, name="GED slice")
    store.save_dataset(ds, tmp_path / "imported", report=report, slug="ged-slice")
    monkeypatch.setenv(store.ENV, str(tmp_path / "imported"))
    return tmp_path / "imported"


def test_a_visitor_session_writes_nothing(monkeypatch, stored):
    assets.ensure_vendor_assets()  # start-up work (done once per server), not a visitor's
    watched = (HOSTILE_DIR, ROOT / "events" / "data", stored, ROOT / "static")
    before = tree_digest(*watched)
    with WriteWatch.get() as w:
        at = make_app(monkeypatch, {"event": SCRIPT_EVENT, "zzz": "<script>"}, data_dir=HOSTILE_DIR).run()
        no_exceptions(at)
        # filters and a marker click
        at.multiselect(key="flt_status").set_value(["disputed", "confirmed"]).run()
        at.text_input(key="flt_q").set_value("script").run()
        at = click_marker(at, "hx-js-link")
        at.button(key="flt_reset").click().run()
        # every page, with a row, a bar and a source's event button
        at.switch_page("pages/table.py").run()
        at.session_state["events_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
        at.run()
        at.switch_page("pages/timeline.py").run()
        at.session_state["timeline"] = {"selection": {"pick": [{"event_id": "hx-unicode"}]}}
        at.run()
        at.switch_page("pages/sources.py").run()
        at.toggle(key="sources_only_shown").set_value(False).run()
        at.button(key=f"src-hx-source-{SCRIPT_EVENT}").click().run()
        at.switch_page("pages/about.py").run()
        no_exceptions(at)
        # what the download buttons generate (AppTest cannot click a deferred download)
        view = at.session_state["_view"]
        export.to_csv(view.ds, view.shown)
        json.dumps(export.to_geojson(view.ds, view.shown))
        # the dataset picker: a stored import, an upload, a refused upload, back to curated
        at.switch_page("pages/map.py").run()
        at.sidebar.selectbox(key="ds_pick").set_value("ged-slice").run()
        assert shown_count(at) == (12, 12)
        at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
        at.sidebar.file_uploader(key="ds_upload").set_value(("hostile.csv", HOSTILE_UPLOAD.read_bytes(), "text/csv")).run()
        assert shown_count(at) == (3, 3)
        at.sidebar.file_uploader(key="ds_upload").set_value(("x.csv", b"\x89PNG\r\n\x1a\n\x00", "text/csv")).run()
        at.sidebar.selectbox(key="ds_pick").set_value("curated").run()
        no_exceptions(at)
    assert w.writes == [], w.writes[:10]
    assert tree_digest(*watched) == before
    assert [d.slug for d in store.list_datasets(stored)] == ["ged-slice"]  # the upload was never stored
