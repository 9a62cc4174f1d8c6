"""Writing curated files safely: inside the data folder only, atomically, after validation.

A Save is a list of `Change`s (a file's relative path, its old text or None, its new text).
`check(data_dir, changes)` validates the folder as it would be after the changes with the
validator itself (`events.load.read_data_dir` on an overlay of symlinks plus the new files), and
returns only the problems the changes bring, with the validator's own messages. `apply` writes
each file to a temporary file in the same folder, fsyncs it and renames it over the target, so a
crash leaves either the old file or the new one, never half of one.
"""
from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

from ..load import ACTORS_FILE, EVENTS_DIR, SOURCES_DIR, read_data_dir
from ..problems import Problem
from . import CurateDisabled, enabled

ALLOWED_DIRS = ("", EVENTS_DIR, SOURCES_DIR)  # actors.yaml at the top; events/ and sources/ below


class UnsafePath(ValueError):
    """A path that would leave the curated data folder."""


@dataclass(frozen=True)
class Change:
    rel: str  # posix path relative to the data folder, e.g. "events/<id>.yaml"
    old: Optional[str]  # None when the file is new
    new: str

    @property
    def is_new(self) -> bool:
        return self.old is None

    def diff(self) -> str:
        return unified_diff(self.old, self.new, self.rel)


def unified_diff(old: Optional[str], new: str, rel: str) -> str:
    """The change as a unified diff (a new file diffs against /dev/null, as git shows it)."""
    a = (old or "").splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, "/dev/null" if old is None else f"a/{rel}", f"b/{rel}"))


def target(data_dir: Union[str, os.PathLike], rel: str) -> Path:
    """The absolute path of `rel` inside the data folder; UnsafePath when it would leave it (`..`,
    an absolute path, a symlink pointing out) or is not one of the curated file kinds."""
    root = Path(data_dir).resolve()
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or not rel or rel != p.as_posix():
        raise UnsafePath(f"not a path inside the curated data folder: {rel!r}")
    parent = p.parent.as_posix()
    if parent == ".":
        parent = ""
    ok = (parent == "" and p.name == ACTORS_FILE) or (
        parent in (EVENTS_DIR, SOURCES_DIR) and p.suffix in (".yaml", ".txt") and not p.name.startswith("."))
    if not ok:
        raise UnsafePath(f"not a curated data file: {rel!r} (actors.yaml, events/*.yaml, sources/*.yaml|txt)")
    full = (root / p).resolve()
    if root not in full.parents:
        raise UnsafePath(f"{rel!r} resolves outside the curated data folder")
    return full


def read_current(data_dir: Union[str, os.PathLike], rel: str) -> Optional[str]:
    t = target(data_dir, rel)
    return t.read_text(encoding="utf-8") if t.is_file() else None


def atomic_write(data_dir: Union[str, os.PathLike], rel: str, text: str) -> Path:
    """Write `text` to `rel` inside the data folder: temp file in the same folder, fsync, rename."""
    if not enabled():
        raise CurateDisabled("curation is off: set CONFLICT_MAP_CURATE=1 to let the app write")
    dest = target(data_dir, rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return dest


def _overlay(data_dir: Path, changes: Iterable[Change], into: Path) -> None:
    """`into` becomes the data folder as it would be after the changes: symlinks to the
    unchanged files, real files for the changed ones."""
    changed = {c.rel: c for c in changes}
    for sub in ("", EVENTS_DIR, SOURCES_DIR):
        src = data_dir / sub if sub else data_dir
        dst = into / sub if sub else into
        dst.mkdir(parents=True, exist_ok=True)
        if not src.is_dir():
            continue
        for p in src.iterdir():
            rel = f"{sub}/{p.name}" if sub else p.name
            if p.is_dir() or rel in changed:
                continue
            if sub == "" and p.name != ACTORS_FILE:
                continue
            os.symlink(p.resolve(), dst / p.name)
    for rel, c in changed.items():
        (into / rel).write_text(c.new, encoding="utf-8")


def check(data_dir: Union[str, os.PathLike], changes: list[Change]) -> list[Problem]:
    """The validator's problems that the changes would bring (problems the folder already has
    are not repeated). Reads only; works whether curation is on or off."""
    root = Path(data_dir).resolve()
    for c in changes:
        target(root, c.rel)  # refuses unsafe paths before anything else
    before = set(read_data_dir(root).problems)
    tmp = Path(tempfile.mkdtemp(prefix="curate-check-"))
    try:
        _overlay(root, changes, tmp)
        after = read_data_dir(tmp).problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [p for p in after if p not in before]


def apply(data_dir: Union[str, os.PathLike], changes: list[Change]) -> list[Problem]:
    """Validate, then write every change atomically; returns the problems and writes nothing
    when there are any. A file changed on disk since the plan was made is refused too."""
    if not enabled():
        raise CurateDisabled("curation is off: set CONFLICT_MAP_CURATE=1 to let the app write")
    for c in changes:
        if read_current(data_dir, c.rel) != c.old:
            return [Problem(c.rel, "-", "-", "the file changed on disk since the form was opened; "
                                             "reload the page and apply your edits again")]
    problems = check(data_dir, changes)
    if problems:
        return problems
    # actors first, then sources, then events: a crash between two files leaves a valid folder
    order = {ACTORS_FILE: 0, SOURCES_DIR: 1, EVENTS_DIR: 2}
    for c in sorted(changes, key=lambda c: (order.get(c.rel.split("/")[0], 3), c.rel.endswith(".yaml"))):
        atomic_write(data_dir, c.rel, c.new)
    return []
