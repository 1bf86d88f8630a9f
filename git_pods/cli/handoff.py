"""git-pod-handoff: the typer shell for `git pod-handoff` (the task's ledger)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import handoff as command

app = _shell.new_app()

HELP = """Hand a task to the next pod.

Appends a handoff (time, base commit, and with --patch the sha256 digests of that patch's
diff, trace and changelog) to the task's ledger .pods/tasks/<TASK>.yaml, commits that file
alone on your branch and records a handed-off event; promoted logs never change. The sender
is the pod holding the task now (the receiver of its latest handoff, else the assigned pod)
unless --from says otherwise. The config's handoff graph is enforced (exit 1 naming the
allowed pods); --force overrides and is recorded. Works on a dirty working tree without
touching it; exit 3 during a merge or rebase. --assign then assigns the receiving pod and
prints its prompt."""

EXAMPLES = """Examples:

\b
  git pod-handoff --to qa-pod --reason 'Parser done, needs edge-case tests' --task F2.1
  git pod-handoff --to delivery-pod --reason 'Tests pass' --patch patch_20250419_123456 --assign
  git pod-handoff --to qa-pod --task F2.1 --reason 'Ready for tests' \\
      --accept 'an empty list parses to []' --accept 'no test needs the network'"""


@app.command(help=HELP, epilog=EXAMPLES)
def handoff(
    to: Annotated[
        str | None, typer.Option("--to", metavar="POD", help="The receiving pod.", show_default=False)
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why the work moves on.", show_default=False),
    ] = None,
    task: Annotated[
        str | None, typer.Option("--task", metavar="ID", help="The task id.", show_default=False)
    ] = None,
    patch: Annotated[
        str | None,
        typer.Option("--patch", metavar="ID", help="The patch the handoff belongs to.", show_default=False),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="POD",
            help="The sending pod (default: the pod holding the task).",
            show_default=False,
        ),
    ] = None,
    accept: Annotated[list[str] | None, _shell.accept_option("the receiving pod's")] = None,
    assign: Annotated[
        bool, typer.Option("--assign", help="Then assign the task to the receiving pod.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Hand off outside the config's graph (recorded).")
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.HandoffOptions(
        to=to,
        reason=reason,
        task=task,
        patch=patch,
        sender=from_,
        accept=tuple(accept or ()),
        assign=assign,
        force=force,
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, sys.stderr, json_mode))


def main() -> NoReturn:
    _shell.main(app, "handoff")
