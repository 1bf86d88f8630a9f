"""`pod-pre-push`: git's ref lines decide the ranges; what --no-verify let into a commit is refused
at push time, for every ref of the push; a new branch is judged only for its new commits."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from helpers import BIN, git
from promoting import pods_repo


@pytest.fixture
def pushing(repo: Path, tmp_path: Path) -> Path:
    root = pods_repo(repo)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    hook = root / ".git/hooks/pre-push"
    hook.write_text(f'#!/bin/sh\nexec "{BIN / "git-pods-hook"}" pre-push "$@"\n')
    hook.chmod(0o755)
    return root


def _push(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "-q", *args], cwd=root, capture_output=True, text=True, check=False)


def _sneak(root: Path, name: str) -> str:
    (root / ".patches/queue" / name).mkdir(parents=True)
    (root / ".patches/queue" / name / "patch.diff").write_text("not a diff\n")
    git(root, "add", ".patches")
    git(root, "commit", "-q", "--no-verify", "-m", f"sneak {name}")
    return git(root, "rev-parse", "HEAD").strip()


def _remote(root: Path, ref: str) -> str:
    return git(root, "ls-remote", "origin", ref).split("\t")[0]


def test_an_honest_push_passes_and_a_bypassed_commit_is_refused(pushing: Path) -> None:
    (pushing / "NOTES.md").write_text("notes\n")
    git(pushing, "add", "NOTES.md")
    git(pushing, "commit", "-q", "-m", "notes")
    assert _push(pushing, "origin", "main").returncode == 0
    before = _remote(pushing, "refs/heads/main")
    bad = _sneak(pushing, "bad_1")
    done = _push(pushing, "origin", "main")
    assert done.returncode != 0
    assert f"{bad[:12]} .patches/queue/bad_1/patch.diff: GP300" in done.stderr
    assert "refused by pod-pre-push" in done.stderr
    assert _remote(pushing, "refs/heads/main") == before


def test_every_ref_of_a_push_is_checked(pushing: Path) -> None:
    git(pushing, "checkout", "-q", "-b", "feature")
    bad = _sneak(pushing, "bad_2")
    git(pushing, "checkout", "-q", "main")
    (pushing / "OK.md").write_text("ok\n")
    git(pushing, "add", "OK.md")
    git(pushing, "commit", "-q", "-m", "fine")
    done = _push(pushing, "origin", "main", "feature")
    assert done.returncode != 0 and bad[:12] in done.stderr
    assert _remote(pushing, "refs/heads/feature") == ""


def test_a_new_branch_is_judged_only_for_its_new_commits_and_deletions_pass(pushing: Path) -> None:
    _sneak(pushing, "old_bad")
    assert _push(pushing, "--no-verify", "origin", "main").returncode == 0  # already on the remote
    git(pushing, "fetch", "-q", "origin")
    git(pushing, "checkout", "-q", "-b", "topic")
    (pushing / "T.md").write_text("t\n")
    git(pushing, "add", "T.md")
    git(pushing, "commit", "-q", "-m", "topic work")
    done = _push(pushing, "origin", "topic")
    assert done.returncode == 0, done.stderr
    assert _push(pushing, "origin", "--delete", "topic").returncode == 0


def test_skip_lets_the_push_go_and_says_so(pushing: Path) -> None:
    bad = _sneak(pushing, "bad_3")
    env = dict(os.environ, SKIP="pod-pre-push")
    done = subprocess.run(
        ["git", "push", "-q", "origin", "main"],
        cwd=pushing,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "pod-pre-push skipped" in done.stderr and "CI" in done.stderr
    assert _remote(pushing, "refs/heads/main") == bad


@pytest.mark.parametrize("new_branch", [False, True])
def test_the_frameworks_range_is_read_when_stdin_is_empty(pushing: Path, new_branch: bool) -> None:
    """The pre-commit framework passes one range in PRE_COMMIT_* and nothing on stdin."""
    before = git(pushing, "rev-parse", "HEAD").strip()
    bad = _sneak(pushing, "bad_4")
    env = dict(
        os.environ,
        PRE_COMMIT_TO_REF=bad,
        PRE_COMMIT_LOCAL_BRANCH="refs/heads/main",
        PRE_COMMIT_REMOTE_BRANCH="refs/heads/main",
        PRE_COMMIT_REMOTE_NAME="origin",
    )
    if not new_branch:
        env["PRE_COMMIT_FROM_REF"] = before
    hook = str(BIN / "git-pods-hook")
    done = subprocess.run(
        [hook, "pre-push"], cwd=pushing, env=env, input="", capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert f"{bad[:12]} .patches/queue/bad_4/patch.diff: GP300" in done.stderr
    assert "push to origin refused" in done.stderr
    outside = {k: v for k, v in env.items() if not k.startswith("PRE_COMMIT_")}
    done = subprocess.run(
        [hook, "pre-push"], cwd=pushing, env=outside, input="", capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stderr == ""  # no framework, no lines: nothing pushed


def _note(root: Path, text: str) -> None:
    head = git(root, "rev-parse", "HEAD").strip()
    line = json.dumps({"ts": "2026-01-01T00:00:00Z", "v": 1, "event": "reviewed", "by": text})
    git(root, "notes", "--ref=pods", "add", "-f", "-m", line, head)


def test_a_verified_push_takes_the_notes_along(pushing: Path, tmp_path: Path) -> None:
    (pushing / "N.md").write_text("n\n")
    git(pushing, "add", "N.md")
    git(pushing, "commit", "-q", "-m", "n")
    _note(pushing, "lead")
    done = _push(pushing, "origin", "main")
    assert done.returncode == 0, done.stderr
    remote = tmp_path / "remote.git"
    assert git(remote, "rev-parse", "refs/notes/pods") == git(pushing, "rev-parse", "refs/notes/pods")
    assert (pushing / ".git/config").read_text().count("refs/notes") == 1  # only init's fetch refspec


def test_a_remote_refusing_notes_does_not_stop_the_push(pushing: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do case $ref in refs/notes/*) exit 1;; esac; done\n")
    hook.chmod(0o755)
    (pushing / "M.md").write_text("m\n")
    git(pushing, "add", "M.md")
    git(pushing, "commit", "-q", "-m", "m")
    _note(pushing, "lead")
    done = _push(pushing, "origin", "main")
    assert done.returncode == 0, done.stderr
    assert "notes not pushed to origin" in done.stderr and "git pod-sync origin" in done.stderr
    assert _remote(pushing, "refs/heads/main") == git(pushing, "rev-parse", "HEAD").strip()


def test_a_dry_run_push_sends_no_notes(pushing: Path, tmp_path: Path) -> None:
    _note(pushing, "lead")
    done = _push(pushing, "--dry-run", "origin", "main")
    assert done.returncode == 0, done.stderr
    remote = tmp_path / "remote.git"
    assert (
        subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "refs/notes/pods"], cwd=remote, check=False
        ).returncode
        != 0
    )


def test_the_hook_never_queues_behind_a_running_sync(pushing: Path, tmp_path: Path) -> None:
    import fcntl

    (pushing / "Q.md").write_text("q\n")
    git(pushing, "add", "Q.md")
    git(pushing, "commit", "-q", "-m", "q")
    _note(pushing, "lead")
    lock = pushing / ".git/pods/sync.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a git pod-sync busy elsewhere
        done = subprocess.run(
            ["git", "push", "-q", "origin", "main"],
            cwd=pushing,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "notes not pushed to origin" in done.stderr and "another git pod-sync" in done.stderr
    assert _remote(pushing, "refs/heads/main") == git(pushing, "rev-parse", "HEAD").strip()
