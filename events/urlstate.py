"""Filters and the selected event <-> URL query parameters.

Keys: `event` (an event id), `status`, `actor`, `type`, `area` (repeatable; an area is an OCHA
P-code of a Syrian governorate, district or sub-district, e.g. SY02, SY0200, SY020000, known to
geodata.admin), `from`, `to` (ISO dates, YYYY-MM-DD) and `q` (text, at most 200 characters). Actors may be given by id or by any alias.
`parse_query` never raises: whatever cannot be used is dropped with one human-readable notice
(unknown keys, unknown values, bad dates, `from` after `to`, values longer than 200 characters,
more than 50 values for one key). Notices quote user input shortened and with repr(), and the
app still escapes them before display.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping, Optional

from . import vocab
from .filters import Filters

KEYS = ("event", "status", "actor", "type", "area", "from", "to", "q")
MULTI_KEYS = ("status", "actor", "type", "area")
MAX_VALUE_LEN = 200
MAX_VALUES = 50
MAX_NOTICES = 20
# Keys some other part of the app or Streamlit itself uses: ignored without a notice.
SILENT_KEYS = frozenset({"embed", "embed_options", "dataset", "page", "view", "tab"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _show(value: Any, limit: int = 40) -> str:
    s = str(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def _values(raw: Any) -> list[str]:
    """A parameter's values as a list of str, whatever shape the caller passed."""
    if raw is None:
        return []
    if isinstance(raw, (str, bytes)):
        raw = [raw]
    try:
        items = list(raw)
    except TypeError:
        items = [raw]
    out = []
    for v in items:
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        out.append(v if isinstance(v, str) else str(v))
    return out


def _parse_date(value: str) -> Optional[dt.date]:
    v = value.strip()
    if not _ISO_DATE.match(v):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def area_name(pcode: str) -> Optional[str]:
    """A readable name of an OCHA P-code: 'Aleppo governorate', "A'zaz district (Aleppo)",
    "A'rima sub-district (Al Bab, Aleppo)"; None for anything that is not a known P-code."""
    from geodata.admin import get_index  # noqa: PLC0415 - names only, no geometry

    if not isinstance(pcode, str) or not pcode.startswith("SY"):
        return None
    idx = get_index()
    unit = idx.unit(pcode)
    if unit is None:
        return None
    parents = []
    up = unit
    while up.parent is not None:
        up = idx.units[up.parent]
        parents.append(up.name)
    word = {1: "governorate", 2: "district", 3: "sub-district"}[unit.level]
    return f"{unit.name} {word}" + (f" ({', '.join(parents)})" if parents else "")


def _known_types(ds) -> set[str]:
    # Asked of the dataset's query engine (a stored import has no events frame in memory).
    from .engine import engine_of

    return set(vocab.EVENT_TYPES) | set(engine_of(ds).values("event_type"))


def _has_event(ds, event_id: str) -> bool:
    from .engine import engine_of

    return engine_of(ds).contains_id(event_id)


def parse_query(params: Mapping[str, Any], ds, *, silent_keys: Iterable[str] = SILENT_KEYS
                ) -> tuple[Filters, Optional[str], list[str]]:
    """(Filters, selected event id or None, notices) from query parameters.

    `params` maps a key to its list of values (a single str is accepted as one value), as
    `{k: st.query_params.get_all(k) for k in st.query_params}` gives."""
    notices: list[str] = []
    silent = set(silent_keys)
    got: dict[str, list[str]] = {}
    try:
        items = list(params.items())
    except Exception:
        return Filters(), None, ["Ignored the address parameters: they could not be read."]
    for key, raw in items:
        key = str(key)
        if key not in KEYS:
            if key not in silent:
                notices.append(f"Ignored unknown parameter {_show(key)}.")
            continue
        values = _values(raw)
        if len(values) > MAX_VALUES:
            notices.append(f"Ignored {_show(key)}: {len(values)} values is more than {MAX_VALUES}.")
            continue
        kept = []
        for v in values:
            if len(v) > MAX_VALUE_LEN:
                notices.append(f"Ignored a value of {_show(key)} longer than {MAX_VALUE_LEN} characters.")
            else:
                kept.append(v)
        got.setdefault(key, []).extend(kept)

    def single(key: str) -> Optional[str]:
        vals = [v for v in got.get(key, []) if v.strip()]
        if not vals:
            return None
        if len(set(vals)) > 1:
            notices.append(f"Several values for {_show(key)}: used the last, {_show(vals[-1])}.")
        return vals[-1]

    statuses: list[str] = []
    for v in got.get("status", []):
        s = v.strip().lower()
        if s in vocab.STATUSES:
            if s not in statuses:
                statuses.append(s)
        elif s:
            notices.append(f"Ignored unknown status {_show(v)} (known: {', '.join(vocab.STATUSES)}).")

    types: list[str] = []
    known_types = _known_types(ds) if got.get("type") else set()
    for v in got.get("type", []):
        t = v.strip() if v.strip() in known_types else v.strip().lower()
        if t in known_types:
            if t not in types:
                types.append(t)
        elif t:
            notices.append(f"Ignored unknown event type {_show(v)}.")

    actors: list[str] = []
    if got.get("actor"):
        registry = getattr(ds, "registry", None)
        for v in got.get("actor", []):
            aid = registry.resolve(v.strip()) if registry is not None else None
            if aid is not None:
                if aid not in actors:
                    actors.append(aid)
            elif v.strip():
                cands = registry.candidates(v.strip()) if registry is not None else []
                if len(cands) > 1:
                    notices.append(f"Ignored actor {_show(v)}: it could mean {', '.join(cands)}.")
                else:
                    notices.append(f"Ignored unknown actor {_show(v)}.")

    areas: list[str] = []
    for v in got.get("area", []):
        code = v.strip().upper()
        if area_name(code) is not None:
            if code not in areas:
                areas.append(code)
        elif code:
            notices.append(f"Ignored unknown area {_show(v)} (an OCHA P-code such as SY02 for Aleppo governorate).")

    dates: dict[str, Optional[dt.date]] = {}
    for key in ("from", "to"):
        v = single(key)
        dates[key] = None
        if v is not None:
            d = _parse_date(v)
            if d is None:
                notices.append(f"Ignored {_show(key)} date {_show(v)}: use YYYY-MM-DD.")
            dates[key] = d
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        notices.append(f"Ignored the date range: 'from' {dates['from']} is after 'to' {dates['to']}.")
        dates["from"] = dates["to"] = None

    q = single("q") or ""
    q = " ".join(q.split())

    event_id = single("event")
    if event_id is not None:
        event_id = event_id.strip()
        if not _has_event(ds, event_id):
            notices.append(f"Event {_show(event_id)} is not in this dataset.")
            event_id = None

    if len(notices) > MAX_NOTICES:
        rest = len(notices) - (MAX_NOTICES - 1)
        notices = notices[: MAX_NOTICES - 1] + [f"… and {rest} more ignored parameters."]
    f = Filters(date_from=dates["from"], date_to=dates["to"], actors=tuple(actors),
                statuses=tuple(statuses), types=tuple(types), q=q, areas=tuple(areas))
    return f, event_id, notices


def to_query(filters: Filters, event_id: Optional[str] = None) -> dict[str, list[str]]:
    """The query parameters of a state: only keys with a value, in the order of KEYS."""
    out: dict[str, list[str]] = {}
    if event_id:
        out["event"] = [event_id]
    if filters.statuses:
        out["status"] = list(filters.statuses)
    if filters.actors:
        out["actor"] = list(filters.actors)
    if filters.types:
        out["type"] = list(filters.types)
    if filters.areas:
        out["area"] = list(filters.areas)
    if filters.date_from:
        out["from"] = [filters.date_from.isoformat()]
    if filters.date_to:
        out["to"] = [filters.date_to.isoformat()]
    if filters.q and filters.q.strip():
        out["q"] = [filters.q.strip()]
    return out
