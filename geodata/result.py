"""The one answer type of :func:`geodata.resolve`.

A frozen dataclass, so a cached answer can be handed out as is. It also reads like the dict it
replaced (``r["lat"]``, ``r.get("reason")``) so that callers which only read keys keep working;
:meth:`GeoResult.as_dict` gives a plain dict (JSON, YAML).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Optional

ADMIN_FIELDS = ("admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode")
RESULT_KEYS = ("query", "name", "gazetteer_id", "lat", "lon", "precision", "radius_km", *ADMIN_FIELDS, "country",
               "source", "kind", "match", "ambiguous", "alternatives", "note", "ids")


class LazyAlternatives(Sequence):
    """Alternatives made when first read: most names a batch does not find are places abroad,
    whose listing (records, admin names) nobody may ever read. Reads like the tuple it becomes;
    pickles and copies as that tuple."""

    __slots__ = ("_make", "_items")

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._items: Optional[tuple] = None

    def _get(self) -> tuple:
        items = self._items
        if items is None:
            items = self._items = tuple(self._make())
            self._make = None
        return items

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, i):
        return self._get()[i]

    def __iter__(self):
        return iter(self._get())

    def __eq__(self, other) -> bool:
        return isinstance(other, (tuple, Sequence)) and not isinstance(other, str) and self._get() == tuple(other)

    def __hash__(self) -> int:
        return hash(self._get())

    def __repr__(self) -> str:
        return repr(self._get())

    def __reduce__(self):
        return (tuple, (self._get(),))


@dataclass(frozen=True)
class GeoResult:
    query: str
    name: Optional[str] = None
    gazetteer_id: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    precision: Optional[int] = None
    radius_km: Optional[float] = None
    admin1: Optional[str] = None
    admin1_pcode: Optional[str] = None
    admin2: Optional[str] = None
    admin2_pcode: Optional[str] = None
    admin3: Optional[str] = None
    admin3_pcode: Optional[str] = None
    country: Optional[str] = None
    source: Optional[str] = None
    kind: str = ""
    match: str = ""  # exact | loose | fuzzy (skeleton) | similar (rapidfuzz) | derived | online
    ambiguous: bool = False
    alternatives: Sequence = ()  # dicts: name, gazetteer_id, lat/lon (None outside the hinted country), admin
    # names; a tuple, or a LazyAlternatives that becomes one when read
    note: str = ""
    reason: Optional[str] = None  # why there is no answer (lat is None)
    ids: tuple = ()  # every source id of the place (OCHA P-code, WOF id, GeoNames id)
    extra: dict = field(default_factory=dict)  # relation, anchor, components... of derived places

    @classmethod
    def make(cls, **values) -> "GeoResult":
        """The same as ``GeoResult(**values)``, several times faster (a batch makes one per name):
        the frozen dataclass's ``__init__`` sets each of its 24 fields through
        ``object.__setattr__``; this fills the instance's dict at once. Unknown keys are refused."""
        bad = values.keys() - _FIELD_NAMES
        if bad:
            raise TypeError(f"GeoResult has no field(s) {sorted(bad)}")
        obj = object.__new__(cls)
        d = dict(_DEFAULTS)
        d["extra"] = {}
        d.update(values)
        obj.__dict__.update(d)
        return obj

    @property
    def found(self) -> bool:
        return self.lat is not None

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        d["alternatives"] = [dict(a) for a in self.alternatives]
        d["ids"] = list(self.ids)
        if d["reason"] is None:
            del d["reason"]
        for k, v in self.extra.items():
            d.setdefault(k, v)
        return d

    # Read like a mapping (see the module docstring).
    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        try:
            v = getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None
        return [dict(a) for a in v] if key == "alternatives" else v

    def get(self, key: str, default: Any = None) -> Any:
        try:
            v = self[key]
        except KeyError:
            return default
        return default if v is None and key == "reason" else v

    def __contains__(self, key: str) -> bool:
        return key in self.extra or (key in self.__dataclass_fields__ and (key != "reason" or self.reason is not None))

    def keys(self):
        return self.as_dict().keys()


_FIELD_NAMES = frozenset(f.name for f in fields(GeoResult))
_DEFAULTS = {f.name: f.default for f in fields(GeoResult) if f.name != "extra"}
