"""Map page (the landing page): the filtered events on a folium map, the selected event beside it."""
from __future__ import annotations

import json

import streamlit as st
from streamlit_folium import st_folium

from pages.ui import fmt, mapview, panel, shell, state

_SEEN = "_map_click_seen"



def _on_map_change() -> None:
    # Any value sent by the browser is a fresh interaction, even one equal to an older value
    # (after a remount the click counter starts again).
    st.session_state[_SEEN] = None


view = shell.page_view()
shown = view.shown
MAP_KEY = state.map_key()

left, right = st.columns([3, 2], gap="medium")

with left:
    located = int(sum(fmt.has_coords(r) for r in shown[["lat", "lon"]].to_dict("records"))) if len(shown) else 0
    unlocated = len(shown) - located
    note = f"{located:,} event{'s' if located != 1 else ''} on the map"
    if unlocated:
        note += f" · {unlocated:,} without coordinates (see the Table)"
    st.caption(note)

    try:
        m = mapview.build_map(
            shown,
            view.ds.claims,
            None,
            online_tiles=True,
            actor_names=view.actor_names,
        )
    except mapview.CompactLayerUnavailable as exc:
        st.error(str(exc), icon=":material/map:")
        m = None

    if m is not None:
        outside = getattr(m, "events_outside_view", 0)
        if outside:
            st.caption(f"{outside} event{'s' if outside != 1 else ''} far from the others "
                       f"{'are' if outside != 1 else 'is'} outside this view: zoom out to see "
                       f"{'them' if outside != 1 else 'it'}.")
        selection = mapview.selection_layer(shown, view.selected_id)
        out = st_folium(
            m,
            key=MAP_KEY,
            height=620,
            use_container_width=True,
            returned_objects=["last_active_drawing"],
            feature_group_to_add=selection,
            on_change=_on_map_change,
        )
        types = sorted(set(shown["event_type"])) if len(shown) else []
        st.html(f'<div class="lg-strip">{mapview.legend_html(types or None, svg=False)}</div>')
        # A click on a marker: the clicked feature's properties carry its event id. Act only on a
        # new click (the returned value persists across reruns), so filters and links still win.
        # Only last_active_drawing is returned: one script run on load, one per click (GUIDE §1).
        value = st.session_state.get(MAP_KEY) or out or {}
        drawing = value.get("last_active_drawing") or {}
        clicked = (drawing.get("properties") or {}).get("event_id") if isinstance(drawing, dict) else None
        signature = (MAP_KEY, json.dumps(drawing, sort_keys=True, default=str)[:2000], clicked)
        if clicked and signature != st.session_state.get(_SEEN):
            st.session_state[_SEEN] = signature
            if clicked != view.selected_id and clicked in set(view.ds.events["id"]):
                state.select(clicked)
                st.rerun()

with right:
    panel.render_event(view, view.selected_id, key="map-panel")
