"""The Dataset the app and the exports consume, whatever its origin (curated YAML, ACLED, UCDP).

Frames and their columns are fixed by ARCHITECTURE.md; `EVENT_COLUMNS`, `CLAIM_COLUMNS`,
`ROLE_COLUMNS` and `ACTOR_COLUMNS` spell them once. Importers can build rows as dicts and call
`make_frames(...)` to get frames with the right columns and dtypes.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal, Optional, get_args

import numpy as np
import pandas as pd

from . import vocab
from .actors import ActorRegistry
from .problems import Problem
from .sources import normalise_text
from .status import event_status

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Actor, Event, Toll
    from .sources import SourceRecord

EVENT_COLUMNS = (
    "id", "title", "summary", "event_type", "status", "status_derived", "status_reason",
    "date_start", "date_end", "date_precision", "date_basis", "date_note",
    "place_text", "place_name", "gazetteer_id", "lat", "lon", "precision", "radius_km",
    "admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode", "country", "participants",
    "fatalities_text", "fatalities_best", "n_claims", "search_text", "extra",
)
# Filled by point-in-polygon (add_admin_columns), never read from a file.
ADMIN_COLUMNS = ("admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode")
CLAIM_COLUMNS = (
    "event_id", "claim_id", "claimant", "stance", "source_id", "via", "excerpts",
    "place_text", "lat", "lon", "precision", "radius_km", "admin1",
    "date_start", "date_end", "date_precision", "fatalities_text", "note",
)
ROLE_COLUMNS = ("event_id", "actor_id", "role")
ACTOR_COLUMNS = ("id", "name", "kind", "aliases")
# Where a Dataset came from; a stored dataset.json naming another kind is refused (events.store).
DatasetKind = Literal["curated", "acled", "ucdp", "timemap"]
DATASET_KINDS: tuple[str, ...] = get_args(DatasetKind)

_DATE_COLUMNS = ("date_start", "date_end")
_FLOAT_COLUMNS = ("lat", "lon", "radius_km", "fatalities_best")
_INT_COLUMNS = ("precision", "n_claims")
_TUPLE_COLUMNS = ("participants", "via", "excerpts", "aliases")

ROLE_PARTICIPANT = "participant"
ROLE_CLAIMANT = "claimant"


@dataclass
class Dataset:
    name: str
    kind: DatasetKind
    events: pd.DataFrame
    claims: pd.DataFrame
    roles: pd.DataFrame
    actors: pd.DataFrame
    sources: dict = field(default_factory=dict)  # id -> SourceRecord
    updated: Optional[dt.datetime] = None
    problems: list[Problem] = field(default_factory=list)
    # The validated schema Events by id (curated data only; {} for imports): the yaml-dir export.
    records: dict = field(default_factory=dict, repr=False)
    _registry: list = field(default_factory=list, repr=False, compare=False)
    # Derived look-ups kept with the dataset (pickled with it), e.g. events.filters' index under
    # "filters". Never part of equality; a consumer checks its entry is still for these frames.
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self):
        # A query engine (events.engine, a DuckDB connection) is not picklable: a copy opens its own.
        state = self.__dict__.copy()
        # (The look-up indexes of positions() are rebuilt on demand: not worth pickling either.)
        state["_cache"] = {k: v for k, v in self._cache.items() if isinstance(k, str) and not k.startswith("engine")}
        return state

    @property
    def registry(self) -> ActorRegistry:
        """Alias resolution over this dataset's actors (built once)."""
        if not self._registry:
            self._registry.append(ActorRegistry.from_frame(self.actors))
        return self._registry[0]

    def actor_name(self, actor_id: str) -> str:
        return self.registry.name(actor_id)

    def positions(self, frame_name: str, column: str, value) -> "list[int]":
        """Positions of the rows of a frame whose `column` equals `value`, in order, through a hash
        index kept in _cache (built once per frame: the side panel asks on every rerun, and a
        scan of a million ids costs tens of milliseconds each time)."""
        import numpy as np

        frame = getattr(self, frame_name)
        key = ("positions", frame_name, column)
        hit = self._cache.get(key)
        if hit is None or hit[0] is not frame:
            hit = (frame, pd.Index(frame[column].to_numpy(dtype=object)))
            self._cache[key] = hit
        try:
            loc = hit[1].get_loc(value)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            return []
        if isinstance(loc, slice):
            return list(range(len(frame)))[loc]
        if isinstance(loc, (int, np.integer)):
            return [int(loc)]
        return np.flatnonzero(loc).tolist()

    def event(self, event_id: str) -> Optional[pd.Series]:
        """The events row of one id (the first, should ids repeat), or None."""
        rows = self.positions("events", "id", event_id)
        return self.events.iloc[rows[0]] if rows else None

    def claims_of(self, event_id: str) -> pd.DataFrame:
        """The claims rows of one event, in order."""
        return self.claims.iloc[self.positions("claims", "event_id", event_id)]

    @classmethod
    def empty(cls, name: str = "empty", kind: str = "curated") -> "Dataset":
        ev, cl, ro, ac = make_frames([], [], [], [])
        return cls(name=name, kind=kind, events=ev, claims=cl, roles=ro, actors=ac)  # type: ignore[arg-type]


# ---------------------------------------------------------------- frames from rows

def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(columns)) if rows else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in columns})
    for c in columns:
        if c in _DATE_COLUMNS:
            df[c] = pd.to_datetime(df[c], errors="coerce").astype("datetime64[us]")
        elif c in _FLOAT_COLUMNS:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        elif c == "precision":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        elif c == "n_claims":
            df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype("int64")
        elif c in _TUPLE_COLUMNS:
            df[c] = pd.Series([tuple(v) if isinstance(v, (list, tuple)) else () for v in df[c]],
                              index=df.index, dtype=object)
        elif c == "extra":
            df[c] = pd.Series([v if isinstance(v, dict) else {} for v in df[c]],
                              index=df.index, dtype=object)
        else:
            df[c] = df[c].where(df[c].notna(), "").astype(str)
    return df


def make_frames(event_rows: list[dict], claim_rows: list[dict], role_rows: list[dict],
                actor_rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Frames with exactly the contract's columns and dtypes from lists of row dicts: dates
    become datetime64 (NaT when missing), floats NaN, `precision` nullable Int64, tuple columns
    tuples, text columns str ("" when missing), `extra` a dict."""
    return (_frame(event_rows, EVENT_COLUMNS), _frame(claim_rows, CLAIM_COLUMNS),
            _frame(role_rows, ROLE_COLUMNS), _frame(actor_rows, ACTOR_COLUMNS))


# ---------------------------------------------------------------- display helpers

def toll_figure(count: Optional[int], low: Optional[int], high: Optional[int], note: str = "") -> str:
    """'5', '3–5', 'at least 3', 'up to 5', or the note when there is no figure."""
    if count is not None:
        return str(count)
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"up to {high}"
    return note or "?"


def toll_best(count: Optional[int], low: Optional[int], high: Optional[int]) -> Optional[float]:
    """One number for a toll: the count, else the low end of a range, else the high end."""
    for v in (count, low, high):
        if v is not None:
            return float(v)
    return None


def tolls_text(tolls: Iterable[tuple[str, "Toll"]], names: ActorRegistry) -> tuple[str, float]:
    """('5 (Russian Defence Ministry); 20 (UN)', best) from (claimant id, Toll) pairs.

    The best figure is the lowest one any claimant gives (ACLED's conservative rule);
    NaN when nobody gives a figure. Identical (claimant, figure) pairs are listed once."""
    parts: list[str] = []
    best = math.nan
    for claimant, t in tolls:
        fig = toll_figure(t.count, t.low, t.high, t.note)
        part = f"{fig} ({names.name(claimant)})" if claimant else f"{fig} (unattributed)"
        if part not in parts:
            parts.append(part)
        b = toll_best(t.count, t.low, t.high)
        if b is not None and (math.isnan(best) or b < best):
            best = b
    return "; ".join(parts), best


def _radius(precision: Optional[int], radius: Optional[float]) -> Optional[float]:
    if radius is not None:
        return radius
    if precision is not None:
        return vocab.PRECISION_RADIUS_KM.get(precision)
    return None


# ---------------------------------------------------------------- curated records -> Dataset

def add_admin_columns(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with admin1/2/3 and their OCHA P-codes from point-in-polygon of each event's
    point (:func:`geodata.admin.locate_many`), keeping only the levels its precision code vouches
    for (a governorate-wide event has no district). Where the point is outside Syria, or too
    vague for any level, a stored ``admin1`` (an importer's, or the geocoder's for a disc inside
    one governorate) is kept. Missing values are "" like every text column. The one place curated
    and imported datasets get these columns (events.load, events.importers.assemble)."""
    from geodata import admin

    out = events.copy()
    n = len(out)
    prec = out["precision"] if "precision" in out else pd.Series([1] * n, index=out.index)
    # Each distinct (point, precision) is located once: imports repeat places (ACLED codes an
    # event at its town's coordinates), so 100,000 events have a few thousand points.
    lat = out["lat"].to_numpy(dtype=float, na_value=float("nan"))
    lon = out["lon"].to_numpy(dtype=float, na_value=float("nan"))
    pcode = pd.to_numeric(prec, errors="coerce").to_numpy(dtype=float, na_value=float("nan"))
    key = pd.DataFrame({"lat": lat, "lon": lon, "p": pcode})
    group = key.groupby(["lat", "lon", "p"], dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1] if n else np.zeros(0, dtype=np.int64)
    found = admin.locate_many(lat[first], lon[first], [None if p != p else int(p) for p in pcode[first]])
    found = found.iloc[group].reset_index(drop=True)
    found.index = out.index
    own = out["admin1"] if "admin1" in out else pd.Series([""] * n, index=out.index)
    for c in ADMIN_COLUMNS:
        v = found[c]
        if c == "admin1":
            v = v.where(v.notna(), own.where(own.notna(), ""))
        out[c] = v.where(v.notna(), "").astype(str)
    return out[[c for c in EVENT_COLUMNS if c in out] + [c for c in out if c not in EVENT_COLUMNS]]


def build_dataset(events: Iterable["Event"], actors: Iterable["Actor"], sources: dict,
                  *, name: str = "Curated events", updated: Optional[dt.datetime] = None,
                  problems: Optional[list[Problem]] = None) -> Dataset:
    """Frames from validated schema records (events sorted by start date, then id)."""
    actors = list(actors)
    names = ActorRegistry(actors)
    events = sorted(events, key=lambda e: (e.date.start, e.id))
    ev_rows, cl_rows, ro_rows = [], [], []
    for e in events:
        status, derived, reason = event_status(e)
        tolls: list[tuple[str, Any]] = [(t.claimant or "", t) for t in e.fatalities]
        tolls += [(c.fatalities.claimant or c.claimant, c.fatalities) for c in e.claims if c.fatalities]
        fat_text, fat_best = tolls_text(tolls, names)
        p = e.place
        search = [e.title, e.summary, p.text, p.name or ""]
        search += [x for c in e.claims for x in c.excerpts]
        ev_rows.append({
            "id": e.id, "title": e.title, "summary": e.summary, "event_type": e.event_type,
            "status": status, "status_derived": derived, "status_reason": reason,
            "date_start": e.date.start, "date_end": e.date.end or e.date.start,
            "date_precision": e.date.precision, "date_basis": e.date.basis, "date_note": e.date.note,
            "place_text": p.text, "place_name": p.name or "", "gazetteer_id": p.gazetteer_id or "",
            "lat": p.lat, "lon": p.lon, "precision": p.precision,
            "radius_km": _radius(p.precision, p.radius_km),
            "admin1": p.admin1 or "", "country": p.country or "",
            "participants": tuple(e.participants), "fatalities_text": fat_text,
            "fatalities_best": fat_best, "n_claims": len(e.claims),
            "search_text": normalise_text("\n".join(search)).lower(), "extra": {},
        })
        for a in dict.fromkeys(e.participants):
            ro_rows.append({"event_id": e.id, "actor_id": a, "role": ROLE_PARTICIPANT})
        for a in dict.fromkeys(c.claimant for c in e.claims):
            ro_rows.append({"event_id": e.id, "actor_id": a, "role": ROLE_CLAIMANT})
        for c in e.claims:
            cp, cd = c.place, c.date
            ctext = ""
            if c.fatalities:
                ctext, _ = tolls_text([(c.fatalities.claimant or c.claimant, c.fatalities)], names)
            cl_rows.append({
                "event_id": e.id, "claim_id": c.id, "claimant": c.claimant, "stance": c.stance,
                "source_id": c.source, "via": tuple(c.via), "excerpts": tuple(c.excerpts),
                "place_text": cp.text if cp else "", "lat": cp.lat if cp else None,
                "lon": cp.lon if cp else None, "precision": cp.precision if cp else None,
                "radius_km": _radius(cp.precision, cp.radius_km) if cp else None,
                "admin1": (cp.admin1 or "") if cp else "",
                "date_start": cd.start if cd else None, "date_end": (cd.end or cd.start) if cd else None,
                "date_precision": cd.precision if cd else "", "fatalities_text": ctext, "note": c.note,
            })
    ac_rows = [{"id": a.id, "name": a.name, "kind": a.kind, "aliases": tuple(a.aliases)} for a in actors]
    ev, cl, ro, ac = make_frames(ev_rows, cl_rows, ro_rows, ac_rows)
    ds = Dataset(name=name, kind="curated", events=ev, claims=cl, roles=ro, actors=ac,
                 sources=dict(sources), updated=updated, problems=list(problems or []),
                 records={e.id: e for e in events})
    return ds
