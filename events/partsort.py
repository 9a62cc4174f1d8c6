"""The parts of a streamed import, each sorted by date when written, merged into the dataset's
date order a row group at a time.

Why not DuckDB's ``COPY ... ORDER BY date_start`` over the parts (what this replaced): it sorts
every column of every row: at 1,000,000 rows with long notes, 30-36 s of a 90-111 s import.
Each chunk is in memory when it is written, so it is sorted then (stable: ties keep the file's
order) at little cost. The dataset's order is then a merge of sorted runs, computed from the dates
alone; an output row group takes a contiguous stretch of each part, so every part is read once,
front to back, and only a few batches of each are in memory at a time.

Parts are Arrow IPC files (LZ4): written and read several times faster than Parquet, and read
only once more, here.

- `date_order(dates) -> numpy indices`: the stable order by date, undated (null) last.
- `Parts(folder)`: `add(tables)` writes one chunk's frames ({"events", "claims", "roles"}: Arrow
  tables), its events sorted; `merged_events(columns, rows)` yields the events of every part in
  the dataset's order, `rows` at a time, with `columns` in that order (an "extra." column a part
  does not have is "" there); `concatenated(frame)` yields a frame's parts in the file's order,
  with `frame_schema(frame)`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

# Rows per record batch of a part: what the merge reads at a time from each part, and so about what
# it holds of each between row groups. Measured at 2,500,000 rows with long notes (25 parts): 8,192
# peaked at 1.82 GB, 2,048 at 1.49 GB, and the merge was no slower (31.7 against 35.5 s).
IPC_BATCH = 2_048


def date_order(dates) -> np.ndarray:
    """Indices that sort `dates` (a pyarrow timestamp array) by date, stably, nulls last."""
    values = dates.to_numpy(zero_copy_only=False)  # datetime64, NaT where null
    return np.argsort(values, kind="stable")  # numpy sorts NaT after every date


class Parts:
    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.dates: list[np.ndarray] = []  # each part's event dates, in its (sorted) order
        self.columns: dict[str, object] = {}  # every events column seen -> its Arrow type

    def __len__(self) -> int:
        return len(self.dates)

    def schema(self, columns: list[str]):
        """The merged events' schema: `columns`, each of the type it has in the first part with it."""
        import pyarrow as pa

        return pa.schema([(c, self.columns[c]) for c in columns])

    def path(self, i: int, frame: str) -> Path:
        return self.folder / f"{i:05d}.{frame}.arrow"

    def add(self, tables: dict) -> None:
        import pyarrow as pa

        i = len(self.dates)
        events = tables["events"]
        events = events.take(date_order(events.column("date_start")))
        for f in events.schema:
            self.columns.setdefault(f.name, f.type)
        for frame, table in (("events", events), ("claims", tables["claims"]), ("roles", tables["roles"])):
            options = pa.ipc.IpcWriteOptions(compression="lz4")
            with pa.OSFile(str(self.path(i, frame)), "wb") as sink, \
                    pa.ipc.new_file(sink, table.schema, options=options) as writer:
                writer.write_table(table, max_chunksize=IPC_BATCH)
        self.dates.append(events.column("date_start").to_numpy(zero_copy_only=False))

    def merged_events(self, columns: list[str], rows: int) -> Iterator:
        """Tables of `rows` events (the last one shorter), in the dataset's order: by date, ties
        in the file's order (part, then row), undated last."""
        import pyarrow as pa

        if not self.dates:
            return
        schema = self.schema(columns)
        dates = np.concatenate(self.dates)
        part_of = np.repeat(np.arange(len(self.dates), dtype=np.int32), [len(d) for d in self.dates])
        # Stable: equal dates stay in part order, and within a part in the file's order.
        order = np.argsort(dates, kind="stable")
        runs = [_Run(self.path(i, "events")) for i in range(len(self.dates))]
        try:
            for lo in range(0, len(order), rows):
                take = order[lo:lo + rows]
                # From each part this group takes the next len(...) rows of its sorted run: their
                # concatenation in part order is `take` sorted, so each row's place in it is its rank.
                counts = np.bincount(part_of[take], minlength=len(runs))
                pieces = [_conform(runs[i].next(int(c)), schema) for i, c in enumerate(counts) if c]
                group = pa.concat_tables(pieces)
                rank = np.searchsorted(np.sort(take), take)
                yield group.take(rank)
        finally:
            for r in runs:
                r.close()

    def frame_schema(self, frame: str):
        """The schema of the first part's `frame` table (claims or roles: the same in every part)."""
        import pyarrow as pa

        with pa.OSFile(str(self.path(0, frame))) as src:
            return pa.ipc.open_file(src).schema

    def concatenated(self, frame: str) -> Iterator:
        """Each part's `frame` table, in the file's order, cast to the first part's schema."""
        import pyarrow as pa

        schema = self.frame_schema(frame)
        for i in range(len(self.dates)):
            with pa.OSFile(str(self.path(i, frame))) as src:
                table = pa.ipc.open_file(src).read_all()
            yield table if table.schema == schema else table.select(schema.names).cast(schema)

    def remove(self) -> None:
        for i in range(len(self.dates)):
            for frame in ("events", "claims", "roles"):
                self.path(i, frame).unlink(missing_ok=True)


class _Run:
    """One sorted part, read front to back a record batch at a time."""

    def __init__(self, path: Path):
        import pyarrow as pa

        self._file = pa.OSFile(str(path))
        self._reader = pa.ipc.open_file(self._file)
        self._next = 0  # the next record batch to read
        self._held: list = []  # read, not yet taken
        self._held_rows = 0

    def next(self, n: int):
        import pyarrow as pa

        while self._held_rows < n:
            batch = self._reader.get_batch(self._next)
            self._next += 1
            self._held.append(batch)
            self._held_rows += batch.num_rows
        table = pa.Table.from_batches(self._held)
        out, rest = table.slice(0, n), table.slice(n)
        self._held, self._held_rows = rest.to_batches(), rest.num_rows
        return out

    def close(self) -> None:
        self._file.close()


def _conform(table, schema):
    """`table` with `schema`'s columns in order; a text column it lacks (an "extra." key first
    seen in another part) is "" in every row."""
    import pyarrow as pa

    if table.schema.names == schema.names and table.schema == schema:
        return table
    arrays = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            arrays.append(col if col.type == f.type else col.cast(f.type))
        else:
            arrays.append(pa.repeat(pa.scalar("", f.type), len(table)))
    return pa.Table.from_arrays(arrays, schema=schema)
