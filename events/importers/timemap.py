"""TimeMap data (Forensic Architecture's TimeMap and its forks, e.g. Bellingcat's civilian-harm
map) -> Dataset.

Input: JSON as TimeMap loads it (the schemas of its `src/reducers/validate/`), either
- one bundle object ``{"events": [...], "sources": {...} or [...], "associations": [...]}``
  (older versions call associations ``filters``; ``categories`` and ``narratives`` are read as
  associations too), which is also what ``python -m events export --format timemap`` writes; or
- a bare list of events (sources and associations then unknown: their ids are kept), including
  the download of Bellingcat's TimeMap fork (events whose `sources` are inline objects
  ``{id, path, description}`` and whose `filters` are ``{key, value}`` pairs).
The CLI also takes a folder holding the separate files a datasheet-server serves
(``*events*.json``, ``*sources*.json``, ``*associations*.json`` / ``*filters*.json``).

Event fields (all strings in TimeMap): id, description (required), date, time, time_precision,
location, latitude, longitude, type, category, category_full, associations (ids), sources
(ids), comments, time_display, plus a site's custom fields. Source fields: id, title, type,
url, paths, description, author, date, notes, affil_s, thumbnail, parent. Association fields:
id, title, desc, mode (FILTER, NARRATIVE, CATEGORY), colour, type, display, filter_paths.

Mapping:
- **id** -> ``tm-<id>`` (``tm-<n>`` for an event without one, n = its position). A repeated id
  is reported on the later event, which is kept as ``tm-<id>-2`` (then -3...): both load.
- **date** (+ time) -> a day. TimeMap sheets write US month/day/year with or without zero
  padding; every spelling of events.importers.dates is read, numeric ones month-first unless the
  column shows day-first or ``date_order`` says so. ``time`` and ``time_display`` stay in extra.
- **location, latitude, longitude** -> place and coordinates (a decimal comma is accepted, as
  TimeMap does). TimeMap states no precision: coordinates count as precision 1 with a 5 km
  radius (a town as a whole, never a pin). An event without coordinates is geocoded offline from
  ``location`` (events.importers.places), and the summary counts it.
- **type / category / associations** -> event type: the first of type, category, category_full,
  the associations' titles and their filter_paths that names one of our types (its code or
  label, or an ACLED type) decides; otherwise `other`, with the original kept and counted.
  Every association title and filter path ("Weapon > Airstrike") is kept in the event's
  ``tags`` (extra), narratives in ``narratives``.
- **sources** -> one claim per source, stance `asserts`: claimant = the source's author, else
  affil_s, else the web site of its url, else the dataset; excerpts = the
  source's title, description and notes, verbatim; the claim's note keeps its type, url and
  paths (a source without url or author is claimed by the web site of its first path). An event without sources has one claim by the dataset whose excerpt is its description.
- **description** -> summary (and the title's first words); **comments** and custom fields ->
  extra.

Row numbers in the report are the events' positions in the events list (1 = the first).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from .. import vocab
from .actors import ActorBook
from .assemble import assemble, extra_records, lower_join, skipped_problems
from .checks import coordinates, start_import
from .dates import parse_dates
from .places import geocode_missing
from .reading import Table, norm_col
from .report import ImportFailed, Progress, SkippedRow, no_progress

FORMAT = "timemap"
EVENT_FIELDS = ("id", "description", "date", "time", "time_precision", "location", "latitude", "longitude",
                "type", "category", "category_full", "comments", "time_display", "shape", "colour")
REQUIRED = ("description",)
MODELLED = ("description", "date", "location", "latitude", "longitude")
# TimeMap gives coordinates without a precision: a town-sized disc, as for ACLED's code 1.
STATED_RADIUS_KM = 5.0
STATED_PRECISION = 1
TITLE_WORDS = 12


def _key(v: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", v.lower())


_TYPE_KEYS: dict[str, str] = {}
for _code, _label in vocab.EVENT_TYPE_LABELS.items():
    if _code != vocab.OTHER_EVENT_TYPE:
        _TYPE_KEYS[_key(_code)] = _code
        _TYPE_KEYS[_key(_label)] = _code
for _table in (vocab.ACLED_EVENT_TYPES_IN, vocab.ACLED_SUB_EVENT_TYPES_IN):
    for _name, _code in _table.items():
        _TYPE_KEYS.setdefault(_key(_name), _code)


def our_type(candidates) -> Optional[str]:
    """The first candidate text naming one of our types (code, label, ACLED type), else None."""
    for c in candidates:
        got = _TYPE_KEYS.get(_key(c)) if c else None
        if got:
            return got
    return None


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "; ".join(_text(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _ids(v) -> list[str]:
    """An event's associations / sources: ids, or objects with an id (some forks nest them)."""
    if v is None or v == "":
        return []
    if isinstance(v, str):
        return [x.strip() for x in re.split(r"[;,]", v) if x.strip()]
    out = []
    for x in v if isinstance(v, list) else [v]:
        if isinstance(x, dict):
            x = x.get("id", "")
        if str(x).strip():
            out.append(str(x).strip())
    return out


def _assoc_items(e: dict, assoc: dict) -> list[tuple[str, dict]]:
    """An event's associations as (id, association): ids looked up in the associations, objects
    used as they are, and the {key, value} filters of Bellingcat's download ("Weapon" / "Airstrike")
    as an association titled by the value under the key."""
    out: list[tuple[str, dict]] = []
    for field in ("associations", "filters", "tags"):
        v = e.get(field)
        for x in v if isinstance(v, list) else _ids(v):
            if isinstance(x, dict):
                if "key" in x or "value" in x:
                    key, value = _text(x.get("key")).strip(), _text(x.get("value")).strip()
                    if value or key:
                        out.append((f"{key}={value}", {"title": value or key,
                                                       "filter_paths": [p for p in (key, value) if p]}))
                elif str(x.get("id") or x.get("title") or "").strip():
                    aid = str(x.get("id") or x.get("title")).strip()
                    out.append((aid, {**assoc.get(aid, {}), **x}))
            elif str(x).strip():
                aid = str(x).strip()
                out.append((aid, assoc.get(aid, {})))
    return out


def _source_items(e: dict, sources: dict) -> list[tuple[str, Optional[dict]]]:
    """An event's sources as (id, source or None when unknown): ids looked up in the sources, and
    the inline objects of Bellingcat's download ({id, path, description}) merged over them."""
    out: dict[str, Optional[dict]] = {}
    v = e.get("sources")
    for x in v if isinstance(v, list) else _ids(v):
        if isinstance(x, dict):
            sid = str(x.get("id") or f"source-{len(out) + 1}").strip()
            inline = dict(x)
            if "path" in inline and "paths" not in inline:
                inline["paths"] = [inline.pop("path")]
            out[sid] = {**(sources.get(sid) or {}), **inline}
        elif str(x).strip():
            sid = str(x).strip()
            out.setdefault(sid, sources.get(sid))
    return list(out.items())


def load_bundle(data: bytes, filename: str) -> dict:
    """{'events': list, 'sources': {id: dict}, 'associations': {id: dict}} from TimeMap JSON."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ImportFailed(f"{filename}: not UTF-8 text ({e}); TimeMap JSON is UTF-8") from None
    except json.JSONDecodeError as e:
        raise ImportFailed(f"{filename}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if isinstance(doc, list):
        doc = {"events": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise ImportFailed(f"{filename}: not a TimeMap export: expected a list of events, or an object "
                           "with an 'events' list (and optionally 'sources' and 'associations')")
    sources = doc.get("sources") or {}
    if isinstance(sources, list):
        sources = {str(s.get("id", i)): s for i, s in enumerate(sources) if isinstance(s, dict)}
    elif isinstance(sources, dict):
        sources = {str(k): v for k, v in sources.items() if isinstance(v, dict)}
    else:
        sources = {}
    assoc: dict[str, dict] = {}
    for key in ("associations", "filters", "categories", "narratives"):
        items = doc.get(key) or []
        if isinstance(items, dict):
            items = list(items.values())
        for a in items:
            if isinstance(a, dict) and str(a.get("id", a.get("title", ""))).strip():
                aid = str(a.get("id") or a.get("title")).strip()
                a = dict(a)
                if key == "narratives":
                    a.setdefault("mode", "NARRATIVE")
                assoc.setdefault(aid, a)
    return {"events": doc["events"], "sources": sources, "associations": assoc}


def bundle_from_folder(folder: Path) -> bytes:
    """The separate JSON files of a datasheet-server export, as one bundle (for the CLI)."""
    parts: dict[str, object] = {}
    for kind in ("events", "sources", "associations", "filters", "categories", "narratives"):
        found = sorted(p for p in folder.glob(f"*{kind}*.json") if p.is_file())
        if found:
            parts[kind] = json.loads(found[0].read_text(encoding="utf-8-sig"))
    if "events" not in parts:
        raise ImportFailed(f"{folder}: no *events*.json in the folder")
    return json.dumps(parts, ensure_ascii=False).encode("utf-8")


def _site(url: str) -> str:
    host = urlparse(url).netloc.lower() if url.startswith(("http://", "https://")) else ""
    return host[4:] if host.startswith("www.") else host


def import_timemap(data: bytes, filename: str, name: Optional[str] = None, progress: Progress = no_progress,
                   registry=None, date_order: Optional[str] = None, country: Optional[str] = None):
    """Import TimeMap JSON (see the module docstring). Returns (Dataset, ImportReport)."""
    progress(0.0, "Reading the file")
    bundle = load_bundle(data, filename)
    raw_events = bundle["events"]
    pre_skipped = [SkippedRow(i + 1, "-", f"event is not an object but {type(e).__name__}")
                   for i, e in enumerate(raw_events) if not isinstance(e, dict)]
    good = [(i + 1, e) for i, e in enumerate(raw_events) if isinstance(e, dict)]
    fields = list(EVENT_FIELDS)
    for _, e in good:  # custom fields, in the order first seen
        for k, v in e.items():
            if k not in fields and k not in ("associations", "sources", "filters", "tags", "narrative___stepStyles"):
                fields.append(k)
    frame = pd.DataFrame({f: pd.array([_text(e.get(f)) for _, e in good], dtype="str") for f in fields})
    rows = np.array([r for r, _ in good], dtype=np.int64)
    table = Table(header=fields, keys=[norm_col(f) for f in fields], frame=frame, rows=rows,
                  skipped=pre_skipped, warnings=[], encoding="utf-8", delimiter="", rows_read=len(raw_events))
    table, fname, cols, report, get, checks = start_import(table, filename, FORMAT, "TimeMap", (), fields)
    report.delimiter = ""
    checks.flag(~np.array([("description" in e) for _, e in good], dtype=bool), "description",
                "description is missing (TimeMap requires it)")
    progress(0.3, "Checking values")

    # Ids: blank -> position; repeats -> suffixed, both kept.
    raw_ids = get("id").str.strip().tolist()
    ids, seen, first_at = [], {}, {}
    dup_mask = np.zeros(len(raw_ids), dtype=bool)
    dup_text: dict[int, str] = {}
    for i, (rid, row) in enumerate(zip(raw_ids, rows.tolist())):
        base = rid if rid else str(row)
        n = seen.get(base, 0) + 1
        seen[base] = n
        if n == 1:
            first_at[base] = row
            ids.append(base)
        else:
            ids.append(f"{base}-{n}")
            dup_mask[i] = True
            dup_text[i] = (f"id {rid!r} repeats event {first_at[base]}'s: both kept, this one as "
                           f"'tm-{base}-{n}'")
    checks.note(dup_mask, "id", lambda idx: [dup_text[i] for i in idx])

    day = parse_dates(get("date"), "date", checks, report.warnings, default_order="mdy", order=date_order)
    lat, lon, no_coords = coordinates(frame, "latitude", "longitude", checks, allow_missing=True)
    location = get("location").str.strip()
    if no_coords.any():
        progress(0.5, f"Geocoding {int(no_coords.sum()):,} places without coordinates")
        cand = pd.Series([(x,) if x else () for x in location.tolist()], dtype=object)
        ctry = pd.Series([country or ""] * len(frame), dtype="str")
        geo = geocode_missing(cand, ctry, no_coords & ~checks.bad, checks, "latitude")
    else:
        geo = None
    got = ~np.isnan(geo["lat"]) if geo is not None else np.zeros(len(frame), dtype=bool)

    # Types and tags from type / category / associations.
    assoc = bundle["associations"]
    tags_l, narr_l, types_l, orig_l = [], [], [], []
    for (_, e), t, c, cf in zip(good, get("type").tolist(), get("category").tolist(), get("category_full").tolist()):
        tags, narrs, paths = [], [], []
        for a, info in _assoc_items(e, assoc):
            title = str(info.get("title") or a)
            if str(info.get("mode", "")).upper() == "NARRATIVE":
                narrs.append(title)
            else:
                tags.append(title)
                fp = [str(p).strip() for p in (info.get("filter_paths") or []) if str(p).strip()]
                if fp:
                    paths.append(" > ".join(fp))
        cands = [t.strip(), c.strip(), cf.strip(), *tags, *(p.split(" > ")[-1] for p in paths)]
        tags_l.append(tuple(dict.fromkeys(tags + paths)))
        narr_l.append(tuple(dict.fromkeys(narrs)))
        got_type = our_type(cands)
        types_l.append(got_type or vocab.OTHER_EVENT_TYPE)
        orig_l.append("" if got_type else next((x for x in cands if x), ""))
    etype = pd.Series(types_l, dtype="str")
    unmapped = (etype == vocab.OTHER_EVENT_TYPE).to_numpy()
    checks.note(unmapped, "type", lambda idx: [
        (f"type {orig_l[i]!r} is not one we map: kept as 'other' (the original stays with the event)"
         if orig_l[i] else "no type, category or association: kept as 'other'") for i in idx])

    report.skipped = sorted(table.skipped + checks.skipped())
    report.notes = checks.noted()
    keep = ~checks.bad
    report.geocoded = int((got & keep).sum())
    if (unmapped & keep).any():
        counts: dict[str, int] = {}
        for i in np.flatnonzero(unmapped & keep):
            key = orig_l[i] or "(none)"
            counts[key] = counts.get(key, 0) + 1
        report.other_types = counts
    progress(0.7, "Building events")
    kidx = np.flatnonzero(keep)
    k = lambda s: s[keep].reset_index(drop=True) if isinstance(s, pd.Series) else s[keep]  # noqa: E731
    n = len(kidx)

    book = ActorBook(registry)
    dataset_actor = book.resolve(f"TimeMap: {name or filename}", "monitor")
    sources = bundle["sources"]
    claim = {"event": [], "claim_id": [], "claimant": [], "source_id": [], "excerpts": [], "note": []}
    claimants_l = []
    desc_all = get("description").tolist()
    for pos, i in enumerate(kidx):
        e = good[i][1]
        items = _source_items(e, sources)
        sids = [sid for sid, _ in items]
        mine = []
        for sid, src in items:
            if src is None:
                who = dataset_actor
                excerpts: tuple = ()
                note = f"TimeMap source {sid!r} is referenced by the event but not in the sources file"
            else:
                url = _text(src.get("url")).strip()
                paths = [str(p) for p in (src.get("paths") or []) if str(p).strip()]
                site = _site(url) or next((_site(p) for p in paths if _site(p)), "")
                author = _text(src.get("author")).strip() or _text(src.get("affil_s")).strip()
                if author:
                    who = book.resolve(author, "other")
                elif site:
                    who = book.resolve(site, "other")  # a web site: an outlet or a platform
                else:
                    who = dataset_actor
                excerpts = tuple(x for x in (_text(src.get(f)).strip() for f in ("title", "description", "notes")) if x)
                bits = [f"TimeMap source {sid!r}"]
                for f in ("type", "date", "url"):
                    if _text(src.get(f)).strip():
                        bits.append(f"{f}: {_text(src.get(f)).strip()}")
                if paths:
                    bits.append("paths: " + ", ".join(paths))
                note = "; ".join(bits)
            claim["event"].append(pos)
            claim["claim_id"].append(re.sub(r"[^a-z0-9]+", "-", sid.lower()).strip("-") or "source")
            claim["claimant"].append(who)
            claim["source_id"].append("")
            claim["excerpts"].append(excerpts)
            claim["note"].append(note)
            mine.append(who)
        if not sids:
            d = desc_all[i].strip()
            claim["event"].append(pos)
            claim["claim_id"].append("description")
            claim["claimant"].append(dataset_actor)
            claim["source_id"].append("")
            claim["excerpts"].append((d,) if d else ())
            claim["note"].append("TimeMap event without sources: the claim is the dataset's description")
            mine.append(dataset_actor)
        claimants_l.append(tuple(dict.fromkeys(mine)))

    desc = k(get("description"))
    loc = k(location)
    words = desc.str.split().str[:TITLE_WORDS].str.join(" ")
    long_ = desc.str.split().str.len() > TITLE_WORDS
    title = words.where(~long_, words + "…")
    title = title.where(title.str.strip() != "", "TimeMap event" + (" at " + loc).where(loc != "", ""))
    tags_k = [tags_l[i] for i in kidx]
    narr_k = [narr_l[i] for i in kidx]
    extra_cols = [h for h in fields if h not in MODELLED and h != "id"]
    base_extra = extra_records(frame[keep].reset_index(drop=True), extra_cols).tolist()
    extra_l = []
    for j in range(n):
        x = dict(base_extra[j])
        x["id"] = raw_ids[kidx[j]]
        if tags_k[j]:
            x["tags"] = "; ".join(tags_k[j])
        if narr_k[j]:
            x["narratives"] = "; ".join(narr_k[j])
        extra_l.append(x)
    extra = pd.Series(extra_l, dtype=object)
    geo_k = {key: k(v) for key, v in geo.items()} if geo is not None else None
    got_k = k(got)
    prec = np.where(got_k, geo_k["precision"] if geo_k else np.nan, STATED_PRECISION)
    radius = np.where(got_k, geo_k["radius_km"] if geo_k else np.nan, STATED_RADIUS_KM)
    lat_k = np.where(got_k, geo_k["lat"] if geo_k else np.nan, k(lat))
    lon_k = np.where(got_k, geo_k["lon"] if geo_k else np.nan, k(lon))
    admin1 = pd.Series(np.where(got_k, geo_k["admin1"] if geo_k else "", ""), dtype="str")
    day_k = k(day)
    tags_text = pd.Series(["; ".join(t) for t in tags_k], dtype="str")
    ev = {
        "id": pd.Series(["tm-" + ids[i] for i in kidx], dtype="str"),
        "title": title, "summary": desc,
        "event_type": k(etype),
        "date_start": day_k, "date_end": day_k,
        "date_precision": pd.Series(["day"] * n, dtype="str"),
        "date_note": pd.Series([""] * n, dtype="str"),
        "place_text": loc, "place_name": loc,
        "lat": lat_k, "lon": lon_k, "precision": prec, "radius_km": radius,
        "admin1": admin1, "country": pd.Series([country or ""] * n, dtype="str"),
        "fatalities_text": pd.Series([""] * n, dtype="str"),
        "fatalities_best": np.full(n, np.nan),
        "search_text": lower_join(title, desc, loc, tags_text,
                                  pd.Series([" ".join(" ".join(x) for x in claim_ex) for claim_ex in
                                             _excerpts_by_event(claim, n)], dtype="str")),
        "extra": extra,
    }
    report.rows_loaded = n
    progress(0.9, "Building tables")
    ds = assemble(
        kind=FORMAT, name=name or filename, ev=ev, participants=pd.Series([()] * n, dtype=object),
        claimants=pd.Series(claimants_l, dtype=object),
        excerpts=pd.Series([()] * n, dtype=object), book=book,
        problems=skipped_problems(fname, report.skipped), claim_note="", claim_rows=claim,
    )
    progress(1.0, report.summary())
    return ds, report


def _excerpts_by_event(claim: dict, n: int) -> list[list[tuple]]:
    out: list[list[tuple]] = [[] for _ in range(n)]
    for pos, ex in zip(claim["event"], claim["excerpts"]):
        out[pos].append(ex)
    return out


__all__ = ["import_timemap", "load_bundle", "bundle_from_folder", "our_type"]
