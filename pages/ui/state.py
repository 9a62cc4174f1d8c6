"""Shared view state: the sidebar filters and the selected event, mirrored to the URL.

The URL query parameters (``event``, ``status``, ``actor``, ``type``, ``area``, ``from``, ``to``, ``q``;
events.urlstate) and ``st.session_state`` hold the same state:

- On a session's first run, and whenever the address carries parameters that the app did not
  write itself (a pasted link, a page link with parameters, the browser's back button), the
  address wins: ``events.urlstate.parse_query`` reads it and whatever it drops is listed in a
  visible notice.
- Otherwise the session state wins and is written back to the address, only when it differs
  (so no rerun loops). This also restores the parameters when a page switch cleared them.

app.py calls ``setup(ds, page)`` before running the page; pages call ``view()`` and ``select()``.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import Iterable
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import streamlit as st

from events import vocab
from events.dataset import EVENT_COLUMNS, Dataset
from events.engine import Engine, engine_of
from events.filters import Filters
from events.urlstate import KEYS, SILENT_KEYS, area_name, parse_query, to_query

from . import fmt, rendercache
from .html_safe import md

# url_path of every page but the map (the default page, served at the app's root).
PAGE_PATHS = ("table", "timeline", "sources", "about")
# Parameters that belong to one page (the Sources page's source and highlighted claim).
PAGE_KEYS = ("source", "hl")
# Parameters other parts of the app own (the dataset picker's stored dataset): always kept as they are.
KEEP_KEYS = ("dataset",)
# View parameters (not filters): how the map colours events (``color``) and the play window
# (``win``, days). Read and checked here; invalid values give a notice and the default.
VIEW_KEYS = ("color", "win", "layer", "measure", "with", "near_km", "near_days")
# Margins of "Records nearby in other datasets" (pages/ui/nearby.py): km around the place, days around the dates.
W_NEAR_KM, W_NEAR_DAYS = "near_km", "near_days"
NEAR_LIMITS = {W_NEAR_KM: (0, 200, 10), W_NEAR_DAYS: (0, 60, 3)}  # min, max, default
W_WITH = "view_with"  # other stored datasets drawn as layers over the map (``with=<slug>``, repeatable)
MAX_WITH = 3
# What the map shows: the events, areas filled by their count (choropleth), or a heat map.
LAYERS = {"events": "Events", "governorate": "Governorates", "district": "Districts",
          "subdistrict": "Sub-districts", "heat": "Heat map"}
MEASURES = {"events": "Events", "fatalities": "Fatalities"}
W_LAYER, W_MEASURE = "view_layer", "view_measure"
COLOUR_BY = {"status": "Claim status", "type": "Event type", "fatalities": "Fatalities", "dataset": "Dataset"}
WINDOWS = {7: "1 week", 30: "1 month", 91: "3 months", 365: "1 year"}
DEFAULT_WINDOW = 30
W_COLOUR, W_WINDOW = "view_color", "view_win"
_PENDING_DATES = "_pending_dates"
_PENDING_AREAS = "_pending_areas"
MAX_Q = 200

W_DATES, W_ACTORS, W_STATUS, W_TYPES, W_Q = "flt_dates", "flt_actors", "flt_status", "flt_types", "flt_q"
W_AREAS = "flt_areas"
WIDGET_KEYS = (W_DATES, W_ACTORS, W_STATUS, W_TYPES, W_AREAS, W_Q)

_F, _EVENT, _NOTICES, _WRITTEN, _DS, _VIEW = "_filters", "_event", "_notices", "_qp_written", "_ds_name", "_view"


@dataclass
class View:
    """What a page shows: the dataset, the filters, the selected event, and the query engine that
    answers for the kept events (events.engine). ``count`` is known; the kept rows themselves are
    fetched only when a page asks for ``shown`` (small sets), else pages query the engine."""

    ds: Dataset
    filters: Filters
    engine: Engine | None = None
    count: int = 0
    selected_id: str | None = None
    page: str = ""
    actor_names: dict[str, str] = field(default_factory=dict)
    _shown: pd.DataFrame | None = field(default=None, repr=False)
    _roles: dict | None = field(default=None, repr=False)
    _rows: dict = field(default_factory=dict, repr=False)  # this rerun's answers for one event

    @property
    def eng(self) -> Engine:
        """The engine every question goes to (the dataset's, shared by all sessions)."""
        if self.engine is None:
            self.engine = engine_of(self.ds)
        return self.engine

    @property
    def total(self) -> int:
        return self.eng.n_events

    @property
    def shown(self) -> pd.DataFrame:
        """The kept events, every column, in the dataset's order (fetched from the engine on first
        use): for small sets only (the timeline's bars, the curated sources page)."""
        if self._shown is None:
            self._shown = self.eng.kept(self.filters, EVENT_COLUMNS)
        return self._shown

    def event(self, event_id: str) -> pd.Series | None:
        """One event's whole row (an engine query, kept for this rerun)."""
        key = ("event", event_id)
        if key not in self._rows:
            self._rows[key] = self.eng.event(event_id)
        return self._rows[key]

    def claims_of(self, event_id: str) -> pd.DataFrame:
        """One event's claims (an engine query, kept for this rerun)."""
        key = ("claims", event_id)
        if key not in self._rows:
            self._rows[key] = self.eng.claims_of([event_id])
        return self._rows[key]

    @property
    def matched_roles(self) -> dict[str, frozenset[str]]:
        if self._roles is None:
            self._roles = self.engine.matched_roles(self.filters) if self.filters.actors else {}
        return self._roles

    @property
    def selected_shown(self) -> bool:
        if self.selected_id is None:
            return False
        if self._shown is not None:
            return self.selected_id in set(self._shown["id"])
        return rendercache.memo(self.engine, ("ids_in", self.filters, self.selected_id),
                                lambda: bool(self.engine.ids_in(self.filters, [self.selected_id])))

    def actor(self, actor_id: str) -> str:
        return self.actor_names.get(actor_id, actor_id)


# --------------------------------------------------------------------------- URL <-> state


def current_query() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _ours(params: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in params.items() if k not in PAGE_KEYS and k not in KEEP_KEYS}


def embedded() -> bool:
    """True when the address carries ``embed=true`` (how news sites embed a Streamlit app).
    st.query_params hides Streamlit's own ``embed`` key from apps, so the session's raw parameters
    are read (Streamlit internals: if they move, embedding falls back to the full page)."""
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state  # noqa: PLC0415

        with get_session_state().query_params() as qp:
            raw = dict(getattr(qp, "_query_params", {}) or {})
    except Exception:  # noqa: BLE001 - no session, or internals changed
        return False
    vals = raw.get("embed")
    vals = vals if isinstance(vals, list) else [vals] if vals else []
    return any(str(v).strip().lower() == "true" for v in vals)


def default_colour(ds: Dataset) -> str:
    """Claim status, unless every event shares one status (most imported datasets): event type."""
    eng = engine_of(ds)
    return rendercache.memo(eng, ("default_colour",), lambda: "status" if len(eng.values("status")) > 1 else "type")


def _apply_view_params(ds: Dataset, params: dict[str, list[str]]) -> list[str]:
    """Colour and play window from the address into the view widgets' state; notices."""
    notes = []
    ss = st.session_state
    colour = (params.get("color") or [None])[-1]
    if colour is not None and colour not in COLOUR_BY:
        notes.append(f"Ignored colour {colour[:40]!r} (known: {', '.join(COLOUR_BY)}).")
        colour = None
    ss[W_COLOUR] = colour or default_colour(ds)
    win = (params.get("win") or [None])[-1]
    days = int(win) if win is not None and win.isdigit() and int(win) in WINDOWS else None
    if win is not None and days is None:
        notes.append(f"Ignored play window {win[:40]!r} (known: {', '.join(map(str, WINDOWS))} days).")
    ss[W_WINDOW] = days or DEFAULT_WINDOW
    for key, wkey, options in (("layer", W_LAYER, LAYERS), ("measure", W_MEASURE, MEASURES)):
        v = (params.get(key) or [None])[-1]
        if v is not None and v not in options:
            notes.append(f"Ignored {key} {v[:40]!r} (known: {', '.join(options)}).")
            v = None
        ss[wkey] = v or next(iter(options))
    for key, (lo, hi, default) in NEAR_LIMITS.items():
        v = (params.get(key) or [None])[-1]
        ok = v is not None and v.isdigit() and lo <= int(v) <= hi
        if v is not None and not ok:
            notes.append(f"Ignored {key} {v[:40]!r}: a whole number from {lo} to {hi}.")
        ss[key] = int(v) if ok else default
    wanted = [v for v in params.get("with", []) if v]
    if wanted:
        from events import store  # noqa: PLC0415

        known = {d.slug for d in store.list_datasets()}
        kept = [v for v in dict.fromkeys(wanted) if v in known][:MAX_WITH]
        for v in wanted:
            if v not in known:
                notes.append(f"Ignored layer dataset {v[:40]!r}: no such stored dataset.")
        ss[W_WITH] = kept
    else:
        ss[W_WITH] = []
    return notes


def view_query(ds: Dataset) -> dict[str, list[str]]:
    """The view parameters that differ from their defaults."""
    ss = st.session_state
    out = {}
    if ss.get(W_COLOUR) in COLOUR_BY and ss.get(W_COLOUR) != default_colour(ds):
        out["color"] = [ss[W_COLOUR]]
    if ss.get(W_WINDOW) in WINDOWS and ss.get(W_WINDOW) != DEFAULT_WINDOW:
        out["win"] = [str(ss[W_WINDOW])]
    if ss.get(W_LAYER) in LAYERS and ss.get(W_LAYER) != "events":
        out["layer"] = [ss[W_LAYER]]
    if ss.get(W_MEASURE) in MEASURES and ss.get(W_MEASURE) != "events":
        out["measure"] = [ss[W_MEASURE]]
    if ss.get(W_WITH):
        out["with"] = [str(v) for v in ss[W_WITH]]
    for key, (lo, hi, default) in NEAR_LIMITS.items():
        v = ss.get(key)
        if isinstance(v, (int, float)) and lo <= v <= hi and int(v) != default:
            out[key] = [str(int(v))]
    return out


def colour_by(ds: Dataset) -> str:
    c = st.session_state.get(W_COLOUR)
    return c if c in COLOUR_BY else default_colour(ds)


def set_dates(date_from: dt.date | None, date_to: dt.date | None) -> None:
    """Set the date filter from a page (a brushed histogram, the play control) and rerun: the
    dates reach the sidebar's widget at the start of the next run, before it is drawn."""
    st.session_state[_PENDING_DATES] = (date_from, date_to)
    st.rerun()


def set_areas(pcodes: tuple[str, ...]) -> None:
    """Set the area filter from a page (a click on a choropleth area) and rerun, like set_dates."""
    st.session_state[_PENDING_AREAS] = list(pcodes)
    st.rerun()


@functools.lru_cache(maxsize=1)
def area_options() -> tuple[str, ...]:
    """Every OCHA P-code the area filter knows: governorates, then districts, then sub-districts,
    each by name (geodata.admin's units)."""
    from geodata.admin import get_index  # noqa: PLC0415

    units = get_index().units.values()
    return tuple(u.pcode for u in sorted(units, key=lambda u: (u.level, u.name.casefold(), u.pcode)))


def _facets(ds: Dataset) -> dict:
    """The dataset's date range, event types and actors, computed once per Dataset (it is shared
    by every session: pages/ui/datasets.py) instead of on every rerun."""
    eng = engine_of(ds)
    hit = ds._cache.get("facets")
    if hit is None or hit[0] is not eng:
        lo, hi = eng.date_range()
        facets = {
            "dates": (lo, hi),
            "types": eng.values("event_type"),
            "actors": set(eng.actor_ids()),
            "names": dict(zip(ds.actors["id"], ds.actors["name"])),
        }
        hit = (eng, facets)
        ds._cache["facets"] = hit
    return hit[1]


def _date_bounds(ds: Dataset) -> tuple[dt.date, dt.date]:
    lo, hi = _facets(ds)["dates"]
    today = dt.date.today()
    lo = lo or today
    hi = hi or lo
    return lo, max(lo, hi)


def data_dates(ds: Dataset) -> tuple[dt.date, dt.date]:
    """The dataset's first and last dates (today when it has none)."""
    return _date_bounds(ds)


def _set_widgets(ds: Dataset, f: Filters) -> None:
    """Put a Filters into the sidebar widgets' state (before the widgets are drawn)."""
    lo, hi = _date_bounds(ds)
    ss = st.session_state
    ss[W_DATES] = (f.date_from or lo, f.date_to or hi)
    ss[W_ACTORS] = list(f.actors)
    ss[W_STATUS] = list(f.statuses)
    ss[W_TYPES] = list(f.types)
    ss[W_AREAS] = list(f.areas)
    ss[W_Q] = f.q


def _edge_dates(ds: Dataset, date_from: dt.date | None, date_to: dt.date | None
                ) -> tuple[dt.date | None, dt.date | None]:
    """A `from` on or before the data's first date (a `to` on or after its last) is no limit: None."""
    lo, hi = _date_bounds(ds)
    return (None if date_from is None or date_from <= lo else date_from,
            None if date_to is None or date_to >= hi else date_to)


def _apply_url(ds: Dataset, params: dict[str, list[str]]) -> None:
    f, eid, notices = parse_query(params, ds, silent_keys=set(SILENT_KEYS) | set(PAGE_KEYS) | set(KEEP_KEYS)
                                  | set(VIEW_KEYS))
    notices += _apply_view_params(ds, params)
    # The same form the sidebar widgets give back (_filters_from_widgets), so that reading the
    # widgets on this run does not look like a user's change (which would clear the notices).
    date_from, date_to = _edge_dates(ds, f.date_from, f.date_to)
    f = replace(f, date_from=date_from, date_to=date_to)
    ss = st.session_state
    ss[_F] = f
    ss[_EVENT] = eid
    ss[_NOTICES] = notices
    _set_widgets(ds, f)


def write_url(keep_page_params: bool = True) -> None:
    """Write the state to the address bar, if it differs from what is there."""
    ss = st.session_state
    want = to_query(ss.get(_F, Filters()), ss.get(_EVENT))
    ds = ss.get("_reset_ds")
    if ds is not None:
        want.update(view_query(ds))
    have = current_query()
    kept = KEEP_KEYS + (PAGE_KEYS if keep_page_params else ())
    full = dict(want, **{k: v for k, v in have.items() if k in kept})
    if full != have:
        st.query_params.from_dict(full)
    ss[_WRITTEN] = want


MAP_GEN = "_map_generation"


def select(event_id: str | None) -> None:
    """Select an event (None clears the selection) and put it in the address."""
    if event_id is None and st.session_state.get(_EVENT) is not None:
        # The map only reports a click when the clicked feature changes: after a clear, a new map
        # component (see pages/map.py) lets a click on the same marker select it again.
        st.session_state[MAP_GEN] = st.session_state.get(MAP_GEN, 0) + 1
    st.session_state[_EVENT] = event_id
    write_url()


def map_key() -> str:
    gen = st.session_state.get(MAP_GEN, 0)
    return "map" if not gen else f"map-{gen}"


def selected_id() -> str | None:
    return st.session_state.get(_EVENT)


def notify(message: str) -> None:
    st.session_state.setdefault(_NOTICES, []).append(message)


# --------------------------------------------------------------------------- sidebar


def _reset() -> None:
    ds = st.session_state.get("_reset_ds")
    st.session_state[_F] = Filters()
    st.session_state[_NOTICES] = []
    if ds is not None:
        _set_widgets(ds, Filters())


def _filters_from_widgets(ds: Dataset, previous: Filters) -> Filters:
    ss = st.session_state
    dates = ss.get(W_DATES) or ()
    if isinstance(dates, (list, tuple)) and len(dates) == 2 and all(dates):
        date_from, date_to = _edge_dates(ds, fmt.to_date(dates[0]), fmt.to_date(dates[1]))
    else:  # the user is still picking the second date
        date_from, date_to = previous.date_from, previous.date_to
    q = " ".join(str(ss.get(W_Q) or "").split())[:MAX_Q]
    return Filters(
        date_from=date_from,
        date_to=date_to,
        actors=tuple(ss.get(W_ACTORS) or ()),
        statuses=tuple(ss.get(W_STATUS) or ()),
        types=tuple(ss.get(W_TYPES) or ()),
        q=q,
        areas=tuple(ss.get(W_AREAS) or ()),
    )


def type_options(ds: Dataset) -> list[str]:
    present = {t for t in _facets(ds)["types"] if t}
    known = [t for t in vocab.EVENT_TYPES if t in present]
    return known + sorted(present - set(known))


def _actor_options(ds: Dataset) -> list[str]:
    """Actors that appear as a participant or claimant, by display name."""
    used = _facets(ds)["actors"]
    names = _facets(ds)["names"]
    return sorted(used, key=lambda a: (names.get(a, a).casefold(), a))


def _keeping_chosen(options, key: str) -> list:
    """A multiselect's options plus any value its state already holds that they lack (a value from
    the URL or another dataset): Streamlit refuses a default outside the options."""
    opts = list(options)
    opts += [v for v in dict.fromkeys(st.session_state.get(key) or []) if v not in opts]
    return opts


def render_sidebar(ds: Dataset, f: Filters) -> None:
    """The shared filter widgets (their state already holds ``f``)."""
    ss = st.session_state
    ss["_reset_ds"] = ds
    lo, hi = _date_bounds(ds)
    names = _facets(ds)["names"]
    sb = st.sidebar
    sb.header("Filters")

    # Widget options must contain the state's values.
    d0, d1 = ss.get(W_DATES, (lo, hi)) if isinstance(ss.get(W_DATES), (list, tuple)) else (lo, hi)
    d0 = fmt.to_date(d0) if d0 else lo
    d1 = fmt.to_date(d1) if d1 else hi
    sb.date_input(
        "Dates",
        value=(lo, hi),  # a range widget; its state holds the filter's dates
        min_value=min(lo, d0 or lo),
        max_value=max(hi, d1 or hi),
        key=W_DATES,
        format="YYYY-MM-DD",
        help="Keeps events whose date range overlaps the chosen range.",
    )
    actor_opts = _keeping_chosen(_actor_options(ds), W_ACTORS)
    sb.multiselect(
        "Actors",
        options=actor_opts,
        format_func=lambda a: names.get(a, a),
        key=W_ACTORS,
        placeholder="Any actor",
        help="Matches participants (who acted, who was hit) and claimants (who said it).",
    )
    sb.multiselect(
        "Claim status",
        options=list(vocab.STATUSES),
        format_func=lambda s: vocab.STATUS_LABELS.get(s, s),
        key=W_STATUS,
        placeholder="Any status",
    )
    type_opts = _keeping_chosen(type_options(ds), W_TYPES)
    sb.multiselect(
        "Event type",
        options=type_opts,
        format_func=fmt.type_label,
        key=W_TYPES,
        placeholder="Any type",
    )
    area_opts = _keeping_chosen(area_options(), W_AREAS)
    sb.multiselect(
        "Area",
        options=area_opts,
        format_func=lambda a: area_name(a) or a,  # OCHA names from geodata/data, shown as text
        key=W_AREAS,
        placeholder="Anywhere",
        help="Governorates, districts or sub-districts (UN OCHA boundaries). Or click an area on the map "
             "(Show: Governorates, Districts or Sub-districts). Events count in an area when their place's "
             "precision vouches for it.",
    )
    sb.text_input(
        "Search",
        key=W_Q,
        max_chars=MAX_Q,
        placeholder="Words in titles, summaries, excerpts",
        help="Every word must occur in the event's title, summary, place or excerpts.",
    )


# --------------------------------------------------------------------------- setup


def setup(ds: Dataset, page: str = "") -> View:
    """Sync URL and state, draw the sidebar filters, apply them. Call once per run, before the page."""
    ss = st.session_state
    params = current_query()
    ours = _ours(params)
    first = _F not in ss or ss.get(_DS) != ds.name
    from_url = first or bool(ours and ours != ss.get(_WRITTEN))
    if from_url:
        _apply_url(ds, ours)
    ss[_DS] = ds.name

    for k in WIDGET_KEYS + (W_COLOUR, W_WINDOW, W_LAYER, W_MEASURE, W_WITH, W_NEAR_KM, W_NEAR_DAYS):  # widgets' state survives page switches only if touched every run
        if k in ss:
            ss[k] = ss[k]
    pending = ss.pop(_PENDING_DATES, None)
    if pending is not None:  # dates set by a page on the previous run (set_dates)
        lo, hi = _date_bounds(ds)
        ss[W_DATES] = (pending[0] or lo, pending[1] or hi)
    pending = ss.pop(_PENDING_AREAS, None)
    if pending is not None:  # an area clicked on the map on the previous run (set_areas)
        ss[W_AREAS] = list(pending)

    previous: Filters = ss.get(_F, Filters())
    render_sidebar(ds, previous)
    f = _filters_from_widgets(ds, previous)
    if f != previous:
        ss[_F] = f
        if not from_url:  # the user changed a filter: the notices about the old address are stale
            ss[_NOTICES] = []

    # A selected event must exist in this dataset.
    engine = engine_of(ds)
    eid = ss.get(_EVENT)
    if eid is not None and not rendercache.memo(engine, ("contains_id", eid), lambda: engine.contains_id(eid)):
        notify(f"Event {eid!r} is not in this dataset.")
        ss[_EVENT] = eid = None

    count = engine.totals(f)[0] if f.active else engine.n_events  # kept by the engine per filter state
    v = View(
        ds=ds,
        filters=f,
        engine=engine,
        count=count,
        selected_id=eid,
        page=page,
        actor_names=_facets(ds)["names"],
    )

    sb = st.sidebar
    sb.markdown(f"**{count:,}** of {engine.n_events:,} events shown")
    sb.button("Reset filters", on_click=_reset, disabled=not f.active, width="stretch", key="flt_reset")

    write_url(keep_page_params=(page == "sources"))
    ss[_VIEW] = v
    return v


def show_notices() -> None:
    """The notice listing address parameters that were dropped (escaped: they quote user input)."""
    notes = st.session_state.get(_NOTICES) or []
    if notes:
        st.warning(
            "Some parts of the address could not be used and were ignored:\n\n"
            + "\n".join(f"- {md(n)}" for n in notes),
            icon=":material/warning:",
        )


def view() -> View:
    return st.session_state[_VIEW]


# --------------------------------------------------------------------------- links


def app_base_url(page_paths: Iterable[str] = PAGE_PATHS) -> str:
    """The app's root address (no page path, no query), '' when unknown."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - not in a browser session (AppTest)
        url = None
    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for p in page_paths:
        if p and path.endswith("/" + p):
            path = path[: -len(p) - 1]
            break
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def event_link(event_id: str, filters: Filters | None = None, page_paths: Iterable[str] = PAGE_PATHS,
               kept: dict[str, list[str]] | None = None) -> str:
    """A shareable address of the map with this event selected (and the filters, if given).

    It keeps the parameters other parts of the app own (KEEP_KEYS: the stored dataset), taken from
    ``kept`` or else from the current address, so the link opens the same dataset."""
    if kept is None:
        try:
            kept = current_query()
        except Exception:  # noqa: BLE001 - no session (a bare call): nothing to keep
            kept = {}
    q = dict(to_query(filters or Filters(), event_id))
    q.update({k: list(kept[k]) for k in KEEP_KEYS if kept.get(k)})
    query = urlencode([(k, v) for k, vals in q.items() for v in vals])
    return f"{app_base_url(page_paths) or '/'}?{query}"


def roles_text(view: View, event_id: str) -> str:
    """'Russian Ministry of Defence — claimant; Islamic State — participant' for the actor filter."""
    if not view.filters.actors:
        return ""
    rows = view.eng.roles_of([event_id])
    rows = rows[rows["actor_id"].isin(list(view.filters.actors))]
    parts: dict[str, list[str]] = {}
    for a, r in zip(rows["actor_id"], rows["role"]):
        parts.setdefault(a, [])
        if r not in parts[a]:
            parts[a].append(r)
    return "; ".join(f"{view.actor(a)} — {' and '.join(rs)}" for a, rs in parts.items())


KNOWN_KEYS = KEYS
