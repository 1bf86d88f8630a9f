"""`git pod-assign` on a task that has a branch: the next pod builds on `pods/<task>`'s tip and its
prompt carries the work so far (earlier patches, their logs and diffs, the files they changed),
within a budget that cuts the largest first and says how to get what it cut."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import bundle, pods_repo, promote

DEV = "patch_20260105_100000"
PARSER = "def parse(text):\n    return [t.strip() for t in text.split(',') if t.strip()]\n"
TESTS = "from src.parser import parse\n\n\ndef test_commas():\n    assert parse('a, b') == ['a', 'b']\n"
DEV_DIFF = """\
diff --git a/src/parser.py b/src/parser.py
--- a/src/parser.py
+++ b/src/parser.py
@@ -1,2 +1,2 @@
 def parse(text):
-    return [text]
+    return [t.strip() for t in text.split(',') if t.strip()]
diff --git a/tests/test_parser.py b/tests/test_parser.py
new file mode 100644
--- /dev/null
+++ b/tests/test_parser.py
@@ -0,0 +1,5 @@
+from src.parser import parse
+
+
+def test_commas():
+    assert parse('a, b') == ['a', 'b']
"""
QA_DIFF = """\
diff --git a/tests/test_parser.py b/tests/test_parser.py
--- a/tests/test_parser.py
+++ b/tests/test_parser.py
@@ -3,3 +3,7 @@ from src.parser import parse
\x20
 def test_commas():
     assert parse('a, b') == ['a', 'b']
+
+
+def test_empty():
+    assert parse('') == []
"""


@pytest.fixture
def promoted(repo: Path) -> Path:
    """Dev was assigned F2.1 (input file, acceptance), and its patch is promoted on pods/F2.1;
    the lead is still on main."""
    root = pods_repo(repo)
    done = cli(
        root,
        "assign",
        "--to",
        "dev-pod",
        "--task",
        "F2.1",
        "--goal",
        "Parse comma-separated symptom lists",
        "--input-file",
        "src/parser.py",
        "--accept",
        "an empty list parses to []",
    )
    assert done.code == 0, done.text
    bundle(root, DEV, DEV_DIFF, summary="Split symptom lists on commas")
    done = promote(root, DEV)
    assert done.code == 0, done.text
    assert git(root, "branch", "--show-current").strip() == "main"
    return root


def _tip(root: Path) -> str:
    return git(root, "rev-parse", "pods/F2.1").strip()


def test_the_next_pod_builds_on_the_task_branch_and_sees_the_work(promoted: Path) -> None:
    main_before = git(promoted, "rev-parse", "main").strip()
    tip = _tip(promoted)
    done = cli(promoted, "assign", "--from", DEV)
    assert done.code == 0, done.text
    prompt = done.out
    ledger = yaml.safe_load((promoted / ".pods/tasks/F2.1.yaml").read_text())
    assert (ledger["pod"], ledger["branch"], ledger["base_commit"]) == ("qa-pod", "pods/F2.1", tip)
    assert ledger["input_files"] == ["src/parser.py"]  # carried over from dev's assignment
    # one base commit everywhere in the prompt: the branch tip, never the lead's HEAD
    assert set(re.findall(r"\b[0-9a-f]{40}\b", prompt)) == {tip}
    assert f"against commit {tip}, the tip of pods/F2.1" in prompt
    # the work so far: the dev patch's summary, changelog, handoff and diff
    work = prompt.split("=== WORK SO FAR ON pods/F2.1", 1)[1].split("=== INPUT FILES ===", 1)[0]
    assert f"--- {DEV} by dev-pod: commit {tip[:12]} ---" in work
    assert "subject: Split symptom lists on commas" in work
    assert "handed over to qa-pod: Ready" in work
    assert "+    return [t.strip() for t in text.split(',') if t.strip()]" in work
    # the input file and the file the dev created, as the branch has them
    assert f"--- src/parser.py (as pods/F2.1 has it, commit {tip[:12]}) ---\n```\n{PARSER}```" in prompt
    changed = prompt.split("=== FILES THE TASK HAS CHANGED, AS pods/F2.1 HAS THEM ===", 1)[1]
    shown = f"--- tests/test_parser.py (as pods/F2.1 has it, commit {tip[:12]}) ---\n```\n{TESTS}```"
    assert shown in changed
    # the acceptance criteria carried over, as a checklist
    assert "=== ACCEPTANCE (your answer is judged against each of these) ===\n- [ ] an empty list" in prompt
    # the ledger went where ledgers go (the lead's branch); the task branch is untouched
    assert git(promoted, "rev-parse", "main^").strip() == main_before
    assert _tip(promoted) == tip
    assert git(promoted, "status", "--porcelain") == ""


def test_an_answer_written_against_that_base_promotes_onto_the_task_branch(promoted: Path) -> None:
    done = cli(promoted, "assign", "--from", DEV)
    assert done.code == 0, done.text
    qa = done.out.split("Answer with one bundle named ", 1)[1].split(",", 1)[0]
    bundle(promoted, qa, QA_DIFF, pod="qa-pod", summary="Test the empty list")
    done = promote(promoted, qa)
    assert done.code == 0, done.text
    assert git(promoted, "show", "pods/F2.1:tests/test_parser.py").endswith("assert parse('') == []\n")
    assert git(promoted, "log", "--format=%s", "-2", "pods/F2.1").split("\n")[:2] == [
        "Test the empty list",
        "Split symptom lists on commas",
    ]
    # and the delivery pod after it sees both patches, oldest first
    done = cli(promoted, "assign", "--from", qa)
    assert done.code == 0, done.text
    work = done.out.split("=== WORK SO FAR ON pods/F2.1", 1)[1]
    assert "2 patches of this task, oldest first" in work
    assert work.index(f"--- {DEV} by dev-pod") < work.index(f"--- {qa} by qa-pod")


def test_the_history_budget_cuts_the_largest_first_and_names_the_command(repo: Path) -> None:
    root = pods_repo(repo)
    config = root / ".pods/config.yaml"
    config.write_text(config.read_text() + "limits:\n  prompt_history_bytes: 2048\n")
    git(root, "commit", "-q", "-am", "a small budget for earlier work")
    big = "".join(f"+line {n} of a long generated table\n" for n in range(200))
    diff = DEV_DIFF + (
        "diff --git a/data/table.txt b/data/table.txt\nnew file mode 100644\n--- /dev/null\n"
        f"+++ b/data/table.txt\n@@ -0,0 +1,200 @@\n{big}"
    )
    bundle(root, DEV, diff, summary="Parse, with a table")
    assert promote(root, DEV).code == 0
    done = cli(root, "assign", "--to", "qa-pod", "--task", "F2.1", "--goal", "Test it")
    assert done.code == 0, done.text
    tip = _tip(root)
    left = done.out.split("=== LEFT OUT OF THIS PROMPT", 1)[1].split("=== HOW TO ANSWER", 1)[0]
    assert f"the diff of {DEV} (" in left and f"git show {tip[:12]}" in left
    assert "data/table.txt as pods/F2.1 has it (" in left and f"git show {tip[:12]}:data/table.txt" in left
    assert "line 199 of a long generated table" not in done.out
    # what fits stays: the small test file the patch created
    assert "def test_commas():" in done.out
    assert f"diff: left out (see below; git show {tip[:12]})" in done.out


def test_a_clone_builds_on_the_remotes_copy_of_the_task_branch(promoted: Path, tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(promoted), str(bare))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    assert git(clone, "branch", "--list", "pods/*").strip() == ""
    tip = _tip(promoted)
    done = cli(clone, "assign", "--to", "qa-pod", "--task", "F2.1", "--goal", "Test it")
    assert done.code == 0, done.text
    ledger = yaml.safe_load((clone / ".pods/tasks/F2.1.yaml").read_text())
    assert (ledger["branch"], ledger["base_commit"]) == ("origin/pods/F2.1", tip)
    assert f"=== WORK SO FAR ON origin/pods/F2.1 (commit {tip[:12]}) ===" in done.out


def test_an_input_file_the_branch_lacks_is_refused_naming_the_branch(promoted: Path) -> None:
    (promoted / "NOTES.md").write_text("only on main\n")
    git(promoted, "add", "NOTES.md")
    git(promoted, "commit", "-q", "-m", "notes on main")
    head = git(promoted, "rev-parse", "HEAD").strip()
    done = cli(promoted, "assign", "--from", DEV, "--input-file", "NOTES.md")
    assert done.code == 2
    assert "NOTES.md: pods/F2.1" in done.err and "has no such file" in done.err
    assert "git ls-tree -r --name-only pods/F2.1" in done.err
    assert git(promoted, "rev-parse", "HEAD").strip() == head  # nothing committed


def test_a_file_the_branch_has_as_a_link_is_refused(promoted: Path) -> None:
    git(promoted, "checkout", "-q", "pods/F2.1")
    (promoted / "link.py").symlink_to("src/parser.py")
    git(promoted, "add", "link.py")
    git(promoted, "commit", "-q", "-m", "a link on the task branch")
    git(promoted, "checkout", "-q", "main")
    done = cli(promoted, "assign", "--from", DEV, "--input-file", "link.py", "--json")
    assert done.code == 1, done.text
    assert "GP701" in done.out and "link.py is a symbolic link in pods/F2.1" in done.out


def test_handoff_accept_reaches_the_ledger_the_next_prompt_and_the_pull_request(promoted: Path) -> None:
    from git_pods import forge
    from git_pods.gitio.runner import Git

    tip = _tip(promoted)
    done = cli(
        promoted,
        "handoff",
        "--to",
        "qa-pod",
        "--task",
        "F2.1",
        "--reason",
        "Parser done, test it",
        "--accept",
        "no test needs the network",
        "--assign",
    )
    assert done.code == 0, done.text
    ledger = yaml.safe_load((promoted / ".pods/tasks/F2.1.yaml").read_text())
    handed = [e for e in ledger["history"] if e["event"] == "handed-off"][-1]
    assert handed["acceptance"] == ["no test needs the network"]
    assert (handed["branch"], handed["base_commit"]) == ("pods/F2.1", tip)  # the one base
    assert ledger["base_commit"] == tip
    checklist = done.out.split("=== ACCEPTANCE (your answer is judged against each of these) ===\n", 1)[1]
    assert checklist.startswith("- [ ] an empty list parses to []\n- [ ] no test needs the network\n")
    body = forge.pr_body(Git(promoted), "pods/F2.1", "main")
    assert "Acceptance criteria:\n- [ ] an empty list parses to []\n- [ ] no test needs the network" in body


def test_handoff_accept_must_be_text(promoted: Path) -> None:
    args = ["--to", "qa-pod", "--task", "F2.1", "--reason", "go", "--accept", "x\udcff"]
    done = cli(promoted, "handoff", *args)
    assert done.code == 2 and "not UTF-8" in done.err


def test_from_the_task_follows_the_promoted_answers_own_handoff(promoted: Path) -> None:
    """The dev answer handed the task to qa-pod in its handoff_log.yaml, not in the ledger."""
    done = cli(promoted, "assign", "--from", "F2.1")
    assert done.code == 0, done.text
    ledger = yaml.safe_load((promoted / ".pods/tasks/F2.1.yaml").read_text())
    assert (ledger["pod"], ledger["from_handoff"]["patch"], ledger["base_commit"]) == (
        "qa-pod",
        DEV,
        _tip(promoted),
    )
    # asked again before qa-pod answers, the task has not moved on
    again = cli(promoted, "assign", "--from", "F2.1")
    assert again.code == 2 and "has not been handed off since it was assigned to qa-pod" in again.err


def test_a_first_assignment_says_there_is_no_earlier_work(repo: Path) -> None:
    root = pods_repo(repo)
    done = cli(root, "assign", "--to", "dev-pod", "--task", "F3", "--goal", "Start")
    assert done.code == 0, done.text
    assert "This is the task's first assignment: no handoff sent it and no earlier work exists." in done.out
    assert "=== WORK SO FAR" not in done.out
