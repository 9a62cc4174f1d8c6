"""What an import says about itself: the report (rows read, loaded, skipped with reasons,
warnings), a skipped row, the error for a file that cannot be imported at all, progress."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

Progress = Callable[[float, str], None]


class SkippedRow(NamedTuple):
    """One reason a row was not loaded (a row may have several)."""

    row: int  # spreadsheet row number: header = 1
    column: str  # the column at fault, or "-" for the whole row
    reason: str


# A row that was loaded with a remark: a substituted value (an unmapped event type kept as
# `other`, coordinates from the gazetteer), or a contradiction the user should check.
RowNote = SkippedRow


@dataclass
class ImportReport:
    format: str
    source: str  # file name as given (never a full upload path: uploads have none)
    rows_read: int = 0  # data rows in the file (records after the header)
    rows_loaded: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    notes: list[RowNote] = field(default_factory=list)  # loaded rows with a remark
    other_types: dict[str, int] = field(default_factory=dict)  # unmapped original type -> rows kept as `other`
    geocoded: int = 0  # rows whose coordinates came from the gazetteer (no coordinates in the file)

    @property
    def rows_noted(self) -> int:
        return len({s.row for s in self.notes})

    @property
    def rows_skipped(self) -> int:
        return len({s.row for s in self.skipped})

    def summary(self) -> str:
        s = f"{self.rows_loaded:,} rows loaded"
        if self.notes:
            extra = [f"{self.rows_noted:,} with a substituted value or a remark"]
            if self.other_types:
                extra.append(f"{sum(self.other_types.values()):,} of a type kept as 'other'")
            if self.geocoded:
                extra.append(f"{self.geocoded:,} placed by the gazetteer")
            s += " (" + "; ".join(extra) + ")"
        s += f", {self.rows_skipped:,} skipped"
        if self.warnings:
            s += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return s

    def to_dict(self) -> dict:
        return {
            "format": self.format, "source": self.source, "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded, "rows_skipped": self.rows_skipped,
            "skipped": [list(s) for s in self.skipped], "warnings": list(self.warnings),
            "unknown_columns": list(self.unknown_columns), "encoding": self.encoding,
            "delimiter": self.delimiter, "notes": [list(s) for s in self.notes],
            "other_types": dict(self.other_types), "geocoded": self.geocoded,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ImportReport":
        return cls(
            format=d.get("format", ""), source=d.get("source", ""), rows_read=d.get("rows_read", 0),
            rows_loaded=d.get("rows_loaded", 0),
            skipped=[SkippedRow(int(r), str(c), str(m)) for r, c, m in d.get("skipped", [])],
            warnings=list(d.get("warnings", [])), unknown_columns=list(d.get("unknown_columns", [])),
            encoding=d.get("encoding", "utf-8"), delimiter=d.get("delimiter", ","),
            notes=[RowNote(int(r), str(c), str(m)) for r, c, m in d.get("notes", [])],
            other_types={str(k): int(v) for k, v in d.get("other_types", {}).items()},
            geocoded=int(d.get("geocoded", 0)),
        )


class ImportFailed(ValueError):
    """The file cannot be imported at all (unknown format, missing required columns,
    no header). Malformed *rows* never raise: they are skipped and reported."""


def no_progress(fraction: float, text: str) -> None:  # noqa: ARG001
    pass

