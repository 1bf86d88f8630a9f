"""git-pod-status: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Show the queue, rejected bundles, open tasks and who holds them.

The daily view: queued and rejected bundles, open tasks and the pod holding each, and
what is promoted but not yet merged.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-status
  git pod-status --json"""


@app.command(help=HELP, epilog=EXAMPLES)
def status(
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("status"))


def main() -> NoReturn:
    _shell.main(app, "status")
