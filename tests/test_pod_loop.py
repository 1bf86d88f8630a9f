"""The whole pod loop as a lead runs it, with real hooks: assign dev, the dev answer (written
against the prompt's base) promoted; `assign --from` gives qa the task branch's tip with the dev
diff, trace and changed files; the qa answer that extends the dev's new test file promotes onto
the branch; a review-only answer (approved) is recorded; delivery is assigned; the branch is
merged, a release tagged, and the report shows one task delivered with two patches and one
review. The qa answer arrives three ways: a chat download (flat files), whole files in a zip,
and from an agent's working copy (`git pod-submit` in a clone)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import pods_repo, promote

TESTS_V1 = "from src.parser import parse\n\n\ndef test_commas():\n    assert parse('a, b') == ['a', 'b']\n"
TESTS_V2 = TESTS_V1 + "\n\ndef test_empty():\n    assert parse('') == []\n"
PARSER = "def parse(text):\n    return [t.strip() for t in text.split(',') if t.strip()]\n"


def _answer_ids(prompt: str) -> tuple[str, str]:
    """The patch id and base commit the prompt asks the answer to use."""
    patch_id = prompt.split("Answer with one bundle named ", 1)[1].split(",", 1)[0]
    base = re.search(r"a unified diff against commit ([0-9a-f]{40})", prompt)
    assert base is not None, prompt
    return patch_id, base.group(1)


def _logs(patch_id: str, pod: str, to: str, summary: str, kind: str) -> dict[str, str]:
    ids = f"patch_id: {patch_id}\npod: {pod}\ntask_id: F2.1\n"
    return {
        "thought_trace.yaml": ids + f"summary: {summary}\nsteps:\n  - Read the work so far\n",
        "changelog.yaml": ids + f"entries:\n  - type: {kind}\n    description: {summary}\n",
        "handoff_log.yaml": f"from: {pod}\nto: {to}\nreason: {summary}\nrelated_patch: {patch_id}.diff\n",
    }


def _diff_against(root: Path, base: str, files: dict[str, str]) -> str:
    """What a pod writes: a diff of its files against the prompt's base, made in a scratch clone."""
    scratch = root.parent / f"scratch-{base[:8]}"
    if scratch.exists():
        shutil.rmtree(scratch)
    git(root.parent, "clone", "-q", "--no-checkout", str(root), str(scratch))
    git(scratch, "checkout", "-q", base)
    for path, text in files.items():
        (scratch / path).parent.mkdir(parents=True, exist_ok=True)
        (scratch / path).write_text(text)
    git(scratch, "add", "-A")
    return git(scratch, "diff", "--cached", "--binary", base)


def _flat(downloads: Path, files: dict[str, str]) -> None:
    downloads.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (downloads / name).write_text(text)


@pytest.fixture
def dev_promoted(repo: Path) -> Path:
    root = pods_repo(repo)
    first = cli(
        root,
        "assign",
        "--to",
        "dev-pod",
        "--task",
        "F2.1",
        "--goal",
        "Parse comma-separated lists",
        "--input-file",
        "src/parser.py",
        "--accept",
        "an empty string parses to []",
    )
    assert first.code == 0, first.text
    dev_id, base = _answer_ids(first.out)
    diff = _diff_against(root, base, {"src/parser.py": PARSER, "tests/test_parser.py": TESTS_V1})
    downloads = root.parent / "downloads-dev"
    _flat(
        downloads, {f"{dev_id}.diff": diff, **_logs(dev_id, "dev-pod", "qa-pod", "Split on commas", "added")}
    )
    assert cli(root, "intake", str(downloads)).code == 0
    done = promote(root, dev_id)
    assert done.code == 0, done.text
    return root


def _qa_prompt(root: Path) -> tuple[str, str, str]:
    done = cli(root, "assign", "--from", "F2.1")
    assert done.code == 0, done.text
    prompt = done.out
    qa_id, base = _answer_ids(prompt)
    tip = git(root, "rev-parse", "pods/F2.1").strip()
    assert base == tip  # the task branch's tip, not the lead's main
    assert set(re.findall(r"\b[0-9a-f]{40}\b", prompt)) == {tip}
    work = prompt.split("=== WORK SO FAR ON pods/F2.1", 1)[1]
    assert "+    return [t.strip() for t in text.split(',') if t.strip()]" in work  # the dev diff
    assert "subject: Split on commas" in work
    changed = prompt.split("=== FILES THE TASK HAS CHANGED, AS pods/F2.1 HAS THEM ===", 1)[1]
    assert TESTS_V1 in changed
    assert "- [ ] an empty string parses to []" in prompt
    return prompt, qa_id, tip


def _qa_by_chat(root: Path, qa_id: str, tip: str) -> None:
    diff = _diff_against(root, tip, {"tests/test_parser.py": TESTS_V2})
    downloads = root.parent / "downloads-qa"
    _flat(
        downloads,
        {f"{qa_id}.diff": diff, **_logs(qa_id, "qa-pod", "delivery-pod", "Test the empty string", "tests")},
    )
    assert cli(root, "intake", str(downloads)).code == 0


def _qa_by_whole_files(root: Path, qa_id: str, tip: str) -> None:
    downloads = root.parent / "downloads-qa"
    downloads.mkdir()
    logs = _logs(qa_id, "qa-pod", "delivery-pod", "Test the empty string", "tests")
    logs["thought_trace.yaml"] += f"base_commit: {tip}\n"
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        for name, text in logs.items():
            archive.writestr(name, text)
        archive.writestr("files/tests/test_parser.py", TESTS_V2)
    done = cli(root, "intake", str(downloads))
    assert done.code == 0, done.text


def _qa_by_agent(root: Path, qa_id: str, tip: str) -> None:
    clone = root.parent / "agent"
    git(root.parent, "clone", "-q", str(root), str(clone))
    git(clone, "switch", "-q", "pods/F2.1")
    assert git(clone, "rev-parse", "HEAD").strip() == tip
    (clone / "tests/test_parser.py").write_text(TESTS_V2)
    done = cli(
        clone,
        "submit",
        "--task",
        "F2.1",
        "--pod",
        "qa-pod",
        "--patch-id",
        qa_id,
        "--summary",
        "Test the empty string",
        "--entry",
        "tests:Test the empty string",
        "--to",
        "delivery-pod",
    )
    assert done.code == 0, done.text
    taken = cli(root, "intake", str(clone / ".patches/queue" / qa_id))
    assert taken.code == 0, taken.text


@pytest.mark.parametrize(
    "channel", [_qa_by_chat, _qa_by_whole_files, _qa_by_agent], ids=["chat", "files", "agent"]
)
def test_dev_qa_review_delivery_merge_release_report(dev_promoted: Path, channel: object) -> None:
    root = dev_promoted
    _prompt, qa_id, tip = _qa_prompt(root)
    channel(root, qa_id, tip)  # type: ignore[operator]
    done = promote(root, qa_id)
    assert done.code == 0, done.text
    assert git(root, "show", "pods/F2.1:tests/test_parser.py") == TESTS_V2
    # the lead asks for a review round before delivery; the review changes nothing
    review = cli(root, "assign", "--to", "qa-pod", "--task", "F2.1", "--goal", "Review the change")
    assert review.code == 0, review.text
    review_id, review_base = _answer_ids(review.out)
    assert review_base == git(root, "rev-parse", "pods/F2.1").strip()
    downloads = root.parent / "downloads-review"
    trace = yaml.safe_dump(
        {
            "patch_id": review_id,
            "pod": "qa-pod",
            "task_id": "F2.1",
            "summary": "Both tests pass; the criteria hold",
            "steps": ["Ran the suite"],
            "review": {"verdict": "approved", "ran": [{"command": "pytest -q", "result": "passed"}]},
        },
        sort_keys=False,
    )
    handoff = f"from: qa-pod\nto: delivery-pod\nreason: Approved\nrelated_patch: {review_id}\n"
    _flat(downloads, {"thought_trace.yaml": trace, "handoff_log.yaml": handoff})
    assert cli(root, "intake", str(downloads)).code == 0
    recorded = promote(root, review_id)
    assert recorded.code == 0 and "(review: approved, no code change)" in recorded.out
    delivery = cli(root, "assign", "--from", "F2.1")
    assert delivery.code == 0, delivery.text
    assert yaml.safe_load((root / ".pods/tasks/F2.1.yaml").read_text())["pod"] == "delivery-pod"
    assert "2 patches and 1 review of this task" in delivery.out
    # the lead merges the task branch (real hooks fire) and tags the release
    merged = subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "Merge F2.1", "pods/F2.1"],
        check=False,
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert merged.returncode == 0, merged.stderr
    git(root, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    assert cli(root, "verify", "--all").code == 0
    report = cli(root, "report", "all", "--format", "json")
    assert report.code == 0, report.text
    doc = json.loads(report.out)
    totals = doc["velocity"]["totals"]
    assert (totals["tasks_completed"], totals["delivered"], totals["promoted"], totals["reviewed"]) == (
        1,
        2,
        2,
        1,
    )
    [reviewed] = doc["retrospective"]["reviews"]
    assert (reviewed["task"], reviewed["reviews"], reviewed["rounds"], reviewed["verdict"]) == (
        "F2.1",
        1,
        1,
        "approved",
    )
    assert doc["burndown"]["open_tasks"] == []
    # nothing lost: the queue is empty and every answer is in history
    assert not [p for p in (root / ".patches/queue").iterdir() if p.name.startswith("patch")]
