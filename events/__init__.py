"""What happened: the curated events table, its schema, loading, validation, claim status,
filtering, importers, exporters and the `python -m events` CLI. Never imports Streamlit.

`events.load_curated` and `events.Dataset` are imported lazily so that `import events.vocab`
stays light (no pandas)."""
from __future__ import annotations

__all__ = ["load_curated", "Dataset"]


def __getattr__(name: str):
    if name == "load_curated":
        from .load import load_curated

        return load_curated
    if name == "Dataset":
        from .dataset import Dataset

        return Dataset
    raise AttributeError(f"module 'events' has no attribute {name!r}")
