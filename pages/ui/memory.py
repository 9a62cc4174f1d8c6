"""The server process's memory and garbage collection (one job: keep both cheap under many readers).

Streamlit runs a full garbage collection after every script run (`runner.postScriptGC`, on by
default) to keep memory from building up. A full collection walks every container object the
process holds: Streamlit, pandas, Altair, folium and the shared dataset are ~170,000 of them, so each
rerun paid ~100 ms for it, a third of a rerun's CPU (py-spy under benchmarks/load.py). Those objects
live as long as the process: `settle()` moves them out of the collector's sight once
(`gc.freeze()`), after the first run that used a shared dataset (curated or stored, loaded once per
process and shared read-only), and again when another shared dataset object appears (a re-import, an
edited curated file, frames read in the background). The per-run collection then sees only what the
runs themselves created, and still frees their cycles.

Before each new freeze `gc.unfreeze()` gives the earlier frozen objects back to the collector, so a
replaced dataset's cycles are collected then, not kept for the life of the process.
"""
from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)

_lock = threading.Lock()
_seen: dict[int, tuple] = {}  # id(dataset) -> (weakref to it, whether its frames had loaded)
_stats = {"freezes": 0, "last_s": 0.0}


def _state(ds) -> bool:
    loaded = getattr(type(ds), "loaded", None)
    return bool(ds.loaded) if isinstance(loaded, property) else True


def settle(ds, shared: bool) -> bool:
    """After a run that showed `ds`: freeze the process's long-lived objects if this shared dataset
    (in this loading state) has not been seen yet. Returns True when it froze. Session-only
    datasets (uploads) are never frozen: they go when their session does."""
    import weakref

    if not shared:
        return False
    loaded = _state(ds)
    with _lock:
        seen = _seen.get(id(ds))
        if seen is not None and seen[0]() is ds and seen[1] == loaded:
            return False
        for k in [k for k, (ref, _) in _seen.items() if ref() is None]:
            del _seen[k]
        try:
            _seen[id(ds)] = (weakref.ref(ds), loaded)
        except TypeError:  # not weak-referenceable: never freeze for it
            return False
        t = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _stats["freezes"] += 1
        _stats["last_s"] = time.perf_counter() - t
    log.info("long-lived objects frozen for the collector (%d objects, %.2f s)", gc.get_freeze_count(),
             _stats["last_s"])
    return True


def stats() -> dict:
    return {"freezes": _stats["freezes"], "frozen": gc.get_freeze_count(), "last_s": round(_stats["last_s"], 3)}
