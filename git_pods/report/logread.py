"""The one long read of a report, started as early as possible: a `git log` over every ref but the
notes, drained by a thread, so git walks history while Python is still importing and reading the
config (a report's first 60 ms). Light on purpose: the lean entry starts it before the heavy imports.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from git_pods.errors import GitFailed, GitNotFound
from git_pods.gitio.runner import clean_env

DEFAULT_NOTES_REF = "refs/notes/pods"
TRAILERS = "%(trailers:key=Patch-Id,key=Pod,key=Task,unfold,separator=%x1e)"
# hash, parents, commit time, the subject's first 8 columns (is it a Revert?), the pod trailers
FORMAT = f"--format=%H%x1f%P%x1f%ct%x1f%<(8,trunc)%s%x1f{TRAILERS}"


def log_args(notes_ref: str) -> list[str]:
    args = ["git", "--no-pager", "-c", "log.showSignature=false", "log", "-z", "--no-color", "--no-decorate"]
    return [*args, f"--exclude={notes_ref}", "--exclude=refs/notes/*", "--all", FORMAT]


class LogRead:
    """`git log` running in cwd, its output collected by a thread; output() waits for it."""

    def __init__(self, cwd: Path, notes_ref: str = DEFAULT_NOTES_REF) -> None:
        self.cwd = cwd
        self.notes_ref = notes_ref
        self.argv = log_args(notes_ref)
        self._out = b""
        self._err = b""
        self._missing = False
        self._proc: subprocess.Popen[bytes] | None = None
        try:  # GIT_FLUSH=0: git writes once per commit into a pipe otherwise (FACTS.md)
            self._proc = subprocess.Popen(
                self.argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=clean_env({"GIT_FLUSH": "0"}),
            )
        except FileNotFoundError:
            self._missing = True
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        if self._proc is not None:
            self._out, self._err = self._proc.communicate()

    def output(self) -> bytes:
        """The log's output; GitNotFound or GitFailed when git could not give it."""
        self._thread.join()
        if self._missing or self._proc is None:
            raise GitNotFound("git is not installed or not on PATH", hint="install git, or put it on PATH")
        if self._proc.returncode != 0:
            raise GitFailed(self.argv, self._proc.returncode, self._err.decode("utf-8", "replace"))
        return self._out
