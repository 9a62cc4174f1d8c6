"""One problem found in a data folder: which file, which record, which field, what is wrong.

Problems are values, never exceptions: loading collects them so that every file is checked
even when some are bad, and the app and `python -m events validate` list them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

NO_FIELD = "-"


@dataclass(frozen=True, order=True)
class Problem:
    """`file` is relative to the data folder (posix style, e.g. ``events/palmyra-mi8.yaml``);
    `record` is the id of the event, source or actor concerned (the file stem when the file
    could not be read); `field` is a path into the record (``claims[0].excerpts[1]``) or ``-``."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        """One line, always: line breaks inside any part become spaces."""
        return ": ".join(_one_line(x) for x in (self.file, self.record, self.field, self.message))

    def under(self, root: str) -> "Problem":
        """The same problem with `file` prefixed by `root` (the data folder as the user gave it)."""
        if not root or root == ".":
            return self
        return replace(self, file=str(PurePosixPath(root.replace("\\", "/")) / self.file))


def _one_line(s: object) -> str:
    return " ".join(str(s).splitlines())


def field_path(loc: tuple | list) -> str:
    """A pydantic error location as a readable path: ('claims', 0, 'stance') -> 'claims[0].stance'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or NO_FIELD
