"""Whole files into a diff: what chat models that cannot write exact diffs send (`files/<path>`).

The files are laid over the base commit in a temporary index (never the user's), and git
writes the diff, binary-safe, exactly as `git diff --cached --binary BASE` would.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from git_pods.errors import GitFailed, RepoStateError
from git_pods.gitio.runner import Git, git_dir


def diff_from_files(root: Path, base: str, files: Mapping[str, bytes]) -> bytes:
    """The unified diff taking base to base-with-these-files; modes kept for files base has."""
    for path in files:
        parts = path.split("/")
        if path.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0].lower() == ".git":
            raise RepoStateError(f"files/{path} is not a path inside the repository")
    git = Git(root)
    found = git.run(["rev-parse", "-q", "--verify", f"{base}^{{commit}}"], check=False)
    if found.returncode != 0:
        raise RepoStateError(
            f"the base commit {base} is not in this repository",
            hint="fetch it (git fetch), or remove base_commit so the bundle is made against HEAD",
        )
    commit = found.stdout.decode().strip()
    folder = git_dir(root) or root / ".git"
    with tempfile.TemporaryDirectory(prefix="pods-files-", dir=folder) as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git.run(["read-tree", commit], env=env)
        modes = _modes(git, commit, list(files))
        lines = []
        for path, data in sorted(files.items()):
            sha = git.run(["hash-object", "-w", "--stdin"], input=data).stdout.decode().strip()
            lines.append(f"{modes.get(path, '100644')} {sha}\t{path}\0")
        try:
            git.run(["update-index", "-z", "--index-info"], input="".join(lines).encode(), env=env)
        except GitFailed as exc:
            raise RepoStateError(f"git refused a path in files/: {exc.stderr.strip()}") from None
        args = ["-c", "core.quotePath=false", "diff", "--cached", "--binary", "--no-color", "--no-ext-diff"]
        return git.run([*args, "--no-renames", commit], env=env).stdout


def _modes(git: Git, commit: str, paths: list[str]) -> dict[str, str]:
    if not paths:
        return {}
    done = git.run(["--literal-pathspecs", "ls-tree", "-z", commit, "--", *paths])
    modes = {}
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        if path and meta.startswith("100"):
            modes[path] = meta.split(" ")[0]
    return modes
