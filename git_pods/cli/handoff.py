"""git-pod-handoff: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Hand a task to the next pod.

Appends a handoff to the task's ledger, commits that file only and records a
handed-off event.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-handoff --to qa-pod --reason 'Parser done' --task F2.1"""


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
            metavar="SOURCE",
            help="The sending pod (default: the pod holding the task).",
            show_default=False,
        ),
    ] = None,
    assign: Annotated[
        bool, typer.Option("--assign", help="Then assign the task to the receiving pod.")
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("handoff"))


def main() -> NoReturn:
    _shell.main(app, "handoff")
