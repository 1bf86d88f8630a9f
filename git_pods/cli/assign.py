"""git-pod-assign: the typer shell for `git pod-assign` (ledger, commit, prompt)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import assign as command

app = _shell.new_app()

HELP = """Assign a task to a pod and print its structured prompt.

Writes the task's ledger .pods/tasks/<TASK>.yaml (an earlier assignment moves into its
history) and commits that file alone on your branch, with an `assigned` event in git notes;
the rest of your index and working tree stay as they are. Then prints the prompt (or writes
it to --out): the pod's template from prompts/, the packet, each input file fenced with its
path and the commit it was read at, and how to answer (the four files, the patch id to use,
the base commit, the smallest valid bundle).

A task that already has a branch pods/<TASK> (here, or the configured remote's copy after a
fetch) is assigned on that branch's tip, whatever you have checked out: the base commit, the
input files and the answer format come from there, and the prompt shows the work so far (each
earlier patch's summary, changelog, risks, handoff and diff, and the files they changed as the
tip has them) within limits.prompt_history_bytes (96 KiB by default; the largest items are cut
first, each named with the git show command that prints it). The task's input files and
acceptance criteria carry over to later assignments.

Nothing in the prompt is substituted: braces, $ and template syntax come out as written.
Input files must be inside the repository (no absolute paths, no '..', no links leading
out), not ignored by git, and not likely secrets (.env, keys, tokens) unless --allow-secret
names them; a refused file's content is never printed. The prompt has a size budget
(limits.prompt_max_bytes, 256 KiB by default)."""

EXAMPLES = """Examples:

\b
  git pod-assign --to qa-pod --task F2.1 --input-file src/models/agent/concussion_agent.py \\
      --instructions 'Focus on edge case symptoms and return-to-play stage transitions'
  git pod-assign --to dev-pod --task BUG-7 --goal 'Fix the crash on empty input' --out prompt.txt
  git pod-assign --to dev-pod --task F2.2 --goal 'Stage return-to-play' \\
      --accept 'stage() never skips a stage' --accept 'tests cover an empty symptom list'
  git pod-assign --from F2.1                  # the pod the task's latest handoff names
  git pod-assign --from patch_20250419_123456 # ... or a promoted bundle's handoff log"""


@app.command(help=HELP, epilog=EXAMPLES)
def assign(
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="POD", help="The pod that takes the task.", show_default=False),
    ] = None,
    task: Annotated[
        str | None, typer.Option("--task", metavar="ID", help="The task id (F2.1).", show_default=False)
    ] = None,
    goal: Annotated[
        str | None,
        typer.Option("--goal", metavar="TEXT", help="What the pod should achieve.", show_default=False),
    ] = None,
    input_file: Annotated[
        list[str] | None,
        typer.Option(
            "--input-file", metavar="PATH", help="A file the pod reads (repeatable).", show_default=False
        ),
    ] = None,
    instructions: Annotated[
        str | None,
        typer.Option("--instructions", metavar="TEXT", help="How to go about it.", show_default=False),
    ] = None,
    accept: Annotated[list[str] | None, _shell.accept_option("the pod's")] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", metavar="FILE", help="Write the prompt to this file.", show_default=False),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SOURCE",
            help="Assign the pod the latest handoff names: a handoff_log.yaml or ledger file, a patch id, "
            "or a task id; its reason and acceptance notes go into the packet.",
            show_default=False,
        ),
    ] = None,
    no_commit: Annotated[
        bool, typer.Option("--no-commit", help="Write the ledger without committing it.")
    ] = False,
    allow_secret: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-secret",
            metavar="PATH",
            help="Let this input file in although it looks secret or is ignored (repeatable).",
            show_default=False,
        ),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.AssignOptions(
        to=to,
        task=task,
        goal=goal,
        input_files=tuple(input_file or ()),
        instructions=instructions,
        accept=tuple(accept or ()),
        out=out,
        no_commit=no_commit,
        allow_secret=tuple(allow_secret or ()),
        source=from_,
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, sys.stderr, json_mode))


def main() -> NoReturn:
    _shell.main(app, "assign")
