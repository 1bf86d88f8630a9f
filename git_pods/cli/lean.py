"""Entry points that skip typer for the plain command lines people and scripts type most.

typer 0.29 builds a pydantic adapter per option while parsing (about 100 ms, more than the
work of validating a bundle or promoting a few): these entries parse the simple cases
themselves and hand anything else (help, unknown or malformed options, `--`) to the typer
shell, which stays the reference. A test proves both parse every simple line the same.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from git_pods.cli import _guard

Runner = Callable[[dict[str, object], bool], int]

_PROMOTE_FLAGS = {
    "--all": "all",
    "--dry-run": "dry_run",
    "--wait": "wait",
    "--signoff": "signoff",
    "--3way": "three_way",
    "--recount": "recount",
    "--push": "push",
    "--fetch": "fetch",
}


def validate_options(args: Sequence[str]) -> dict[str, object] | None:
    """`git pod-validate [--json] [PATH...]` with plain paths; None for anything else."""
    paths = []
    for arg in args:
        if arg == "--json":
            continue
        if arg.startswith("-"):  # options with values, '-' for stdin, '--', help: the typer shell
            return None
        paths.append(arg)
    return {"paths": tuple(paths), "schema": None, "explain": None}


def promote_options(args: Sequence[str]) -> dict[str, object] | None:
    """`git pod-promote [ID...] [flags] [--onto BRANCH] [--json]`; None for anything else."""
    found: dict[str, object] = {"ids": ()}
    ids: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            continue
        if arg in _PROMOTE_FLAGS and _PROMOTE_FLAGS[arg] not in found:
            found[_PROMOTE_FLAGS[arg]] = True
        elif arg == "--onto" and "onto" not in found and rest and not rest[0].startswith("-"):
            found["onto"] = rest.pop(0)
        elif arg.startswith("--onto=") and "onto" not in found and len(arg) > len("--onto="):
            found["onto"] = arg[len("--onto=") :]
        elif arg.startswith("-"):
            return None
        else:
            ids.append(arg)
    found["ids"] = tuple(ids)
    return found


_VERIFY_VALUES = {"--range": "range_", "--annotate": "annotate"}


def _valued(arg: str, rest: list[str], names: dict[str, str], found: dict[str, object]) -> bool:
    """Take `--opt VALUE` or `--opt=VALUE` (an option of names, given once, its value not starting
    with '-') into found; False when the line is not that simple (the typer shell decides)."""
    name, equals, value = arg.partition("=")
    key = names.get(name)
    if key is None or key in found:
        return False
    if not equals:
        if not rest:
            return False
        value = rest.pop(0)
    if not value or value.startswith("-"):
        return False
    found[key] = value
    return True


def verify_options(args: Sequence[str]) -> dict[str, object] | None:
    """`git pod-verify (--range A..B | --all) [--annotate FORGE] [--json]`; None for anything else."""
    found: dict[str, object] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            continue
        if arg == "--all" and "all_" not in found:
            found["all_"] = True
            continue
        if not _valued(arg, rest, _VERIFY_VALUES, found):
            return None
    return {"range_": found.get("range_"), "all_": bool(found.get("all_")), "annotate": found.get("annotate")}


_REPORT_VALUES = {
    "--sprint": "sprint",
    "--since": "since",
    "--until": "until",
    "--out": "out",
    "--format": "format",
}


def report_options(args: Sequence[str]) -> dict[str, object] | None:
    """`git pod-report [KIND] [--sprint N] [--since D] [--until D] [--out DIR] [--format F] [--json]`
    with each option at most once and values that do not start with '-'; None for anything else."""
    found: dict[str, object] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            continue
        if not arg.startswith("-"):
            if "kind" in found:
                return None
            found["kind"] = arg
            continue
        if not _valued(arg, rest, _REPORT_VALUES, found):
            return None
    return found


def _entry(verb: str, parse: Callable[[Sequence[str]], dict[str, object] | None], run: Runner) -> NoReturn:
    """Parse the command line here when it is simple, else hand it to the verb's typer shell."""
    args = sys.argv[1:]
    parsed = parse(args)
    if parsed is None:
        import importlib

        importlib.import_module(f"git_pods.cli.{verb}").main()
    _guard.guarded(verb, args, lambda: run(parsed or {}, "--json" in args))


def _run_validate(parsed: dict[str, object], json_mode: bool) -> int:
    from git_pods.commands import validate as command

    options = command.ValidateOptions(**parsed)  # type: ignore[arg-type]
    return command.run(options, Path.cwd(), _guard.output("validate", json_mode), sys.stdin.buffer)


def _run_promote(parsed: dict[str, object], json_mode: bool) -> int:
    from git_pods.commands import promote as command

    options = command.PromoteOptions(**parsed)  # type: ignore[arg-type]
    return command.run(options, Path.cwd(), sys.stdout, json_mode)


def _run_verify(parsed: dict[str, object], json_mode: bool) -> int:
    from git_pods.commands import verify as command

    range_, annotate = parsed["range_"], parsed["annotate"]
    return command.run(
        range_ if isinstance(range_, str) else None,
        bool(parsed["all_"]),
        Path.cwd(),
        sys.stdout,
        json_mode,
        annotate if isinstance(annotate, str) else None,
    )


def _run_report(parsed: dict[str, object], json_mode: bool) -> int:
    from git_pods.report.logread import LogRead

    started = LogRead(Path.cwd())  # git walks history while the rest of git-pods is imported
    from git_pods.commands import report as command

    options = command.Options(**{"kind": "all", "format": "md", **parsed, "json_mode": json_mode})  # type: ignore[arg-type]
    try:
        return command.run(options, Path.cwd(), sys.stdout, sys.stderr, started)
    finally:
        started.close()  # a command refused before it read the history leaves no git behind


def validate() -> NoReturn:
    _entry("validate", validate_options, _run_validate)


def promote() -> NoReturn:
    _entry("promote", promote_options, _run_promote)


def verify() -> NoReturn:
    _entry("verify", verify_options, _run_verify)


def report() -> NoReturn:
    _entry("report", report_options, _run_report)
