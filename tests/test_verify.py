"""`git pod-verify`: every commit judged as the hooks would have judged it, by its parent's policy;
an honest history passes, what --no-verify let in is caught, shallow history is exit 3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import cli, git
from promoting import bundle, diff_of_change, pods_repo


@pytest.fixture
def honest(repo: Path) -> Path:
    """Assign, promote, hand off, merge: everything through git-pods."""
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse lists").code == 0
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    assert cli(root, "promote", "patch_1").code == 0
    assert cli(root, "handoff", "--to", "qa-pod", "--reason", "Test it", "--patch", "patch_1").code == 0
    git(root, "merge", "-q", "--no-edit", "pods/F2.1")
    return root


def _rules(result_out: str) -> list[tuple[str, str]]:
    data = json.loads(result_out)
    return sorted({(v["commit"][:12], v["rule"]) for v in data["violations"]})


def test_an_honest_history_passes(honest: Path) -> None:
    result = cli(honest, "verify", "--all")
    assert result.code == 0, result.text
    assert "ok:" in result.out
    data = json.loads(cli(honest, "verify", "--all", "--json").out)
    assert data["ok"] and data["pod_commits"] >= 4  # assign, promote, handoff, the merge's notes-free check


def test_what_no_verify_let_in_is_caught(honest: Path) -> None:
    start = git(honest, "rev-parse", "HEAD").strip()
    (honest / ".patches/queue/bad").mkdir(parents=True)
    (honest / ".patches/queue/bad/patch.diff").write_text("not a diff\n")
    git(honest, "add", ".patches")
    git(honest, "commit", "-q", "--no-verify", "-m", "sneak a bundle in")
    bad = git(honest, "rev-parse", "HEAD").strip()[:12]
    git(honest, "commit", "-q", "--no-verify", "--allow-empty", "-m", "claim\n\nPatch-Id: patch_none")
    claim = git(honest, "rev-parse", "HEAD").strip()[:12]
    (honest / ".patches/patch_1.diff").write_text("rewritten\n")
    git(honest, "commit", "-q", "--no-verify", "-am", "rewrite history")
    rewrite = git(honest, "rev-parse", "HEAD").strip()[:12]

    result = cli(honest, "verify", "--range", f"{start}..HEAD", "--json")

    assert result.code == 1, result.text
    rules = _rules(result.out)
    assert (bad, "GP200") in rules and (bad, "GP300") in rules
    assert (claim, "GP222") in rules
    assert (rewrite, "GP500") in rules
    text = cli(honest, "verify", "--range", f"{start}..HEAD")
    assert f"{rewrite} .patches/patch_1.diff: GP500 promoted record changed" in text.out


def test_an_archive_made_by_hand_needs_its_trailers(honest: Path) -> None:
    start = git(honest, "rev-parse", "HEAD").strip()
    folder = bundle(
        honest,
        "patch_2",
        "diff --git a/N.md b/N.md\nnew file mode 100644\n--- /dev/null\n+++ b/N.md\n@@ -0,0 +1 @@\n+n\n",
    )
    (honest / ".logs/patch_2").mkdir(parents=True)
    for name in ("thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"):
        shutil.copy(folder / name, honest / ".logs/patch_2" / name)
    shutil.copy(folder / "patch.diff", honest / ".patches/patch_2.diff")
    shutil.rmtree(folder)
    git(honest, "add", ".patches", ".logs")
    git(honest, "commit", "-q", "--no-verify", "-m", "archive by hand")
    result = cli(honest, "verify", "--range", f"{start}..HEAD", "--json")
    assert result.code == 1, result.text
    assert [rule for _c, rule in _rules(result.out)] == ["GP220", "GP501"]  # no trailers, and no code change


def test_a_shallow_clone_that_lacks_the_range_is_exit_3(honest: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{honest}", str(clone))
    result = cli(clone, "verify", "--all")
    assert result.code == 3, result.text
    assert "shallow" in result.err and "fetch" in result.err
    result = cli(clone, "verify", "--range", "HEAD~5..HEAD")
    assert result.code == 3, result.text


@pytest.mark.parametrize(
    ("args", "message"), [([], "pass --range A..B or --all"), (["--range", "x..y", "--all"], "not both")]
)
def test_wrong_uses(honest: Path, args: list[str], message: str) -> None:
    result = cli(honest, "verify", *args)
    assert result.code == 2 and message in result.err


def test_an_archive_whose_change_differs_from_its_diff_is_caught(honest: Path) -> None:
    start = git(honest, "rev-parse", "HEAD").strip()
    raw, _ = diff_of_change(honest, lambda r: (r / "NEW.md").write_text("n\n"))
    bundle(honest, "patch_2", raw)
    assert cli(honest, "promote", "patch_2", "--onto", "main").code == 0
    assert cli(honest, "verify", "--range", f"{start}..HEAD").code == 0  # promote's own commit matches
    git(honest, "reset", "-q", "--soft", "HEAD~1")  # redo the same commit with a human edit in it
    (honest / "README.md").write_text("# edited in the same commit\n")
    git(honest, "add", "README.md")
    message = git(honest, "log", "-1", "--format=%B", "ORIG_HEAD")
    git(honest, "commit", "-q", "--no-verify", "-m", message)
    result = cli(honest, "verify", "--range", f"{start}..HEAD", "--json")
    assert result.code == 1, result.text
    (problem,) = json.loads(result.out)["violations"]
    assert problem["rule"] == "GP501" and "README.md" in problem["message"]
