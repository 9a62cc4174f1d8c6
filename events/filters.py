"""The shared filters (date range, actors, statuses, event types, areas, text) applied to a Dataset.

Within one facet the values are alternatives (any status chosen), across facets all must hold.

`Filters` is what every page and the address carry. The app asks the query engine
(events/engine.py, one SQL translation of these filters); `apply_filters` here, on pandas frames,
is the reference semantics the engine is property-tested against, and what the CLI export uses.

Speed: at 100,000 events the plain pandas version took 0.1-0.8 s per change (Series.isin on
Arrow-backed strings, worst with the actor filter's 30,000 event ids; str.contains). This one
compares integer codes and datetime64 arrays; what is left is mostly copying the kept rows
(DataFrame.loc: ~25 ms for 30,000 rows). `FilterIndex` holds the codes per Dataset, built
lazily facet by facet (status and event-type codes; each roles row's event position, actor and
role codes) and kept in `ds._cache`. It pickles with the Dataset and stays
valid after unpickling, because it refers to the very frames it was built from; replacing
`ds.events` or `ds.roles` with another frame makes it stale, and it is then rebuilt. Frames
must not be changed in place after filtering (or call `invalidate(ds)`).
`prepare(ds)` builds the index up front.

Text search scans `search_text` with pyarrow compute (the Arrow buffer itself, no copy; RE2 on
the escaped term, see `_match`), only over the rows the other facets kept when they kept few,
and each further term only over the rows the earlier terms kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from .sources import normalise_text

_CACHE_KEY = "filters"
_NARROW = 0.5  # scan only the kept rows (take, then match) when fewer than this share is kept


@dataclass(frozen=True)
class Filters:
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    actors: tuple[str, ...] = ()  # actor ids; matches participants and claimants
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    q: str = ""  # every white-space separated term must occur in the event's search_text
    # OCHA P-codes of governorates, districts or sub-districts (SY02, SY0200, SY020000): an event is
    # in an area when the P-code is its admin1_pcode, admin2_pcode or admin3_pcode (levels its
    # place's precision vouches for, events.dataset.add_admin_columns).
    areas: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.actors or self.statuses or self.types or self.areas
                    or self.q.strip())


@dataclass
class FilterResult:
    events: pd.DataFrame  # the kept rows of ds.events, in the dataset's order
    # event id -> {'participant', 'claimant'}: the roles in which a chosen actor appears, for the
    # kept events ({} without an actor filter). Read-only frozensets.
    matched_roles: dict[str, frozenset[str]] = field(default_factory=dict)


def query_terms(q: str) -> list[str]:
    """The search terms of a query: normalised like the search text, lower-cased, split on white space.
    A lone surrogate (no character; it cannot be encoded, so no engine could search for it) becomes
    U+FFFD, the replacement character."""
    q = q or ""
    if any("\ud800" <= c <= "\udfff" for c in q):
        q = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in q)
    return normalise_text(q).lower().split()


def _as_timestamp(d) -> pd.Timestamp:
    return pd.Timestamp(d.date() if isinstance(d, dt.datetime) else d)


def _as_day(d) -> np.datetime64:
    return np.datetime64(d.date() if isinstance(d, dt.datetime) else d, "D")


def _small_int(codes: np.ndarray) -> np.ndarray:
    return codes.astype(np.int32, copy=False) if len(codes) < 2**31 else codes


# --------------------------------------------------------------------------- the index

class FilterIndex:
    """Integer codes of one Dataset's events and roles frames (see the module docstring)."""

    def __init__(self, events: pd.DataFrame, roles: pd.DataFrame):
        self.events = events
        self.roles = roles
        self.n = len(events)
        self._codes: dict[str, tuple[np.ndarray, dict]] = {}  # column -> (codes, value -> code)
        self._actors: Optional[tuple] = None  # see actor_index
        self._text = None  # pyarrow array of search_text (a view of the frame's buffer; not pickled)

    def valid_for(self, ds) -> bool:
        return self.events is ds.events and self.roles is ds.roles and self.n == len(ds.events)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_text"] = None  # rebuilt for free from the frame (a zero-copy view); would double the pickle
        return state

    # ---- status / event type

    def codes(self, column: str) -> tuple[np.ndarray, dict]:
        hit = self._codes.get(column)
        if hit is None:
            codes, uniques = pd.factorize(self.events[column], use_na_sentinel=True)
            hit = (_small_int(codes), {v: i for i, v in enumerate(uniques.tolist())})
            self._codes[column] = hit
        return hit

    def isin(self, column: str, values) -> np.ndarray:
        """Boolean mask: events[column] is one of `values` (like Series.isin; missing values never match)."""
        codes, lookup = self.codes(column)
        lut = np.zeros(len(lookup) + 1, dtype=bool)  # the extra last slot is code -1 (missing)
        lut[[lookup[v] for v in values if _hashable(v) and v in lookup]] = True
        return lut[codes]

    # ---- actors

    def actor_index(self):
        """(role_pos, actor_codes, actor lookup, role_codes, role values), or None when event ids
        are not unique (the slow path then answers). role_pos: the events row of each roles row
        (-1 when the event is not in the events frame)."""
        if self._actors is None:
            ids = self.events["id"]
            roles = self.roles
            n = self.n
            both = pd.concat([ids.reset_index(drop=True), roles["event_id"].reset_index(drop=True)],
                             ignore_index=True)
            codes, _ = pd.factorize(both, use_na_sentinel=True)
            if not np.array_equal(codes[:n], np.arange(n)):  # duplicate or missing ids
                self._actors = (None,)
                return None
            role_pos = codes[n:]
            role_pos = np.where(role_pos >= n, -1, role_pos)
            acodes, auniq = pd.factorize(roles["actor_id"], use_na_sentinel=True)
            rcodes, runiq = pd.factorize(roles["role"], use_na_sentinel=False)
            self._actors = (_small_int(role_pos), _small_int(acodes), {v: i for i, v in enumerate(auniq.tolist())},
                            _small_int(rcodes), list(runiq.tolist()))
        return None if self._actors[0] is None else self._actors

    # ---- text

    def text(self):
        """search_text as a pyarrow (large_)string array; the frame's own buffer when Arrow-backed."""
        if self._text is None:
            import pyarrow as pa

            s = self.events["search_text"]
            arr = None
            try:
                arr = pa.array(s.array)
            except (TypeError, ValueError, pa.ArrowException):
                pass
            if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
                arr = pa.array([v if isinstance(v, str) else None for v in s.tolist()], type=pa.large_string())
            self._text = arr
        return self._text


def _hashable(v) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def filter_index(ds) -> FilterIndex:
    """The Dataset's FilterIndex (built on first use, rebuilt when its frames were replaced)."""
    cache = getattr(ds, "_cache", None)
    idx = cache.get(_CACHE_KEY) if isinstance(cache, dict) else None
    if idx is None or not idx.valid_for(ds):
        idx = FilterIndex(ds.events, ds.roles)
        if isinstance(cache, dict):
            cache[_CACHE_KEY] = idx
    return idx


def prepare(ds) -> FilterIndex:
    """Build the index now (status and type codes, actor index) rather than on the first filter."""
    idx = filter_index(ds)
    for col in ("status", "event_type"):
        idx.codes(col)
    idx.actor_index()
    return idx


def invalidate(ds) -> None:
    """Forget the index (after changing ds.events or ds.roles in place)."""
    cache = getattr(ds, "_cache", None)
    if isinstance(cache, dict):
        cache.pop(_CACHE_KEY, None)


# --------------------------------------------------------------------------- filtering

def _is_datetime64(s: pd.Series) -> bool:
    """A plain numpy datetime64 column (the contract's); anything else takes the pandas path."""
    return isinstance(s.dtype, np.dtype) and s.dtype.kind == "M"


def _date_mask(ev: pd.DataFrame, f: Filters) -> Optional[np.ndarray]:
    if f.date_from is None and f.date_to is None:
        return None
    keep = np.ones(len(ev), dtype=bool)
    if f.date_from is not None:
        end = ev["date_end"]
        if _is_datetime64(end):  # NaT compares False, as in pandas
            keep &= end.to_numpy() >= _as_day(f.date_from)
        else:
            keep &= (end >= _as_timestamp(f.date_from)).to_numpy(dtype=bool, na_value=False)
    if f.date_to is not None:
        start = ev["date_start"]
        if _is_datetime64(start):
            keep &= start.to_numpy() < _as_day(f.date_to) + np.timedelta64(1, "D")
        else:
            keep &= (start < _as_timestamp(f.date_to) + pd.Timedelta(days=1)).to_numpy(dtype=bool, na_value=False)
    return keep


AREA_COLUMNS = ("admin1_pcode", "admin2_pcode", "admin3_pcode")


def _area_mask(idx: FilterIndex, areas) -> np.ndarray:
    """Events whose admin1, admin2 or admin3 P-code is one of `areas` (a frame without a level's
    column has no event in an area of that level)."""
    keep = np.zeros(idx.n, dtype=bool)
    for col in AREA_COLUMNS:
        if col in idx.events.columns:
            keep |= idx.isin(col, areas)
    return keep


def re2_literal(term: str) -> str:
    """An RE2 pattern matching `term` literally (RE2's QuoteMeta: ASCII other than letters,
    digits and '_' escaped, NUL as \\x00, everything else as is)."""
    out = []
    for ch in term:
        if ch == "\x00":
            out.append("\\x00")
        elif ch.isascii() and not (ch.isalnum() or ch == "_"):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _match(arr, term: str) -> np.ndarray:
    """Boolean mask: `term` occurs in each string (missing strings never match).

    RE2 on an escaped literal (match_substring_regex) looks for the first byte with memchr
    and runs 3-5 times faster than Arrow's plain match_substring on multi-letter terms."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        m = pc.match_substring_regex(arr, re2_literal(term)) if len(term) > 1 else pc.match_substring(arr, term)
    except pa.ArrowInvalid:  # pragma: no cover - QuoteMeta output always compiles
        m = pc.match_substring(arr, term)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


def _text_filter(idx: FilterIndex, keep: np.ndarray, terms: list[str]) -> None:
    """keep &= every term occurs in search_text (in place), scanning as few rows as it can."""
    arr = None
    n = len(keep)
    for term in terms:
        k = int(np.count_nonzero(keep))
        if k == 0:
            return
        if arr is None:
            arr = idx.text()
        if k >= n * _NARROW:
            keep &= _match(arr, term)
        else:
            rows = np.flatnonzero(keep)
            m = _match(arr.take(rows), term)
            keep[rows[~m]] = False


def _roles_of(ev: pd.DataFrame, pos: np.ndarray, rcodes: np.ndarray, rvalues: list) -> dict[str, frozenset[str]]:
    """{event id: roles} from the (event row, role code) pairs of the matching roles rows, in the
    dataset's order. The role sets are frozensets shared between events with the same roles: a
    dict of 30,000 new sets costs tens of milliseconds (allocation and the garbage collector)."""
    if len(pos) == 0:
        return {}
    if len(rvalues) > 62:  # pragma: no cover - there are two roles
        ids = ev["id"].to_numpy(dtype=object)
        out: dict[str, set[str]] = {}
        for p, r in zip(pos.tolist(), rcodes.tolist()):
            out.setdefault(ids[p], set()).add(rvalues[r])
        return {k: frozenset(v) for k, v in out.items()}
    bits = np.zeros(len(ev), dtype=np.int64)
    for r in range(len(rvalues)):
        bits[pos[rcodes == r]] |= 1 << r
    rows = np.flatnonzero(bits)
    pattern = bits[rows]
    used = np.flatnonzero(np.bincount(pattern)) if len(rvalues) <= 16 else np.unique(pattern)
    sets = {p: frozenset(v for r, v in enumerate(rvalues) if p >> r & 1) for p in used.tolist()}
    ids = ev["id"].take(rows).tolist()
    return dict(zip(ids, map(sets.__getitem__, pattern.tolist())))


def _actors_slow(ds, keep: np.ndarray, actors, terms_then) -> dict[str, frozenset[str]]:
    """The plain pandas actor filter (events with duplicate or missing ids)."""
    ev, roles = ds.events, ds.roles
    hits = roles.loc[roles["actor_id"].isin(list(actors)), ["event_id", "role"]].drop_duplicates()
    keep &= ev["id"].isin(hits["event_id"]).to_numpy(dtype=bool)
    terms_then()
    kept_ids = set(ev.loc[keep, "id"])
    matched: dict[str, set[str]] = {}
    for eid, role in zip(hits["event_id"].tolist(), hits["role"].tolist()):
        if eid in kept_ids:
            matched.setdefault(eid, set()).add(role)
    return {k: frozenset(v) for k, v in matched.items()}


def apply_filters(ds, f: Filters) -> FilterResult:
    """The events of `ds` that pass `f`, and for an actor filter which role(s) matched."""
    ev = ds.events
    n = len(ev)
    keep = np.ones(n, dtype=bool)
    if not f.active:
        return FilterResult(events=ev.loc[keep], matched_roles={})
    idx = filter_index(ds)
    dates = _date_mask(ev, f)
    if dates is not None:
        keep &= dates
    if f.statuses:
        keep &= idx.isin("status", f.statuses)
    if f.types:
        keep &= idx.isin("event_type", f.types)
    if f.areas:
        keep &= _area_mask(idx, f.areas)
    terms = query_terms(f.q)
    matched: dict[str, frozenset[str]] = {}
    if f.actors:
        ai = idx.actor_index()
        if ai is None:
            matched = _actors_slow(ds, keep, f.actors, lambda: _text_filter(idx, keep, terms))
            return FilterResult(events=ev.loc[keep], matched_roles=matched)
        role_pos, acodes, alookup, rcodes, rvalues = ai
        lut = np.zeros(len(alookup) + 1, dtype=bool)
        lut[[alookup[a] for a in f.actors if _hashable(a) and a in alookup]] = True
        hit = np.flatnonzero(lut[acodes] & (role_pos >= 0))
        has = np.zeros(n, dtype=bool)
        has[role_pos[hit]] = True
        keep &= has
        _text_filter(idx, keep, terms)
        hit = hit[keep[role_pos[hit]]]
        matched = _roles_of(ev, role_pos[hit], rcodes[hit], rvalues)
    else:
        _text_filter(idx, keep, terms)
    return FilterResult(events=ev.loc[keep], matched_roles=matched)
