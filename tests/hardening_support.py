"""Helpers for the hardening tests (tests/test_hardening_*.py, tests/browser/test_hostile_*.py).

- The hostile fixture (tests/fixtures/hostile/): curated data with HTML, script, Markdown,
  template and odd-Unicode payloads in every text field, two broken event files, and
  uploads/hostile_acled.csv (the same payloads in an ACLED export, plus bad rows quoting them).
- ``html_problems(body)``: elements or attributes in an HTML body that came from data (a tag
  the app never writes, an ``on*`` attribute, a ``javascript:`` address, a payload in an
  attribute). The app's own markup passes.
- ``markdown_problems(text)``: Markdown that would render data as markup (an unescaped tag,
  ``javascript:`` link, ``${`` or ``:red[`` directive).
- ``rendered_texts(at)``: every Markdown string the app handed Streamlit (bodies, labels,
  captions, alerts, expander and button labels), for ``markdown_problems``.
- ``WriteWatch``: an audit hook (PEP 578) recording every file write, rename or delete the
  process attempts while it is on.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
from html.parser import HTMLParser

try:
    from app_support import ROOT, walk
except ImportError:  # imported as tests.hardening_support (the browser tests)
    from tests.app_support import ROOT, walk

HOSTILE_DIR = ROOT / "tests" / "fixtures" / "hostile"
HOSTILE_UPLOAD = HOSTILE_DIR / "uploads" / "hostile_acled.csv"
HOSTILE_VALID_IDS = ("hx-js-link", "hx-script-title", "hx-unicode")
HOSTILE_BAD_FILES = ("events/hx-bad-schema.yaml", "events/hx-broken.yaml")
SCRIPT_EVENT = "hx-script-title"
# A file name a visitor might choose for an upload.
HOSTILE_FILENAME = "<img src=x onerror=alert('file')>[x](javascript:alert(1)).csv"

# Tags the app writes itself (panel, sources, about, legend); anything else in an HTML body is data.
OWN_TAGS = {"div", "span", "b", "i", "br", "dl", "dt", "dd", "blockquote", "mark", "a", "style", "table",
            "tr", "td", "details", "summary"}
PAYLOAD = re.compile(r"alert\(|PWNED|javascript:", re.I)


class _Tags(HTMLParser):
    def __init__(self, allowed: set[str]):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.problems.append(f"<{tag}> from data")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if value and name != "href" and PAYLOAD.search(value):  # href: checked below
                self.problems.append(f"<{tag} {name}={value[:60]!r}> payload in an attribute")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(("http://", "https://")):
                self.problems.append(f"<a href={href[:60]!r}> not an http(s) link")


def html_problems(body: str, also: tuple[str, ...] = ()) -> list[str]:
    """Markup in ``body`` that did not come from the app (see the module docstring); ``also``:
    more tags the app writes there (the in-map legend's SVG symbols)."""
    p = _Tags(OWN_TAGS | set(also))
    p.feed(body)
    p.close()
    return p.problems


_ESCAPED = re.compile(r"\\[\s\S]")
_CODE = re.compile(r"`[^`]*`")


def markdown_problems(text: str) -> list[str]:
    """Markdown in ``text`` that would render data as markup, once backslash escapes are removed."""
    bare = _CODE.sub("", _ESCAPED.sub("", text))  # code spans left are the app's own (data's backticks are escaped)
    out = []
    for pat, what in ((r"<[A-Za-z/!?]", "an HTML tag"), (r"\]\(\s*javascript", "a javascript: link"),
                      (r"javascript:", "a javascript: address"), (r"\$\{", "a ${...} template"),
                      (r":red\[", "a colour directive"), (r"\$\$", "a LaTeX block")):
        m = re.search(pat, bare)
        if m:
            out.append(f"{what} in {text[max(0, m.start() - 30): m.end() + 30]!r}")
    return out


_MD_FIELDS = ("body", "label", "text", "placeholder", "help", "caption")
_PLAIN_KINDS = {"html", "code", "arrow_data_frame", "vega_lite_chart", "component_instance", "json", "exception"}


def rendered_texts(at) -> list[str]:
    """Every Markdown-rendered string in the app's element tree (not html/code/data elements)."""
    out = []
    for n in walk(at._tree):
        proto = getattr(n, "proto", None)
        if proto is None or getattr(n, "type", None) in _PLAIN_KINDS:
            continue
        fields = getattr(getattr(proto, "DESCRIPTOR", None), "fields_by_name", {})
        for f in _MD_FIELDS:
            if f in fields:
                v = getattr(proto, f)
                if isinstance(v, str) and v:
                    out.append(v)
    return out


def check_rendered(at) -> None:
    """Assert that no HTML body and no Markdown string in the app carries markup from data."""
    from app_support import html_bodies

    problems = []
    for body in html_bodies(at):
        problems += html_problems(body)
    for text in rendered_texts(at):
        problems += markdown_problems(text)
    assert not problems, problems[:10]


# JSON keys whose values are data that only goes back to Python (a clicked feature's id), never to HTML.
RAW_KEYS = {"event_id", "prefixes"}
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')
_FOLIUM_PATTERNS = (r"</script", r"<img", r"<svg[^>]*onload", r"<script", r"<a href=\"javascript", r"\$\{alert",
                    r"`\$\{", r"<b>Damascus", r"<i>Qalamoun", r"<b>Town")


def json_strings(script: str) -> list[str]:
    """The double-quoted string literals of a script, decoded (folium's tojson writes "<" as
    \\u003c, and a GeoJsonTooltip puts property values in innerHTML as they decode), except the
    values of RAW_KEYS."""
    out, raw = [], False
    for m in _JSON_STRING.finditer(script):
        try:
            value = json.loads(f'"{m.group(1)}"')
        except ValueError:
            value = m.group(1)
        if m.group(2):  # a key: its value(s) follow
            raw = value in RAW_KEYS
        elif not raw:
            out.append(value)
    return out


def folium_problems(args: dict) -> list[str]:
    """Data markup in the st_folium component's HTML and script: in the text as sent, and in its
    JSON strings once decoded."""
    out = []
    # The events come as the dynamic layers (feature_group_to_add): checked like the base script.
    script = args.get("script", "") + "\n" + (args.get("feature_group") or "")
    page = args.get("html", "")
    decoded = "\n".join(json_strings(script))
    for pat in _FOLIUM_PATTERNS:
        for where, text in (("script", script), ("html", page), ("script's decoded JSON strings", decoded)):
            if re.search(pat, text, re.I):
                out.append(f"{pat} in the component's {where}")
    return out


# --------------------------------------------------------------------------- writes

WRITE_EVENTS = {"os.remove", "os.rename", "os.replace", "os.mkdir", "os.rmdir", "os.truncate", "os.chmod",
                "os.chown", "os.link", "os.symlink", "os.utime", "shutil.rmtree", "shutil.copyfile",
                "shutil.copytree", "shutil.move", "os.unlink"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def is_write(event: str, args: tuple) -> str | None:
    """The path written to, if this audit event writes to the file system."""
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(path, int) or path is None:
            return None
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        return os.fsdecode(path) if writing else None
    if event in WRITE_EVENTS:
        path = args[0] if args else None
        if isinstance(path, int) or path is None:
            return None
        return os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    return None


def bytecode(path: str) -> bool:
    """Python's own bytecode cache: not something a visitor writes."""
    return "__pycache__" in path or path.endswith((".pyc", ".pyc.tmp")) or ".pyc." in path


class WriteWatch:
    """Records (event, path) for every write the process attempts while ``on``."""

    _installed: "WriteWatch | None" = None

    def __init__(self):
        self.on = False
        self.writes: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    @classmethod
    def get(cls) -> "WriteWatch":
        if cls._installed is None:
            cls._installed = cls()
            sys.addaudithook(cls._installed._hook)  # permanent: gated by .on
        return cls._installed

    def _hook(self, event, args):
        if not self.on or (event != "open" and event not in WRITE_EVENTS):
            return
        path = is_write(event, args)
        if path is not None and not bytecode(path):
            with self._lock:
                self.writes.append((event, path))

    def __enter__(self):
        self.writes = []
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False
        return False


def tree_digest(*roots: Path) -> dict[str, tuple[int, int]]:
    """{path: (size, mtime_ns)} of every file under ``roots`` (missing roots give nothing)."""
    out = {}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for f in filenames:
                p = os.path.join(dirpath, f)
                st = os.stat(p)
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


# --------------------------------------------------------------------------- writes of a server process

SITECUSTOMIZE = '''"""Test-only (tests/hardening_support.py): log every file write this process attempts.
Loaded through PYTHONPATH into `streamlit run` by tests/browser/test_hostile_browser.py."""
import json
import os
import sys
import threading
import time

_LOG = os.environ.get("WRITE_AUDIT_LOG")
if _LOG:
    _fd = os.open(_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    _events = %(events)r
    _busy = threading.local()

    def _hook(event, args):
        if (event != "open" and event not in _events) or getattr(_busy, "on", False):
            return
        _busy.on = True
        try:
            path = None
            if event == "open":
                p, mode, flags = (tuple(args) + (None, None, None))[:3]
                if p is not None and not isinstance(p, int) and (
                        (isinstance(mode, str) and any(c in mode for c in "wax+"))
                        or (isinstance(flags, int) and flags & _flags)):
                    path = os.fsdecode(p)
            elif args and not isinstance(args[0], int):
                path = os.fsdecode(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else str(args[0])
            if path and path != _LOG and "__pycache__" not in path and ".pyc" not in path:
                os.write(_fd, (json.dumps({"t": time.time(), "event": event, "path": path}) + "\\n").encode())
        finally:
            _busy.on = False

    sys.addaudithook(_hook)
''' % {"events": sorted(WRITE_EVENTS)}


def write_audit_env(folder: Path) -> tuple[dict[str, str], Path]:
    """Environment for a Python process that logs its file writes as JSON lines; (env, log path)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = folder / "writes.jsonl"
    log.touch()
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "WRITE_AUDIT_LOG": str(log)}, log


def logged_writes(log: Path, offset: int = 0) -> list[dict]:
    import json

    text = log.read_text()[offset:]
    return [json.loads(line) for line in text.splitlines() if line.strip()]
