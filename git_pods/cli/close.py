"""git-pod-close: the typer shell for `git pod-close` (a task done or abandoned)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import close as command

app = _shell.new_app()

HELP = """Close a task: done, or abandoned.

Appends a closed entry (how it ended, why, who and when) to the task's ledger
.pods/tasks/<TASK>.yaml, commits that file alone and notes a closed event. The task then holds
no pod: git pod-status lists it as closed, handoffs to it are refused (GP706), and the burndown
counts it as delivered (done) or takes it out of the outstanding work (abandoned). Assigning
the task again reopens it. Closing it again the same way changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-close F2.1 --done
  git pod-close F2.3 --abandoned --reason 'superseded by F3.1'"""


@app.command(help=HELP, epilog=EXAMPLES)
def close(
    task: Annotated[
        str | None, typer.Argument(metavar="TASK", help="The task id.", show_default=False)
    ] = None,
    done: Annotated[bool, typer.Option("--done", help="The task is finished.")] = False,
    abandoned: Annotated[bool, typer.Option("--abandoned", help="The task is given up.")] = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why (kept in the ledger).", show_default=False),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(
        command.run(task, done, abandoned, reason, Path.cwd(), sys.stdout, sys.stderr, json_mode)
    )


def main() -> NoReturn:
    _shell.main(app, "close")
