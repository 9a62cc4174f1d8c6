"""The Table page's rows (no Streamlit import): one row per event, with its claimants and, under an
actor filter, which role the chosen actors play.

Everything comes from the dataset's query engine (events.engine), the same way for the curated
table and a stored import of a million events: one sorted page of events, the claims and roles
of those events only, and downloads of the whole filtered set a bounded chunk at a time.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping

import pandas as pd

from events.dataset import Dataset

from . import fmt

# The events columns a row is made of (to_dict over only these: the others, like search_text, are large).
_USED = ("id", "status", "title", "date_start", "date_end", "date_precision", "event_type", "place_name",
         "place_text", "admin1", "precision", "participants", "n_claims", "fatalities_text")
COLUMNS = ["Status", "Title", "Actor match", "Dates", "Start", "Type", "Place", "Precision", "Participants",
           "Claimants", "Claims", "Fatalities", "id"]


def _present(v) -> bool:
    return isinstance(v, str) and v != ""


def claimants_by_event(engine, event_ids: Iterable[str]) -> dict[str, list[str]]:
    """event id -> its claimants' actor ids, each once, in claim order (events without claims absent)."""
    rows = engine.claims_of(list(event_ids), ["event_id", "claimant"]).drop_duplicates()
    out: dict[str, list[str]] = {}
    for eid, who in zip(rows["event_id"], rows["claimant"]):
        if _present(who):
            out.setdefault(eid, []).append(who)
    return out


def roles_by_event(engine, event_ids: Iterable[str], actors: Iterable[str],
                   actor_names: Mapping[str, str]) -> dict[str, str]:
    """event id -> 'Russian Ministry of Defence — claimant; Islamic State — participant and claimant'
    for the chosen actors (events where none of them has a role absent)."""
    actors = list(actors)
    if not actors:
        return {}
    rows = engine.roles_of(list(event_ids))
    rows = rows[rows["actor_id"].isin(actors)]
    parts: dict[str, dict[str, list[str]]] = {}
    for eid, a, r in zip(rows["event_id"], rows["actor_id"], rows["role"]):
        rs = parts.setdefault(eid, {}).setdefault(a, [])
        if r not in rs:
            rs.append(r)
    return {eid: "; ".join(f"{actor_names.get(a, a)} — {' and '.join(rs)}" for a, rs in by_actor.items())
            for eid, by_actor in parts.items()}


def table_frame(engine, df: pd.DataFrame, actor_names: Mapping[str, str],
                actors: Iterable[str] = ()) -> pd.DataFrame:
    """The table's rows for the events in ``df`` (rows of the engine's dataset), in its order.

    "Actor match" is there only when ``actors`` (the actor filter) is not empty."""
    actors = tuple(actors)
    ids = df["id"].tolist() if len(df) else []
    claimants = claimants_by_event(engine, ids)
    matches = roles_by_event(engine, ids, actors, actor_names)
    rows = []
    for r in df[[c for c in _USED if c in df.columns]].to_dict("records"):
        eid = r["id"]
        participants = [actor_names.get(a, a) for a in fmt.as_tuple(r.get("participants"))]
        rows.append(
            {
                "Status": fmt.status_label(r.get("status")),
                "Title": fmt.text(r.get("title")),
                "Dates": fmt.date_label(r.get("date_start"), r.get("date_end"), r.get("date_precision")),
                "Start": fmt.to_date(r.get("date_start")),
                "Type": fmt.type_label(r.get("event_type")),
                "Place": fmt.place_label(r),
                "Precision": fmt.precision_int(r.get("precision")),
                "Participants": ", ".join(participants),
                "Claimants": ", ".join(actor_names.get(a, a) for a in claimants.get(eid, ())),
                "Claims": int(r.get("n_claims") or 0),
                "Fatalities": fmt.text(r.get("fatalities_text")),
                "Actor match": matches.get(eid, ""),
                "id": eid,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    if not actors:
        out = out.drop(columns=["Actor match"])
    return out


# --------------------------------------------------------------------------- server-side pages

PAGE_SIZE = 100
# Sort choices: label -> (engine column, descending by default)
SORTS = {
    "Start date": ("date_start", False),
    "End date": ("date_end", False),
    "Title": ("title", False),
    "Status": ("status", False),
    "Type": ("event_type", False),
    "Place": ("place_name", False),
    "Precision": ("precision", False),
    "Claims": ("n_claims", True),
    "Fatalities (best figure)": ("fatalities_best", True),
}


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-int(total) // size))


def page_rows(engine, filters, *, sort: str, descending: bool, page: int,
              size: int = PAGE_SIZE) -> pd.DataFrame:
    """The events of one table page (0-based `page`), sorted by the engine: only these rows, and
    only the columns a row shows, leave it."""
    return engine.page(filters, list(_USED), sort=sort, descending=descending, offset=page * size, limit=size)


# --------------------------------------------------------------------------- downloads

EXPORT_CHUNK = 50_000


def csv_chunks(ds: Dataset, engine, filters, chunk: int = EXPORT_CHUNK) -> Iterator[str]:
    """The filtered set as CSV (events.export.to_csv), one chunk of events at a time (each a small
    Dataset from Engine.subset, with its claims and roles): the header once, then each chunk's
    rows. Memory stays bounded by a chunk, whatever the set's size."""
    from events import export

    first = True
    for rows in engine.batches(filters, chunk):
        text = export.to_csv(engine.subset(ds, rows))
        if not first:
            text = text.split("\n", 1)[1] if "\n" in text else ""
        first = False
        yield text
    if first:  # nothing kept: the header alone
        yield export.to_csv(engine.subset(ds, engine.event_rows([])))


def geojson_chunks(ds: Dataset, engine, filters, chunk: int = EXPORT_CHUNK) -> Iterator[str]:
    """The filtered set as one GeoJSON FeatureCollection (events.export.to_geojson's features),
    written a chunk of events at a time."""
    import json

    from events import export

    yield '{"type": "FeatureCollection", "features": ['
    sep = "\n"
    for rows in engine.batches(filters, chunk):
        for feature in export.to_geojson(engine.subset(ds, rows))["features"]:
            yield sep + json.dumps(feature, ensure_ascii=False)
            sep = ",\n"
    yield "\n]}\n"
