"""git-pod-verify: the typer shell for `git pod-verify` (the CI authority)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import verify as command

app = _shell.new_app()

HELP = """Verify the commits in a range: the CI authority.

Every commit in the range is judged, by its parent's policy, exactly as the commit-time
hooks would have judged it, so a commit made with --no-verify gains nothing: every bundle
file it adds or changes is valid and complete, promoted records never change (GP500), a
commit that archives bundles carries their trailers with the Pod-Bundle digest recomputed
and changes exactly what its archived diffs say (GP501), and no trailer claims pod work the
commit cannot back. A merge is judged only for what no other parent already had. Exit 1 on
violations, 3 when the range needs history a shallow clone lacks (git fetch --deepen N).

Not yet in this release: squash-merge branches (human edits reported, not refused),
handoff digests against history, and the pre-push, post-commit and post-rewrite hooks."""

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
    raise typer.Exit(command.run(range_, all_, Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "verify")
