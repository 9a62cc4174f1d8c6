"""Table page: the filtered events, sorted and paged by the query engine (only the visible page is
sent); selecting a row selects the event; CSV and GeoJSON downloads of the whole filtered set."""
from __future__ import annotations

import streamlit as st

from events import vocab
from events.filters import Filters
from pages.ui import panel, rendercache, shell, state, tableview

TABLE_KEY = "events_table"
SORT_KEY, DESC_KEY, PAGE_KEY = "tbl_sort", "tbl_desc", "tbl_page"
_SEEN = "_table_selection_seen"
_SYNCED = "_table_synced_to"

view = shell.page_view()
ss = st.session_state
engine, f = view.engine, view.filters
total = view.count

st.subheader(f"Events ({total:,} of {view.total:,})")

# Sorting and paging happen in the engine: only the visible page of rows reaches the browser.
pages = tableview.page_count(total)
c_sort, c_dir, c_page, c_info = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
sort_label = c_sort.selectbox("Sort by", list(tableview.SORTS), key=SORT_KEY)
sort_col, _ = tableview.SORTS[sort_label]
descending = c_dir.toggle("Descending", key=DESC_KEY)
# A selection made elsewhere (map, timeline, link): open the page that holds it, once.
if view.selected_id and ss.get(_SYNCED) != (view.selected_id, f, sort_col, descending):
    ss[_SYNCED] = (view.selected_id, f, sort_col, descending)
    pos = rendercache.memo(engine, ("position", f, view.selected_id, sort_col, descending),
                           lambda: engine.position(f, view.selected_id, sort=sort_col, descending=descending))
    if pos is not None:
        ss[PAGE_KEY] = pos // tableview.PAGE_SIZE + 1
if not isinstance(ss.get(PAGE_KEY), int) or not 1 <= ss[PAGE_KEY] <= pages:
    ss[PAGE_KEY] = min(max(1, int(ss.get(PAGE_KEY) or 1)), pages)
page = c_page.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key=PAGE_KEY)
first = (page - 1) * tableview.PAGE_SIZE
c_info.caption(f"Rows {min(first + 1, total):,}–{min(first + tableview.PAGE_SIZE, total):,} of {total:,}")

# The same page of the same filtered set is the same frame for every reader: built once per process
# (read-only from here on; pages/ui/rendercache).
frame = rendercache.memo(engine, ("table", f, sort_col, descending, page), lambda: tableview.table_frame(
    engine, tableview.page_rows(engine, f, sort=sort_col, descending=descending, page=page - 1),
    view.actor_names, f.actors))
colour_of = {vocab.STATUS_LABELS[s]: c for s, c in vocab.STATUS_COLOURS.items()}
text_on = {vocab.STATUS_LABELS[s]: ("#1F2328" if s == "disputed" else "#FFFFFF") for s in vocab.STATUSES}
styled = frame.style.map(
    lambda v: f"background-color: {colour_of.get(v, '#6B7280')}; color: {text_on.get(v, '#FFFFFF')}; font-weight: 600",
    subset=["Status"],
)

# One widget per (filters, sort, page): a row index kept from another page must not pick an event.
signature = (f, sort_col, descending, page)
table_key = TABLE_KEY if signature == (Filters(), tableview.SORTS[next(iter(tableview.SORTS))][0], False, 1) \
    else f"{TABLE_KEY}-{abs(hash(signature)) % 10**10}"
selected_rows = [int(i) for i in frame.index[frame["id"] == view.selected_id]] if view.selected_id else []
event = st.dataframe(
    styled,
    key=table_key,
    on_select="rerun",
    selection_mode="single-row",
    selection_default={"selection": {"rows": selected_rows}} if selected_rows else None,
    hide_index=True,
    width="stretch",
    height=min(600, 38 + 35 * max(1, len(frame))),
    column_config={
        "Title": st.column_config.TextColumn(width="large"),
        "Start": st.column_config.DateColumn("Start", format="YYYY-MM-DD"),
        "Precision": st.column_config.NumberColumn(help="Location precision code (1 exact … 7 international)"),
        "Claims": st.column_config.NumberColumn(help="Number of claims recorded"),
        "id": st.column_config.TextColumn("Event id"),
        "Actor match": st.column_config.TextColumn(help="Which role the chosen actors play in the event"),
    },
)

# A newly selected row selects its event; the selection persists across reruns, so act on change only.
selection = (event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)) or {}
picked_rows = list((selection.get("rows") if isinstance(selection, dict) else getattr(selection, "rows", None)) or [])
picked = frame.iloc[picked_rows[0]]["id"] if picked_rows and 0 <= picked_rows[0] < len(frame) else None
if ss.get(_SEEN) != (table_key, picked):
    ss[_SEEN] = (table_key, picked)
    if picked is not None and picked != view.selected_id:
        state.select(picked)
        st.rerun()

st.caption("Select a row to see the event's claims and excerpts below. \"Sort by\" sorts the whole "
           "filtered set; clicking a column header sorts only the rows of this page.")

c1, c2, _ = st.columns([1, 1, 3])
# Generated on click, a chunk of events at a time from the engine (tableview.csv_chunks).
c1.download_button(
    "Download CSV",
    data=lambda: "".join(tableview.csv_chunks(view.ds, engine, f)),
    file_name="events.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)
c2.download_button(
    "Download GeoJSON",
    data=lambda: "".join(tableview.geojson_chunks(view.ds, engine, f)),
    file_name="events.geojson",
    mime="application/geo+json",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)

st.divider()
panel.render_event(view, view.selected_id, key="table-panel", show_map_button=True)
