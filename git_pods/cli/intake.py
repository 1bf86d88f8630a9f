"""git-pod-intake: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Move downloaded bundle files into the queue.

Groups flat downloads (browser suffixes, .txt, .zip, Markdown logs) into
.patches/queue/<ID>/ by the patch id the logs name; never deletes a source before its copy
is safely queued.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-intake
  git pod-intake ~/Downloads"""


@app.command(help=HELP, epilog=EXAMPLES)
def intake(
    directory: Annotated[
        str | None,
        typer.Argument(
            metavar="DIR",
            show_default=False,
            help="Where the downloads are (default: git config pods.downloads).",
        ),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("intake"))


def main() -> NoReturn:
    _shell.main(app, "intake")
