"""What every git-pod-<verb> shares: -h, --json, one error handler mapped to exit codes, the crash log."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer

from git_pods.cli import _guard
from git_pods.commands.output import Output

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON (violations as objects).")]


def accept_option(whose: str) -> typer.models.OptionInfo:
    """`--accept TEXT`, repeatable: an acceptance criterion the answer of `whose` is judged against."""
    return typer.Option(  # type: ignore[no-any-return]
        "--accept",
        metavar="TEXT",
        help=f"An acceptance criterion {whose} answer is judged against (repeatable).",
        show_default=False,
    )


def new_app() -> typer.Typer:
    """A single-command typer app with git-pods' conventions."""
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings=CONTEXT,
    )


def output(verb: str, json_mode: bool) -> Output:
    return _guard.output(verb, json_mode)


def main(app: typer.Typer, verb: str, argv: Sequence[str] | None = None) -> NoReturn:
    """Run one verb through typer and exit with the contract's code (see _guard)."""
    args = list(sys.argv[1:] if argv is None else argv)

    def body() -> int:
        typer.main.get_command(app).main(args=args, prog_name=f"git pod-{verb}", standalone_mode=True)
        return 0  # pragma: no cover - click always exits in standalone mode

    _guard.guarded(verb, args, body)
