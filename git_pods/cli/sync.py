"""git-pod-sync: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Fetch, merge and push the pods notes.

Fetches the remote's notes into refs/notes/remotes/<remote>/pods, merges them and pushes,
retrying when another clone pushed in between.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-sync
  git pod-sync upstream"""


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
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("sync"))


def main() -> NoReturn:
    _shell.main(app, "sync")
