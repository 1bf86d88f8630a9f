"""Bundles applied together: a run of bundles with disjoint paths becomes the same commits, one per
bundle and byte for byte, as applying them one at a time; a failing or overlapping bundle is
taken alone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import git
from promoting import bundle, code_tree, diff_of_change, events, patch_ids_in_history, pods_repo, promote

BRANCH = "pods/F2.1"


def _prepare(root: Path) -> None:
    git(root, "config", "core.autocrlf", "false")
    (root / "data").mkdir()
    (root / "data/old.txt").write_text("".join(f"line {n}\n" for n in range(30)))
    (root / "data/gone.txt").write_text("bye\n")
    (root / "data/logo.bin").write_bytes(bytes(range(256)) * 4)
    (root / "data/run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "data/dos.txt").write_bytes(b"one\r\ntwo\r\n")
    os.symlink("old.txt", root / "data/link")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")


CHANGES = {
    "patch_01": lambda r: (r / "src/parser.py").write_text("def parse(text):\n    return text.split(',')\n"),
    "patch_02": lambda r: (r / "data/gone.txt").unlink(),
    "patch_03": lambda r: os.rename(r / "data/old.txt", r / "data/renamed.txt"),
    "patch_04": lambda r: (r / "data/logo.bin").write_bytes(bytes(range(255, -1, -1)) * 4),
    "patch_05": lambda r: os.chmod(r / "data/run.sh", 0o755),
    "patch_06": lambda r: (r / "data/dos.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n"),
    "patch_07": lambda r: ((r / "data/link").unlink(), os.symlink("dos.txt", r / "data/link")),
    "patch_08": lambda r: (r / "docs").mkdir() or (r / "docs/café notes.md").write_text("# notes\n"),
    "patch_09": lambda r: (r / "data/new.bin").write_bytes(b"\x00\x01binary\xff"),
}


def _expected_trees(root: Path, diffs: list[bytes], tmp_path: Path) -> list[str]:
    """The tree after each diff, applied one at a time by git itself in a scratch index."""
    env = dict(os.environ, GIT_INDEX_FILE=str(tmp_path / "expected.index"))
    subprocess.run(["git", "read-tree", "HEAD"], cwd=root, env=env, check=True)
    trees = []
    for raw in diffs:
        subprocess.run(["git", "apply", "--cached"], cwd=root, env=env, input=raw, check=True)
        trees.append(subprocess.run(["git", "write-tree"], cwd=root, env=env, capture_output=True, text=True,
                                    check=True).stdout.strip())  # fmt: skip
    return trees


def test_a_run_of_every_kind_makes_the_commits_one_at_a_time_would(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pods_repo(repo)
    _prepare(root)
    head = git(root, "rev-parse", "HEAD").strip()
    diffs = []
    for patch_id, change in CHANGES.items():
        raw, _tree = diff_of_change(root, change)
        diffs.append(raw)
        bundle(root, patch_id, raw)
    expected = _expected_trees(root, diffs, tmp_path)
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    result = promote(root, "--all")

    monkeypatch.delenv("GIT_TRACE")
    assert result.code == 0, result.text
    assert f"{len(CHANGES)} bundles: {len(CHANGES)} promoted" in result.out
    applies = [line for line in trace.read_text().splitlines() if "built-in: git apply" in line]
    assert len(applies) == 1  # the disjoint bundles went in one run
    commits = git(root, "rev-list", "--reverse", f"{head}..{BRANCH}").split()
    assert len(commits) == len(CHANGES)
    for n, (commit, patch_id) in enumerate(zip(commits, CHANGES, strict=True)):
        assert code_tree(root, commit) == code_tree(root, expected[n]), patch_id
        assert (
            git(root, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)", commit).strip() == patch_id
        )
        archived = git(root, "ls-tree", "-r", "--name-only", commit, "--", ".patches", ".logs").split()
        assert f".patches/{patch_id}.diff" in archived
        assert all(f".patches/{p}.diff" not in archived for p in list(CHANGES)[n + 1 :])  # later ones not yet
        assert [e for e in events(root, commit) if f'"patch":"{patch_id}"' in e]
    assert patch_ids_in_history(root) == sorted(CHANGES)
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_bundle_that_fails_in_a_run_is_found_and_the_others_go_on(repo: Path) -> None:
    root = pods_repo(repo)
    raw_a, _ = diff_of_change(root, lambda r: (r / "A.md").write_text("a\n"))
    raw_b, _ = diff_of_change(root, lambda r: (r / "README.md").write_text("# changed\n"))
    raw_c, _ = diff_of_change(root, lambda r: (r / "C.md").write_text("c\n"))
    bundle(root, "patch_a", raw_a)
    bundle(root, "patch_b", raw_b)
    bundle(root, "patch_c", raw_c)
    (root / "README.md").write_text("# moved on\n")  # patch_b's context is gone
    git(root, "commit", "-q", "-am", "README moved on")

    result = promote(root, "--all")

    assert result.code == 4, result.text
    assert "not applied patch_b: left in the queue" in result.out and "README.md: hunk 1" in result.out
    assert patch_ids_in_history(root) == ["patch_a", "patch_c"]
    assert git(root, "rev-parse", f"{BRANCH}^").strip() == git(root, "rev-parse", f"{BRANCH}~1").strip()
    assert (
        git(root, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)", f"{BRANCH}^").strip()
        == "patch_a"
    )
    assert (root / ".patches/queue/patch_b/patch.diff").read_bytes() == raw_b


def _edit_top(root: Path) -> None:
    (root / "notes.txt").write_text("zero\n" + "".join(f"{n}\n" for n in range(1, 40)))


def _edit_bottom(root: Path) -> None:
    (root / "notes.txt").write_text("".join(f"{n}\n" for n in range(39)) + "last\n")


def _delete(root: Path) -> None:
    (root / "notes.txt").unlink()


def _folder_instead(root: Path) -> None:
    (root / "notes.txt").unlink()
    (root / "notes.txt").mkdir()
    (root / "notes.txt/a").write_text("a\n")


SHAPES = {"same-file": (_edit_top, _edit_bottom), "file-then-folder": (_delete, _folder_instead)}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_bundles_whose_paths_meet_are_applied_in_turn(repo: Path, tmp_path: Path, shape: str) -> None:
    root = pods_repo(repo)
    (root / "notes.txt").write_text("".join(f"{n}\n" for n in range(40)))
    git(root, "add", "notes.txt")
    git(root, "commit", "-q", "-m", "notes")
    first, second = SHAPES[shape]
    raw_1, _ = diff_of_change(root, first)
    raw_2, _ = diff_of_change(root, second)
    if shape == "file-then-folder":  # the second diff, made after the first: a folder where the file was
        raw_2 = raw_2[raw_2.index(b"diff --git a/notes.txt/a") :]
    bundle(root, "patch_1", raw_1)
    bundle(root, "patch_2", raw_2)
    expected = _expected_trees(root, [raw_1, raw_2], tmp_path)

    result = promote(root, "--all")

    assert result.code == 0, result.text
    assert code_tree(root, f"{BRANCH}^") == code_tree(root, expected[0])
    assert code_tree(root, BRANCH) == code_tree(root, expected[1])
