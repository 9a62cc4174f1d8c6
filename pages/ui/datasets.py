"""The active dataset: which Dataset every page shows.

The curated events (events/data/, or the folder named by the environment variable
``EVENTS_DATA_DIR``), loaded once per process with ``st.cache_resource``: every session shares
the one Dataset and its query engine (events.engine) read-only; a session holds only its filter
values and selected event. Problems in the data files
are shown as a notice naming the files; the valid events still load.

The sidebar's dataset picker (every page) offers: the curated events, each imported dataset in
the data folder (events.store: ``$CONFLICT_MAP_DATA`` or events/data/imported/, written by
``python -m events import``; opened as an ``events.store.LazyDataset``, served by its query engine
alone, never as pandas frames of the whole dataset), and "Upload a file…": an ACLED or UCDP GED export the user uploads
in the browser (or TimeMap JSON), through the same importer and summary as
``python -m events import``. An upload is imported in this session only: the Dataset is kept in
``st.session_state`` (keyed by the file's hash, so re-running never re-imports it), never written
to disk and never shared with other sessions (no ``st.cache_data``). A progress bar shows while
it imports; a summary (rows loaded, rows skipped with reasons) follows. The choice of a stored
dataset is read from the address (``?dataset=<folder name>``); uploads cannot be shared by link.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import streamlit as st

from events import store, wordindex
from events.dataset import Dataset
from events.engine import engine_of
from events.load import load_curated

from .html_safe import md
from .uploads import MB, check_upload

log = logging.getLogger(__name__)

DATA_DIR_ENV = "EVENTS_DATA_DIR"


def curated_dir() -> str | None:
    """The curated data folder: $EVENTS_DATA_DIR if set (tests, other collections), else the default."""
    d = os.environ.get(DATA_DIR_ENV, "").strip()
    return str(Path(d).resolve()) if d else None


def _fingerprint(data_dir: str | None) -> tuple:
    """Changes when a data file changes, so an edited event shows without a restart: every file's
    name, size, mtime and inode (a file replaced by a rename, even with an older mtime, is new)."""
    from events.load import DEFAULT_DATA_DIR

    root = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    seen = []
    for sub in ("", "events", "sources"):
        try:
            with os.scandir(root / sub) as it:
                for e in it:
                    try:
                        if e.is_file():
                            s = e.stat()
                            seen.append((sub, e.name, s.st_size, s.st_mtime_ns, s.st_ino))
                    except OSError:  # removed while we looked: the next rerun sees the new state
                        continue
        except OSError:
            continue
    seen.sort()
    return (len(seen), hash(tuple(seen)))


@st.cache_resource(show_spinner="Loading the events…", max_entries=4)
def load_curated_cached(data_dir: str | None, fingerprint: tuple = ()) -> Dataset:
    # `fingerprint` has no leading underscore on purpose: Streamlit's caches leave such arguments
    # out of their key, and then a saved or edited file would not show until a restart.
    # cache_resource, not cache_data: one Dataset (and its query engine) shared read-only by every
    # session, instead of an unpickled copy per rerun and per session.
    ds = load_curated(data_dir)
    if ds.problems:  # the server log names the files too (the notice shows them to readers)
        files = sorted({p.file for p in ds.problems})
        log.warning("curated data in %s: %d problem(s) in %s; the valid events are served",
                    data_dir or "events/data", len(ds.problems), ", ".join(files[:20]))
    engine_of(ds)
    return ds


def curated_dataset() -> Dataset:
    d = curated_dir()
    return load_curated_cached(d, _fingerprint(d))


def show_problems(ds: Dataset) -> None:
    """A notice naming the files with problems (the valid events are still shown)."""
    if not ds.problems:
        return
    files = sorted({p.file for p in ds.problems})
    n = len(ds.problems)
    named = ", ".join(md(f) for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    with st.expander(
        f":material/warning: {n} problem{'s' if n != 1 else ''} in "
        f"{len(files)} data file{'s' if len(files) != 1 else ''} ({named}); the valid events are shown",
        expanded=False,
    ):
        for p in ds.problems[:200]:
            st.markdown(f"- **{md(p.file)}** · {md(p.record)} · {md(p.field)}: {md(p.message)}")
        if n > 200:
            st.caption(f"… and {n - 200} more. Run `python -m events validate` for the full list.")


# --------------------------------------------------------------------------- dataset picker

PICK_KEY = "ds_pick"
UPLOAD_KEY = "ds_upload"
FORMAT_KEY = "ds_upload_format"
URL_KEY = "dataset"
CURATED = "curated"
UPLOAD = "upload"
_UPLOADS = "_ds_uploads"  # {(sha256, format): (Dataset, ImportReport)}, this session only
_UPLOAD_TIMES = "_ds_upload_times"  # {(sha256, format): when this session imported it}
_UPLOAD_LAST = "_ds_upload_last"  # when the upload import_upload last returned was imported
_MAX_UPLOADS = 2
FORMAT_CHOICES = {"detect": "Detect from the content", "acled": "ACLED", "ucdp": "UCDP GED", "timemap": "TimeMap (JSON)"}
DATE_ORDER_KEY = "ds_upload_date_order"
DATE_ORDER_CHOICES = {"detect": "Decide from the file", "dmy": "Day first (09/05/2020 = 9 May)",
                      "mdy": "Month first (05/09/2020 = 9 May)"}


def stored_datasets() -> list[store.StoredDataset]:
    return store.list_datasets()


def show_broken(broken: list[store.BrokenDataset]) -> None:
    """A sidebar notice naming each imported dataset folder that cannot be listed, and why."""
    if not broken:
        return
    n = len(broken)
    with st.sidebar.expander(f":material/warning: {n} imported dataset{'s' if n != 1 else ''} cannot be read",
                             expanded=False):
        for b in broken[:50]:
            st.markdown(f"- {md(b.problem)}")
        st.caption("Re-import it with `python -m events import`; `python -m events health` checks every dataset.")


STORED_KEPT = 3  # stored datasets open at once per process (pages/ui/warmup.py opens the newest)


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=STORED_KEPT)
def load_stored_cached(path: str, stamp: tuple = ()) -> Dataset:
    # `stamp` (no leading underscore: part of the cache key) changes when a file of the folder is replaced.
    # One per process, shared read-only by every session: a LazyDataset (events.store) served by
    # its query engine over the Parquet files; no pandas frame of the whole dataset is built.
    if _events_stored(path) <= CHECK_DEEP_BELOW:
        # Small enough to read through at once: a damaged file is then reported here, by the
        # picker, with the curated events shown instead. Above it a damaged page surfaces when a
        # query reads it (events.store.Unreadable, named by the shell).
        store.require_readable(path, deep=True)
    ds = store.open_dataset(path)
    engine_of(ds)  # (attached by open_dataset; built from the frames for a folder read whole)
    return ds


CHECK_DEEP_BELOW = 50_000


def _events_stored(path: str) -> int:
    try:
        return int(store.read_meta(Path(path)).get("counts", {}).get("events", 0))
    except Exception:  # noqa: BLE001 - a nonsense dataset.json was refused by open_dataset already
        return 0


def _stamp(path: Path) -> tuple:
    """Changes when any of the folder's files is replaced (a re-import, a damaged copy), so the
    cached Dataset and its engine are read again and a fault is reported instead of served."""
    out = []
    for name in (store.META, *(f"{f}.parquet" for f in store.FRAMES), wordindex.WORDS, wordindex.POSTINGS):
        try:
            st_ = (path / name).stat()
            out.append((st_.st_mtime_ns, st_.st_size, st_.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def import_upload(data: bytes, filename: str, fmt: str | None, date_order: str | None = None):
    """Import uploaded bytes with a progress bar through the same importer as the CLI
    (events.importers.import_file); (Dataset, ImportReport) or raises ImportFailed.
    Cached in this session by content hash, format and date order."""
    import hashlib

    from events.importers import import_file

    key = (hashlib.sha256(data).hexdigest(), fmt or "detect", date_order or "detect")
    cache: dict = st.session_state.setdefault(_UPLOADS, {})
    times: dict = st.session_state.setdefault(_UPLOAD_TIMES, {})
    if key in cache:
        st.session_state[_UPLOAD_LAST] = times.get(key)
        return cache[key]
    bar = st.sidebar.progress(0.0, text=f"Importing {md(filename)}…")

    def progress(fraction: float, text: str) -> None:  # the text quotes the file name: Markdown-escaped
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=md(text))

    try:
        result = import_file(data, filename, format=fmt, name=f"Upload: {filename}", progress=progress,
                             date_order=date_order)
    finally:
        bar.empty()
    # The visitor's file name is logged with repr(): quoted, control characters and line breaks
    # escaped, so it cannot forge a log line or a terminal escape.
    log.info("upload imported in one session: %r (%s bytes, %s, %d rows loaded, %d skipped)",
             filename[:200], f"{len(data):,}", result[1].format, result[1].rows_loaded, result[1].rows_skipped)
    while len(cache) >= _MAX_UPLOADS:
        cache.pop(next(iter(cache)))
    cache[key] = result
    times[key] = st.session_state[_UPLOAD_LAST] = dt.datetime.now(dt.timezone.utc)
    for k in [k for k in times if k not in cache]:
        del times[k]
    return result


def show_import_summary(report, where=None) -> None:
    """Rows loaded (and kept with a substituted value) / skipped, with the reasons by row and
    column in an expander (escaped: they quote file content)."""
    where = where or st.sidebar
    notes = getattr(report, "notes", [])
    kept = f" (**{report.rows_noted:,}** with a substituted value or a remark)" if notes else ""
    msg = f"**{report.rows_loaded:,}** rows loaded{kept}, **{report.rows_skipped:,}** skipped"
    nothing = not report.rows_loaded and report.rows_skipped > 0
    if nothing:  # an empty dataset: say so, and show why each row was skipped
        where.error(f"No row of the file could be loaded: {msg}. The reasons are listed below.",
                    icon=":material/error:")
    else:
        (where.success if not report.rows_skipped else where.warning)(msg, icon=":material/upload_file:")
    other_types = getattr(report, "other_types", {})
    geocoded = getattr(report, "geocoded", 0)
    if report.skipped or report.warnings or report.unknown_columns or notes or other_types or geocoded:
        where_rows = ("event numbers as in the file's events list" if report.format == "timemap"
                      else "row numbers as a spreadsheet shows them; header = row 1")
        with where.expander("Import details", expanded=nothing):
            for w in report.warnings:
                st.markdown(f"- {md(w)}")
            if report.unknown_columns:
                st.markdown("- Kept as extra fields: " + md(", ".join(report.unknown_columns)))
            if other_types:
                st.markdown("- Event types kept as *other* (the original stays with each event): " + md(
                    ", ".join(f"{t} ({n:,})" for t, n in sorted(other_types.items(), key=lambda x: -x[1]))))
            if geocoded:
                st.markdown(f"- {geocoded:,} places had no coordinates and were placed by the offline gazetteer.")
            for title, rows in (("Skipped rows", report.skipped), ("Rows loaded with a remark", notes)):
                if not rows:
                    continue
                st.markdown(f"**{title}** ({where_rows})")
                for sk in rows[:200]:
                    st.markdown(f"- row {sk.row} · {md(sk.column)}: {md(sk.reason)}")
                if len(rows) > 200:
                    st.caption(f"… and {len(rows) - 200:,} more.")


def _set_url(slug: str | None) -> None:
    try:
        if slug:
            if st.query_params.get(URL_KEY) != slug:
                st.query_params[URL_KEY] = slug
        elif URL_KEY in st.query_params:
            del st.query_params[URL_KEY]
    except Exception:  # noqa: BLE001 - the address is a convenience; never break the page for it
        pass


def dataset_picker() -> Dataset:
    """The sidebar picker (curated / stored imports / upload); returns the chosen Dataset."""
    from events.importers import FORMAT_LABELS, ImportFailed

    ss = st.session_state
    good, broken = store.scan_datasets()
    stored = {d.slug: d for d in good}
    options = [CURATED, *stored, UPLOAD]
    if PICK_KEY not in ss:  # a new session: the address may name a stored dataset
        wanted = st.query_params.get(URL_KEY)
        ss[PICK_KEY] = wanted if wanted in stored else CURATED
        if wanted and wanted not in stored:
            shown = wanted if len(wanted) <= 60 else wanted[:59] + "…"
            st.sidebar.warning(f"Dataset {md(repr(shown))} is not available here; showing the curated events.")
    elif ss[PICK_KEY] not in options:
        ss[PICK_KEY] = CURATED

    labels = {CURATED: "Curated events", UPLOAD: "Upload a file…", **{k: d.label for k, d in stored.items()}}
    choice = st.sidebar.selectbox(
        "Dataset", options, key=PICK_KEY, format_func=lambda k: labels.get(k, k),
        help="The curated, verified events; an ACLED, UCDP GED or TimeMap dataset imported with "
             "`python -m events import`; or an export you upload (kept in this session only).",
    )
    show_broken(broken)

    if choice == UPLOAD:
        _set_url(None)
        up = st.sidebar.file_uploader(
            "ACLED or UCDP GED export (CSV), or TimeMap data (JSON)", type=["csv", "tsv", "txt", "json"],
            key=UPLOAD_KEY,
            help="Imported in your browser session only: never saved on the server, gone when you "
                 "close the tab. An uploaded dataset cannot be shared by link.",
        )
        fmt = st.sidebar.selectbox("Format", list(FORMAT_CHOICES), key=FORMAT_KEY,
                                   format_func=FORMAT_CHOICES.get)
        order = st.sidebar.selectbox(
            "Numeric dates", list(DATE_ORDER_CHOICES), key=DATE_ORDER_KEY, format_func=DATE_ORDER_CHOICES.get,
            help="How to read dates such as 05/09/2020. The file usually settles it (a day above 12, "
                 "or rows sorted by date); choose only when the import says the dates are ambiguous.")
        st.sidebar.caption("Uploads stay in this session and cannot be shared by link.")
        if up is None:
            st.sidebar.info("Choose a CSV file or a TimeMap JSON file; the curated events are shown until then.")
            return _fallback_to_curated()
        data = up.getvalue()
        refused = check_upload(data, up.name, max_bytes=max_upload_bytes(), quote=md)
        if refused:
            st.sidebar.error(refused, icon=":material/error:")
            return _fallback_to_curated()
        try:
            ds, report = import_upload(data, up.name, None if fmt == "detect" else fmt,
                                       None if order == "detect" else order)
        except ImportFailed as exc:
            log.info("upload %r not imported: %r", up.name[:200], str(exc)[:300])
            st.sidebar.error(md(str(exc)), icon=":material/error:")
            return _fallback_to_curated()
        except Exception as exc:  # noqa: BLE001 - a visitor's file must never break the page
            log.exception("import of the uploaded file %r failed", up.name[:200])
            st.sidebar.error(
                f"Could not import {md(up.name)}: the file could not be read as an ACLED, UCDP GED or "
                f"TimeMap export ({md(type(exc).__name__)}). Check that it is the export itself.",
                icon=":material/error:",
            )
            return _fallback_to_curated()
        st.sidebar.caption(f"{FORMAT_LABELS.get(report.format, report.format)} · {md(up.name)}")
        show_import_summary(report)
        _set_info(ds, "upload", uploaded_at())
        return ds

    if choice != CURATED:
        d = stored[choice]
        _set_url(d.slug)
        try:
            ds = load_stored_cached(str(d.path), _stamp(d.path))
            report = store.load_report(d.path)
        except Exception as exc:  # noqa: BLE001 - a broken folder must not break the app
            if not isinstance(exc, store.Unreadable):  # Unreadable is logged by the store
                log.exception("cannot read the imported dataset in %s", d.path)
            st.sidebar.error(f"Could not read the dataset {md(d.name)} ({md(exc)}); showing the curated events.",
                             icon=":material/error:")
            return _fallback_to_curated()
        if report is not None and (report.rows_skipped or report.notes):
            show_import_summary(report)
        _set_info(ds, "stored", ds.updated or _parse_time(d.imported_at))
        return ds

    _set_url(None)
    return _fallback_to_curated()


def _fallback_to_curated() -> Dataset:
    ds = curated_dataset()
    show_problems(ds)
    _set_info(ds, "curated", ds.updated)
    return ds


# --------------------------------------------------------------------------- for the footer

INFO_KEY = "_ds_info"  # {"origin": curated|stored|upload, "updated": datetime|None}


def _set_info(ds: Dataset, origin: str, updated: dt.datetime | None) -> None:
    st.session_state[INFO_KEY] = {"origin": origin, "updated": updated, "kind": ds.kind, "name": ds.name}


def dataset_info() -> dict:
    """Where the active dataset comes from and when its data was last updated (for the footer)."""
    return dict(st.session_state.get(INFO_KEY) or {})


def _parse_time(s: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(s) if s else None
    except ValueError:
        return None


def uploaded_at() -> dt.datetime | None:
    """When this session imported the upload import_upload last returned."""
    return st.session_state.get(_UPLOAD_LAST)


def max_upload_bytes() -> int:
    """``server.maxUploadSize`` (.streamlit/config.toml) in bytes, as Streamlit counts megabytes."""
    try:
        mb = int(st.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001
        mb = 200
    return mb * MB


def active_dataset() -> Dataset:
    """The dataset every page shows: the sidebar picker's choice."""
    return dataset_picker()
