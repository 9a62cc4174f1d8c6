"""Timeline page: the filtered events over time. Up to MAX_BARS events: one bar per event from
its start to its end date, coloured by claim status; clicking a bar selects the event. Above
that: a histogram of events per day, week or month (chosen from the date range) stacked by
status or type, counted by the query engine (events.engine.Engine.histogram)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from events import vocab
from pages.ui import fmt, panel, shell, state
from pages.ui.timebar import STEP, histogram_unit, stack, stacked_rects

CHART_KEY = "timeline"
HIST_KEY = "timeline_histogram"
STACK_KEY = "timeline_stack"
_SEEN = "_timeline_selection_seen"
MAX_BARS = 400  # one row per event is readable up to this many

view = shell.page_view()

st.subheader(f"Timeline ({view.count:,} of {view.total:,} events)")




def draw_histogram() -> None:
    first, last, dated = view.engine.dated_range(view.filters)
    undated_n = view.count - dated
    if not dated:
        st.info("No dated events match the filters.")
        return
    unit = histogram_unit(first, last)
    by_label = st.segmented_control("Stack by", ["Claim status", "Event type"], default="Claim status",
                                    key=STACK_KEY) or "Claim status"
    by = "status" if by_label == "Claim status" else "event_type"
    h = view.engine.histogram(view.filters, unit, by)
    if by == "status":
        h["label"] = [fmt.status_label(v) for v in h["value"]]
        domain = [vocab.STATUS_LABELS[s] for s in vocab.STATUSES]
        colour = alt.Color("label:N", scale=alt.Scale(domain=domain, range=[vocab.STATUS_COLOURS[s] for s in vocab.STATUSES]),
                           legend=alt.Legend(title="Claim status", orient="top"))
    else:
        h["label"] = [fmt.type_label(v) for v in h["value"]]
        colour = alt.Color("label:N", legend=alt.Legend(title="Event type", orient="top", columns=4))
    h["bucket"] = pd.to_datetime(h["bucket"])
    h["period"] = [fmt_period(b, unit) for b in h["bucket"]]
    h["end"] = h["bucket"] + STEP[unit]  # each bar spans its day / week / month
    h = stack(h)  # base/top per rectangle (see pages.ui.timebar.stack)
    chart = stacked_rects(
        h, unit, color=colour,
        tooltip=[alt.Tooltip("period:N", title=unit.capitalize()), alt.Tooltip("label:N", title=by_label),
                 alt.Tooltip("n:Q", title="Events", format=",")],
    ).properties(height=360)
    st.altair_chart(chart, key=HIST_KEY, width="stretch")
    st.caption(f"{dated:,} dated events per {unit} of their start date ({int(h['n'].sum()):,} counted), "
               f"stacked by {by_label.lower()}. Narrow the filters to {MAX_BARS:,} events or fewer to see "
               "one bar per event and select one.")
    if undated_n:
        st.caption(f"{undated_n:,} event{'s' if undated_n != 1 else ''} without a date are not counted.")


def fmt_period(ts: pd.Timestamp, unit: str) -> str:
    if unit == "month":
        return ts.strftime("%B %Y")
    if unit == "week":
        return "week of " + ts.strftime("%Y-%m-%d")
    return ts.strftime("%Y-%m-%d")


def timeline_frame(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in df.to_dict("records"):
        start = fmt.to_date(r.get("date_start"))
        if start is None:
            continue
        end = fmt.to_date(r.get("date_end")) or start
        title = fmt.text(r.get("title"), "Untitled event")
        rows.append(
            {
                "event_id": r["id"],
                "label": title if len(title) <= 60 else title[:59] + "…",
                "title": title,
                "start": pd.Timestamp(start),
                "end": pd.Timestamp(end) + pd.Timedelta(days=1),  # so a single day shows as a bar
                "dates": fmt.date_label(r.get("date_start"), r.get("date_end"), r.get("date_precision")),
                "status": fmt.status_label(r.get("status")),
                "type": fmt.type_label(r.get("event_type")),
                "place": fmt.place_label(r),
                "selected": r["id"] == view.selected_id,
            }
        )
    return pd.DataFrame(
        rows, columns=["event_id", "label", "title", "start", "end", "dates", "status", "type", "place", "selected"]
    )


if view.count > MAX_BARS:
    draw_histogram()
else:
    shown = view.shown
    data = timeline_frame(shown).sort_values(["start", "event_id"]).reset_index(drop=True)
    # Bars at least ~0.6 % of the time span wide, so that one-day events show at any zoom; the
    # tooltip gives the exact dates.
    min_days = 1
    if len(data):
        span = (data["end"].max() - data["start"].min()).days
        min_days = max(1, round(span * 0.006))
        data["end"] = data[["end"]].assign(m=data["start"] + pd.Timedelta(days=min_days)).max(axis=1)
    undated = len(shown) - len(data)

    if data.empty:
        st.info("No dated events match the filters.")
    else:
        # A unique label per row, in date order (two events may share a title).
        data["row"] = [f"{lab}  ·  {i + 1}" if dup else lab
                       for i, (lab, dup) in enumerate(zip(data["label"], data["label"].duplicated(keep=False)))]
        order = data["row"].tolist()
        domain = [vocab.STATUS_LABELS[s] for s in vocab.STATUSES]
        colours = [vocab.STATUS_COLOURS[s] for s in vocab.STATUSES]
        pick = alt.selection_point(name="pick", fields=["event_id"], on="click", clear=False)
        chart = (
            alt.Chart(data)
            .mark_bar(cornerRadius=2)
            .encode(
                x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
                x2="end:T",
                y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=340)),
                color=alt.Color("status:N", scale=alt.Scale(domain=domain, range=colours),
                                legend=alt.Legend(title="Claim status", orient="top")),
                stroke=alt.condition("datum.selected", alt.value("#111827"), alt.value(None)),
                strokeWidth=alt.condition("datum.selected", alt.value(1.5), alt.value(0)),
                tooltip=[
                    alt.Tooltip("title:N", title="Event"),
                    alt.Tooltip("dates:N", title="When"),
                    alt.Tooltip("status:N", title="Status"),
                    alt.Tooltip("type:N", title="Type"),
                    alt.Tooltip("place:N", title="Where"),
                ],
            )
            .add_params(pick)
            .properties(height=max(140, 26 * len(data) + 60))
        )
        result = st.altair_chart(chart, key=CHART_KEY, on_select="rerun", selection_mode="pick", width="stretch",
                                 height=max(140, 26 * len(data) + 60) + 90)

        picked = None
        sel = (result.get("selection") if isinstance(result, dict) else getattr(result, "selection", None)) or {}
        points = sel.get("pick") if isinstance(sel, dict) else getattr(sel, "pick", None)
        if points:
            first = points[0] if isinstance(points, list) else points
            picked = first.get("event_id") if isinstance(first, dict) else None
        if st.session_state.get(_SEEN) != picked:
            st.session_state[_SEEN] = picked
            if picked is not None and picked != view.selected_id:
                state.select(picked)
                st.rerun()
        st.caption("Bars run from each event's first to last possible day (at least "
                   f"{min_days} day{'s' if min_days != 1 else ''} wide, so that single days show). "
                   "Click a bar to select its event; the selected one is outlined.")

    if undated:
        st.caption(f"{undated} event{'s' if undated != 1 else ''} without a date are not drawn.")


st.divider()
panel.render_event(view, view.selected_id, key="timeline-panel", show_map_button=True)
