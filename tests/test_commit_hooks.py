"""The commit-time hooks, fired by real `git commit` in real repositories after `git pod-init`."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest

from helpers import (
    BIN,
    CHANGELOG,
    DIFF,
    HANDOFF,
    PATCH_ID,
    TRACE,
    Result,
    cli,
    git,
    queue,
)

MARKS = Path(".git/pods/hook-marks")


def commit(repo: Path, *args: str, env: dict[str, str] | None = None, path: str | None = None) -> Result:
    """`git commit` as a user types it, with PATH lacking the virtualenv unless path says otherwise."""
    full = dict(os.environ, **(env or {}))
    full["PATH"] = path if path is not None else _path_without_venv()
    return run(["git", "commit", "-q", *args], repo, full)


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def _path_without_venv() -> str:
    return os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != BIN)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def adopted(repo: Path) -> Path:
    """A repository with git-pods adopted and the scaffold committed."""
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "Start")
    done = cli(repo, "init")
    assert done.code == 0, done.text
    git(repo, "add", ".pods", "prompts", ".patches", ".gitattributes")
    assert commit(repo, "-m", "Adopt git-pods").code == 0
    return repo


def archive(repo: Path, patch_id: str = PATCH_ID) -> str:
    """Move a queued bundle into the archive by hand (the seeds' promoter) and stage the code."""
    queued = queue(repo, patch_id)
    git(repo, "add", str(queued))
    assert commit(repo, "-m", f"Queue {patch_id}").code == 0
    logs = repo / ".logs" / patch_id
    logs.mkdir(parents=True)
    contents = {
        name: (queued / name).read_bytes()
        for name in ("changelog.yaml", "handoff_log.yaml", "patch.diff", "thought_trace.yaml")
    }
    git(repo, "mv", str(queued / "patch.diff"), f".patches/{patch_id}.diff")
    for name in ("thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"):
        git(repo, "mv", str(queued / name), str(logs / name))
    git(repo, "apply", f".patches/{patch_id}.diff")
    git(repo, "add", "-A")
    listing = "".join(f"{hashlib.sha256(contents[n]).hexdigest()}  {n}\n" for n in sorted(contents))
    return "sha256:" + hashlib.sha256(listing.encode()).hexdigest()


def trailers(digest: str, patch_id: str = PATCH_ID) -> str:
    return f"Pod: dev-pod\nTask: F2.1\nPatch-Id: {patch_id}\nPod-Bundle: {digest}\n"


def test_an_ordinary_commit_passes_untouched(adopted: Path) -> None:
    marks = (adopted / MARKS).read_text()
    (adopted / "src.py").write_text("print('hi')\n")
    git(adopted, "add", "src.py")
    done = commit(adopted, "-m", "Add src\n\nTask: chores")
    assert done.code == 0 and done.out == "" and done.err == ""
    assert (adopted / MARKS).read_text() == marks  # the shell pre-filter decided: Python never started


def test_a_valid_queued_bundle_is_accepted_and_marked_with_its_tree(adopted: Path) -> None:
    git(adopted, "add", str(queue(adopted)))
    done = commit(adopted, "-m", "Queue a bundle")
    assert done.code == 0, done.err
    tree = git(adopted, "rev-parse", "HEAD^{tree}").strip()
    assert f"{tree} pod-bundle ok " in (adopted / MARKS).read_text()


@pytest.mark.parametrize(
    ("files", "rule", "bad_file"),
    [
        ({"handoff_log__yaml": None}, "GP200", ".patches/queue/{id}/"),
        (
            {"thought_trace__yaml": TRACE.format(patch_id=PATCH_ID).replace("F2.1", "F9")},
            "GP203",
            "changelog.yaml",
        ),
        ({"changelog__yaml": "patch_id: x\nentries: []\n"}, "GP110", ".patches/queue/{id}/changelog.yaml"),
        ({"patch__diff": DIFF.replace("src/parser.py", ".pods/config.yaml")}, "GP303", "patch.diff"),
        ({"thought_trace__yaml": "patch_id: &a x\nx: *a\n"}, "GP104", "thought_trace.yaml"),
    ],
)
def test_a_broken_bundle_is_refused_naming_file_and_rule(
    adopted: Path, files: dict[str, str | None], rule: str, bad_file: str
) -> None:
    before = head(adopted)
    git(adopted, "add", str(queue(adopted, **files)))
    done = commit(adopted, "-m", "Queue a broken bundle")
    assert done.code == 1
    assert f" {rule} " in done.err
    assert bad_file.format(id=PATCH_ID) in done.err
    assert "commit refused by pod-bundle" in done.err
    assert head(adopted) == before


def test_staged_content_is_judged_not_the_working_tree(adopted: Path) -> None:
    folder = queue(adopted)
    git(adopted, "add", str(folder))
    (folder / "changelog.yaml").write_text("broken: [\n")  # unstaged: must not matter
    assert commit(adopted, "-m", "Queue").code == 0
    (folder / "changelog.yaml").write_text(CHANGELOG.format(patch_id=PATCH_ID) + "bogus_key: 1\n")
    git(adopted, "add", str(folder / "changelog.yaml"))
    (folder / "changelog.yaml").write_text(CHANGELOG.format(patch_id=PATCH_ID))  # the fix, not staged
    done = commit(adopted, "-m", "Edit")
    assert done.code == 1 and "GP111" in done.err and "changelog.yaml" in done.err


def test_commit_all_uses_the_index_git_prepares(adopted: Path) -> None:
    folder = queue(adopted)
    git(adopted, "add", str(folder))
    assert commit(adopted, "-m", "Queue").code == 0
    (folder / "thought_trace.yaml").write_text("patch_id: [\n")
    done = commit(adopted, "-a", "-m", "Break the trace")
    assert done.code == 1 and "GP101" in done.err and "thought_trace.yaml" in done.err


def test_a_staged_invalid_ledger_and_config_are_refused(adopted: Path) -> None:
    tasks = adopted / ".pods" / "tasks"
    tasks.mkdir()
    (tasks / "F2.1.yaml").write_text("pod: qa-pod\ntask_id: F3\ngoal: x\n")
    git(adopted, "add", str(tasks))
    done = commit(adopted, "-m", "Ledger")
    assert done.code == 1 and "GP700" in done.err and ".pods/tasks/F2.1.yaml" in done.err
    git(adopted, "reset", "-q")
    config = adopted / ".pods" / "config.yaml"
    config.write_text(config.read_text().replace("policy:", "polcy:"))
    git(adopted, "add", str(config))
    done = commit(adopted, "-m", "Config")
    assert done.code == 1 and "GP111" in done.err and ".pods/config.yaml" in done.err


def test_policy_comes_from_the_parent_not_the_change(adopted: Path) -> None:
    config = adopted / ".pods" / "config.yaml"
    config.write_text(
        config.read_text().replace("  wow-pod:", "  ghost-pod:\n    description: x\n  wow-pod:", 1)
    )
    git(adopted, "add", str(config))
    trace = TRACE.format(patch_id=PATCH_ID).replace("dev-pod", "ghost-pod")
    folder = queue(
        adopted,
        thought_trace__yaml=trace,
        changelog__yaml=CHANGELOG.format(patch_id=PATCH_ID).replace("dev-pod", "ghost-pod"),
        handoff_log__yaml=HANDOFF.format(patch_id=PATCH_ID).replace("dev-pod", "ghost-pod"),
    )
    git(adopted, "add", str(folder))
    done = commit(adopted, "-m", "Add a pod and use it at once")
    assert done.code == 1 and "GP205" in done.err and "ghost-pod" in done.err


def test_promoted_records_never_change(adopted: Path) -> None:
    digest = archive(adopted)
    assert commit(adopted, "-m", "Add parser\n\n" + trailers(digest)).code == 0
    log = adopted / ".logs" / PATCH_ID / "changelog.yaml"
    log.write_text(log.read_text() + "# edited later\n")
    git(adopted, "add", str(log))
    done = commit(adopted, "-m", "Touch up a log")
    assert done.code == 1 and "GP500" in done.err and f".logs/{PATCH_ID}/changelog.yaml" in done.err
    git(adopted, "reset", "-q", "--hard")
    git(adopted, "rm", "-q", f".patches/{PATCH_ID}.diff")
    done = commit(adopted, "-m", "Drop a record")
    assert done.code == 1 and "GP500" in done.err and "deleted" in done.err


def test_an_archive_commit_needs_matching_trailers(adopted: Path) -> None:
    digest = archive(adopted)
    done = commit(adopted, "-m", "Add parser")
    assert done.code == 1 and "GP220" in done.err and ".git/COMMIT_EDITMSG" in done.err
    assert f"Pod-Bundle: {digest}" in done.err  # the fix shows the exact lines
    done = commit(adopted, "-m", "Add parser\n\n" + trailers("sha256:" + "0" * 64))
    assert done.code == 1 and "GP221" in done.err
    done = commit(adopted, "-m", "Add parser\n\n" + trailers(digest).replace("dev-pod", "qa-pod"))
    assert done.code == 1 and "GP221" in done.err and "Pod" in done.err
    done = commit(adopted, "-m", "Add parser\n\n" + trailers(digest))
    assert done.code == 0, done.err
    amended = commit(adopted, "--amend", "-m", "Add the parser\n\n" + trailers(digest))
    assert amended.code == 0, amended.err


def test_amend_is_judged_against_the_amended_commits_parent(adopted: Path) -> None:
    digest = archive(adopted)
    assert commit(adopted, "-m", "Add parser\n\n" + trailers(digest)).code == 0
    dropped = commit(adopted, "--amend", "-m", "Add parser, trailers gone")
    assert dropped.code == 1 and "GP220" in dropped.err
    assert commit(adopted, "--amen", "-m", "Reworded\n\n" + trailers(digest)).code == 0


def test_amend_cannot_use_the_policy_it_adds(adopted: Path) -> None:
    config = adopted / ".pods" / "config.yaml"
    config.write_text(config.read_text().replace('paths: ["**"]', 'paths: ["docs/**"]', 1))  # dev-pod
    git(adopted, "add", str(config))
    assert commit(adopted, "-m", "Narrow dev-pod to docs").code == 0
    config.write_text(config.read_text().replace('paths: ["docs/**"]', 'paths: ["**"]', 1))
    git(adopted, "add", str(config))
    assert commit(adopted, "-m", "Widen it again").code == 0
    git(adopted, "add", str(queue(adopted)))  # a dev-pod diff under src/
    done = commit(adopted, "--amend", "-m", "Widen it again, and queue")
    assert done.code == 1 and "GP303" in done.err and "src/parser.py" in done.err, done.err


def test_odd_trailer_values_are_refused_not_crashed_on(adopted: Path) -> None:
    (adopted / "x.py").write_text("x = 1\n")
    git(adopted, "add", "x.py")
    done = commit(adopted, "-m", "Odd\n\nPatch-Id: foo bar")
    assert done.code == 1 and "GP222" in done.err and "internal error" not in done.err


def test_a_claim_of_a_promoted_bundle_must_match_it(adopted: Path) -> None:
    digest = archive(adopted)
    assert commit(adopted, "-m", "Add parser\n\n" + trailers(digest)).code == 0
    (adopted / "y.py").write_text("y = 1\n")
    git(adopted, "add", "y.py")
    wrong = trailers("sha256:" + "1" * 64).replace("dev-pod", "wow-pod")
    done = commit(adopted, "-m", "Later work\n\n" + wrong)
    assert done.code == 1 and "GP221" in done.err


def test_a_husky_style_hook_still_finds_itself_when_chained(repo: Path) -> None:
    hooks = repo / ".husky" / "_"
    hooks.mkdir(parents=True)
    (hooks / "h").write_text('#!/usr/bin/env sh\nn=$(basename "$0")\nsh -e "${0%/*}/../$n"\n')
    (hooks / "pre-commit").write_text('#!/usr/bin/env sh\n. "${0%/*}/h"\n')
    (hooks / "pre-commit").chmod(0o755)
    (repo / ".husky" / "pre-commit").write_text("echo husky says no >&2\nexit 1\n")
    git(repo, "config", "core.hooksPath", ".husky/_")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    assert commit(repo, "-m", "Before").code == 1  # husky's hook blocks
    assert cli(repo, "init").code == 0
    done = commit(repo, "-m", "After")
    assert done.code == 1 and "husky says no" in done.err


def test_trailers_claiming_pod_work_need_a_bundle(adopted: Path) -> None:
    (adopted / "x.py").write_text("x = 1\n")
    git(adopted, "add", "x.py")
    done = commit(adopted, "-m", "Sneaky\n\nPatch-Id: patch_20990101_000000")
    assert done.code == 1 and "GP222" in done.err
    done = commit(adopted, "-m", "Sneaky\n\nPod: dev-pod")
    assert done.code == 1 and "GP222" in done.err
    done = commit(adopted, "-m", "Fine\n\nTask: F2.1\nAssisted-by: someone:model")
    assert done.code == 0, done.err


def test_merging_a_promoted_branch_needs_no_trailers_of_its_own(adopted: Path) -> None:
    git(adopted, "checkout", "-q", "-b", "pods/F2.1")
    digest = archive(adopted)
    assert commit(adopted, "-m", "Add parser\n\n" + trailers(digest)).code == 0
    git(adopted, "checkout", "-q", "main")
    (adopted / "other.txt").write_text("other\n")
    git(adopted, "add", "other.txt")
    assert commit(adopted, "-m", "Other work").code == 0
    env = dict(os.environ, PATH=_path_without_venv())
    done = run(["git", "merge", "--no-ff", "-m", "Merge pods/F2.1", "pods/F2.1"], adopted, env)
    assert done.code == 0, done.err


def test_queueing_needs_no_trailers(adopted: Path) -> None:
    git(adopted, "add", str(queue(adopted)))
    assert commit(adopted, "-m", "Queue").code == 0


def test_skip_skips_says_so_and_is_recorded(adopted: Path) -> None:
    git(adopted, "add", str(queue(adopted, handoff_log__yaml=None)))
    done = commit(adopted, "-m", "Queue anyway", env={"SKIP": "other, pod-bundle"})
    assert done.code == 0
    assert "pod-bundle skipped" in done.err and "recorded" in done.err
    tree = git(adopted, "rev-parse", "HEAD^{tree}").strip()
    assert f"{tree} pod-bundle skipped " in (adopted / MARKS).read_text()


def test_no_verify_leaves_no_marker(adopted: Path) -> None:
    git(adopted, "add", str(queue(adopted, handoff_log__yaml=None)))
    assert commit(adopted, "--no-verify", "-m", "Bypass").code == 0
    tree = git(adopted, "rev-parse", "HEAD^{tree}").strip()
    marks = (adopted / MARKS).read_text() if (adopted / MARKS).exists() else ""
    assert tree not in marks  # what post-commit and verify will use to tell a bypass


def test_hooks_in_core_hooks_path_fire(repo: Path) -> None:
    (repo / ".husky" / "_").mkdir(parents=True)
    git(repo, "config", "core.hooksPath", ".husky/_")
    assert cli(repo, "init").code == 0
    assert (repo / ".husky" / "_" / "pre-commit").is_file()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    git(repo, "add", str(queue(repo, changelog__yaml=None)))
    done = commit(repo, "-m", "Broken")
    assert done.code == 1 and "GP200" in done.err


def test_a_chained_foreign_hook_still_runs_and_can_block(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(
        '#!/bin/sh\necho ran >> "$(git rev-parse --git-dir)/foreign.log"\nexit ${FOREIGN_EXIT:-0}\n'
    )
    hook.chmod(0o755)
    assert cli(repo, "init").code == 0
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    assert commit(repo, "-m", "First").code == 0
    assert (repo / ".git" / "foreign.log").read_text() == "ran\n"
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt")
    before = head(repo)
    assert commit(repo, "-m", "Blocked", env={"FOREIGN_EXIT": "3"}).code == 1
    assert head(repo) == before
    assert (repo / ".git" / "foreign.log").read_text() == "ran\nran\n"


def test_modules_in_the_work_tree_are_never_imported(adopted: Path) -> None:
    for name in ("yaml.py", "jsonschema_rs.py", "subprocess.py"):
        (adopted / name).write_text("open('PWNED', 'w').write('ran')\n")
    git(adopted, "add", str(queue(adopted)))
    assert commit(adopted, "-m", "Queue").code == 0
    assert not (adopted / "PWNED").exists()


def test_a_missing_interpreter_is_named(adopted: Path) -> None:
    hook = adopted / ".git" / "hooks" / "pre-commit"
    text = re.sub(r"(?m)^GIT_PODS_PYTHON=.*$", "GIT_PODS_PYTHON='/gone/python3'", hook.read_text())
    assert "/gone/python3" in text
    hook.write_text(text)
    git(adopted, "add", str(queue(adopted)))
    done = commit(adopted, "-m", "Queue")
    assert done.code == 1 and "GP605" in done.err and "/gone/python3" in done.err


def test_the_hook_entry_refuses_wrong_use(repo: Path) -> None:
    hook = str(BIN / "git-pods-hook")
    done = run([hook, "bogus"], repo)
    assert done.code == 2 and "usage: git-pods-hook" in done.err
    done = run([hook, "commit-msg", str(repo / "no-such-message")], repo)
    assert done.code == 2 and "no such message file" in done.err
    done = run([hook, "post-commit"], repo)  # no commit yet: nothing to record
    assert done.code == 0 and done.err == ""
    done = run([hook, "post-rewrite"], repo)  # no amend|rebase argument: warned, never fails git
    assert done.code == 0 and "GP624" in done.err
    done = run([hook, "pre-push", "origin", "url"], repo)  # nothing on stdin: nothing pushed
    assert done.code == 0 and done.err == ""
    done = run([hook, "--help"], repo)
    assert done.code == 0 and "pre-commit" in done.out
    outside = repo.parent / "elsewhere"
    outside.mkdir()
    done = run([hook, "pre-commit"], outside)
    assert done.code == 3 and "not inside a git repository" in done.err
    assert "Traceback" not in done.err
