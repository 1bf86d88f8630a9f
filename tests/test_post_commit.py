"""`pod-post-commit`: a hand commit's promoted event, bypasses of the commit hooks, and the events a
cherry-pick or squash merge brings along, fired by real `git commit` and `git cherry-pick`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from git_pods import schema
from helpers import BIN, Result, git
from promoting import bundle, events, pods_repo, promote

NOTES = "refs/notes/pods"


def install_post_hooks(root: Path) -> None:
    """This project's own post-commit and post-rewrite hook scripts, replacing whatever is there."""
    hooks = Path(git(root, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else root / hooks
    for name in ("post-commit", "post-rewrite"):
        (hooks / name).write_text(f'#!/bin/sh\nexec "{BIN / "git-pods-hook"}" {name} "$@"\n')
        (hooks / name).chmod(0o755)


@pytest.fixture
def pods(repo: Path) -> Path:
    root = pods_repo(repo)
    install_post_hooks(root)
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> Result:
    done = subprocess.run(
        args, cwd=root, input=stdin, capture_output=True, env={**os.environ, **(env or {})}, check=False
    )
    return Result(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def commit(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    done = run(root, "git", "commit", "-q", *args, env=env)
    assert done.code == 0, done.text
    return done


def parsed(root: Path, rev: str) -> list[dict[str, Any]]:
    """The events in rev's note (lines that are not JSON objects passed over)."""
    out = []
    for line in events(root, rev):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            assert line.startswith('{"ts":"') and line == json.dumps(event, separators=(",", ":"))
            assert schema.validator("metric-event").is_valid(event), event
            out.append(event)
    return out


def kinds(root: Path, rev: str) -> list[str]:
    return [e["event"] for e in parsed(root, rev)]


def sha(root: Path, rev: str = "HEAD") -> str:
    return git(root, "rev-parse", rev).strip()


def new_file_diff(name: str) -> str:
    return (
        f"diff --git a/src/{name}.py b/src/{name}.py\nnew file mode 100644\n--- /dev/null\n"
        f"+++ b/src/{name}.py\n@@ -0,0 +1,2 @@\n+def {name}():\n+    return 1\n"
    )


def trailers(root: Path, patch_id: str) -> str:
    """The contract trailers of a queued bundle (what promote would write)."""
    folder = root / ".patches/queue" / patch_id
    names = ("changelog.yaml", "handoff_log.yaml", "patch.diff", "thought_trace.yaml")
    listing = "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    digest = hashlib.sha256(listing.encode()).hexdigest()
    return f"Pod: dev-pod\nTask: F2.1\nPatch-Id: {patch_id}\nPod-Bundle: sha256:{digest}\n"


def archive_by_hand(root: Path, patch_id: str, name: str) -> str:
    """What a user does instead of `git pod-promote`: archive a queued bundle, apply its diff, stage
    it all; returns the commit message with the trailers the commit-msg hook wants."""
    folder = bundle(root, patch_id, new_file_diff(name))
    message = f"Add {name}\n\n{trailers(root, patch_id)}"
    logs = root / ".logs" / patch_id
    logs.mkdir(parents=True)
    (folder / "patch.diff").rename(root / ".patches" / f"{patch_id}.diff")
    for file in ("thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"):
        (folder / file).rename(logs / file)
    folder.rmdir()
    git(root, "apply", f".patches/{patch_id}.diff")
    git(root, "add", "-A")
    return message


def promoted_on_branch(root: Path, patch_id: str, name: str, *extra: str) -> str:
    bundle(root, patch_id, new_file_diff(name))
    done = promote(root, patch_id, *extra)
    assert done.code == 0, done.text
    return sha(root, "pods/F2.1")


def move_main(root: Path, name: str = "NEWS.md") -> None:
    """An ordinary commit on main, so a pick onto it makes a new commit (not the same one again)."""
    (root / name).write_text(f"{name}\n")
    git(root, "add", name)
    commit(root, "-m", f"Add {name}")


def test_an_ordinary_commit_gets_no_note(pods: Path) -> None:
    (pods / "README.md").write_text("# changed\n")
    git(pods, "add", "README.md")
    done = commit(pods, "-m", "Edit the readme\n\nTask: F2.1")  # Task alone claims no pod work
    assert events(pods, "HEAD") == [] and done.err == ""
    assert run(pods, "git", "show-ref", NOTES).code == 1  # not even an empty notes commit


def test_a_hand_commit_archiving_a_bundle_gets_one_promoted_event(pods: Path) -> None:
    message = archive_by_hand(pods, "patch_1", "alpha")
    done = commit(pods, "-m", message)
    assert "GP62" not in done.err, done.err
    (event,) = parsed(pods, "HEAD")
    assert event | {"ts": "x"} == {
        "ts": "x", "v": 1, "event": "promoted", "pod": "dev-pod", "task": "F2.1", "patch": "patch_1",
        "by": "Test Lead <lead@example.com>", "added": 2, "deleted": 0, "files": 1, "how": "hand-commit",
    }  # fmt: skip
    assert events(pods, "HEAD")[0].startswith('{"ts":"')
    again = run(pods, str(BIN / "git-pods-hook"), "post-commit")  # idempotent: nothing doubles
    assert again.code == 0 and len(events(pods, "HEAD")) == 1


def test_the_configured_notes_ref_is_used(pods: Path) -> None:
    config = pods / ".pods/config.yaml"
    text = config.read_text()
    assert "\nnotes_ref: refs/notes/pods\n" in text
    config.write_text(
        text.replace("\nnotes_ref: refs/notes/pods\n", "\nnotes_ref: 'refs/notes/team' # ours\n")
    )
    git(pods, "add", ".pods/config.yaml")
    commit(pods, "-m", "Keep events in refs/notes/team")
    commit(pods, "-m", archive_by_hand(pods, "patch_1", "alpha"))
    assert events(pods, "HEAD") == []
    shown = git(pods, "notes", "--ref=refs/notes/team", "show", "HEAD")
    assert '"patch":"patch_1"' in shown and '"how":"hand-commit"' in shown


def test_no_verify_with_a_bundle_is_a_bypass_and_still_promoted(pods: Path) -> None:
    message = archive_by_hand(pods, "patch_1", "alpha")
    done = commit(pods, "--no-verify", "-m", message)
    assert "GP620" in done.err
    found = parsed(pods, "HEAD")
    bypass = sorted(
        (e["hook"], e["how"], tuple(e["patches"])) for e in found if e["event"] == "bypass-detected"
    )
    assert bypass == [
        ("pod-bundle", "no-verify", ("patch_1",)),
        ("pod-commit-msg", "no-verify", ("patch_1",)),
    ]
    assert [e["patch"] for e in found if e["event"] == "promoted"] == ["patch_1"]


def test_no_verify_with_pod_trailers_only_is_a_bypass(pods: Path) -> None:
    commit(pods, "--allow-empty", "--no-verify", "-m", "Claim\n\nPod: dev-pod\nPatch-Id: patch_9")
    (event,) = parsed(pods, "HEAD")
    assert (event["event"], event["hook"], event["how"], event["patches"]) == (
        "bypass-detected",
        "pod-commit-msg",
        "no-verify",
        ["patch_9"],
    )


def test_skip_pod_bundle_is_recorded(pods: Path) -> None:
    message = archive_by_hand(pods, "patch_1", "alpha")
    done = commit(pods, "-m", message, env={"SKIP": "pod-bundle"})
    assert "pod-bundle skipped" in done.err
    found = parsed(pods, "HEAD")
    assert [(e["hook"], e["how"]) for e in found if e["event"] == "bypass-detected"] == [
        ("pod-bundle", "skip")
    ]
    assert [e["event"] for e in found].count("promoted") == 1  # commit-msg did run: no bypass there
    commit(pods, "--allow-empty", "-m", "Nothing to check", env={"SKIP": "pod-bundle,pod-commit-msg"})
    assert sorted(e["hook"] for e in parsed(pods, "HEAD")) == ["pod-bundle", "pod-commit-msg"]


def test_the_commit_msg_mark_tells_a_checked_message_from_a_changed_one(pods: Path) -> None:
    message = archive_by_hand(pods, "patch_1", "alpha")
    commit(pods, "-m", message)
    reworded = message.replace("Add alpha", "Add the alpha function")
    commit(pods, "--amend", "-m", reworded, env={"GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z"})
    assert "bypass-detected" not in kinds(pods, "HEAD")  # the hooks checked the new message
    changed = reworded.replace("Pod: dev-pod", "Pod: qa-pod")
    commit(pods, "--amend", "--no-verify", "-m", changed, env={"GIT_COMMITTER_DATE": "2030-01-02T00:00:00Z"})
    bypass = [(e["hook"], e["how"]) for e in parsed(pods, "HEAD") if e["event"] == "bypass-detected"]
    assert bypass == [("pod-commit-msg", "no-verify")]  # same tree: pod-bundle's mark still holds


def test_a_cherry_pick_relinks_the_events_and_is_no_bypass(pods: Path) -> None:
    origin = promoted_on_branch(pods, "patch_1", "alpha")
    (source_line,) = events(pods, origin)
    move_main(pods)
    done = run(pods, "git", "cherry-pick", "pods/F2.1")
    assert done.code == 0, done.text
    lines = events(pods, "HEAD")
    assert source_line in lines  # verbatim: reports dedupe identical lines
    rewritten = [e for e in parsed(pods, "HEAD") if e["event"] == "rewritten"]
    assert [(e["how"], e["commit"], e["patch"]) for e in rewritten] == [("cherry-pick", origin, "patch_1")]
    assert "bypass-detected" not in kinds(pods, "HEAD")
    assert events(pods, origin) == [source_line]


def test_a_squash_merge_with_both_trailers_relinks_both_bundles(pods: Path) -> None:
    first = promoted_on_branch(pods, "patch_1", "alpha")
    second = promoted_on_branch(pods, "patch_2", "beta")
    assert git(pods, "rev-parse", "pods/F2.1^").strip() == first
    blocks = git(pods, "log", "--reverse", "--format=%(trailers:only)", "main..pods/F2.1")
    move_main(pods)
    assert run(pods, "git", "merge", "--squash", "pods/F2.1").code == 0
    lines = [line for line in blocks.splitlines() if line.strip()]
    commit(pods, "-m", "Parser work, squashed\n\n" + "\n".join(lines) + "\n")
    found = parsed(pods, "HEAD")
    assert sorted(e["patch"] for e in found if e["event"] == "promoted") == ["patch_1", "patch_2"]
    assert "hand-commit" not in {e.get("how") for e in found}  # copied, not promoted again
    links = sorted((e["patch"], e["commit"], e["how"]) for e in found if e["event"] == "rewritten")
    assert links == [("patch_1", first, "squash"), ("patch_2", second, "squash")]
    assert "bypass-detected" not in kinds(pods, "HEAD")


def test_a_merge_commit_leaves_the_events_where_they_are(pods: Path) -> None:
    origin = promoted_on_branch(pods, "patch_1", "alpha")
    move_main(pods)
    assert run(pods, "git", "merge", "-q", "--no-ff", "--no-commit", "pods/F2.1").code == 0
    commit(pods, "-m", "Merge the parser work")  # a real `git commit`: all four hooks run
    assert len(git(pods, "rev-parse", "HEAD^@").split()) == 2
    assert events(pods, "HEAD") == [] and len(events(pods, origin)) == 1


def test_concurrent_notes_writers_lose_nothing(pods: Path, tmp_path: Path) -> None:
    """Hooks race two loops of writers: one queues like git-pods' own writers, one only
    compares-and-swaps (as promote and sync do); every line of every writer must be there."""
    base = sha(pods)
    rounds = 40
    script = (
        "import random, sys, time\nfrom pathlib import Path\nfrom git_pods.gitio import notes\n"
        "from git_pods.gitio.runner import Git\n"
        "root, target, tag, n = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])\n"
        "common = Path(sys.argv[5]) if len(sys.argv) > 5 else None\n"
        "for i in range(n):\n"
        '    line = (\'{"ts":"2026-01-05T10:00:00Z","v":1,"event":"reviewed","x-n":"%s-%d"}\' % (tag, i))\n'
        "    plan = lambda s: {target: [line.encode()]}\n"
        "    notes.append(Git(root), notes.NOTES_REF, [target], plan, message=tag, common=common)\n"
        "    time.sleep(random.uniform(0, 0.02))\n"
    )
    alone = tmp_path / "elsewhere"  # its own queue: it meets the others only at the compare-and-swap
    argv = [sys.executable, "-c", script, str(pods), base]
    loops = [
        subprocess.Popen([*argv, "queued", str(rounds)]),
        subprocess.Popen([*argv, "cas-only", str(rounds), str(alone)]),
    ]
    made = []
    for number in range(4):
        message = archive_by_hand(pods, f"patch_{number}", f"f{number}")
        commit(pods, "-m", message)
        made.append(sha(pods))
    assert [loop.wait(timeout=120) for loop in loops] == [0, 0]
    assert len(events(pods, base)) == 2 * rounds
    for number, rev in enumerate(made):
        assert [e["patch"] for e in parsed(pods, rev)] == [f"patch_{number}"]


def test_a_garbled_note_does_not_fail_the_commit(pods: Path) -> None:
    origin = promoted_on_branch(pods, "patch_1", "alpha")
    good = events(pods, origin)
    note = b"".join(line.encode() + b"\n" for line in good) + b'not json at all\n\xff\xfe{"half": \n[1, 2]\n'
    blob = run(pods, "git", "hash-object", "-w", "--stdin", stdin=note).out.strip()
    git(pods, "notes", "--ref=pods", "add", "-f", "-C", blob, origin)
    move_main(pods)
    done = run(pods, "git", "cherry-pick", "pods/F2.1")
    assert done.code == 0, done.text
    assert good[0] in events(pods, "HEAD") and "rewritten" in kinds(pods, "HEAD")
    binary = run(pods, "git", "hash-object", "-w", "--stdin", stdin=b"\0\1\2 binary\n" + note).out.strip()
    git(pods, "notes", "--ref=pods", "add", "-f", "-C", binary, "HEAD")
    again = run(pods, str(BIN / "git-pods-hook"), "post-commit")  # its own note unreadable now
    assert again.code == 0 and "GP623" in again.err, again.text


@pytest.mark.parametrize("breakage", ["garbage file", "a blob"])
def test_a_broken_notes_ref_does_not_fail_the_commit(pods: Path, breakage: str) -> None:
    common = Path(git(pods, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    ref = common / NOTES
    ref.parent.mkdir(parents=True, exist_ok=True)
    if breakage == "garbage file":
        ref.write_text("this is no object id\n")
    else:
        blob = run(pods, "git", "hash-object", "-w", "--stdin", stdin=b"x\n").out.strip()
        git(pods, "update-ref", NOTES, blob)
    message = archive_by_hand(pods, "patch_1", "alpha")
    done = run(pods, "git", "commit", "-q", "-m", message)
    assert done.code == 0 and "GP622" in done.err, done.text
    assert git(pods, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)").strip() == "patch_1"


def test_a_bug_writes_a_crash_log_and_exits_0(
    pods: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from git_pods.cli import hook as hook_cli
    from git_pods.commands import history

    def boom(*args: object) -> None:
        raise RuntimeError("simulated bug")

    commit(pods, "--allow-empty", "--no-verify", "-m", "Claim\n\nPod: dev-pod")
    monkeypatch.setattr(history, "_post_commit", boom)
    monkeypatch.chdir(pods)
    assert hook_cli._run(["post-commit"]) == 0
    err = capsys.readouterr().err
    assert "internal error" in err and "the commit is made" in err
    assert Path(err.split("crash log: ", 1)[1].split("\n", 1)[0]).is_file()


def test_the_lean_trailer_parse_agrees_with_the_checks_one() -> None:
    from git_pods.checks.trailers import POD_WORK_KEYS, parse
    from git_pods.commands import history
    from git_pods.gitio.staged import message_key, pod_trailers

    text = (
        "Pod: dev-pod\nTASK :  F2.1 \nPatch-Id: patch_1\nPatch-Id: patch_2\nPod-Bundle: sha256:ab\nx-y: z\n"
    )
    assert pod_trailers(text) == parse(text)
    assert history.POD_WORK_KEYS == POD_WORK_KEYS
    swapped = text.replace("patch_1", "patch_0")
    assert message_key("t", pod_trailers(text)) != message_key("t", pod_trailers(swapped))
    reordered = "Patch-Id: patch_2\nSigned-off-by: A <a@b>\n" + text.replace("Patch-Id: patch_2\n", "")
    assert message_key("t", pod_trailers(text)) == message_key("t", pod_trailers(reordered))
