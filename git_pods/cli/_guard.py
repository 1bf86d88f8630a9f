"""The one error handler every git-pod-<verb> runs under, without typer: contract exit codes for
git-pods' errors, 130 for Ctrl-C, exit 5 with a crash log for a bug (never a bare traceback)."""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from git_pods import __version__
from git_pods.commands.output import Output
from git_pods.errors import ExitCode, GitPodsError, RepoStateError


class Interrupted(Exception):
    """Ctrl-C, raised from the signal handler so click passes it through; exits 130."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


def output(verb: str, json_mode: bool) -> Output:
    return Output(sys.stdout, sys.stderr, json_mode=json_mode, command=verb)


def guarded(verb: str, args: Sequence[str], body: Callable[[], int]) -> NoReturn:
    """Run body (which returns an exit code, or exits itself) and exit with the contract's code."""
    json_mode = "--json" in args
    for stream in (sys.stdout, sys.stderr):  # file names may hold bytes that are not UTF-8
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    signal.signal(signal.SIGINT, _interrupt)
    try:
        _require_cwd()
        code = body()
    except Interrupted:
        sys.stderr.write(f"git pod-{verb}: interrupted\n")
        sys.exit(130)
    except GitPodsError as exc:
        output(verb, json_mode).error(exc)
        sys.exit(int(exc.exit_code))
    except Exception as exc:  # the one handler: a bug is exit 5, never a bare traceback
        from git_pods.crash import write_crash_log  # here: platform, tempfile, traceback cost 15 ms

        log = write_crash_log(f"git pod-{verb}", list(args))
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
    sys.exit(code)


def _require_cwd() -> None:
    try:
        Path.cwd()
    except FileNotFoundError:
        raise RepoStateError(
            "the current folder no longer exists", hint="cd into the repository again"
        ) from None
