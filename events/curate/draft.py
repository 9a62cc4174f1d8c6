"""A Save, planned: from the Curate form's values to the files it changes, validated.

The form holds plain dicts in the curated YAML's own shape (`event`, a new `source` with its
archived text, new `actors`). `plan` turns them into `files.Change`s (one YAML file per event,
a source's .yaml + .txt, new actors appended to actors.yaml) plus the problems no file can show
on its own (an id already taken by another file). `validate` adds the validator's problems for
the folder as it would be; `save` writes only when there are none.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..load import ACTORS_FILE, EVENTS_DIR, SOURCES_DIR, parse_yaml
from ..problems import Problem
from . import files, yamlout

EVENT_KEYS = ("id", "title", "summary", "event_type", "participants", "date", "place", "fatalities", "claims",
              "status_override", "note")
CLAIM_KEYS = ("id", "claimant", "stance", "source", "via", "excerpts", "place", "date", "fatalities", "note")
SOURCE_KEYS = ("id", "outlet", "title", "published", "published_precision", "published_basis", "published_note",
               "agencies", "url", "language", "seed_file", "note")
ACTOR_KEYS = ("id", "name", "kind", "aliases", "note")


def slugify(text: str, limit: int = 60) -> str:
    """A file-name id from words: lower-case ASCII letters, digits and single hyphens."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:limit].rstrip("-")


def _ordered(d: dict, keys: tuple) -> dict:
    out = {k: d[k] for k in keys if k in d}
    out.update({k: v for k, v in d.items() if k not in out})  # unknown keys kept: the validator names them
    return out


def _clean_text(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip()
    return v


def normalise_event(event: dict) -> dict:
    """The event dict in the hand-written files' key order, strings stripped, excerpts as a list."""
    ev = {k: _clean_text(v) for k, v in event.items()}
    claims = []
    for c in ev.get("claims") or []:
        c = {k: _clean_text(v) for k, v in c.items()}
        ex = c.get("excerpts")
        if isinstance(ex, str):
            ex = [p.strip() for p in re.split(r"\n\s*\n", ex) if p.strip()]
        c["excerpts"] = [str(x).strip() for x in (ex or [])]
        claims.append(_ordered(c, CLAIM_KEYS))
    ev["claims"] = claims
    date = ev.get("date")
    if isinstance(date, dict) and date.get("end") is not None and date.get("end") == date.get("start"):
        date = dict(date)
        del date["end"]  # the schema's default: a one-day (or one-period) date writes no end
        ev["date"] = date
    return _ordered(ev, EVENT_KEYS)


@dataclass
class Plan:
    changes: list[files.Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found before any file is validated

    @property
    def diff(self) -> str:
        return "\n".join(c.diff() for c in self.changes)


def _exists(data_dir: Path, rel: str) -> bool:
    return (data_dir / rel).is_file()


def plan(data_dir: str | Path, event: dict, *, source: Optional[dict] = None, source_text: Optional[str] = None,
         actors: list[dict] = (), editing: Optional[str] = None) -> Plan:
    """The changes a Save would make. `editing` is the id of the event the form was opened on
    (its file is replaced); None for a new event, whose id must be free."""
    root = Path(data_dir)
    p = Plan()
    ev = normalise_event(event)
    eid = str(ev.get("id") or "")
    rel = f"{EVENTS_DIR}/{eid}.yaml"
    if not eid:
        p.problems.append(Problem(f"{EVENTS_DIR}/?.yaml", "-", "id", "required field is missing"))
    elif editing is not None and eid != editing:
        p.problems.append(Problem(rel, eid, "id", f"an existing event keeps its id ({editing!r}): "
                                                  "renaming would leave links to it broken"))
    elif editing is None and _exists(root, rel):
        p.problems.append(Problem(rel, eid, "id", f"duplicate event id (also in {rel})"))
    if eid and not any(pr.field == "id" for pr in p.problems):
        try:
            old = files.read_current(root, rel)
            new = yamlout.dump_preserving(ev, old)
            if new != old:  # an unchanged event writes nothing
                p.changes.append(files.Change(rel, old, new))
        except files.UnsafePath as exc:
            p.problems.append(Problem(rel, eid, "id", str(exc)))

    if source is not None:
        src = _ordered({k: _clean_text(v) for k, v in source.items()}, SOURCE_KEYS)
        sid = str(src.get("id") or "")
        srel = f"{SOURCES_DIR}/{sid}.yaml"
        if not sid:
            p.problems.append(Problem(f"{SOURCES_DIR}/?.yaml", "-", "id", "required field is missing"))
        elif _exists(root, srel) or _exists(root, f"{SOURCES_DIR}/{sid}.txt"):
            p.problems.append(Problem(srel, sid, "id", f"duplicate source id (also in {srel})"))
        else:
            try:
                p.changes.append(files.Change(srel, None, yamlout.dump(src)))
                text = (source_text or "").replace("\r\n", "\n")
                p.changes.append(files.Change(f"{SOURCES_DIR}/{sid}.txt", None,
                                              text if text.endswith("\n") else text + "\n"))
            except files.UnsafePath as exc:
                p.problems.append(Problem(srel, sid, "id", str(exc)))

    if actors:
        old = files.read_current(root, ACTORS_FILE) or ""
        new = old
        for a in actors:
            new = yamlout.append_actor(new, _ordered({k: _clean_text(v) for k, v in a.items()}, ACTOR_KEYS))
        p.changes.append(files.Change(ACTORS_FILE, old, new))
    return p


def validate(data_dir: str | Path, pl: Plan) -> list[Problem]:
    """Every problem the Save would bring: the plan's own, then the validator's."""
    if pl.problems:
        return list(pl.problems)
    return files.check(data_dir, pl.changes)


def save(data_dir: str | Path, pl: Plan) -> list[Problem]:
    """Write the plan when it is valid; returns the problems (nothing written) otherwise."""
    problems = validate(data_dir, pl)
    if problems:
        return problems
    return files.apply(data_dir, pl.changes)


def open_event(data_dir: str | Path, event_id: str) -> dict:
    """An existing event's file as the form's dict (dates as datetime.date)."""
    text = files.read_current(data_dir, f"{EVENTS_DIR}/{event_id}.yaml")
    if text is None:
        raise FileNotFoundError(f"no events/{event_id}.yaml in the curated data folder")
    data = parse_yaml(text)
    if not isinstance(data, dict):
        raise ValueError(f"events/{event_id}.yaml is not one event")
    return data


def event_ids(data_dir: str | Path) -> list[str]:
    d = Path(data_dir) / EVENTS_DIR
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def source_id_for(outlet: str, published: Optional[dt.date], title: str) -> str:
    """The conventional source id: <outlet>-<yyyy-mm-dd>-<a few title words>."""
    words = " ".join(slugify(title).split("-")[:6])
    parts = [outlet or "source", published.isoformat() if published else "", words]
    return slugify(" ".join(p for p in parts if p), limit=80)


# ----------------------------------------------------------------------------- proposals -> form values

def unique_id(base: str, taken) -> str:
    base = slugify(base) or "claim"
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def claim_from_proposal(p, source_id: str, taken_ids) -> dict:
    """A claim dict from an extract.ClaimProposal: its sentence is the excerpt (verbatim)."""
    return {"id": unique_id(f"{p.claimant}-{p.stance}", set(taken_ids)), "claimant": p.claimant,
            "stance": p.stance, "source": source_id, "via": list(p.via), "excerpts": [p.sentence],
            "note": f"Proposed from the text: {p.why}."}


PLACE_FIELDS = ("name", "gazetteer_id", "lat", "lon", "precision", "radius_km", "admin1", "country")


def place_from_result(result: dict, words: str) -> dict:
    """A place dict from geodata.resolve's answer, keeping the source's words."""
    place = {"text": words}
    for k in PLACE_FIELDS:
        if result.get(k) is not None:
            place[k] = result[k]
    return place


def place_candidates(result: dict) -> list[dict]:
    """The resolver's best answer, then its alternatives (other places of that name)."""
    best = {k: result.get(k) for k in PLACE_FIELDS}
    return [best] + [{k: a.get(k) for k in PLACE_FIELDS} for a in result.get("alternatives") or []
                     if a.get("lat") is not None]


def date_from_proposal(d) -> dict:
    return {"start": d.start, "end": d.end, "precision": d.precision, "basis": d.basis, "note": d.note}


def toll_from_proposal(t, claimant: str) -> dict:
    toll = {"claimant": claimant, "note": t.note}
    if t.count is not None:
        toll["count"] = t.count
    if t.low is not None:
        toll["low"] = t.low
    return toll


def number(value: Any, kind=float) -> Any:
    """A form's number field: None when empty, the number when it parses, else the text (the
    validator then names the field)."""
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    try:
        return kind(s)
    except ValueError:
        return s
