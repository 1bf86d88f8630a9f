"""Run git: `--no-pager`, a deliberate environment, and git's failures turned into domain errors."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from git_pods.errors import GitFailed, GitNotFound, NotARepo
from git_pods.record import record

# `git rev-parse --local-env-vars` (git 2.39): variables that point git at one repository.
LOCAL_ENV_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without the variables a hook leaks into child gits."""
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_ENV_VARS}
    env.update(extra or {})
    return env


@record
class Git:
    """git in one folder; `inherit` keeps the caller's GIT_* (a hook working on the staged index)."""

    cwd: Path
    inherit: bool = False

    def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run git; with timeout, a git still running after that many seconds is killed and
        subprocess.TimeoutExpired raised (network commands only)."""
        argv = ["git", "--no-pager", *args]
        base = dict(os.environ) if self.inherit else clean_env()
        base.update(env or {})
        try:
            done = subprocess.run(
                argv, cwd=self.cwd, input=input, capture_output=True, env=base, check=False, timeout=timeout
            )
        except FileNotFoundError:
            raise GitNotFound(
                "git is not installed or not on PATH", hint="install git, or put it on PATH"
            ) from None
        if check and done.returncode != 0:
            raise GitFailed(list(argv), done.returncode, done.stderr.decode("utf-8", "replace"))
        return done


def remote_head(git: Git, remote: str) -> str | None:
    """The branch the remote's HEAD names (`refs/remotes/<remote>/HEAD`, set by clone), or None."""
    done = git.run(["symbolic-ref", "-q", "--short", f"refs/remotes/{remote}/HEAD"], check=False)
    name = done.stdout.decode("utf-8", "replace").strip()
    return name[len(remote) + 1 :] if name.startswith(f"{remote}/") else None


def find_root(start: Path) -> Path | None:
    """The work tree's top folder containing start, or None outside any repository."""
    done = Git(start).run(["rev-parse", "--show-toplevel"], check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))


def require_root(start: Path) -> Path:
    root = find_root(start)
    if root is not None:
        return root
    asked = Git(start).run(["rev-parse", "--is-bare-repository", "--is-inside-git-dir"], check=False)
    bare, inside = ([*asked.stdout.split(), b"", b""])[:2]
    if bare == b"true":
        raise NotARepo(
            f"{start} is a bare repository: it has no work tree for pod files and hooks",
            hint="run the command in a clone with a work tree (git clone this repository)",
        )
    if inside == b"true":
        raise NotARepo(f"{start} is inside the .git folder", hint="run the command from the work tree")
    if root is None:
        raise NotARepo(
            f"{start} is not inside a git repository",
            hint="run the command inside a repository, or `git init` one first",
        )
    return root


def git_dir(start: Path) -> Path | None:
    """The repository's common git folder (shared by worktrees), or None outside a repository."""
    done = Git(start).run(["rev-parse", "--path-format=absolute", "--git-common-dir"], check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))
