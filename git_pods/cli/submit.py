"""git-pod-submit: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Make a queued bundle from the working tree's changes.

Writes .patches/queue/<ID>/ with patch.diff, the trace, changelog and handoff log, filling in
the patch id, times, digests and base commit.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-submit --task F2.1 --pod dev-pod --summary 'Parse symptom lists'
  git pod-submit --diff change.diff --task F2.1"""


@app.command(help=HELP, epilog=EXAMPLES)
def submit(
    task: Annotated[
        str | None, typer.Option("--task", metavar="ID", help="The task id.", show_default=False)
    ] = None,
    pod: Annotated[
        str | None,
        typer.Option("--pod", metavar="POD", help="The pod that did the work.", show_default=False),
    ] = None,
    summary: Annotated[
        list[str] | None,
        typer.Option(
            "--summary", metavar="TEXT", help="The trace's summary (repeatable).", show_default=False
        ),
    ] = None,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff", metavar="FILE", help="Take the change from this diff file.", show_default=False
        ),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("submit"))


def main() -> NoReturn:
    _shell.main(app, "submit")
