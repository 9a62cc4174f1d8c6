"""The one answer type of :func:`geodata.resolve`.

A frozen dataclass, so a cached answer can be handed out as is. It also reads like the dict it
replaced (``r["lat"]``, ``r.get("reason")``) so that callers which only read keys keep working;
:meth:`GeoResult.as_dict` gives a plain dict (JSON, YAML).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional

ADMIN_FIELDS = ("admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode")
RESULT_KEYS = ("query", "name", "gazetteer_id", "lat", "lon", "precision", "radius_km", *ADMIN_FIELDS, "country",
               "source", "kind", "match", "ambiguous", "alternatives", "note", "ids")


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
    alternatives: tuple = ()  # dicts: name, gazetteer_id, lat/lon (None outside the hinted country), admin names
    note: str = ""
    reason: Optional[str] = None  # why there is no answer (lat is None)
    ids: tuple = ()  # every source id of the place (OCHA P-code, WOF id, GeoNames id)
    extra: dict = field(default_factory=dict)  # relation, anchor, components... of derived places

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
