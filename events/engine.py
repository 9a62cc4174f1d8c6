"""The query engine: DuckDB over one Dataset's events and roles, one per dataset per process.

Why: a session must not hold its own copy of a dataset, and a rerun must not walk full pandas
frames. The app opens one `Engine` per dataset (pages/ui/datasets.py, ``st.cache_resource``)
and every session asks it questions with its own `Filters`: counts, the rows of one table page,
the events inside a map view, grid aggregates, histograms, export batches. All answers are small
(bounded by a page, a view or a cell count) except `batches`, which yields bounded chunks.

Two ways in, the same tables with the stored layout (events.store: list columns, ``extra.<key>``
columns): ``events`` with a ``_row`` column (the dataset's row order), ``claims`` and ``roles``
(each with ``_crow``, their row order):
- `Engine.from_parquet(folder)`: views over a stored import's Parquet files (events.store); the
  data stays in the files (DuckDB reads the columns a query needs, its own cache aside). A stored
  import is served by this alone: no pandas frame of the whole dataset is ever built for it.
- `Engine.from_dataset(ds)`: an in-memory Dataset (the curated events, a session's upload)
  copied into DuckDB tables, so pages ask both kinds the same questions.

Rows leave the engine as frames with the contract's columns and dtypes (ARCHITECTURE.md;
events.store.frame_from_arrow): `page`, `kept`, `in_view`, `event`, `claims_of`, `roles_of`,
`batches` (bounded chunks for exports), `subset` (a small plain Dataset of some events with their
claims and roles, for code written against Dataset such as events.export).

`where(f)` is the one SQL translation of `events.filters.Filters` (the pandas `apply_filters`
stays the reference, checked against it by tests/test_events_engine.py's property test):
dates overlap the chosen range (an event ending on/after `date_from` and starting before the
day after `date_to`; a missing date never matches), an actor in either role, any of the chosen
statuses / types, an area's P-code in any of the admin1-3 P-code columns, and every search term occurring in `search_text` (literal substring; the
matching rows of the last TEXT_CACHE searches are kept in small tables, so the several questions
a page asks find them once). A stored import's word index (events.wordindex) gives a term's rows
without reading search_text; without one (an older import, an in-memory dataset, a damaged index,
which is logged) or for a term whose words have too many postings (wordindex.MAX_POSTINGS), the
column is scanned.

Threads: Streamlit runs sessions in threads; each query runs on its own cursor (DuckDB's
cursors are separate connections to the same database, safe to use from different threads).
Nothing here imports Streamlit.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
import pandas as pd

from .filters import AREA_COLUMNS, Filters, query_terms
from .wordindex import IndexUnreadable, WordIndex

from .dataset import CLAIM_COLUMNS, EVENT_COLUMNS, ROLE_COLUMNS

log = logging.getLogger(__name__)

# Every events column but the large text ones: what the map and the table draw.
LIGHT_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in ("summary", "search_text", "extra", "status_reason",
                                                            "date_note"))
# Columns a caller may sort the table by (anything else is refused: they go into SQL text).
SORTABLE = ("date_start", "date_end", "title", "status", "event_type", "place_name", "admin1",
            "precision", "n_claims", "fatalities_best", "id")
UNITS = ("day", "week", "month", "year")
BREAKDOWNS = ("status", "event_type")
TEXT_CACHE = 16  # text searches whose matching rows are kept (see Engine._text_rows)
IN_LIST = 2000  # up to this many ids go into a query as a list of values (see Engine._of)
RECENT = 256  # single-event look-ups kept (see Engine._recent)
TOTALS = 1024  # filter states whose (kept, located) counts are kept (see Engine.totals)


@dataclass(frozen=True)
class Bounds:
    """A map view: south, west, north, east in degrees (west > east when it crosses 180°)."""
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def from_leaflet(cls, b) -> Optional["Bounds"]:
        """From st_folium's ``bounds`` ({'_southWest': {'lat', 'lng'}, '_northEast': {...}}); None if unusable."""
        try:
            sw, ne = b["_southWest"], b["_northEast"]
            vals = [float(sw["lat"]), float(sw["lng"]), float(ne["lat"]), float(ne["lng"])]
        except (KeyError, TypeError, ValueError):
            return None
        if not all(math.isfinite(v) for v in vals):
            return None
        s, w, n, e = vals
        if e - w >= 360:  # the whole world (or more) is in view
            w, e = -180.0, 180.0
        else:
            w = (w + 180) % 360 - 180
            e = (e + 180) % 360 - 180
        return cls(max(-90.0, min(s, n)), w, min(90.0, max(s, n)), e)


class EngineError(ValueError):
    """A query the engine refuses (an unknown sort column, unit or breakdown)."""


class Engine:
    """DuckDB tables ``events`` and ``roles`` of one dataset (see the module docstring)."""

    def __init__(self, con, n_events: int, origin: str):
        self._con = con
        self.n_events = n_events
        self.origin = origin  # the Parquet folder, or "memory"
        self._lock = threading.RLock()  # cursor() on the shared connection is not documented as thread-safe
        self._texts: "OrderedDict[tuple[str, ...], str]" = OrderedDict()  # see _text_rows
        self._graveyard: list[str] = []
        self._lookups: "OrderedDict[tuple, pd.DataFrame]" = OrderedDict()  # see _recent
        self._totals: "OrderedDict[Filters, tuple[int, int]]" = OrderedDict()  # see totals
        self._serial = 0
        self._words: Optional[WordIndex] = None  # a stored import's word index (events.wordindex)
        cols = [r[0] for r in self._query("SELECT column_name FROM (DESCRIBE events)").fetchall()]
        self.columns = set(cols)
        self.extra_columns = [c for c in cols if c.startswith("extra.")]
        self.claim_columns = {r[0] for r in self._query("SELECT column_name FROM (DESCRIBE claims)").fetchall()}

    # ---------------------------------------------------------------- opening

    @classmethod
    def from_parquet(cls, folder: Path | str) -> "Engine":
        import duckdb

        from .store import _sql_text

        folder = Path(folder)
        con = duckdb.connect(":memory:")
        _settings(con)
        views = {"events": "*, file_row_number AS _row", "claims": "*, file_row_number AS _crow",
                 "roles": "event_id, actor_id, role, file_row_number AS _crow"}
        for name, cols in views.items():
            file = str(folder / f"{name}.parquet")
            try:  # (reads the file's footer: a damaged one is named at once)
                con.execute(f"CREATE VIEW {name} AS SELECT {cols} FROM read_parquet({_sql_text(file)}, file_row_number = true)")
            except duckdb.Error as exc:
                from .store import Unreadable, _reason

                con.close()
                raise Unreadable(folder, f"{name}.parquet", _reason(exc)) from exc
        eng = cls(con, 0, str(folder))
        eng.n_events = int(eng._scalar("SELECT count(*) FROM events"))
        try:
            eng._words = WordIndex.open(folder, eng.n_events)
        except IndexUnreadable as exc:  # searches still work, by scanning
            log.warning("%s: the word index is not used (%s); text searches scan search_text", folder.name, exc)
        return eng

    @classmethod
    def from_dataset(cls, ds) -> "Engine":
        import duckdb
        import pyarrow as pa

        from .store import _arrow_table

        con = duckdb.connect(":memory:")
        _settings(con)
        for name, frame, cols, row in (("events", ds.events, EVENT_COLUMNS, "_row"),
                                       ("claims", ds.claims, CLAIM_COLUMNS, "_crow"),
                                       ("roles", ds.roles, ROLE_COLUMNS, "_crow")):
            tbl = _arrow_table(frame, [c for c in cols if c in frame.columns])
            tbl = tbl.append_column(row, pa.array(range(len(frame)), type=pa.int64()))
            con.register(f"{name}_src", tbl)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_src")
            con.unregister(f"{name}_src")
        return cls(con, len(ds.events), "memory")

    def close(self) -> None:
        self._con.close()

    def _query(self, sql: str, params: Sequence = ()):
        with self._lock:
            cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params))
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: BaseException, table: str = "events") -> BaseException:
        """A stored file DuckDB cannot read -> events.store.Unreadable naming it (the app says so):
        the file DuckDB's message names, else the table the query reads."""
        import duckdb

        if self.origin == "memory" or not isinstance(exc, duckdb.Error) or isinstance(
                exc, (duckdb.ParserException, duckdb.BinderException)):
            return exc
        from .store import Unreadable, _reason

        text = str(exc)
        file = next((f"{f}.parquet" for f in ("claims", "roles", "events") if f"{f}.parquet" in text), f"{table}.parquet")
        return Unreadable(self.origin, file, _reason(exc))

    def _df(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        cur = self._query(sql, params)
        try:
            return cur.fetch_df()
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc) from exc
        finally:
            cur.close()

    def _scalar(self, sql: str, params: Sequence = ()):
        cur = self._query(sql, params)
        try:
            return cur.fetchone()[0]
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc) from exc
        finally:
            cur.close()

    def _arrow(self, sql: str, params: Sequence = (), table: str = "events"):
        with self._lock:
            cur = self._con.cursor()
        try:
            return cur.sql(sql, params=list(params)).to_arrow_table()
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc, table) from exc
        finally:
            cur.close()

    def _frame(self, sql: str, params: Sequence, columns: Sequence[str], contract=EVENT_COLUMNS,
               table: str = "events") -> pd.DataFrame:
        """Rows of a query selecting `columns` (see _columns) as a contract frame, in `columns`' order."""
        from .store import frame_from_arrow

        tbl = self._arrow(sql, params, table)
        out = frame_from_arrow(tbl, [c for c in columns if c in contract])
        for c in columns:  # our own columns (_row, ...) as they are
            if c not in contract and c in tbl.column_names:
                out[c] = tbl.column(c).to_pandas()
        return out.reindex(columns=list(columns))

    # ---------------------------------------------------------------- the filter

    def where(self, f: Filters) -> tuple[str, list]:
        """(SQL condition on ``events``, parameters) for `f`; ``TRUE`` when nothing is chosen."""
        parts: list[str] = []
        params: list = []
        if f.date_from is not None:
            parts.append("date_end >= ?")
            params.append(_day(f.date_from))
        if f.date_to is not None:
            parts.append("date_start < ?")
            params.append(_day(f.date_to) + dt.timedelta(days=1))
        for column, values in (("status", f.statuses), ("event_type", f.types)):
            if values:
                vals = [v for v in values if isinstance(v, str)]
                if not vals:
                    parts.append("FALSE")
                else:
                    parts.append(f"{column} IN ({', '.join('?' * len(vals))})")
                    params.extend(vals)
        if f.actors:
            vals = [a for a in f.actors if isinstance(a, str)]
            if not vals:
                parts.append("FALSE")
            else:
                parts.append(f"id IN (SELECT event_id FROM roles WHERE actor_id IN ({', '.join('?' * len(vals))}))")
                params.extend(vals)
        if f.areas:
            vals = [a for a in f.areas if isinstance(a, str)]
            cols = [c for c in AREA_COLUMNS if c in self.columns]
            if not vals or not cols:
                parts.append("FALSE")
            else:
                marks = ", ".join("?" * len(vals))
                parts.append("(" + " OR ".join(f"{c} IN ({marks})" for c in cols) + ")")
                for _ in cols:
                    params.extend(vals)
        terms = query_terms(f.q)
        if terms:
            parts.append(f"_row IN (SELECT _row FROM {self._text_rows(tuple(terms))})")
        return (" AND ".join(parts) or "TRUE"), params

    def _text_rows(self, terms: tuple[str, ...]) -> str:
        """The name of a table of the rows whose search_text holds every term, made once per set of
        terms and kept (most recent TEXT_CACHE sets): one page asks the engine several questions.
        A stored import's word index answers the terms it can (a few milliseconds); a scan of the
        whole search_text column (0.1-0.35 s at 1,000,000 events) checks the rest."""
        with self._lock:
            name = self._texts.get(terms)
            if name is not None:
                self._texts.move_to_end(terms)
                return name
            self._serial += 1
            name = f"text_rows_{self._serial}"
            indexed, scanned = self._indexed_rows(terms)
            cond = " AND ".join(["contains(search_text, ?)"] * len(scanned)) or "TRUE"
            if indexed is None:
                self._con.execute(f"CREATE TABLE {name} AS SELECT _row FROM events WHERE {cond}", list(scanned))
            else:
                import pyarrow as pa

                src = f"{name}_src"
                self._con.register(src, pa.table({"_row": pa.array(indexed, type=pa.int64())}))
                try:
                    if scanned:  # the index's rows, narrowed by the terms it left to a scan
                        self._con.execute(f"CREATE TABLE {name} AS SELECT _row FROM events WHERE _row IN "
                                          f"(SELECT _row FROM {src}) AND {cond}", list(scanned))
                    else:
                        self._con.execute(f"CREATE TABLE {name} AS SELECT _row FROM {src}")
                finally:
                    self._con.unregister(src)
            self._texts[terms] = name
            # An evicted table is dropped one eviction later, so a query another session started
            # with it a moment ago can still finish.
            while len(self._texts) > TEXT_CACHE:
                _, old = self._texts.popitem(last=False)
                for gone in self._graveyard:
                    self._con.execute(f"DROP TABLE IF EXISTS {gone}")
                self._graveyard = [old]
            return name

    def _indexed_rows(self, terms: tuple[str, ...]):
        """(rows holding every term the word index could answer, or None if it answered none; the
        terms left to a scan). A failing index is logged and dropped: searches go on by scanning."""
        if self._words is None:
            return None, list(terms)
        import pyarrow as pa

        rows, scanned = None, []
        try:
            for term in terms:
                found = self._words.rows(term)
                if found is None:
                    scanned.append(term)
                else:
                    rows = found if rows is None else np.intersect1d(rows, found, assume_unique=True)
                    if not len(rows):  # no row holds every term: the rest cannot add any
                        return rows, []
        except (OSError, pa.ArrowException, IndexUnreadable) as exc:  # a damaged postings file
            log.warning("%s: the word index failed (%s); text searches scan search_text from now on",
                        Path(self.origin).name, exc)
            self._words = None
            return None, list(terms)
        return rows, scanned

    # ---------------------------------------------------------------- answers

    def count(self, f: Filters) -> int:
        w, p = self.where(f)
        return int(self._scalar(f"SELECT count(*) FROM events WHERE {w}", p))

    def ids(self, f: Filters) -> list[str]:
        """The kept event ids in the dataset's order (for small sets and tests)."""
        w, p = self.where(f)
        return self._df(f"SELECT id FROM events WHERE {w} ORDER BY _row", p)["id"].tolist()

    def ids_in(self, f: Filters, ids: Sequence[str]) -> list[str]:
        """Those of `ids` that `f` keeps."""
        if not ids:
            return []
        w, p = self.where(f)
        return self._df(f"SELECT id FROM events WHERE ({w}) AND id IN ({', '.join('?' * len(ids))}) ORDER BY _row",
                        [*p, *ids])["id"].tolist()

    def contains_id(self, event_id: str) -> bool:
        return bool(self._scalar("SELECT count(*) FROM events WHERE id = ?", [event_id]))

    def matched_roles(self, f: Filters, event_ids: Optional[Sequence[str]] = None) -> dict[str, frozenset[str]]:
        """{event id: roles in which a chosen actor appears}, for the kept events (or only `event_ids`)."""
        vals = [a for a in f.actors if isinstance(a, str)]
        if not vals:
            return {}
        w, p = self.where(f)
        sql = (f"SELECT r.event_id, list(DISTINCT r.role ORDER BY r.role) AS roles FROM roles r "
               f"WHERE r.actor_id IN ({', '.join('?' * len(vals))}) "
               f"AND r.event_id IN (SELECT id FROM events WHERE {w})")
        params = [*vals, *p]
        if event_ids is not None:
            if not event_ids:
                return {}
            sql += f" AND r.event_id IN ({', '.join('?' * len(event_ids))})"
            params += list(event_ids)
        df = self._df(sql + " GROUP BY r.event_id", params)
        return {e: frozenset(r) for e, r in zip(df["event_id"].tolist(), df["roles"].tolist())}

    def date_range(self) -> tuple[Optional[dt.date], Optional[dt.date]]:
        cur = self._query("SELECT min(date_start), max(date_end) FROM events")
        lo, hi = cur.fetchone()
        cur.close()
        return (_to_date(lo), _to_date(hi))

    def actor_ids(self) -> list[str]:
        """Every actor with a role (participant or claimant) in some event."""
        return [a for a in self._df("SELECT DISTINCT actor_id FROM roles")["actor_id"].tolist() if isinstance(a, str)]

    def values(self, column: str) -> list[str]:
        """The distinct values of a facet column (status or event_type), most frequent first."""
        if column not in BREAKDOWNS:
            raise EngineError(f"not a facet column: {column!r}")
        df = self._df(f"SELECT {column} AS v, count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC, v")
        return [v for v in df["v"].tolist() if isinstance(v, str)]

    def page(self, f: Filters, columns: Sequence[str], *, sort: str = "date_start", descending: bool = False,
             offset: int = 0, limit: int = 100) -> pd.DataFrame:
        """One page of the kept events, sorted by `sort` (ties in dataset order); missing values last."""
        if sort not in SORTABLE:
            raise EngineError(f"cannot sort by {sort!r}")
        cols = self._columns(columns)
        w, p = self.where(f)
        direction = "DESC" if descending else "ASC"
        sql = (f"SELECT {cols} FROM events WHERE {w} ORDER BY {sort} {direction} NULLS LAST, _row "
               f"LIMIT ? OFFSET ?")
        return self._frame(sql, [*p, max(0, int(limit)), max(0, int(offset))], columns)

    def position(self, f: Filters, event_id: str, *, sort: str = "date_start", descending: bool = False) -> Optional[int]:
        """The 0-based position of `event_id` among the kept events in that order (None if not kept)."""
        if sort not in SORTABLE:
            raise EngineError(f"cannot sort by {sort!r}")
        w, p = self.where(f)
        direction = "DESC" if descending else "ASC"
        sql = (f"SELECT pos FROM (SELECT id, row_number() OVER (ORDER BY {sort} {direction} NULLS LAST, _row) - 1 "
               f"AS pos FROM events WHERE {w}) WHERE id = ?")
        df = self._df(sql, [*p, event_id])
        return int(df["pos"].iloc[0]) if len(df) else None

    def event_rows(self, ids: Sequence[str], columns: Sequence[str] = EVENT_COLUMNS) -> pd.DataFrame:
        """The rows of these ids (dataset order)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return self._frame(f"SELECT {self._columns(columns)} FROM events WHERE FALSE", [], columns)
        return self._frame(f"SELECT {self._columns(columns)} FROM events WHERE id IN "
                           f"({', '.join('?' * len(ids))}) ORDER BY _row", ids, columns)

    def event(self, event_id: str) -> Optional[pd.Series]:
        """The whole events row of one id (the first, should ids repeat), or None."""
        df = self._recent(("event", event_id), lambda: self._frame(
            f"SELECT {self._columns(EVENT_COLUMNS)} FROM events WHERE id = ? ORDER BY _row LIMIT 1",
            [event_id], EVENT_COLUMNS))
        return df.iloc[0] if len(df) else None

    def _recent(self, key, fetch) -> pd.DataFrame:
        """One event's rows, kept for the last RECENT look-ups: a selected event's side panel is
        drawn again on every rerun of every session that shows it, and the data never changes
        under an engine. A copy leaves the engine, so no caller can alter what is kept."""
        with self._lock:
            hit = self._lookups.get(key)
            if hit is not None:
                self._lookups.move_to_end(key)
        if hit is None:
            hit = fetch()
            with self._lock:
                self._lookups[key] = hit
                while len(self._lookups) > RECENT:
                    self._lookups.popitem(last=False)
        return hit.copy()

    def kept(self, f: Filters, columns: Sequence[str] = LIGHT_COLUMNS, limit: Optional[int] = None) -> pd.DataFrame:
        """The kept events (at most `limit`), in the dataset's order: for small sets only."""
        w, p = self.where(f)
        sql = f"SELECT {self._columns(columns)} FROM events WHERE {w} ORDER BY _row"
        if limit is not None:
            sql += " LIMIT ?"
            p = [*p, int(limit)]
        return self._frame(sql, p, columns)

    def claims_of(self, event_ids: Sequence[str], columns: Sequence[str] = CLAIM_COLUMNS) -> pd.DataFrame:
        """The claims rows of these events, in the dataset's claim order."""
        return self._of("claims", event_ids, columns, CLAIM_COLUMNS)

    def roles_of(self, event_ids: Sequence[str]) -> pd.DataFrame:
        """The roles rows (event_id, actor_id, role) of these events, in order."""
        return self._of("roles", event_ids, ROLE_COLUMNS, ROLE_COLUMNS)

    def _of(self, table: str, event_ids, columns, contract) -> pd.DataFrame:
        ids = [i for i in dict.fromkeys(event_ids) if isinstance(i, str)]
        if len(ids) == 1:
            return self._recent((table, ids[0], tuple(columns)), lambda: self._lookup(table, ids, columns, contract))
        return self._lookup(table, ids, columns, contract)

    def _lookup(self, table: str, ids: list, columns, contract) -> pd.DataFrame:
        have = self.claim_columns if table == "claims" else set(ROLE_COLUMNS)
        cols = [c for c in columns if c in have]
        sel = ", ".join(f'"{c}"' for c in cols)
        if not ids:
            return self._frame(f"SELECT {sel} FROM {table} WHERE FALSE", [], cols, contract, table)
        if len(ids) <= IN_LIST:
            # A list of values DuckDB pushes into the Parquet scan (a sub-query would join instead:
            # 0.05 s for one event against 0.2 s at 1,000,000 claims).
            return self._frame(f"SELECT {sel} FROM {table} WHERE event_id IN ({', '.join('?' * len(ids))}) "
                               f"ORDER BY _crow", ids, cols, contract, table)
        # A long list goes in as one list parameter (one plan, not thousands of placeholders).
        return self._frame(f"SELECT {sel} FROM {table} WHERE event_id IN (SELECT unnest(?)) ORDER BY _crow",
                           [ids], cols, contract, table)

    def subset(self, ds, events: pd.DataFrame):
        """A small plain Dataset of these events rows (a frame from this engine, all columns) with
        their claims and roles and `ds`'s actors and sources: for code written against Dataset
        (events.export), one bounded chunk at a time."""
        from .dataset import Dataset

        ids = events["id"].tolist()
        return Dataset(name=ds.name, kind=ds.kind, events=events.reset_index(drop=True),
                       claims=self.claims_of(ids), roles=self.roles_of(ids), actors=ds.actors,
                       sources=ds.sources, updated=ds.updated)

    # ---- the map

    def located_count(self, f: Filters, bounds: Optional[Bounds] = None) -> int:
        w, p = self._located(f, bounds)
        return int(self._scalar(f"SELECT count(*) FROM events WHERE {w}", p))

    def counts(self, f: Filters, bounds: Optional[Bounds] = None) -> tuple[int, int, int]:
        """(kept, located, located inside `bounds`) in one scan: the map asks all three for every
        view, and at 1,000,000 events each scan costs 10-60 ms (more with a text search)."""
        w, p = self.where(f)
        lw, lp = self._located(Filters(), bounds)  # the located/in-view part of the condition alone
        located = "lat IS NOT NULL AND lon IS NOT NULL AND isfinite(lat) AND isfinite(lon)"
        cur = self._query(f"SELECT count(*), count(*) FILTER (WHERE {located}), count(*) FILTER (WHERE {lw}) "
                          f"FROM events WHERE {w}", [*lp, *p])
        try:
            kept, n_located, n_view = cur.fetchone()
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc) from exc
        finally:
            cur.close()
        return int(kept), int(n_located or 0), int(n_view or 0)

    def totals(self, f: Filters) -> tuple[int, int]:
        """(kept, located) for `f`, kept for the last TOTALS filter states: the sidebar's count and
        the map ask for them on every rerun of every session, and the data never changes under an
        engine (two small integers per state)."""
        with self._lock:
            hit = self._totals.get(f)
            if hit is not None:
                self._totals.move_to_end(f)
                return hit
        kept, located, _ = self.counts(f)
        with self._lock:
            self._totals[f] = (kept, located)
            while len(self._totals) > TOTALS:
                self._totals.popitem(last=False)
        return kept, located

    def in_view(self, f: Filters, bounds: Optional[Bounds], columns: Sequence[str], limit: int) -> pd.DataFrame:
        """Up to `limit` kept, located events inside `bounds` (dataset order)."""
        w, p = self._located(f, bounds)
        return self._frame(f"SELECT {self._columns(columns)} FROM events WHERE {w} ORDER BY _row LIMIT ?",
                           [*p, int(limit)], columns)

    def grid(self, f: Filters, bounds: Optional[Bounds], cell_deg: float) -> pd.DataFrame:
        """Kept, located events in `bounds` counted per square cell of `cell_deg` degrees.

        One row per cell: ``lat, lon`` (the mean position of its events, where a marker belongs),
        ``n``, ``south, west, north, east`` (the cell), ``status`` and ``event_type`` (dicts of
        value -> count). The counts add up to located_count(f, bounds)."""
        if not (cell_deg > 0 and math.isfinite(cell_deg)):
            raise EngineError(f"bad cell size {cell_deg!r}")
        w, p = self._located(f, bounds)
        # One pass: DuckDB's histogram() aggregate gives each cell's status and type counts as maps.
        sql = f"""
            SELECT floor(lat / ?)::BIGINT AS gy, floor(lon / ?)::BIGINT AS gx, count(*) AS n,
                   avg(lat) AS lat, avg(lon) AS lon,
                   histogram(coalesce(status, '')) AS status, histogram(coalesce(event_type, '')) AS event_type
            FROM events WHERE {w}
            GROUP BY gy, gx
            ORDER BY n DESC, gy, gx"""
        df = self._df(sql, [cell_deg, cell_deg, *p])
        if len(df):
            df["south"] = df["gy"] * cell_deg
            df["north"] = df["south"] + cell_deg
            df["west"] = df["gx"] * cell_deg
            df["east"] = df["west"] + cell_deg
            for c in ("status", "event_type"):
                df[c] = [_as_dict(v) for v in df[c].tolist()]
        else:
            df = pd.DataFrame(columns=["gy", "gx", "n", "lat", "lon", "status", "event_type",
                                       "south", "north", "west", "east"])
        return df

    # ---- the timeline

    def histogram(self, f: Filters, unit: str, by: str) -> pd.DataFrame:
        """Kept, dated events per `unit` (day/week/month/year) of their start date and per value of
        `by` (status or event_type): columns ``bucket`` (timestamp), ``value``, ``n``."""
        if unit not in UNITS:
            raise EngineError(f"unknown unit {unit!r}")
        if by not in BREAKDOWNS:
            raise EngineError(f"unknown breakdown {by!r}")
        w, p = self.where(f)
        return self._df(f"SELECT date_trunc('{unit}', date_start) AS bucket, coalesce({by}, '') AS value, "
                        f"count(*) AS n FROM events WHERE ({w}) AND date_start IS NOT NULL "
                        f"GROUP BY ALL ORDER BY bucket, value", p)

    def fatality_histogram(self, f: Filters, unit: str) -> pd.DataFrame:
        """Like ``histogram`` but per fatality bin of the best estimate: ``value`` is one of
        'none' (0), '1-9', '10-99', '100+', 'unknown' (no estimate); the map's legend uses the same bins."""
        if unit not in UNITS:
            raise EngineError(f"unknown unit {unit!r}")
        w, p = self.where(f)
        fb = "fatalities_best" if "fatalities_best" in self.columns else "CAST(NULL AS DOUBLE)"
        return self._df(f"SELECT date_trunc('{unit}', date_start) AS bucket, CASE WHEN {fb} IS NULL OR isnan({fb}) "
                        f"OR {fb} < 0 THEN 'unknown' WHEN {fb} = 0 THEN 'none' WHEN {fb} < 10 THEN '1-9' "
                        f"WHEN {fb} < 100 THEN '10-99' ELSE '100+' END AS value, count(*) AS n FROM events "
                        f"WHERE ({w}) AND date_start IS NOT NULL GROUP BY ALL ORDER BY bucket, value", p)

    def dated_range(self, f: Filters) -> tuple[Optional[dt.date], Optional[dt.date], int]:
        """(first start, last end, number of dated events) of the kept events."""
        w, p = self.where(f)
        cur = self._query(f"SELECT min(date_start), max(coalesce(date_end, date_start)), count(date_start) "
                          f"FROM events WHERE {w}", p)
        lo, hi, n = cur.fetchone()
        cur.close()
        return _to_date(lo), _to_date(hi), int(n)

    # ---- exports

    def batches(self, f: Filters, size: int = 50_000, columns: Sequence[str] = EVENT_COLUMNS) -> Iterator[pd.DataFrame]:
        """The kept events in the dataset's order, `size` rows at a time (contract frames)."""
        import pyarrow as pa

        from .store import frame_from_arrow

        w, p = self.where(f)
        with self._lock:
            cur = self._con.cursor()
        try:
            # No ORDER BY: the rows are stored in _row order and DuckDB keeps the order of a scan
            # (preserve_insertion_order), so the chunks stream; sorting would first hold the whole
            # set (1.5 GB at 1,000,000 events).
            reader = cur.sql(f"SELECT {self._columns(columns)} FROM events WHERE {w}",
                             params=p).to_arrow_reader(size)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                if batch.num_rows:
                    yield frame_from_arrow(pa.Table.from_batches([batch]), list(columns)).reindex(columns=list(columns))
        except Exception as exc:  # noqa: BLE001
            raise self._unreadable(exc) from exc
        finally:
            cur.close()

    # ---------------------------------------------------------------- helpers

    def _columns(self, columns: Sequence[str]) -> str:
        """The SELECT list for these events columns: ``extra`` is its ``extra.<key>`` columns; a
        contract column the data lacks (a frame built without it) is NULL; anything else is refused."""
        bad = [c for c in columns if c not in self.columns and c not in EVENT_COLUMNS]
        if bad:
            raise EngineError(f"unknown columns: {', '.join(map(repr, bad))}")
        out = []
        for c in columns:
            if c == "extra":
                out += [f'"{x}"' for x in self.extra_columns]
            elif c in self.columns:
                out.append(f'"{c}"')
        return ", ".join(out) or "NULL AS _none"  # (_frame adds the missing columns)

    def _located(self, f: Filters, bounds: Optional[Bounds]) -> tuple[str, list]:
        w, p = self.where(f)
        w = f"({w}) AND lat IS NOT NULL AND lon IS NOT NULL AND isfinite(lat) AND isfinite(lon)"
        if bounds is not None:
            w += " AND lat BETWEEN ? AND ?"
            p = [*p, bounds.south, bounds.north]
            if bounds.west <= bounds.east:
                w += " AND lon BETWEEN ? AND ?"
            else:  # the view crosses the antimeridian
                w += " AND (lon >= ? OR lon <= ?)"
            p += [bounds.west, bounds.east]
        return w, p


def _settings(con) -> None:
    # Two cores on the target machine, shared by every session: a query must not take both.
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = true")


def _day(d) -> dt.datetime:
    d = d.date() if isinstance(d, dt.datetime) else d
    return dt.datetime(d.year, d.month, d.day)


def _to_date(v) -> Optional[dt.date]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(v).date()


def _as_dict(v) -> dict:
    if isinstance(v, dict):
        return {str(k): int(c) for k, c in v.items()}
    if v is None:
        return {}
    try:  # DuckDB may hand a MAP back as {'key': [...], 'value': [...]}
        return {str(k): int(c) for k, c in zip(v["key"], v["value"])}
    except (TypeError, KeyError):
        return dict(v)


def _arrow_column(s: pd.Series, name: str):
    import numpy as np
    import pyarrow as pa

    if name in ("date_start", "date_end"):
        return pa.array(pd.to_datetime(s, errors="coerce").astype("datetime64[us]").to_numpy(), type=pa.timestamp("us"))
    if name in ("lat", "lon", "radius_km", "fatalities_best"):
        return pa.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan), type=pa.float64(),
                        from_pandas=True)
    if name in ("precision", "n_claims"):
        return pa.array(pd.to_numeric(s, errors="coerce").astype("Int64").to_numpy(dtype=object, na_value=None),
                        type=pa.int64())
    # Text: a missing value stays NULL (the pandas filter never matches it either).
    return pa.array([v if isinstance(v, str) else None for v in s.tolist()], type=pa.string())


# --------------------------------------------------------------------------- one engine per Dataset

_ENGINE_KEY = "engine"
_ENGINE_LOCK = threading.Lock()


def attach(ds, engine: Engine) -> Engine:
    """Keep `engine` with `ds` (in ds._cache), so whoever shares the Dataset shares the engine."""
    ds._cache[_ENGINE_KEY] = engine
    return engine


def engine_of(ds) -> Engine:
    """The Dataset's engine: the one attached (a stored dataset's Parquet views), else one built
    from its frames on first use and kept with it. Rebuilt if the events frame was replaced."""
    with _ENGINE_LOCK:
        eng = ds._cache.get(_ENGINE_KEY)
        if eng is None or (eng.origin == "memory" and ds._cache.get("engine_frame") is not ds.events):
            eng = Engine.from_dataset(ds)
            ds._cache[_ENGINE_KEY] = eng
            ds._cache["engine_frame"] = ds.events
        return eng
