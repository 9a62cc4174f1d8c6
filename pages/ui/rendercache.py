"""Per-process caches of what the server draws the same way for every reader in the same state:
the map component's arguments (the folium map rendered to Leaflet script) and the time
histogram's Vega-Lite spec.

Why: a shared link brings many readers to the same view (same dataset, filters, selection), and a
rerun spent most of its CPU re-building and re-rendering identical folium and Altair objects
(about 130 ms for the map, 40 ms for the histogram on the curated table; benchmarks/load.py,
README "Many readers at once"). Streamlit serves all sessions from one interpreter, so that cost
was paid once per reader action, in series.

What is cached is output, never state: each entry is keyed by everything its output depends on
(the caller's state key: filters, view, selection, colour, layer, map key...) plus the identity of
the dataset and query engine it was drawn from (held by weak reference: an entry of a dataset that
was replaced or dropped is never served, even if Python reuses its id). Datasets are read-only
once loaded (pages/ui/datasets.py), so the same key always draws the same thing. Text from data is
escaped when the entry is built (pages.ui.html_safe, mapview.layers); a hit returns that same
escaped text.

Bounded, least recently used first out: maps 256 entries / 64 MB of text, charts 512 / 16 MB,
`memo` answers 4,096 / 32 MB (a DataFrame counted by its deep memory use). `clear()` empties them
(tests). A DataFrame answer is shared by every reader: callers only read it.
"""
from __future__ import annotations

import copy
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import streamlit as st

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


_MISS = object()


class _LRU:
    """A thread-safe least-recently-used map of key -> (owner weakrefs, value, size)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._d: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key, owners: tuple):
        with self._lock:
            hit = self._d.get(key)
            if hit is not None and all(r() is o for r, o in zip(hit[0], owners)):
                self._d.move_to_end(key)
                self.hits += 1
                return hit[1]
            if hit is not None:  # an owner was replaced (same id, another object): stale
                self._bytes -= hit[2]
                del self._d[key]
            self.misses += 1
            return _MISS

    def put(self, key, owners: tuple, value, size: int) -> None:
        refs = tuple(weakref.ref(o) for o in owners)
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            if size > self.max_bytes:
                return
            self._d[key] = (refs, value, size)
            self._bytes += size
            while len(self._d) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, _, s) = self._d.popitem(last=False)
                self._bytes -= s

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._d)


_MAPS = _LRU()
_CHARTS = _LRU(max_entries=512, max_bytes=16 * 1024 * 1024)


def clear() -> None:
    for c in (_MAPS, _BASES, _CHARTS, _ANSWERS):
        c.clear()


def stats() -> dict:
    return {name: {"entries": len(c), "hits": c.hits, "misses": c.misses}
            for name, c in (("maps", _MAPS), ("bases", _BASES), ("charts", _CHARTS), ("answers", _ANSWERS))}


def _key(owners: Iterable[Any], state: tuple) -> tuple:
    return (tuple(id(o) for o in owners), state)


# --------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class DrawnMap:
    """A map rendered once: the st_folium component's arguments and what the page says about it."""
    args: dict  # streamlit_folium's component arguments (script, header, html, feature_group, ...)
    info: dict = field(default_factory=dict)  # the caller's extras (note, counts, legend data)


def render_folium(fig, *, key: str, height: int, width: int | None = None,
                  returned_objects: Iterable[str] | None = None, feature_group_to_add=None) -> dict:
    """The arguments `streamlit_folium.st_folium(fig, key=..., height=..., width=...,
    returned_objects=..., feature_group_to_add=...)` passes to its component, computed as it does
    (streamlit-folium 0.27.4, pinned; tests/test_rendercache.py checks that the element drawn is the
    same as st_folium's), without drawing it. Consumes `fig` (rendering changes folium's objects)."""
    args = render_base(fig, key=key, height=height, width=width, returned_objects=returned_objects)
    args["feature_group"] = render_layers(feature_group_to_add, fig)
    return args


def render_base(fig, *, key: str, height: int, width: int | None = None,
                returned_objects: Iterable[str] | None = None) -> dict:
    """render_folium's arguments for the map alone (its feature groups None): what a map's layers
    are drawn over. Consumes `fig`."""
    import folium
    import streamlit_folium as sf

    folium_map = fig
    folium_map.get_root().render()
    folium_map.render()
    html = sf._get_html(folium_map)
    header = sf._get_header(folium_map)
    leaflet = sf._get_map_string(folium_map)
    m_id = sf.get_full_id(folium_map)
    try:
        (s, w), (n, e) = folium_map.get_bounds()
    except AttributeError:
        (s, w), (n, e) = (None, None), (None, None)
    defaults = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
        "zoom": folium_map.options.get("zoom") if hasattr(folium_map, "options") else {},
        "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None, "selected_tags": None,
        "last_geocoder_result": None,
    }
    if returned_objects is not None:
        returned_objects = list(returned_objects)
        defaults = {k: v for k, v in defaults.items() if k in returned_objects}
    css_links: list[str] = []
    js_links: list[str] = []

    def walk(el):
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(folium_map):
        css_links.extend(href for _, href in getattr(el, "default_css", []))
        js_links.extend(src for _, src in getattr(el, "default_js", []))
    return {
        "script": leaflet, "header": header, "html": html, "id": m_id,
        "key": sf.generate_js_hash(leaflet, key, False), "height": height, "width": width,
        "returned_objects": returned_objects, "default": defaults, "zoom": None, "center": None,
        "feature_group": None, "return_on_hover": False, "layer_control": None, "pixelated": False,
        "css_links": list(dict.fromkeys(css_links)), "js_links": list(dict.fromkeys(js_links)),
        "wrap_longitude": False,
    }


def render_layers(feature_group_to_add, fig=None) -> str | None:
    """st_folium's `feature_group` script for a FeatureGroup or a list of them (None for none),
    rendered against `fig` or, as st_folium names the map `map_div` in that script whatever map it
    was rendered with, a throwaway map (a cached base map is never touched again)."""
    import folium
    import streamlit_folium as sf

    if feature_group_to_add is None:
        return None
    if isinstance(feature_group_to_add, folium.FeatureGroup):
        feature_group_to_add = [feature_group_to_add]
    target = fig if fig is not None else folium.Map(tiles=None)
    return "".join(sf._get_feature_group_string(fg, map=target, idx=i) for i, fg in enumerate(feature_group_to_add))


_BASES = _LRU(max_entries=64, max_bytes=16 * 1024 * 1024)


def drawn_map(state: tuple, owners: tuple, build: Callable[[], tuple], *, key: str, height: int,
              width: int | None = None, base: tuple[tuple, Callable[[], Any]] | None = None) -> DrawnMap:
    """The map for `state` (a hashable key of everything the map depends on besides `owners`,
    the dataset and engine it is drawn from): from the cache, or `build()` -> (folium map, feature
    groups, returned_objects, info dict) rendered once and kept.

    `base` = (base_state, make_base): the map without its layers depends on less than `state`
    (where it opened, the colours, the types; not the filters or the view), so it is rendered once
    per base_state by `make_base()` and every state drawn over it renders its layers alone (a new
    filter state ~40 ms sooner); `build()` then returns None for the map."""
    k = _key(owners, (state, key, height, width))
    hit = _MAPS.get(k, owners)
    if hit is not _MISS:
        return hit
    fig, layers, returned, info = build()
    if base is None:
        args = render_folium(fig, key=key, height=height, width=width, returned_objects=returned,
                             feature_group_to_add=layers or None)
    else:
        base_state, make_base = base
        bk = _key(owners, ("base", base_state, key, height, width, tuple(returned) if returned is not None else None))
        base_args = _BASES.get(bk, owners)
        if base_args is _MISS:
            base_args = render_base(make_base(), key=key, height=height, width=width, returned_objects=returned)
            _BASES.put(bk, owners, base_args, sum(len(base_args[c]) for c in ("script", "header", "html")))
        args = dict(base_args, feature_group=render_layers(layers or None))
        args["default"] = copy.deepcopy(base_args["default"])
        args["returned_objects"] = list(base_args["returned_objects"]) if base_args["returned_objects"] is not None else None
    drawn = DrawnMap(args=args, info=info)
    size = sum(len(v) for v in (args["script"], args["header"], args["html"], args["feature_group"] or "") if v)
    _MAPS.put(k, owners, drawn, size)
    return drawn


def layer_script(fg, idx: int) -> str:
    """`fg` (a folium FeatureGroup) as st_folium's feature_group script, added after `idx` cached
    layers. Rendered against a throwaway map: st_folium names the map `map_div` in that script
    whatever map it was rendered with, and a cached map is never touched again."""
    import folium
    import streamlit_folium as sf

    return sf._get_feature_group_string(fg, map=folium.Map(tiles=None), idx=idx)


def layer_count(drawn: DrawnMap) -> int:
    """How many feature groups the cached map's script adds (the index of a layer drawn over them)."""
    return (drawn.args["feature_group"] or "").count("window.feature_group.push(")


def show_map(drawn: DrawnMap, *, key: str, on_change: Callable[[], None] | None = None, extra_script: str = ""):
    """Draw a DrawnMap as st_folium(..., key=key, on_change=on_change) would; returns its value.
    `extra_script` (`layer_script` of a layer numbered `layer_count(drawn)`, e.g. the selection
    ring) is drawn over the cached layers for this reader only: the map of a filter state is shared
    by readers who selected different events, and the component's key depends on the base map
    alone, so a new selection never remounts the map."""
    import streamlit_folium as sf

    args = dict(drawn.args)
    args["default"] = copy.deepcopy(args["default"])  # shared by every reader: never handed out
    if extra_script:
        args["feature_group"] = (args["feature_group"] or "") + extra_script
    hash_key = args["key"]

    def _changed() -> None:  # st_folium's own callback: the value under the caller's key
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return sf._component_func(**args, on_change=_changed)


# --------------------------------------------------------------------------- charts


def vega_spec(state: tuple, owners: tuple, build: Callable[[], Any]) -> dict | None:
    """The Vega-Lite spec (datasets already Arrow bytes, as st.altair_chart sends it) of the
    Altair chart `build()` returns for `state`; None when build() returns None."""
    k = _key(owners, state)
    hit = _CHARTS.get(k, owners)
    if hit is not _MISS:
        return hit
    chart = build()
    if chart is None:
        spec = None
    else:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

        spec = _convert_altair_to_vega_lite_spec(chart)
    size = sum(len(v) for v in (spec or {}).get("datasets", {}).values() if isinstance(v, (bytes, str))) + 4096
    _CHARTS.put(k, owners, spec, size)
    return spec


def show_chart(spec: dict, **kwargs):
    """st.vega_lite_chart of a cached spec (a copy: Streamlit takes the datasets out of the dict it gets)."""
    return st.vega_lite_chart(spec=copy.deepcopy(spec), **kwargs)


# --------------------------------------------------------------------------- small answers

_ANSWERS = _LRU(max_entries=4096, max_bytes=32 * 1024 * 1024)


def _size_of(value) -> int:
    """About the bytes a memoised answer holds (a DataFrame's deep memory use; 256 for a scalar)."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum()) + 1024
    return 256


def home_of(engine, f):
    """Where a map of `f` opens (mapview.home_view), once per engine and filter state in the
    process: every new reader's map asks it, and pages/ui/warmup.py asks it before the first one."""
    from .mapview import home_view  # noqa: PLC0415

    return memo(engine, ("home", f), lambda: home_view(engine, f))


def memo(owner, key: tuple, compute: Callable[[], Any]):
    """`compute()` once per (owner, key): answers of a read-only dataset's query engine that every
    rerun asks again (the count of a filter state, whether an event id exists, a page of the
    table). `owner` is the engine or dataset answering; `key` names the question and its arguments
    (hashable). A DataFrame answer is shared by every reader: never modify it."""
    owners = (owner,)
    k = _key(owners, key)
    hit = _ANSWERS.get(k, owners)
    if hit is not _MISS:
        return hit
    value = compute()
    _ANSWERS.put(k, owners, value, _size_of(value))
    return value
