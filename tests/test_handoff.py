"""`git pod-handoff`: a handoff appended to the task's ledger and committed alone, the graph enforced,
and a dev-pod -> qa-pod -> delivery-pod chain that validates and tells who held the task when."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import bundle, diff_of_change, events, pods_repo


@pytest.fixture
def assigned(repo: Path) -> Path:
    root = pods_repo(repo)
    result = cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse symptom lists")
    assert result.code == 0, result.text
    return root


def _ledger(root: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((root / ".pods/tasks/F2.1.yaml").read_text())


def test_a_chain_leaves_a_valid_ledger_that_tells_who_held_the_task(assigned: Path) -> None:
    raw, _ = diff_of_change(
        assigned, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n")
    )
    bundle(assigned, "patch_1", raw)
    assert cli(assigned, "promote", "patch_1").code == 0
    first = cli(
        assigned, "handoff", "--to", "qa-pod", "--reason", "Parser done, test it", "--patch", "patch_1"
    )
    assert first.code == 0, first.text
    second = cli(assigned, "handoff", "--to", "delivery-pod", "--reason", "Tests pass", "--task", "F2.1")
    assert second.code == 0, second.text
    assert "handed from qa-pod to delivery-pod" in second.err  # the holder came from the first handoff
    assert cli(assigned, "validate", ".pods/tasks/F2.1.yaml").code == 0
    ledger = _ledger(assigned)
    assert ledger["pod"] == "dev-pod"  # the assignment is unchanged; handoffs are appended
    steps = [(e["event"], e["from"], e["to"]) for e in ledger["history"]]
    assert steps == [("handed-off", "dev-pod", "qa-pod"), ("handed-off", "qa-pod", "delivery-pod")]
    times = [e["time"] for e in ledger["history"]]
    assert times == sorted(times) and all(t >= ledger["created"] for t in times)
    digests = ledger["history"][0]["digests"]
    archived = git(assigned, "show", "pods/F2.1:.patches/patch_1.diff").encode()
    assert digests["patch.diff"] == "sha256:" + hashlib.sha256(archived).hexdigest()
    assert ledger["history"][0]["related_patch"] == "patch_1.diff"
    (event,) = [json.loads(e) for e in events(assigned, "HEAD")]
    assert (event["event"], event["from"], event["to"], event["task"]) == (
        "handed-off",
        "qa-pod",
        "delivery-pod",
        "F2.1",
    )
    assert git(assigned, "show", "--name-only", "--format=", "HEAD").split() == [".pods/tasks/F2.1.yaml"]


def test_the_graph_is_enforced_and_force_is_recorded(assigned: Path) -> None:
    head = git(assigned, "rev-parse", "HEAD").strip()
    refused = cli(assigned, "handoff", "--to", "wow-pod", "--reason", "Skip QA", "--task", "F2.1")
    assert refused.code == 1, refused.text
    assert (
        "GP705 dev-pod may not hand off to wow-pod" in refused.err and "qa-pod, research-pod" in refused.err
    )
    assert git(assigned, "rev-parse", "HEAD").strip() == head
    forced = cli(assigned, "handoff", "--to", "wow-pod", "--reason", "Skip QA", "--task", "F2.1", "--force")
    assert forced.code == 0, forced.text
    assert _ledger(assigned)["history"][-1]["forced"] is True


def test_a_dirty_working_tree_is_left_as_it_is(assigned: Path) -> None:
    (assigned / "README.md").write_text("# staged\n")
    git(assigned, "add", "README.md")
    (assigned / "src/parser.py").write_text("# unstaged\n")
    before = git(assigned, "status", "--porcelain")
    result = cli(assigned, "handoff", "--to", "qa-pod", "--reason", "Ready", "--task", "F2.1")
    assert result.code == 0, result.text
    assert git(assigned, "status", "--porcelain") == before


def test_assign_after_the_handoff_carries_the_reason(assigned: Path) -> None:
    result = cli(
        assigned, "handoff", "--to", "qa-pod", "--reason", "Needs edge cases", "--task", "F2.1", "--assign"
    )
    assert result.code == 0, result.text
    assert result.out.startswith("QA POD")
    ledger = _ledger(assigned)
    assert ledger["pod"] == "qa-pod" and ledger["from_handoff"] == {
        "from": "dev-pod",
        "reason": "Needs edge cases",
    }
    assert [e["event"] for e in ledger["history"]] == ["assigned", "handed-off"]
    assert cli(assigned, "validate", ".pods/tasks/F2.1.yaml").code == 0


def test_a_merge_in_progress_is_exit_3(assigned: Path) -> None:
    (assigned / ".git/MERGE_HEAD").write_text(git(assigned, "rev-parse", "HEAD"))
    result = cli(assigned, "handoff", "--to", "qa-pod", "--reason", "Ready", "--task", "F2.1")
    assert result.code == 3 and "a merge is in progress" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "qa-pod", "--task", "F2.1"], "--reason is needed"),
        (["--to", "nobody", "--reason", "r", "--task", "F2.1"], "--to nobody: unknown pod"),
        (["--to", "qa-pod", "--reason", "r", "--task", "F9"], "task F9 has no ledger"),
        (["--to", "qa-pod", "--reason", "r", "--patch", "patch_404"], "no promoted or queued bundle"),
        (["--to", "qa-pod", "--reason", "r"], "name the task"),
    ],
)
def test_wrong_uses_exit_2(assigned: Path, args: list[str], message: str) -> None:
    head = git(assigned, "rev-parse", "HEAD").strip()
    result = cli(assigned, "handoff", *args)
    assert result.code == 2, result.text
    assert message in result.err
    assert git(assigned, "rev-parse", "HEAD").strip() == head


def test_assign_from_the_tasks_latest_handoff(assigned: Path) -> None:
    assert (
        cli(assigned, "handoff", "--to", "qa-pod", "--reason", "Check {edge} cases", "--task", "F2.1").code
        == 0
    )
    result = cli(assigned, "assign", "--from", "F2.1")
    assert result.code == 0, result.text
    ledger = _ledger(assigned)
    assert ledger["pod"] == "qa-pod" and ledger["goal"] == "Parse symptom lists"
    assert ledger["from_handoff"] == {"from": "dev-pod", "reason": "Check {edge} cases"}
    assert "Check {edge} cases" in result.out and result.out.startswith("QA POD")
    assert cli(assigned, "validate", ".pods/tasks/F2.1.yaml").code == 0


def test_assign_from_a_promoted_bundle_and_from_a_file(assigned: Path, tmp_path: Path) -> None:
    raw, _ = diff_of_change(
        assigned, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n")
    )
    bundle(assigned, "patch_1", raw)  # its handoff log says dev-pod -> qa-pod
    assert cli(assigned, "promote", "patch_1").code == 0
    result = cli(assigned, "assign", "--from", "patch_1")
    assert result.code == 0, result.text
    assert _ledger(assigned)["from_handoff"] == {"from": "dev-pod", "reason": "Ready", "patch": "patch_1"}
    log = tmp_path / "handoff_log.yaml"
    log.write_text(
        "from: qa-pod\nto: delivery-pod\nreason: Ship it\ntask_id: F2.1\nacceptance: [all green]\n"
    )
    result = cli(assigned, "assign", "--from", str(log))
    assert result.code == 0, result.text
    ledger = _ledger(assigned)
    assert ledger["pod"] == "delivery-pod" and ledger["from_handoff"]["acceptance"] == ["all green"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "F2.1"], "has not been handed off since it was assigned"),
        (["--from", "patch_404"], "no promoted or queued bundle"),
        (["--from", "F2.1", "--to", "wow-pod"], "differs from the handoff's receiver"),
    ],
)
def test_assign_from_refusals(assigned: Path, args: list[str], message: str) -> None:
    if "--to" in args:
        assert cli(assigned, "handoff", "--to", "qa-pod", "--reason", "r", "--task", "F2.1").code == 0
    head = git(assigned, "rev-parse", "HEAD").strip()
    result = cli(assigned, "assign", *args)
    assert result.code == 2, result.text
    assert message in result.err
    assert git(assigned, "rev-parse", "HEAD").strip() == head
