"""`python -m events geocode`: fill each place's coordinates from its words through geodata.

For the event's place and every claim's own place, the place's `text` is resolved with
`geodata.resolve(text, country=...)`; an unpinned place gets the result's `name,
gazetteer_id, lat, lon, precision, radius_km, admin1, country` (those fields belong to the
geocoder). A place with `pinned: true` is the curator's and is never touched. A place the
gazetteer cannot resolve is left as it was and reported.

Files are rewritten only when something changed, and surgically: only the text of the
changed `place:` mappings is replaced, so comments and layout elsewhere in the file survive
(comments inside a rewritten place block do not). If the surgical edit would not parse back to
the intended data, the whole file is dumped with yaml.safe_dump(sort_keys=False) instead.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

import yaml

from .load import DEFAULT_DATA_DIR, EVENTS_DIR, parse_yaml
from .problems import NO_FIELD, Problem

GEOCODED_FIELDS = ("name", "gazetteer_id", "lat", "lon", "precision", "radius_km", "admin1", "country")
PLACE_ORDER = ("text", *GEOCODED_FIELDS, "pinned", "note")
COORD_DECIMALS = 5  # about 1 m

Resolver = Callable[..., dict]


@dataclass
class PlaceChange:
    file: str  # relative to the data folder
    event_id: str
    field: str  # 'place' or 'claims[2].place'
    text: str
    action: str  # filled | updated | unchanged | pinned | unresolved
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.event_id}: {self.field}: {self.action}: {self.message}"


@dataclass
class GeocodeReport:
    changes: list[PlaceChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # files rewritten (or that would be, dry run)
    dry_run: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def summary(self) -> str:
        verb = "would rewrite" if self.dry_run else "rewrote"
        return (f"{len(self.changes)} places: {self.count('filled')} filled, {self.count('updated')} updated, "
                f"{self.count('unchanged')} unchanged, {self.count('pinned')} pinned (kept), "
                f"{self.count('unresolved')} unresolved; {verb} {len(self.written)} files; "
                f"{len(self.problems)} problems")

    @property
    def ok(self) -> bool:
        return not self.problems and not self.count("unresolved")


def _default_resolver() -> Resolver:
    import geodata  # only here: loading data must not pay for the gazetteer

    resolve = getattr(geodata, "resolve", None)
    if resolve is None:
        raise ImportError("geodata has no resolve() yet")
    return resolve


def _geocoded(result: dict, old: dict) -> dict:
    """The place fields a resolve() result gives (None values dropped, coordinates rounded)."""
    new: dict[str, Any] = {}
    for k in GEOCODED_FIELDS:
        v = result.get(k)
        if v is None:
            continue
        if k in ("lat", "lon"):
            v = round(float(v), COORD_DECIMALS)
        elif k == "radius_km":
            v = round(float(v), 3)
            v = int(v) if v == int(v) else v
        elif k == "precision":
            v = int(v)
        else:
            v = str(v)
        new[k] = v
    if "country" not in new and old.get("country"):
        new["country"] = old["country"]
    return new


def _merged(old: dict, new: dict) -> dict:
    """`old` with the geocoded fields replaced by `new`: existing keys keep their order,
    new ones go where the schema order puts them, stale geocoded keys are dropped."""
    keys = [k for k in old if k not in GEOCODED_FIELDS or k in new]
    for k in new:
        if k not in keys:
            after = [x for x in PLACE_ORDER[: PLACE_ORDER.index(k)] if x in keys]
            pos = keys.index(after[-1]) + 1 if after else 0
            keys.insert(pos, k)
    return {k: (new[k] if k in new else old[k]) for k in keys}


def _node_at(root, path: tuple) -> Optional[yaml.Node]:
    node = root
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, yaml.SequenceNode) or step >= len(node.value):
                return None
            node = node.value[step]
        else:
            if not isinstance(node, yaml.MappingNode):
                return None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == step:
                    node = v
                    break
            else:
                return None
    return node


def _last_leaf_end(node: yaml.Node) -> int:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark.index


def _surgical(text: str, edits: list[tuple[tuple, dict]], expected: Any) -> Optional[str]:
    """Replace the mappings at `edits` paths in `text`; None when that does not round-trip."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    spans = []
    for path, data in edits:
        node = _node_at(root, path)
        if not isinstance(node, yaml.MappingNode) or not node.value:
            return None
        start = node.start_mark.index
        if node.flow_style:
            end = node.end_mark.index
            new = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=True,
                                 width=10**6).strip()
        else:
            end = _last_leaf_end(node)
            end = start + len(text[start:end].rstrip())
            dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False,
                                    width=10**6).rstrip("\n")
            pad = " " * node.start_mark.column
            new = ("\n" + pad).join(dumped.split("\n"))
        spans.append((start, end, new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    try:
        if parse_yaml(text) != expected:
            return None
    except yaml.YAMLError:
        return None
    return text


def _describe(d: dict) -> str:
    if d.get("lat") is None:
        return "no coordinates"
    bits = [f"{d.get('name') or '?'} ({d['lat']}, {d['lon']})"]
    if d.get("precision") is not None:
        bits.append(f"precision {d['precision']}")
    if d.get("radius_km") is not None:
        bits.append(f"radius {d['radius_km']} km")
    if d.get("admin1"):
        bits.append(str(d["admin1"]))
    return ", ".join(bits)


def geocode_dir(data_dir: Union[str, os.PathLike, None] = None, *, dry_run: bool = False,
                resolve: Optional[Resolver] = None, country: str = "SY",
                only: Iterable[str] = ()) -> GeocodeReport:
    """Geocode the places of every event file in `data_dir` (default events/data/)."""
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    report = GeocodeReport(dry_run=dry_run)
    only = set(only)
    resolve = resolve or _default_resolver()
    cache: dict[tuple[str, str], dict] = {}
    folder = root / EVENTS_DIR
    files = sorted(p for p in folder.glob("*.yaml") if not p.name.startswith(".")) if folder.is_dir() else []
    if not folder.is_dir():
        report.problems.append(Problem(EVENTS_DIR, "-", NO_FIELD, f"no events folder in {root}"))
    for p in files:
        rel = p.relative_to(root).as_posix()
        if only and p.stem not in only:
            continue
        try:
            text = p.read_text(encoding="utf-8-sig")
            data = parse_yaml(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            report.problems.append(Problem(rel, p.stem, NO_FIELD, f"cannot read: {str(exc).splitlines()[0]}"))
            continue
        if not isinstance(data, dict):
            report.problems.append(Problem(rel, p.stem, NO_FIELD, "not an event mapping"))
            continue
        eid = data.get("id") if isinstance(data.get("id"), str) else p.stem
        paths: list[tuple] = [("place",)]
        claims = data.get("claims")
        if isinstance(claims, list):
            paths += [("claims", i, "place") for i, c in enumerate(claims) if isinstance(c, dict) and "place" in c]
        edits: list[tuple[tuple, dict]] = []
        for path in paths:
            fld = "place" if len(path) == 1 else f"claims[{path[1]}].place"
            container = data if len(path) == 1 else claims[path[1]]
            place = container.get("place")
            if not isinstance(place, dict) or not isinstance(place.get("text"), str) or not place["text"].strip():
                report.problems.append(Problem(rel, eid, fld, "a place needs its text to be geocoded"))
                continue
            ptext = place["text"].strip()
            if place.get("pinned") is True:
                report.changes.append(PlaceChange(rel, eid, fld, ptext, "pinned", dict(place), dict(place),
                                                  f"kept {_describe(place)}"))
                continue
            cc = str(place.get("country") or country)
            key = (ptext, cc)
            if key not in cache:
                try:
                    cache[key] = resolve(ptext, country=cc)
                except Exception as exc:  # a gazetteer bug must not stop the other files
                    cache[key] = {"lat": None, "reason": f"geodata.resolve failed: {exc!r}"}
            result = cache[key] or {}
            if result.get("lat") is None or result.get("lon") is None:
                reason = result.get("reason") or "not found in the gazetteer"
                report.changes.append(PlaceChange(rel, eid, fld, ptext, "unresolved", dict(place), dict(place),
                                                  f"{ptext!r}: {reason}; left as it was"))
                continue
            new_place = _merged(place, _geocoded(result, place))
            if new_place == place:
                report.changes.append(PlaceChange(rel, eid, fld, ptext, "unchanged", dict(place), new_place,
                                                  _describe(place)))
                continue
            action = "updated" if place.get("lat") is not None else "filled"
            alts = result.get("alternatives") or []
            note = f" ({len(alts)} other candidates)" if alts else ""
            report.changes.append(PlaceChange(rel, eid, fld, ptext, action, dict(place), new_place,
                                              f"{ptext!r} -> {_describe(new_place)}{note}"))
            container["place"] = new_place
            edits.append((path, new_place))
        if not edits:
            continue
        new_text = _surgical(text, edits, data)
        if new_text is None:
            new_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        report.written.append(rel)
        if not dry_run:
            try:
                tmp = p.with_name(f".{p.name}.tmp")
                tmp.write_text(new_text, encoding="utf-8")
                os.replace(tmp, p)
            except OSError as exc:
                report.problems.append(Problem(rel, eid, NO_FIELD, f"cannot write: {exc}"))
    return report
