"""git-pod-init: the typer shell; the verb is planned, so it refuses with exit 2 for now."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import pending

app = _shell.new_app()

HELP = """Adopt git-pods in this repository: config, prompts, queue, hooks.

Writes .pods/config.yaml (the five default pods), prompts/<pod>.txt, .patches/queue/ and
.gitattributes lines; sets the notes config; installs the native hooks (chaining any hook
already there) or, in a pre-commit framework repository, adds the git-pods hooks there.

Not implemented yet in this release: it exits 2 and changes nothing."""

EXAMPLES = """Examples:

\b
  git pod-init
  git pod-init --uninstall
  git pod-init --ci github"""


@app.command(help=HELP, epilog=EXAMPLES)
def init(
    uninstall: Annotated[
        bool,
        typer.Option("--uninstall", help="Remove what git pod-init installed and restore what was there."),
    ] = False,
    ci: Annotated[
        str | None,
        typer.Option(
            "--ci", metavar="FORGE", help="Also write a CI workflow (github or gitlab).", show_default=False
        ),
    ] = None,
    codeowners: Annotated[
        bool, typer.Option("--codeowners", help="Also write CODEOWNERS from the config's owners.")
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    raise typer.Exit(pending.run("init"))


def main() -> NoReturn:
    _shell.main(app, "init")
