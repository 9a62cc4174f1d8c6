"""Map page (the landing page): the filtered events on a folium map driven by what is in view,
the selected event beside it.

The base map depends only on the session's home view, so st_folium keeps its component; the
events come as ``feature_group_to_add`` layers rebuilt from the filters and the bounds and zoom
the map sends back (pages/ui/mapview). Above what can be drawn one by one, the engine counts
events per grid cell, and the caption above the map says so.

Readers in the same state (a shared link: same dataset, filters, view and selection) get the map
rendered once per process (pages/ui/rendercache: the folium objects are built and rendered to
st_folium's component arguments only on a cache miss)."""
from __future__ import annotations

import json

import streamlit as st

from events.engine import Bounds
from pages.ui import mapview, panel, rendercache, share, shell, state, timebar
from pages.ui.datasets import URL_KEY, _stamp, load_stored_cached
from pages.ui.mapview import areas, overlay
from pages.ui.html_safe import md, safe

_SEEN = "_map_click_seen"
_AREA_SEEN = "_map_area_click_seen"  # the last area click acted on
_HOME = "_map_home"  # (dataset name, map key) -> mapview.Home: where this session's map opened
# What the map sends back: a click always; its view (bounds, zoom) only when the layers depend on
# it (more than mapview.LARGE located events), since each report is a rerun (GUIDE §1).
CLICKS = ["last_active_drawing"]
VIEW = ["bounds", "zoom"]


def _on_map_change() -> None:
    # Any value sent by the browser is a fresh interaction, even one equal to an older value
    # (after a remount the click counter starts again).
    st.session_state[_SEEN] = None


def _stored():
    from events import store  # noqa: PLC0415

    return store.list_datasets()


view = shell.page_view()
MAP_KEY = state.map_key()
ss = st.session_state
embed = state.embedded()
types = state.type_options(view.ds)

# Map first: a one-line title with the dataset's name, then the map over most of the width (the
# side panel beside it; Streamlit stacks the columns on a narrow screen, the panel below).
st.html(f'<div class="cm-title"><span class="cm-h1" role="heading" aria-level="1">Conflict event map</span><span class="cm-ds">{safe(view.ds.name)} · '
        f'{view.count:,} of {view.total:,} events</span></div>')
if embed:
    left, right = st.container(), None
else:
    left, right = st.columns([5, 2], gap="small")

with left:
    if not embed:
        c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="center")
        c2.selectbox("Show", list(state.LAYERS), format_func=state.LAYERS.get, key=state.W_LAYER,
                     label_visibility="collapsed", help="The events one by one, areas filled by their count, or a heat map.")
        if ss.get(state.W_LAYER) in areas.LEVELS:
            c3.radio("Count", list(state.MEASURES), format_func=state.MEASURES.get, key=state.W_MEASURE,
                     horizontal=True, label_visibility="collapsed")
        others = [d for d in _stored() if d.slug != st.query_params.get(URL_KEY)]
        if others:
            names = {d.slug: d.name for d in others}
            for v in ss.get(state.W_WITH) or []:
                names.setdefault(v, v)
            st.multiselect("Other datasets as layers", list(names), format_func=names.get, key=state.W_WITH,
                           max_selections=state.MAX_WITH, placeholder="None",
                           help="Draw the records of imported datasets over this map (the date filter applies).")
        c1.radio("Colour by", list(state.COLOUR_BY), format_func=state.COLOUR_BY.get, horizontal=True,
                             key=state.W_COLOUR, label_visibility="collapsed",
                             help="Colour the events on the map, the legend and the histogram by this.")
    dim = state.colour_by(view.ds)
    layer = ss.get(state.W_LAYER) if ss.get(state.W_LAYER) in state.LAYERS else "events"
    measure = ss.get(state.W_MEASURE) if ss.get(state.W_MEASURE) in state.MEASURES else "events"
    # Where this map opened: computed once per dataset and map component, then kept, so that
    # filter changes never move or remount the map.
    home_key = (view.ds.name, MAP_KEY)
    homes = ss.setdefault(_HOME, {})
    home = homes.get(home_key)
    if home is None:
        home = homes[home_key] = rendercache.home_of(view.engine, view.filters)
    sent = ss.get(MAP_KEY) or {}
    bounds = Bounds.from_leaflet(sent.get("bounds")) or mapview.home_bounds(home)
    zoom = sent.get("zoom") if isinstance(sent.get("zoom"), (int, float)) else mapview.home_zoom(home)

    # Everything the map depends on besides the dataset and its engine: readers in the same state
    # (a shared link) get the map rendered once per process (pages/ui/rendercache).
    with_slugs = tuple(ss.get(state.W_WITH) or [])
    overlays = tuple((d.slug, d.name, str(d.path), _stamp(d.path)) for slug in with_slugs
                     for d in [next((d for d in _stored() if d.slug == slug), None)] if d is not None)
    # The selection is not part of it: its ring is a layer of its own, drawn per reader over the
    # cached map (rendercache.show_map), so readers who select different events share one map.
    map_state = (view.filters, home, bounds, zoom, dim, tuple(types), layer, measure, overlays)

    def _draw():
        # The layers only: the base map under them is rendered once per (home, colours, types)
        # and shared by every filter state and view drawn over it (rendercache.drawn_map's `base`).
        result = mapview.event_layers(view.ds, view.engine, view.filters, bounds=bounds, zoom=zoom,
                                      actor_names=view.actor_names, dim=dim, types=types)
        result.outside = home.outside
        area_stats = None
        if layer in areas.LEVELS:  # areas instead of the events: filled by the filtered set's counts
            area_stats = areas.area_stats(view.engine, view.filters, layer, measure)
            result.layers = [areas.choropleth_layer(area_stats, layer, measure)] + result.layers[1:]
            counted = int(area_stats["n"].sum())
            result.note = (f"{counted:,} of the {result.located:,} located events fall in the "
                           f"{areas.LEVELS[layer][3].lower()} drawn (OCHA boundaries; an event counts where its "
                           f"precision vouches for that level); click an area to filter to it.")
        elif layer == "heat":
            result.layers = [areas.heat_layer(view.engine, view.filters)] + result.layers[1:]
            result.note = f"Heat map of the {result.located:,} located events the filters keep."
        overlay_notes, overlay_items = [], []
        for i, (slug, name, path, stamp) in enumerate(overlays):
            colour = overlay.OVERLAY_COLOURS[i % len(overlay.OVERLAY_COLOURS)]
            other = load_stored_cached(path, stamp)
            fg, n_note = overlay.overlay_layer(other, name, colour, view.filters,
                                               mapview._pad(bounds, mapview.VIEW_PAD), zoom)
            result.layers.insert(0, fg)  # beneath this dataset's events
            overlay_notes.append(n_note)
            overlay_items.append((name, colour))
        note = result.note
        if overlay_notes:
            note += " · " + " · ".join(overlay_notes)
        if result.unlocated:
            note += f" · {result.unlocated:,} without coordinates (see the Table)"
        if result.outside:
            note += (f" · {result.outside} event{'s' if result.outside != 1 else ''} far from the others "
                     f"{'are' if result.outside != 1 else 'is'} outside the first view: zoom out to see "
                     f"{'them' if result.outside != 1 else 'it'}.")
        returned = CLICKS + (VIEW if (result.located > mapview.LARGE and layer == "events") or overlay_items else [])
        return None, result.layers, returned, {"note": note, "area_stats": area_stats, "overlay_items": overlay_items}

    def _selection_script(drawn) -> str:
        """The selected event's ring, a layer over the cached map (once per state and process)."""
        n = rendercache.layer_count(drawn)

        def render() -> str:
            ring = mapview.selected_layer(view.ds, view.engine, view.filters, view.selected_id)
            return rendercache.layer_script(ring, n) if ring is not None else ""
        if view.selected_id is None:
            return ""
        return rendercache.memo(view.engine, ("selection ring", view.filters, view.selected_id, n), render)

    drawn = rendercache.drawn_map(map_state, (view.ds, view.engine), _draw, key=MAP_KEY,
                                  height=560 if embed else 620,
                                  base=((home, dim, tuple(types)),
                                        lambda: mapview.base_map(home, online_tiles=True, event_types=types, dim=dim)))
    area_stats, overlay_items = drawn.info["area_stats"], drawn.info["overlay_items"]
    st.caption(drawn.info["note"])
    # The map's height follows the window (layout.css: the time histogram stays in view under it
    # on a 900-pixel-high screen); the height given here is its largest.
    with st.container(key="cm-map"):
        out = rendercache.show_map(drawn, key=MAP_KEY, on_change=_on_map_change,
                                   extra_script=_selection_script(drawn))
    # A click on a marker: the clicked feature's properties carry its event id. Act only on a
    # new click (the returned value persists across reruns), so filters and links still win.
    value = ss.get(MAP_KEY) or out or {}
    drawing = value.get("last_active_drawing") or {}
    clicked = (drawing.get("properties") or {}).get("event_id") if isinstance(drawing, dict) else None
    signature = (MAP_KEY, json.dumps(drawing, sort_keys=True, default=str)[:2000], clicked)
    props = (drawing.get("properties") or {}) if isinstance(drawing, dict) else {}
    area = props.get("area_pcode")
    if area_stats is not None and isinstance(area, str):
        hit = area_stats[area_stats["pcode"] == area]
        if len(hit):
            r = hit.iloc[0]
            st.caption(f"{md(r['name'])}{', ' + md(r['parent']) if r['parent'] and r['parent'] != r['name'] else ''}: "
                       f"{int(r['n']):,} events, {int(r['fatalities']):,} fatalities (best estimates) in the "
                       f"filtered set.")
        # A click on an area filters to it, once per click (the value persists across reruns; the
        # browser stamps each click, static/conflictmap.js). Only the layers change: no remount.
        area_click = (MAP_KEY, area, str(props.get("clicked")))
        if area_click != ss.get(_AREA_SEEN):
            ss[_AREA_SEEN] = area_click
            if view.filters.areas != (area,) and len(hit):
                state.set_areas((area,))
    if clicked and signature != ss.get(_SEEN):
        ss[_SEEN] = signature
        if clicked != view.selected_id and isinstance(clicked, str) and view.engine.contains_id(clicked):
            state.select(clicked)
            st.rerun()
    # Time directly under the map: the histogram (brush to choose dates) and the play control;
    # the legend strip (the map's own legend is in its corner too) after them.
    # A map that reports its view (large sets) reruns the page as soon as it has drawn: the
    # histogram waits for that rerun. Why: its chart code (~1 MB of Vega) and drawing otherwise run
    # in the reader's browser before the map's own, ~0.3 s of a first map (benchmarks/e2e.py).
    reports_view = VIEW[0] in (drawn.args.get("returned_objects") or [])
    timebar.render(view, dim, wait=reports_view and not sent.get("bounds"))
    if overlay_items:
        st.html(f'<div class="lg-strip">{overlay.overlay_legend_html(overlay_items)}</div>')
    if area_stats is not None:
        st.html(f'<div class="lg-strip">{areas.choropleth_legend_html(area_stats, layer, measure)}</div>')
    else:
        st.html(f'<div class="lg-strip">{mapview.legend_html(types or None, svg=False, dim=dim)}</div>')

if right is not None:
    with right:
        panel.render_event(view, view.selected_id, key="map-panel")
        share.render(view)
