"""git-pod-intake: the typer shell for `git pod-intake` (downloads into the queue)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import intake as command

app = _shell.new_app()

HELP = """Move downloaded bundle files into the queue.

Groups flat downloads into .patches/queue/<ID>/ by the patch id the logs name: the seeds'
patch_<ID>.diff, thought_trace.yaml, changelog.yaml and handoff_log.yaml, also with browser
suffixes (changelog (1).yaml), an added .txt, inside a .zip, or as Markdown logs with YAML
front matter (thought_trace.md, changelog.md). Identical copies are fine; different candidates
for one file, or a set missing a file, are refused and left where they are. Each bundle is
written, read back, then renamed into the queue in one step, and only then are its downloads
removed: an interruption never loses a file. The queued bundle is validated at once.

A zip may carry whole files (files/<path>) instead of a diff: they become patch.diff against
the base commit the trace names (else HEAD), built in a temporary index."""

EXAMPLES = """Examples:

\b
  git pod-intake ~/Downloads
  git config pods.downloads ~/Downloads && git pod-intake
  git pod-intake --dry-run --json"""


@app.command(help=HELP, epilog=EXAMPLES)
def intake(
    directory: Annotated[
        str | None,
        typer.Argument(
            metavar="DIR",
            show_default=False,
            help="Where the downloads are (default: git config pods.downloads).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be queued; change nothing.")
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.IntakeOptions(directory=directory, dry_run=dry_run)
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "intake")
