"""The footer on every page: data credits for what is shown (GeoNames, OCHA via HDX,
OpenStreetMap; UCDP GED or ACLED when their data is shown) and when the data was last updated
(curated: the newest data file; a stored import: its import time; an upload: when this session
imported it)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from app_support import APP_FIXTURE, ROOT, make_app, no_exceptions

from events import store
from events.importers import import_csv
from events.load import load_curated
from pages.ui import footer

GED = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"
ACLED = ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv"
PAGES = ("pages/map.py", "pages/table.py", "pages/timeline.py", "pages/sources.py", "pages/about.py")


def unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def footer_text(at) -> str:
    caps = [unescape(c.value) for c in at.caption]
    i = next((n for n, c in enumerate(caps) if "Place names: [GeoNames]" in c), None)
    assert i is not None, caps
    return "\n".join(caps[i:i + 2])


def test_credits_follow_the_dataset_kind():
    for kind in ("curated", "acled", "ucdp"):
        text = " ".join(footer.credits(kind))
        assert "GeoNames" in text and "CC BY 4.0" in text
        assert "OCHA" in text and "HDX" in text and "CC BY 3.0 IGO" in text
        assert "Who's On First" in text and "OpenSyria" in text  # the Syria gazetteer's other sources
        assert "OpenStreetMap" in text
    assert "UCDP" in " ".join(footer.credits("ucdp")) and "ACLED" not in " ".join(footer.credits("ucdp"))
    assert "ACLED" in " ".join(footer.credits("acled")) and "Terms of Use" in " ".join(footer.credits("acled"))
    assert "UCDP" not in " ".join(footer.credits("curated")) and "ACLED" not in " ".join(footer.credits("curated"))


def test_updated_text():
    t = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.timezone.utc)
    assert footer.updated_text("curated", t) == "Data last updated: 2026-03-04 05:06 UTC (newest data file)"
    assert footer.updated_text("stored", t).endswith("(imported)")
    assert footer.updated_text("upload", t).endswith("(uploaded in this session)")
    assert footer.updated_text("curated", None) == "Data last updated: unknown"


def test_every_page_has_the_footer_with_the_curated_data_time(monkeypatch):
    ds = load_curated(APP_FIXTURE)
    when = ds.updated.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    at = make_app(monkeypatch).run()
    for page in PAGES:
        at.switch_page(page).run()
        no_exceptions(at)
        text = footer_text(at)
        assert f"Data last updated: {when} (newest data file)" in text, page
        assert "Events: curated" in text and "OpenStreetMap" in text, page


@pytest.fixture
def stored_ged(tmp_path, monkeypatch):
    ds, report = import_csv(GED, name="GED slice")
    store.save_dataset(ds, tmp_path, report=report, slug="ged-slice")
    monkeypatch.setenv(store.ENV, str(tmp_path))
    return store.list_datasets(tmp_path)[0]


def test_stored_ucdp_dataset_credits_ucdp_and_says_when_it_was_imported(monkeypatch, stored_ged):
    at = make_app(monkeypatch, {"dataset": "ged-slice"}).run()
    no_exceptions(at)
    text = footer_text(at)
    assert "UCDP Georeferenced Event Dataset" in text and "CC BY 4.0" in text
    imported = dt.datetime.fromisoformat(stored_ged.imported_at).astimezone(dt.timezone.utc)
    assert f"Data last updated: {imported:%Y-%m-%d %H:%M} UTC (imported)" in text
    at.switch_page("pages/sources.py").run()  # no archived texts: the page says so, the footer stays
    no_exceptions(at)
    assert "UCDP" in footer_text(at)


def test_uploaded_acled_credits_acled_and_says_uploaded(monkeypatch):
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    before = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    at.sidebar.file_uploader(key="ds_upload").set_value(("acled.csv", ACLED.read_bytes(), "text/csv")).run()
    no_exceptions(at)
    text = footer_text(at)
    assert "ACLED" in text and "Terms of Use" in text
    m = re.search(r"Data last updated: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC \(uploaded in this session\)", text)
    assert m and dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.timezone.utc) >= before
    assert "Dataset: Upload: acled.csv" in text
