"""git-pod-doctor: the typer shell for `git pod-doctor` (is this clone set up as git-pods needs?)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import doctor as command

app = _shell.new_app()

HELP = """Check that this clone is set up the way git-pods needs.

Checks the git version, the config and the schemas, the five hooks (pre-commit, commit-msg,
pre-push, post-commit, post-rewrite: present, git-pods' own or chained, executable, naming an
interpreter that still has git-pods), the pre-commit framework's setup where the repository uses
it (with post-rewrite still native there), and the notes settings (notes.rewriteRef, the merge
strategy, a fetch refspec per remote). Each problem comes with the command
that fixes it (usually `git pod-init`); exit 1 when there is one."""

EXAMPLES = """Examples:

\b
  git pod-doctor
  git pod-doctor --json | jq '.violations[].rule'"""


@app.command(help=HELP, epilog=EXAMPLES)
def doctor(
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.run(Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "doctor")
