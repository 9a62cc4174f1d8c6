"""Take the README's screenshot (docs/screenshot.png) of the running app, offline.

    python tests/browser/screenshot.py [--event EVENT_ID] [--out docs/screenshot.png]

Starts `streamlit run app.py` on a free local port (the curated data), opens the map with one
event selected in Debian's chromium with every non-local request blocked, zooms the map onto
that event and saves the screenshot. Not a test: run it when the app's look changes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness import (CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, ROOT, AppServer, leaflet_frame,  # noqa: E402
                     wait_map, wait_ready)

DEFAULT_EVENT = "russian-helicopter-homs-claim-hama-landing-2016"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--event", default=DEFAULT_EVENT)
    ap.add_argument("--zoom", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    args = ap.parse_args(argv)

    from urllib.parse import urlsplit

    from playwright.sync_api import sync_playwright

    from events.load import load_curated

    ds = load_curated()
    row = ds.event(args.event)
    if row is None:
        print(f"no event {args.event!r} in events/data", file=sys.stderr)
        return 2
    server = AppServer(None, "screenshot").start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1180})
            page.route("**/*", lambda r: r.continue_() if (urlsplit(r.request.url).hostname or "") in LOCAL_HOSTS
                       else r.abort())
            page.goto(f"{server.url}/?event={args.event}")
            wait_ready(page)
            wait_map(page)
            if row["lat"] == row["lat"]:  # not NaN
                leaflet_frame(page).evaluate(
                    "([lat, lon, z]) => window.map.setView([lat, lon], z, {animate: false})",
                    [float(row["lat"]), float(row["lon"]), args.zoom],
                )
            page.wait_for_timeout(1500)
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
            print(out)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
