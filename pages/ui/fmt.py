"""Plain-text formatting of dates, places, statuses and tolls for the views. No Streamlit import.

Every function returns plain text: escape it (pages.ui.html_safe) where it reaches HTML/Markdown.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping

import pandas as pd

from events import vocab

UNKNOWN_COLOUR = "#6B7280"  # a status outside the vocabulary (should not happen)


def is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def text(v: Any, default: str = "") -> str:
    """A cell as text: missing values become ``default``."""
    return default if is_missing(v) else str(v)


def to_date(v: Any) -> dt.date | None:
    if is_missing(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return pd.Timestamp(v).date()
    except (TypeError, ValueError):
        return None


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def date_label(start: Any, end: Any = None, precision: Any = "day") -> str:
    """'27 Apr 2016', '27 Apr – 3 May 2016', 'week of 2 May 2016', 'Apr 2016', '2016'."""
    d0, d1 = to_date(start), to_date(end)
    if d0 is None:
        return "date unknown"
    if d1 is None:
        d1 = d0
    precision = text(precision, "day")
    if precision == "year":
        return str(d0.year) if d0.year == d1.year else f"{d0.year}–{d1.year}"
    if precision == "month":
        if (d0.year, d0.month) == (d1.year, d1.month):
            return f"{d0:%b %Y}"
        return f"{d0:%b %Y} – {d1:%b %Y}"
    if precision == "week":
        if d1 == d0 or (d1 - d0).days <= 7:
            return f"week of {_day(d0)}"
        return f"weeks of {_day(d0)} – {_day(d1)}"
    if d1 == d0:
        return _day(d0)
    if d0.year == d1.year:
        if d0.month == d1.month:
            return f"{d0.day}–{d1.day} {d1:%b %Y}"
        return f"{d0.day} {d0:%b} – {_day(d1)}"
    return f"{_day(d0)} – {_day(d1)}"


def iso(v: Any) -> str:
    d = to_date(v)
    return d.isoformat() if d else ""


def status_colour(status: Any) -> str:
    return vocab.STATUS_COLOURS.get(text(status), UNKNOWN_COLOUR)


def status_label(status: Any) -> str:
    s = text(status)
    return vocab.STATUS_LABELS.get(s, s or "Unknown")


def type_label(event_type: Any) -> str:
    t = text(event_type)
    return vocab.EVENT_TYPE_LABELS.get(t, t.replace("_", " ").capitalize() or "Unknown type")


def precision_int(v: Any) -> int | None:
    if is_missing(v):
        return None
    try:
        p = int(v)
    except (TypeError, ValueError):
        return None
    return p if p in vocab.PRECISION_LABELS else None


def precision_label(v: Any) -> str:
    p = precision_int(v)
    return f"{p} – {vocab.PRECISION_LABELS[p]}" if p else "precision unknown"


def radius_km(row: Mapping[str, Any]) -> float | None:
    """The uncertainty radius of a row (events or claims frame), falling back to the precision's."""
    r = row.get("radius_km")
    if not is_missing(r):
        try:
            r = float(r)
            if math.isfinite(r) and r >= 0:
                return r
        except (TypeError, ValueError):
            pass
    p = precision_int(row.get("precision"))
    return vocab.PRECISION_RADIUS_KM.get(p) if p else None


def has_coords(row: Mapping[str, Any]) -> bool:
    lat, lon = row.get("lat"), row.get("lon")
    if is_missing(lat) or is_missing(lon):
        return False
    try:
        return -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
    except (TypeError, ValueError):
        return False


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (enough to tell whether two claimed places differ)."""
    from geopy.distance import great_circle

    return great_circle((lat1, lon1), (lat2, lon2)).km


def place_label(row: Mapping[str, Any]) -> str:
    """'Aleppo (Aleppo governorate)'; the source words when nothing was resolved."""
    name = text(row.get("place_name")) or text(row.get("place_text")) or "place unknown"
    admin1 = text(row.get("admin1"))
    if admin1 and admin1.lower() not in name.lower():
        return f"{name} ({admin1})"
    return name


def as_tuple(v: Any) -> tuple:
    if isinstance(v, (list, tuple)):
        return tuple(v)
    if isinstance(v, set):
        return tuple(sorted(v))
    if hasattr(v, "tolist"):
        return tuple(v.tolist())
    if is_missing(v) or v == "":
        return ()
    return (v,)
