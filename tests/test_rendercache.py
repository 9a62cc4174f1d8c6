"""pages.ui.rendercache: the map and histogram drawn once per state and process are what
st_folium / st.altair_chart would draw, the same for the same state, different (never stale) for
another, escaped as before; and pages.ui.memory's collector and allocator settings."""
from __future__ import annotations

import gc
import json

import pytest
from app_support import APP_FIXTURE, folium_args, make_app, no_exceptions
from hardening_support import HOSTILE_DIR, folium_problems
from streamlit.testing.v1 import AppTest

from events.engine import engine_of
from events.filters import Filters
from events.load import load_curated
from pages.ui import memory, rendercache


@pytest.fixture(autouse=True)
def _empty_caches():
    rendercache.clear()
    yield
    rendercache.clear()


def _map_script(data_dir: str, cached: bool, status: tuple = ()) -> str:
    """An AppTest script drawing the fixture's map (mapview.build_map) with st_folium or the cache."""
    return f"""
import streamlit as st
from events.engine import engine_of
from events.filters import Filters
from events.load import load_curated
from pages.ui import mapview, rendercache

ds = load_curated({data_dir!r}); eng = engine_of(ds); f = Filters(statuses={status!r})
home = mapview.home_view(eng, f)

def build():
    r = mapview.build_map(ds, eng, f, home=home, bounds=mapview.home_bounds(home), zoom=mapview.home_zoom(home),
                          selected_id=None, dim="status")
    return r.map, r.layers, ["last_active_drawing"], {{}}

if {cached!r}:
    drawn = rendercache.drawn_map(("t",), (ds, eng), build, key="map", height=620)
    rendercache.show_map(drawn, key="map")
else:
    from streamlit_folium import st_folium
    m, layers, returned, _ = build()
    st_folium(m, key="map", height=620, use_container_width=True, returned_objects=returned,
              feature_group_to_add=layers)
"""


def _component(at: AppTest) -> dict:
    comps = [c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"]
    assert len(comps) == 1
    return json.loads(comps[0].proto.json_args)


def test_cached_map_sends_what_st_folium_sends():
    """The element drawn from the cache is st_folium's, argument for argument (streamlit-folium is
    pinned; this fails if an upgrade changes what st_folium computes)."""
    direct = AppTest.from_string(_map_script(str(APP_FIXTURE), cached=False), default_timeout=60).run()
    cached = AppTest.from_string(_map_script(str(APP_FIXTURE), cached=True), default_timeout=60).run()
    no_exceptions(direct)
    no_exceptions(cached)
    a, b = _component(direct), _component(cached)
    assert a["feature_group"] and "event_id" in a["feature_group"]
    assert a == b


def test_same_state_is_built_once_and_another_state_is_built_anew():
    ds = load_curated(APP_FIXTURE)
    eng = engine_of(ds)
    from pages.ui import mapview

    builds = []

    def draw(f):
        def build():
            builds.append(f)
            home = mapview.home_view(eng, f)
            r = mapview.build_map(ds, eng, f, home=home, bounds=mapview.home_bounds(home),
                                  zoom=mapview.home_zoom(home), dim="status")
            return r.map, r.layers, ["last_active_drawing"], {"located": r.located}
        return rendercache.drawn_map((f,), (ds, eng), build, key="map", height=620)

    everything, disputed = Filters(), Filters(statuses=("disputed",))
    first = draw(everything)
    assert draw(everything) is first and builds == [everything]  # same state: the same output, not rebuilt
    other = draw(disputed)
    assert builds == [everything, disputed]
    assert other.args["feature_group"] != first.args["feature_group"]
    assert other.info["located"] < first.info["located"]
    # What the cache serves for the narrower state is what a fresh render of it gives.
    rendercache.clear()
    assert draw(disputed).args == other.args


def test_the_base_map_is_rendered_once_and_the_layers_per_state():
    """pages/map.py's way: the base map rendered once per base state, each filter state's layers
    over it; what is drawn is what rendering the whole map gives."""
    ds = load_curated(APP_FIXTURE)
    eng = engine_of(ds)
    from pages.ui import mapview

    home = mapview.home_view(eng, Filters())
    bases = []

    def make_base():
        bases.append(1)
        return mapview.base_map(home, online_tiles=True, dim="status")

    def layers_of(f):
        return mapview.event_layers(ds, eng, f, bounds=mapview.home_bounds(home), zoom=mapview.home_zoom(home),
                                    dim="status").layers

    def draw(f):
        return rendercache.drawn_map((f,), (ds, eng), lambda: (None, layers_of(f), ["last_active_drawing"], {}),
                                     key="map", height=620, base=(("home", "status"), make_base))

    everything, disputed = Filters(), Filters(statuses=("disputed",))
    a, b = draw(everything), draw(disputed)
    assert len(bases) == 1  # the base once, for both states
    assert a.args["script"] == b.args["script"] and a.args["key"] == b.args["key"]  # the same component: no remount
    assert a.args["feature_group"] != b.args["feature_group"]
    for f, drawn in ((everything, a), (disputed, b)):
        whole = rendercache.render_folium(mapview.base_map(home, online_tiles=True, dim="status"), key="map",
                                          height=620, returned_objects=["last_active_drawing"],
                                          feature_group_to_add=layers_of(f))
        assert drawn.args == whole
    b.args["default"]["last_active_drawing"] = "changed by a caller"
    assert draw(Filters(statuses=("denied",))).args["default"]["last_active_drawing"] is None  # never shared


def test_an_entry_of_a_replaced_dataset_is_never_served():
    """Keys hold ids; entries hold weak references: another object at the same key is a miss."""
    lru = rendercache._LRU()

    class Owner:
        pass

    a, b = Owner(), Owner()
    key = ("k", id(a))
    lru.put(key, (a,), "drawn for a", 1)
    assert lru.get(key, (a,)) == "drawn for a"
    assert lru.get(key, (b,)) is rendercache._MISS  # as if b had been given a's id
    assert len(lru) == 0


def test_lru_is_bounded_by_entries_and_bytes():
    class Owner:
        pass

    o = Owner()
    lru = rendercache._LRU(max_entries=3, max_bytes=100)
    for i in range(5):
        lru.put(i, (o,), i, 10)
    assert len(lru) == 3 and lru.get(0, (o,)) is rendercache._MISS and lru.get(4, (o,)) == 4
    lru.put("big", (o,), "x", 95)
    assert lru.get("big", (o,)) == "x" and lru._bytes <= 100


def test_map_page_after_a_filter_change_shows_the_new_events_not_a_cached_map(monkeypatch):
    at = make_app(monkeypatch).run()
    no_exceptions(at)
    before = folium_args(at)["feature_group"]
    at.multiselect(key="flt_status").set_value(["disputed"]).run()
    no_exceptions(at)
    after = folium_args(at)["feature_group"]
    assert after != before
    # ... and the same as the page draws it with empty caches.
    rendercache.clear()
    fresh = make_app(monkeypatch, {"status": "disputed"}).run()
    assert folium_args(fresh)["feature_group"] == after
    # Back to every event: the first map again, from the cache.
    at.multiselect(key="flt_status").set_value([]).run()
    assert folium_args(at)["feature_group"] == before


def test_hostile_text_stays_escaped_in_cached_maps(monkeypatch):
    """A second reader of the same state gets the map from the cache: as escaped as the first."""
    first = make_app(monkeypatch, data_dir=HOSTILE_DIR).run()
    no_exceptions(first)
    hits = rendercache.stats()["maps"]["hits"]
    second = make_app(monkeypatch, data_dir=HOSTILE_DIR).run()
    no_exceptions(second)
    assert rendercache.stats()["maps"]["hits"] > hits
    a, b = folium_args(first), folium_args(second)
    assert a == b
    assert folium_problems(b) == []


def _chart_script(cached: bool) -> str:
    return f"""
import streamlit as st
from events.engine import engine_of
from events.filters import Filters
from events.load import load_curated
from pages.ui import rendercache, state, timebar

ds = load_curated({str(APP_FIXTURE)!r}); eng = engine_of(ds); f = Filters()
view = state.View(ds=ds, filters=f, engine=eng, count=eng.n_events, selected_id=None, page="map", actor_names={{}})
h, unit = timebar.counts(view, "status")
chart = timebar.chart(h, unit, "status", (None, None))
if {cached!r}:
    spec = rendercache.vega_spec(("h",), (ds, eng), lambda: chart)
    rendercache.show_chart(spec, key="hist", on_select="rerun", selection_mode="brush", width="stretch")
else:
    st.altair_chart(chart, key="hist", on_select="rerun", selection_mode="brush", width="stretch")
"""


def test_cached_histogram_is_the_altair_chart_streamlit_would_send():
    direct = AppTest.from_string(_chart_script(False), default_timeout=60).run()
    cached = AppTest.from_string(_chart_script(True), default_timeout=60).run()
    no_exceptions(direct)
    no_exceptions(cached)
    a = direct.get("vega_lite_chart")[0].proto
    b = cached.get("vega_lite_chart")[0].proto
    assert json.loads(a.spec) == json.loads(b.spec)
    assert [(d.name, d.data.data) for d in a.datasets] == [(d.name, d.data.data) for d in b.datasets]
    assert list(a.selection_mode) == list(b.selection_mode) == ["brush"]


def test_memo_answers_once_per_owner():
    ds = load_curated(APP_FIXTURE)
    eng = engine_of(ds)
    calls = []
    f = Filters(statuses=("disputed",))

    def count():
        calls.append(1)
        return eng.count(f)

    n = rendercache.memo(eng, ("count", f), count)
    assert rendercache.memo(eng, ("count", f), count) == n == eng.count(f) and len(calls) == 1
    assert rendercache.memo(eng, ("count", Filters()), lambda: eng.count(Filters())) == eng.n_events > n


# ----------------------------------------------------------------- pages.ui.memory


def test_settle_freezes_once_per_shared_dataset_and_never_for_an_upload():
    ds = load_curated(APP_FIXTURE)
    try:
        assert memory.settle(ds, shared=False) is False
        assert memory.settle(ds, shared=True) is True
        assert gc.get_freeze_count() > 0
        assert memory.settle(ds, shared=True) is False  # seen: no second freeze
        other = load_curated(APP_FIXTURE)  # a replaced dataset (an edited file): frozen anew
        assert memory.settle(other, shared=True) is True
    finally:
        gc.unfreeze()


def test_cleanup_collects_garbage_and_expires_streamlit_sessions_past_their_ttl():
    """The TTL cache Streamlit keeps disconnected sessions in drops them on expire() (what the
    janitor calls); cleanup() runs outside a server too (no runtime: nothing to expire)."""
    import time

    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    storage = MemorySessionStorage(maxsize=8, ttl_seconds=0.05)

    class Session:
        id = "s1"

    from streamlit.runtime.session_manager import SessionInfo

    storage.save(SessionInfo(client=None, session=Session()))  # type: ignore[arg-type]
    assert len(storage._cache._data) == 1
    time.sleep(0.1)
    assert len(storage._cache._data) == 1  # expired, yet still held: what the janitor is for
    assert len(storage._cache.expire()) == 1 and not storage._cache._data

    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    del a, b
    done = memory.cleanup()
    assert done["collected"] >= 2 and done["expired_sessions"] == 0


def test_allocator_tuning_applies_on_glibc():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's mallopt only")
    assert memory.tune_allocator() is True


def test_readers_who_select_different_events_share_one_map_and_each_sees_its_own_ring(monkeypatch):
    """The selection is a layer of its own over the cached map of a filter state: a second reader
    selecting another event costs no new map, and each reader's ring is at their own event."""
    from app_support import ALEPPO_ID, HELI_ID, click_marker

    first = make_app(monkeypatch).run()
    no_exceptions(first)
    plain = folium_args(first)["feature_group"]
    assert "ev-selected" not in plain
    click_marker(first, HELI_ID)
    maps_built = rendercache.stats()["maps"]["misses"]
    second = make_app(monkeypatch).run()
    click_marker(second, ALEPPO_ID)
    no_exceptions(second)
    assert rendercache.stats()["maps"]["misses"] == maps_built  # the same filter state: no map drawn anew
    a, b = folium_args(first)["feature_group"], folium_args(second)["feature_group"]
    assert a.startswith(plain) and b.startswith(plain)  # the shared layers, then each reader's ring
    ring_a, ring_b = a[len(plain):], b[len(plain):]
    assert "ev-selected" in ring_a and "ev-selected" in ring_b and ring_a != ring_b
    ds = load_curated(APP_FIXTURE)
    for ring, event_id in ((ring_a, HELI_ID), (ring_b, ALEPPO_ID)):
        row = ds.event(event_id)
        assert f"[{float(row['lat'])}, {float(row['lon'])}]" in ring
    # The ring's layer comes after the cached ones: numbered past them, added to st_folium's map.
    n = plain.count("window.feature_group.push(")
    assert f"feature_group_feature_group_{n}" in ring_a and "map_div.addLayer" in ring_a


def test_render_caches_are_dropped_once_nobody_is_connected(monkeypatch):
    """After the sessions' time to live, with no session left, the janitor drops what the render
    caches kept (memory back to its base); with readers still there, or when the count is unknown
    (no server: Streamlit's internals unreachable), the caches stay."""
    ds = load_curated(APP_FIXTURE)
    eng = engine_of(ds)
    assert memory._sessions() is None  # no Streamlit server in this process
    rendercache.memo(eng, ("t",), lambda: 1)
    runs = memory._activity["runs"]
    for held, kept in ((None, 1), (3, 1), (0, 0)):
        monkeypatch.setattr(memory, "_sessions", lambda held=held: held)
        memory._after_ttl(runs)
        assert rendercache.stats()["answers"]["entries"] == kept
