"""The curated data's schema: pydantic models for actors, sources, events and claims.

One YAML file per event (events/data/events/<id>.yaml), one per source
(events/data/sources/<id>.yaml beside its archived text <id>.txt), and one
actors file (events/data/actors.yaml). Unknown fields are errors, so a typo in a
field name is caught rather than silently ignored.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from . import vocab

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Stance = Literal[vocab.STANCES]  # type: ignore[valid-type]
Status = Literal["confirmed", "disputed", "denied", "claimed"]
DatePrecision = Literal["day", "week", "month", "year"]
DateBasis = Literal["stated", "publication", "inferred"]
EventType = Literal[tuple(vocab.EVENT_TYPES)]  # type: ignore[valid-type]
ActorKind = Literal[vocab.ACTOR_KINDS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Actor(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: ActorKind
    aliases: list[str] = []
    note: str = ""


class Source(Strict):
    """One published document; its text is archived beside this record as <id>.txt."""

    id: str = Field(pattern=SLUG)
    outlet: str  # actor id of the publishing outlet
    title: str = Field(min_length=1)
    published: dt.date
    published_precision: DatePrecision = "day"
    published_basis: DateBasis = "stated"
    published_note: str = ""
    agencies: list[str] = []  # actor ids of agencies the article cites (the reporting chain)
    url: Optional[str] = None
    language: str = "en"
    seed_file: Optional[str] = None  # the raw file in ../shared/seeds/ this was archived from
    note: str = ""

    @field_validator("url")
    @classmethod
    def _http_only(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.match(r"^https?://", v):
            raise ValueError("url must start with http:// or https://")
        return v


class DateSpan(Strict):
    start: dt.date
    end: Optional[dt.date] = None  # defaults to start
    precision: DatePrecision
    basis: DateBasis
    note: str = ""

    @field_validator("end")
    @classmethod
    def _ordered(cls, v: Optional[dt.date], info: ValidationInfo) -> Optional[dt.date]:
        start = info.data.get("start")  # absent when start itself failed
        if v is not None and start is not None and v < start:
            raise ValueError(f"end date {v} is before start date {start}")
        return v

    @model_validator(mode="after")
    def _default_end(self) -> "DateSpan":
        if self.end is None:
            self.end = self.start
        return self


class Place(Strict):
    text: str = Field(min_length=1)  # the source's own words
    name: Optional[str] = None  # resolved gazetteer entry
    gazetteer_id: Optional[str] = None
    lat: Optional[float] = Field(default=None, ge=-90, le=90)
    lon: Optional[float] = Field(default=None, ge=-180, le=180)
    precision: Optional[int] = Field(default=None, ge=1, le=7)
    radius_km: Optional[float] = Field(default=None, ge=0)
    admin1: Optional[str] = None
    country: Optional[str] = None  # ISO 3166-1 alpha-2
    pinned: bool = False  # a curator's hand-set coordinates: `events geocode` keeps them
    note: str = ""

    @model_validator(mode="after")
    def _both_or_neither(self) -> "Place":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.pinned and self.lat is None:
            raise ValueError("a pinned place needs lat and lon")
        return self

    @property
    def located(self) -> bool:
        return self.lat is not None


class Toll(Strict):
    """Fatalities as one claimant gives them: an exact count or a range."""

    claimant: Optional[str] = None  # actor id; on a claim's own toll it defaults to the claimant
    count: Optional[int] = Field(default=None, ge=0)
    low: Optional[int] = Field(default=None, ge=0)
    high: Optional[int] = Field(default=None, ge=0)
    note: str = ""

    @model_validator(mode="after")
    def _some_figure(self) -> "Toll":
        if self.count is None and self.low is None and self.high is None and not self.note:
            raise ValueError("a toll needs a count, a low/high range or a note")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("high is below low")
        return self


class Claim(Strict):
    id: str = Field(pattern=SLUG)  # unique within its event
    claimant: str  # actor id
    stance: Stance
    source: str  # source id
    via: list[str] = []  # actor ids the claim reached the source through ("SITE citing Amaq")
    excerpts: list[str] = Field(min_length=1)
    place: Optional[Place] = None  # where this claimant puts the event, when it differs
    date: Optional[DateSpan] = None
    fatalities: Optional[Toll] = None
    note: str = ""

    @field_validator("stance", mode="before")
    @classmethod
    def _retired_stance(cls, v):
        if isinstance(v, str) and v in vocab.RETIRED_STANCES:
            new = vocab.RETIRED_STANCES[v]
            raise ValueError(f"stance {v!r} was split: use {' or '.join(map(repr, new))} "
                             "(acknowledges: the party the event concerns accepts it; corroborates: "
                             "independent evidence supports it)")
        return v

    @field_validator("excerpts")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if any(not e.strip() for e in v):
            raise ValueError("an excerpt is empty")
        return v


class StatusOverride(Strict):
    status: Status
    reason: str = Field(min_length=10)


class Event(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    event_type: EventType
    participants: list[str] = []  # actor ids: who acted, who was hit
    date: DateSpan
    place: Place
    fatalities: list[Toll] = []
    claims: list[Claim] = Field(min_length=1)
    status_override: Optional[StatusOverride] = None
    note: str = ""

    @field_validator("claims")
    @classmethod
    def _unique_claim_ids(cls, v: list[Claim]) -> list[Claim]:
        seen: set[str] = set()
        for c in v:
            if c.id in seen:
                raise ValueError(f"claim id {c.id!r} is used twice")
            seen.add(c.id)
        return v
