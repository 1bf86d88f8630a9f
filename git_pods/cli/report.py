"""git-pod-report: the typer shell for `git pod-report` (velocity, burndown, retro, changelog)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import report as command

app = _shell.new_app()

HELP = """Write velocity, burndown, retrospective and changelog reports.

Computes every figure from history and the pods notes (refs/notes/pods): a patch is
promoted when its promoted event says so, accepted when a commit carrying its Patch-Id
reaches the default branch (squash merges count), delivered when a release tag
(release_tags in .pods/config.yaml, default v*) contains it.

KIND is velocity, burndown, retro, changelog or all (the default). The window is sprint N
of the config's calendar (sprints: start, length_days, timezone), --since/--until dates,
or, without either, the current sprint (all time when there is no calendar). The
changelog always covers all releases.

Markdown goes to reports/ at the repository's top (or --out DIR), each chart as an SVG
file beside it. retrospective.md keeps the answers already written in it. --format html
writes one self-contained page (report.html); --format json prints the numbers behind
every table (to DIR/report.json with --out).

Exit 0: written (unreadable notes or records are warnings); 2: bad option or config;
3: not a repository."""

EXAMPLES = """Examples:

\b
  git pod-report                            # all reports for the current sprint
  git pod-report velocity --sprint 3
  git pod-report burndown --since 2026-01-05 --until 2026-01-16
  git pod-report all --format html --out site/
  git pod-report velocity --format json | jq '.velocity.totals'"""


@app.command(help=HELP, epilog=EXAMPLES)
def report(
    kind: Annotated[
        str | None,
        typer.Argument(
            metavar="KIND", show_default=False, help="velocity, burndown, retro, changelog or all (default)."
        ),
    ] = None,
    sprint: Annotated[
        str | None,
        typer.Option("--sprint", metavar="N", help="Sprint N of the config's calendar.", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Window start: a date (local midnight) or an ISO time.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help="Window end: a date (included) or an ISO time.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Write into this folder (default: reports/; JSON: stdout).",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="md (default), html or json.", show_default=False),
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.Options(
        kind=kind or "all",
        sprint=sprint,
        since=since,
        until=until,
        out=out,
        format=format_ or "md",
        json_mode=json_mode,
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, sys.stderr))


def main() -> NoReturn:
    _shell.main(app, "report")
