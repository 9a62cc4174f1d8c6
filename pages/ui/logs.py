"""The server's log of our own modules (events, geodata, pages): one handler on stderr, beside
Streamlit's, at INFO (each import, each dataset or data file that cannot be read, with its file).

Messages may quote what a visitor sent (an uploaded file's name): the formatter escapes every
control character of the message (line breaks, terminal escapes, right-to-left overrides), so a
visitor can neither forge a log line nor colour a terminal. Tracebacks are kept as they are.
`CONFLICT_MAP_LOG_LEVEL` (DEBUG, INFO, WARNING...) changes the level. No Streamlit import.
"""
from __future__ import annotations

import logging
import os
import sys
import unicodedata

PACKAGES = ("events", "geodata", "pages")
_done: list[logging.Handler] = []


def escape(text: str) -> str:
    """Control and format characters (Unicode categories Cc, Cf) as \\n, \\x1b, \\u202e."""
    if all(unicodedata.category(c) not in ("Cc", "Cf") for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in ("Cc", "Cf") else c
                   for c in text)


class SafeFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = escape(record.message)
        return super().formatMessage(record)


class _Stderr(logging.StreamHandler):
    """A handler on whatever ``sys.stderr`` is when a record is written, not the one it was made
    with: a test runner swaps stderr for its captures and closes them, and a daemon thread (the
    memory janitor) that logs later would write to a closed file ("--- Logging error ---")."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # (StreamHandler sets it; the current stderr is always used)
        pass


def setup(stream=None) -> logging.Handler:
    """Once per process: our packages' records to stderr (the current one, see _Stderr) or `stream`, escaped."""
    if _done:
        return _done[0]
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = os.environ.get("CONFLICT_MAP_LOG_LEVEL", "INFO").upper()
    for name in PACKAGES:
        lg = logging.getLogger(name)
        lg.addHandler(handler)
        lg.setLevel(getattr(logging, level, logging.INFO))
        lg.propagate = False
    _done.append(handler)
    return handler
