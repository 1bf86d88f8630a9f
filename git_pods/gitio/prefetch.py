"""git processes a hook starts first, so they run while Python imports the checks (two cores).

Only `subprocess` is imported here: a hook calls this before anything heavy, then collects the
output when it needs it. The processes inherit the hook's environment (GIT_INDEX_FILE and all).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

RECORD_PATHSPECS = (".pods", ".patches", ".logs")


def start(
    args: Sequence[str], cwd: Path, *, feed: bool = False, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`git --no-pager ARGS` in cwd, output captured (and stdin a pipe when feed); env replaces
    the inherited environment (a report's clean one), else the hook's own is kept."""
    try:
        return subprocess.Popen(
            ["git", "--no-pager", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except FileNotFoundError:
        from git_pods.errors import GitNotFound

        raise GitNotFound("git is not installed or not on PATH", hint="put git on PATH") from None


def amending() -> bool:
    """Whether the commit being made replaces HEAD (`git commit --amend`): its parent is then HEAD^.

    git tells hooks nothing about it; the installed hook passes GIT_PODS_AMEND, found from the
    command line of the git that runs it. Without it (the pre-commit framework), look up the
    ancestors' command lines (Linux /proc; elsewhere the answer is "no", and verify decides).
    """
    flag = os.environ.get("GIT_PODS_AMEND")
    if flag is not None:
        return flag == "1"
    pid = os.getppid()
    for _ in range(4):  # git -> hook script -> pre-commit -> this
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_bytes()
        except OSError:  # no /proc (macOS, BSD): ask ps about the parent only
            return pid == os.getppid() and _ps_amend(pid)
        if os.path.basename(argv[0]) in (b"git", b"git.exe") and b"commit" in argv:
            return any(len(a) >= 4 and b"--amend".startswith(a) for a in argv)
        pid = int(stat.rsplit(b")", 1)[1].split()[1])
    return False


def _ps_amend(pid: int) -> bool:
    try:
        done = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, check=False)
    except OSError:
        return False
    return any(len(a) >= 4 and b"--amend".startswith(a) for a in done.stdout.split())


class Prefetch:
    """What a commit hook reads about the staged state, requested all at once."""

    def __init__(self, cwd: Path, pathspecs: Sequence[str], *, entries: bool, tree: bool) -> None:
        self.cwd = cwd
        self.specs = ["--", *pathspecs]
        self.base = "HEAD^" if amending() else "HEAD"  # the new commit's parent
        parent = f"{self.base}^{{commit}}"
        where = ["rev-parse", "--path-format=absolute", "--git-common-dir"]
        self.head = start([*where, "-q", "--verify", parent], cwd)
        self.diff = start(self.diff_args(self.base), cwd)
        self.listing = start(["ls-files", "-s", "-z", *self.specs], cwd) if entries else None
        self.tree = start(["write-tree"], cwd) if tree else None
        self.batch: subprocess.Popen[bytes] | None = start(["cat-file", "--batch"], cwd, feed=True)

    def take_batch(self) -> subprocess.Popen[bytes] | None:
        """The waiting `git cat-file --batch`, for one use."""
        batch, self.batch = self.batch, None
        return batch

    def diff_args(self, base: str) -> list[str]:
        return ["diff-index", "--cached", "-z", "--no-renames", "--name-status", base, *self.specs]

    def close(self) -> None:
        """Reap whatever was not collected (an early exit), so no child outlives the hook."""
        for proc in (self.head, self.diff, self.listing, self.tree, self.batch):
            if proc is not None and proc.returncode is None:
                proc.communicate()


def start_for(hook: str, cwd: Path) -> Prefetch | None:
    """The prefetch a hook needs: pre-commit reads the whole record, commit-msg only the archive."""
    if hook == "pre-commit":
        return Prefetch(cwd, RECORD_PATHSPECS, entries=True, tree=True)
    if hook == "commit-msg":
        return Prefetch(cwd, (".patches", ".logs"), entries=False, tree=False)
    return None
