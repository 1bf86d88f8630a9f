"""git-pod-doctor: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Check hooks, notes config, refspecs, git version and config.

Says how to fix each problem found; exit 1 when there is one.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-doctor"""


@app.command(help=HELP, epilog=EXAMPLES)
def doctor(
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("doctor"))


def main() -> NoReturn:
    _shell.main(app, "doctor")
