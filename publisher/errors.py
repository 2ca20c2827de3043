"""One exception hierarchy for the whole tool.

Every error a user can cause is a :class:`PlanError` (or a subclass) that knows where it
happened (file, line, column, JSON path) and says what to do, in Japanese and English.
The CLI turns them into messages and exit codes; nothing else prints tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_ERROR = 2


@dataclass
class Location:
    """Where a problem is: a file and, where known, a line, a column and a JSON path."""

    file: Path | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str | None = None  # JSON path such as /elements/3/parent

    def __str__(self) -> str:
        if self.file is None and self.line is None and not self.path:
            return ""
        parts = [str(self.file) if self.file else "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.path:
            text += f" ({self.path})"
        return text


@dataclass
class Problem:
    """One problem found in the input: where, what (ja/en) and what to do (ja/en)."""

    location: Location
    message_ja: str
    message_en: str
    hint_ja: str = ""
    hint_en: str = ""
    code: str = "invalid"

    def render(self) -> str:
        where = str(self.location)
        lines = [f"{where}: [{self.code}]" if where else f"[{self.code}]", f"  {self.message_ja}"]
        if self.hint_ja:
            lines.append(f"  → {self.hint_ja}")
        lines.append(f"  {self.message_en}")
        if self.hint_en:
            lines.append(f"  → {self.hint_en}")
        return "\n".join(lines)


class PlanError(Exception):
    """Base class of every error a user can cause. ``exit_code`` is the CLI's exit code."""

    exit_code = EXIT_ERROR

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(p.render() for p in self.problems))


class SourceError(PlanError):
    """The source files cannot be read or do not follow the source format (exit 1)."""

    exit_code = EXIT_NONCONFORMANT


class UsageError(PlanError):
    """The command was called wrongly or the environment is not usable (exit 2)."""

    exit_code = EXIT_ERROR


class StoreError(PlanError):
    """A store answered badly or not at all (exit 2)."""

    exit_code = EXIT_ERROR


def usage_error(message_en: str, message_ja: str, hint_en: str = "", hint_ja: str = "") -> UsageError:
    return UsageError(Problem(Location(), message_ja, message_en, hint_ja, hint_en, code="usage"))
