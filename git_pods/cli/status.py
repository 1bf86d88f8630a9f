"""git-pod-status: the typer shell for `git pod-status` (the daily view)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import status as command

app = _shell.new_app()

HELP = """Show the queue, rejected bundles, open tasks and who holds them.

The daily view: queued and rejected bundles, open tasks and the pod holding each, and
what is promoted but not yet merged."""

EXAMPLES = """Examples:

\b
  git pod-status
  git pod-status --json"""


@app.command(help=HELP, epilog=EXAMPLES)
def status(
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.run(Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "status")
