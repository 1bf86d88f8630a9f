"""The lean entry points parse every simple command line exactly as the typer shells do."""

from __future__ import annotations

import io
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import typer

from git_pods.cli import lean
from git_pods.cli import promote as promote_cli
from git_pods.cli import report as report_cli
from git_pods.cli import validate as validate_cli
from git_pods.cli import verify as verify_cli
from git_pods.commands import promote as promote_command
from git_pods.commands import report as report_command
from git_pods.commands import validate as validate_command
from git_pods.commands import verify as verify_command
from helpers import BIN, git

PROMOTE_LINES = [
    ["--all"],
    ["patch_1"],
    ["patch_1", "patch_2", "--dry-run"],
    ["--all", "--onto", "main", "--signoff", "--json"],
    ["--onto=release/1.0", "--all", "--wait"],
    ["patch_1", "--3way", "--recount"],
    ["--json", "patch_1", "--push"],
    [],
]
VALIDATE_LINES = [[], ["--json"], [".patches/queue/patch_1"], ["a.yaml", "--json", "b folder/c.yaml"]]
VERIFY_LINES = [
    ["--all"],
    ["--range", "origin/main..HEAD"],
    ["--range=v1..v2", "--json"],
    ["--json", "--all", "--annotate", "github"],
    ["--annotate=gitlab", "--range", "A..B"],
    [],
    ["--all", "--range", "a..b"],
]
REPORT_LINES = [
    [],
    ["velocity"],
    ["all", "--sprint", "3", "--json"],
    ["--since", "2026-01-05", "--until=2026-01-16", "burndown"],
    ["retro", "--out", "site", "--format=html"],
    ["--format", "json", "changelog"],
    ["velocty"],  # a wrong KIND still parses: run() refuses it the same way for both
]
REPORT_TYPER_ONLY = [
    ["-h"],
    ["--sprint"],
    ["--out", "-x"],
    ["a", "b"],
    ["--sprint", "1", "--sprint", "2"],
    ["--al"],
]
VERIFY_TYPER_ONLY = [["-h"], ["--range"], ["--range", "--all"], ["--all", "--all"], ["x..y"], ["--rang", "a"]]
TYPER_ONLY = [
    ["-h"],
    ["--help"],
    ["--onto"],
    ["--onto", "--all"],
    ["--al"],
    ["--all", "--all"],
    ["--", "patch_1"],
    ["--onto", "a", "--onto", "b"],
]


def _typer_call(
    app: typer.Typer, module: Any, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, ...]:
    """The positional arguments the typer shell passes to the command's run()."""
    seen: list[tuple[Any, ...]] = []

    def capture(*given: Any, **kwargs: Any) -> int:
        seen.append(given)
        return 0

    monkeypatch.setattr(module, "run", capture)
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        typer.main.get_command(app).main(args=args, standalone_mode=False)
    (given,) = seen
    return given


def _typer_options(app: typer.Typer, module: Any, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    return _typer_call(app, module, args, monkeypatch)[0]


@pytest.mark.parametrize("args", PROMOTE_LINES)
def test_promote_lines_parse_alike(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = lean.promote_options(args)
    assert parsed is not None
    expected = _typer_options(promote_cli.app, promote_command, args, monkeypatch)
    assert promote_command.PromoteOptions(**parsed) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("args", VALIDATE_LINES)
def test_validate_lines_parse_alike(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = lean.validate_options(args)
    assert parsed is not None
    expected = _typer_options(validate_cli.app, validate_command, args, monkeypatch)
    assert validate_command.ValidateOptions(**parsed) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("args", VERIFY_LINES)
def test_verify_lines_parse_alike(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = lean.verify_options(args)
    assert parsed is not None
    range_, all_, _cwd, _out, json_mode, annotate = _typer_call(
        verify_cli.app, verify_command, args, monkeypatch
    )
    assert (parsed["range_"], parsed["all_"], parsed["annotate"]) == (range_, all_, annotate)
    assert json_mode == ("--json" in args)


@pytest.mark.parametrize("args", REPORT_LINES)
def test_report_lines_parse_alike(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = lean.report_options(args)
    assert parsed is not None
    expected = _typer_options(report_cli.app, report_command, args, monkeypatch)
    lean_options = report_command.Options(
        **{"kind": "all", "format": "md", **parsed, "json_mode": "--json" in args}  # type: ignore[arg-type]
    )
    assert lean_options == expected


@pytest.mark.parametrize("args", REPORT_TYPER_ONLY)
def test_report_lines_the_lean_entry_does_not_take(args: list[str]) -> None:
    assert lean.report_options(args) is None


@pytest.mark.parametrize("args", VERIFY_TYPER_ONLY)
def test_verify_lines_the_lean_entry_does_not_take(args: list[str]) -> None:
    assert lean.verify_options(args) is None


@pytest.mark.parametrize("args", TYPER_ONLY)
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert lean.promote_options(args) is None


@pytest.mark.parametrize("args", [["-"], ["--schema", "changelog", "x.yaml"], ["--explain", "GP301"], ["-h"]])
def test_validate_options_with_values_go_to_typer(args: list[str]) -> None:
    assert lean.validate_options(args) is None


def test_the_installed_entries_still_give_help_and_usage_errors(repo: Path) -> None:
    for verb in ("promote", "validate", "verify", "report"):
        done = subprocess.run(
            [str(BIN / f"git-pod-{verb}"), "-h"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0 and "Examples:" in done.stdout
    promote = str(BIN / "git-pod-promote")
    done = subprocess.run([promote, "--al"], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "No such option: --al" in done.stderr
    git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    done = subprocess.run(
        [str(BIN / "git-pod-promote"), "--all", "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and '"bundles": []' in done.stdout
