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

# A diff git apply reads back whatever the user's diff settings say (noprefix, context, ...).
PLAIN_DIFF = (
    "-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.suppressBlankEmpty=false", "diff", "--cached", "--binary", "--no-color", "--no-ext-diff",
    "--no-textconv", "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "-U3", "--no-renames",
)  # fmt: skip


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
            sha = (
                git.run(["hash-object", "-w", "--stdin", f"--path={path}"], input=data)
                .stdout.decode()
                .strip()
            )
            lines.append(f"{modes.get(path, '100644')} {sha}\t{path}\0")
        try:
            git.run(["update-index", "-z", "--index-info"], input="".join(lines).encode(), env=env)
        except GitFailed as exc:
            raise RepoStateError(f"git refused a path in files/: {exc.stderr.strip()}") from None
        return git.run([*PLAIN_DIFF, commit], env=env).stdout


def _modes(git: Git, commit: str, paths: list[str]) -> dict[str, str]:
    """The base's modes for these paths; a path that is a folder there, or lies under a file
    there, is refused: whole files only add or replace files, never delete a folder."""
    parents = {"/".join(p.split("/")[:n]) for p in paths for n in range(1, p.count("/") + 1)}
    clash = [p for p in paths if any(q.startswith(p + "/") for q in paths)]
    if clash:
        raise RepoStateError(f"files/{clash[0]} is both a file and a folder in the bundle")
    done = git.run(["--literal-pathspecs", "ls-tree", "-z", commit, "--", *paths, *sorted(parents)])
    modes = {}
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        kind = meta.split(" ")[1] if meta.count(" ") >= 2 else ""
        if path in paths and kind == "tree":
            raise RepoStateError(f"files/{path} would replace the folder {path}/ of the base commit")
        if path in parents and kind == "blob":
            raise RepoStateError(f"files/{path}/... would replace the file {path} of the base commit")
        if path in paths and meta.startswith("100"):
            modes[path] = meta.split(" ")[0]
    return modes
