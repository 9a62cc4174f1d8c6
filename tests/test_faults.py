"""Faults injected one at a time: damaged or missing files of a stored dataset, nonsense
dataset.json, a corrupt or stale gazetteer index, a corrupt Nominatim answer cache, an import
killed halfway, a full disk during an import, a curated YAML file replaced while the app runs.
Each time the app shows what is valid and names the file that is not."""
from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from app_support import all_text, make_app, shown_count

from events import store
from events.cli import main as cli_main
from events.importers import import_csv

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "ucdp" / "ged231_slice.csv"
ACLED = ROOT / "tests" / "fixtures" / "acled" / "acled_every_code.csv"
CURATED = ROOT / "events" / "data"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data folder with two stored datasets (ged: 12 events, acled: 6), the app pointed at it."""
    for src, slug in ((GED, "ged"), (ACLED, "acled")):
        ds, report = import_csv(src, name=slug.upper())
        store.save_dataset(ds, tmp_path / "data", report=report, slug=slug)
    monkeypatch.setenv(store.ENV, str(tmp_path / "data"))
    return tmp_path / "data"


def plain(text: str) -> str:
    """Text as the reader sees it (md() escapes Markdown characters with backslashes)."""
    return text.replace("\\", "")


def no_exceptions(at):
    assert not at.exception, [e.value for e in at.exception]


def health(*args) -> tuple[int, str]:
    out = subprocess.run([sys.executable, "-m", "events", "health", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ})
    return out.returncode, out.stdout + out.stderr


# --------------------------------------------------------------------------- stored datasets

def test_healthy_folder_is_reported_ok(folder):
    rc, out = health("--data", str(folder), "--deep")
    assert rc == 0, out
    assert "ok   imported ged: 12 events" in out and "ok   imported acled: 7 events" in out
    assert "ok   curated: 25 events" in out


def test_truncated_parquet_is_named_everywhere(folder, monkeypatch, caplog):
    f = folder / "ged" / "events.parquet"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with caplog.at_level(logging.ERROR, logger="events.store"):
        with pytest.raises(store.Unreadable, match=r"ged/events\.parquet"):
            store.load_dataset(folder / "ged")
    assert "events.parquet" in caplog.text  # the failed read is logged with the file
    assert any("ged/events.parquet" in p for p in store.check_dataset(folder / "ged"))
    rc, out = health("--data", str(folder))
    assert rc == 1 and "FAIL imported ged: ged/events.parquet" in out and "ok   imported acled" in out
    # The app: the link to the broken dataset shows the curated events and says which file failed.
    at = make_app(monkeypatch, query={"dataset": "ged"}, data_dir=CURATED).run()
    no_exceptions(at)
    errors = [plain(e.value) for e in at.sidebar.error]
    assert any("ged/events.parquet" in e for e in errors), errors
    assert shown_count(at) == (25, 25)
    # the other dataset still works
    at.sidebar.selectbox(key="ds_pick").set_value("acled").run()
    no_exceptions(at)
    assert shown_count(at) == (7, 7)


def test_corrupt_bytes_inside_a_parquet_file(folder, monkeypatch):
    f = folder / "ged" / "claims.parquet"
    data = bytearray(f.read_bytes())
    mid = len(data) // 2
    data[8:mid] = b"\xff" * (mid - 8)  # the data pages destroyed, the footer intact
    f.write_bytes(bytes(data))
    with pytest.raises(store.Unreadable, match=r"ged/claims\.parquet"):
        store.load_dataset(folder / "ged")
    assert any("ged/claims.parquet" in p for p in store.check_dataset(folder / "ged", deep=True))
    at = make_app(monkeypatch, data_dir=CURATED).run()
    at.sidebar.selectbox(key="ds_pick").set_value("ged").run()
    no_exceptions(at)
    assert any("claims.parquet" in plain(e.value) for e in at.sidebar.error)
    assert shown_count(at) == (25, 25)


def test_a_parquet_file_damaged_after_the_app_loaded_it_is_read_again_and_reported(folder, monkeypatch):
    at = make_app(monkeypatch, query={"dataset": "ged"}, data_dir=CURATED).run()
    assert shown_count(at) == (12, 12)
    f = folder / "ged" / "events.parquet"
    tmp = f.with_name("x.tmp")
    tmp.write_bytes(b"PAR1 not really")
    os.replace(tmp, f)
    at.run()
    no_exceptions(at)
    assert any("ged/events.parquet" in plain(e.value) for e in at.sidebar.error)


def test_folder_missing_a_file_is_not_listed_and_is_named(folder, monkeypatch):
    (folder / "ged" / "roles.parquet").unlink()
    good, broken = store.scan_datasets(folder)
    assert [d.slug for d in good] == ["acled"]
    assert [b.problem for b in broken] == ["ged/roles.parquet: missing"]
    rc, out = health("--data", str(folder))
    assert rc == 1 and "FAIL imported ged/roles.parquet: missing" in out
    at = make_app(monkeypatch, data_dir=CURATED).run()
    no_exceptions(at)
    assert at.sidebar.selectbox(key="ds_pick").options == ["Curated events", "ACLED (ACLED, 7 events)",
                                                            "Upload a file…"]
    assert "1 imported dataset cannot be read" in " ".join(e.label for e in at.sidebar.expander)
    assert "ged/roles.parquet: missing" in plain(all_text(at))


@pytest.mark.parametrize("meta", [
    "not json at all {",
    "[1, 2, 3]",
    '"a string"',
    '{"kind": "acled", "counts": {"events": "many"}}',
    '{"kind": "acled", "counts": [1]}',
    '{"kind": {"x": 1}}',
    '{"kind": "acled", "report": "nope"}',
    "\xff\xfe garbage",
])
def test_nonsense_dataset_json(folder, monkeypatch, meta):
    (folder / "ged" / "dataset.json").write_bytes(meta.encode("utf-8", "surrogateescape")
                                                   if not meta.startswith("\xff") else b"\xff\xfe garbage")
    good, broken = store.scan_datasets(folder)
    assert [d.slug for d in good] == ["acled"]
    assert len(broken) == 1 and broken[0].problem.startswith("ged/dataset.json: ")
    with pytest.raises(store.Unreadable, match=r"ged/dataset\.json"):
        store.load_dataset(folder / "ged")
    at = make_app(monkeypatch, query={"dataset": "ged"}, data_dir=CURATED).run()
    no_exceptions(at)
    assert "ged/dataset.json" in plain(all_text(at))
    assert shown_count(at) == (25, 25)


def test_nonsense_updated_field_is_named_when_read(folder):
    meta = json.loads((folder / "ged" / "dataset.json").read_text())
    meta["updated"] = "the day before yesterday"
    (folder / "ged" / "dataset.json").write_text(json.dumps(meta))
    with pytest.raises(store.Unreadable, match=r"ged/dataset\.json: nonsense"):
        store.load_dataset(folder / "ged")


def test_row_counts_that_disagree_with_dataset_json(folder):
    meta = json.loads((folder / "ged" / "dataset.json").read_text())
    meta["counts"]["events"] = 99
    (folder / "ged" / "dataset.json").write_text(json.dumps(meta))
    assert store.check_dataset(folder / "ged") == ["ged/events.parquet: 12 rows, dataset.json says 99"]


# --------------------------------------------------------------------------- killed imports, full disk

KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import pyarrow.parquet as pq
    from events import store
    from events.importers import import_csv

    folder, when = Path(sys.argv[1]), sys.argv[2]
    ds, report = import_csv(sys.argv[3], name="GED again")
    if when == "writing":  # killed while the claims are written
        real = pq.write_table
        def write_table(table, where, **kw):
            if str(where).endswith("claims.parquet"):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(table, where, **kw)
        pq.write_table = write_table
    else:  # killed between moving the old version aside and renaming the new one in
        real_rename = Path.rename
        def rename(self, target):
            if Path(target).name == "ged":
                os.kill(os.getpid(), signal.SIGKILL)
            return real_rename(self, target)
        Path.rename = rename
    store.save_dataset(ds, folder, report=report, slug="ged")
""")


@pytest.mark.parametrize("when", ["writing", "renaming"])
def test_import_killed_halfway_keeps_the_previous_version(folder, monkeypatch, when):
    before = store.load_dataset(folder / "ged")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(folder), when, str(ACLED)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    good, broken = store.scan_datasets(folder)
    assert not broken
    assert [(d.slug, d.name) for d in good] == [("acled", "ACLED"), ("ged", "GED")]  # the previous version
    ged = next(d for d in good if d.slug == "ged")
    again = store.load_dataset(ged.path)
    assert list(again.events["id"]) == list(before.events["id"])
    at = make_app(monkeypatch, query={"dataset": "ged"}, data_dir=CURATED).run()
    no_exceptions(at)
    assert shown_count(at) == (12, 12)
    # a later import of the same dataset succeeds and replaces it
    ds, report = import_csv(ACLED, name="GED again")
    store.save_dataset(ds, folder, report=report, slug="ged")
    assert [d.name for d in store.list_datasets(folder)] == ["ACLED", "GED again"]


STREAM_KILLER = textwrap.dedent("""
    import os, signal, sys
    from events import partsort
    from events.cli import main
    from events.importers import reading

    folder, when, src = sys.argv[1], sys.argv[2], sys.argv[3]
    reading.STREAM_CHUNK_ROWS = 4  # several chunks, so several parts and their merge
    if when == "parts":  # killed while the third chunk's part is written (two are on disk)
        real = partsort.Parts.add
        def add(self, tables):
            if len(self.dates) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(self, tables)
        partsort.Parts.add = add
    else:  # killed while the parts are merged into the dataset's files
        real = partsort.Parts.merged_events
        def merged_events(self, columns, rows):
            for group in real(self, columns, rows):  # the first one merged, not yet written
                os.kill(os.getpid(), signal.SIGKILL)
                yield group
        partsort.Parts.merged_events = merged_events
    main(["import", src, "--out", os.path.join(folder, "ged"), "--quiet"])
""")


@pytest.mark.parametrize("when", ["parts", "sorting"])
def test_streamed_import_killed_halfway_lists_nothing_new(folder, when):
    """`python -m events import` streams the file chunk by chunk: killed at any point, the
    half-written dataset stays in a hidden temporary folder, never listed."""
    before = store.load_dataset(folder / "ged")
    proc = subprocess.run([sys.executable, "-c", STREAM_KILLER, str(folder), when, str(ACLED)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    good, broken = store.scan_datasets(folder)
    assert not broken
    assert [(d.slug, d.name) for d in good] == [("acled", "ACLED"), ("ged", "GED")]
    assert list(store.load_dataset(folder / "ged").events["id"]) == list(before.events["id"])
    assert any(p.name.startswith(".ged-") for p in folder.iterdir())  # the hidden leftover, never listed
    rc = cli_main(["import", str(ACLED), "--out", str(folder / "ged"), "--name", "GED again", "--quiet"])
    assert rc == 0 and [d.name for d in store.list_datasets(folder)] == ["ACLED", "GED again"]


def test_full_disk_during_import_gives_a_clear_message_and_writes_nothing(folder, monkeypatch, capsys):
    import pyarrow.parquet as pq

    before = sorted(p.name for p in folder.iterdir())
    ged_before = (folder / "ged" / "events.parquet").read_bytes()
    real = pq.write_table

    def full(table, where, **kw):
        if str(where).endswith("roles.parquet"):
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", full)
    rc = cli_main(["import", str(ACLED), "--name", "ged", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 3
    assert "could not write the dataset to" in err and "the disk is full" in err
    assert "nothing was written (the previous import of this dataset is kept)" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == before  # no temporary folder left
    assert (folder / "ged" / "events.parquet").read_bytes() == ged_before
    rc = cli_main(["import", str(ACLED), "--name", "brand new", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 3 and "previous import" not in err and "nothing was written" in err
    assert sorted(p.name for p in folder.iterdir()) == before


def test_full_disk_on_a_real_tiny_filesystem(tmp_path, capsys):
    """A real ENOSPC where we may mount a tmpfs (root, a kernel that allows it); skipped elsewhere."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    # Mounting needs root and a kernel/container that allows it (CI runs as root here and mounts).
    # Where it cannot, the same code path is still covered by the injected-ENOSPC test above.
    if os.geteuid() != 0:
        pytest.skip("mounting a 64 KB tmpfs needs root; test_full_disk_* with an injected ENOSPC covers the path")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"this machine refuses a tmpfs mount ({mounted.stderr.strip()[:200]}); "
                    "the injected-ENOSPC test covers the path")
    try:
        sample = ROOT / "tests" / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"
        rc = cli_main(["import", str(sample), "--out", str(mnt / "ged"), "--quiet"])
        err = capsys.readouterr().err
        assert rc == 3 and "the disk is full" in err, err
        assert list(mnt.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# --------------------------------------------------------------------------- curated YAML replaced

def replace_atomically(path: Path, text: str, mtime: float | None = None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)


def test_curated_yaml_replaced_while_the_app_runs(tmp_path, monkeypatch):
    data = tmp_path / "curated"
    shutil.copytree(CURATED, data, ignore=shutil.ignore_patterns("imported"))
    monkeypatch.setenv(store.ENV, str(tmp_path / "none"))
    at = make_app(monkeypatch, data_dir=data).run()
    no_exceptions(at)
    assert shown_count(at) == (25, 25)
    f = data / "events" / "palmyra-mi8-crash-2016.yaml"
    old = f.read_text(encoding="utf-8")
    old_mtime = f.stat().st_mtime
    # 1. new content, put in place by a rename with an OLDER modification time (rsync -t, cp -p)
    replace_atomically(f, old.replace("Russian Mi-8 helicopter lost with all five aboard",
                                      "Mi-8 lost and title edited while the app runs"), mtime=old_mtime - 3600)
    at.run()
    no_exceptions(at)
    assert shown_count(at) == (25, 25)
    at.switch_page("pages/table.py").run()
    no_exceptions(at)
    assert "Mi-8 lost and title edited while the app runs" in at.dataframe[0].value.to_string() \
        if at.dataframe else "Mi-8 lost and title edited while the app runs" in all_text(at)
    at.switch_page("pages/map.py").run()
    # 2. garbage: the other events still shown, a notice names the file
    replace_atomically(f, "title: [unclosed\n  : : :\n")
    at.run()
    no_exceptions(at)
    assert shown_count(at) == (24, 24)
    assert any("events/palmyra-mi8-crash-2016.yaml" in plain(e.label) for e in at.expander)
    # 3. the file removed, then restored
    f.unlink()
    at.run()
    no_exceptions(at)
    assert shown_count(at) == (24, 24)
    replace_atomically(f, old)
    at.run()
    no_exceptions(at)
    assert shown_count(at) == (25, 25)


# --------------------------------------------------------------------------- logs

def test_upload_is_logged_with_its_name_escaped(folder, monkeypatch, caplog):
    name = "evil\nINFO forged line \x1b[31mred\x1b[0m.csv"
    at = make_app(monkeypatch, data_dir=CURATED).run()
    at.sidebar.selectbox(key="ds_pick").set_value("upload").run()
    with caplog.at_level(logging.INFO, logger="pages.ui.datasets"):
        at.sidebar.file_uploader(key="ds_upload").set_value((name, ACLED.read_bytes(), "text/csv")).run()
    no_exceptions(at)
    msgs = [r.getMessage() for r in caplog.records if r.name == "pages.ui.datasets"]
    assert any("upload imported" in m for m in msgs), msgs
    for m in msgs:
        assert "\n" not in m and "\x1b" not in m
    assert any(r"evil\nINFO forged line \x1b[31m" in m for m in msgs)


def test_an_import_is_logged_with_its_folder(tmp_path, caplog):
    ds, report = import_csv(GED, name="GED")
    with caplog.at_level(logging.INFO, logger="events.store"):
        path = store.save_dataset(ds, tmp_path, report=report, slug="ged")
    assert f"dataset 'GED' imported: 12 events written to {path}" in caplog.text


# --------------------------------------------------------------------------- geodata caches

def _tiny_sources(tmp_path):
    from geodata import gazetteer as gz
    from test_geodata_gazetteer import CITIES, COUNTRIES

    data = tmp_path / "gdata"
    data.mkdir()
    (data / "cities.json").write_text(json.dumps({str(c["geonameid"]): c for c in CITIES}), encoding="utf-8")
    (data / "countries.json").write_text(json.dumps(COUNTRIES), encoding="utf-8")
    shutil.copy(gz.SITES_PATH, data / "sites.csv")
    return gz.Sources(cities=data / "cities.json", countries=data / "countries.json", sites=data / "sites.csv")


@pytest.mark.parametrize("damage", ["truncated", "header-only", "zeros", "bad-header-json"])
def test_corrupt_gazetteer_index_is_rebuilt(tmp_path, caplog, damage):
    from geodata import gazetteer as gz

    src, cache = _tiny_sources(tmp_path), tmp_path / "cache"
    good = gz.load(src, cache)
    buf = good.path.read_bytes()
    damaged = {"truncated": buf[: len(buf) * 2 // 3], "header-only": buf[:200], "zeros": b"\0" * len(buf),
               "bad-header-json": buf[:20] + b"{{{{" + buf[24:]}[damage]
    good.path.write_bytes(damaged)
    with caplog.at_level(logging.WARNING, logger="geodata.gazetteer"):
        g = gz.load(src, cache)
    assert g.built, "the damaged index was used instead of rebuilt"
    assert "ignoring unreadable index" in caplog.text and good.path.name in caplog.text
    assert g.lookup("Palmyra", "SY").best.record.name in ("Tadmor", "Tadmur")
    assert gz.load(src, cache).built is False  # the rebuilt index replaced the damaged file


def test_stale_gazetteer_index_is_rebuilt(tmp_path):
    """An index built from other inputs sitting under the current inputs' name (a copied cache)."""
    from geodata import gazetteer as gz

    src, cache = _tiny_sources(tmp_path), tmp_path / "cache"
    current = gz.index_path(cache, src.fingerprint())
    other = gz.Sources(src.cities, src.countries, src.sites, min_population=10**9)
    stale = gz.load(other, tmp_path / "other-cache")
    cache.mkdir()
    shutil.copy(stale.path, current)
    g = gz.load(src, cache)
    assert g.built and g.fingerprint == src.fingerprint()
    assert g.lookup("Palmyra", "SY").best.record.name in ("Tadmor", "Tadmur")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", None])
def test_corrupt_nominatim_answer_cache_is_ignored_and_replaced(tmp_path, content):
    from geodata.geocoders import NominatimGeocoder
    from test_geodata_nominatim import ANSWERS
    from test_geodata_support import FakeNominatim

    path = tmp_path / "nominatim.json"
    with FakeNominatim(ANSWERS) as server:
        if content is None:  # valid JSON, damaged entries: the answer for our query is not a list of dicts
            key = json.dumps(["http", server.domain, "Zzyzx", None, 5], ensure_ascii=False)
            path.write_text(json.dumps({key: [1, "two", None]}), encoding="utf-8")
        else:
            path.write_bytes(content)
        g = NominatimGeocoder(domain=server.domain, scheme="http", cache_path=path, timeout=2.0)
        loc = g.geocode("Zzyzx")
        assert loc is not None and loc.raw["lat"] == pytest.approx(35.0)
        assert len(server.requests) == 1
        saved = json.loads(path.read_text(encoding="utf-8"))  # replaced by a valid cache
        assert isinstance(saved, dict) and any(isinstance(v, list) and v and v[0].get("lat") for v in saved.values())
        again = NominatimGeocoder(domain=server.domain, scheme="http", cache_path=path, timeout=2.0)
        assert again.geocode("Zzyzx").raw["lat"] == pytest.approx(35.0)
        assert len(server.requests) == 1  # answered from the replaced cache


def test_server_log_escapes_visitor_text_and_names_unreadable_files(folder):
    f = folder / "ged" / "events.parquet"
    f.write_bytes(b"not parquet")
    code = textwrap.dedent(f"""
        import logging
        from pages.ui import logs
        logs.setup()
        logging.getLogger("pages.ui.datasets").info("upload %s", "evil\\nERROR forged\\x1b[31m\\u202e.csv")
        from events import store
        try:
            store.load_dataset({str(folder / 'ged')!r})
        except store.Unreadable:
            pass
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = out.stderr.splitlines()
    assert len(lines) == 2, out.stderr
    assert lines[0].endswith(r"upload evil\nERROR forged\x1b[31m\u202e.csv")
    assert "ERROR events.store: cannot read the imported dataset" in lines[1] and "ged/events.parquet" in lines[1]


def test_a_damaged_file_of_a_large_dataset_read_in_the_background_is_named_by_the_page(folder, monkeypatch):
    """Above CHECK_DEEP_BELOW events a stored dataset is not read through when opened (the engine
    queries its Parquet files): a damaged file surfaces when a page's query first reads it, named
    by the shell, never a traceback."""
    from pages.ui import datasets

    monkeypatch.setattr(datasets, "CHECK_DEEP_BELOW", 0)
    f = folder / "ged" / "claims.parquet"
    data = bytearray(f.read_bytes())
    mid = len(data) // 2
    data[8:mid] = b"\xff" * (mid - 8)
    f.write_bytes(bytes(data))
    at = make_app(monkeypatch, query={"dataset": "ged"}, data_dir=CURATED).run()
    no_exceptions(at)
    assert any("ged/claims.parquet" in plain(e.value) for e in at.error), [e.value for e in at.error]


def test_the_server_log_follows_stderr_when_it_is_replaced():
    """The log set up while stderr was a capture that is later closed (pytest's, at the end of a
    test): a record logged afterwards (the janitor thread's) goes to the stderr of that moment,
    never to the closed file ("--- Logging error ---")."""
    code = textwrap.dedent("""
        import io, logging, sys
        real = sys.stderr
        capture = sys.stderr = io.StringIO()
        from pages.ui import logs
        logs.setup()
        sys.stderr = real
        capture.close()
        logging.getLogger("pages.ui.memory").info("idle: later")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "CONFLICT_MAP_LOG_LEVEL": "INFO"})
    assert out.returncode == 0, out.stderr
    assert "Logging error" not in out.stderr and "INFO pages.ui.memory: idle: later" in out.stderr, out.stderr
