"""Signed commits: fast-import cannot sign, so a commit it wrote is made again with
`git commit-tree -S` (same tree and message), as `git commit` would when commit.gpgSign is set."""

from __future__ import annotations

from git_pods.errors import ConfigError
from git_pods.gitio.runner import Git


def enabled(git: Git) -> bool:
    """commit.gpgSign as git reads it (the last value set wins)."""
    done = git.run(["config", "--type=bool", "--get", "commit.gpgSign"], check=False)
    return done.stdout.decode().strip() == "true"


def signed(git: Git, unsigned: str, parent: str | None, message: bytes) -> str:
    """A signed copy of the commit unsigned (its tree and message) on top of parent; exit 2 with
    the fix when git cannot sign."""
    args = ["commit-tree", "-S", f"{unsigned}^{{tree}}"] + (["-p", parent] if parent else [])
    done = git.run(args, input=message, check=False)
    if done.returncode != 0:
        raise ConfigError(
            "commit.gpgSign is set, but git could not sign the commit: "
            + done.stderr.decode("utf-8", "replace").strip(),
            hint="check user.signingKey and gpg.format (git commit -S shows the same problem), "
            "or turn signing off for this repository: git config commit.gpgSign false",
        )
    return done.stdout.decode().strip()
