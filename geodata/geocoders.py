"""Geocoders on geopy's interface: one small class per service, one shared interface.

Each is a ``geopy.geocoders.base.Geocoder`` whose ``geocode(query, exactly_one=True, ...)``
returns ``geopy.location.Location`` (or a list, or None) with our fields in ``raw``:
``query, name, gazetteer_id, lat, lon, precision, radius_km, admin1, country, source,
alternatives`` (precision codes and radii per ../shared/DESIGN.md). So they compose with geopy
(``RateLimiter``, code written for geopy) and with each other:

- :class:`OfflineGeocoder` — the offline gazetteer and phrase resolver; no network, ever.
- :class:`NominatimGeocoder` — OpenStreetMap's Nominatim through geopy's ``Nominatim``, only
  when the user opts in (``CONFLICT_MAP_NOMINATIM=1`` or ``--online``): a descriptive user
  agent, a short timeout (3 s), ``RateLimiter(min_delay_seconds=1)`` shared by the process, and
  an on-disk JSON cache of answers (the usage policy asks for all three). Results © OpenStreetMap
  contributors, ODbL.
- :class:`GeocoderChain` — asks its geocoders in order, first answer wins; a failing one
  (server down, slow, refusing) is skipped and its error kept in ``last_errors``.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, Optional

from geopy.adapters import RequestsAdapter, URLLibAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from . import governorates as govmod
from .gazetteer import default_cache_dir
from .precision import default_radius

__all__ = ["OfflineGeocoder", "NominatimGeocoder", "GeocoderChain", "location_from_result", "DEFAULT_USER_AGENT"]

DEFAULT_USER_AGENT = "conflict-event-map/0.1 (+https://github.com/conflict-event-map/conflict-event-map)"
DEFAULT_TIMEOUT = 3.0
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL), via Nominatim"


def _country_name(cc: Optional[str]) -> Optional[str]:
    if not cc:
        return None
    try:
        from .gazetteer import get_gazetteer

        rec = get_gazetteer().by_id(f"country:{cc}")
        return rec.name if rec else cc
    except Exception:  # the address is cosmetic
        return cc


def location_from_result(d: dict) -> Location:
    """A geopy Location for a resolve() result (``raw`` is the result as a plain dict)."""
    if hasattr(d, "as_dict"):
        d = d.as_dict()
    parts = [d.get("name")]
    if d.get("admin1") and d.get("admin1") != d.get("name"):
        parts.append(d["admin1"])
    if d.get("kind") != "country":
        parts.append(_country_name(d.get("country")))
    address = ", ".join(p for p in parts if p) or str(d.get("query") or "")
    return Location(address, Point(d["lat"], d["lon"]), d)


def _codes(country_codes) -> Optional[str]:
    if not country_codes:
        return None
    if isinstance(country_codes, str):
        return country_codes.split(",")[0].strip().upper() or None
    first = next(iter(country_codes), None)
    return str(first).upper() if first else None


class OfflineGeocoder(Geocoder):
    """The offline gazetteer as a geopy geocoder. ``country_codes`` (or ``country_bias``) is the
    hint that breaks ties; phrases such as "40 km from Palmyra" work too."""

    def __init__(self, *, country_bias: Optional[str] = "SY", resolver=None, gazetteer=None) -> None:
        super().__init__()
        from .resolver import Resolver

        self.country_bias = country_bias
        self.resolver = resolver or Resolver(gazetteer)

    def geocode(self, query, *, exactly_one: bool = True, country_codes=None, timeout=None):
        if query is None:
            return None
        country = _codes(country_codes) or self.country_bias
        d = self.resolver.resolve(str(query), country)
        if d.get("lat") is None:
            return None
        loc = location_from_result(d)
        if exactly_one:
            return loc
        alts = []
        for a in d.get("alternatives") or []:
            if a.get("lat") is None:
                continue
            raw = dict(a, query=d["query"], alternatives=[])
            alts.append(location_from_result(raw))
        return [loc, *alts]


# --------------------------------------------------------------------------- Nominatim

def _half_diagonal_km(bbox) -> Optional[float]:
    try:
        s, n, w, e = (float(x) for x in bbox)
    except (TypeError, ValueError):
        return None
    return govmod.haversine_km(s, w, n, e) / 2


_PRECISE = {"aerodrome", "military", "hospital", "clinic", "building", "amenity", "neighbourhood", "suburb",
            "quarter", "city_block", "residential", "allotments", "city", "town", "village", "hamlet",
            "isolated_dwelling", "locality", "municipality", "croft", "farm", "border_control", "checkpoint",
            "airport", "aeroway", "military_base", "place"}
_DISTRICT = {"county", "district", "state_district", "borough", "subdistrict"}
_ADMIN1 = {"state", "province", "region", "governorate"}
_WATER = {"sea", "ocean", "bay", "strait", "gulf", "water"}


def from_nominatim(raw: dict, query: str) -> dict:
    """Our fields from a Nominatim answer (``format=json`` with ``addressdetails=1``)."""
    lat, lon = float(raw["lat"]), float(raw["lon"])
    addr = raw.get("address") or {}
    cc = (addr.get("country_code") or "").upper() or None
    atype = raw.get("addresstype") or raw.get("type") or ""
    cls = raw.get("class") or raw.get("category") or ""
    if atype == "country":
        precision = 6
    elif atype in _WATER or (cls in ("natural", "water") and raw.get("type") in _WATER):
        precision = 7
    elif atype in _ADMIN1:
        precision = 4
    elif atype in _DISTRICT:
        precision = 3
    elif atype in _PRECISE or cls in ("aeroway", "military", "amenity", "building", "place"):
        precision = 1
    else:
        precision = 2
    half = _half_diagonal_km(raw.get("boundingbox"))
    radius = max(1.0, half) if half is not None else default_radius(precision)
    admin1 = None
    if cc == "SY":
        admin1 = govmod.admin1_at(lat, lon)
    if admin1 is None:
        admin1 = addr.get("state") or addr.get("province") or addr.get("region")
    name = raw.get("name") or (raw.get("display_name") or query).split(",")[0].strip()
    return {"query": query, "name": name, "gazetteer_id": f"osm:{raw.get('osm_type', '?')}/{raw.get('osm_id', '?')}",
            "lat": round(lat, 5), "lon": round(lon, 5), "precision": precision, "radius_km": round(radius, 1),
            "admin1": admin1, "country": cc, "source": "nominatim", "alternatives": [], "kind": atype,
            "match": "online", "note": OSM_ATTRIBUTION, "display_name": raw.get("display_name")}


class _JsonCache:
    """A small on-disk JSON cache (written atomically; unreadable or unwritable means in memory)."""

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self._data: Optional[dict] = None
        self._lock = threading.Lock()

    def _load(self) -> dict:
        if self._data is None:
            self._data = {}
            if self.path is not None:
                try:
                    with open(self.path, encoding="utf-8") as f:
                        data = json.load(f)
                    if isinstance(data, dict):
                        self._data = data
                except (OSError, ValueError):
                    pass
        return self._data

    def get(self, key: str):
        with self._lock:
            return self._load().get(key)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._load()

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            data = self._load()
            data[key] = value
            if self.path is None:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".nominatim-", suffix=".tmp", dir=self.path.parent)
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        json.dump(data, f, ensure_ascii=False)
                    os.replace(tmp, self.path)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
            except OSError:
                pass  # stays in memory


def _no_retry_adapter(*, proxies, ssl_context):
    """geopy's HTTP adapter without its transport-level retries (requests retries a refused
    connection or a read timeout twice by default: 3 x the timeout). One attempt per request."""
    try:
        return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
    except ImportError:  # pragma: no cover - requests is installed with streamlit
        return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


class NominatimGeocoder(Geocoder):
    """Nominatim (opt-in) with our fields in ``raw``; answers are cached on disk.

    Raises geopy's errors like any geopy geocoder (``GeocoderTimedOut``,
    ``GeocoderUnavailable``, ...); :class:`GeocoderChain` and :func:`geodata.resolve` catch them
    and fall back. One ``RateLimiter`` per server is shared by every instance in the process, so
    the whole app stays at one request per second. Nothing retries (neither the rate limiter nor
    the HTTP adapter), so a dead or silent server costs one ``timeout`` (3 s) at most.
    """

    def __init__(self, *, domain: str = "nominatim.openstreetmap.org", scheme: str = "https",
                 user_agent: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                 min_delay_seconds: float = 1.0, cache_path: Optional[Path | str] | bool = None,
                 proxies=DEFAULT_SENTINEL) -> None:
        user_agent = user_agent or DEFAULT_USER_AGENT
        super().__init__(scheme=scheme, timeout=timeout, user_agent=user_agent, proxies=proxies,
                         adapter_factory=_no_retry_adapter)
        self.domain = domain
        self.nominatim = Nominatim(user_agent=user_agent, domain=domain, scheme=scheme, timeout=timeout,
                                   proxies=proxies, adapter_factory=_no_retry_adapter)
        key = f"{scheme}://{domain}|{min_delay_seconds}"
        with _limiters_lock:
            limiter = _limiters.get(key)
            if limiter is None:
                # max_retries=0 and no swallowing: one attempt, and the caller learns why it failed.
                limiter = _limiters[key] = RateLimiter(self._call, min_delay_seconds=min_delay_seconds,
                                                       max_retries=0, swallow_exceptions=False)
        self._limited = limiter
        if cache_path is False:
            path = None
        elif cache_path is None or cache_path is True:
            path = default_cache_dir() / "nominatim-cache.json"
        else:
            path = Path(cache_path)
        self.cache = _JsonCache(path)
        self.requests_made = 0

    @classmethod
    def from_settings(cls, **kwargs) -> "NominatimGeocoder":
        """The server from ``CONFLICT_MAP_NOMINATIM_URL`` (e.g. a self-hosted Nominatim,
        ``http://127.0.0.1:8080``), default the OpenStreetMap Foundation's."""
        url = (os.environ.get("CONFLICT_MAP_NOMINATIM_URL") or "").strip().rstrip("/")
        if url:
            scheme, _, rest = url.partition("://")
            if not rest:
                scheme, rest = "https", url
            kwargs.setdefault("scheme", scheme)
            kwargs.setdefault("domain", rest)
        return cls(**kwargs)

    @staticmethod
    def _call(nominatim: Nominatim, query: str, **kwargs):
        return nominatim.geocode(query, **kwargs)

    def geocode(self, query, *, exactly_one: bool = True, country_codes=None, limit: int = 5,
                timeout=DEFAULT_SENTINEL):
        if query is None or not str(query).strip():
            return None
        query = str(query).strip()
        cc = _codes(country_codes)
        key = json.dumps([self.scheme, self.domain, query, cc, limit], ensure_ascii=False)
        raws = self.cache.get(key)
        if not (isinstance(raws, list) and all(isinstance(r, dict) for r in raws)):  # absent or damaged
            raws = None
        if raws is None:
            kwargs = {"exactly_one": False, "addressdetails": True, "limit": limit}
            if cc:
                kwargs["country_codes"] = cc.lower()
            if timeout is not DEFAULT_SENTINEL:
                kwargs["timeout"] = timeout
            self.requests_made += 1
            found = self._limited(self.nominatim, query, **kwargs)  # raises geopy errors
            raws = [loc.raw for loc in (found or [])]
            self.cache.put(key, raws)
        results = [from_nominatim(r, query) for r in raws if "lat" in r and "lon" in r]
        if not results:
            return None
        for r in results:
            r["alternatives"] = [{k: o[k] for k in ("name", "gazetteer_id", "lat", "lon", "precision", "radius_km",
                                                     "admin1", "country", "kind", "source")}
                                 for o in results if o is not r]
        locs = [Location(r.get("display_name") or r["name"], Point(r["lat"], r["lon"]), r) for r in results]
        return locs[0] if exactly_one else locs


class GeocoderChain(Geocoder):
    """Ask each geocoder in turn; the first answer wins. A geocoder that raises (a geopy error,
    a network error) is skipped; ``last_errors`` says which failed and why."""

    def __init__(self, geocoders: Iterable[Geocoder]) -> None:
        super().__init__()
        self.geocoders = list(geocoders)
        self.last_errors: list[str] = []

    def geocode(self, query, *, exactly_one: bool = True, country_codes=None, **kwargs):
        errors: list[str] = []
        for g in self.geocoders:
            try:
                try:
                    res = g.geocode(query, exactly_one=exactly_one, country_codes=country_codes, **kwargs)
                except TypeError:
                    res = g.geocode(query, exactly_one=exactly_one)
            except (GeopyError, OSError, ValueError) as exc:
                errors.append(f"{type(g).__name__}: {type(exc).__name__}: {exc}")
                continue
            if res:
                self.last_errors = errors
                return res
        self.last_errors = errors
        return None
