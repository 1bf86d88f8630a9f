"""Answers without a code change: a review (approved, changes-requested) or a blocked answer is a
bundle of thought_trace.yaml (with review:) and handoff_log.yaml. Intake queues it, promote records
it on the task branch as a commit of its logs alone with a `reviewed` event, the hooks and verify
accept that commit, the next prompt shows the verdict, and reports count reviews and rounds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import cli, git, rules_of
from promoting import COMMA_DIFF, bundle, events, pods_repo, promote

DEV = "patch_20260105_100000"
DEV2 = "patch_20260105_120000"
QA = "patch_20260105_110000"
QA2 = "patch_20260105_130000"
DIFF = COMMA_DIFF
DIFF2 = """\
diff --git a/src/parser.py b/src/parser.py
--- a/src/parser.py
+++ b/src/parser.py
@@ -1,2 +1,2 @@
 def parse(text):
-    return [t.strip() for t in text.split(',')]
+    return [t.strip() for t in text.split(',') if t.strip()]
"""


def review_trace(patch_id: str, verdict: str = "approved", pod: str = "qa-pod", **review: object) -> str:
    body: dict[str, object] = {"verdict": verdict, **review}
    if verdict != "approved" and "findings" not in body:
        body["findings"] = ["an empty string parses to [''], not []"]
    data = {
        "patch_id": patch_id,
        "pod": pod,
        "task_id": "F2.1",
        "summary": f"The parser change is {verdict}",
        "steps": ["Read the diff", "Ran the tests"],
        "review": body,
    }
    return yaml.safe_dump(data, sort_keys=False)


def handoff(patch_id: str, sender: str, to: str) -> str:
    return f"from: {sender}\nto: {to}\nreason: Reviewed\nrelated_patch: {patch_id}.diff\n"


def write_answer(folder: Path, patch_id: str, to: str = "delivery-pod", **kw: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thought_trace.yaml").write_text(review_trace(patch_id, **kw))  # type: ignore[arg-type]
    sender = str(kw.get("pod", "qa-pod"))
    (folder / "handoff_log.yaml").write_text(handoff(patch_id, sender, to))
    return folder


@pytest.fixture
def promoted(repo: Path) -> Path:
    """dev-pod's patch of F2.1 promoted on pods/F2.1, the task assigned on to qa-pod."""
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Split lists").code == 0
    bundle(root, DEV, DIFF, summary="Split symptom lists on commas")
    assert promote(root, DEV).code == 0
    done = cli(root, "assign", "--from", DEV)
    assert done.code == 0, done.text
    return root


def test_a_review_from_a_chat_download_is_recorded_on_the_task_branch(promoted: Path, tmp_path: Path) -> None:
    before = git(promoted, "rev-parse", "pods/F2.1").strip()
    downloads = write_answer(tmp_path / "downloads", QA, ran=[{"command": "pytest -q", "result": "passed"}])
    taken = cli(promoted, "intake", str(downloads))
    assert taken.code == 0, taken.text
    assert (promoted / ".patches/queue" / QA / "thought_trace.yaml").is_file()
    assert not (promoted / ".patches/queue" / QA / "patch.diff").exists()
    assert cli(promoted, "validate").code == 0

    done = promote(promoted, QA)
    assert done.code == 0, done.text
    assert "(review: approved, no code change)" in done.out
    assert "1 bundle: 1 recorded as reviews" in done.out
    tip = git(promoted, "rev-parse", "pods/F2.1").strip()
    assert git(promoted, "rev-parse", f"{tip}^").strip() == before
    # the commit archives the two logs and nothing else: no diff, no code
    changed = git(promoted, "diff-tree", "-r", "--name-only", "--no-commit-id", tip).split()
    assert changed == [f".logs/{QA}/handoff_log.yaml", f".logs/{QA}/thought_trace.yaml"]
    message = git(promoted, "log", "-1", "--format=%B", tip)
    assert message.startswith("Approved: The parser change is approved\n")
    assert "- ran: pytest -q: passed" in message
    assert f"Patch-Id: {QA}" in message and "Pod-Review: approved" in message
    # a reviewed event, not a promoted one (a review is no patch)
    [line] = events(promoted, tip)
    event = json.loads(line)
    assert (event["event"], event["verdict"], event["pod"], event["patch"]) == (
        "reviewed",
        "approved",
        "qa-pod",
        QA,
    )
    assert "added" not in event
    # the queue copy is gone; nothing was lost
    assert not (promoted / ".patches/queue" / QA).exists()
    verified = cli(promoted, "verify", "--all")
    assert verified.code == 0, verified.text
    # a second promote of the same answer is "already there", not a new record
    write_answer(promoted / ".patches/queue" / QA, QA, ran=[{"command": "pytest -q", "result": "passed"}])
    again = promote(promoted, QA)
    assert again.code == 0, again.text
    assert "already promoted" in again.out
    assert git(promoted, "rev-parse", "pods/F2.1").strip() == tip


def test_the_next_prompt_shows_the_verdict_and_follows_the_reviews_handoff(promoted: Path) -> None:
    write_answer(promoted / ".patches/queue" / QA, QA, "delivery-pod")
    assert promote(promoted, QA).code == 0
    done = cli(promoted, "assign", "--from", "F2.1")
    assert done.code == 0, done.text
    assert yaml.safe_load((promoted / ".pods/tasks/F2.1.yaml").read_text())["pod"] == "delivery-pod"
    work = done.out.split("=== WORK SO FAR", 1)[1].split("=== HOW TO ANSWER ===", 1)[0]
    assert "1 patch and 1 review of this task" in work
    assert f"--- {QA} by qa-pod: review (no code change)" in work
    assert "review: approved" in work
    assert "summary: <what you found, in one line within 50 characters>" in done.out
    assert "(1 earlier patch, 1 review)" in done.err
    # the same, named by the review's patch id
    assert cli(promoted, "assign", "--from", QA, "--no-commit", "--out", "prompt.txt").code == 0


@pytest.mark.parametrize("diff", [None, "", "\n"])
def test_an_empty_or_missing_diff_makes_a_review_answer(promoted: Path, diff: str | None) -> None:
    folder = write_answer(promoted / ".patches/queue" / QA, QA, "dev-pod", verdict="changes-requested")
    if diff is not None:
        (folder / "patch.diff").write_text(diff)
    checked = cli(promoted, "validate")
    assert checked.code == 0, checked.text
    done = promote(promoted, QA)
    assert done.code == 0, done.text
    assert "Pod-Review: changes-requested" in git(promoted, "log", "-1", "--format=%B", "pods/F2.1")
    assert not (promoted / ".patches" / f"{QA}.diff").exists()
    assert git(promoted, "ls-tree", "--name-only", "pods/F2.1", f".patches/{QA}.diff").strip() == ""


def test_a_blocked_answer_may_hand_back_to_the_sender_or_to_itself(promoted: Path) -> None:
    # dev-pod is in qa-pod's next anyway; blocked also lets qa-pod hand the task to itself
    for to in ("dev-pod", "qa-pod"):
        folder = write_answer(promoted / ".patches/queue" / QA, QA, to, verdict="blocked")
        checked = cli(promoted, "validate", str(folder))
        assert checked.code == 0, (to, checked.text)
    # an approved answer may not hand the task to itself
    write_answer(promoted / ".patches/queue" / QA, QA, "qa-pod")
    refused = cli(promoted, "validate", str(promoted / ".patches/queue" / QA))
    assert refused.code == 1 and "GP206" in rules_of(refused), refused.text


def test_a_dev_pod_blocked_on_its_first_assignment_hands_back_to_itself(repo: Path) -> None:
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Split lists").code == 0
    folder = write_answer(root / ".patches/queue" / DEV, DEV, "dev-pod", verdict="blocked", pod="dev-pod")
    assert cli(root, "validate").code == 0
    done = promote(root, DEV)
    assert done.code == 0, done.text
    assert "(review: blocked, no code change)" in done.out
    assert not folder.exists()
    # the lead reads why in the next prompt and can reassign
    again = cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--no-commit", "--out", "p.txt")
    assert again.code == 0, again.text
    prompt = (root / "p.txt").read_text()
    assert "review: blocked" in prompt and "an empty string parses to" in prompt


@pytest.mark.parametrize(
    ("review", "rule_path"),
    [
        ({"verdict": "changes-requested"}, "$.review"),  # no findings: nothing to act on
        ({"verdict": "blocked", "findings": []}, "$.review.findings"),
        ({"verdict": "maybe"}, "$.review.verdict"),
        ({"verdict": "approved", "ran": [{"command": "pytest"}]}, "$.review.ran[0]"),
        ({"verdict": "approved", "score": 3}, "$.review"),
    ],
)
def test_a_malformed_review_names_the_file_and_path(
    promoted: Path, review: dict[str, object], rule_path: str
) -> None:
    folder = promoted / ".patches/queue" / QA
    write_answer(folder, QA)
    data = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    data["review"] = review
    (folder / "thought_trace.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    checked = cli(promoted, "validate", "--json", str(folder))
    assert checked.code == 1, checked.text
    found = json.loads(checked.out)["violations"]
    assert any(
        v["file"].endswith("thought_trace.yaml") and v.get("path", "").startswith(rule_path) for v in found
    )
    # promote refuses it into rejected/, with its reason: nothing lost
    done = promote(promoted, QA)
    assert done.code == 1
    assert (promoted / ".patches/rejected" / QA / "reason.yaml").is_file()
    assert (promoted / ".patches/rejected" / QA / "thought_trace.yaml").is_file()


def test_a_bundle_without_a_diff_or_review_says_how_to_answer_without_a_change(promoted: Path) -> None:
    folder = bundle(promoted, QA, DIFF, pod="qa-pod")
    (folder / "patch.diff").unlink()
    checked = cli(promoted, "validate", str(folder))
    assert checked.code == 1
    assert "GP200" in rules_of(checked)
    assert "review:" in checked.out and "verdict" in checked.out


def test_a_hand_made_review_commit_is_held_to_its_trailers(promoted: Path) -> None:
    """The real commit-msg hook: a commit archiving a review's logs needs the trailers promote
    writes, Pod-Review included; with them it passes, and verify agrees."""
    git(promoted, "switch", "-q", "pods/F2.1")
    write_answer(promoted / ".logs" / QA, QA)
    git(promoted, "add", ".logs")
    bare = subprocess.run(
        ["git", "commit", "-q", "-m", "a review by hand"],
        cwd=promoted,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bare.returncode == 1, bare.stderr
    assert "GP220" in bare.stderr and "Pod-Review: approved" in bare.stderr
    lines = bare.stderr.split("end the message with these lines (after a blank line):", 1)[1]
    trailers = "\n".join(line.strip() for line in lines.strip().splitlines()[:5])
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "Approved by hand", "-m", trailers],
        check=False,
        cwd=promoted,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    verified = cli(promoted, "verify", "--all")
    assert verified.code == 0, verified.text


def test_a_review_commit_that_also_changes_code_is_refused_by_verify(promoted: Path) -> None:
    """A commit claiming a review answer (which changes nothing) cannot slip code in."""
    git(promoted, "switch", "-q", "pods/F2.1")
    write_answer(promoted / ".logs" / QA, QA)
    (promoted / "src/parser.py").write_text("def parse(text):\n    return []\n")
    git(promoted, "add", "-A")
    trailers = f"Pod: qa-pod\nTask: F2.1\nPatch-Id: {QA}\nPod-Review: approved"
    unhooked = ["git", "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "sneaky", "-m", trailers]
    subprocess.run(unhooked, cwd=promoted, check=True)
    verified = cli(promoted, "verify", "--range", "HEAD~1..HEAD")
    assert verified.code == 1, verified.text
    assert "GP501" in rules_of(verified) and "src/parser.py" in verified.out


def test_reports_count_reviews_and_rounds_not_as_patches(promoted: Path, tmp_path: Path) -> None:
    write_answer(promoted / ".patches/queue" / QA, QA, "dev-pod", verdict="changes-requested")
    assert promote(promoted, QA).code == 0
    bundle(promoted, DEV2, DIFF2, summary="Skip empty items")
    assert promote(promoted, DEV2).code == 0
    write_answer(promoted / ".patches/queue" / QA2, QA2, "delivery-pod")
    assert promote(promoted, QA2).code == 0
    done = cli(promoted, "report", "all", "--format", "json")
    assert done.code == 0, done.text
    doc = json.loads(done.out)
    totals = doc["velocity"]["totals"]
    assert (totals["promoted"], totals["reviewed"]) == (2, 2)
    [task] = [t for t in doc["retrospective"]["reviews"] if t["task"] == "F2.1"]
    assert (task["reviews"], task["rounds"], task["verdict"]) == (2, 2, "approved")
    written = cli(promoted, "report", "retro", "--out", str(tmp_path / "reports"))
    assert written.code == 0, written.text
    retro = (tmp_path / "reports" / "retrospective.md").read_text()
    assert "- **Reviews:** 2 on 1 task(s)" in retro
    assert "  - F2.1: 2 reviews, 2 rounds, latest approved" in retro


def test_an_agent_submits_a_review_from_its_working_copy(promoted: Path) -> None:
    """`git pod-submit --verdict` with nothing changed: the trace and handoff alone, promoted."""
    git(promoted, "switch", "-q", "pods/F2.1")
    done = cli(
        promoted,
        "submit",
        "--task",
        "F2.1",
        "--pod",
        "qa-pod",
        "--summary",
        "The parser meets its criteria",
        "--verdict",
        "approved",
        "--finding",
        "No test covers an empty string",
        "--ran",
        "python -m pytest -q: passed",
        "--risk",
        "Unicode separators are untested",
        "--assumption",
        "Only commas separate items",
        "--json",
    )
    assert done.code == 0, done.text
    patch_id = json.loads(done.out)["patch_id"]
    folder = promoted / ".patches/queue" / patch_id
    assert sorted(p.name for p in folder.iterdir()) == ["handoff_log.yaml", "thought_trace.yaml"]
    trace = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    assert trace["review"] == {
        "verdict": "approved",
        "findings": ["No test covers an empty string"],
        "ran": [{"command": "python -m pytest -q", "result": "passed"}],
    }
    assert trace["risks"] == ["Unicode separators are untested"]
    assert trace["assumptions"] == ["Only commas separate items"]
    handoff_data = yaml.safe_load((folder / "handoff_log.yaml").read_text())
    assert handoff_data["to"] == "delivery-pod" and list(handoff_data["digests"]) == ["thought_trace.yaml"]
    promoted_done = promote(promoted, patch_id)
    assert promoted_done.code == 0, promoted_done.text
    assert "Pod-Review: approved" in git(promoted, "log", "-1", "--format=%B", "pods/F2.1")


def test_a_blocked_submit_hands_back_to_the_sender_by_default(promoted: Path) -> None:
    done = cli(
        promoted,
        "submit",
        "--task",
        "F2.1",
        "--summary",
        "The goal does not say which separators count",
        "--verdict",
        "blocked",
        "--finding",
        "Commas only, or newlines too?",
        "--json",
    )
    assert done.code == 0, done.text
    folder = promoted / ".patches/queue" / json.loads(done.out)["patch_id"]
    handoff_data = yaml.safe_load((folder / "handoff_log.yaml").read_text())
    assert (handoff_data["from"], handoff_data["to"]) == ("qa-pod", "dev-pod")
    assert handoff_data["reason"].startswith("Blocked: The goal does not say")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verdict", "maybe"], "unknown verdict"),
        (["--verdict", "blocked"], "needs a --finding"),
        (["--verdict", "approved", "--ran", "pytest"], "write COMMAND: RESULT"),
        (["--verdict", "approved", "--ran", "pytest: skipped"], "RESULT is one of"),
        (["--finding", "x"], "pass --verdict too"),
        ([], "--verdict approved|changes-requested|blocked"),  # nothing changed, no verdict
    ],
)
def test_a_wrong_review_submit_is_a_usage_error_and_queues_nothing(
    promoted: Path, args: list[str], message: str
) -> None:
    done = cli(promoted, "submit", "--task", "F2.1", "--summary", "Reviewed", *args)
    assert done.code == 2, done.text
    assert message in done.err
    assert not list((promoted / ".patches/queue").glob("patch_*"))


@pytest.mark.parametrize(
    ("verdict", "summary", "subject"),
    [
        ("approved", "The parser meets its criteria", "Approved: The parser meets its criteria"),
        ("blocked", "Blocked: the style guide is missing", "Blocked: the style guide is missing"),
        ("changes-requested", "changes requested: empty input", "changes requested: empty input"),
        ("approved", "", "Review: approved"),
    ],
)
def test_a_review_subject_says_its_verdict_once(verdict: str, summary: str, subject: str) -> None:
    from git_pods.promote.build import commit_message

    trace = {"summary": summary, "review": {"verdict": verdict, "findings": ["x"]}}
    message = commit_message({}, trace, ["Pod: qa-pod"], review_only=True).decode()
    assert message.split("\n", 1)[0] == subject
    assert f"Verdict: {verdict}\n- finding: x" in message


def test_assign_from_follows_a_blocked_answer_back_to_its_own_pod(promoted: Path) -> None:
    """The blocked handoff the bundle rules allow (qa-pod to itself) is one `assign --from` takes,
    not a GP705 dead end: the handoff graph widens for blocked answers everywhere alike."""
    write_answer(promoted / ".patches/queue" / QA, QA, "qa-pod", verdict="blocked")
    assert promote(promoted, QA).code == 0
    done = cli(promoted, "assign", "--from", QA)
    assert done.code == 0, done.text
    ledger = yaml.safe_load((promoted / ".pods/tasks/F2.1.yaml").read_text())
    assert (ledger["pod"], ledger["from_handoff"]["from"]) == ("qa-pod", "qa-pod")
    assert "an empty string parses to" in done.out  # the blocked findings, for the reassigned pod


def test_a_review_archive_holds_its_id(promoted: Path) -> None:
    """A review archives no diff, yet its id is taken: submit refuses it, and a case twin is GP401."""
    write_answer(promoted / ".patches/queue" / QA, QA)
    assert promote(promoted, QA).code == 0
    git(promoted, "switch", "-q", "pods/F2.1")
    (promoted / "README.md").write_text("# changed\n")
    done = cli(promoted, "submit", "--task", "F2.1", "--pod", "qa-pod", "--summary", "x", "--patch-id", QA)
    assert done.code == 2 and f"patch id {QA} is taken" in done.err
    git(promoted, "checkout", "-q", "--", "README.md")
    git(promoted, "switch", "-q", "main")
    twin = QA.upper().replace("PATCH", "Patch")
    write_answer(promoted / ".patches/queue" / twin, twin)
    refused = promote(promoted, twin)
    assert (
        refused.code == 1
        and "GP401" in refused.text
        and f"differs only in letter case from {QA}" in refused.text
    )
