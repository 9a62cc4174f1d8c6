"""The shared filters (date range, actors, statuses, event types, text) applied to a Dataset.

Within one facet the values are alternatives (any status chosen), across facets all must hold.
Everything is vectorised pandas so that 100,000 events filter in well under a second.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

import pandas as pd

from .sources import normalise_text


@dataclass(frozen=True)
class Filters:
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    actors: tuple[str, ...] = ()  # actor ids; matches participants and claimants
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    q: str = ""  # every white-space separated term must occur in the event's search_text

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.actors or self.statuses or self.types or self.q.strip())


@dataclass
class FilterResult:
    events: pd.DataFrame  # the kept rows of ds.events, in the dataset's order
    matched_roles: dict[str, set[str]] = field(default_factory=dict)  # event id -> {'participant', 'claimant'}


def query_terms(q: str) -> list[str]:
    """The search terms of a query: normalised like the search text, lower-cased, split on white space."""
    return normalise_text(q or "").lower().split()


def _as_timestamp(d) -> pd.Timestamp:
    return pd.Timestamp(d.date() if isinstance(d, dt.datetime) else d)


def apply_filters(ds, f: Filters) -> FilterResult:
    """The events of `ds` that pass `f`, and for an actor filter which role(s) matched."""
    ev = ds.events
    keep = pd.Series(True, index=ev.index)
    if f.date_from is not None:
        keep &= ev["date_end"] >= _as_timestamp(f.date_from)
    if f.date_to is not None:
        keep &= ev["date_start"] < _as_timestamp(f.date_to) + pd.Timedelta(days=1)
    if f.statuses:
        keep &= ev["status"].isin(list(f.statuses))
    if f.types:
        keep &= ev["event_type"].isin(list(f.types))
    for term in query_terms(f.q):
        keep &= ev["search_text"].str.contains(term, regex=False, na=False)
    matched: dict[str, set[str]] = {}
    if f.actors:
        roles = ds.roles
        hits = roles.loc[roles["actor_id"].isin(list(f.actors)), ["event_id", "role"]].drop_duplicates()
        keep &= ev["id"].isin(hits["event_id"])
        kept_ids = set(ev.loc[keep, "id"])
        for eid, role in zip(hits["event_id"].tolist(), hits["role"].tolist()):
            if eid in kept_ids:
                matched.setdefault(eid, set()).add(role)
    return FilterResult(events=ev.loc[keep], matched_roles=matched)
