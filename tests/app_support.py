"""Helpers for the AppTest tests of the app (tests/test_app_*.py)."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP_FIXTURE = ROOT / "tests" / "fixtures" / "app"
TIMEOUT = 60

HOSTILE_ID = "hostile-title"
ALEPPO_ID = "aleppo-hospital-strike"
HELI_ID = "helicopter-homs-hama"


def make_app(monkeypatch, query: dict | None = None, data_dir: Path | str = APP_FIXTURE) -> AppTest:
    """An AppTest of app.py on a data folder (default: the app fixture), with query parameters."""
    monkeypatch.setenv("EVENTS_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for c in children.values():
            yield from walk(c)


def elements(at: AppTest, kind: str) -> list:
    return [n for n in walk(at._tree) if getattr(n, "type", None) == kind]


def html_bodies(at: AppTest) -> list[str]:
    return [n.proto.body for n in elements(at, "html")]


def all_text(at: AppTest) -> str:
    """Every text the app rendered (markdown, captions, html bodies, alerts, code, and the texts the
    copy buttons show: pages/ui/copylink.js puts them on the page)."""
    import json

    parts = []
    for n in walk(at._tree):
        t = getattr(n, "type", None)
        if t == "html":
            parts.append(n.proto.body)
        elif t == "bidi_component" and n.proto.component_name == "conflict_map_copy_link":
            data = json.loads(n.proto.json)
            if data.get("show"):
                parts.append(str(data.get("text", "")))
        elif t in ("markdown", "caption", "alert", "info", "warning", "error", "success", "code", "header",
                   "subheader", "title", "text", "latex"):
            parts.append(str(getattr(n, "value", "") or ""))
    return "\n".join(parts)


def shown_count(at: AppTest) -> tuple[int, int]:
    """(N, M) from the sidebar's 'N of M events shown'."""
    for m in at.sidebar.markdown:
        if "events shown" in m.value:
            left, right = m.value.split(" of ")
            return int(left.strip("* ").replace(",", "")), int(right.split()[0].replace(",", ""))
    raise AssertionError("no 'N of M events shown' in the sidebar")


def folium_args(at: AppTest) -> dict:
    comps = [c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"]
    assert comps, "no st_folium component on the page"
    return json.loads(comps[0].proto.json_args)


def map_script(at: AppTest) -> str:
    """The map's whole script: the base map and the dynamic layers (feature_group_to_add)."""
    args = folium_args(at)
    return args["script"] + "\n" + (args.get("feature_group") or "")


def click_marker(at: AppTest, event_id: str, count: int = 3) -> AppTest:
    """What streamlit-folium returns after a click on a GeoJSON marker (GUIDE §1)."""
    gen = at.session_state["_map_generation"] if "_map_generation" in at.session_state else 0
    key = "map" if not gen else f"map-{gen}"  # pages.ui.state.map_key()
    at.session_state[key] = {
        "last_active_drawing": {"type": "Feature", "properties": {"event_id": event_id},
                                "geometry": {"type": "Point", "coordinates": [count, 0]}},
    }
    return at.run()


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def qp_all(at: AppTest, key: str) -> list[str]:
    """Every value of a query parameter after the run (AppTest gives a str for one value)."""
    v = at.query_params.get(key)
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)
