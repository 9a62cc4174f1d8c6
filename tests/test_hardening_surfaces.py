"""Hostile text never executes (AppTest): titles, summaries, excerpts, actor and place names from
the hostile fixture (tests/fixtures/hostile/) and from an uploaded CSV show as text on every
surface: the map's tooltips, claim labels, GeoJSON properties and legend; the side panel; the
table; the timeline; the sources page; notices; the upload summary; the footer.

Each test checks two things: no HTML body or Markdown string carries markup from data
(hardening_support.check_rendered), and the hostile text is there, escaped, so it shows as text.
The real browser does the same in tests/browser/test_hostile_browser.py.
"""
from __future__ import annotations

import json
import re

import pytest
from app_support import all_text, elements, folium_args, html_bodies, make_app, no_exceptions, shown_count
from hardening_support import (HOSTILE_BAD_FILES, HOSTILE_DIR, HOSTILE_FILENAME, HOSTILE_UPLOAD, HOSTILE_VALID_IDS,
                               SCRIPT_EVENT, check_rendered, folium_problems, html_problems, markdown_problems,
                               rendered_texts)

from events.load import load_curated
from pages.ui.html_safe import safe


@pytest.fixture(scope="module")
def ds():
    return load_curated(HOSTILE_DIR)


def hostile_app(monkeypatch, query=None):
    return make_app(monkeypatch, query, data_dir=HOSTILE_DIR)


# ----------------------------------------------------------------- the checkers themselves

def test_the_checkers_catch_markup_from_data():
    assert html_problems('<div class="ev-title"><img src=x onerror="alert(1)"></div>')
    assert html_problems('<a href="javascript:alert(1)">x</a>')
    assert html_problems('<span title="x" onmouseover="alert(1)">x</span>')
    assert not html_problems('<div class="ev-title">&lt;img src=x onerror=alert(1)&gt;</div>')
    assert markdown_problems("**Evil** <img src=x>") and markdown_problems("[x](javascript:alert(1))")
    assert markdown_problems("${alert(1)}") and markdown_problems(":red[x]")
    assert not markdown_problems(r"\<img src\=x\> \[x\]\(javascript\:alert\(1\)\) \$\{alert\(1\)\}")
    assert not markdown_problems("run `python -m events validate <dir>`")  # the app's own code span


def test_folium_checker_reads_json_encoded_properties():
    """folium writes GeoJSON properties with "<" as \\u003c, and a GeoJsonTooltip puts them in
    innerHTML: folium_problems must decode them to see unescaped data (and leave event ids, which
    only go back to Python, alone)."""
    import folium
    from streamlit_folium import _get_map_string

    def args_of(props):
        m = folium.Map(tiles=None)
        feature = {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [38, 35]}}
        folium.GeoJson({"type": "FeatureCollection", "features": [feature]},
                       tooltip=folium.GeoJsonTooltip(fields=["title"])).add_to(m)
        return {"script": _get_map_string(m), "html": ""}  # what st_folium sends as "script"

    bad = args_of({"event_id": "e1", "title": "<img src=x onerror=alert(1)>"})
    assert "<img" not in bad["script"]  # what the old grep looked for is not there ...
    assert folium_problems(bad)  # ... but the decoded property is
    assert folium_problems(args_of({"event_id": "e1", "title": "<b>Town</b>"}))
    assert folium_problems(args_of({"event_id": "e1", "title": "`${alert(1)}`"}))
    assert folium_problems(args_of({"event_id": "e1<script>", "title": safe("<img src=x onerror=alert(1)>")})) == []


# ----------------------------------------------------------------- map page and side panel

def test_map_tooltips_claim_labels_and_properties_are_escaped(monkeypatch, ds):
    at = hostile_app(monkeypatch, {"event": SCRIPT_EVENT}).run()
    no_exceptions(at)
    check_rendered(at)
    args = folium_args(at)
    assert folium_problems(args) == []
    script = args["script"] + (args.get("feature_group") or "")
    # every valid hostile event is drawn, with its title escaped in the tooltip and properties
    for eid in HOSTILE_VALID_IDS:
        assert f'"event_id": "{eid}"' in script
    data = re.findall(r'"(?:tooltip|title)": "((?:[^"\\]|\\.)*)"', script)
    texts = [json.loads(f'"{t}"') for t in data]
    title = ds.event(SCRIPT_EVENT)["title"]
    assert safe(title) in texts  # GeoJSON property "title"
    assert any(t.startswith("<b>" + safe(title) + "</b>") for t in texts)  # the tooltip
    evil = ds.actor_name("hx-evil")
    assert any(t.startswith("per " + safe(evil)[:30]) for t in texts)  # the claimant's label on the map
    assert any(t.startswith("per " + safe(ds.actor_name("hx-markdown"))[:30]) for t in texts)
    # the legend lists our own vocabulary only
    legend = re.search(r'ConflictMap\.legend\(map_div, ("(?:[^"\\]|\\.)*")', script)
    assert legend and html_problems(json.loads(legend.group(1)), also=("svg", "path")) == []


def test_side_panel_shows_every_field_as_text(monkeypatch, ds):
    at = hostile_app(monkeypatch, {"event": SCRIPT_EVENT}).run()
    no_exceptions(at)
    check_rendered(at)
    text = "\n".join(html_bodies(at))
    row = ds.event(SCRIPT_EVENT)
    claims = ds.claims_of(SCRIPT_EVENT)
    src = ds.sources["hx-source"].meta
    expected = [row["title"], row["summary"], row["place_text"], row["place_name"], row["admin1"],
                row["status_reason"], row["date_note"], ds.actor_name("hx-evil"), ds.actor_name("hx-script"),
                ds.actor_name("hx-markdown"), ds.actor_name("hx-outlet"), src.title, claims.iloc[0]["note"],
                claims.iloc[0]["place_text"], *claims.iloc[0]["excerpts"], *claims.iloc[1]["excerpts"]]
    for value in expected:
        assert value and safe(value) in text, value
    # the archived source's address stays an http(s) link whose attribute cannot be broken out of
    assert '<a href="https://example.org/a?b=&lt;x&gt;&amp;c=&quot;&#x27;&gt;&lt;img' in text


def test_event_link_and_notice_quote_a_hostile_event_parameter(monkeypatch):
    at = hostile_app(monkeypatch, {"event": "<img src=x onerror=alert(1)>", "q": "${alert(1)} `x`"}).run()
    no_exceptions(at)
    check_rendered(at)
    assert any("onerror" in w.value for w in at.warning)


# ----------------------------------------------------------------- table, timeline, sources

def test_table_cells_are_the_literal_strings(monkeypatch, ds):
    at = hostile_app(monkeypatch, {"event": SCRIPT_EVENT}).run()
    at.switch_page("pages/table.py").run()
    no_exceptions(at)
    check_rendered(at)
    df = at.dataframe[0].value
    assert sorted(df["id"]) == sorted(HOSTILE_VALID_IDS)
    by_id = df.set_index("id")
    for eid in HOSTILE_VALID_IDS:
        assert by_id.loc[eid, "Title"] == ds.event(eid)["title"]  # the raw text: the grid draws text
    assert ds.actor_name("hx-evil") in by_id.loc[SCRIPT_EVENT, "Participants"]
    assert ds.actor_name("hx-markdown") in by_id.loc[SCRIPT_EVENT, "Claimants"]
    assert by_id.loc["hx-unicode", "Title"].count("\x00") == 1  # control characters kept as data


def test_timeline_data_is_text_and_tooltips_are_plain(monkeypatch, ds):
    at = hostile_app(monkeypatch).run()
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    check_rendered(at)
    chart = elements(at, "vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)

    def keys(o):
        if isinstance(o, dict):
            for k, v in o.items():
                yield k
                yield from keys(v)
        elif isinstance(o, list):
            for v in o:
                yield from keys(v)
    assert "html" not in set(keys(spec))  # no HTML tooltip option: Vega's tooltip renders text
    tips = spec["encoding"]["tooltip"]
    assert all(set(t) <= {"field", "type", "title"} for t in tips)
    from streamlit import dataframe_util

    rows = dataframe_util.convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)
    assert set(rows["title"]) == {ds.event(e)["title"] for e in HOSTILE_VALID_IDS}


def test_sources_page_escapes_metadata_text_and_highlights(monkeypatch, ds):
    at = hostile_app(monkeypatch).run()
    at.query_params.update({"source": "hx-source", "hl": f"{SCRIPT_EVENT}/evil-asserts"})  # as a claim's link does
    at.switch_page("pages/sources.py").run()
    no_exceptions(at)
    check_rendered(at)
    text = "\n".join(html_bodies(at))
    excerpt = ds.claims_of(SCRIPT_EVENT).iloc[0]["excerpts"][0]
    assert f'<mark class="ex-hl">{safe(excerpt)}</mark>' in text
    assert safe("<img src=x onerror=\"window.parent.document.title='PWNED'\">") in text  # the body
    assert safe(ds.sources["hx-source"].meta.note) in text and safe("<b>en</b>") in text
    labels = [e.label for e in at.expander] + [b.label for b in at.button]
    assert any("Script in the title" in lb for lb in labels)


def test_hostile_source_and_highlight_parameters_give_escaped_notices(monkeypatch):
    at = hostile_app(monkeypatch).run()
    at.query_params.update({"source": "<script>alert(1)</script>", "hl": "[x](javascript:alert(1))"})
    at.switch_page("pages/sources.py").run()
    no_exceptions(at)
    check_rendered(at)
    notes = "\n".join(w.value for w in at.warning)
    assert "is not in this dataset" in notes and "Ignored the highlight" in notes


# ----------------------------------------------------------------- problems notice

def test_broken_curated_files_never_take_the_app_down(monkeypatch, ds):
    at = hostile_app(monkeypatch).run()
    no_exceptions(at)
    check_rendered(at)
    assert shown_count(at) == (len(HOSTILE_VALID_IDS), len(HOSTILE_VALID_IDS))
    label = next(e.label for e in at.expander if "problem" in e.label)
    for f in HOSTILE_BAD_FILES:  # the notice names the bad files (Markdown-escaped)
        assert f.replace("/", "\\/").replace("-", "\\-").replace(".", "\\.") in label
    inside = all_text(at)
    assert "malformed YAML" in inside and "unknown field" in inside
    for page in ("pages/table.py", "pages/timeline.py", "pages/sources.py", "pages/about.py"):
        at.switch_page(page).run()
        no_exceptions(at)
        assert any("problem" in e.label for e in at.expander), page


# ----------------------------------------------------------------- uploads

def _upload(at, name: str, data: bytes):
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value((name, data, "text/csv")).run()
    return at


def test_hostile_upload_summary_map_table_and_footer(monkeypatch, ds):
    at = _upload(hostile_app(monkeypatch).run(), HOSTILE_FILENAME, HOSTILE_UPLOAD.read_bytes())
    no_exceptions(at)
    check_rendered(at)
    text = all_text(at)
    assert "**3** rows loaded, **2** skipped" in text
    assert "row 4 · latitude" in text and "row 6 · event\\_date" in text  # reasons quote the bad cells, escaped
    assert "\\<img src\\=x onerror\\=alert\\(\\'column\\'\\)\\>" in text  # the unknown column's name
    captions = [c.value for c in at.sidebar.caption]
    assert any("\\<img src\\=x onerror\\=alert\\(\\'file\\'\\)\\>" in c for c in captions)  # the file name
    assert folium_problems(folium_args(at)) == []
    assert shown_count(at) == (3, 3)
    footer = [c.value for c in at.caption if "Data last updated" in c.value]
    assert footer and "Upload\\: \\<img" in footer[0]
    at.switch_page("pages/table.py").run()
    no_exceptions(at)
    check_rendered(at)
    df = at.dataframe[0].value
    assert any(t.endswith("+cmd|' /C calc'!A0 <b>Town</b>") for t in df["Title"])
    at.switch_page("pages/timeline.py").run()
    no_exceptions(at)
    check_rendered(at)


def test_markdown_escaping_covers_every_rendered_string(monkeypatch):
    """All Markdown strings of the map page on the hostile data, in one place: none renders data as markup."""
    at = hostile_app(monkeypatch, {"event": "hx-js-link"}).run()
    no_exceptions(at)
    texts = rendered_texts(at)
    assert any("problem" in t for t in texts)  # the notice is among them
    assert not [p for t in texts for p in markdown_problems(t)]


def test_map_layers_for_uploads_keep_ids_raw_and_names_escaped(monkeypatch):
    """The map's dynamic layers for an upload, drawn one by one and counted per grid cell: ids
    are embedded as they are (they only come back to Python, JSON-escaped by folium so nothing
    can end the script), titles and places escaped for HTML."""
    from events.engine import Bounds, engine_of
    from events.filters import Filters
    from events.importers import import_csv
    from pages.ui import mapview

    ds, _ = import_csv(HOSTILE_UPLOAD.read_bytes(), name="hostile")
    eng = engine_of(ds)
    res = mapview.build_map(ds, eng, Filters())
    assert res.mode == "all"
    monkeypatch.setattr(mapview, "LARGE", 0)  # as if the upload were large: counted per cell
    monkeypatch.setattr(mapview, "VIEW_EVENTS", 0)
    grid = mapview.build_map(ds, eng, Filters(), bounds=Bounds(-80, -170, 80, 170), zoom=3)
    assert grid.mode == "grid"
    for r in (res, grid):
        for fg in r.layers:
            fg.add_to(r.map)
    html = res.map.get_root().render() + grid.map.get_root().render()
    for raw in ("acled-syr9002<script>", "<b>Town", "<img src=x", "</script><script>alert"):
        assert raw not in html, raw
    assert "acled-syr9002\\u003cscript\\u003e" in html

