"""`pod-post-rewrite`: after a real `git commit --amend` or `git rebase`, the new commits hold the old
ones' events (copied by git with notes.rewriteRef, by the hook without it) and a `rewritten` event."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_post_commit import (
    archive_by_hand,
    commit,
    events,
    install_post_hooks,
    move_main,
    parsed,
    promoted_on_branch,
    run,
    sha,
)

from helpers import BIN, git
from promoting import pods_repo


@pytest.fixture(params=["rewriteRef", "no rewriteRef"])
def pods(repo: Path, request: pytest.FixtureRequest) -> Path:
    root = pods_repo(repo)
    install_post_hooks(root)
    if request.param == "no rewriteRef":
        git(root, "config", "--unset-all", "notes.rewriteRef")
    return root


def _rewritten(root: Path, rev: str) -> list[tuple[str, str, str | None]]:
    return [(e["how"], e["commit"], e.get("patch")) for e in parsed(root, rev) if e["event"] == "rewritten"]


def test_amend_keeps_the_events_and_names_the_old_commit(pods: Path) -> None:
    message = archive_by_hand(pods, "patch_1", "alpha")
    commit(pods, "-m", message)
    old = sha(pods)
    (promoted,) = events(pods, old)
    (pods / "src/alpha.py").write_text("def alpha():\n    return 2\n")
    git(pods, "add", "src/alpha.py")
    commit(pods, "--amend", "--no-edit", env={"GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z"})
    lines = events(pods, "HEAD")
    assert lines.count(promoted) == 1  # copied once, whoever copied it
    assert _rewritten(pods, "HEAD") == [("amend", old, "patch_1")]
    assert "bypass-detected" not in [e["event"] for e in parsed(pods, "HEAD")]


def test_rebase_moves_the_events_to_the_new_commits(pods: Path) -> None:
    first = promoted_on_branch(pods, "patch_1", "alpha")
    second = promoted_on_branch(pods, "patch_2", "beta")
    move_main(pods)
    git(pods, "checkout", "-q", "pods/F2.1")
    done = run(pods, "git", "rebase", "-q", "main")
    assert done.code == 0, done.text
    assert sha(pods, "HEAD~2") == sha(pods, "main")
    for rev, old, patch in (("HEAD~1", first, "patch_1"), ("HEAD", second, "patch_2")):
        found = parsed(pods, rev)
        assert [e["patch"] for e in found if e["event"] == "promoted"] == [patch]
        assert _rewritten(pods, rev) == [("rebase", old, patch)]
        assert "hand-commit" not in {e.get("how") for e in found}  # the picks' post-commit left it alone


def test_an_interactive_squash_keeps_both_bundles_events(pods: Path) -> None:
    first = promoted_on_branch(pods, "patch_1", "alpha")
    second = promoted_on_branch(pods, "patch_2", "beta")
    git(pods, "checkout", "-q", "pods/F2.1")
    done = run(
        pods,
        "git",
        "rebase",
        "-q",
        "-i",
        "HEAD~2",
        env={"GIT_SEQUENCE_EDITOR": "sed -i '2s/^pick/squash/'", "GIT_EDITOR": "true"},
    )
    assert done.code == 0, done.text
    found = parsed(pods, "HEAD")
    assert sorted(e["patch"] for e in found if e["event"] == "promoted") == ["patch_1", "patch_2"]
    assert sorted(_rewritten(pods, "HEAD")) == sorted(
        [("rebase", first, "patch_1"), ("rebase", second, "patch_2")]
    )


def test_an_ordinary_commit_rebased_gets_no_note(pods: Path) -> None:
    git(pods, "checkout", "-q", "-b", "topic")
    (pods / "TOPIC.md").write_text("topic\n")
    git(pods, "add", "TOPIC.md")
    commit(pods, "-m", "Topic")
    git(pods, "checkout", "-q", "main")
    move_main(pods)
    git(pods, "checkout", "-q", "topic")
    assert run(pods, "git", "rebase", "-q", "main").code == 0
    assert events(pods, "HEAD") == []


def test_hostile_input_and_a_garbled_note_only_warn(pods: Path) -> None:
    commit(pods, "--allow-empty", "-m", "Plain")
    old = sha(pods)
    git(pods, "notes", "--ref=pods", "add", "-m", "not an event", old)
    commit(pods, "--amend", "--allow-empty", "-m", "Plain, reworded")
    new = sha(pods)
    assert "not an event" in events(pods, new) and _rewritten(pods, new) == [("amend", old, None)]
    hook = str(BIN / "git-pods-hook")
    for args, stdin in (
        (["post-rewrite", "sideways"], f"{old} {new}\n"),
        (["post-rewrite", "rebase"], "garbage\n\x00\xff\n"),
        (["post-rewrite"], ""),
    ):
        done = run(pods, hook, *args, stdin=stdin.encode("utf-8", "surrogateescape"))
        assert done.code == 0 and "GP624" in done.err, done.text
    again = run(pods, hook, "post-rewrite", "amend", stdin=f"{old} {new}\n".encode())
    assert again.code == 0 and "GP623" in again.err
    assert len(_rewritten(pods, new)) == 1  # repeating it adds nothing
