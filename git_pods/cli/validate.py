"""git-pod-validate: the typer shell over commands.validate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import validate as command

app = _shell.new_app()

HELP = """Validate pod artifacts: bundles, logs, task ledgers, the config.

With no PATH, checks everything under .pods/, .patches/ and .logs/ in the
current repository: every queued and promoted bundle, every task ledger, the
config, orphans (a diff without its logs, logs without their diff) and patch ids
that collide. A PATH may be a file, a bundle folder, or a folder holding
bundles. Every problem is listed as `file:line: GPnnn message` with the fix;
exit 1 when any is an error."""

EXAMPLES = """Examples:

\b
  git pod-validate                            # the whole record in this repository
  git pod-validate .patches/queue/patch_20250419_123456
  git pod-validate ~/Downloads/bundle/changelog.yaml
  git pod-validate --schema changelog - < changelog.yaml
  git pod-validate --json | jq '.violations[].rule'
  git pod-validate --explain GP301            # what a rule means and how to fix it
  git pod-validate --explain all              # every rule

Exit codes: 0 valid, 1 violations, 2 usage error, 3 not a repository, 5 a bug."""


@app.command(help=HELP, epilog=EXAMPLES)
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            show_default=False,
            help="Files, bundle folders or folders to check ('-' reads stdin).",
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema",
            metavar="NAME",
            help="Check files as this schema: " + ", ".join(command.SCHEMA_CHOICES) + ".",
        ),
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="RULE",
            help="Explain a rule id (GP301) and how to fix it; 'all' lists the rules.",
        ),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.ValidateOptions(paths=tuple(paths or ()), schema=schema, explain=explain)
    code = command.run(options, Path.cwd(), _shell.output("validate", json_mode), sys.stdin.buffer)
    raise typer.Exit(code)


def main() -> NoReturn:
    _shell.main(app, "validate")
