"""A word index of a stored import's ``search_text``: which events.parquet rows hold each word.

Why: a text search otherwise scans the whole ``search_text`` column (about 200 MB decoded at
1,000,000 events, 0.1-0.25 s of every new search). With the index a search reads a vocabulary
(kept in memory) and the rows of the words that match, a few thousand postings for a place name.

Exactness: a search term holds no white space (events.filters.query_terms splits on it), so every
place where a term occurs in a ``search_text`` lies inside one piece between two spaces. The
index lists those pieces ("words": ``search_text`` split on " " exactly, nothing else removed or
folded), so a term occurs in a row's text iff it is a substring of one of that row's words. The
answer is the same set of rows as DuckDB's ``contains(search_text, term)``, which stays the way a
search is answered where there is no index (older imports, in-memory datasets) and when a term
matches so many postings that scanning is cheaper (`WordIndex.rows` returns None).

Files, written by `Builder.write` into an import's folder before it is renamed into place:
    words.parquet     word (string, distinct, in byte order), n (int64: its rows); its
                      metadata ties it to one events.parquet (`EVENTS_KEY`: that file's row count
                      and the SHA-256 of its Parquet footer, which holds every row group's sizes
                      and statistics)
    postings.parquet  row (int32, delta-encoded): for each word in that order, the events.parquet
                      row numbers (ascending) whose text holds it; word i's rows are rows
                      [sum(n[:i]), sum(n[:i + 1])) of this file
- `Builder(spill)`: `add(first_row, texts)` for each row group of events.parquet, in order, as it
  is written; `write(folder) -> int` writes both files and returns the number of postings;
  `close()` after a failure. `build(folder) -> int` does the same for an existing events.parquet.
- `WordIndex.open(folder, n_rows) -> WordIndex | None`: None when the files are absent (an import
  made before the index existed); raises `IndexUnreadable` (naming the file) for anything else that
  is wrong: a file missing, unreadable or of the wrong columns, counts that disagree with the
  postings, an index written for another events.parquet (a copied or stale one).
- `WordIndex.read_all()`: reads every postings row group (python -m events health --deep).
- `WordIndex.rows(term) -> numpy int64 array | None`: the sorted distinct row numbers whose text
  holds `term`; None when the matching words' postings exceed `max_postings` (scan instead).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path
from typing import Optional

import numpy as np

WORDS = "words.parquet"
POSTINGS = "postings.parquet"
EVENTS_KEY = b"conflict_map.events"  # words.parquet's metadata: which events.parquet the index is of
POSTINGS_GROUP = 131_072  # postings per row group: a rare word costs one group's read
# Above this many postings for one term, scanning search_text is about as cheap as reading them.
# Measured at 1,000,000 events (benchmarks/wordindex.py): 1.4 million postings 0.05 s, 5.9 million
# 0.44 s, against 0.07-0.35 s for a scan.
MAX_POSTINGS = 2_000_000


class IndexUnreadable(Exception):
    """A word index whose files cannot be read or do not agree (names the file)."""

    def __init__(self, file: str, reason: str):
        self.file, self.reason = file, reason
        super().__init__(f"{file}: {reason}")


class Builder:
    """The index of the texts of one events.parquet, given a row group at a time in row order
    (`add(first_row, texts)`) while the file is written; `write(folder)` then writes both files
    beside it and returns the number of postings; `close()` stops the workers after a failure.

    Why not SQL (DuckDB's unnest + DISTINCT + ORDER BY over every word of every row, what this
    replaced): it took 21-25 s of a 1,000,000-row import with long notes, after a second read of the
    file. Here each batch of BATCH rows is split, its words dictionary-encoded and its (word, row)
    pairs sorted and made distinct on a worker thread (pyarrow and numpy release the GIL) while the
    writer goes on; the pairs wait in a spill folder, not in memory, until `write` lays the words'
    rows out, RANGE postings at a time (the counts are known by then, so every pair goes straight to
    its place; rows stay ascending because the batches come in row order)."""

    BATCH = 16_384  # rows a worker splits at a time: its arrays stay at a few tens of MB
    RANGE = 16_000_000  # postings laid out in memory at a time (64 MB; the spill is read once per range)
    PENDING = 4  # batches waiting for a worker at most (each holds its texts)

    def __init__(self, spill: Path | str, workers: int = 2):
        from concurrent.futures import ThreadPoolExecutor

        self.spill = Path(spill)
        self.spill.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wordindex")
        self._pending: list = []
        self._groups: list = []  # per group, in order: (its words, sorted; their row counts)

    def add(self, first_row: int, texts) -> None:
        """The search_text of rows first_row, first_row + 1, ... (a pyarrow string array)."""
        for lo in range(0, len(texts), self.BATCH):
            while len(self._pending) >= self.PENDING:
                self._groups.append(self._pending.pop(0).result())
            k = len(self._groups) + len(self._pending)
            self._pending.append(self._pool.submit(_group_pairs, self.spill / f"{k:06d}.npz", first_row + lo,
                                                   texts.slice(lo, self.BATCH)))

    def write(self, folder: Path | str) -> int:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        folder = Path(folder)
        groups = self._groups + [f.result() for f in self._pending]
        self._pending = []
        self._pool.shutdown(wait=True)
        # Every group's words encoded in one pass (one hash table), then put in byte order.
        encoded = pc.dictionary_encode(pa.concat_arrays([words for words, _ in groups] or [pa.array([], pa.string())]))
        order = pc.sort_indices(encoded.dictionary).to_numpy()
        vocab = encoded.dictionary.take(order)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        ids_all = rank[encoded.indices.to_numpy()]
        maps, counts, at = [], np.zeros(len(vocab), dtype=np.int64), 0
        for words, n in groups:  # each group's words -> their places in the vocabulary
            ids = ids_all[at:at + len(words)]
            at += len(words)
            counts[ids] += n  # (a group's words are distinct)
            maps.append(ids)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        table = pa.table({"word": vocab, "n": pa.array(counts, pa.int64())})
        table = table.replace_schema_metadata({EVENTS_KEY: json.dumps(events_identity(folder / "events.parquet"))})
        pq.write_table(table, folder / WORDS, compression="zstd")
        # Each word's rows ascend: delta encoding stores the small steps (48 million postings: 42 MB,
        # against 133 MB plain + zstd and 220 MB with a dictionary), and reads faster.
        with pq.ParquetWriter(folder / POSTINGS, pa.schema([("row", pa.int32())]), compression="none",
                              use_dictionary=False, column_encoding={"row": "DELTA_BINARY_PACKED"}) as out:
            for lo, hi in _ranges(starts, self.RANGE):
                out.write_table(pa.table({"row": pa.array(self._lay_out(maps, starts, lo, hi), pa.int32())}),
                                row_group_size=POSTINGS_GROUP)
        shutil.rmtree(self.spill, ignore_errors=True)
        return int(starts[-1])

    def _lay_out(self, maps: list, starts: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """The postings of words lo..hi-1, word after word, each word's rows ascending."""
        postings = np.empty(int(starts[hi] - starts[lo]), dtype=np.int32)
        cursor = starts[lo:hi] - starts[lo]
        for k, ids in enumerate(maps):
            with np.load(self.spill / f"{k:06d}.npz") as pairs:
                word, row = ids[pairs["word"]], pairs["row"]
            # Sorted by word (a batch's words are in byte order, like the vocabulary), then row.
            a, b = np.searchsorted(word, [lo, hi])
            word, row = word[a:b] - lo, row[a:b]
            if not len(word):
                continue
            # Each run of one word goes after the rows earlier batches put there.
            run_start = np.concatenate([[0], np.flatnonzero(np.diff(word)) + 1])
            run_len = np.diff(np.concatenate([run_start, [len(word)]]))
            within = np.arange(len(word)) - np.repeat(run_start, run_len)
            postings[cursor[word] + within] = row
            cursor[word[run_start]] += run_len
        return postings

    def close(self) -> None:
        """Stop the workers (after an error: what is queued is dropped) and remove the spill."""
        for f in self._pending:
            f.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending = []
        shutil.rmtree(self.spill, ignore_errors=True)


def build(folder: Path | str) -> int:
    """The index of an existing ``folder/events.parquet``, read a row group at a time (an import
    builds it while it writes the file, through Builder); returns the number of postings."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    events = pq.ParquetFile(folder / "events.parquet")
    builder = Builder(folder / ".wordindex-spill")
    try:
        first = 0
        for i in range(events.num_row_groups):
            texts = events.read_row_group(i, columns=["search_text"]).column("search_text")
            builder.add(first, texts)
            first += len(texts)
        return builder.write(folder)
    finally:
        builder.close()


def _ranges(starts: np.ndarray, most: int):
    """(lo, hi) ranges of words, in order, each with at most `most` postings (or one word)."""
    lo, n = 0, len(starts) - 1
    while lo < n:
        hi = max(int(np.searchsorted(starts, starts[lo] + most, side="right")) - 1, lo + 1)
        yield lo, min(hi, n)
        lo = min(hi, n)


def _group_pairs(path: Path, first_row: int, texts):
    """One row group's distinct (word, row) pairs, sorted by word then row, saved at `path` (word:
    the position in this group's sorted words; row: the events.parquet row); returns those words
    and each one's number of rows. "" (an empty text, two spaces in a row) is no word."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    n = len(texts)
    lists = pc.split_pattern(pc.fill_null(texts, ""), " ")
    per_row = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(pc.list_flatten(lists))
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    words = encoded.dictionary.take(order)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    keys = rank[encoded.indices.to_numpy()] * max(n, 1) + np.repeat(np.arange(n, dtype=np.int64), per_row)
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    word, row = keys // max(n, 1), keys % max(n, 1)
    if len(words) and words[0].as_py() == "":  # "" sorts first
        keep = word > 0
        word, row, words = word[keep] - 1, row[keep], words.slice(1)
    with open(path, "wb") as fh:
        np.savez(fh, word=word.astype(np.int32), row=(row + first_row).astype(np.int32))
    return words, np.bincount(word, minlength=len(words)).astype(np.int64)


def events_identity(path: Path) -> dict:
    """{rows, footer_sha256} of a Parquet file: its footer (schema, every row group's offsets, sizes
    and statistics) changes whenever its rows do."""
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        fh.seek(-8, 2)
        tail = fh.read(8)
        length = int.from_bytes(tail[:4], "little")
        fh.seek(-8 - length, 2)
        footer = fh.read(length)
    return {"rows": pq.ParquetFile(path).metadata.num_rows, "footer_sha256": hashlib.sha256(footer).hexdigest()}


class WordIndex:
    """The vocabulary of one stored import (in memory) and its postings file (read on demand)."""

    def __init__(self, words, counts: np.ndarray, postings_file, n_rows: int, max_postings: int = MAX_POSTINGS):
        self.n_rows = n_rows  # events.parquet's rows: every posting is below
        self.words = words  # pyarrow StringArray, in byte order
        self.counts = counts  # int64, postings per word
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._file = postings_file  # pyarrow.parquet.ParquetFile
        meta = postings_file.metadata
        self.group_starts = np.concatenate(
            [[0], np.cumsum([meta.row_group(i).num_rows for i in range(meta.num_row_groups)])]).astype(np.int64)
        self.max_postings = max_postings
        self._read_lock = threading.Lock()  # a ParquetFile is not documented as safe across threads

    @classmethod
    def open(cls, folder: Path | str, n_rows: int) -> Optional["WordIndex"]:
        folder = Path(folder)
        if not (folder / WORDS).exists() and not (folder / POSTINGS).exists():
            return None
        for name in (WORDS, POSTINGS):
            if not (folder / name).exists():
                raise IndexUnreadable(name, "missing (the other index file is there)")
        words, counts, tied = _read_words(folder / WORDS)
        try:
            here = events_identity(folder / "events.parquet")
        except Exception as exc:  # noqa: BLE001 (events.parquet's own faults are reported by the store)
            raise IndexUnreadable(WORDS, f"cannot check it against events.parquet: {_why(exc)}") from exc
        if tied != here or here["rows"] != n_rows:
            raise IndexUnreadable(WORDS, "written for another events.parquet (a copied or stale index)")
        postings = _open_postings(folder / POSTINGS)
        total = postings.metadata.num_rows
        if int(counts.sum()) != total:
            raise IndexUnreadable(POSTINGS, f"{total:,} rows, but {WORDS} counts {int(counts.sum()):,}")
        return cls(words, counts, postings, n_rows)

    def read_all(self) -> None:
        """Read every postings row group (raises IndexUnreadable naming the file): health --deep."""
        try:
            for i in range(self._file.metadata.num_row_groups):
                self._file.read_row_group(i, columns=["row"], use_threads=False)
        except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for damaged data)
            raise IndexUnreadable(POSTINGS, _why(exc)) from exc

    def matching_words(self, term: str) -> np.ndarray:
        """Positions of the words that contain `term` (a literal substring, bytes as they are)."""
        import pyarrow.compute as pc

        if not term or not len(self.words):
            return np.zeros(0, dtype=np.int64)
        hit = pc.match_substring(self.words, term)
        return np.flatnonzero(hit.to_numpy(zero_copy_only=False))

    def rows(self, term: str) -> Optional[np.ndarray]:
        """Sorted distinct events.parquet row numbers whose search_text holds `term`; None when
        the matching words have more than `max_postings` postings (a scan is cheaper then)."""
        hits = self.matching_words(term)
        if int(self.counts[hits].sum()) > self.max_postings:
            return None
        if not len(hits):
            return np.zeros(0, dtype=np.int64)
        lo, hi = self.starts[hits], self.starts[hits + 1]
        # The row groups that hold any of these ranges (a range may span several), each read once.
        first = np.searchsorted(self.group_starts, lo, side="right") - 1
        last = np.searchsorted(self.group_starts, hi - 1, side="right") - 1
        n_groups = len(self.group_starts) - 1
        cover = np.zeros(n_groups + 1, dtype=np.int64)
        np.add.at(cover, first, 1)
        np.add.at(cover, last + 1, -1)
        groups = np.flatnonzero(np.cumsum(cover[:-1]) > 0)
        with self._read_lock:
            values = self._file.read_row_groups(groups.tolist(), columns=["row"]).column("row").to_numpy()
        # Posting p (a position in the file) is values[p - shift[g]] for p in group g, as read.
        shift = np.zeros(n_groups, dtype=np.int64)
        sizes = self.group_starts[groups + 1] - self.group_starts[groups]
        shift[groups] = self.group_starts[groups] - (np.cumsum(sizes) - sizes)
        if len(hits) == 1:  # one word: its rows are ascending and distinct already
            a = int(lo[0] - shift[first[0]])
            rows = values[a: a + int(hi[0] - lo[0])].astype(np.int64)
            self._within(rows)
            return rows
        # Several words: every position of every range at once, then their union through a bitmap
        # of the rows (numpy's unique sorts, ~10x slower).
        lens = hi - lo
        out_start = np.cumsum(lens) - lens
        pos = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(lo - shift[first] - out_start, lens)
        rows = values[pos]
        self._within(rows)
        seen = np.zeros(self.n_rows, dtype=bool)
        seen[rows] = True
        return np.flatnonzero(seen).astype(np.int64)

    def _within(self, rows: np.ndarray) -> None:
        """Postings name rows of events.parquet only (a damaged file could name any number)."""
        if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= self.n_rows):
            raise IndexUnreadable(POSTINGS, f"names rows outside events.parquet's {self.n_rows:,}")


def _read_words(path: Path):
    """(words as a pyarrow string array, counts as int64, the events.parquet identity it was
    written for); IndexUnreadable naming the file for any fault."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        tied = json.loads((table.schema.metadata or {}).get(EVENTS_KEY, b"null"))
    except Exception as exc:  # noqa: BLE001 (any damage: named, not raised as pyarrow's own)
        raise IndexUnreadable(WORDS, _why(exc)) from exc
    types = {f.name: f.type for f in table.schema}
    if not (pa.types.is_string(types.get("word")) or pa.types.is_large_string(types.get("word"))) \
            or not pa.types.is_integer(types.get("n")):
        raise IndexUnreadable(WORDS, "not a word index (columns word: string and n: integer expected)")
    if not isinstance(tied, dict):
        raise IndexUnreadable(WORDS, "does not say which events.parquet it was written for")
    words = table.column("word").combine_chunks().cast(pa.string())
    counts = table.column("n").to_numpy().astype(np.int64)
    if words.null_count or (len(counts) and counts.min() < 1):
        raise IndexUnreadable(WORDS, "empty words or counts below 1")
    return words, counts, tied


def _open_postings(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        postings = pq.ParquetFile(path)
        field = postings.schema_arrow.field("row")
    except Exception as exc:  # noqa: BLE001
        raise IndexUnreadable(POSTINGS, _why(exc)) from exc
    if not pa.types.is_integer(field.type) or postings.schema_arrow.names != ["row"]:
        raise IndexUnreadable(POSTINGS, "not a postings file (one integer column, row, expected)")
    return postings


def _why(exc: BaseException) -> str:
    from .store import _reason

    return _reason(exc)
