"""A violation: one problem found in an artifact, as text for people and as the contract's JSON shape."""

from __future__ import annotations

from typing import Literal

from git_pods.record import record

Severity = Literal["error", "warning"]


@record
class Violation:
    """One problem: a stable rule id, where it is, and how to fix it."""

    rule: str
    message: str
    severity: Severity = "error"
    hint: str | None = None
    file: str | None = None
    line: int | None = None
    path: str | None = None
    commit: str | None = None

    def to_json(self) -> dict[str, object]:
        """The contract's shape: absent fields are omitted."""
        out: dict[str, object] = {"rule": self.rule, "severity": self.severity, "message": self.message}
        for key in ("hint", "file", "line", "path", "commit"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def format_text(self) -> str:
        """`file:line: GPnnn message (JSON path)` and an indented fix line."""
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.commit:
            where = f"{self.commit[:12]} {where}"
        level = "" if self.severity == "error" else "warning: "
        text = f"{where}: {self.rule} {level}{self.message}"
        if self.path and self.path != "$":
            text += f" ({self.path})"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file or "", self.line or 0, self.rule, self.message)


def worst_exit(violations: list[Violation]) -> int:
    """1 when any violation is an error, else 0: warnings never block."""
    return 1 if any(v.severity == "error" for v in violations) else 0
