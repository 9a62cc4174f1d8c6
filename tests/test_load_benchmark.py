"""benchmarks/load.py speaks Streamlit's protocol correctly: two sessions against a real
`streamlit run` load the page, filter, select an event and switch pages with every step checked
(no timing is asserted: the figures are the benchmark's, in the README)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_two_sessions_run_every_step_without_error(tmp_path):
    out = subprocess.run([sys.executable, "benchmarks/load.py", "--sessions", "2", "--rounds", "1", "--think", "0",
                          "--settle", "0", "--keep", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0, result["error_examples"]
    assert result["sessions_held"] == 2
    assert sorted(result["by_step_p95_s"]) == ["filter", "first_load", "page_switch", "select"]
    assert result["reruns"] == 2 * 4 and result["rss_loaded_mb"] > result["rss_base_mb"]


def test_a_broken_step_is_counted_as_an_error(tmp_path):
    """The select check can fail: an event id that does not exist never opens a panel."""
    code = ("import sys, asyncio; sys.path.insert(0, '.');\n"
            "from benchmarks import load\n"
            "from benchmarks.e2e import App\n"
            "from pathlib import Path\n"
            f"d = Path({str(tmp_path)!r}); (d / 'none').mkdir()\n"
            "app = App(d / 'none', d / 'log')\n"
            "try:\n"
            "    s = load.Stats(); asyncio.run(load.run_sessions(app.url, 1, 1, 0, '', 'no-such-event', s))\n"
            "    print(s.errors)\n"
            "finally:\n"
            "    app.stop()\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "select_check: the selected event's panel did not open" in out.stdout
