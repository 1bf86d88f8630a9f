"""git-pod-promote: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Turn queued bundles into commits with trailers.

Validates each bundle, applies its diff in a temporary index and commits code,
.patches/<ID>.diff and .logs/<ID>/ as one commit on pods/<task> (or --onto BRANCH), never
touching the working tree or index.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-promote --all
  git pod-promote patch_20250419_123456 --onto main --dry-run"""


@app.command(help=HELP, epilog=EXAMPLES)
def promote(
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="ID", show_default=False, help="Patch ids to promote."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Promote every queued bundle, in queue order.")] = False,
    onto: Annotated[
        str | None,
        typer.Option("--onto", metavar="BRANCH", help="Commit on top of this branch.", show_default=False),
    ] = None,
    push: Annotated[bool, typer.Option("--push", help="Push the branch and the notes.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, commit nothing.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another promote's lock instead of failing.")
    ] = False,
    signoff: Annotated[bool, typer.Option("--signoff", help="Add your Signed-off-by.")] = False,
    three_way: Annotated[bool, typer.Option("--3way", help="Fall back to a three-way merge.")] = False,
    recount: Annotated[bool, typer.Option("--recount", help="Ignore wrong hunk counts (opt-in).")] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("promote"))


def main() -> NoReturn:
    _shell.main(app, "promote")
