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

Files, written by `build` into an import's folder before it is renamed into place:
    words.parquet     word (string, distinct, in DuckDB's byte order), n (int64: its rows); its
                      metadata ties it to one events.parquet (`EVENTS_KEY`: that file's row count
                      and the SHA-256 of its Parquet footer, which holds every row group's sizes
                      and statistics)
    postings.parquet  row (int32): for each word in that order, the events.parquet row numbers
                      (file_row_number, ascending) whose text holds it; word i's rows are rows
                      [sum(n[:i]), sum(n[:i + 1])) of this file
- `build(folder, con) -> int`: writes both files from ``folder/events.parquet`` with a DuckDB
  connection (the caller's memory limit and spill folder); returns the number of postings.
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


def build(folder: Path | str, con) -> int:
    """Write words.parquet and postings.parquet beside ``folder/events.parquet``."""
    folder = Path(folder)
    from .store import _sql_text

    events = _sql_text(str(folder / "events.parquet"))
    # One (word, row) pair per distinct word of a row; "" (an empty text, or two spaces) is no word.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _postings AS "
        "SELECT DISTINCT word, row FROM (SELECT unnest(string_split(search_text, ' ')) AS word, "
        f"CAST(file_row_number AS INTEGER) AS row FROM read_parquet({events}, file_row_number = true)) "
        "WHERE word <> ''")
    try:
        import pyarrow.parquet as pq

        # The vocabulary is small (a word per distinct piece of text): written by pyarrow, with the
        # metadata that ties it to this events.parquet.
        vocab = con.sql("SELECT word, count(*) AS n FROM _postings GROUP BY word ORDER BY word").to_arrow_table()
        vocab = vocab.replace_schema_metadata({EVENTS_KEY: json.dumps(events_identity(folder / "events.parquet"))})
        pq.write_table(vocab, folder / WORDS, compression="zstd")
        con.execute(f"COPY (SELECT row FROM _postings ORDER BY word, row) TO {_sql_text(str(folder / POSTINGS))} "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {POSTINGS_GROUP})")
        return int(con.execute("SELECT count(*) FROM _postings").fetchone()[0])
    finally:
        con.execute("DROP TABLE IF EXISTS _postings")


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
        self.words = words  # pyarrow StringArray, DuckDB's byte order
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
