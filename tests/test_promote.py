"""`git pod-promote`: commits with trailers on the task's branch, one transaction, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import cli, git
from promoting import (
    bundle,
    code_tree,
    diff_of_change,
    events,
    patch_ids_in_history,
    pods_repo,
    promote,
    refs,
    ssh_signing,
)


@pytest.fixture
def pods(repo: Path) -> Path:
    return pods_repo(repo)


def _edit(text: str):  # type: ignore[no-untyped-def]
    def change(root: Path) -> None:
        (root / "src/parser.py").write_text(text)

    return change


def test_a_bundle_becomes_one_commit_on_its_task_branch(pods: Path) -> None:
    raw, tree = diff_of_change(pods, _edit("def parse(text):\n    return text.split(',')\n"))
    bundle(pods, "patch_1", raw)
    head = git(pods, "rev-parse", "HEAD").strip()
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    assert "promoted patch_1 -> pods/F2.1" in result.out and "1 bundle: 1 promoted" in result.out
    assert git(pods, "rev-parse", "pods/F2.1^").strip() == head
    assert code_tree(pods, "pods/F2.1") == code_tree(pods, tree)
    files = git(pods, "ls-tree", "-r", "--name-only", "pods/F2.1").split()
    assert ".patches/patch_1.diff" in files and ".logs/patch_1/thought_trace.yaml" in files
    assert git(pods, "show", "pods/F2.1:.patches/patch_1.diff").encode() == raw
    message = git(pods, "log", "-1", "--format=%B", "pods/F2.1")
    assert message.startswith("Change the parser\n")
    for line in ("Pod: dev-pod", "Task: F2.1", "Patch-Id: patch_1", "Pod-Bundle: sha256:"):
        assert line in message
    (event,) = events(pods, "pods/F2.1")
    assert json.loads(event) | {"ts": "x"} == {
        "ts": "x", "v": 1, "event": "promoted", "pod": "dev-pod", "task": "F2.1", "patch": "patch_1",
        "by": "Test Lead <lead@example.com>", "added": 1, "deleted": 1, "files": 1,
    }  # fmt: skip
    assert not (pods / ".patches/queue/patch_1").exists()
    assert git(pods, "status", "--porcelain") == ""  # the user's branch, index and tree untouched


def _queued(pods: Path, patch_id: str, text: str, task: str = "F2.1") -> Path:
    raw, _tree = diff_of_change(pods, _edit(text))
    return bundle(pods, patch_id, raw, task=task)


def test_a_checked_out_target_is_brought_up_to_the_new_commit(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    (pods / "notes.txt").write_text("untracked files do not count as changes\n")
    result = promote(pods, "patch_1", "--onto", "main")
    assert result.code == 0, result.text
    assert "promoted patch_1 -> main" in result.out
    assert (pods / "src/parser.py").read_text() == "def parse(text):\n    return text.split(',')\n"
    assert (pods / ".patches/patch_1.diff").is_file() and (pods / ".logs/patch_1/changelog.yaml").is_file()
    assert git(pods, "status", "--porcelain") == "?? notes.txt\n"
    assert git(pods, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)").strip() == "patch_1"


def test_a_checked_out_target_with_changes_is_left_alone(pods: Path) -> None:
    folder = _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    (pods / "README.md").write_text("# edited, not committed\n")
    before = refs(pods)
    result = promote(pods, "--all", "--onto", "main")
    assert result.code == 3, result.text
    assert "GP402" in result.out and "uncommitted changes (README.md)" in result.out
    assert "not promoted patch_1: left in the queue" in result.out
    assert refs(pods) == before and folder.is_dir()
    assert (pods / "README.md").read_text() == "# edited, not committed\n"


def test_the_users_index_and_work_tree_stay_as_they_are(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    (pods / "README.md").write_text("# staged edit\n")
    git(pods, "add", "README.md")
    (pods / "src/parser.py").write_text("# unstaged edit\n")
    status = git(pods, "status", "--porcelain", "--untracked-files=no")
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    assert git(pods, "status", "--porcelain", "--untracked-files=no") == status
    assert git(pods, "diff", "--cached", "--name-only") == "README.md\n"
    assert (pods / "src/parser.py").read_text() == "# unstaged edit\n"


def test_onto_a_new_branch_from_a_detached_head(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    head = git(pods, "rev-parse", "HEAD").strip()
    git(pods, "checkout", "-q", "--detach")
    result = promote(pods, "--all", "--onto", "review/parser")
    assert result.code == 0, result.text
    assert git(pods, "rev-parse", "review/parser^").strip() == head
    assert git(pods, "rev-parse", "HEAD").strip() == head  # HEAD stays detached where it was


def test_a_task_branch_starts_at_the_ledgers_base_commit(pods: Path) -> None:
    base = git(pods, "rev-parse", "HEAD").strip()
    (pods / "CHANGES.md").write_text("later work\n")
    git(pods, "add", "CHANGES.md")
    git(pods, "commit", "-q", "-m", "later work")
    (pods / ".pods/tasks").mkdir(parents=True, exist_ok=True)
    (pods / ".pods/tasks/F2.1.yaml").write_text(
        "pod: dev-pod\ntask_id: F2.1\ngoal: Parse lists\ninput_files: []\ninstructions: Split\n"
        f"base_commit: {base}\n"
    )
    git(pods, "add", ".pods/tasks")
    git(pods, "commit", "-q", "-m", "assign F2.1")
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    assert git(pods, "rev-parse", "pods/F2.1^").strip() == base
    assert "CHANGES.md" not in git(pods, "ls-tree", "--name-only", "pods/F2.1")


def test_promoting_again_finds_the_bundle_already_promoted(pods: Path, tmp_path: Path) -> None:
    import shutil

    folder = _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    shutil.copytree(folder, tmp_path / "copy")
    assert promote(pods, "--all").code == 0
    tip = git(pods, "rev-parse", "pods/F2.1").strip()
    shutil.copytree(tmp_path / "copy", folder)  # the same bundle queued again (a killed run's leftover)
    result = promote(pods, "patch_1")
    assert result.code == 0, result.text
    assert "already promoted patch_1 on pods/F2.1; removed from the queue" in result.out
    assert git(pods, "rev-parse", "pods/F2.1").strip() == tip and not folder.exists()
    assert patch_ids_in_history(pods) == ["patch_1"]


def test_a_tracked_queue_copy_is_moved_by_the_commit(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    git(pods, "add", ".patches/queue")
    git(pods, "commit", "-q", "-m", "queue patch_1")
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    files = git(pods, "ls-tree", "-r", "--name-only", "pods/F2.1")
    assert ".patches/queue/patch_1/patch.diff" not in files and ".patches/patch_1.diff" in files
    assert ".patches/queue/patch_1/patch.diff" in git(pods, "ls-tree", "-r", "--name-only", "main")


def test_a_refused_bundle_is_recorded_and_the_others_go_on(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    raw, _ = diff_of_change(pods, _edit("def parse(text):\n    return text.split(';')\n"))
    bundle(pods, "patch_2", raw, pod="qa-pod", to="dev-pod", task="F9")
    config = pods / ".pods/config.yaml"
    text = config.read_text()
    qa_paths = 'next: [delivery-pod, dev-pod]\n    paths: ["**"]'
    assert qa_paths in text
    config.write_text(text.replace(qa_paths, 'next: [delivery-pod, dev-pod]\n    paths: ["tests/**"]', 1))
    git(pods, "commit", "-q", "-am", "qa-pod writes tests only")
    head = git(pods, "rev-parse", "HEAD").strip()
    result = promote(pods, "--all")
    assert result.code == 1, result.text
    assert "promoted patch_1 -> pods/F2.1" in result.out
    assert "rejected patch_2 -> .patches/rejected/patch_2/ (reason.yaml)" in result.out
    shown = ".patches/rejected/patch_2/patch.diff:1: GP303 pod 'qa-pod' may not change src/parser.py"
    assert shown in result.out
    import yaml

    reason = yaml.safe_load((pods / ".patches/rejected/patch_2/reason.yaml").read_text())
    assert reason["rule"] == "GP303" and reason["file"] == ".patches/rejected/patch_2/patch.diff"
    assert reason["line"] == 1 and reason["base_commit"] == head and reason["target"] == "pods/F9"
    assert (pods / ".patches/rejected/patch_2/patch.diff").read_bytes() == raw
    rejected = [json.loads(e) for e in events(pods, head)]
    assert [(e["event"], e["patch"], e["rule"], e["pod"]) for e in rejected] == [
        ("rejected", "patch_2", "GP303", "qa-pod")
    ]
    assert "pods/F9" not in git(pods, "branch", "--list", "pods/F9")


def test_signoff_and_signing(pods: Path, tmp_path: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    ssh_signing(pods, tmp_path)
    result = promote(pods, "--all", "--signoff")
    assert result.code == 0, result.text
    raw = git(pods, "cat-file", "commit", "pods/F2.1")
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in raw
    message = git(pods, "log", "-1", "--format=%B", "pods/F2.1")
    assert message.rstrip().endswith("Signed-off-by: Test Lead <lead@example.com>")
    assert json.loads(events(pods, "pods/F2.1")[0])["patch"] == "patch_1"  # the note is on the signed commit


def test_series_sets_the_queue_order(pods: Path) -> None:
    _queued(pods, "patch_b", "def parse(text):\n    return text.split(',')\n")
    raw, _ = diff_of_change(pods, lambda root: (root / "NEW.md").write_text("new\n"))
    bundle(pods, "patch_a", raw)
    (pods / ".patches/queue/series").write_text("# apply b first\npatch_b\npatch_a\n")
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    assert result.out.index("patch_b") < result.out.index("patch_a")
    subjects = git(pods, "log", "--format=%(trailers:key=Patch-Id,valueonly)", "-2", "pods/F2.1").split()
    assert subjects == ["patch_a", "patch_b"]  # newest first: b, then a on top


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "name the bundles to promote, or pass --all"),
        (["patch_9"], "not in the queue (.patches/queue/): patch_9"),
        (["patch_1", "--all"], "pass patch ids or --all, not both"),
        (["--all", "--onto", "bad..name"], "is not a valid branch name"),
        (["--all", "--push", "--dry-run"], "--push does not go with --dry-run"),
    ],
)
def test_wrong_uses_exit_2_and_change_nothing(pods: Path, args: list[str], message: str) -> None:
    folder = _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    before = refs(pods)
    result = promote(pods, *args)
    assert result.code == 2, result.text
    assert message in result.err
    assert refs(pods) == before and folder.is_dir()


def test_outside_a_repository(tmp_path: Path) -> None:
    result = promote(tmp_path, "--all")
    assert result.code == 3 and "not inside a git repository" in result.err


def test_json_and_dry_run(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    before = refs(pods)
    result = promote(pods, "--all", "--dry-run", "--json")
    assert result.code == 0, result.text
    data = json.loads(result.out)
    assert data["command"] == "promote" and data["ok"] is True and data["dry_run"] is True
    (item,) = data["bundles"]
    assert item["patch_id"] == "patch_1" and item["status"] == "promoted" and item["branch"] == "pods/F2.1"
    assert item["added"] == 1 and item["deleted"] == 1 and item["files"] == 1 and "commit" not in item
    assert refs(pods) == before and (pods / ".patches/queue/patch_1").is_dir()
    result = promote(pods, "--all", "--json")
    item = json.loads(result.out)["bundles"][0]
    assert item["commit"] == git(pods, "rev-parse", "pods/F2.1").strip()


def test_the_promoted_commit_passes_the_hooks_and_validate(pods: Path) -> None:
    _queued(pods, "patch_1", "def parse(text):\n    return text.split(',')\n")
    assert promote(pods, "--all").code == 0
    git(pods, "checkout", "-q", "pods/F2.1")
    assert cli_validate(pods).code == 0
    # the commit-msg hook recomputes the trailers from the archived bundle: rewording keeps them valid
    git(pods, "commit", "-q", "--amend", "--no-edit")
    assert git(pods, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)").strip() == "patch_1"


def cli_validate(root: Path):  # type: ignore[no-untyped-def]
    from helpers import cli

    return cli(root, "validate")


@pytest.mark.parametrize(
    ("summary", "entry", "subject", "body"),
    [
        (
            "Split symptom lists on commas",
            "Symptom lists split on commas",
            "Split symptom lists on commas",
            "- changed: Symptom lists split on commas",
        ),
        ("Same line", "Same line", "Same line", None),
        (
            "Parse comma- and newline-separated symptom lists before staging the return-to-play protocol",
            "x",
            "Parse comma- and newline-separated symptom lists before staging the",
            "Parse comma- and newline-separated symptom lists before staging the return-to-play protocol",
        ),
        ("A" * 80, "x", "A" * 72, "A" * 80),
    ],
    ids=["summary first", "no repeat", "cut at a word", "one long word"],
)
def test_the_subject_is_the_summary_cut_at_a_word(
    summary: str, entry: str, subject: str, body: str | None
) -> None:
    from git_pods.promote.build import commit_message

    trace = {"summary": summary}
    changelog = {"entries": [{"type": "changed", "description": entry}]}
    message = commit_message(changelog, trace, ["Pod: dev-pod"]).decode()
    lines = message.split("\n")
    assert lines[0] == subject and len(lines[0]) <= 72 and "..." not in lines[0]
    assert (body in message) if body else message == f"{subject}\n\nPod: dev-pod\n"


def _new_file(path: str, text: str) -> str:
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1 @@\n+{text}\n"
    )


@pytest.fixture
def second_clone(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A lead's repository with pods/F2.1 pushed to a shared remote, and a second lead's clone."""
    first = pods_repo(repo)
    bundle(first, "patch_a", _new_file("docs/a.md", "a"))
    assert promote(first, "patch_a").code == 0
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(first, "remote", "add", "origin", str(bare))
    git(first, "push", "-q", "--no-verify", "origin", "main", "pods/F2.1")
    second = tmp_path / "second"
    git(tmp_path, "clone", "-q", str(bare), str(second))
    assert cli(second, "init").code == 0
    return first, second


def test_a_second_clone_builds_on_the_remotes_task_branch(second_clone: tuple[Path, Path]) -> None:
    first, second = second_clone
    remote_tip = git(second, "rev-parse", "origin/pods/F2.1").strip()
    bundle(second, "patch_b", _new_file("docs/b.md", "b"), pod="qa-pod")
    done = promote(second, "patch_b")
    assert done.code == 0, done.text
    assert git(second, "rev-parse", "pods/F2.1^").strip() == remote_tip
    # after the first lead promotes more and the second fetches, the local branch is behind:
    bundle(first, "patch_c", _new_file("docs/c.md", "c"), pod="qa-pod")
    assert promote(first, "patch_c").code == 0
    git(first, "push", "-q", "--no-verify", "--force", "origin", "pods/F2.1")
    git(second, "reset", "-q", "--hard")
    git(second, "branch", "-q", "-f", "pods/F2.1", remote_tip)  # the second lead's older copy
    git(second, "fetch", "-q", "origin")
    ahead = git(second, "rev-parse", "origin/pods/F2.1").strip()
    bundle(second, "patch_d", _new_file("docs/d.md", "d"), pod="qa-pod")
    done = promote(second, "patch_d")
    assert done.code == 0, done.text
    assert git(second, "rev-parse", "pods/F2.1^").strip() == ahead  # a fast-forward, no fork


def test_a_task_branch_diverged_from_the_remotes_is_refused(second_clone: tuple[Path, Path]) -> None:
    first, second = second_clone
    bundle(second, "patch_b", _new_file("docs/b.md", "b"), pod="qa-pod")
    assert promote(second, "patch_b").code == 0
    bundle(first, "patch_c", _new_file("docs/c.md", "c"), pod="qa-pod")
    assert promote(first, "patch_c").code == 0
    git(first, "push", "-q", "--no-verify", "origin", "pods/F2.1")
    git(second, "fetch", "-q", "origin")
    local = git(second, "rev-parse", "pods/F2.1").strip()
    bundle(second, "patch_d", _new_file("docs/d.md", "d"), pod="qa-pod")
    done = promote(second, "patch_d")
    assert done.code == 3, done.text
    assert "GP402" in done.text and "pods/F2.1 and origin/pods/F2.1 have diverged" in done.text
    assert "git rebase origin/pods/F2.1" in done.text
    assert git(second, "rev-parse", "pods/F2.1").strip() == local
    assert (second / ".patches/queue/patch_d/patch.diff").is_file()  # nothing lost


def test_promote_fetch_builds_on_what_the_other_lead_pushed(second_clone: tuple[Path, Path]) -> None:
    first, second = second_clone
    bundle(second, "patch_b", _new_file("docs/b.md", "b"), pod="qa-pod")
    assert promote(second, "patch_b").code == 0
    git(second, "push", "-q", "--no-verify", "origin", "pods/F2.1")
    git(first, "fetch", "-q", "origin")  # the first lead has not fetched: --fetch does it
    git(first, "update-ref", "-d", "refs/remotes/origin/pods/F2.1")
    pushed = git(second, "rev-parse", "pods/F2.1").strip()
    git(first, "branch", "-q", "-f", "pods/F2.1", f"{pushed}^")  # the first lead's copy is behind
    bundle(first, "patch_c", _new_file("docs/c.md", "c"), pod="qa-pod")
    done = promote(first, "patch_c", "--fetch")
    assert done.code == 0, done.text
    assert "fetched the task branches (pods/*) from origin" in done.out
    assert git(first, "rev-parse", "pods/F2.1^").strip() == pushed
    # an unreachable remote stops the promote (exit 3) and loses nothing
    git(first, "remote", "set-url", "origin", str(first / "no-such-remote.git"))
    bundle(first, "patch_d", _new_file("docs/d.md", "d"), pod="qa-pod")
    refused = promote(first, "patch_d", "--fetch")
    assert refused.code == 3, refused.text
    assert "could not fetch the task branches from origin" in refused.err
    assert (first / ".patches/queue/patch_d/patch.diff").is_file()
