"""Imported datasets on disk: one folder each, under the data folder the app scans.

    events/data/imported/<slug>/      (or $CONFLICT_MAP_DATA/<slug>/)
        dataset.json     name, kind, source file, imported_at, counts, the import report
        events.parquet   the Dataset's frames (contract columns, ARCHITECTURE.md)
        claims.parquet
        roles.parquet
        actors.parquet
        words.parquet    the word index of events.parquet's search_text (events.wordindex)
        postings.parquet

Tuple columns (participants, via, excerpts, aliases) are Arrow list<string> columns; `extra`
(a dict per event) is one string column per key ("extra.<key>"). `status_derived` is a string
column (datasets stored when it was a boolean load with the status string in its place).
`save_dataset` (and `DatasetWriter`, which a streamed import feeds a chunk at a time) writes to
a temporary folder and renames it into place, so a half-written dataset is never listed. The events are written sorted by start date (undated last, ties in the
dataset's order) in row groups of ROW_GROUP rows, each with min/max statistics: the query
engine (events.engine, DuckDB) then skips whole row groups outside a date filter.

- `data_folder() -> Path`: $CONFLICT_MAP_DATA if set, else events/data/imported/.
- `save_dataset(ds, folder=None, report=None, source_file=None, slug=None) -> Path`.
- `DatasetWriter(folder, slug)`: `add(chunk)` per chunk, then `finish(name, kind, report, source_file)`
  or `abort()` (see the class).
- `list_datasets(folder=None) -> list[StoredDataset]` (sorted by name; broken folders left out).
- `scan_datasets(folder=None) -> (list[StoredDataset], list[BrokenDataset])`: the same, plus every
  folder that cannot be listed and why (missing file, nonsense dataset.json), so the app and
  `python -m events health` can say so instead of hiding it. A dataset whose folder vanished
  between the two renames of a re-import (the process killed there) is listed from its previous
  version (`.<slug>-old-*`).
- `check_dataset(path, deep=False) -> list[str]`: what is wrong with a stored dataset, each naming
  its file (cheap: dataset.json, the Parquet footers and columns; `deep` reads every column).
- `load_dataset(path) -> Dataset` (a folder from list_datasets or save_dataset), with the filter
  index built on first use. Raises `Unreadable` naming the file on any fault.
- `open_dataset(path) -> Dataset`: the app's way: a `LazyDataset` served by its query engine
  (events.engine over the Parquet files); its events/claims/roles frames are never built (asking
  for one raises `FramesNotLoaded`). `frame_from_arrow(table, columns)` turns the rows a query
  returns into the contract's frames.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from .dataset import ACTOR_COLUMNS, ADMIN_COLUMNS, DATASET_KINDS, CLAIM_COLUMNS, EVENT_COLUMNS, ROLE_COLUMNS, Dataset, add_admin_columns

log = logging.getLogger(__name__)

ENV = "CONFLICT_MAP_DATA"
DEFAULT_FOLDER = Path(__file__).resolve().parent / "data" / "imported"
META = "dataset.json"
FRAMES = {"events": EVENT_COLUMNS, "claims": CLAIM_COLUMNS, "roles": ROLE_COLUMNS, "actors": ACTOR_COLUMNS}
LIST_COLUMNS = ("participants", "via", "excerpts", "aliases")
JSON_COLUMNS = ("extra",)
EXTRA_PREFIX = "extra."
FORMAT_VERSION = 1
ROW_GROUP = 64_000  # events per Parquet row group
# events.parquet is compressed with snappy, the others with zstd. Why: the engine scans events.parquet
# on every page (a text search reads the whole search_text column), and snappy decodes faster: at
# 1,000,000 events a first search 0.21 -> 0.14 s, the map's counts and grid ~15 % faster, for a file
# 1.5 times larger (73 -> 110 MB). Claims and roles are read by id, a few rows at a time.
EVENTS_COMPRESSION = "snappy"


def data_folder() -> Path:
    d = os.environ.get(ENV, "").strip()
    return Path(d).expanduser().resolve() if d else DEFAULT_FOLDER


def slugify(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s[:60] or "dataset"


@dataclass
class StoredDataset:
    slug: str  # folder name, the `dataset=` URL value
    path: Path
    name: str
    kind: str
    source_file: str = ""
    imported_at: str = ""
    events: int = 0
    rows_skipped: int = 0
    meta: dict = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        from .importers import FORMAT_LABELS

        return f"{self.name} ({FORMAT_LABELS.get(self.kind, self.kind.upper())}, {self.events:,} events)"


# --------------------------------------------------------------------------- writing

def _arrow_table(df: pd.DataFrame, columns):
    import pyarrow as pa

    arrays, names = [], []
    for c in columns:
        s = df[c] if c in df else None
        if c in LIST_COLUMNS:
            arr = _list_array(s)
        elif c in JSON_COLUMNS and c not in df:  # a streamed chunk: already "extra.<key>" columns
            for k in df.columns:
                if str(k).startswith(EXTRA_PREFIX):
                    arrays.append(_str_array(df[k]))
                    names.append(k)
            continue
        elif c in JSON_COLUMNS:
            # One string column per key ("extra.<key>", "" where absent): dictionary-encoded by
            # Parquet, so repeated values (event types, regions...) cost almost nothing.
            dicts = s.tolist()
            keys = list(dict.fromkeys(k for d in dicts if d for k in d))
            for k in keys:
                arrays.append(pa.array([(d.get(k, "") if d else "") for d in dicts], type=pa.string()))
                names.append(EXTRA_PREFIX + str(k))
            continue
        elif c in ("date_start", "date_end"):
            arr = pa.array(pd.to_datetime(s).astype("datetime64[us]").to_numpy(), type=pa.timestamp("us"))
        elif c in ("lat", "lon", "radius_km", "fatalities_best"):
            arr = pa.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan), type=pa.float64(),
                           from_pandas=True)
        elif c == "precision":
            arr = pa.array(pd.to_numeric(s, errors="coerce").astype("Int64").to_numpy(dtype=object, na_value=None),
                           type=pa.int64())
        elif c == "n_claims":
            arr = pa.array(s.to_numpy(dtype="int64"), type=pa.int64())
        else:
            arr = _str_array(s)
        arrays.append(arr)
        names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


def _list_array(s: pd.Series):
    """Tuples of strings (or an Arrow list column already) as Arrow list<string>: the offsets and
    the flat values, not a list per row."""
    import pyarrow as pa

    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_list(s.dtype.pyarrow_dtype):
        arr = pa.chunked_array(pa.array(s.array))
        return arr.cast(pa.list_(pa.string())) if arr.type != pa.list_(pa.string()) else arr
    from .importers.assemble import flatten_tuples

    vals = pd.Series([tuple(v) if isinstance(v, (tuple, list)) else () for v in s.tolist()], dtype=object)
    lens, flat = flatten_tuples(vals)
    offsets = np.zeros(len(vals) + 1, dtype=np.int32)
    np.cumsum(lens, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pa.array(flat, type=pa.string()))


def _str_array(s: pd.Series):
    """A text column as Arrow strings ("" for missing); Arrow-backed columns without a copy per value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = pa.chunked_array(pa.array(s.array)).cast(pa.string())
        return pc.fill_null(arr, "") if arr.null_count else arr
    return pa.array(s.fillna("").astype(str).to_numpy(dtype=object), type=pa.string())


def sorted_by_date(events: pd.DataFrame) -> pd.DataFrame:
    """The events in the order they are stored: by start date, undated last, ties kept in order."""
    if not len(events) or events["date_start"].is_monotonic_increasing and events["date_start"].notna().all():
        return events
    start = events["date_start"].to_numpy(dtype="datetime64[us]")
    order = np.argsort(start.astype("int64"), kind="stable")  # NaT is int64's minimum: first ...
    nat = np.isnat(start)
    if nat.any():  # ... and goes last instead
        order = np.concatenate([order[~nat[order]], np.flatnonzero(nat)])
    return events.iloc[order].reset_index(drop=True)


def save_dataset(ds: Dataset, folder: Optional[Path | str] = None, report=None,
                 source_file: Optional[str] = None, slug: Optional[str] = None) -> Path:
    """Write `ds` as <folder>/<slug>/ (replacing an earlier import of the same slug)."""
    writer = DatasetWriter(folder, slug or slugify(ds.name))
    writer.add(ds)
    writer.actors = ds.actors
    return writer.finish(ds.name, ds.kind, report=report, source_file=source_file, updated=ds.updated)


class WriteFailed(OSError):
    """Writing a dataset failed (full disk, read-only folder): the OSError, with its errno, raised
    by a caller that must tell it apart from failing to read its input."""

    def __init__(self, exc: OSError):
        super().__init__(exc.errno, exc.strerror or str(exc))
        self.__cause__ = exc


class DatasetWriter:
    """An imported dataset written a chunk at a time (``add(dataset)`` per chunk of a streamed
    import, or once), then ``finish()``: everything goes to a hidden temporary folder
    (``.<slug>-*``, never listed) that is renamed into place at the end, so a half-written
    dataset is never listed; on any error (a full disk) the temporary folder is removed.

    A lone chunk is written by ``finish`` as the dataset's files (events sorted by date); with
    several, each is written as a part, its events sorted by date (events.partsort), and
    ``finish`` merges them: events sorted by start date (ties in the file's order, undated last)
    in ROW_GROUP-row groups, claims and roles in the file's order. The word index of the events
    (events.wordindex) is built from the row groups as they are written, on worker threads."""

    def __init__(self, folder: Optional[Path | str] = None, slug: str = "dataset"):
        from .partsort import Parts

        self.folder = Path(folder) if folder is not None else data_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.slug = slug
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=self.folder))
        self.parts = Parts(self.tmp)
        self.counts = {"events": 0, "claims": 0, "roles": 0}
        self.extra_keys: dict[str, None] = {}  # "extra.<key>" in order of first appearance
        self.actors: Optional[pd.DataFrame] = None
        self._held: Optional[dict] = None

    def add(self, ds: Dataset) -> None:
        """One chunk. The first is held in memory (as Arrow tables): if it stays the only one,
        finish() writes it as the dataset's files; a second chunk writes both as parts."""
        try:
            tables = {}
            for frame in ("events", "claims", "roles"):
                tables[frame] = _arrow_table(getattr(ds, frame), FRAMES[frame])
                self.counts[frame] += len(tables[frame])
            self.extra_keys.update((n, None) for n in tables["events"].column_names if n.startswith(EXTRA_PREFIX))
            if self._held is None and not len(self.parts):
                self._held = tables
            else:
                if self._held is not None:
                    self.parts.add(self._held)
                    self._held = None
                self.parts.add(tables)
        except BaseException:
            self.abort()
            raise

    def _event_columns(self) -> list[str]:
        return [c for c in EVENT_COLUMNS if c not in JSON_COLUMNS] + list(self.extra_keys)

    def _write_one(self, tables: dict) -> None:
        """The only chunk: its events sorted by date, each frame written as the dataset's file."""
        import pyarrow.parquet as pq
        from .partsort import date_order

        events = tables["events"]
        events = events.take(date_order(events.column("date_start"))).select(self._event_columns())
        self._write_events(events.schema, (events.slice(lo, ROW_GROUP) for lo in range(0, len(events), ROW_GROUP)))
        for frame in ("claims", "roles"):
            pq.write_table(tables[frame], self.tmp / f"{frame}.parquet", row_group_size=ROW_GROUP,
                           write_statistics=True, compression="zstd")

    def _combine(self) -> None:
        """The parts -> events.parquet (merged by date), claims.parquet, roles.parquet."""
        import pyarrow.parquet as pq

        columns = self._event_columns()
        self._write_events(self.parts.schema(columns), self.parts.merged_events(columns, ROW_GROUP))
        for frame in ("claims", "roles"):
            with pq.ParquetWriter(self.tmp / f"{frame}.parquet", self.parts.frame_schema(frame), compression="zstd",
                                  write_statistics=True) as writer:
                for table in self.parts.concatenated(frame):
                    writer.write_table(table, row_group_size=ROW_GROUP)
        self.parts.remove()

    def _write_events(self, schema, groups) -> None:
        """events.parquet (of `schema`) from `groups`, a generator of tables of ROW_GROUP events in
        order (the last shorter; none for no events), and the word index of their search_text beside
        it. On any failure the generator, the file and the index's workers are all closed."""
        import pyarrow.parquet as pq
        from . import wordindex

        index = wordindex.Builder(self.tmp / "wordindex-spill")
        try:
            with pq.ParquetWriter(self.tmp / "events.parquet", schema, compression=EVENTS_COMPRESSION,
                                  write_statistics=True) as writer, closing(groups):
                first = 0
                for group in groups:
                    writer.write_table(group, row_group_size=ROW_GROUP)
                    index.add(first, group.column("search_text"))
                    first += len(group)
            index.write(self.tmp)
        finally:
            index.close()

    def abort(self) -> None:
        self._held = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def finish(self, name: str, kind: str, report=None, source_file: Optional[str] = None,
               updated: Optional[dt.datetime] = None) -> Path:
        import pyarrow.parquet as pq

        try:
            if self._held is not None:
                self._write_one(self._held)
                self._held = None
            elif not len(self.parts):
                raise ValueError("DatasetWriter.finish: no chunk was added")
            else:
                self._combine()
            actors = self.actors if self.actors is not None else pd.DataFrame({c: [] for c in ACTOR_COLUMNS})
            pq.write_table(_arrow_table(actors, FRAMES["actors"]), self.tmp / "actors.parquet", compression="zstd",
                           row_group_size=ROW_GROUP, write_statistics=True)
            meta = {
                "format_version": FORMAT_VERSION,
                "events_sorted_by": "date_start",
                "name": name,
                "kind": kind,
                "source_file": source_file or (report.source if report is not None else ""),
                "imported_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                "updated": updated.isoformat() if updated else None,
                "counts": {"events": self.counts["events"], "claims": self.counts["claims"],
                           "actors": int(len(actors)), "roles": self.counts["roles"]},
                "report": report.to_dict() if report is not None else None,
            }
            (self.tmp / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
            final = self.folder / self.slug
            if final.exists():
                old = self.folder / f".{self.slug}-old-{os.getpid()}"
                final.rename(old)
                self.tmp.rename(final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                self.tmp.rename(final)
            log.info("dataset %r imported: %d events written to %s", name, self.counts["events"], final)
            return final
        except BaseException:
            self.abort()
            raise


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# --------------------------------------------------------------------------- reading

class Unreadable(Exception):
    """A stored dataset that cannot be read; the message names the folder and the file."""

    def __init__(self, path: Path | str, file: str, reason: str) -> None:
        self.path, self.file, self.reason = Path(path), file, reason
        super().__init__(f"{Path(path).name}/{file}: {reason}")


@dataclass
class BrokenDataset:
    slug: str
    path: Path
    problem: str  # one line, naming the file


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def read_meta(path: Path | str) -> dict:
    """dataset.json as a dict; raises Unreadable if it is missing, not JSON or not an object."""
    path = Path(path)
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unreadable(path, META, "missing") from None
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Unreadable(path, META, f"not readable JSON ({_reason(exc)})") from None
    if not isinstance(meta, dict):
        raise Unreadable(path, META, f"not a JSON object (a {type(meta).__name__})")
    return meta


def _stored(p: Path, meta: dict) -> StoredDataset:
    """The listing entry; raises Unreadable when dataset.json's fields are nonsense."""
    missing = [f"{f}.parquet" for f in FRAMES if not (p / f"{f}.parquet").is_file()]
    if missing:
        raise Unreadable(p, missing[0], "missing" + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""))
    try:
        report = meta.get("report") or {}
        counts = meta.get("counts") or {}
        if not isinstance(report, dict) or not isinstance(counts, dict):
            raise ValueError("'report' and 'counts' must be objects")
        kind = str(meta.get("kind") or "")
        if kind not in DATASET_KINDS:
            raise ValueError(f"unknown kind {kind[:40]!r}")
        return StoredDataset(
            slug=p.name, path=p, name=str(meta.get("name") or p.name), kind=kind,
            source_file=str(meta.get("source_file") or ""), imported_at=str(meta.get("imported_at") or ""),
            events=int(counts.get("events", 0)), rows_skipped=int(report.get("rows_skipped", 0)), meta=meta,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise Unreadable(p, META, f"nonsense ({_reason(exc)})") from None


def _previous_versions(folder: Path) -> dict[str, Path]:
    """slug -> `.<slug>-old-<pid>`: what save_dataset moved aside before renaming the new version
    in; only ever seen alone when the import was killed between those two renames."""
    out: dict[str, Path] = {}
    for p in folder.glob(".*-old-*"):
        m = re.fullmatch(r"\.(.+)-old-\d+", p.name)
        if m and p.is_dir():
            out.setdefault(m.group(1), p)
    return out


def scan_datasets(folder: Optional[Path | str] = None) -> tuple[list[StoredDataset], list[BrokenDataset]]:
    folder = Path(folder) if folder is not None else data_folder()
    good: list[StoredDataset] = []
    broken: list[BrokenDataset] = []
    if not folder.is_dir():
        return good, broken
    found = {p.name: p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir()}
    for slug, old in _previous_versions(folder).items():
        if slug not in found:
            found[slug] = old
    for slug, p in sorted(found.items()):
        try:
            d = _stored(p, read_meta(p))
            d.slug = slug
            good.append(d)
        except Unreadable as exc:
            broken.append(BrokenDataset(slug=slug, path=p, problem=f"{slug}/{exc.file}: {exc.reason}"))
    return sorted(good, key=lambda d: (d.name.lower(), d.slug)), broken


def list_datasets(folder: Optional[Path | str] = None) -> list[StoredDataset]:
    return scan_datasets(folder)[0]


def check_dataset(path: Path | str, deep: bool = False) -> list[str]:
    """What is wrong with the stored dataset at `path` (empty: nothing found), each naming its file.
    Reads dataset.json, each Parquet footer and its columns, and compares the row counts with
    dataset.json's; `deep` also reads every column (finds damage inside the data pages)."""
    path = Path(path)
    return [f"{path.name}/{file}: {reason}" for file, reason in _faults(path, deep)]


def require_readable(path: Path | str, deep: bool = False) -> None:
    """Raise Unreadable naming the first fault check_dataset finds."""
    path = Path(path)
    for file, reason in _faults(path, deep):
        raise Unreadable(path, file, reason)


def _faults(path: Path, deep: bool) -> list[tuple[str, str]]:
    import pyarrow.parquet as pq

    try:
        meta = read_meta(path)
        _stored(path, meta)
    except Unreadable as exc:
        return [(exc.file, exc.reason)]
    out: list[tuple[str, str]] = []
    counts = meta.get("counts") or {}
    for frame, cols in FRAMES.items():
        f = path / f"{frame}.parquet"
        try:
            pf = pq.ParquetFile(f)
            names = set(pf.schema_arrow.names)
            # (admin 2-3 missing: a folder stored before they existed, located again when read)
            lacking = [c for c in cols if c not in names and c not in JSON_COLUMNS
                       and not (c in ADMIN_COLUMNS and c != "admin1")]
            if lacking:
                out.append((f.name, f"columns missing: {', '.join(lacking)}"))
                continue
            rows = pf.metadata.num_rows
            if frame in counts and int(counts[frame]) != rows:
                out.append((f.name, f"{rows:,} rows, dataset.json says {int(counts[frame]):,}"))
            if deep:
                for i in range(pf.num_row_groups):
                    pf.read_row_group(i, use_threads=False)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
            out.append((f.name, _reason(exc)))
    return out


def _read_frame(path: Path, columns) -> pd.DataFrame:
    """Read one frame column by column (low peak memory: each Arrow column is converted and
    dropped before the next is read)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, memory_map=True, pre_buffer=False)
    return _frame_of(lambda c: pf.read(columns=[c], use_threads=False).column(0), pf.schema_arrow.names,
                     pf.metadata.num_rows, columns)


def frame_from_arrow(table, columns) -> pd.DataFrame:
    """Rows the query engine fetched (an Arrow table with stored column names: ``extra.<key>``
    columns, list columns) as a frame with the contract's columns and dtypes, like load_dataset's.
    Columns of `columns` absent from `table` are left out."""
    names = table.column_names
    wanted = [c for c in columns if c in names or c in JSON_COLUMNS]
    return _frame_of(lambda c: table.column(c), names, table.num_rows, wanted, locate=False)


def _frame_of(read, names, n: int, columns, locate: bool = True) -> pd.DataFrame:
    """The contract frame from stored columns, `read(name)` giving each as an Arrow array."""
    import pyarrow as pa

    data = {}
    for c in columns:
        if c in JSON_COLUMNS:
            keys = [k for k in names if k.startswith(EXTRA_PREFIX)]
            data[c] = pd.Series(_dicts(read, keys, n), dtype=object)
            continue
        if c not in names:
            continue  # stored before admin 2-3 existed (located again below), or not fetched
        col = read(c)
        if c in LIST_COLUMNS:
            data[c] = pd.Series(_tuples(col), dtype=object)
        elif c in ("date_start", "date_end"):
            data[c] = pd.Series(col.to_numpy(), dtype="datetime64[us]")
        elif c == "precision":
            data[c] = pd.Series(col.to_pandas(), dtype="Int64")
        elif c in ("lat", "lon", "radius_km", "fatalities_best"):
            data[c] = pd.Series(col.to_numpy(zero_copy_only=False), dtype="float64")
        elif c == "n_claims":
            data[c] = pd.Series(col.to_numpy(zero_copy_only=False), dtype="int64")
        elif c == "status_derived" and pa.types.is_boolean(col.type):
            data[c] = _legacy_status_derived(col, data.get("status"))
        else:
            data[c] = col.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=np.nan)).fillna("").astype("str")
        del col
    frame = pd.DataFrame(data, columns=[c for c in columns if c in data])
    if locate and any(c in columns and c not in data for c in ADMIN_COLUMNS):
        # A dataset stored before the admin columns: point-in-polygon now, as an import would.
        frame = add_admin_columns(frame)[list(columns)]
    return frame


def _legacy_status_derived(col, status: Optional[pd.Series]) -> pd.Series:
    """Datasets stored before status_derived held the derived status string had a boolean
    (always True: an import's status is the derived one). True -> the row's status, else ""."""
    flags = col.to_numpy(zero_copy_only=False)
    flags = np.asarray(pd.Series(flags, dtype=object).fillna(False), dtype=bool)
    if status is None:
        status = pd.Series([""] * len(flags), dtype="str")
    return status.where(flags, "").astype("str")


def _dicts(read, keys: list[str], n: int) -> list[dict]:
    """The `extra` dicts from their per-key columns; repeated values share one str object."""
    if not keys:
        return [{} for _ in range(n)]
    names = [k[len(EXTRA_PREFIX):] for k in keys]
    cols = []
    for name in keys:
        col = read(name)
        codes, uniq = pd.factorize(pd.Series(col.to_numpy(zero_copy_only=False), dtype=object))
        del col
        table = np.empty(len(uniq), dtype=object)
        table[:] = uniq.tolist()
        cols.append(table[codes].tolist() if len(uniq) else [""] * n)
    return [{k: v for k, v in zip(names, row) if v != ""} for row in zip(*cols)]


def _tuples(col) -> list[tuple]:
    """list<string> column -> tuples, sharing one tuple object per distinct value."""
    cache: dict = {}
    out = []
    for v in col.to_pylist():
        t = tuple(v) if v else ()
        out.append(cache.setdefault(t, t))
    return out


_ALLOCATOR_SET = []


def use_system_allocator() -> None:
    """Arrow's default allocator (mimalloc in the pip wheels) keeps freed pages; reading a
    100,000-event dataset then leaves ~50 MB more resident. The system allocator returns them.
    Called once, on the first load (process-wide, harmless for everything else)."""
    if _ALLOCATOR_SET:
        return
    _ALLOCATOR_SET.append(True)
    try:
        import pyarrow as pa

        if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
            return  # the operator chose
        pa.set_memory_pool(pa.system_memory_pool())
    except Exception:  # pragma: no cover - best effort
        pass


def load_dataset(path: Path | str) -> Dataset:
    """Read a stored dataset folder back into a Dataset (same frames, columns and dtypes)."""
    use_system_allocator()

    from .importers.assemble import skipped_problems
    from .importers import ImportReport

    path = Path(path)
    try:
        meta = read_meta(path)
        _stored(path, meta)
        frames = {}
        for f, cols in FRAMES.items():
            try:
                frames[f] = _read_frame(path / f"{f}.parquet", cols)
            except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
                raise Unreadable(path, f"{f}.parquet", _reason(exc)) from exc
        try:
            report = ImportReport.from_dict(meta["report"]) if meta.get("report") else None
            updated = dt.datetime.fromisoformat(meta["updated"]) if meta.get("updated") else None
        except Exception as exc:  # noqa: BLE001
            raise Unreadable(path, META, f"nonsense ({_reason(exc)})") from exc
    except Unreadable as exc:
        log.error("cannot read the imported dataset in %s: %s", path, exc)
        raise
    ds = Dataset(
        name=str(meta.get("name") or path.name), kind=meta.get("kind") or "acled", updated=updated,
        problems=skipped_problems(report.source, report.skipped) if report else [],
        sources={}, **frames,
    )
    # No pandas filter index here: the app filters with the query engine (events.engine), and
    # apply_filters (the reference the tests compare the engine with) builds its index on first use.
    return ds


class FramesNotLoaded(RuntimeError):
    """A whole frame of a stored import was asked for: the app serves stored imports from the
    query engine alone (events.engine), never from pandas frames of the whole dataset."""


class LazyDataset(Dataset):
    """A stored import served by its query engine (events.engine.Engine.from_parquet, attached):
    name, kind, metadata, problems and the (small) actors frame are read up front; the events,
    claims and roles frames are never built. Asking for one raises FramesNotLoaded, so code that
    would silently load a million rows fails in the tests instead; `event(id)` and `claims_of(id)`
    are engine queries, and `load()` reads the whole Dataset when a caller really wants it (the
    CLI export, tests)."""

    def __init__(self, path: Path, meta: dict):
        from .engine import Engine, attach
        from .importers import ImportReport
        from .importers.assemble import skipped_problems

        try:
            report = ImportReport.from_dict(meta["report"]) if meta.get("report") else None
            updated = dt.datetime.fromisoformat(meta["updated"]) if meta.get("updated") else None
        except Exception as exc:  # noqa: BLE001
            raise Unreadable(path, META, f"nonsense ({_reason(exc)})") from exc
        self.path = Path(path)
        self.name = str(meta.get("name") or path.name)
        self.kind = meta.get("kind") or "acled"
        self.updated = updated
        self.problems = skipped_problems(report.source, report.skipped) if report else []
        self.sources = {}
        self.records = {}
        self._registry = []
        self._cache = {}
        try:
            self.actors = _read_frame(path / "actors.parquet", FRAMES["actors"])
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
            raise Unreadable(path, "actors.parquet", _reason(exc)) from exc
        self.engine = attach(self, Engine.from_parquet(path))

    def _refuse(self, frame: str):
        raise FramesNotLoaded(f"{self.path.name}: the whole {frame} frame of a stored import is never loaded "
                              f"by the app; ask its engine (events.engine) for the rows needed, or load()")

    events = property(lambda self: self._refuse("events"))
    claims = property(lambda self: self._refuse("claims"))
    roles = property(lambda self: self._refuse("roles"))

    def event(self, event_id: str) -> Optional[pd.Series]:
        return self.engine.event(event_id)

    def claims_of(self, event_id: str) -> pd.DataFrame:
        return self.engine.claims_of([event_id])

    def load(self) -> Dataset:
        """The whole Dataset in memory (load_dataset)."""
        return load_dataset(self.path)

    def __reduce__(self):  # a copy opens the same folder (its own engine)
        return (open_dataset, (self.path,))


def _legacy(path: Path) -> bool:
    """Stored before a contract column existed (admin 2-3): those are computed at load, so the
    folder is read whole (load_dataset) rather than served from the Parquet as it is."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path / "events.parquet").names)
    except Exception as exc:  # noqa: BLE001
        raise Unreadable(path, "events.parquet", _reason(exc)) from exc
    return any(c not in names for c in EVENT_COLUMNS if c not in JSON_COLUMNS)


def open_dataset(path: Path | str) -> Dataset:
    """A stored dataset folder as a LazyDataset served by its query engine (the app's way); a
    folder stored before the admin 2-3 columns is read whole instead. Raises Unreadable naming
    the file when the metadata, actors or events footer cannot be read; damage inside the data
    pages surfaces (as Unreadable) when a query reads them, or up front with check_dataset(deep=True)."""
    use_system_allocator()
    path = Path(path)
    meta = read_meta(path)
    _stored(path, meta)
    if _legacy(path):
        log.info("dataset in %s was stored before the admin 2-3 columns: read whole to locate them", path)
        return load_dataset(path)
    return LazyDataset(path, meta)


def load_report(path: Path | str):
    """The ImportReport stored with a dataset (None if it was saved without one)."""
    from .importers import ImportReport

    meta = read_meta(path)
    try:
        return ImportReport.from_dict(meta["report"]) if meta.get("report") else None
    except Exception as exc:  # noqa: BLE001
        raise Unreadable(path, META, f"nonsense report ({_reason(exc)})") from exc
