"""The layering ARCHITECTURE.md states, checked by import-linter (contracts in .importlinter):
events/ and geodata/ never import Streamlit, geodata/ never imports events/, and the pure view
helpers of pages/ui (map, table, formatting) never import Streamlit either, and the map's modules
layer without cycles (layers over symbols and geometry)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint(config: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--config", str(config), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)


def test_import_contracts_are_kept():
    p = _lint(ROOT / ".importlinter")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "4 kept, 0 broken" in p.stdout


def test_the_contracts_catch_a_streamlit_import(tmp_path):
    """The same contracts on a copy of events/ with one module importing Streamlit: broken."""
    import shutil

    for pkg in ("events", "geodata", "pages"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("data", "__pycache__", "static"))
    (tmp_path / "events" / "sneaky.py").write_text("import streamlit as st\n")
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    exe = Path(sys.executable).with_name("lint-imports")
    p = subprocess.run([str(exe), "--config", ".importlinter", "--no-cache"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=240, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert p.returncode != 0
    assert "events.sneaky -> streamlit" in p.stdout
