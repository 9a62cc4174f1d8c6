"""Hostile files: uploads that are not CSV, are empty, too large, in another encoding, with a BOM,
another delimiter, missing columns or ragged rows get a clear message in the sidebar, the curated
events stay on screen and nothing raises (AppTest, and the checks and importer on their own).
The upload limit is the one in .streamlit/config.toml. The CSV export neutralises spreadsheet
formulas (OWASP CSV injection).
"""
from __future__ import annotations

import csv
import gzip
import io
import tomllib
import zipfile

import pytest
from app_support import ROOT, all_text, make_app, no_exceptions, shown_count
from hardening_support import HOSTILE_UPLOAD, check_rendered

from events import export
from events.importers import ImportFailed, import_csv
from pages.ui import uploads
from pages.ui.uploads import MB, check_upload

ACLED = (ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv").read_bytes()
ACLED_TEXT = ACLED.decode("utf-8")
HEADER = ACLED.split(b"\n", 1)[0] + b"\n"
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
LIMIT_MB = CONFIG["server"]["maxUploadSize"]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

# name -> (bytes, words the message must contain)
REFUSED = {
    "empty": (b"", "is empty"),
    "blank-lines": (b"\r\n \n\t\n", "is empty"),
    "png": (PNG, "PNG image"),
    "xlsx": (_zip(), "ZIP archive"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "old Excel"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF document"),
    "gzip": (gzip.compress(ACLED), "gzip"),
    "binary": (bytes(range(256)) * 40, "not a text file"),
    "utf16-no-bom": (ACLED_TEXT.encode("utf-16-le"), "UTF-16"),
    "header-only": (HEADER, "no rows"),
}
# name -> (bytes, words the sidebar must show): files the importer reads, with what it says
READ = {
    "bom": (b"\xef\xbb\xbf" + ACLED, "rows loaded"),
    "utf16-bom": (ACLED_TEXT.encode("utf-16"), "rows loaded"),
    "cp1252": (ACLED_TEXT.replace("Aleppo - Al Sukkari", "Alépo Sukkarî").encode("cp1252"), "not valid UTF\\-8"),
    "latin-1": (ACLED_TEXT.replace("Ariha", "Arîha\xa4").encode("latin-1"), "not valid UTF\\-8"),
    "semicolons": (ACLED_TEXT.replace(",", ";").encode(), "rows loaded"),
    "tabs": (ACLED_TEXT.replace(",", "\t").encode(), "rows loaded"),
    "ragged": (ACLED + b"SYR7,1,2\n" + b",,,,\n", "skipped"),
    "missing-columns": (b"event_id_cnty,event_date,geo_precision\nX1,2016-01-01,1\n", "missing required column"),
    "not-acled-or-ged": (b"name;lat;lon\nAleppo;36.2;37.1\n", "cannot tell the format"),
    "html-page": (b"<html><body><script>alert(1)</script></body></html>\n<p>x</p>\n", "cannot tell the format"),
}


# ----------------------------------------------------------------- the checks alone

@pytest.mark.parametrize("name", list(REFUSED))
def test_check_refuses_with_a_clear_message(name):
    data, words = REFUSED[name]
    msg = check_upload(data, f"{name}.csv", max_bytes=LIMIT_MB * MB)
    assert msg and words in msg and f"{name}.csv" in msg


@pytest.mark.parametrize("name", list(READ))
def test_check_passes_text_files_to_the_importer(name):
    assert check_upload(READ[name][0], "x.csv", max_bytes=LIMIT_MB * MB) is None


def test_size_and_row_limits():
    big = b"a,b\n" * (MB // 4 + 1)
    assert "is 1.0 MB; an upload may be at most 1.0 MB" in check_upload(big, "big.csv", max_bytes=MB)
    assert check_upload(big[:MB], "big.csv", max_bytes=MB, max_rows=MB) is None
    many = b"event_id_cnty,x\n" + b"1,2\n" * 11
    assert "at most 10 rows" in check_upload(many, "many.csv", max_bytes=MB, max_rows=10)
    assert check_upload(many, "many.csv", max_bytes=MB, max_rows=11) is None
    assert uploads.MAX_ROWS == 200_000


def test_the_file_name_in_a_message_is_escaped_by_the_caller():
    from pages.ui.html_safe import md

    msg = check_upload(b"", "<img src=x onerror=alert(1)>.csv", max_bytes=MB, quote=md)
    assert msg.startswith("\\<img src\\=x onerror\\=alert\\(1\\)\\>\\.csv is empty")


# ----------------------------------------------------------------- the limit in config.toml

def test_upload_limit_comes_from_config_toml(monkeypatch):
    assert 1 <= LIMIT_MB <= 200  # set, and below Streamlit's default
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    no_exceptions(at)
    uploader = at.sidebar.file_uploader(key="ds_upload")
    assert uploader.proto.max_upload_size_mb == LIMIT_MB  # what the browser enforces
    from pages.ui.datasets import max_upload_bytes

    assert max_upload_bytes() == LIMIT_MB * MB  # what the app checks again


def test_an_upload_just_over_the_limit_is_refused(monkeypatch):
    data = HEADER + b"x" * (LIMIT_MB * MB + 1 - len(HEADER))
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("huge.csv", data, "text/csv")).run()
    no_exceptions(at)
    errors = "\n".join(e.value for e in at.sidebar.error)
    assert f"at most {LIMIT_MB:.1f} MB" in errors
    assert shown_count(at)[1] == 5  # the curated events stay on screen


# ----------------------------------------------------------------- through the app

@pytest.fixture(scope="module")
def upload_app():
    with pytest.MonkeyPatch.context() as mp:
        at = make_app(mp).run()
        at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
        yield at


def _send(at, name: str, data: bytes):
    at.sidebar.file_uploader(key="ds_upload").set_value((name, data, "text/csv")).run()
    no_exceptions(at)
    check_rendered(at)
    return at


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_upload_says_why_and_keeps_the_curated_events(upload_app, name):
    data, words = REFUSED[name]
    at = _send(upload_app, f"{name}.csv", data)
    errors = "\n".join(e.value for e in at.sidebar.error)
    assert words in errors, errors
    assert shown_count(at) == (5, 5)


@pytest.mark.parametrize("name", list(READ))
def test_readable_or_unusable_upload_gets_a_clear_message(upload_app, name):
    data, words = READ[name]
    at = _send(upload_app, f"{name}.csv", data)
    sidebar = "\n".join([e.value for e in at.sidebar.error] + [w.value for w in at.sidebar.warning]
                        + [s.value for s in at.sidebar.success] + [m.value for m in at.sidebar.markdown])
    assert words in sidebar, sidebar


def test_importer_crash_is_a_message_not_a_traceback(monkeypatch):
    from events import importers

    def broken(*a, **k):
        raise TypeError("Cannot cast array data from dtype('O') to dtype('int64')")

    monkeypatch.setattr(importers, "import_file", broken)  # the upload path's one importer entry
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("crash.csv", ACLED, "text/csv")).run()
    no_exceptions(at)
    assert "Could not import crash\\.csv" in "\n".join(e.value for e in at.sidebar.error)
    assert shown_count(at) == (5, 5)


# ----------------------------------------------------------------- the importer alone

@pytest.mark.parametrize("name", ["bom", "utf16-bom", "cp1252", "latin-1", "semicolons", "tabs", "ragged"])
def test_importer_reads_other_encodings_and_delimiters(name):
    ds, report = import_csv(READ[name][0], name=name)
    assert report.rows_loaded >= 5 and len(ds.events) == report.rows_loaded


@pytest.mark.parametrize("name", ["missing-columns", "not-acled-or-ged", "html-page", "empty", "png", "xlsx"])
def test_importer_refuses_unusable_files_with_import_failed(name):
    data = (READ.get(name) or REFUSED[name])[0]
    with pytest.raises(ImportFailed):
        import_csv(data, name=name)


@pytest.mark.parametrize("fmt", [None, "acled"])
def test_importer_on_a_header_without_rows_never_crashes(fmt):
    """An empty dataset or ImportFailed: both are answers (the app says "no rows" before asking)."""
    try:
        ds, report = import_csv(HEADER, format=fmt, name="header-only")
    except ImportFailed:
        return
    assert report.rows_loaded == 0 and len(ds.events) == 0


# ----------------------------------------------------------------- CSV injection

def test_csv_export_neutralises_spreadsheet_formulas():
    ds, _ = import_csv(HOSTILE_UPLOAD.read_bytes(), name="hostile")
    rows = list(csv.DictReader(io.StringIO(export.to_csv(ds))))
    cells = [v for r in rows for v in r.values() if v]
    assert any(v.startswith("'=HYPERLINK(") for v in cells)
    assert any(v.startswith("'+cmd|") for v in cells) and any(v.startswith("'@SUM(") for v in cells)
    assert any(v.startswith("'-2+3") for v in cells)
    bad = [v for v in cells if v[0] in "=+-@\t\r" and not export._PLAIN_NUMBER.match(v)]
    assert not bad, bad
    assert any(r["longitude"].startswith("3") for r in rows)  # numbers stay numbers
    raw = list(csv.DictReader(io.StringIO(export.to_csv(ds, for_spreadsheets=False))))
    assert any(r["notes"].startswith('=HYPERLINK("http://evil.example/') for r in raw)  # opt-out: the data as it was
    assert "'-3.5" not in export.to_csv(ds) and export.spreadsheet_safe("-3.5") == "-3.5"


def test_upload_never_changes_what_the_footer_and_summary_say_about_other_files(monkeypatch):
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("a.csv", REFUSED["png"][0], "image/png")).run()
    no_exceptions(at)
    assert "rows loaded" not in all_text(at)
    assert any("Curated events" in c.value for c in at.caption)


def _all_rows_malformed() -> bytes:
    rows = list(csv.DictReader(io.StringIO(ACLED_TEXT)))[:3]
    rows[0]["latitude"], rows[1]["event_date"], rows[2]["geo_precision"] = "north-ish", "sometime", "9"
    out = io.StringIO()
    w = csv.DictWriter(out, list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


def test_upload_with_no_loadable_row_says_so_with_the_reasons(monkeypatch):
    """Every row malformed: the importer gives an empty dataset and its report (no crash); the app
    says in an error that no row could be loaded and lists each skipped row's reason, open."""
    data = _all_rows_malformed()
    ds, report = import_csv(data, name="all-bad")
    assert len(ds.events) == 0 and report.rows_loaded == 0 and report.rows_skipped == 3
    at = make_app(monkeypatch).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    at.sidebar.file_uploader(key="ds_upload").set_value(("all-bad.csv", data, "text/csv")).run()
    no_exceptions(at)
    check_rendered(at)
    errors = "\n".join(e.value for e in at.sidebar.error)
    assert "No row of the file could be loaded" in errors and "**3** skipped" in errors, errors
    details = [x for x in at.sidebar.expander if x.label == "Import details"]
    assert details and details[0].proto.expanded
    text = "\n".join(m.value for m in at.sidebar.markdown)
    for reason in ("row 2 · latitude: latitude \\'north\\-ish\\'", "row 3 · event\\_date: date \\'sometime\\'",
                   "row 4 · geo\\_precision: geo\\_precision \\'9\\'"):
        assert reason in text, reason
    assert shown_count(at) == (0, 0)
