"""git-pod-requeue: the typer shell for `git pod-requeue` (a rejected bundle back into the queue)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import reject as command

app = _shell.new_app()

HELP = """Put rejected bundles back into the queue.

Moves each bundle from .patches/rejected/<ID>/ back to .patches/queue/<ID>/; its reason.yaml
goes with it as the record of the earlier rejection (promote never archives it, and a new
rejection replaces it). An older rejection kept as <ID>.1 is requeued as <ID>. Refused (exit 2)
when that id is already queued. Fix what the reason names first: git pod-validate
.patches/queue/<ID> says whether it would pass."""

EXAMPLES = """Examples:

\b
  git pod-requeue patch_20250419_123456
  git pod-requeue patch_20250419_123456 && git pod-promote patch_20250419_123456 --3way"""


@app.command(help=HELP, epilog=EXAMPLES)
def requeue(
    patch_ids: Annotated[
        list[str] | None, typer.Argument(metavar="ID...", help="The rejected bundles.", show_default=False)
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running promote to finish.")] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.requeue(patch_ids or [], Path.cwd(), sys.stdout, json_mode, wait=wait))


def main() -> NoReturn:
    _shell.main(app, "requeue")
