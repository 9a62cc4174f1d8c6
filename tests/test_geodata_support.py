"""Shared helpers for the geodata tests (imported by the test_geodata_* modules; no tests here).

- :func:`index_env`: environment for a gazetteer index built once per test session in a
  temporary cache directory, from the real package data, leaving out places of fewer than
  15,000 people outside Syria and its neighbours (``CONFLICT_MAP_MIN_POPULATION``) so that it
  builds in seconds. Subprocesses get the same environment and reuse the same cached index.
- :class:`FakeNominatim`: a real HTTP server on 127.0.0.1 that answers ``/search`` as Nominatim
  does (format=json), and can be told to be slow or to fail.
"""
from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_MIN_POPULATION = "15000"


@functools.cache
def shared_cache_dir() -> str:
    d = tempfile.mkdtemp(prefix="geodata-test-cache-")
    atexit.register(shutil.rmtree, d, ignore_errors=True)
    return d


def index_env() -> dict:
    """Environment variables that select the shared test index (and keep Nominatim off)."""
    return {"CONFLICT_MAP_CACHE": shared_cache_dir(), "CONFLICT_MAP_MIN_POPULATION": TEST_MIN_POPULATION,
            "CONFLICT_MAP_NOMINATIM": "0", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}





def use_test_index(monkeypatch) -> None:
    import geodata

    for k, v in index_env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("CONFLICT_MAP_NOMINATIM_URL", raising=False)
    geodata.reset()


@pytest.fixture
def geodata_index(monkeypatch):
    """The shared test index is the process-wide one for this test."""
    use_test_index(monkeypatch)
    yield
    import geodata

    geodata.reset()


def subprocess_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(index_env())
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("CONFLICT_MAP_NOMINATIM_URL", None)
    env.update(extra)
    return env


PYTHON = sys.executable


# --------------------------------------------------------------------------- a Nominatim stand-in

def nominatim_record(name: str, lat: float, lon: float, *, osm_id: int = 1, addresstype: str = "village",
                     cls: str = "place", country_code: str = "sy", state: str = "", bbox=None) -> dict:
    """One result as Nominatim's /search?format=json&addressdetails=1 gives it."""
    d = 0.01
    bbox = bbox or [lat - d, lat + d, lon - d, lon + d]
    return {
        "place_id": 1000 + osm_id, "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node", "osm_id": osm_id, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "class": cls,
        "type": addresstype, "place_rank": 19, "importance": 0.3, "addresstype": addresstype, "name": name,
        "display_name": f"{name}, {state or 'Somewhere'}, Country",
        "address": {addresstype: name, "state": state or "Somewhere", "country": "Country",
                    "country_code": country_code},
        "boundingbox": [f"{x:.7f}" for x in bbox],
    }


class FakeNominatim:
    """A small HTTP server that answers like Nominatim. ``answers`` maps a query (lower case) to a
    list of records; ``delay`` makes every answer slow; ``status`` makes it fail."""

    def __init__(self, answers: dict | None = None, delay: float = 0.0, status: int = 200) -> None:
        self.answers = {k.lower(): v for k, v in (answers or {}).items()}
        self.delay = delay
        self.status = status
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                url = urlparse(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                owner.requests.append({"path": url.path, "params": params, "time": time.monotonic(),
                                       "user_agent": self.headers.get("User-Agent")})
                if owner.delay:
                    time.sleep(owner.delay)
                if owner.status != 200:
                    self.send_response(owner.status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"error")
                    return
                if url.path not in ("/search", "/search.php"):
                    self.send_response(404)
                    self.end_headers()
                    return
                body = owner.answers.get((params.get("q") or "").lower(), [])
                cc = params.get("countrycodes")
                if cc:
                    body = [r for r in body if r["address"].get("country_code") in cc.split(",")]
                limit = int(params.get("limit") or 10)
                data = json.dumps(body[:limit]).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.domain}"

    def __enter__(self) -> "FakeNominatim":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
