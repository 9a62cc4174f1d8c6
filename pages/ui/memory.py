"""The server process's memory and garbage collection: cheap under many readers, and given back
when they leave. No page imports this; pages/ui/shell.py calls it around every run.

Collector cost. Streamlit can run a full garbage collection after every script run
(`runner.postScriptGC`); a full collection walks every container object the process holds
(Streamlit, pandas, Altair, folium and the shared dataset: ~200,000), ~100 ms, a third of a rerun's
CPU under benchmarks/load.py, growing with the number of sessions. .streamlit/config.toml turns it
off, and `settle()` moves the long-lived objects out of the collector's sight (`gc.freeze()`) after
the first run that used a shared dataset (curated or stored: loaded once per process, read-only),
and again when another shared dataset object appears (a re-import, an edited curated file, frames
read in the background), first giving the earlier frozen objects back (`gc.unfreeze()`) so a
replaced dataset's cycles are collected. Python's generational collector still frees the runs'
cyclic garbage, and its rare full collections no longer walk the frozen objects.

After readers leave. `start_janitor()` (once per process) tunes glibc's allocator
(`tune_allocator`) and starts a thread that, once no script has run for IDLE_S seconds, expires the
disconnected sessions whose `server.disconnectedSessionTTL` has passed (Streamlit only drops them
when another session is stored), collects garbage and gives free pages back to the system
(`malloc_trim`); and once more when the sessions' time to live has passed.
"""
from __future__ import annotations

import gc
import os
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


# --------------------------------------------------------------------------- after readers leave

IDLE_S = 5.0  # no script run for this long: readers have paused or left
PERIOD_S = 10.0  # how often the janitor looks
_activity = {"last_run": 0.0, "runs": 0, "cleaned_runs": -1, "started": False, "cleanups": 0}


def note_run() -> None:
    """Called at the start of every script run (shell.run_app)."""
    _activity["last_run"] = time.monotonic()
    _activity["runs"] += 1


def _expire_disconnected_sessions() -> int:
    """Drop the disconnected sessions whose `server.disconnectedSessionTTL` has passed. Streamlit
    keeps them in a cachetools TTLCache that forgets expired entries only when another session
    is stored, so after the last readers leave their sessions stay in memory indefinitely. Uses
    Streamlit's session manager internals (streamlit 1.67, pinned); does nothing if they change."""
    try:
        from streamlit.runtime import Runtime

        mgr = getattr(Runtime.instance(), "_session_mgr", None)
        cache = getattr(getattr(mgr, "_session_storage", None), "_cache", None)
        lock = getattr(mgr, "_storage_lock", None)
        if cache is None or lock is None or not hasattr(cache, "expire"):
            return 0
        with lock:
            return len(cache.expire() or ())
    except Exception:  # noqa: BLE001 - best effort: memory, never the app
        return 0


def _trim() -> bool:
    """Give the C allocator's free pages back to the operating system (glibc's malloc_trim):
    freed Python and pandas memory otherwise stays resident in the allocator's arenas."""
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc
        return False


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def cleanup() -> dict:
    """Expire disconnected sessions, collect their garbage, return free pages to the system."""
    before = rss_mb()
    expired = _expire_disconnected_sessions()
    collected = gc.collect()
    mid = rss_mb()
    trimmed = _trim()
    _activity["cleanups"] += 1
    done = {"expired_sessions": expired, "collected": collected, "trimmed": trimmed,
            "rss_mb": (round(before), round(mid), round(rss_mb()))}
    log.info("idle: %d disconnected session(s) expired, %d objects collected, RSS %s MB", expired, collected,
             " -> ".join(map(str, done["rss_mb"])))
    return done


def _janitor() -> None:
    while True:
        time.sleep(PERIOD_S)
        a = _activity
        idle = time.monotonic() - a["last_run"] >= IDLE_S
        if idle and a["cleaned_runs"] != a["runs"]:
            a["cleaned_runs"] = a["runs"]
            # Sessions outlive their readers by server.disconnectedSessionTTL: clean again after it.
            try:
                import streamlit as st

                ttl = float(st.get_option("server.disconnectedSessionTTL"))
            except Exception:  # noqa: BLE001
                ttl = 120.0
            cleanup()
            threading.Timer(ttl + 1.0, _after_ttl, args=(a["runs"],)).start()


def _after_ttl(runs: int) -> None:
    if _activity["runs"] == runs:  # still nobody: the disconnected sessions have expired now
        _expire_disconnected_sessions()  # (Streamlit counts them until they are dropped)
        if _sessions() == 0:
            # Nobody is connected: what the render caches kept for the readers' states serves no
            # one now. The next reader draws their state again (a rerun's old cost, once).
            from pages.ui import rendercache

            rendercache.clear()
            log.info("idle: no session left, render caches dropped")
        cleanup()


def _sessions() -> int | None:
    """Sessions the server holds (connected or kept for their browser), None if unknown."""
    try:
        from streamlit.runtime import Runtime

        return int(Runtime.instance()._session_mgr.num_sessions())
    except Exception:  # noqa: BLE001 - Streamlit internals (1.67, pinned): unknown, keep the caches
        return None


def tune_allocator() -> bool:
    """glibc malloc settings for a server of many short script threads (once per process): at
    most two malloc arenas (glibc's default is 8 per core, each keeping its own freed memory), and
    blocks of 64 KB or more (a map's script, a websocket message) taken from and given back to the
    system directly instead of lingering in an arena. Measured with 50 readers on the curated
    table: 24 MB above the base after the sessions closed without, 11 MB with (README). The
    operator's MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ environment settings win."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        ok = True
        if "MALLOC_ARENA_MAX" not in os.environ:
            ok &= bool(libc.mallopt(_M_ARENA_MAX, 2))
        if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            ok &= bool(libc.mallopt(_M_MMAP_THRESHOLD, 64 * 1024))
        return ok
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return False


_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # glibc's malloc.h


def start_janitor() -> None:
    """Once per process: tune the allocator, and start a daemon thread that, when no script has run for IDLE_S seconds, cleans
    up (cleanup()) once, and again when the disconnected sessions' time to live has passed."""
    with _lock:
        if _activity["started"] or os.environ.get("CONFLICT_MAP_JANITOR") == "0":
            return
        _activity["started"] = True
    tune_allocator()
    threading.Thread(target=_janitor, name="conflict-map-janitor", daemon=True).start()
