"""Exports of a Dataset (or a filtered subset of its events), whatever its origin: CSV with
ACLED-like columns, GeoJSON with one Feature per event, TimeMap JSON (what a TimeMap site
loads), and the curated YAML folder format itself."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any, Optional, Union

import pandas as pd
import yaml

from . import vocab

# ACLED's own column names first (same meaning, our values), then ours.
CSV_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
    "actor1", "actor2", "country", "admin1", "location", "latitude", "longitude", "geo_precision",
    "source", "notes", "fatalities", "timestamp",
    "title", "status", "status_derived", "status_reason", "event_type_code", "date_start", "date_end",
    "date_precision", "date_basis", "place_text", "precision", "radius_km", "participants",
    "claimants", "fatalities_text", "n_claims",
)
GEOJSON_PROPERTIES = (
    "id", "title", "summary", "status", "event_type", "date_start", "date_end", "date_precision",
    "precision", "radius_km", "actors", "claims",
)


def _subset(ds, events_subset) -> pd.DataFrame:
    """The events rows to export: all, a DataFrame of rows (its `id` column is used), or ids."""
    if events_subset is None:
        return ds.events
    if isinstance(events_subset, pd.DataFrame):
        ids = events_subset["id"].tolist()
    else:
        ids = [str(i) for i in events_subset]
    order = {i: n for n, i in enumerate(ids)}
    ev = ds.events[ds.events["id"].isin(order)]
    return ev.iloc[ev["id"].map(order).argsort(kind="stable")]


def _clean(v: Any) -> Any:
    """A JSON-safe plain Python value (NaN/NaT/NA -> None, numpy scalars -> Python)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            return str(v)
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, tuple):
        return [_clean(x) for x in v]
    return v


def _iso(ts) -> Optional[str]:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _roles_by_event(ds, role: str) -> dict[str, list[str]]:
    r = ds.roles[ds.roles["role"] == role]
    out: dict[str, list[str]] = {}
    for eid, aid in zip(r["event_id"].tolist(), r["actor_id"].tolist()):
        out.setdefault(eid, []).append(aid)
    return out


def _source_label(ds, source_id: str) -> str:
    rec = ds.sources.get(source_id)
    if rec is None:
        return source_id
    return ds.actor_name(rec.meta.outlet)


# CSV injection (OWASP): a spreadsheet reads a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def spreadsheet_safe(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+cmd|...``,
    ``@SUM(...)``) with a leading apostrophe, so it shows as text; plain numbers such as ``-3.5``
    and every other value unchanged."""
    if isinstance(value, str) and value and value[0] in FORMULA_START and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _extra_value(extra, key: str) -> str:
    """A source column kept in `extra`, whatever the file's header spelling ('EVENT_TYPE ')."""
    if not isinstance(extra, dict):
        return ""
    for k, v in extra.items():
        if k.strip().lower().replace(" ", "_") == key:
            return str(v)
    return ""


def _original_type(e) -> str:
    """The type an imported `other` event had in its source file ('' when none is kept)."""
    if e.event_type != vocab.OTHER_EVENT_TYPE:
        return ""
    return _extra_value(e.extra, "event_type") or _extra_value(e.extra, "type")


def _acled_type(e) -> tuple[str, str]:
    """ACLED's event_type and sub_event_type for an event: an imported event whose type we keep
    as `other` gives back its own original (kept in `extra`), never a made-up one."""
    original = _original_type(e)
    if original:
        return original, _extra_value(e.extra, "sub_event_type")
    return vocab.EVENT_TYPES.get(e.event_type, ("", ""))


def _acled_event_date(e) -> Optional[str]:
    """ACLED's event_date: the day, or for a week (time_precision 2) the middle of the week, as
    ACLED codes it, so that an ACLED import of this CSV gives the same range back."""
    if pd.isna(e.date_start):
        return None
    if e.date_precision == "week" and not pd.isna(e.date_end):
        mid = pd.Timestamp(e.date_start) + (pd.Timestamp(e.date_end) - pd.Timestamp(e.date_start)) / 2
        return mid.normalize().date().isoformat()
    return _iso(e.date_start)


def to_csv(ds, events_subset=None, *, for_spreadsheets: bool = True) -> str:
    """One row per event with ACLED-like columns (CSV_COLUMNS), as text.

    ``for_spreadsheets`` (the default) neutralises text cells that a spreadsheet would read as a
    formula (see ``spreadsheet_safe``): data may come from anyone's upload."""
    ev = _subset(ds, events_subset)
    claimants = _roles_by_event(ds, "claimant")
    sources: dict[str, list[str]] = {}
    cl = ds.claims[ds.claims["event_id"].isin(ev["id"])]
    for eid, sid in zip(cl["event_id"].tolist(), cl["source_id"].tolist()):
        label = _source_label(ds, sid)
        if label and label not in sources.setdefault(eid, []):
            sources[eid].append(label)
    stamp = int(ds.updated.timestamp()) if ds.updated else ""
    name = ds.actor_name
    rows = []
    for e in ev.itertuples(index=False):
        acled_type, acled_sub = _acled_type(e)
        parts = list(e.participants)
        start = _iso(e.date_start)
        prec = None if pd.isna(e.precision) else int(e.precision)
        rows.append({
            "event_id_cnty": e.id, "event_date": _acled_event_date(e) or "",
            "year": pd.Timestamp(e.date_start).year if start else "",
            "time_precision": vocab.DATE_PRECISION_TO_ACLED.get(e.date_precision, ""),
            "event_type": acled_type, "sub_event_type": acled_sub,
            "actor1": name(parts[0]) if parts else "", "actor2": name(parts[1]) if len(parts) > 1 else "",
            "country": e.country, "admin1": e.admin1, "location": e.place_name or e.place_text,
            "latitude": _clean(e.lat), "longitude": _clean(e.lon),
            "geo_precision": vocab.PRECISION_TO_ACLED_GEO.get(prec, "") if prec else "",
            "source": "; ".join(sources.get(e.id, [])), "notes": e.summary,
            "fatalities": "" if pd.isna(e.fatalities_best) else int(e.fatalities_best),
            "timestamp": stamp,
            "title": e.title, "status": e.status, "status_derived": e.status_derived,
            "status_reason": e.status_reason, "event_type_code": e.event_type,
            "date_start": start or "", "date_end": _iso(e.date_end) or "",
            "date_precision": e.date_precision, "date_basis": e.date_basis, "place_text": e.place_text,
            "precision": prec if prec is not None else "", "radius_km": _clean(e.radius_km),
            "participants": "; ".join(name(a) for a in parts),
            "claimants": "; ".join(name(a) for a in claimants.get(e.id, [])),
            "fatalities_text": e.fatalities_text, "n_claims": int(e.n_claims),
        })
    if for_spreadsheets:
        rows = [{k: spreadsheet_safe(v) for k, v in r.items()} for r in rows]
    buf = io.StringIO()
    pd.DataFrame(rows, columns=list(CSV_COLUMNS)).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def to_geojson(ds, events_subset=None) -> dict:
    """A FeatureCollection: one Feature per event (geometry null when the place is unresolved),
    properties GEOJSON_PROPERTIES plus a few display fields. JSON-serialisable as is."""
    ev = _subset(ds, events_subset)
    cl = ds.claims[ds.claims["event_id"].isin(ev["id"])]
    claims: dict[str, list[dict]] = {}
    for c in cl.itertuples(index=False):
        item = {
            "id": c.claim_id, "claimant": c.claimant, "claimant_name": ds.actor_name(c.claimant),
            "stance": c.stance, "source": c.source_id, "excerpts": list(c.excerpts),
        }
        rec = ds.sources.get(c.source_id)
        if rec is not None:
            item["source_title"] = rec.meta.title
            item["source_url"] = rec.meta.url
            item["source_published"] = rec.meta.published.isoformat()
        if c.via:
            item["via"] = list(c.via)
        if c.place_text or not pd.isna(c.lat):
            item["place"] = {"text": c.place_text, "lat": _clean(c.lat), "lon": _clean(c.lon),
                             "precision": _clean(c.precision), "radius_km": _clean(c.radius_km),
                             "admin1": c.admin1}
        if not pd.isna(c.date_start):
            item["date"] = {"start": _iso(c.date_start), "end": _iso(c.date_end), "precision": c.date_precision}
        if c.fatalities_text:
            item["fatalities_text"] = c.fatalities_text
        if c.note:
            item["note"] = c.note
        claims.setdefault(c.event_id, []).append(item)
    roles: dict[str, dict[str, list[str]]] = {}
    for eid, aid, role in zip(ds.roles["event_id"].tolist(), ds.roles["actor_id"].tolist(), ds.roles["role"].tolist()):
        roles.setdefault(eid, {}).setdefault(aid, [])
        if role not in roles[eid][aid]:
            roles[eid][aid].append(role)
    features = []
    for e in ev.itertuples(index=False):
        lat, lon = _clean(e.lat), _clean(e.lon)
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        props = {
            "id": e.id, "title": e.title, "summary": e.summary, "status": e.status,
            "event_type": e.event_type, "date_start": _iso(e.date_start), "date_end": _iso(e.date_end),
            "date_precision": e.date_precision, "precision": _clean(e.precision),
            "radius_km": _clean(e.radius_km),
            "actors": [{"id": a, "name": ds.actor_name(a), "roles": r} for a, r in roles.get(e.id, {}).items()],
            "claims": claims.get(e.id, []),
            # display extras
            "status_derived": e.status_derived, "status_reason": e.status_reason,
            "status_colour": vocab.STATUS_COLOURS.get(e.status), "date_basis": e.date_basis,
            "place_text": e.place_text, "place_name": e.place_name, "admin1": e.admin1,
            "country": e.country, "fatalities_text": e.fatalities_text,
            "fatalities_best": _clean(e.fatalities_best),
        }
        features.append({"type": "Feature", "id": e.id, "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------- TimeMap

TIMEMAP_DATE_FORMAT = "%m/%d/%Y"  # TimeMap's default DATE_FMT (MM/DD/YYYY)


def to_timemap(ds, events_subset=None) -> dict:
    """What a TimeMap site loads, as one object ``{"events": [...], "sources": {...},
    "associations": [...]}`` (TimeMap's src/reducers/validate schemas; each part is also what
    its EVENTS_EXT, SOURCES_EXT and ASSOCIATIONS_EXT point at).

    One TimeMap event per event: description = summary, date MM/DD/YYYY, location, latitude and
    longitude as strings, type = the event type's label, associations = its type and its claim
    status (FILTER associations "Event type > ..." and "Status > ..."). One TimeMap source per
    claim (id ``<event id>/<claim id>``): author = the claimant, type = the stance, description =
    the verbatim excerpts, title / url / date from the archived source when there is one."""
    ev = _subset(ds, events_subset)
    cl = ds.claims[ds.claims["event_id"].isin(ev["id"])]
    sources: dict[str, dict] = {}
    by_event: dict[str, list[str]] = {}
    for c in cl.itertuples(index=False):
        sid = f"{c.event_id}/{c.claim_id}"
        rec = ds.sources.get(c.source_id)
        url = (rec.meta.url or "") if rec is not None else ""
        sources[sid] = {
            "id": sid,
            "title": rec.meta.title if rec is not None else "",
            "type": c.stance,
            "author": ds.actor_name(c.claimant),
            "url": url,
            "paths": [url] if url else [],
            "date": rec.meta.published.strftime(TIMEMAP_DATE_FORMAT) if rec is not None else "",
            "description": "\n\n".join(c.excerpts),
            "notes": c.note or "",
        }
        by_event.setdefault(c.event_id, []).append(sid)
    associations: dict[str, dict] = {}

    def assoc(group: str, title: str) -> str:
        aid = f"{group.lower().replace(' ', '-')}/{title}"
        associations.setdefault(aid, {"id": aid, "title": title, "desc": "", "mode": "FILTER",
                                      "filter_paths": [group, title]})
        return aid
    events = []
    for e in ev.itertuples(index=False):
        label = vocab.EVENT_TYPE_LABELS.get(e.event_type, e.event_type)
        original = _original_type(e)
        events.append({
            "id": e.id,
            "description": e.summary or e.title,
            "date": pd.Timestamp(e.date_start).strftime(TIMEMAP_DATE_FORMAT) if not pd.isna(e.date_start) else "",
            "time": "",
            "location": e.place_text or e.place_name or "",
            "latitude": "" if pd.isna(e.lat) else repr(float(e.lat)),
            "longitude": "" if pd.isna(e.lon) else repr(float(e.lon)),
            "type": original or label,
            "category": "",
            "associations": [assoc("Event type", original or label),
                             assoc("Status", vocab.STATUS_LABELS.get(e.status, e.status))],
            "sources": by_event.get(e.id, []),
            "comments": e.title,
        })
    return {"events": events, "sources": sources, "associations": list(associations.values())}


# ---------------------------------------------------------------- the curated format itself

def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _model_data(model) -> dict:
    """A schema model as plain YAML data: defaults and empty values left out, dates as dates."""
    return model.model_dump(mode="python", exclude_defaults=True)


def to_yaml_dir(ds, out_dir: Union[str, Path], events_subset=None) -> list[Path]:
    """Write the curated format (actors.yaml, sources/, events/) of a curated Dataset's events
    to `out_dir`; the result validates with `python -m events validate out_dir`.
    Only the actors and sources those events use are written. Returns the files written."""
    if not ds.records:
        raise ValueError("the yaml-dir export needs curated records (this dataset has none)")
    ids = _subset(ds, events_subset)["id"].tolist()
    events = [ds.records[i] for i in ids if i in ds.records]
    out = Path(out_dir)
    (out / "events").mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used_sources = {c.source for e in events for c in e.claims}
    used_actors: set[str] = set()
    for e in events:
        used_actors |= set(e.participants)
        used_actors |= {t.claimant for t in e.fatalities if t.claimant}
        for c in e.claims:
            used_actors |= {c.claimant, *c.via}
            if c.fatalities and c.fatalities.claimant:
                used_actors.add(c.fatalities.claimant)
    for sid in sorted(used_sources):
        rec = ds.sources.get(sid)
        if rec is None:
            continue
        used_actors |= {rec.meta.outlet, *rec.meta.agencies}
        p = out / "sources" / f"{sid}.yaml"
        p.write_text(_dump(_model_data(rec.meta)), encoding="utf-8")
        t = out / "sources" / f"{sid}.txt"
        t.write_text(rec.text, encoding="utf-8")
        written += [p, t]
    actors = [
        {k: v for k, v in {"id": r.id, "name": r.name, "kind": r.kind, "aliases": list(r.aliases)}.items() if v != []}
        for r in ds.actors.itertuples(index=False) if r.id in used_actors
    ]
    p = out / "actors.yaml"
    p.write_text(_dump(actors), encoding="utf-8")
    written.append(p)
    for e in events:
        p = out / "events" / f"{e.id}.yaml"
        p.write_text(_dump(_model_data(e)), encoding="utf-8")
        written.append(p)
    return written
