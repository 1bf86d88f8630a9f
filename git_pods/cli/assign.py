"""git-pod-assign: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Assign a task to a pod and print its structured prompt.

Writes and commits the task's ledger .pods/tasks/<TASK>.yaml and prints the rendered
prompt: the pod's template, the packet, the input files and how to answer.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-assign --to qa-pod --task F2.1 --goal 'Add parser tests'
  git pod-assign --from patch_20250419_123456"""


@app.command(help=HELP, epilog=EXAMPLES)
def assign(
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="POD", help="The pod that takes the task.", show_default=False),
    ] = None,
    task: Annotated[
        str | None, typer.Option("--task", metavar="ID", help="The task id (F2.1).", show_default=False)
    ] = None,
    goal: Annotated[
        str | None,
        typer.Option("--goal", metavar="TEXT", help="What the pod should achieve.", show_default=False),
    ] = None,
    input_file: Annotated[
        list[str] | None,
        typer.Option(
            "--input-file", metavar="PATH", help="A file the pod reads (repeatable).", show_default=False
        ),
    ] = None,
    instructions: Annotated[
        str | None,
        typer.Option("--instructions", metavar="TEXT", help="How to go about it.", show_default=False),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", metavar="FILE", help="Write the prompt to this file.", show_default=False),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SOURCE",
            help="Assign the pod named by the latest handoff of a file, patch or task.",
            show_default=False,
        ),
    ] = None,
    no_commit: Annotated[
        bool, typer.Option("--no-commit", help="Write the ledger without committing it.")
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("assign"))


def main() -> NoReturn:
    _shell.main(app, "assign")
