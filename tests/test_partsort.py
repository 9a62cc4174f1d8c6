"""A streamed import's parts merged into the dataset's order (events/partsort.py) and the word
index built from the merged row groups (events/wordindex.Builder): both checked against plain
references (a stable sort of the whole table; a dict of each word's rows) on generated inputs
with ties, undated rows, parts of every size and extra columns some parts lack."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import partsort, wordindex

DATES = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2011, 1, 1), max_value=dt.datetime(2011, 1, 4)))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _part(dates: list, first: int, extra: bool) -> dict:
    n = len(dates)
    events = {"id": [f"e{first + i}" for i in range(n)],
              "date_start": pa.array(dates, pa.timestamp("us")),
              "search_text": [f"w{(first + i) % 7} x" for i in range(n)]}
    if extra:
        events["extra.note"] = [f"note {first + i}" for i in range(n)]
    ids = pa.array(events["id"])
    return {"events": pa.table(events), "claims": pa.table({"event_id": ids}), "roles": pa.table({"event_id": ids})}


@FAST
@given(parts=st.lists(st.lists(DATES, min_size=1, max_size=12), min_size=1, max_size=6),
       rows=st.integers(1, 9), extras=st.lists(st.booleans(), min_size=6, max_size=6), batch=st.integers(1, 5))
def test_the_merge_is_a_stable_sort_by_date_with_undated_rows_last(tmp_path, monkeypatch, parts, rows, extras,
                                                                    batch):
    monkeypatch.setattr(partsort, "IPC_BATCH", batch)  # a part's rows cross record batches
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
    store, first = partsort.Parts(folder), 0
    for dates, extra in zip(parts, extras):
        store.add(_part(dates, first, extra))
        first += len(dates)
    columns = ["id", "date_start", "search_text"] + (["extra.note"] if any(extras[:len(parts)]) else [])
    groups = list(store.merged_events(columns, rows))
    assert [len(g) for g in groups[:-1]] == [rows] * (len(groups) - 1) and 0 < len(groups[-1]) <= rows
    merged = pa.concat_tables(groups)
    assert merged.column_names == columns
    # The reference: every row in file order, sorted stably by date, undated last.
    flat = [(d, f"e{i}") for i, d in enumerate(d for p in parts for d in p)]
    expected = [e for _, e in sorted(flat, key=lambda t: (t[0] is None, t[0] or dt.datetime.min))]
    assert merged.column("id").to_pylist() == expected
    if "extra.note" in columns:  # a part without the column gives "" there, never a null
        owner = [k for k, p in enumerate(parts) for _ in p]  # the part of each row of the file
        for e, note in zip(merged.column("id").to_pylist(), merged.column("extra.note").to_pylist()):
            i = int(e[1:])
            assert note == (f"note {i}" if extras[owner[i]] else "")
    # claims and roles keep the file's order
    claims = pa.concat_tables(store.concatenated("claims")).column("event_id").to_pylist()
    assert claims == [f"e{i}" for i in range(first)]
    store.remove()
    assert not list(folder.iterdir())


# Texts of a few words, repeated ones and runs of spaces among them; and texts of any characters.
WORDS = st.one_of(st.lists(st.sampled_from(["a", "ab", "ا", "a\u00a0b", "-", ""]), max_size=6).map(" ".join),
                  st.text(alphabet=st.sampled_from(list("ab ا\u00a0\t-")), max_size=12))


@FAST
@given(texts=st.lists(st.one_of(st.none(), WORDS), min_size=0, max_size=60), group=st.integers(1, 25),
       batch=st.integers(1, 9), most=st.integers(1, 40))
def test_the_index_built_group_by_group_lists_every_word_of_every_row_once(tmp_path, monkeypatch, texts, group,
                                                                             batch, most):
    monkeypatch.setattr(wordindex.Builder, "BATCH", batch)
    monkeypatch.setattr(wordindex.Builder, "RANGE", most)  # postings laid out in several ranges
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    pq.write_table(pa.table({"search_text": pa.array(texts, pa.string())}), folder / "events.parquet")
    builder = wordindex.Builder(folder / "spill")
    arr = pa.array(texts, pa.string())
    for lo in range(0, len(texts), group):
        builder.add(lo, arr.slice(lo, group))
    n = builder.write(folder)
    # The reference: split on " " exactly; "" is no word; a word once per row.
    rows: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        for w in sorted(set((t or "").split(" ")) - {""}):
            rows.setdefault(w, []).append(i)
    expected = sorted(rows, key=lambda w: w.encode("utf-8"))  # byte order
    words = pq.read_table(folder / wordindex.WORDS)
    assert words.column("word").to_pylist() == expected
    assert words.column("n").to_pylist() == [len(rows[w]) for w in expected]
    postings = pq.read_table(folder / wordindex.POSTINGS).column("row").to_pylist()
    assert postings == [r for w in expected for r in rows[w]] and n == len(postings)
    assert not (folder / "spill").exists()
    if texts:
        wi = wordindex.WordIndex.open(folder, len(texts))
        for w in expected[:5]:
            assert wi.rows(w).tolist() == sorted({r for v in expected if w in v for r in rows[v]})


def test_a_worker_failure_reaches_the_writer_and_leaves_no_spill(tmp_path, monkeypatch):
    """A full disk while a worker saves its pairs: write() raises it, close() removes the spill."""
    import errno

    def full(path, first_row, texts):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(wordindex, "_group_pairs", full)
    builder = wordindex.Builder(tmp_path / "spill")
    builder.add(0, pa.array(["a b"] * 10))
    with pytest.raises(OSError) as err:
        builder.write(tmp_path)
    builder.close()
    assert err.value.errno == errno.ENOSPC and not (tmp_path / "spill").exists()


def test_date_order_is_stable_and_puts_undated_rows_last():
    d = pa.array([dt.datetime(2020, 1, 2), None, dt.datetime(2020, 1, 1), None, dt.datetime(2020, 1, 1)],
                 pa.timestamp("us"))
    assert partsort.date_order(d).tolist() == [2, 4, 0, 1, 3]
    assert np.array_equal(partsort.date_order(pa.array([], pa.timestamp("us"))), [])


def test_chunks_without_any_event_give_an_empty_dataset(tmp_path):
    """Two chunks whose every row was skipped: an empty events.parquet with every column, and an
    empty index, not a crash."""
    import dataclasses

    from events import store
    from events.importers import import_csv

    ds, _ = import_csv(Path(__file__).parent / "fixtures" / "real" / "ucdp_ged231_sample1000.csv")
    empty = dataclasses.replace(ds, events=ds.events.iloc[0:0], claims=ds.claims.iloc[0:0], roles=ds.roles.iloc[0:0])
    writer = store.DatasetWriter(tmp_path, "empty")
    writer.add(empty)
    writer.add(empty)
    folder = writer.finish("empty", ds.kind)
    events = pq.read_table(folder / "events.parquet")
    assert len(events) == 0 and "search_text" in events.column_names and "date_start" in events.column_names
    assert len(store.load_dataset(folder).events) == 0
    assert wordindex.WordIndex.open(folder, 0) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
