"""git-pod-promote: the typer shell for `git pod-promote` (queued bundles become commits)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import promote as command

app = _shell.new_app()

HELP = """Turn queued bundles into commits with trailers.

Each bundle in .patches/queue/ is validated with the policy at the target branch's tip
(schemas, ids, handoff digests, path policy, hostile diffs, secrets), its diff is applied in a
temporary index, and the code with
.patches/<ID>.diff and .logs/<ID>/ is committed as one commit with
the Pod, Task, Patch-Id, Pod-Bundle and Assisted-by trailers, on the task's branch pods/<task>
(created at the task ledger's base commit, else HEAD) or on --onto BRANCH. Your working tree
and index are never touched, unless the target branch is checked out: then it must be clean,
and it is brought up to the new commit. All branches and the notes (a `promoted` event per
commit) move in one transaction, then the bundles leave the queue.

A bundle that breaks a rule moves to .patches/rejected/<ID>/ with reason.yaml (exit 1); a diff
that does not apply stays queued and the output names the file, hunk and expected lines
(exit 4); the other bundles go on, and the exit code is the largest. One promote runs at a
time (exit 3 when another holds the lock, unless --wait); if a promote is killed, running it
again finishes the work without committing anything twice."""

EXAMPLES = """Examples:

\b
  git pod-promote --all
  git pod-promote patch_20250419_123456 --dry-run
  git pod-promote patch_20250419_123456 --onto main --signoff
  git pod-promote --all --3way --json
  git pod-promote --all --fetch --push             # a second clone: build on what the team pushed"""


@app.command(help=HELP, epilog=EXAMPLES)
def promote(
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="ID", show_default=False, help="Patch ids to promote (in queue order)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Promote every queued bundle, in queue order.")] = False,
    onto: Annotated[
        str | None,
        typer.Option(
            "--onto",
            metavar="BRANCH",
            help="Commit on top of BRANCH (created from HEAD if missing) instead of pods/<task>.",
            show_default=False,
        ),
    ] = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Then push the task branches and the notes (git pod-sync) and open or update each "
            "branch's pull request (gh or glab).",
        ),
    ] = False,
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch",
            help="First fetch the remote's task branches (pods/*), so a branch another clone moved "
            "on is built on, never forked.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and build everything, change nothing.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another promote's lock instead of exiting 3.")
    ] = False,
    signoff: Annotated[
        bool, typer.Option("--signoff", help="Add a Signed-off-by trailer for you, the promoting human.")
    ] = False,
    three_way: Annotated[
        bool, typer.Option("--3way", help="Fall back to a three-way merge when a diff does not apply.")
    ] = False,
    recount: Annotated[
        bool,
        typer.Option("--recount", help="Ignore wrong hunk counts (opt-in: also accepts a truncated diff)."),
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.PromoteOptions(
        ids=tuple(ids or ()),
        all=all_,
        onto=onto,
        dry_run=dry_run,
        wait=wait,
        three_way=three_way,
        recount=recount,
        signoff=signoff,
        push=push,
        fetch=fetch,
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "promote")
