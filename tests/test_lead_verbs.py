"""The lead's verbs: `git pod-reject` (a queued bundle to rejected/ with a reason and an event),
`git pod-requeue` (back again), `git pod-close` (a task done or abandoned), and `git pod-status`
showing merged task branches as merged by Patch-Id, squash merges included. Nothing is lost: a
bundle is always in exactly one of queue, rejected or history."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import COMMA_DIFF, bundle, events, pods_repo, promote

DEV = "patch_20260105_100000"
OTHER = "patch_20260105_110000"
DIFF = COMMA_DIFF


@pytest.fixture
def assigned(repo: Path) -> Path:
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Split lists").code == 0
    return root


def test_reject_keeps_the_bundle_with_its_reason_and_an_event(assigned: Path) -> None:
    folder = bundle(assigned, DEV, DIFF)
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    done = cli(assigned, "reject", DEV, "--reason", "duplicate of  the  other   answer")
    assert done.code == 0, done.text
    assert f"rejected {DEV}: .patches/queue/{DEV}/ -> .patches/rejected/{DEV}/" in done.out
    kept = assigned / ".patches/rejected" / DEV
    assert not folder.exists()
    assert {p.name: p.read_bytes() for p in kept.iterdir() if p.name != "reason.yaml"} == files
    reason = yaml.safe_load((kept / "reason.yaml").read_text())
    assert (reason["rule"], reason["message"], reason["by"]) == (
        "GP404",
        "duplicate of the other answer",
        "Test Lead <lead@example.com>",
    )
    event = json.loads(events(assigned, "HEAD")[-1])  # no task branch yet: HEAD holds the event
    assert (event["event"], event["patch"], event["rule"], event["task"]) == (
        "rejected",
        DEV,
        "GP404",
        "F2.1",
    )
    status = cli(assigned, "status")
    assert f"{DEV}  GP404  duplicate of the other answer" in status.out
    report = cli(assigned, "report", "retro", "--format", "json")
    assert json.loads(report.out)["retrospective"]["by_rule"] == {"GP404": 1}


def test_requeue_puts_it_back_and_it_promotes(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    assert cli(assigned, "reject", DEV, "--reason", "wait for the spec").code == 0
    done = cli(assigned, "requeue", DEV, "--json")
    assert done.code == 0, done.text
    assert json.loads(done.out)["bundles"] == [
        {"patch_id": DEV, "from": f".patches/rejected/{DEV}/", "to": f".patches/queue/{DEV}/"}
    ]
    assert not (assigned / ".patches/rejected" / DEV).exists()
    assert (assigned / ".patches/queue" / DEV / "reason.yaml").is_file()  # the earlier rejection, kept
    assert cli(assigned, "validate").code == 0
    promoted = promote(assigned, DEV)
    assert promoted.code == 0, promoted.text
    tree = git(assigned, "ls-tree", "-r", "--name-only", "pods/F2.1", f".logs/{DEV}").split()
    assert "reason.yaml" not in " ".join(tree)  # never archived


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reject", DEV], "say why: --reason TEXT"),
        (["reject", "--reason", "x"], "name the queued bundles"),
        (["reject", "patch_nope", "--reason", "x"], "not queued (.patches/queue/): patch_nope"),
        (["reject", "../../etc", "--reason", "x"], "is not a patch id"),
        (["reject", DEV, "patch_nope", "--reason", "x"], "not queued"),  # nothing moves: all or none
        (["requeue", DEV], "not rejected (.patches/rejected/)"),
        (["close"], "name the task"),
        (["close", "F2.1"], "--done or --abandoned"),
        (["close", "F2.1", "--done", "--abandoned"], "not both"),
        (["close", "NOPE", "--done"], "task NOPE has no ledger"),
        (["close", "../x", "--done"], "not a valid task id"),
    ],
)
def test_a_wrong_lead_command_is_a_usage_error_and_moves_nothing(
    assigned: Path, args: list[str], message: str
) -> None:
    folder = bundle(assigned, DEV, DIFF)
    before = git(assigned, "rev-parse", "HEAD")
    done = cli(assigned, *args)
    assert done.code == 2, done.text
    assert message in done.err
    assert folder.is_dir() and not (assigned / ".patches/rejected" / DEV).exists()
    assert git(assigned, "rev-parse", "HEAD") == before


def test_requeue_refuses_when_the_id_is_queued_again(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    assert cli(assigned, "reject", DEV, "--reason", "first").code == 0
    bundle(assigned, DEV, DIFF, summary="Another answer")
    done = cli(assigned, "requeue", DEV)
    assert done.code == 2 and "is already queued" in done.err
    assert (assigned / ".patches/rejected" / DEV).is_dir()


def test_reject_waits_for_no_running_promote(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    common = assigned / ".git"
    holder = subprocess.Popen(  # a promote's lock, held by another process
        [
            "python3",
            "-c",
            "import fcntl,sys,time,os;"
            f"os.makedirs({str(common / 'pods')!r},exist_ok=True);"
            f"f=open({str(common / 'pods/promote.lock')!r},'a');"
            "fcntl.flock(f,fcntl.LOCK_EX);print('held',flush=True);time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = cli(assigned, "reject", DEV, "--reason", "x")
        assert done.code == 3, done.text
        assert (assigned / ".patches/queue" / DEV).is_dir()
    finally:
        holder.kill()
        holder.wait()


def test_close_ends_the_hold_and_refuses_handoffs_until_reassigned(assigned: Path) -> None:
    done = cli(assigned, "close", "F2.1", "--abandoned", "--reason", "superseded by F3")
    assert done.code == 0, done.text
    assert "F2.1 closed (abandoned), it was held by dev-pod" in done.err
    assert git(assigned, "show", "--stat", "--format=%s", "HEAD").split()[:2] == ["Close", "F2.1"]
    ledger = yaml.safe_load((assigned / ".pods/tasks/F2.1.yaml").read_text())
    entry = ledger["history"][-1]
    assert (entry["event"], entry["state"], entry["reason"]) == ("closed", "abandoned", "superseded by F3")
    assert json.loads(events(assigned, "HEAD")[0])["event"] == "closed"
    status = cli(assigned, "status", "--json")
    [task] = json.loads(status.out)["tasks"]
    assert task["closed"] == "abandoned" and task["holder"] is None
    text = cli(assigned, "status").out
    assert "tasks (0):" in text and "closed (1):\n  F2.1  abandoned since" in text
    assert cli(assigned, "validate").code == 0
    again = cli(assigned, "close", "F2.1", "--abandoned")
    assert again.code == 0 and "already closed" in again.err
    other = cli(assigned, "close", "F2.1", "--done")
    assert other.code == 1 and "GP706" in other.err
    refused = cli(assigned, "handoff", "--to", "qa-pod", "--task", "F2.1", "--reason", "x")
    assert refused.code == 1 and "GP706" in refused.err
    # assigning again reopens it
    assert cli(assigned, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Split lists").code == 0
    assert "F2.1  held by dev-pod" in cli(assigned, "status").out


def test_an_abandoned_task_leaves_the_burndown(assigned: Path) -> None:
    assert cli(assigned, "close", "F2.1", "--abandoned").code == 0
    report = cli(assigned, "report", "burndown", "--format", "json")
    burndown = json.loads(report.out)["burndown"]
    assert burndown["tasks_outstanding"][-1] == 0 and burndown["open_tasks"] == []
    assert cli(assigned, "assign", "--to", "dev-pod", "--task", "F2.2", "--goal", "Other").code == 0
    assert cli(assigned, "close", "F2.2", "--done").code == 0
    burndown = json.loads(cli(assigned, "report", "burndown", "--format", "json").out)["burndown"]
    assert burndown["tasks_delivered"][-1] == 1


def test_status_shows_a_squash_merged_task_branch_as_merged(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    assert promote(assigned, DEV).code == 0
    before = cli(assigned, "status").out
    assert f"promoted, not merged into HEAD (1):\n  pods/F2.1: {DEV}" in before
    git(assigned, "merge", "-q", "--squash", "pods/F2.1")
    message = git(assigned, "log", "-1", "--format=%B", "pods/F2.1")
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=assigned, check=True)
    after = cli(assigned, "status")
    assert "promoted, not merged into HEAD (0):" in after.out
    assert f"  pods/F2.1: {DEV} (all of it: git branch -D pods/F2.1)" in after.out
    assert json.loads(cli(assigned, "status", "--json").out)["merged"] == {"pods/F2.1": [DEV]}


def test_status_never_calls_a_different_bundle_with_a_promoted_id_promoted(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    assert promote(assigned, DEV).code == 0
    bundle(assigned, DEV, DIFF, summary="A second answer to the same prompt")
    text = cli(assigned, "status").out
    assert "NOT promoted: its id is taken on pods/F2.1 by other content" in text
    item = json.loads(cli(assigned, "status", "--json").out)["queue"][0]
    assert item["same_id_promoted_on"] == "pods/F2.1" and "promoted_on" not in item
    bundle(assigned, OTHER, DIFF)  # unrelated: plain
    assert f"{OTHER}  dev-pod  F2.1  valid" in cli(assigned, "status").out


def test_requeue_of_several_moves_none_when_one_cannot_go_back(assigned: Path) -> None:
    bundle(assigned, DEV, DIFF)
    bundle(assigned, OTHER, DIFF)
    assert cli(assigned, "reject", DEV, OTHER, "--reason", "later").code == 0
    bundle(assigned, OTHER, DIFF, summary="A new answer under that id")
    done = cli(assigned, "requeue", DEV, OTHER)
    assert done.code == 2 and f".patches/queue/{OTHER}/ is already queued; nothing was requeued" in done.err
    assert (assigned / ".patches/rejected" / DEV).is_dir()  # the first one did not move either
    assert not (assigned / ".patches/queue" / DEV).exists()
