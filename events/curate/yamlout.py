"""Readable YAML for curated records, in the layout of the hand-written files: keys in schema
order, long text folded (`>-`), short lists of ids in flow style, dates unquoted.

`dump` checks that the text reads back to the same data (else it falls back to PyYAML's plain
styles), so a curator's words are never altered by the formatting.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

import yaml

from ..load import parse_yaml

FOLD_OVER = 72  # strings longer than this are folded over several lines
ID_LIST_KEYS = {"participants", "via", "agencies"}  # short lists of ids: one line, like the hand-written files


class _Flow(list):
    pass


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):  # lists indented under their key
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, s: str):
    if "\n" not in s and len(s) > FOLD_OVER and s == s.strip() and "  " not in s:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", s)


def _flow(dumper: yaml.SafeDumper, v: _Flow):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(v), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)


def _prepare(v: Any, key: str = "") -> Any:
    if isinstance(v, dict):
        return {k: _prepare(x, k) for k, x in v.items() if x is not None and x != "" and x != []}
    if isinstance(v, (list, tuple)):
        items = [_prepare(x) for x in v]
        return _Flow(items) if key in ID_LIST_KEYS else items
    return v


def dump(data: dict) -> str:
    """One record as YAML text. Empty values (None, "", []) are left out, as the schema's
    defaults fill them."""
    prepared = _prepare(data)
    text = yaml.dump(prepared, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=92,
                     default_flow_style=False)
    if parse_yaml(text) != _plain(prepared):
        text = yaml.safe_dump(_plain(prepared), sort_keys=False, allow_unicode=True, width=96)
    return text


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def actor_entry(actor: dict) -> str:
    """A new actors.yaml entry (a one-item list), to append to the file's text so its comments
    and layout stay as they are."""
    return dump_list_item(actor)


def dump_list_item(item: dict) -> str:
    text = dump(item)
    lines = text.splitlines()
    return "\n".join(("- " if i == 0 else "  ") + line for i, line in enumerate(lines)) + "\n"


def append_actor(actors_text: str, actor: dict) -> str:
    sep = "" if not actors_text or actors_text.endswith("\n") else "\n"
    return actors_text + sep + "\n# --- added in the app's Curate page ---\n" + actor_entry(actor)


def iso(d: Any) -> Any:
    return d.isoformat() if isinstance(d, dt.date) else d


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):")


def _blocks(text: str) -> dict[str, str]:
    """The text of each top-level key of a mapping file (comments above a key go with it)."""
    out: dict[str, str] = {}
    key, buf, pending = None, [], []
    for line in text.splitlines(keepends=True):
        m = _TOP_KEY.match(line)
        if m:
            if key is not None:
                out[key] = "".join(buf)
            key, buf = m.group(1), pending + [line]
            pending = []
        elif key is None or line.startswith("#"):
            pending.append(line)
        else:
            buf.append(line)
    if key is not None:
        out[key] = "".join(buf + pending)
    return out


def dump_preserving(data: dict, old_text: Optional[str]) -> str:
    """Like `dump`, but a top-level field whose value did not change keeps its old text, so an
    edit's diff shows only what the curator changed, not a re-wrapped file."""
    if not old_text:
        return dump(data)
    try:
        old = parse_yaml(old_text)
    except yaml.YAMLError:
        return dump(data)
    if not isinstance(old, dict):
        return dump(data)
    prepared = _prepare(data)
    plain = _plain(prepared)
    if plain == old:
        return old_text
    blocks = _blocks(old_text)
    parts = []
    for k, v in prepared.items():
        if k in blocks and k in old and old[k] == plain[k]:
            parts.append(blocks[k])
        else:
            parts.append(dump({k: v}))
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    try:
        same = parse_yaml(text) == plain
    except yaml.YAMLError:
        same = False
    return text if same else dump(data)
