"""git-pod-submit: the typer shell for `git pod-submit` (a queued bundle from a change)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import submit as command

app = _shell.new_app()

HELP = """Make a queued bundle from the working tree's changes (or a diff file).

Writes .patches/queue/<ID>/: patch.diff (the working tree against HEAD, untracked files
included, .patches/ and .logs/ left out; made in a temporary index, so your index is untouched),
thought_trace.yaml, changelog.yaml and handoff_log.yaml, with the patch id (patch_<UTC time>),
the times, the base commit and the handoff's digests filled in. The trace and changelog come
from the options, from --trace/--changelog files (their ids are overwritten), or from your
editor when no summary is given. The pod defaults to the one holding the task in its ledger;
the handoff goes to the pod's first next pod unless --to says otherwise. The bundle is
validated at once; the change stays in your working tree.

A review or blocked answer (--verdict, with --finding and --ran) that changes nothing is the
trace and handoff alone; a blocked one hands back to the pod that sent the task (else to
itself) unless --to says otherwise."""

EXAMPLES = """Examples:

\b
  git pod-submit --task F2.1 --pod dev-pod --summary 'Parse symptom lists' \\
      --step 'Read the parser' --step 'Added a tokenizer' --entry 'added:Comma-separated lists'
  git pod-submit --task F2.1 --pod dev-pod            # summary, steps, entries in $EDITOR
  git pod-submit --task F2.1 --pod qa-pod --summary 'Parser meets its criteria' \\
      --verdict approved --ran 'pytest -q: passed'      # a review that changes nothing
  git pod-submit --task F2.1 --summary 'Need the input format' --verdict blocked \\
      --finding 'Which separators count: commas only, or newlines too?'
  git pod-submit --diff change.diff --trace trace.yaml --changelog changelog.yaml --json"""


def _text(flag: str, metavar: str, about: str) -> object:
    return typer.Option(flag, metavar=metavar, help=about, show_default=False)


@app.command(help=HELP, epilog=EXAMPLES)
def submit(
    task: Annotated[str | None, _text("--task", "ID", "The task id (e.g. F2.1).")] = None,
    pod: Annotated[str | None, _text("--pod", "POD", "The pod that did the work.")] = None,
    summary: Annotated[str | None, _text("--summary", "TEXT", "One line saying what the patch does.")] = None,
    step: Annotated[list[str] | None, _text("--step", "TEXT", "A reasoning step (repeatable).")] = None,
    entry: Annotated[
        list[str] | None,
        _text("--entry", "TYPE:TEXT", "A changelog entry, e.g. fixed:Empty lists (repeatable)."),
    ] = None,
    to: Annotated[str | None, _text("--to", "POD", "The pod the handoff goes to.")] = None,
    reason: Annotated[str | None, _text("--reason", "TEXT", "Why the work goes there.")] = None,
    diff: Annotated[
        str | None, _text("--diff", "FILE", "Take the change from this diff file (- for stdin).")
    ] = None,
    trace: Annotated[str | None, _text("--trace", "FILE", "Start from this thought_trace.yaml.")] = None,
    changelog: Annotated[str | None, _text("--changelog", "FILE", "Start from this changelog.yaml.")] = None,
    agent: Annotated[
        str | None, _text("--agent", "NAME", "The agent (becomes Assisted-by with --model).")
    ] = None,
    model: Annotated[str | None, _text("--model", "NAME", "The model behind the agent.")] = None,
    patch_id: Annotated[
        str | None, _text("--patch-id", "ID", "Use this patch id instead of a fresh one.")
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", help="Open the editor even when --summary is given.")
    ] = False,
    verdict: Annotated[
        str | None,
        _text(
            "--verdict",
            "VERDICT",
            "A review or blocked answer: approved, changes-requested or blocked. With no change in "
            "the working tree the bundle is the trace and handoff alone.",
        ),
    ] = None,
    finding: Annotated[
        list[str] | None,
        _text("--finding", "TEXT", "A review finding, or what a blocked pod needs (repeatable)."),
    ] = None,
    ran: Annotated[
        list[str] | None,
        _text(
            "--ran",
            "COMMAND: RESULT",
            "What was run and its result: passed, failed, error, not-run (repeatable).",
        ),
    ] = None,
    risk: Annotated[list[str] | None, _text("--risk", "TEXT", "A risk the trace names (repeatable).")] = None,
    assumption: Annotated[
        list[str] | None, _text("--assumption", "TEXT", "An assumption the trace names (repeatable).")
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.SubmitOptions(
        task=task,
        pod=pod,
        summary=summary,
        steps=tuple(step or ()),
        entries=tuple(entry or ()),
        to=to,
        reason=reason,
        diff=diff,
        trace=trace,
        changelog=changelog,
        agent=agent,
        model=model,
        patch_id=patch_id,
        edit=edit,
        verdict=verdict,
        findings=tuple(finding or ()),
        ran=tuple(ran or ()),
        risks=tuple(risk or ()),
        assumptions=tuple(assumption or ()),
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "submit")
