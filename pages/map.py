"""Map page (the landing page): the filtered events on a folium map, the selected event beside it."""
from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from pages.ui import fmt, mapview, panel, shell, state

MAP_KEY = "map"
_SEEN = "_map_click_seen"



def _on_map_change() -> None:
    # Any value sent by the browser is a fresh interaction, even one equal to an older value
    # (after a remount the click counter starts again).
    st.session_state[_SEEN] = None


view = shell.page_view()
shown = view.shown

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
        selection = mapview.selection_layer(shown, view.selected_id)
        out = st_folium(
            m,
            key=MAP_KEY,
            height=620,
            use_container_width=True,
            returned_objects=["last_active_drawing", "last_object_clicked_count"],
            feature_group_to_add=selection,
            on_change=_on_map_change,
        )
        # A click on a marker: the clicked feature's properties carry its event id. Act only on a
        # new click (the returned value persists across reruns), so filters and links still win.
        value = st.session_state.get(MAP_KEY) or out or {}
        drawing = value.get("last_active_drawing") or {}
        clicked = (drawing.get("properties") or {}).get("event_id") if isinstance(drawing, dict) else None
        signature = (value.get("last_object_clicked_count"), clicked)
        if clicked and signature != st.session_state.get(_SEEN):
            st.session_state[_SEEN] = signature
            if clicked != view.selected_id and clicked in set(view.ds.events["id"]):
                state.select(clicked)
                st.rerun()

with right:
    panel.render_event(view, view.selected_id, key="map-panel")
