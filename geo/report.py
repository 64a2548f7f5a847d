"""Problems a stage could not solve, and the run's accounting.

Every input event ends in exactly one bucket: mapped, unresolved (read but not placed)
or rejected (not readable as an event). Stages never drop rows silently; they return a
``Problem`` for each row they could not handle.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class GeoError(Exception):
    """A user-facing error: its message is one line naming what is wrong and how to fix it."""


class InputError(GeoError, ValueError):
    """Input that cannot be read at all (missing file, no recognisable columns, ...)."""


class DataDirError(GeoError, FileNotFoundError):
    """The data directory (boundaries, gazetteer) is missing or incomplete."""


@dataclass(frozen=True)
class Problem:
    """One row (or file) a stage could not handle.

    ``row`` is the 1-based data row in ``file`` (the header is row 0); None for a
    problem with the whole file. ``stage`` is read / geocode / join.
    """

    file: str
    row: int | None
    field: str
    reason: str
    stage: str = "read"
    value: str | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        shown = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.field}{shown}: {self.reason}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
            "stage": self.stage,
            "value": self.value,
        }


@dataclass
class RunReport:
    """What a run did, with counts that add up: read == mapped + unresolved + rejected.

    ``rejected`` rows could not be read as events; ``unresolved`` rows were read but not
    placed. ``problems`` also holds warnings about mapped rows (e.g. a point joined to the
    nearest unit), which do not change the counts.
    """

    read: int = 0
    mapped: int = 0
    unresolved: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.read == self.mapped + self.unresolved + self.rejected

    def summary_lines(self, *, limit: int | None = 50) -> list[str]:
        by_stage = Counter(p.stage for p in self.problems)
        lines = [
            f"events read: {self.read}, mapped: {self.mapped}, "
            f"unresolved: {self.unresolved}, rejected: {self.rejected}"
        ]
        if self.problems:
            stages = ", ".join(f"{k} {v}" for k, v in sorted(by_stage.items()))
            lines.append(f"problems ({stages}):")
            shown = self.problems if limit is None else self.problems[:limit]
            lines.extend(f"  {p}" for p in shown)
            if len(shown) < len(self.problems):
                lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return lines
