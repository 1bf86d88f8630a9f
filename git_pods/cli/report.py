"""git-pod-report: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Write velocity, burndown, retrospective and changelog reports.

Computes the reports from git notes and history, with SVG charts.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-report all --sprint 3
  git pod-report velocity --format json"""


@app.command(help=HELP, epilog=EXAMPLES)
def report(
    kind: Annotated[
        str | None,
        typer.Argument(
            metavar="KIND", show_default=False, help="velocity, burndown, retro, changelog or all."
        ),
    ] = None,
    sprint: Annotated[
        str | None, typer.Option("--sprint", metavar="N", help="The sprint number.", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Start date.", show_default=False)
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="End date.", show_default=False)
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", metavar="DIR", help="Write the reports to this folder.", show_default=False),
    ] = None,
    format_: Annotated[
        str | None, typer.Option("--format", metavar="FORMAT", help="md, html or json.", show_default=False)
    ] = None,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("report"))


def main() -> NoReturn:
    _shell.main(app, "report")
