"""`git pod-status`: the queue, rejected bundles with their reasons, open tasks and who holds each
since when, and what is promoted on task branches but not merged."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import cli, git
from promoting import bundle, diff_of_change, pods_repo


def test_the_daily_view(repo: Path) -> None:
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse lists").code == 0
    assert cli(root, "handoff", "--to", "qa-pod", "--reason", "Test it", "--task", "F2.1").code == 0
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    bundle(root, "patch_2", raw, task="F3")
    bundle(root, "patch_bad", "not a diff\n", task="F4")
    assert cli(root, "promote", "patch_1", "patch_bad").code == 1

    text = cli(root, "status")
    data = json.loads(cli(root, "status", "--json").out)

    assert text.code == 0, text.text
    assert [q["patch_id"] for q in data["queue"]] == ["patch_2"] and data["queue"][0]["problems"] == 0
    assert data["queue"][0]["task"] == "F3" and "patch_2  dev-pod  F3  valid" in text.out
    (rejected,) = data["rejected"]
    assert rejected["patch_id"] == "patch_bad" and rejected["rule"] == "GP300"
    assert "patch_bad  GP300" in text.out
    (task,) = data["tasks"]
    handed = [
        e for e in __import__("yaml").safe_load((root / ".pods/tasks/F2.1.yaml").read_text())["history"]
    ]
    assert (
        task["task"] == "F2.1"
        and task["holder"] == "qa-pod"
        and task["since"] == handed[-1]["time"][:19] + "Z"
    )
    assert data["unmerged"] == {"pods/F2.1": ["patch_1"]}
    assert "pods/F2.1: patch_1" in text.out
    git(root, "merge", "-q", "--no-edit", "pods/F2.1")
    assert json.loads(cli(root, "status", "--json").out)["unmerged"] == {}


def test_an_empty_repository_and_outside_one(repo: Path, tmp_path: Path) -> None:
    result = cli(repo, "status", "--json")
    assert result.code == 0, result.text
    data = json.loads(result.out)
    assert (data["queue"], data["rejected"], data["tasks"], data["unmerged"]) == ([], [], [], {})
    outside = cli(tmp_path, "status")
    assert outside.code == 3 and "not inside a git repository" in outside.err


def test_a_queued_copy_already_promoted_says_where(repo: Path) -> None:
    root = pods_repo(repo)
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    git(root, "add", ".patches/queue")
    git(root, "commit", "-q", "-m", "queue patch_1")
    assert cli(root, "promote", "patch_1").code == 0
    (item,) = json.loads(cli(root, "status", "--json").out)["queue"]
    assert item["patch_id"] == "patch_1" and item["promoted_on"] == "pods/F2.1"
    assert "promoted on pods/F2.1; the queue copy leaves when it is merged" in cli(root, "status").out


def test_a_queue_copy_the_task_branch_never_had_stays_after_the_merge(repo: Path) -> None:
    """The task branch starts at the ledger's base, before the queue commit: its promote commit
    cannot delete the copy, so the merge leaves it, and both promote and status say how to remove it."""
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse").code == 0
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    git(root, "add", ".patches/queue")
    git(root, "commit", "-q", "-m", "queue patch_1")
    done = cli(root, "promote", "patch_1")
    assert (
        done.code == 0
        and "once pods/F2.1 is merged, remove it (git rm -r -q .patches/queue/patch_1" in done.out
    )
    assert (
        "after merging it, remove the queue copy: git rm -r -q .patches/queue/patch_1"
        in cli(root, "status").out
    )
    git(root, "merge", "-q", "--no-edit", "pods/F2.1")
    assert (root / ".patches/queue/patch_1").is_dir()  # the merge did not remove it
    said = cli(root, "status").out
    assert "promoted and merged; the queue copy is left over: git rm -r -q .patches/queue/patch_1" in said
