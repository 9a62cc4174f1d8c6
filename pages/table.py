"""Table page: the filtered events; selecting a row selects the event; CSV and GeoJSON downloads."""
from __future__ import annotations

import json

import streamlit as st

from events import vocab
from pages.ui import panel, shell, state, tableview

TABLE_KEY = "events_table"
_SEEN = "_table_selection_seen"

view = shell.page_view()
shown = view.shown.reset_index(drop=True)

st.subheader(f"Events ({len(shown):,} of {view.total:,})")

frame = tableview.table_frame(view.ds, shown, view.actor_names, view.filters.actors)
colour_of = {vocab.STATUS_LABELS[s]: c for s, c in vocab.STATUS_COLOURS.items()}
text_on = {vocab.STATUS_LABELS[s]: ("#1F2328" if s == "disputed" else "#FFFFFF") for s in vocab.STATUSES}
styled = frame.style.map(
    lambda v: f"background-color: {colour_of.get(v, '#6B7280')}; color: {text_on.get(v, '#FFFFFF')}; font-weight: 600",
    subset=["Status"],
)

selected_rows = [int(i) for i in frame.index[frame["id"] == view.selected_id]] if view.selected_id else []
event = st.dataframe(
    styled,
    key=TABLE_KEY,
    on_select="rerun",
    selection_mode="single-row",
    selection_default={"selection": {"rows": selected_rows}} if selected_rows else None,
    hide_index=True,
    width="stretch",
    height=min(600, 38 + 35 * max(1, len(frame))),
    column_config={
        "Title": st.column_config.TextColumn(width="large"),
        "Start": st.column_config.DateColumn("Start", format="YYYY-MM-DD", help="For sorting by date"),
        "Precision": st.column_config.NumberColumn(help="Location precision code (1 exact … 7 international)"),
        "Claims": st.column_config.NumberColumn(help="Number of claims recorded"),
        "id": st.column_config.TextColumn("Event id"),
        "Actor match": st.column_config.TextColumn(help="Which role the chosen actors play in the event"),
    },
)

# A newly selected row selects its event; the selection persists across reruns, so act on change only.
selection = (event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)) or {}
rows = list((selection.get("rows") if isinstance(selection, dict) else getattr(selection, "rows", None)) or [])
picked = frame.iloc[rows[0]]["id"] if rows and 0 <= rows[0] < len(frame) else None
if st.session_state.get(_SEEN) != picked:
    st.session_state[_SEEN] = picked
    if picked is not None and picked != view.selected_id:
        state.select(picked)
        st.rerun()

st.caption("Select a row to see the event's claims and excerpts below. Click a column header to sort.")

from events import export  # noqa: E402

c1, c2, _ = st.columns([1, 1, 3])
subset = view.shown
c1.download_button(
    "Download CSV",
    data=lambda: export.to_csv(view.ds, subset),
    file_name="events.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)
c2.download_button(
    "Download GeoJSON",
    data=lambda: json.dumps(export.to_geojson(view.ds, subset), ensure_ascii=False, indent=1),
    file_name="events.geojson",
    mime="application/geo+json",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)

st.divider()
panel.render_event(view, view.selected_id, key="table-panel", show_map_button=True)
