"""`git pod-validate`: check artifacts, bundle folders or the whole record, and list every problem."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import BinaryIO

from git_pods.bundle import (
    DIFF,
    LOG_SCHEMAS,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    REJECTED_DIR,
    Kind,
    in_folder,
    is_bundle_folder,
)
from git_pods.checks.artifact import (
    DIFF_MAX_BYTES,
    check_bytes,
    check_events,
    read,
    schema_for,
)
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.diff_rules import check_diff
from git_pods.checks.rules import RULES, explain, violation
from git_pods.checks.tree import check_ledger, check_tree
from git_pods.commands.output import Output
from git_pods.config import CONFIG_PATH, Config, load_config, parse_config
from git_pods.errors import ExitCode, UsageError
from git_pods.gitio.runner import find_root, require_root
from git_pods.record import field, record
from git_pods.schema import SCHEMA_NAMES
from git_pods.violation import Violation, worst_exit

SCHEMA_CHOICES = (*SCHEMA_NAMES, "diff")
_RECORD_DIRS = (".pods", PATCHES_DIR, LOGS_DIR)


@record
class ValidateOptions:
    """What `git pod-validate` was asked to do."""

    paths: tuple[str, ...] = ()
    schema: str | None = None
    explain: str | None = None


@record(frozen=False)
class _Run:
    cwd: Path
    root: Path | None
    config: Config
    violations: list[Violation] = field(default_factory=list)
    items: int = 0
    usage: list[str] = field(default_factory=list)

    def show(self, path: Path) -> str:
        try:
            return (
                Path(os.path.relpath(path, self.cwd)).as_posix() if path.is_absolute() else (path.as_posix())
            )
        except ValueError:  # another drive on Windows
            return str(path)


def run(options: ValidateOptions, cwd: Path, out: Output, stdin: BinaryIO | None = None) -> int:
    """Validate and report; the exit code is the largest among the items checked."""
    if options.explain is not None:
        return _explain(options.explain, out)
    if options.schema is not None and options.schema not in SCHEMA_CHOICES:
        raise UsageError(
            f"unknown schema {options.schema!r}", hint=f"use one of: {', '.join(SCHEMA_CHOICES)}"
        )
    root = find_root(cwd)
    config, config_problems = load_config(root)
    state = _Run(cwd=cwd.resolve(), root=root, config=config)
    if not options.paths:
        _record(state, root or require_root(cwd), None, config_problems)  # require_root raises
    if options.paths.count("-") > 1:
        state.usage.append("-: standard input can be read only once")
    for given in dict.fromkeys(options.paths):
        if given == "-":
            _stdin(state, options.schema, stdin)
            continue
        path = (cwd / given).resolve()  # absolute too: the queue is found through links (/tmp on macOS)
        if not path.exists() and not path.is_symlink():
            state.usage.append(f"{given}: no such file or folder")
        elif path.is_dir():
            _folder(state, path, config_problems)
        else:
            _file(state, path, options.schema)
    if not options.paths:
        out.empty_hint = "no .pods/, .patches/ or .logs/ in this repository yet"
    violations = list(dict.fromkeys(state.violations))
    code = max(worst_exit(violations), ExitCode.USAGE if state.usage else 0)
    out.violations(violations, items=state.items, usage=state.usage, code=code)
    return code


def _explain(rule_id: str, out: Output) -> int:
    wanted = rule_id.strip().upper()
    if wanted in ("ALL", "LIST"):
        out.rule_list(list(RULES.values()))
        return 0
    if wanted not in RULES:
        close = difflib.get_close_matches(wanted, list(RULES), n=3)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else ("`git pod-validate --explain all` lists every rule")
        )
        raise UsageError(f"unknown rule {rule_id!r}", hint=hint)
    out.rule(RULES[wanted], explain(wanted))
    return 0


def _stdin(state: _Run, schema: str | None, stdin: BinaryIO | None) -> None:
    if schema is None:
        state.usage.append("-: reading standard input needs --schema NAME")
        return
    limit = _limit(schema, state.config)
    raw = stdin.read(limit + 1) if stdin is not None else b""
    state.items += 1
    if len(raw) > limit:
        state.violations.append(
            violation("GP102", f"standard input is over the {limit:,}-byte limit", file="<stdin>")
        )
        return
    state.violations.extend(_check_raw(raw, "<stdin>", schema, state.config))


def _limit(schema: str, config: Config) -> int:
    """How much of an input to read: YAML has its budget, diffs and event logs a larger one."""
    return DIFF_MAX_BYTES if schema in ("diff", "metric-event") else config.yaml_max_bytes


def _check_raw(raw: bytes, shown: str, schema: str, config: Config) -> list[Violation]:
    if schema == "diff":
        return check_diff(raw, shown, config)
    if schema == "metric-event":
        return check_events(raw, shown)
    if schema == "pods-config":
        return parse_config(raw, shown)[1]
    return check_bytes(raw, shown, schema, config.yaml_max_bytes).violations


def _file(state: _Run, path: Path, forced: str | None) -> None:
    schema = forced or schema_for(path)
    if schema is None:
        state.usage.append(
            f"{state.show(path)}: cannot tell which schema applies; pass --schema "
            f"({', '.join(SCHEMA_CHOICES)})"
        )
        return
    state.items += 1
    shown = state.show(path)
    if schema == "task-packet" and forced is None:
        state.violations.extend(check_ledger(path, state.config, state.show))
        return
    raw = read(path, shown, _limit(schema, state.config))
    state.violations.extend(
        [raw] if isinstance(raw, Violation) else _check_raw(raw, shown, schema, state.config)
    )


def _record(state: _Run, root: Path, scope: Path | None, config_problems: list[Violation]) -> None:
    """The record under root (only inside scope when given), with the config when it is in scope."""
    if scope is None or scope == root / ".pods":
        state.violations.extend(config_problems)
        state.items += 1 if (root / CONFIG_PATH).exists() else 0
    result = check_tree(root, state.config, state.show, scope)
    state.violations.extend(result.violations)
    state.items += result.items


def _folder(state: _Run, path: Path, config_problems: list[Violation]) -> None:
    root = state.root
    if is_bundle_folder(path):
        kind: Kind = "folder"
        if root is not None and path.parent == root / QUEUE_DIR:
            kind = "queued"
        elif root is not None and path.parent == root / REJECTED_DIR:
            kind = "rejected"
        state.items += 1
        state.violations.extend(check_bundle(in_folder(path, kind), state.config, state.show))
        return
    if root is not None and (
        path == root or any(path == root / d or (root / d) in path.parents for d in _RECORD_DIRS)
    ):
        _record(state, root, None if path == root else path, config_problems)
        return
    found = sorted({p.parent for name in (*LOG_SCHEMAS, DIFF) for p in path.rglob(name)})
    if not found:
        state.usage.append(f"{state.show(path)}: no bundles or pod artifacts found in this folder")
    for folder in found:
        state.items += 1
        state.violations.extend(check_bundle(in_folder(folder), state.config, state.show))
