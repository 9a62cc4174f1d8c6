"""Checks on an uploaded file before it reaches the importer. No Streamlit import.

A visitor may upload anything: an image renamed to .csv, an Excel workbook, an empty file, a
file far too large, UTF-16 text from a spreadsheet. ``check_upload`` looks at the bytes (never
decoding more than it needs) and returns one clear sentence saying what is wrong, or None when
the importer should try the file. The importer itself reports everything about the CSV's content
(encoding, delimiter, missing columns, bad rows).

Limits: the size limit is Streamlit's ``server.maxUploadSize`` (.streamlit/config.toml; the
browser refuses larger files before sending them, this check covers any other client), and an
upload has at most ``MAX_ROWS`` rows, so one visitor cannot make the server import millions of
tiny rows. Larger datasets are imported once with ``python -m events import``.
"""
from __future__ import annotations

import re
from typing import Callable

MAX_ROWS = 200_000  # rows an upload may have (a session-only dataset: the engine copies it in memory)
SNIFF = 65_536  # bytes looked at to recognise binary files

# (leading bytes, what the file is)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook is one: export the sheet as CSV)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls (or Word .doc) file: export the sheet as CSV"),
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first"),
    (b"BZh", "a bzip2-compressed file: decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file: decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\x7fELF", "a program (ELF executable)"),
)
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, line feed, form feed, carriage return


MB = 1024 * 1024  # Streamlit's megabyte (server.maxUploadSize)


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB // 10 else f"{n / 1024:,.0f} kB"


def _utf16_without_bom(head: bytes) -> bool:
    """Text saved as UTF-16 with no byte-order mark: every other byte is NUL."""
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even)) or (
        even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd))


def _binary_share(head: bytes) -> float:
    """The share of control bytes (NUL and the like, but not tabs or line breaks)."""
    if not head:
        return 0.0
    bad = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return bad / len(head)


def _has_rows(data: bytes) -> bool:
    """Whether anything but blanks and delimiters follows the first non-blank line (no copy of
    the lines: a 50 MB file is searched in place)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return True  # let the importer say what is wrong
        data = text.encode("utf-8")
    header = re.search(rb"[^\s,;|\xef\xbb\xbf]", data)
    if header is None:
        return False
    nl = data.find(b"\n", header.start())
    return nl >= 0 and re.search(rb"[^\s,;|]", memoryview(data)[nl + 1:]) is not None


def check_upload(data: bytes, filename: str, *, max_bytes: int, max_rows: int | None = None,
                 quote: Callable[[str], str] = str) -> str | None:
    """None when the importer should try ``data``; else one sentence (Markdown) saying why not.

    ``quote`` escapes the file name for where the sentence is shown (the app passes
    ``pages.ui.html_safe.md``): the name is the visitor's, the rest of the sentence is ours."""
    name = quote(filename) if filename else "The file"
    max_rows = MAX_ROWS if max_rows is None else max_rows
    size = len(data)
    if size == 0 or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        return f"{name} is empty: choose an ACLED or UCDP GED export saved as CSV, or TimeMap JSON."
    if max_bytes and size > max_bytes:
        return (f"{name} is {_mb(size)}; an upload may be at most {_mb(max_bytes)}. Export a shorter "
                "period or one region, or import the whole file with `python -m events import`.")
    head = data[:SNIFF]
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            return f"{name} is not a CSV file: it looks like {what}."
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if _utf16_without_bom(head):
            return (f"{name} looks like UTF-16 text without a byte-order mark, which cannot be read "
                    "reliably: save it again as “CSV UTF-8”.")
        if _binary_share(head) > 0.01:
            return f"{name} is not a text file (it holds binary data): choose a CSV export."
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return None  # JSON (TimeMap): one line may hold everything; the importer checks the rest
    lines = data.count(b"\n")
    if lines > max_rows + 1:
        return (f"{name} has about {lines:,} lines; an upload may have at most {max_rows:,} rows. "
                "Export a shorter period or one region, or import the whole file with `python -m events import`.")
    if not _has_rows(data):
        return f"{name} has a header line but no rows of events."
    return None
