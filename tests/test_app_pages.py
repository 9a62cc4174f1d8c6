"""AppTest: table, timeline, sources and about pages."""
from __future__ import annotations

import json
import re

from app_support import (ALEPPO_ID, HELI_ID, all_text, elements, html_bodies, make_app, no_exceptions, qp_all,
                         shown_count)


# ----------------------------------------------------------------- table

def test_table_lists_filtered_events(monkeypatch):
    at = make_app(monkeypatch, {"status": "disputed"}).run()
    at.switch_page("pages/table.py").run()
    no_exceptions(at)
    df = at.dataframe[0].value
    assert sorted(df["id"]) == ["helicopter-homs-hama", "latakia-shell-deaths"]
    assert {"Status", "Title", "Dates", "Place", "Participants", "Claimants", "Claims"} <= set(df.columns)
    heli = df[df["id"] == HELI_ID].iloc[0]
    assert heli["Status"] == "Disputed" and heli["Claims"] == 2 and "Palmyra" in heli["Place"]
    assert "Islamic State" in heli["Participants"] and "Russian Ministry of Defence" in heli["Claimants"]
    labels = [b.proto.label for b in elements(at, "download_button")]
    assert labels == ["Download CSV", "Download GeoJSON"]


def test_table_row_selection_selects_event(monkeypatch):
    at = make_app(monkeypatch).run()
    at.switch_page("pages/table.py").run()
    df = at.dataframe[0].value
    row = int(df.index[df["id"] == ALEPPO_ID][0])
    at.session_state["events_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    no_exceptions(at)
    assert at.query_params["event"] == ALEPPO_ID
    assert "Doctors without Borders claims that the hospital was destroyed in a recent air raid." in all_text(at)


def test_table_downloads_follow_filters(monkeypatch):
    from events import export
    from events.load import load_curated
    from app_support import APP_FIXTURE

    ds = load_curated(APP_FIXTURE)
    sub = ds.events[ds.events["status"] == "denied"]
    csv = export.to_csv(ds, sub)
    assert "aleppo-hospital-strike" in csv and "helicopter-homs-hama" not in csv
    gj = export.to_geojson(ds, sub)
    assert [f["properties"].get("id", f.get("id")) for f in gj["features"]]


# ----------------------------------------------------------------- timeline

def _chart_rows(chart):
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)


def test_timeline_follows_filters_and_selects(monkeypatch):
    at = make_app(monkeypatch, {"type": "aircraft_loss"}).run()
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    charts = elements(at, "vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    rows = _chart_rows(charts[0])
    assert sorted(rows["event_id"]) == ["helicopter-homs-hama"]
    assert (rows["end"] - rows["start"]).min().days >= 1  # a single day still shows as a bar
    assert spec["mark"]["type"] == "bar"
    scale = spec["encoding"]["color"]["scale"]
    assert scale["range"] == ["#009E73", "#E69F00", "#D55E00", "#0072B2"]
    at.session_state["timeline"] = {"selection": {"pick": [{"event_id": HELI_ID}]}}
    at.run()
    no_exceptions(at)
    assert at.query_params["event"] == HELI_ID
    assert "declared that they shot down a Russian helicopter" in all_text(at)


def test_timeline_without_matches(monkeypatch):
    at = make_app(monkeypatch, {"q": "nothing-matches-this"}).run()
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    assert "No dated events match the filters." in all_text(at)


# ----------------------------------------------------------------- sources

def test_sources_page_highlights_excerpts_and_links_events(monkeypatch):
    at = make_app(monkeypatch).run()
    at.switch_page("pages/sources.py").run()
    no_exceptions(at)
    bodies = "\n".join(html_bodies(at))
    assert '<mark class="ex">Doctors without Borders claims that the hospital was destroyed in' in bodies
    assert "Quoted by 2 events" in all_text(at)  # fx-hospital: the strike and the withdrawal


def test_source_parameter_opens_one_source_with_the_claim_highlighted(monkeypatch):
    at = make_app(monkeypatch, {"status": "denied"}).run()
    no_exceptions(at)
    # as st.page_link from a claim in the side panel does it
    at.query_params.update({"source": "fx-hospital", "hl": f"{ALEPPO_ID}/msf-destroyed"})
    at.switch_page("pages/sources.py").run()
    no_exceptions(at)
    assert at.query_params["source"] == "fx-hospital"
    assert qp_all(at, "status") == ["denied"]
    bodies = "\n".join(html_bodies(at))
    assert '<mark class="ex-hl">Doctors without Borders claims' in bodies
    assert '<mark class="ex">The Russian Defense Ministry denies' in bodies
    expanders = at.expander
    assert expanders[0].proto.expanded is True
    # the button of an event quoting this source selects it and opens the map
    at.button(key=f"src-fx-hospital-{ALEPPO_ID}").click().run()
    no_exceptions(at)
    assert at.query_params["event"] == ALEPPO_ID
    assert "source" not in at.query_params  # page-only parameters do not follow to the map


def test_unknown_source_parameter_gives_notice(monkeypatch):
    at = make_app(monkeypatch).run()
    at.query_params["source"] = "<b>nope</b>"
    at.switch_page("pages/sources.py").run()
    no_exceptions(at)
    assert any("not in this dataset" in w.value and "<b>" not in w.value for w in at.warning)


def test_sources_escape_hostile_text(monkeypatch):
    at = make_app(monkeypatch).run()
    at.switch_page("pages/sources.py").run()
    bodies = [b for b in html_bodies(at) if not b.lstrip().startswith("<style")]
    joined = "\n".join(bodies)
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined and "<img" not in joined
    # expander labels are Markdown: the hostile source title is Markdown-escaped there (neither raw,
    # nor HTML-escaped, which the reader would see as a literal "&lt;")
    labels = "\n".join(e.proto.label for e in at.expander)
    assert "\\<script\\>alert" in labels and "\\*\\*Hostile\\*\\*" in labels
    assert not re.search(r"(?<!\\)[<>]", labels) and "&lt;" not in labels
    assert all("<script" not in b for b in bodies)


# ----------------------------------------------------------------- about

def test_about_page(monkeypatch):
    at = make_app(monkeypatch).run()
    at.switch_page("pages/about.py").run()
    no_exceptions(at)
    text = all_text(at)
    for word in ("Claim status", "Stances", "Location precision", "GeoNames", "CC BY 4.0", "OCHA",
                 "How to add an event", "python -m events validate"):
        assert word in text, word
    assert shown_count(at) == (5, 5)  # the sidebar is there on every page


def test_every_page_runs_on_the_curated_data(monkeypatch):
    """The real curated data (events/data): every page renders without an exception."""
    from app_support import ROOT

    at = make_app(monkeypatch, data_dir=ROOT / "events" / "data").run()
    no_exceptions(at)
    for page in ("pages/table.py", "pages/timeline.py", "pages/sources.py", "pages/about.py", "pages/map.py"):
        at.switch_page(page).run()
        no_exceptions(at)


def test_timeline_above_the_bar_limit_draws_a_histogram(monkeypatch, tmp_path):
    """The real GED sample (1,000 events, over 400): one bar per period and status, summing to the
    dated events kept; stacking by type; a filter down to a few events brings back per-event bars."""
    from pathlib import Path

    from events import store
    from events.importers import import_csv

    ds, report = import_csv(Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv",
                            name="GED sample")
    store.save_dataset(ds, tmp_path, report=report, slug="ged")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    at = make_app(monkeypatch, {"dataset": "ged"}).run()
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    charts = elements(at, "vega_lite_chart")
    assert len(charts) == 1
    rows = _chart_rows(charts[0])
    assert {"bucket", "end", "value", "n"} <= set(rows.columns)
    assert int(rows["n"].sum()) == int(ds.events["date_start"].notna().sum())
    assert set(rows["value"]) == set(ds.events["status"])
    assert (rows["end"] > rows["bucket"]).all()
    # Stacked: within a period, each value's bar starts where the previous one ends.
    for _, g in rows.groupby("bucket"):
        assert g["base"].iloc[0] == 0 and (g["top"] - g["base"] == g["n"]).all()
        assert (g["base"].iloc[1:].to_numpy() == g["top"].iloc[:-1].to_numpy()).all()
    text = all_text(at)
    assert "per month of their start date" in text or "per week of their start date" in text
    at.segmented_control(key="timeline_stack").set_value("Event type").run()
    rows = _chart_rows(elements(at, "vega_lite_chart")[0])
    assert set(rows["value"]) == set(ds.events["event_type"]) and int(rows["n"].sum()) == len(ds.events)
    # Few events: per-event bars again.
    at.sidebar.multiselect(key="flt_types").set_value(["attack_on_civilians"]).run()
    no_exceptions(at)
    rows = _chart_rows(elements(at, "vega_lite_chart")[0])
    assert "event_id" in rows.columns
    assert len(rows) == int((ds.events["event_type"] == "attack_on_civilians").sum()) == 160
