"""Time under the map: a histogram of the filtered events per day, week or month (chosen from the
range), stacked by the map's colour dimension and counted by the query engine; brushing an interval
sets the date filter (and so the URL), and a play control steps a window of chosen width through
time. The histogram counts the events the other filters keep over the whole time range (so that the
window can be moved), and shades the chosen date range.

Dates reach the sidebar's date widget through pages.ui.state.set_dates (a rerun)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from . import rendercache, state
from .mapview.symbols import DIM_TITLES, colour_scale

if TYPE_CHECKING:
    import altair as alt

HIST_KEY = "map_histogram"
_SEEN = "_map_brush_seen"
_PLAYING = "_map_playing"
_FULL_RUN = "_map_play_full_run"
PLAY_SECONDS = 1.6
STEP = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}
BY = {"status": "status", "type": "event_type"}


def histogram_unit(first: dt.date | None, last: dt.date | None) -> str:
    """day up to four months, week up to three years, month beyond (as the Timeline page)."""
    if first is None or last is None:
        return "month"
    days = (last - first).days
    return "day" if days <= 120 else "week" if days <= 3 * 366 else "month"


def counts(view: state.View, dim: str) -> tuple[pd.DataFrame, str]:
    """(stacked counts with bucket, end, label, colour, base, top; unit) of the events the
    filters other than dates keep."""
    f = replace(view.filters, date_from=None, date_to=None)
    first, last, dated = view.engine.dated_range(f)
    unit = histogram_unit(first, last)
    if not dated:
        return pd.DataFrame(columns=["bucket", "end", "value", "label", "n", "base", "top"]), unit
    h = (view.engine.fatality_histogram(f, unit) if dim == "fatalities"
         else view.engine.histogram(f, unit, BY.get(dim, "status")))
    if dim == "dataset":  # one colour for this dataset's events
        h = h.groupby("bucket", as_index=False)["n"].sum().assign(value="dataset")
    scale = {v: lab for v, lab, _ in colour_scale(dim, h["value"].unique().tolist())}
    h["label"] = [scale.get(v, v or "Unknown") for v in h["value"]]
    h["bucket"] = pd.to_datetime(h["bucket"])
    h["end"] = h["bucket"] + STEP[unit]
    order = {lab: i for i, (_, lab, _) in enumerate(colour_scale(dim, h["value"].unique().tolist()))}
    return stack(h, [order.get(lab, 99) for lab in h["label"]]), unit


def stacked_rects(h: pd.DataFrame, unit: str, *, color, tooltip) -> alt.Chart:
    """The histogram's bars: one rectangle per bucket and value, from `bucket` to `end` and from
    `base` to `top` (a frame `stack` made), for the map's time bar and the Timeline page alike."""
    # Altair is imported here, not with the module: on a server's first run its import (~0.3 s)
    # then comes after the map has been sent, not before it.
    import altair as alt  # noqa: PLC0415

    return alt.Chart(h).mark_rect().encode(
        x=alt.X("bucket:T", title=None),
        x2="end:T",
        y=alt.Y("base:Q", title=f"Events per {unit}", scale=alt.Scale(zero=True)),
        y2="top:Q",
        color=color,
        tooltip=tooltip,
    )


def stack(h: pd.DataFrame, order=None) -> pd.DataFrame:
    """``h`` (bucket, end, label, n) with ``base`` and ``top`` of each rectangle, stacked within
    each bucket in ``order`` (one sort key per row; the label's by default). Stacked here, not by
    Vega-Lite: it does not stack rectangles that have both x and x2 on a time scale (each would
    float at its own count). Used by this histogram and the Timeline page's."""
    h = h.assign(_o=list(order) if order is not None else h["label"])
    h = h.sort_values(["bucket", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    h["top"] = h.groupby("bucket")["n"].cumsum()
    h["base"] = h["top"] - h["n"]
    return h


def chart(h: pd.DataFrame, unit: str, dim: str, window: tuple[dt.date | None, dt.date | None]) -> alt.LayerChart:
    import altair as alt  # noqa: PLC0415 - see stacked_rects

    values = h["value"].unique().tolist()
    scale = colour_scale(dim, values)
    present = set(h["label"])
    domain = [lab for _, lab, _ in scale if lab in present]
    colours = [c for _, lab, c in scale if lab in present]
    brush = alt.selection_interval(name="brush", encodings=["x"])
    bars = stacked_rects(
        h, unit,
        color=alt.Color("label:N", scale=alt.Scale(domain=domain, range=colours),
                        # no legend title (the legend strip names the dimension): the bars keep the height
                        legend=alt.Legend(title=None, orient="top",
                                          columns=6 if max(map(len, domain), default=0) <= 14 else 4)),
        tooltip=[alt.Tooltip("bucket:T", title=f"{unit.capitalize()} from", format="%Y-%m-%d"),
                 alt.Tooltip("label:N", title=DIM_TITLES.get(dim, dim)),
                 alt.Tooltip("n:Q", title="Events", format=",")],
    ).add_params(brush)
    layers = [bars]
    lo, hi = window
    if lo or hi:  # the chosen date range, shaded
        first, last = h["bucket"].min(), h["end"].max()
        shade = pd.DataFrame({"a": [pd.Timestamp(lo) if lo else first],
                              "b": [pd.Timestamp(hi) + pd.Timedelta(days=1) if hi else last]})
        layers.insert(0, alt.Chart(shade).mark_rect(color="#2563EB", opacity=0.12).encode(x="a:T", x2="b:T"))
    return alt.layer(*layers).properties(height=165)


def brushed_dates(selection) -> tuple[dt.date, dt.date] | None:
    """The dates of a brushed interval, from what st.altair_chart returns (epoch milliseconds or
    ISO strings for the x field); None when nothing usable is brushed."""
    sel = (selection.get("selection") if isinstance(selection, dict) else getattr(selection, "selection", None)) or {}
    brush = sel.get("brush") if isinstance(sel, dict) else None
    if not isinstance(brush, dict):
        return None
    span = brush.get("bucket") or next(iter(brush.values()), None)
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        return None
    try:
        a, b = (pd.Timestamp(v, unit="ms") if isinstance(v, (int, float)) else pd.Timestamp(v) for v in span)
    except (ValueError, TypeError):
        return None
    a, b = min(a, b), max(a, b)
    return a.date(), max(a.date(), (b - pd.Timedelta(milliseconds=1)).date())


def _step(view: state.View, direction: int) -> None:
    """Move the play window one width forward (or back; 0: the first window); pause at the end."""
    days = st.session_state.get(state.W_WINDOW) or state.DEFAULT_WINDOW
    lo, hi = state.data_dates(view.ds)
    f = view.filters
    # Forward: the day after the current range; back: one width before its start (a range that
    # starts on the first day has no `from`: state._edge_dates).
    if direction == 0 or (f.date_from is None and f.date_to is None):
        start = lo
    elif direction > 0:
        start = f.date_to + dt.timedelta(days=1) if f.date_to is not None else hi + dt.timedelta(days=1)
    else:
        start = (f.date_from or lo) - dt.timedelta(days=days)
    if start > hi:  # past the end: stay on the last window, pause
        st.session_state[_PLAYING] = False
        st.rerun()
    start = max(lo, start)
    state.set_dates(start, start + dt.timedelta(days=days - 1))


def render(view: state.View, dim: str, wait: bool = False) -> None:
    """The histogram with its brush, and the play control, under the map. `wait`: a space of the
    chart's height instead of the chart, this run (see pages/map.py: the map first)."""
    window = (view.filters.date_from, view.filters.date_to)
    if wait:
        st.html('<div class="cm-timebar-wait" role="status">The time histogram is drawn once the map has '
                'loaded.</div>')
        _play_controls(view)
        return

    def build():
        h, unit = counts(view, dim)
        return None if h.empty else chart(h, unit, dim, window)

    # The same filters and colour draw the same histogram for every reader: built once per process.
    spec = rendercache.vega_spec(("histogram", view.filters, dim), (view.ds, view.engine), build)
    if spec is None:
        st.caption("No dated event matches the filters: no time histogram.")
        return
    result = rendercache.show_chart(spec, key=HIST_KEY, on_select="rerun", selection_mode="brush", width="stretch")
    picked = brushed_dates(result)
    ss = st.session_state
    if picked is not None and ss.get(_SEEN) != picked:
        ss[_SEEN] = picked
        if picked != window:
            state.set_dates(*picked)
    elif picked is None:
        ss[_SEEN] = None
    _play_controls(view)


def _play_controls(view: state.View) -> None:
    ss = st.session_state
    playing = bool(ss.get(_PLAYING))
    c = st.columns([2, 1, 1, 1, 3], vertical_alignment="bottom")
    c[0].selectbox("Window", list(state.WINDOWS), format_func=state.WINDOWS.get, key=state.W_WINDOW,
                   help="The width of the window that play and the step buttons move through time.")
    if c[1].button("◀ Step", key="play_back", width="stretch", help="The previous window"):
        _step(view, -1)
    if c[2].button("Pause" if playing else "Play", key="play_toggle", width="stretch", type="primary",
                   help="Step the window through time; pause to keep (and share) the window shown."):
        ss[_PLAYING] = not playing
        if not playing and view.filters.date_from is None and view.filters.date_to is None:
            _step(view, 0)
        st.rerun()
    if c[3].button("Step ▶", key="play_next", width="stretch", help="The next window"):
        _step(view, 1)
    lo, hi = view.filters.date_from, view.filters.date_to
    c[4].caption("Drag across the histogram to choose dates."
                 + (f" Showing {lo or 'start'} to {hi or 'end'}." if lo or hi else ""))
    if playing:
        ss[_FULL_RUN] = True
        _ticker(view)


@st.fragment(run_every=PLAY_SECONDS)
def _ticker(view: state.View) -> None:
    """While playing: each timed rerun of this fragment moves the window and reruns the app."""
    ss = st.session_state
    if ss.pop(_FULL_RUN, False):  # drawn by a full run: wait for the next tick
        return
    if ss.get(_PLAYING):
        _step(state.view(), 1)
