"""AppTest: a filter change on the curated data reruns the page well under a second.

(AppTest even gives every run a fresh st.cache_data store, so these times include loading the
curated YAML each run, which the real server does once.)"""
from __future__ import annotations

import statistics
import time

from app_support import ROOT, make_app, no_exceptions


def _median_rerun(at, widget_key: str, values: list) -> float:
    times = []
    for v in values:
        t = time.perf_counter()
        at.multiselect(key=widget_key).set_value(v).run()
        times.append(time.perf_counter() - t)
        no_exceptions(at)
    return statistics.median(times)


def test_filter_change_reruns_fast_on_every_page(monkeypatch):
    at = make_app(monkeypatch, data_dir=ROOT / "events" / "data").run()
    no_exceptions(at)
    for page in ("pages/map.py", "pages/table.py", "pages/timeline.py", "pages/sources.py"):
        at.switch_page(page).run()
        at.multiselect(key="flt_status").set_value(["denied"]).run()  # warm the page
        median = _median_rerun(at, "flt_status", [["disputed"], ["claimed", "denied"], [], ["confirmed"]])
        assert median < 1.0, f"{page}: a filter change took {median:.2f} s"
