"""git-pod-sync: the typer shell for `git pod-sync` (notes exchanged with a remote)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import sync as command

app = _shell.new_app()

HELP = """Fetch, merge and push the pods notes.

Fetches the remote's notes into refs/notes/remotes/<remote>/pods (never onto your own
notes), merges them into refs/notes/pods keeping every event of both (one JSON event per
line, each once), and pushes the result, never forced: when another clone pushed in
between, it fetches and merges again. Nothing is added to your git config, and git never
prompts for credentials: a remote that wants them is exit 3 with the fix. A fork that may
not push notes upstream is told so; the notes stay here.

git pod-promote --push and the pre-push hook use the same sync.

Exit 0: in sync; 2: no such remote; 3: the remote cannot be read or written."""

EXAMPLES = """Examples:

\b
  git pod-sync
  git pod-sync upstream
  git pod-sync --no-push        # fetch and merge only"""


@app.command(help=HELP, epilog=EXAMPLES)
def sync(
    remote: Annotated[
        str | None,
        typer.Argument(
            metavar="REMOTE",
            show_default=False,
            help="The remote (default: the config's remote, else origin).",
        ),
    ] = None,
    no_push: Annotated[bool, typer.Option("--no-push", help="Fetch and merge only.")] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.run(remote, Path.cwd(), sys.stdout, json_mode, push=not no_push))


def main() -> NoReturn:
    _shell.main(app, "sync")
