"""git-pod-verify: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Verify the commits in a range: the CI authority.

Pod commits carry their bundle, archived diffs equal the real change, logs are valid,
promoted records never change, and no pod commit slipped past the hooks.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-verify --range origin/main..HEAD
  git pod-verify --all"""


@app.command(help=HELP, epilog=EXAMPLES)
def verify(
    range_: Annotated[
        str | None,
        typer.Option("--range", metavar="A..B", help="The commits to verify (A..B).", show_default=False),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify the whole history.")] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("verify"))


def main() -> NoReturn:
    _shell.main(app, "verify")
