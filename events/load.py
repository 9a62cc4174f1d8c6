"""Read a curated data folder into validated records and Problems; never raises on bad input.

Layout of a data folder (default: events/data/):
    actors.yaml              a list of Actor mappings
    sources/<id>.yaml        one Source; its archived text beside it as sources/<id>.txt (UTF-8)
    events/<id>.yaml         one Event
Every file is read and checked even when others are bad. Checks: YAML syntax (duplicate keys
included), UTF-8, one mapping per file, the pydantic schema, file stem = id, unique ids, known
actor ids (participants, claimants, via, toll claimants, outlets, agencies), known source ids,
each excerpt verbatim in its source's archived text (events.sources.normalise_text), an event
not starting after a source that reports it was published, aliases naming one actor only.

An event with any problem of its own is left out of the loaded Dataset (the problem says why);
every valid event still loads. Sources and actors load when their schema is valid.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import yaml
from pydantic import ValidationError

from .actors import ActorRegistry, name_key
from .problems import NO_FIELD, Problem, field_path
from .schema import Actor, Event, Source
from .sources import SourceRecord, longest_found_prefix, normalise_text

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
ACTORS_FILE = "actors.yaml"
SOURCES_DIR = "sources"
EVENTS_DIR = "events"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loading that rejects a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):  # noqa: D401
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping", node.start_mark,
                            f"found duplicate key {key_node.value!r}", key_node.start_mark)
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """yaml.safe_load, but a duplicate key is an error."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass
class ReadResult:
    """What reading a data folder found."""

    data_dir: Path
    actors: list[Actor] = field(default_factory=list)
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)  # valid events only
    event_files: dict[str, str] = field(default_factory=dict)  # event id -> file (relative)
    problems: list[Problem] = field(default_factory=list)
    n_events: int = 0  # event files read
    n_claims: int = 0  # claims in the event files read
    n_actors: int = 0  # actor entries read
    n_sources: int = 0  # source records read
    n_excerpts: int = 0  # excerpts compared with an archived text
    updated: Optional[dt.datetime] = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        n = len(self.problems)
        return (f"{self.n_events} events, {self.n_claims} claims, {self.n_actors} actors, "
                f"{self.n_sources} sources, {self.n_excerpts} excerpts checked, "
                f"{n} problem{'' if n == 1 else 's'}")


def _short(value: Any, limit: int = 60) -> str:
    s = repr(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _pydantic_problems(err: ValidationError, file: str, record: str) -> list[Problem]:
    out = []
    for e in err.errors(include_url=False):
        loc = field_path(e.get("loc", ()))
        kind = e.get("type", "")
        if kind == "missing":
            msg = "required field is missing"
        elif kind == "extra_forbidden":
            msg = "unknown field (not in the schema; a typo?)"
        else:
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            if "input" in e and not isinstance(e["input"], (dict, list)):
                msg += f" (got {_short(e['input'])})"
        out.append(Problem(file, record, loc, msg))
    return out


class _Reader:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.r = ReadResult(data_dir=data_dir)
        self.mtime = 0.0

    # -- helpers
    def problem(self, file: str, record: str, fld: str, msg: str) -> None:
        p = Problem(file, record or "-", fld or NO_FIELD, msg)
        if p not in self.r.problems:
            self.r.problems.append(p)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.dir).as_posix()

    def read_text(self, path: Path, record: str) -> Optional[str]:
        rel = self.rel(path)
        try:
            raw = path.read_bytes()
            self.mtime = max(self.mtime, path.stat().st_mtime)
        except OSError as exc:
            self.problem(rel, record, NO_FIELD, f"cannot read the file: {exc.strerror or exc}")
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problem(rel, record, NO_FIELD,
                         f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8")
            return None

    def read_yaml(self, path: Path, record: str) -> tuple[bool, Any]:
        text = self.read_text(path, record)
        if text is None:
            return False, None
        if "\x00" in text:
            self.problem(self.rel(path), record, NO_FIELD, "not a YAML file (binary content)")
            return False, None
        try:
            return True, parse_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            what = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)])) or str(exc)
            self.problem(self.rel(path), record, NO_FIELD, f"malformed YAML: {where}{what}")
            return False, None

    def listing(self, sub: str) -> list[Path]:
        d = self.dir / sub
        if not d.is_dir():
            return []
        return sorted((p for p in d.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)

    # -- actors
    def read_actors(self) -> None:
        path = self.dir / ACTORS_FILE
        if not path.is_file():
            self.problem(ACTORS_FILE, "-", NO_FIELD, "missing: the data folder needs an actors.yaml (a list of actors)")
            return
        ok, data = self.read_yaml(path, "-")
        if not ok:
            return
        if data is None:
            data = []
        if not isinstance(data, list):
            self.problem(ACTORS_FILE, "-", NO_FIELD, f"expected a list of actors, found a {type(data).__name__}")
            return
        seen: dict[str, int] = {}
        for i, item in enumerate(data):
            self.r.n_actors += 1
            rid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"[{i}]"
            if not isinstance(item, dict):
                self.problem(ACTORS_FILE, rid, NO_FIELD, f"expected a mapping, found a {type(item).__name__}")
                continue
            try:
                actor = Actor.model_validate(item)
            except ValidationError as exc:
                self.r.problems.extend(_pydantic_problems(exc, ACTORS_FILE, rid))
                continue
            if actor.id in seen:
                self.problem(ACTORS_FILE, actor.id, "id", f"duplicate actor id (entry {seen[actor.id] + 1} has it too)")
                continue
            seen[actor.id] = i
            self.r.actors.append(actor)
        reg = ActorRegistry(self.r.actors)
        for key, ids, spellings in reg.ambiguous():
            order = [a.id for a in self.r.actors if a.id in ids]
            for later in order[1:]:
                a = reg.get(later)
                mine = [s for s in (a.id, a.name, *a.aliases) if name_key(s) == key]
                fld = "aliases" if any(s in a.aliases for s in mine) else "name"
                self.problem(ACTORS_FILE, later, fld,
                             f"{mine[0]!r} also names actor {order[0]!r}: an alias must name one actor only")

    # -- sources
    def read_sources(self, actor_ids: set[str]) -> None:
        entries = self.listing(SOURCES_DIR)
        names = {p.name for p in entries}
        for p in entries:
            rel = self.rel(p)
            if p.is_dir():
                self.problem(rel, p.name, NO_FIELD, "unexpected folder in sources/")
                continue
            if p.suffix == ".txt":
                if p.stem + ".yaml" not in names:
                    self.problem(rel, p.stem, NO_FIELD, f"archived text without a source record ({p.stem}.yaml)")
                continue
            if p.suffix != ".yaml":
                self.problem(rel, p.stem, NO_FIELD, "not a source file: expected <id>.yaml and <id>.txt")
                continue
            self.r.n_sources += 1
            ok, data = self.read_yaml(p, p.stem)
            if not ok:
                continue
            if not isinstance(data, dict):
                self.problem(rel, p.stem, NO_FIELD, f"expected a mapping (one source), found {_kind(data)}")
                continue
            rid = data.get("id") if isinstance(data.get("id"), str) else p.stem
            try:
                src = Source.model_validate(data)
            except ValidationError as exc:
                self.r.problems.extend(_pydantic_problems(exc, rel, rid))
                continue
            if src.id != p.stem:
                self.problem(rel, src.id, "id", f"the file name must be the id: rename to {src.id}.yaml or change the id")
                continue
            if src.outlet not in actor_ids:
                self.problem(rel, src.id, "outlet", f"unknown actor {src.outlet!r} (not in actors.yaml)")
            for j, a in enumerate(src.agencies):
                if a not in actor_ids:
                    self.problem(rel, src.id, f"agencies[{j}]", f"unknown actor {a!r} (not in actors.yaml)")
            txt = p.with_suffix(".txt")
            if not txt.is_file():
                self.problem(rel, src.id, NO_FIELD, f"no archived text: add sources/{src.id}.txt")
                continue
            text = self.read_text(txt, src.id)
            if text is None:
                continue
            if not text.strip():
                self.problem(self.rel(txt), src.id, NO_FIELD, "the archived text is empty")
                continue
            self.r.sources[src.id] = SourceRecord(src, text)

    # -- events
    def read_events(self, actor_ids: set[str], bad_sources: set[str]) -> None:
        parsed: list[tuple[Path, str, Event]] = []
        for p in self.listing(EVENTS_DIR):
            rel = self.rel(p)
            if p.is_dir():
                self.problem(rel, p.name, NO_FIELD, "unexpected folder in events/")
                continue
            if p.suffix != ".yaml":
                self.problem(rel, p.stem, NO_FIELD, "not an event file: expected <id>.yaml")
                continue
            self.r.n_events += 1
            ok, data = self.read_yaml(p, p.stem)
            if not ok:
                continue
            if not isinstance(data, dict):
                self.problem(rel, p.stem, NO_FIELD, f"expected a mapping (one event), found {_kind(data)}")
                continue
            rid = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else p.stem
            try:
                ev = Event.model_validate(data)
            except ValidationError as exc:
                self.r.problems.extend(_pydantic_problems(exc, rel, rid))
                if isinstance(data.get("claims"), list):
                    self.r.n_claims += len(data["claims"])
                continue
            self.r.n_claims += len(ev.claims)
            parsed.append((p, rel, ev))
        # Of files sharing an id, the one named after it (else the first) keeps it.
        owner: dict[str, str] = {}
        for p, rel, ev in sorted(parsed, key=lambda t: (t[2].id != t[0].stem, t[1])):
            owner.setdefault(ev.id, rel)
        for p, rel, ev in parsed:
            before = len(self.r.problems)
            if owner[ev.id] != rel:
                self.problem(rel, ev.id, "id", f"duplicate event id (also in {owner[ev.id]})")
            self.check_event(ev, p, rel, actor_ids, bad_sources)
            if len(self.r.problems) == before:
                self.r.events.append(ev)
                self.r.event_files[ev.id] = rel

    def check_event(self, ev: Event, p: Path, rel: str, actor_ids: set[str], bad_sources: set[str]) -> None:
        def actor(aid: Optional[str], fld: str) -> None:
            if aid is not None and aid not in actor_ids:
                self.problem(rel, ev.id, fld, f"unknown actor {aid!r} (not in actors.yaml)")

        if ev.id != p.stem:
            self.problem(rel, ev.id, "id", f"the file name must be the id: rename to {ev.id}.yaml or change the id")
        for i, a in enumerate(ev.participants):
            actor(a, f"participants[{i}]")
        for i, t in enumerate(ev.fatalities):
            if t.claimant is None:
                self.problem(rel, ev.id, f"fatalities[{i}].claimant",
                             "an event's toll needs its claimant (whose figure is it?)")
            actor(t.claimant, f"fatalities[{i}].claimant")
        for i, c in enumerate(ev.claims):
            base = f"claims[{i}]"
            actor(c.claimant, f"{base}.claimant")
            for j, v in enumerate(c.via):
                actor(v, f"{base}.via[{j}]")
            if c.fatalities is not None:
                actor(c.fatalities.claimant, f"{base}.fatalities.claimant")
            src = self.r.sources.get(c.source)
            if src is None:
                why = (f"source {c.source!r} has problems of its own (see sources/{c.source}.yaml)"
                       if c.source in bad_sources else f"unknown source {c.source!r} (no sources/{c.source}.yaml)")
                self.problem(rel, ev.id, f"{base}.source", why + "; its excerpts cannot be checked")
                continue
            if ev.date.start > src.meta.published:
                self.problem(rel, ev.id, "date.start",
                             f"the event starts on {ev.date.start}, after source {c.source!r} "
                             f"reporting it was published ({src.meta.published})")
            for j, x in enumerate(c.excerpts):
                self.r.n_excerpts += 1
                if not src.contains(x):
                    hint = longest_found_prefix(x, src.text)
                    where = (f"; it matches up to {_short(hint[-40:], 50)}, then differs" if len(hint) >= 8
                             else "; even its beginning is not in the text")
                    self.problem(rel, ev.id, f"{base}.excerpts[{j}]",
                                 f"excerpt not found verbatim in source {c.source!r} "
                                 f"(sources/{c.source}.txt): {_short(normalise_text(x), 70)}{where}")

    def run(self) -> ReadResult:
        if not self.dir.is_dir():
            self.problem(".", "-", NO_FIELD, f"data folder not found: {self.dir}")
            return self.r
        self.read_actors()
        actor_ids = {a.id for a in self.r.actors}
        self.read_sources(actor_ids)
        src_files = {p.stem for p in self.listing(SOURCES_DIR) if p.suffix == ".yaml"}
        self.read_events(actor_ids, src_files - set(self.r.sources))
        for sub in (EVENTS_DIR, SOURCES_DIR):
            if not (self.dir / sub).is_dir():
                self.problem(sub, "-", NO_FIELD, f"missing folder {sub}/")
        if self.mtime:
            self.r.updated = dt.datetime.fromtimestamp(self.mtime, tz=dt.timezone.utc)
        return self.r


def _kind(data: Any) -> str:
    if data is None:
        return "an empty file"
    if isinstance(data, str):
        return "plain text, not YAML fields"
    return f"a {type(data).__name__}"


def read_data_dir(data_dir: Union[str, os.PathLike, None] = None) -> ReadResult:
    """Read and check a data folder: valid records plus every Problem. Never raises on bad files."""
    return _Reader(Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR).run()


def load_curated(data_dir: Union[str, os.PathLike, None] = None, name: Optional[str] = None):
    """The curated Dataset of a data folder (default events/data/), problems included."""
    from .dataset import add_admin_columns, build_dataset

    r = read_data_dir(data_dir)
    ds = build_dataset(r.events, r.actors, r.sources, name=name or "Curated events",
                       updated=r.updated, problems=r.problems)
    ds.events = add_admin_columns(ds.events)  # admin 1-3 + P-codes by point-in-polygon
    return ds
