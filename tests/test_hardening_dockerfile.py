"""Deployment: the Dockerfile (self-hosting) and the files Streamlit Community Cloud reads.

`docker build` is not available here, so the Dockerfile is parsed and its steps are run
locally instead: a build context is assembled as Docker would (the repository minus
.dockerignore) in a temporary folder standing in for WORKDIR, the build-time `python` commands
run there with the image's ENV, then the CMD line starts the app (on a free local port) and the
HEALTHCHECK command must report it healthy, and the offline Leaflet files must be served.
`pip install -r requirements.txt` is stood in for by checking that the pinned versions are the
ones installed here. The gazetteer index is built with CONFLICT_MAP_MIN_POPULATION=15000 (the
geodata tests' setting: the same code, a smaller index, seconds instead of half a minute).
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
# Python versions Streamlit Community Cloud offers in "Advanced settings" (docs: deploy/community-cloud).
CLOUD_PYTHONS = {"3.9", "3.10", "3.11", "3.12", "3.13"}
MIN_PYTHON = (3, 11)  # streamlit 1.67, pandas 3.1 and streamlit-folium 0.27 need it


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    out, buf = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def one(instrs, name) -> str:
    found = [a for i, a in instrs if i == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def exec_form(args: str) -> list[str]:
    assert args.startswith("["), f"use the exec form (JSON array): {args}"
    return json.loads(args)


def env_of(instrs) -> dict[str, str]:
    env = {}
    for i, a in instrs:
        if i == "ENV":
            for part in shlex.split(a):
                k, _, v = part.partition("=")
                env[k] = v
    return env


def option(cmd: list[str], name: str) -> str | None:
    for i, a in enumerate(cmd):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(cmd):
            return cmd[i + 1]
    return None


def healthcheck_cmd(instrs) -> list[str]:
    args = one(instrs, "HEALTHCHECK")
    assert "CMD" in args, args
    return exec_form(args.split("CMD", 1)[1].strip())


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore matching, for the patterns used here (no '!' exceptions)."""
    parts = rel.split("/")
    for pat in patterns:
        pat = pat.lstrip("/")
        if pat.startswith("**/"):
            if any(fnmatch.fnmatch(p, pat[3:]) for p in parts):
                return True
            continue
        for n in range(1, len(parts) + 1):  # a pattern matching a folder excludes what is in it
            if fnmatch.fnmatch("/".join(parts[:n]), pat):
                return True
    return False


def build_context(dest: Path) -> None:
    patterns = dockerignore()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = [d for d in dirnames if not ignored(os.path.join(rel_dir, d), patterns)]
        for f in filenames:
            rel = os.path.join(rel_dir, f)
            if not ignored(rel, patterns):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, dest / rel)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------- reading the files

def test_dockerfile_structure():
    instrs = instructions()
    frm = one(instrs, "FROM")
    m = re.fullmatch(r"python:(\d+)\.(\d+)(?:\.\d+)?(?:-(?:slim|bookworm|slim-bookworm))?", frm)
    assert m, frm
    version = f"{m.group(1)}.{m.group(2)}"
    assert version in CLOUD_PYTHONS and (int(m.group(1)), int(m.group(2))) >= MIN_PYTHON, version
    workdir = one(instrs, "WORKDIR")
    assert workdir.startswith("/")
    for i, a in instrs:
        if i == "COPY":
            *sources, _dest = shlex.split(a)
            for s in sources:
                assert (ROOT / s).exists(), f"COPY {s}: not in the repository"
    names = [i for i, _ in instrs]
    first_copy_all = next(n for n, (i, a) in enumerate(instrs) if i == "COPY" and a.startswith(". "))
    pip = next(n for n, (i, a) in enumerate(instrs) if i == "RUN" and "pip install -r requirements.txt" in a)
    assert pip < first_copy_all  # dependencies in their own layer, cached across code changes
    cmd = exec_form(one(instrs, "CMD"))
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    port = option(cmd, "--server.port")
    assert port and one(instrs, "EXPOSE").split("/")[0] == port
    assert option(cmd, "--server.address") == "0.0.0.0" and option(cmd, "--server.headless") == "true"
    health = healthcheck_cmd(instrs)
    assert f"127.0.0.1:{port}/_stcore/health" in " ".join(health)
    assert "--interval" in one(instrs, "HEALTHCHECK")
    user = one(instrs, "USER")
    assert user not in ("root", "0") and names.index("USER") > pip  # the app does not run as root
    env = env_of(instrs)
    assert env["CONFLICT_MAP_CACHE"].startswith(workdir)  # the index built at build time is in the image
    build = next(a for i, a in instrs if i == "RUN" and "pages.ui.assets" in a)
    assert "python -m geodata build-index" in build and "chmod -R a+rX" in build


def test_dockerignore_keeps_what_the_app_needs():
    patterns = dockerignore()
    for needed in ("app.py", "requirements.txt", ".streamlit/config.toml", "pages/ui/shell.py",
                   "events/data/actors.yaml", "geodata/data/syr_governorates.geojson", "pages/ui/favicon.png"):
        assert not ignored(needed, patterns), needed
        assert (ROOT / needed).exists(), needed
    for dropped in (".git/config", "static/vendor/leaflet/leaflet.js", "test-output/x.png",
                    "pages/__pycache__/map.cpython-312.pyc", ".venv/bin/python"):
        assert ignored(dropped, patterns), dropped


def test_requirements_are_pinned_and_installed_here():
    """What Community Cloud and the image install (`pip install -r requirements.txt`) is what the
    tests run against."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([\w.]+)", line)
            assert m, f"not pinned: {line}"
            pins[m.group(1)] = m.group(2)
    assert "streamlit" in pins  # pinned, or Community Cloud upgrades it
    for name, version in pins.items():
        assert metadata.version(name) == version, name


def test_community_cloud_files():
    """Community Cloud reads requirements.txt and the root .streamlit/config.toml; the entry
    point is app.py at the root."""
    assert (ROOT / "app.py").is_file() and (ROOT / "requirements.txt").is_file()
    for other in ("uv.lock", "Pipfile", "environment.yml", "pyproject.toml"):  # would win over requirements.txt
        assert not (ROOT / other).exists(), other
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableStaticServing"] is True
    assert 1 <= cfg["server"]["maxUploadSize"] <= 200
    assert cfg["browser"]["gatherUsageStats"] is False
    assert {"base", "primaryColor", "backgroundColor", "textColor"} <= set(cfg["theme"])
    assert "packages.txt" not in os.listdir(ROOT)  # no apt packages needed


# ----------------------------------------------------------------- running it

def test_dockerfile_steps_run_and_the_container_command_serves_a_healthy_app(tmp_path):
    instrs = instructions()
    workdir = one(instrs, "WORKDIR").rstrip("/")
    ctx = tmp_path / "app"
    ctx.mkdir()
    build_context(ctx)

    def local(value: str) -> str:  # the image's paths -> the stand-in folder
        return value.replace(workdir, str(ctx)) if value.startswith(workdir) else value

    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMLIT_", "CONFLICT_MAP_", "EVENTS_"))}
    env.update({k: local(v) for k, v in env_of(instrs).items()})
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["HOME"] = str(tmp_path / "home")
    env["CONFLICT_MAP_MIN_POPULATION"] = "15000"
    cache = Path(env["CONFLICT_MAP_CACHE"])
    _warm_index_cache(cache)

    # the build-time RUN steps (pip: see test_requirements_are_pinned_and_installed_here; useradd: root only)
    ran = []
    for i, a in instrs:
        if i != "RUN":
            continue
        for step in (s.strip() for s in a.split("&&")):
            argv = shlex.split(step)
            if argv[0] == "python":
                argv[0] = sys.executable
            elif argv[0] == "chmod":
                argv = [local(x) for x in argv]
            else:
                continue
            r = subprocess.run(argv, cwd=ctx, env=env, capture_output=True, text=True, timeout=180)
            assert r.returncode == 0, f"{step}:\n{r.stdout}\n{r.stderr}"
            ran.append(step)
    assert any("pages.ui.assets" in s for s in ran) and any("build-index" in s for s in ran)
    assert (ctx / "static" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert list(cache.glob("gazetteer-*.idx")), "the gazetteer index is not in the image's cache folder"

    # the CMD line, on a free port and this machine only
    cmd = exec_form(one(instrs, "CMD"))
    port = option(cmd, "--server.port")
    new_port = str(free_port())
    cmd = [a.replace(f"--server.port={port}", f"--server.port={new_port}")
            .replace("--server.address=0.0.0.0", "--server.address=127.0.0.1") for a in cmd]
    cmd[0] = str(Path(sys.executable).parent / cmd[0])
    health = [sys.executable if a == "python" else a.replace(f":{port}/", f":{new_port}/")
              for a in healthcheck_cmd(instrs)]
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ctx, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        healthy = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if subprocess.run(health, cwd=ctx, env=env, capture_output=True, timeout=30).returncode == 0:
                healthy = True
                break
            time.sleep(0.5)
        assert healthy, f"HEALTHCHECK never passed; log:\n{(tmp_path / 'streamlit.log').read_text()[-3000:]}"
        base = f"http://127.0.0.1:{new_port}"
        with urllib.request.urlopen(f"{base}/app/static/vendor/leaflet/leaflet.js", timeout=10) as r:
            assert r.status == 200 and b"Leaflet" in r.read(4000)
        with urllib.request.urlopen(f"{base}/", timeout=10) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    assert "Traceback" not in (tmp_path / "streamlit.log").read_text()


def _warm_index_cache(cache: Path) -> None:
    """Like Docker's layer cache: reuse the geodata tests' index of the same settings when this
    session already built it (the build step then loads it instead of building it again)."""
    try:
        from test_geodata_support import shared_cache_dir
    except ImportError:  # pragma: no cover
        return
    found = list(Path(shared_cache_dir()).glob("gazetteer-*.idx"))
    if found:
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copy2(found[0], cache / found[0].name)


@pytest.mark.parametrize("pattern,path,expected", [
    (".git", ".git/objects/ab", True), ("**/__pycache__", "events/__pycache__/x.pyc", True),
    ("static/vendor", "static/vendor/jquery/jquery.min.js", True), ("static/vendor", "static/README.md", False),
    ("*.egg-info", "x.egg-info/PKG-INFO", True), ("test-output", "tests/x.py", False),
])
def test_the_dockerignore_matcher(pattern, path, expected):
    assert ignored(path, [pattern]) is expected
