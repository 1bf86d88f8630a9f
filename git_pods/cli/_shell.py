"""What every git-pod-<verb> shares: -h, --json, one error handler mapped to exit codes, the crash log."""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer

from git_pods import __version__
from git_pods.commands.output import Output
from git_pods.crash import write_crash_log
from git_pods.errors import ExitCode, GitPodsError, RepoStateError

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON (violations as objects).")]


class Interrupted(Exception):
    """Ctrl-C, raised from the signal handler so click passes it through; main exits 130."""


def new_app() -> typer.Typer:
    """A single-command typer app with git-pods' conventions."""
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings=CONTEXT,
    )


def output(verb: str, json_mode: bool) -> Output:
    return Output(sys.stdout, sys.stderr, json_mode=json_mode, command=verb)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


def main(app: typer.Typer, verb: str, argv: Sequence[str] | None = None) -> NoReturn:
    """Run one verb and exit with the contract's code; a bug is exit 5 with a crash log."""
    args = list(sys.argv[1:] if argv is None else argv)
    json_mode = "--json" in args
    for stream in (sys.stdout, sys.stderr):  # file names may hold bytes that are not UTF-8
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    signal.signal(signal.SIGINT, _interrupt)
    try:
        _require_cwd()
        typer.main.get_command(app).main(args=args, prog_name=f"git pod-{verb}", standalone_mode=True)
    except Interrupted:
        sys.stderr.write(f"git pod-{verb}: interrupted\n")
        sys.exit(130)
    except GitPodsError as exc:
        output(verb, json_mode).error(exc)
        sys.exit(int(exc.exit_code))
    except Exception as exc:  # the one handler: a bug is exit 5, never a bare traceback
        log = write_crash_log(f"git pod-{verb}", args)
        sys.stderr.write(
            f"git pod-{verb}: internal error (a bug in git-pods {__version__}): "
            f"{type(exc).__name__}: {exc}\n"
            + (
                f"    crash log: {log}\n    please report it with that file\n"
                if log
                else "    (no crash log could be written)\n"
            )
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(0)  # pragma: no cover - click always exits in standalone mode


def _require_cwd() -> None:
    try:
        Path.cwd()
    except FileNotFoundError:
        raise RepoStateError(
            "the current folder no longer exists", hint="cd into the repository again"
        ) from None
