"""Helpers for promote tests: a pods repository, bundles made from real diffs, and what history holds."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from helpers import Result, cli, git

TRACE = """\
patch_id: {patch_id}
pod: {pod}
task_id: {task}
summary: {summary}
steps:
  - Made the change
"""
CHANGELOG = """\
patch_id: {patch_id}
pod: {pod}
task_id: {task}
entries:
  - type: changed
    description: {summary}
"""


COMMA_DIFF = """\
diff --git a/src/parser.py b/src/parser.py
--- a/src/parser.py
+++ b/src/parser.py
@@ -1,2 +1,2 @@
 def parse(text):
-    return [text]
+    return [t.strip() for t in text.split(',')]
"""  # the first change most tests make to pods_repo's parser


def pods_repo(root: Path) -> Path:
    """A repository with `git pod-init` done and committed, and a small source tree."""
    (root / "src").mkdir(exist_ok=True)
    (root / "src/parser.py").write_text("def parse(text):\n    return [text]\n")
    (root / "README.md").write_text("# demo\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    done = cli(root, "init")
    assert done.code == 0, done.text
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "adopt git-pods")
    return root


def bundle(
    root: Path,
    patch_id: str,
    diff: bytes | str,
    *,
    pod: str = "dev-pod",
    task: str = "F2.1",
    to: str | None = None,
    summary: str = "Change the parser",
    digests: bool = True,
) -> Path:
    """A queued bundle around a diff, with handoff digests that match it."""
    folder = root / ".patches" / "queue" / patch_id
    folder.mkdir(parents=True, exist_ok=True)
    raw = diff.encode("utf-8") if isinstance(diff, str) else diff
    trace = TRACE.format(patch_id=patch_id, pod=pod, task=task, summary=summary).encode()
    changelog = CHANGELOG.format(patch_id=patch_id, pod=pod, task=task, summary=summary).encode()
    target = to or {"dev-pod": "qa-pod", "qa-pod": "delivery-pod"}.get(pod, "dev-pod")
    handoff = f"from: {pod}\nto: {target}\nreason: Ready\nrelated_patch: {patch_id}.diff\n"
    if digests:
        handoff += "digests:\n" + "".join(
            f"  {name}: sha256:{hashlib.sha256(data).hexdigest()}\n"
            for name, data in (
                ("patch.diff", raw),
                ("thought_trace.yaml", trace),
                ("changelog.yaml", changelog),
            )
        )
    (folder / "patch.diff").write_bytes(raw)
    (folder / "thought_trace.yaml").write_bytes(trace)
    (folder / "changelog.yaml").write_bytes(changelog)
    (folder / "handoff_log.yaml").write_text(handoff)
    return folder


def diff_of_change(root: Path, change: callable) -> tuple[bytes, str]:  # type: ignore[valid-type]
    """Make a change in the work tree, return (git diff --binary -M of it, the tree it makes),
    then put the work tree back as it was. The tree is what a promote must reproduce."""
    change(root)
    git(root, "add", "-A", "--", ".", ":!.patches", ":!.logs")
    raw = subprocess.run(
        ["git", "-c", "core.quotePath=false", "diff", "--cached", "--binary", "-M", "--no-color"]
        + ["--no-ext-diff"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    tree = git(root, "write-tree").strip()
    git(root, "reset", "-q", "--hard", "HEAD")
    git(root, "clean", "-q", "-fd", "--", ".", ":!.patches")
    return raw, tree


def promote(root: Path, *args: str) -> Result:
    return cli(root, "promote", *args)


def code_tree(root: Path, rev: str) -> str:
    """The tree of rev without git-pods' archive and queue: what the change itself made."""
    listing = git(root, "ls-tree", "-r", "--full-tree", rev)
    kept = [
        line
        for line in listing.splitlines()
        if not line.split("\t", 1)[1].startswith((".patches/", ".logs/"))
    ]
    return "\n".join(sorted(kept))


def patch_ids_in_history(root: Path) -> list[str]:
    """Every Patch-Id trailer on every commit of every branch (duplicates kept)."""
    out = git(root, "log", "--all", "--format=%(trailers:key=Patch-Id,valueonly)", "--", ".")
    return sorted(line.strip() for line in out.splitlines() if line.strip())


def refs(root: Path) -> str:
    """Every ref and where it points (what must not change when a promote refuses)."""
    return git(root, "for-each-ref", "--format=%(refname) %(objectname)")


def events(root: Path, rev: str) -> list[str]:
    done = subprocess.run(
        ["git", "notes", "--ref=pods", "show", rev], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout.splitlines() if done.returncode == 0 else []


IDENTITY = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Lead",
    "GIT_AUTHOR_EMAIL": "lead@example.com",
    "GIT_COMMITTER_NAME": "Test Lead",
    "GIT_COMMITTER_EMAIL": "lead@example.com",
}


def pods_template(factory: pytest.TempPathFactory, **config: str) -> Path:
    """One adopted repository for a module-scoped fixture (the autouse identity fixture is
    function-scoped, so the same settings are applied here); tests copy it and work in the copy."""
    top = factory.mktemp("template")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**IDENTITY, "HOME": str(top / "home")}.items():
            patch.setenv(name, value)
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            patch.delenv(name, raising=False)
        root = top / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        for key, value in config.items():
            git(root, "config", key.replace("_", "."), value)
        return pods_repo(root)


def ssh_signing(root: Path, folder: Path, key_name: str = "key") -> Path:
    """commit.gpgSign on with a fresh ssh key (skips the test when ssh-keygen is missing)."""
    import shutil

    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is needed to sign with an ssh key")
    key = folder / key_name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    git(root, "config", "gpg.format", "ssh")
    git(root, "config", "user.signingkey", str(key))
    git(root, "config", "commit.gpgSign", "true")
    return key
