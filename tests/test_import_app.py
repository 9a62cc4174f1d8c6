"""AppTest: the sidebar dataset picker: a stored import (also from ?dataset=) and a CSV upload
whose events reach the map (the st_folium component's script)."""
from __future__ import annotations

from pathlib import Path

import pytest
from app_support import map_script, all_text, folium_args, html_bodies, make_app, shown_count

from events import store
from events.importers import import_csv

ROOT = Path(__file__).resolve().parents[1]
ACLED = ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv"
GED = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    ds, report = import_csv(GED, name="GED slice")
    store.save_dataset(ds, tmp_path, report=report, slug="ged-slice")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    return tmp_path


def no_exceptions(at):
    assert not at.exception, [e.value for e in at.exception]


def test_picker_lists_stored_datasets_and_shows_one(monkeypatch, data_folder):
    at = make_app(monkeypatch).run()
    no_exceptions(at)
    pick = at.sidebar.selectbox(key="ds_pick")
    assert pick.options == ["Curated events", "GED slice (UCDP GED, 12 events)", "Upload a file…"]
    pick.set_value("ged-slice").run()
    no_exceptions(at)
    assert shown_count(at) == (12, 12)
    script = map_script(at)
    assert '"event_id": "ged-300380"' in script  # a small dataset: one GeoJSON marker per event


def test_choice_is_kept_in_the_address(monkeypatch, data_folder):
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("ged-slice").run()
    assert at.query_params["dataset"] == "ged-slice"


def test_dataset_from_the_address(monkeypatch, data_folder):
    at = make_app(monkeypatch, query={"dataset": "ged-slice"}).run()
    no_exceptions(at)
    assert at.sidebar.selectbox(key="ds_pick").value == "ged-slice"
    assert shown_count(at) == (12, 12)


def test_unknown_dataset_in_the_address_falls_back_to_curated(monkeypatch, data_folder):
    at = make_app(monkeypatch, query={"dataset": "nope"}).run()
    no_exceptions(at)
    assert at.sidebar.selectbox(key="ds_pick").value == "curated"
    assert "not available here" in all_text(at)


def test_upload_imports_in_session_and_shows_events_on_the_map(monkeypatch, data_folder):
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    no_exceptions(at)
    assert "Choose a CSV file" in all_text(at)
    at.sidebar.file_uploader(key="ds_upload").set_value(("acled_every_code.csv", ACLED.read_bytes(), "text/csv")).run()
    no_exceptions(at)
    text = all_text(at)
    assert "**7** rows loaded (**1** with a substituted value or a remark), **5** skipped" in text
    assert "row 7 · latitude" in text and "analyst\\_flag" in text
    assert shown_count(at) == (7, 7)
    script = map_script(at)
    for eid in ("acled-syr1001", "acled-syr1002", "acled-syr1003", "acled-syr1010"):
        assert f'"event_id": "{eid}"' in script
    # kept in the session only: nothing written to the data folder, not in the address
    assert [d.slug for d in store.list_datasets(data_folder)] == ["ged-slice"]
    assert "dataset" not in at.query_params
    # a rerun reuses the session's import (same object, no second import)
    uploads = at.session_state["_ds_uploads"]
    at.run()
    assert at.session_state["_ds_uploads"] is uploads or list(at.session_state["_ds_uploads"]) == list(uploads)
    assert shown_count(at) == (7, 7)


def test_upload_of_an_unknown_format_says_why(monkeypatch, data_folder):
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("x.csv", b"name,lat,lon\nx,1,2\n", "text/csv")).run()
    no_exceptions(at)
    assert "cannot tell the format" in all_text(at)


def _event_link(at) -> str:
    # The side panel's "link to this event" (shown, with its "Copy event link" button).
    import json

    from app_support import walk

    data = [json.loads(n.proto.json) for n in walk(at._tree) if getattr(n, "type", None) == "bidi_component"
            and n.proto.component_name == "conflict_map_copy_link"]
    links = [d["text"] for d in data if d["label"] == "Copy event link"]
    assert len(links) == 1, data
    assert "event=" in links[0]
    return links[0]


def test_link_to_an_event_of_a_stored_import_keeps_the_dataset(monkeypatch, data_folder):
    from urllib.parse import parse_qs, urlsplit

    at = make_app(monkeypatch, query={"dataset": "ged-slice", "event": "ged-300380"}).run()
    no_exceptions(at)
    link = _event_link(at)
    params = parse_qs(urlsplit(link).query)
    assert params["dataset"] == ["ged-slice"] and params["event"] == ["ged-300380"]
    # opening the link in a new session shows that event of that dataset, without a notice
    again = make_app(monkeypatch, query={k: v for k, v in params.items()}).run()
    no_exceptions(again)
    assert again.sidebar.selectbox(key="ds_pick").value == "ged-slice"
    assert "not in this dataset" not in all_text(again)
    assert _event_link(again) == link


def test_link_to_a_curated_event_names_no_dataset(monkeypatch, data_folder):
    at = make_app(monkeypatch, query={"event": "aleppo-hospital-strike"}).run()
    no_exceptions(at)
    assert "dataset=" not in _event_link(at)


def test_upload_of_timemap_json_uses_the_same_importer_and_summary(monkeypatch, data_folder):
    tm = ROOT / "tests" / "fixtures" / "timemap" / "civilian_harm_bundle.json"
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value((tm.name, tm.read_bytes(), "application/json")).run()
    no_exceptions(at)
    text = all_text(at)
    assert "**5** rows loaded (**3** with a substituted value or a remark), **0** skipped" in text
    assert "Event types kept as *other*" in text and "Hospital damage \\(1\\)" in text  # md-escaped
    assert "1 places had no coordinates" in text
    assert "Rows loaded with a remark" in text and "repeats event 2" in text
    assert shown_count(at) == (5, 5)
    assert '"event_id": "tm-CIV0002-2"' in folium_args(at)["feature_group"]  # drawn through the map's layer


def test_upload_of_a_spreadsheet_saved_acled_export_loads_every_row(monkeypatch, data_folder):
    saved = ROOT / "tests" / "fixtures" / "acled" / "acled_excel_saved.csv"
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value((saved.name, saved.read_bytes(), "text/csv")).run()
    no_exceptions(at)
    text = all_text(at)
    assert "**9** rows loaded" in text and "**0** skipped" in text
    assert "cp1252" in text and "row numbers" in text
    assert shown_count(at) == (9, 9)


def test_upload_date_order_choice_settles_ambiguous_dates(monkeypatch, data_folder):
    rows = ACLED.read_text(encoding="utf-8").replace("29/04/2016", "04/05/2016")
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("amb.csv", rows.encode(), "text/csv")).run()
    assert "ambiguous" in all_text(at)
    at.sidebar.selectbox(key="ds_upload_date_order").set_value("dmy").run()
    no_exceptions(at)
    text = all_text(at)
    assert "**7** rows loaded (**1** with a substituted value or a remark), **5** skipped" in text and "as asked" in text


def test_hostile_timemap_upload_shows_as_text(monkeypatch, data_folder):
    """TimeMap text from anyone's sheet (description, place, source, author, association) reaches the
    summary, the map and the side panel as text only."""
    import json

    from app_support import click_marker
    from hardening_support import check_rendered, folium_problems

    evil = "<img src=x onerror=alert('tm')>"
    doc = {
        "events": [{"id": f"x{evil}", "description": f"Strike {evil} $x$ `code`", "date": "5/9/2020",
                    "location": f"Ariha {evil}", "latitude": "35.81", "longitude": "36.60",
                    "type": f"Kind {evil}", "associations": ["a1"], "sources": ["s1"]}],
        "sources": {"s1": {"id": "s1", "title": f"Title {evil}", "author": f"Author {evil}",
                           "url": "javascript:alert(1)", "paths": [], "description": f"Said {evil}"}},
        "associations": [{"id": "a1", "title": f"Tag {evil}", "mode": "FILTER", "filter_paths": []}],
    }
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value((f"{evil}.json", json.dumps(doc).encode(), "application/json")).run()
    no_exceptions(at)
    check_rendered(at)
    assert folium_problems(folium_args(at)) == []
    assert "Kind \\<img src\\=x onerror\\=alert\\(\\'tm\\'\\)\\>" in all_text(at)  # the unmapped type, escaped
    assert shown_count(at) == (1, 1)
    at = click_marker(at, f"tm-x{evil}")
    no_exceptions(at)
    check_rendered(at)
    panel = "\n".join(html_bodies(at))
    assert "Said &lt;img src=x onerror=alert(&#x27;tm&#x27;)&gt;" in panel  # the excerpt, as text
