"""Locks: git-pods' own (a kernel lock, freed when its holder dies) and git's `*.lock` files, which
go stale when git is killed and are reported, never removed behind the user's back."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from git_pods.errors import RepoStateError

_UNABLE = re.compile(r"Unable to create '([^']+\.lock)': File exists")


class Held(RepoStateError):
    """Another git-pods process holds the lock."""


class ProcessLock:
    """An exclusive lock on a file under the common git folder (shared by worktrees).

    `flock` (`msvcrt.locking` on Windows) belongs to the open file: the kernel releases it
    when the process exits, however it exits, so a killed promote never leaves it stale.
    """

    def __init__(self, path: Path, what: str, *, wait: bool) -> None:
        self.path = path
        self.what = what
        self.wait = wait
        self.fd: int | None = None

    def __enter__(self) -> ProcessLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                if not self.wait:
                    raise Held(
                        f"another {self.what} is running in this repository ({_holder(fd)})",
                        hint="wait for it to finish, or run again with --wait to queue behind it",
                        file=str(self.path),
                    )
                sys.stderr.write(f"waiting for another {self.what} to finish ({_holder(fd)})...\n")
                _lock_blocking(fd)
            mark = f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}\n".encode()
            os.pwrite(fd, mark, 0)  # then cut what an earlier holder left: never empty in between
            os.ftruncate(fd, len(mark))
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock; the file stays for the next run
            self.fd = None


def _holder(fd: int) -> str:
    """Who holds the lock, as its holder wrote it; a holder that has just taken a fresh lock file
    gets a moment to write its pid."""
    for _attempt in range(40):
        try:
            text = os.pread(fd, 200, 0).decode("ascii", "replace").strip()
        except OSError:
            return "holder unknown"
        if text:
            return text
        time.sleep(0.005)
    return "holder unknown"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock_blocking(fd: int) -> None:
        while not _try_lock(fd):
            time.sleep(0.1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock_blocking(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)


class StaleGitLock(RepoStateError):
    """A git `*.lock` file is in the way: a git command is running, or one was killed."""


def git_lock_error(path: Path) -> StaleGitLock:
    """The exit-3 report for a git lock file: which file, how old, how to remove it."""
    try:
        age = _age(time.time() - path.stat().st_mtime)
    except OSError:
        age = "age unknown"
    return StaleGitLock(
        f"git's lock file is there ({age}): another git command is running, or one was killed",
        hint=f"if no git command is running in this repository, remove it: rm '{path}'",
        file=str(path),
    )


def check_git_locks(paths: Iterable[Path]) -> None:
    """Refuse to start while any of git's lock files that this work needs is present."""
    for path in paths:
        if path.exists():
            raise git_lock_error(path)


def lock_in_stderr(stderr: str) -> Path | None:
    """The lock file a failing git command names ("Unable to create '...lock': File exists")."""
    found = _UNABLE.search(stderr)
    return Path(found.group(1)) if found else None


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} seconds old"
    if seconds < 7200:
        return f"{int(seconds // 60)} minutes old"
    if seconds < 172800:
        return f"{int(seconds // 3600)} hours old"
    return f"{int(seconds // 86400)} days old"
