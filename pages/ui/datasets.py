"""The active dataset: which Dataset every page shows.

First version: the curated events (events/data/, or the folder named by the environment variable
``EVENTS_DATA_DIR``), loaded once per process with ``st.cache_data``. Problems in the data files
are shown as a notice naming the files; the valid events still load. The importers will extend
this with a picker and upload.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from events.dataset import Dataset
from events.load import load_curated

from .html_safe import md

DATA_DIR_ENV = "EVENTS_DATA_DIR"


def curated_dir() -> str | None:
    """The curated data folder: $EVENTS_DATA_DIR if set (tests, other collections), else the default."""
    d = os.environ.get(DATA_DIR_ENV, "").strip()
    return str(Path(d).resolve()) if d else None


def _fingerprint(data_dir: str | None) -> tuple:
    """Changes when a data file changes, so an edited event shows without a restart."""
    from events.load import DEFAULT_DATA_DIR

    root = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    newest, count = 0.0, 0
    for sub in ("", "events", "sources"):
        try:
            with os.scandir(root / sub) as it:
                for e in it:
                    if e.is_file():
                        count += 1
                        newest = max(newest, e.stat().st_mtime)
        except OSError:
            continue
    return (newest, count)


@st.cache_data(show_spinner="Loading the events…", max_entries=4)
def load_curated_cached(data_dir: str | None, _fingerprint: tuple = ()) -> Dataset:
    return load_curated(data_dir)


def curated_dataset() -> Dataset:
    d = curated_dir()
    return load_curated_cached(d, _fingerprint(d))


def show_problems(ds: Dataset) -> None:
    """A notice naming the files with problems (the valid events are still shown)."""
    if not ds.problems:
        return
    files = sorted({p.file for p in ds.problems})
    n = len(ds.problems)
    with st.expander(
        f":material/warning: {n} problem{'s' if n != 1 else ''} in the data files "
        f"({len(files)} file{'s' if len(files) != 1 else ''}); the valid events are shown",
        expanded=False,
    ):
        for p in ds.problems[:200]:
            st.markdown(f"- **{md(p.file)}** · {md(p.record)} · {md(p.field)}: {md(p.message)}")
        if n > 200:
            st.caption(f"… and {n - 200} more. Run `python -m events validate` for the full list.")


def active_dataset() -> Dataset:
    """The dataset every page shows."""
    ds = curated_dataset()
    show_problems(ds)
    return ds
