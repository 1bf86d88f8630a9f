"""git-pod-reject: the typer shell for `git pod-reject` (a queued bundle to rejected/, with a reason)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import reject as command

app = _shell.new_app()

HELP = """Reject queued bundles, with the reason why.

Moves each bundle from .patches/queue/<ID>/ to .patches/rejected/<ID>/ with its files as they
were and a reason.yaml (rule GP404, your reason, who and when), and notes a rejected event on
the task branch's tip (else HEAD), so the retrospective counts it. Nothing is deleted: git
pod-requeue puts a bundle back. Waits for no promote: exit 3 while one runs (--wait waits)."""

EXAMPLES = """Examples:

\b
  git pod-reject patch_20250419_123456 --reason 'duplicate of patch_20250419_120000'
  git pod-reject patch_20250419_123456 patch_20250419_130000 --reason 'task dropped' --json"""


@app.command(help=HELP, epilog=EXAMPLES)
def reject(
    patch_ids: Annotated[
        list[str] | None, typer.Argument(metavar="ID...", help="The queued bundles.", show_default=False)
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why (kept in reason.yaml).", show_default=False),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running promote to finish.")] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.reject(patch_ids or [], reason, Path.cwd(), sys.stdout, json_mode, wait=wait))


def main() -> NoReturn:
    _shell.main(app, "reject")
