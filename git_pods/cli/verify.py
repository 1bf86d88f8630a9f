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
hooks would have judged it, so a commit made with --no-verify gains nothing:

\b
- every bundle file it adds or changes is valid and complete;
- promoted records never change or disappear (GP500);
- a commit that archives bundles carries their trailers, the Pod-Bundle digest recomputed,
  and changes exactly what their diffs say applied to its parent in queue order (GP501;
  on a branch in policy.squash_merge, further changes are human edits: GP502, a warning);
- no trailer claims pod work the commit cannot back;
- a handoff recorded in a task ledger matches the patch's files (GP503).

A merge is judged only for what no other parent already had. History is read in a few
batched git calls, never a process per commit. --all covers every branch, tag and
remote-tracking branch (not notes or git-pods' scratch refs).

Exit 0: all good (warnings may be printed); 1: violations; 2: bad usage; 3: the range needs
history this clone lacks (a shallow CI clone: git fetch --deepen N, or fetch-depth: 0)."""

EXAMPLES = """Examples:

\b
  git pod-verify --range origin/main..HEAD
  git pod-verify --all --json
  git pod-verify --range "$BASE..$HEAD" --annotate github   # in GitHub Actions
  pre-commit run --hook-stage manual pod-verify              # the framework's entry"""


@app.command(help=HELP, epilog=EXAMPLES)
def verify(
    range_: Annotated[
        str | None,
        typer.Option("--range", metavar="A..B", help="The commits to verify (A..B).", show_default=False),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify the whole history.")] = False,
    annotate: Annotated[
        str | None,
        typer.Option(
            "--annotate",
            metavar="github|gitlab",
            help="Also mark the failing files for CI: github prints workflow commands; gitlab writes "
            "gl-code-quality-report.json (a Code Quality report).",
            show_default=False,
        ),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(command.run(range_, all_, Path.cwd(), sys.stdout, json_mode, annotate))


def main() -> NoReturn:
    _shell.main(app, "verify")
