"""The long reads of a report, started as early as possible: two `git log`s over every ref but the
notes, each drained by a thread, so git walks history while Python is still importing and reading
the config (a report's first 60 ms). Light on purpose: the lean entry starts them before the heavy
imports."""

from __future__ import annotations

import threading
from pathlib import Path

from git_pods.errors import GitFailed
from git_pods.gitio.prefetch import start
from git_pods.gitio.runner import clean_env

DEFAULT_NOTES_REF = "refs/notes/pods"
# hash, parents, commit time, the subject's first 8 columns (is it a Revert?)
FORMAT = "--format=%H%x1f%P%x1f%ct%x1f%<(8,trunc)%s"
# the messages of commits that name a patch anywhere (a squash merge's message holds one paragraph
# of trailers per squashed commit, and forges may put Co-authored-by lines after them)
CLAIMS = ["--regexp-ignore-case", "--extended-regexp", "--grep=^Patch-Id:", "--format=%H%x1f%B"]


def log_args(notes_ref: str, *extra: str) -> list[str]:
    args = ["-c", "log.showSignature=false", "log", "-z", "--no-color", "--no-decorate"]
    return [*args, f"--exclude={notes_ref}", "--exclude=refs/notes/*", "--all", *extra]


class _Run:
    """One git process (started by the hooks' own early start), its output collected by a thread:
    a log's output is far larger than a pipe holds, so git would stall until it was read."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.args = args
        self.out = b""
        self.err = b""
        # GIT_FLUSH=0: git writes once per commit into a pipe otherwise (FACTS.md)
        self.proc = start(args, cwd, env=clean_env({"GIT_FLUSH": "0"}))
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        self.out, self.err = self.proc.communicate()

    def output(self) -> bytes:
        self.thread.join()
        if self.proc.returncode != 0:
            raise GitFailed(["git", *self.args], self.proc.returncode, self.err.decode("utf-8", "replace"))
        return self.out

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.thread.join()


class LogRead:
    """The two logs a report reads, running in cwd: every commit's parents and time, and the
    messages of the commits that name a patch. output() waits for both."""

    def __init__(self, cwd: Path, notes_ref: str = DEFAULT_NOTES_REF) -> None:
        self.cwd = cwd
        self.notes_ref = notes_ref
        self._graph = _Run(log_args(notes_ref, FORMAT), cwd)
        self._claims = _Run(log_args(notes_ref, *CLAIMS), cwd)

    def output(self) -> tuple[bytes, bytes]:
        """(graph, claims); GitNotFound or GitFailed when git could not give them."""
        return self._graph.output(), self._claims.output()

    def close(self) -> None:
        """Stop what still runs (a command that failed before it needed the history)."""
        self._graph.close()
        self._claims.close()
