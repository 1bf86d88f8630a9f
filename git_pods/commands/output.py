"""What commands print: violations and summaries as text for people or as JSON for machines."""

from __future__ import annotations

import json
from typing import TextIO

from git_pods.checks.rules import Rule
from git_pods.errors import GitPodsError
from git_pods.violation import Violation


class Output:
    """Writes one command's results to stdout (and problems with the run itself to stderr)."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, json_mode: bool, command: str) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.json_mode = json_mode
        self.command = command
        self.empty_hint = "no pod artifacts found"

    def _json(self, document: dict[str, object]) -> None:
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def violations(
        self,
        found: list[Violation],
        *,
        items: int,
        usage: list[str],
        code: int,
    ) -> None:
        ordered = sorted(found, key=Violation.sort_key)
        if self.json_mode:
            self._json(
                {
                    "command": self.command,
                    "ok": code == 0,
                    "exit_code": code,
                    "items": items,
                    "violations": [v.to_json() for v in ordered],
                    "errors": [{"message": m} for m in usage],
                }
            )
            return
        for violation in ordered:
            self.stdout.write(violation.format_text() + "\n")
        for message in usage:
            self.stderr.write(f"git pod-{self.command}: error: {message}\n")
        errors = sum(v.severity == "error" for v in ordered)
        warnings = len(ordered) - errors
        checked = f"{items} item{'s' if items != 1 else ''} checked"
        if not ordered and not items:
            if not usage:
                self.stdout.write(f"nothing to {self.command}: {self.empty_hint}\n")
        elif not ordered:
            self.stdout.write(f"ok: {checked}, no problems\n")
        else:
            parts = [f"{errors} error{'s' if errors != 1 else ''}"]
            if warnings:
                parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
            self.stdout.write(f"{', '.join(parts)} in {checked}\n")

    def rule(self, rule: Rule, text: str) -> None:
        if self.json_mode:
            self._json(
                {
                    "rule": rule.id,
                    "title": rule.title,
                    "severity": rule.severity,
                    "explain": rule.explain,
                    "fix": rule.fix,
                }
            )
        else:
            self.stdout.write(text)

    def rule_list(self, rules: list[Rule]) -> None:
        if self.json_mode:
            self._json({"rules": [{"rule": r.id, "title": r.title, "severity": r.severity} for r in rules]})
            return
        for rule in rules:
            self.stdout.write(f"{rule.id}  {rule.title}\n")

    def error(self, exc: GitPodsError) -> None:
        """A failure of the command itself (usage, repository state, internal)."""
        if self.json_mode:
            entry: dict[str, object] = {"severity": "error", "message": exc.message}
            for key in ("rule", "hint", "file", "line"):
                value = getattr(exc, key)
                if value is not None:
                    entry[key] = value
            self._json(
                {
                    "command": self.command,
                    "ok": False,
                    "exit_code": int(exc.exit_code),
                    "violations": [entry] if exc.rule else [],
                    "errors": [entry],
                }
            )
            return
        where = f"{exc.file}:{exc.line}: " if exc.file and exc.line else (f"{exc.file}: " if exc.file else "")
        rule = f"{exc.rule} " if exc.rule else ""
        self.stderr.write(f"git pod-{self.command}: error: {where}{rule}{exc.message}\n")
        if exc.hint:
            self.stderr.write(f"    fix: {exc.hint}\n")


def write_json(
    stream: TextIO, command: str, code: int, violations: list[Violation] | None = None, **fields: object
) -> None:
    """The contract's JSON shape for one command: command, ok, exit_code, the command's own
    fields, violations (as objects, in the order given) and errors."""
    document: dict[str, object] = {"command": command, "ok": code == 0, "exit_code": code, **fields}
    document["violations"] = [v.to_json() for v in violations or []]
    document["errors"] = []
    stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
