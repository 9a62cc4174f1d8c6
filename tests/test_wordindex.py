"""The word index of a stored import (events/wordindex.py): written by every import, it keeps
exactly the rows a scan of search_text keeps (and the pandas reference, events.filters), on the
real UCDP GED sample and on texts with awkward white space; the engine answers by scanning when
there is no index (older imports) or a damaged one, and says so in the log."""
from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import store, wordindex
from events.engine import Engine
from events.filters import Filters, apply_filters, query_terms
from events.importers import import_csv
from events.load import load_curated

GED = Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv"


@pytest.fixture(scope="module")
def ged(tmp_path_factory):
    ds, _ = import_csv(GED)
    folder = store.save_dataset(ds, tmp_path_factory.mktemp("store"), slug="ged")
    return store.load_dataset(folder), folder


def _scan(folder: Path, term: str) -> np.ndarray:
    """The rows of events.parquet whose search_text contains `term`: what the index must give."""
    con = duckdb.connect()
    try:
        return con.execute(
            "SELECT file_row_number FROM read_parquet(?, file_row_number = true) WHERE contains(search_text, ?) "
            "ORDER BY 1", [str(folder / "events.parquet"), term]).fetchnumpy()["file_row_number"]
    finally:
        con.close()


def _same(ds, engine: Engine, q: str):
    f = Filters(q=q)
    assert engine.ids(f) == apply_filters(ds, f).events["id"].tolist(), q


def _copy(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / folder.name
    shutil.copytree(folder, out)
    return out


# --------------------------------------------------------------------------- written by imports

def test_a_one_chunk_import_writes_the_index(ged):
    _, folder = ged
    wi = wordindex.WordIndex.open(folder, store.load_dataset(folder).events.shape[0])
    assert wi is not None and len(wi.words) > 1000
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())  # nothing half-written left


def test_a_streamed_import_of_several_chunks_writes_the_index(tmp_path):
    ds, _ = import_csv(GED)
    half = len(ds.events) // 2
    writer = store.DatasetWriter(tmp_path, "two")
    for part in (slice(0, half), slice(half, None)):
        ids = set(ds.events["id"].iloc[part])
        writer.add(dataclasses.replace(
            ds, events=ds.events.iloc[part], claims=ds.claims[ds.claims["event_id"].isin(ids)],
            roles=ds.roles[ds.roles["event_id"].isin(ids)]))
    folder = writer.finish(ds.name, ds.kind)
    assert (folder / wordindex.WORDS).exists() and (folder / wordindex.POSTINGS).exists()
    back = store.load_dataset(folder)
    engine = Engine.from_parquet(folder)
    assert engine._words is not None
    for q in ("killed", "aleppo", "civilians army", "zzzqx"):
        _same(back, engine, q)


def test_a_failure_while_the_index_is_written_keeps_the_previous_import(ged, tmp_path, monkeypatch):
    """A full disk in the middle of the index: nothing half-written is listed, the dataset that was
    there is still served, and the error says the disk is full."""
    import errno

    ds, _ = import_csv(GED)
    data = tmp_path / "data"
    first = store.save_dataset(ds, data, slug="ged")
    before = (first / "events.parquet").read_bytes()

    def full_disk(self, folder):
        (Path(folder) / wordindex.WORDS).write_bytes(b"PAR1 half")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(wordindex.Builder, "write", full_disk)
    with pytest.raises(OSError) as err:
        store.save_dataset(ds, data, slug="ged")
    assert err.value.errno == errno.ENOSPC
    assert sorted(p.name for p in data.iterdir()) == ["ged"]  # no hidden temporary folder left
    assert (data / "ged" / "events.parquet").read_bytes() == before
    assert wordindex.WordIndex.open(data / "ged", len(ds.events)) is not None


# --------------------------------------------------------------------------- exact answers

def _terms_of(ds) -> list[str]:
    """Words of the real texts and pieces of them (prefixes, middles, with punctuation)."""
    words = sorted({w for t in ds.events["search_text"].tolist() for w in t.split(" ") if w})
    pieces = [w[i:j] for w in words[::7] for i, j in ((0, 3), (1, -1), (2, None)) if w[i:j]]
    return words + pieces + ["zzzqx", "(", ")", ",", "-", "é", "ü", "al-"]


def test_every_term_gives_the_rows_of_a_scan_on_the_ged_sample(ged):
    ds, folder = ged
    wi = wordindex.WordIndex.open(folder, len(ds.events))
    wi.max_postings = 10**9  # always answer from the index here

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(_terms_of(ds)))
    def check(term):
        got = wi.rows(term)
        assert got is not None
        assert np.array_equal(got, _scan(folder, term)), term

    check()


def test_words_whose_rows_span_several_row_groups(tmp_path, monkeypatch):
    """Postings in small row groups (DuckDB's smallest: about one vector, ~2,000 postings, ~20 here):
    many words' rows cross a group boundary, and a term's words lie in many groups."""
    monkeypatch.setattr(wordindex, "POSTINGS_GROUP", 7)
    ds, _ = import_csv(GED)
    folder = store.save_dataset(ds, tmp_path, slug="small-groups")
    wi = wordindex.WordIndex.open(folder, len(ds.events))
    assert len(wi.group_starts) > 10
    wi.max_postings = 10**9
    for term in _terms_of(ds)[::5]:
        assert np.array_equal(wi.rows(term), _scan(folder, term)), term


def test_a_lone_surrogate_in_a_query_neither_fails_nor_turns_the_index_off(ged):
    ds, folder = ged
    engine = Engine.from_parquet(folder)
    for q in ("\ud800", "killed \udfff"):
        _same(ds, engine, q)
        assert engine.count(Filters(q=q)) == 0
    assert engine._words is not None


def test_a_term_matching_too_many_postings_is_left_to_a_scan(ged):
    ds, folder = ged
    wi = wordindex.WordIndex.open(folder, len(ds.events))
    common = "a"
    n = int(wi.counts[wi.matching_words(common)].sum())
    assert n > 1000
    wi.max_postings = n - 1
    assert wi.rows(common) is None
    wi.max_postings = n
    assert np.array_equal(wi.rows(common), _scan(folder, common))


def test_searches_through_the_index_agree_with_pandas_also_when_some_terms_are_scanned(ged, monkeypatch):
    """Several terms: each answered by the index, or (too common) by the scan of the rows the
    index left, or all scanned; always the pandas reference's answer."""
    ds, folder = ged
    engine = Engine.from_parquet(folder)
    assert engine._words is not None
    words = _terms_of(ds)
    for limit in (10**9, 200, 0):
        engine._words.max_postings = limit
        engine._texts.clear()

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.lists(st.sampled_from(words), min_size=1, max_size=3).map(" ".join))
        def check(q):
            _same(ds, engine, q)

        check()


ALPHABET = st.sampled_from(list("ab é-(") + ["\t", "\n", "\xa0", "\u2003", "\x1c", " ", "İ"])


def test_white_space_of_every_kind_gives_the_same_rows_as_the_reference(tmp_path_factory):
    """Texts with tabs, no-break and em spaces, information separators, runs of spaces, and a
    letter whose lower case is longer: the index splits on " " only, so it can never miss a row."""
    base = load_curated()
    n = len(base.events)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.text(ALPHABET, max_size=12), min_size=n, max_size=n),
           st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=3))
    def check(texts, queries):
        ds = dataclasses.replace(base, events=base.events.assign(search_text=[t.lower() for t in texts]))
        folder = store.save_dataset(ds, tmp_path_factory.mktemp("ws"), slug="ws")
        engine = Engine.from_parquet(folder)
        assert engine._words is not None
        back = store.load_dataset(folder)
        for q in queries:
            if query_terms(q):
                _same(back, engine, q)
        engine.close()

    check()


# --------------------------------------------------------------------------- no index, or a bad one

def test_an_import_without_the_index_is_searched_by_scanning(ged, tmp_path, caplog):
    ds, folder = ged
    old = _copy(folder, tmp_path)
    for name in (wordindex.WORDS, wordindex.POSTINGS):
        (old / name).unlink()
    with caplog.at_level(logging.WARNING):
        engine = Engine.from_parquet(old)
    assert engine._words is None and not caplog.records  # an older import is not an error
    for q in ("killed", "aleppo army", "zzzqx"):
        _same(ds, engine, q)


DAMAGES = ["words missing", "postings truncated", "another dataset's index", "a stale index of as many rows",
           "words without their events.parquet", "postings of strings", "words of the wrong columns"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_or_foreign_index_is_named_in_the_log_and_searches_scan(ged, tmp_path, caplog, damage):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ds, folder = ged
    bad = _copy(folder, tmp_path)
    words, postings = bad / wordindex.WORDS, bad / wordindex.POSTINGS
    named = "words.parquet"
    if damage == "words missing":
        words.unlink()
    elif damage == "postings truncated":
        data = postings.read_bytes()
        postings.write_bytes(data[: len(data) // 2])
        named = "postings.parquet"
    elif damage in ("another dataset's index", "a stale index of as many rows"):
        # A bigger dataset's index, or the index of the same events in another order (as many rows,
        # so only the tie to events.parquet can tell): its rows would be the wrong events.
        rows = np.r_[0:len(ds.events), 0:50] if damage.startswith("another") else np.arange(len(ds.events))[::-1]
        other_ds = dataclasses.replace(ds, events=ds.events.iloc[rows].reset_index(drop=True))
        other = store.save_dataset(other_ds, tmp_path / "other", slug="other")
        if not damage.startswith("another"):  # (stored sorted by date: make the order differ for sure)
            assert not np.array_equal(pq.read_table(other / "events.parquet", columns=["id"]).column(0),
                                      pq.read_table(folder / "events.parquet", columns=["id"]).column(0))
        for name in (wordindex.WORDS, wordindex.POSTINGS):
            shutil.copy(other / name, bad / name)
    elif damage == "words without their events.parquet":
        pq.write_table(pq.read_table(words).replace_schema_metadata(None), words)
    elif damage == "postings of strings":
        n = pq.ParquetFile(postings).metadata.num_rows
        pq.write_table(pa.table({"row": ["1"] * n}), postings)
        named = "postings.parquet"
    else:
        t = pq.read_table(words)
        pq.write_table(pa.table({"word": t.column("n"), "n": t.column("word")}, metadata=t.schema.metadata), words)
    with caplog.at_level(logging.WARNING, logger="events.engine"):
        engine = Engine.from_parquet(bad)
    assert engine._words is None
    assert any(named in r.getMessage() and "scan" in r.getMessage() for r in caplog.records), caplog.text
    for q in ("killed", "aleppo army"):
        _same(ds, engine, q)


def test_postings_naming_rows_outside_the_events_are_dropped_at_the_first_search(ged, tmp_path, caplog):
    """A postings file of the right shape and count whose numbers are garbage: refused when read,
    never used to index (or to size a bitmap)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ds, folder = ged
    bad = _copy(folder, tmp_path)
    n = pq.ParquetFile(bad / wordindex.POSTINGS).metadata.num_rows
    pq.write_table(pa.table({"row": pa.array([2_000_000_000] * n, pa.int32())}), bad / wordindex.POSTINGS)
    engine = Engine.from_parquet(bad)
    assert engine._words is not None
    with caplog.at_level(logging.WARNING, logger="events.engine"):
        _same(ds, engine, "killed")
    assert engine._words is None and "outside events.parquet" in caplog.text


def test_postings_that_fail_when_read_are_dropped_and_the_search_scans(ged, tmp_path, caplog):
    """A file whose footer reads but whose data does not (damaged bytes in its first page)."""
    ds, folder = ged
    bad = _copy(folder, tmp_path)
    path = bad / wordindex.POSTINGS
    data = bytearray(path.read_bytes())
    data[4:400] = b"\xff" * 396  # the first row group's data page; the footer at the end is intact
    path.write_bytes(bytes(data))
    engine = Engine.from_parquet(bad)
    assert engine._words is not None  # the footer and counts are fine
    with caplog.at_level(logging.WARNING, logger="events.engine"):
        _same(ds, engine, "killed")
        _same(ds, engine, "aleppo")
    assert engine._words is None
    assert any("word index failed" in r.getMessage() for r in caplog.records)


def test_health_says_how_each_import_is_searched_without_failing(ged, tmp_path):
    """`python -m events health`: the index's state is said on the dataset's line; exit 0 either
    way, as the app answers every search without it."""
    import os
    import subprocess
    import sys

    _, folder = ged
    data = tmp_path / "data"
    for slug in ("indexed", "older", "damaged", "pages"):
        _copy(folder, data).rename(data / slug)
    for name in (wordindex.WORDS, wordindex.POSTINGS):
        (data / "older" / name).unlink()
    (data / "damaged" / wordindex.POSTINGS).write_bytes(b"PAR1 not really")
    pages = data / "pages" / wordindex.POSTINGS  # its data pages destroyed, the footer intact
    raw = bytearray(pages.read_bytes())
    raw[4:400] = b"\xff" * 396
    pages.write_bytes(bytes(raw))

    def health(*extra):
        out = subprocess.run([sys.executable, "-m", "events", "health", "--data", str(data), *extra],
                             capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1],
                             env={**os.environ})
        assert out.returncode == 0, out.stdout + out.stderr
        return {ln.split(":")[0]: ln for ln in out.stdout.splitlines()}
    lines = health()
    assert "word index of" in lines["ok   imported indexed"]
    assert "no word index" in lines["ok   imported older"] and "import the file again" in lines["ok   imported older"]
    assert "word index unusable (postings.parquet" in lines["ok   imported damaged"]
    assert "word index of" in lines["ok   imported pages"]  # only its footer is read ...
    deep = health("--deep")
    assert "word index unusable (postings.parquet" in deep["ok   imported pages"]  # ... unless --deep
    assert "word index of" in deep["ok   imported indexed"]
