"""The report reader: events and history read in one batch from real repositories, and sprint windows."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from git_pods.config import Sprints
from git_pods.errors import ConfigError, GitFailed, UsageError
from git_pods.gitio.notes import NotesBroken
from git_pods.gitio.runner import Git
from git_pods.report.history import Event, History, read_history
from git_pods.report.sprints import parse_moment, sprint_of, sprint_window, window
from helpers import git

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
UTC = timezone.utc


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, UTC)


def iso(seconds: int) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(kind: str, seconds: int, **keys: object) -> str:
    return json.dumps({"ts": iso(seconds), "v": 1, "event": kind, **keys}, separators=(",", ":"))


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def synthetic(root: Path, commits: int, pod_every: int, tags: dict[int, str] | None = None) -> None:
    """A linear main of `commits` commits made by one fast-import stream; every pod_every-th is a pod
    commit (trailers) with a note (a promoted event, plus assigned and rejected on some), all notes
    in the same stream (`N inline`)."""
    out = bytearray()
    notes = bytearray()
    for i in range(1, commits + 1):
        message = f"commit {i}"
        if i % pod_every == 0:
            message += f"\n\nPod: dev-pod\nTask: F{i % 7}.{i % 3}\nPatch-Id: patch_{i:06d}"
            lines = [
                event(
                    "promoted",
                    i,
                    pod="dev-pod",
                    task=f"F{i % 7}.{i % 3}",
                    patch=f"patch_{i:06d}",
                    added=i % 13,
                    deleted=1,
                    files=1,
                )
            ]
            if i % (pod_every * 5) == 0:
                lines.insert(
                    0, event("assigned", i - 1, pod="dev-pod", task=f"F{i % 7}.{i % 3}", to="dev-pod")
                )
                lines.append(
                    event("rejected", i, pod="dev-pod", task=f"F{i % 7}.{i % 3}", patch=f"patch_{i:06d}")
                )
            notes += b"N inline :%d\n" % i + _data("\n".join(lines))
        out += b"commit refs/heads/main\nmark :%d\n" % i
        out += b"committer Test <t@example.com> %d +0000\n" % (T0 + i) + _data(message)
        if i == 1:
            out += b"M 644 inline f.txt\n" + _data("x")
    for i, name in (tags or {}).items():
        out += b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), i)
    out += b"commit refs/notes/pods\ncommitter Test <t@example.com> %d +0000\n" % (T0 + commits) + _data(
        "notes"
    )
    out += bytes(notes)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(out), check=True)


def commit(root: Path, message: str, seconds: int, *extra: str) -> str:
    env = {
        **os.environ,
        "GIT_COMMITTER_DATE": f"@{T0 + seconds} +0000",
        "GIT_AUTHOR_DATE": f"@{T0 + seconds} +0000",
    }
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", message, *extra], cwd=root, check=True, env=env
    )
    return git(root, "rev-parse", "HEAD").strip()


def add_note(root: Path, target: str, *lines: str) -> None:
    git(root, "notes", "--ref=pods", "add", "-f", "-m", "\n".join(lines), target)


def read(root: Path, **kw: str) -> History:
    return read_history(Git(root), "main", **kw)


# -- the batch over many commits ---------------------------------------------------------------


def test_many_commits_exact_counts(repo: Path) -> None:
    synthetic(repo, 3000, 10, tags={1000: "v1.0", 2000: "v2.0", 2500: "other"})
    history = read(repo)
    assert history.commit_count == 3000
    assert len(history.patches) == 300
    assert len(history.of_kind("promoted")) == 300
    assert len(history.of_kind("assigned")) == 60
    assert len(history.of_kind("rejected")) == 60
    assert history.warnings == ()
    assert [t.name for t in history.tags] == ["v1.0", "v2.0"]  # `other` is no release tag
    assert all(p.accepted_at is not None for p in history.patches.values())
    by_tag = {tag: sum(p.tag == tag for p in history.patches.values()) for tag in ("v1.0", "v2.0", None)}
    assert by_tag == {"v1.0": 100, "v2.0": 100, None: 100}
    p = history.patches["patch_000050"]
    assert (p.pod, p.task, p.rejected, p.added, p.promoted_at) == ("dev-pod", "F1.2", 1, 50 % 13, at(50))
    assert (p.accepted_at, p.delivered_at, p.commits) == (at(50), at(1000), (p.commits[0],))
    assert history.patches["patch_000060"].rejected == 0
    assert set(history.tasks) == {f"F{a}.{b}" for a in range(7) for b in range(3)}
    assert all(t.feature == t.id.split(".")[0] for t in history.tasks.values())
    assert sum(len(t.patches) for t in history.tasks.values()) == 300
    assert all(t.completed_at is None for t in history.tasks.values())  # each has an undelivered patch
    events = [e.ts for e in history.events]
    assert events == sorted(events) and all(e.tzinfo is not None for e in events)


def test_task_completed_when_all_its_patches_are_delivered(repo: Path) -> None:
    synthetic(repo, 420, 10, tags={100: "v1", 300: "v2"})
    history = read(repo)
    task = history.tasks["F3.2"]  # patches 80 and 290 (i % 7 == 3, i % 3 == 2 among multiples of 10)
    assert task.patches == ("patch_000080", "patch_000290")
    assert task.completed_at == at(300)  # a lightweight tag's date is its commit's
    assert history.tasks["F4.2"].completed_at is None  # patch 200 in v2, patch 410 in no release
    assert task.pods == ("dev-pod",)


def test_measure_against_one_git_log(tmp_path: Path) -> None:
    """DESIGN §8: reading 10,000 commits with 1,000 notes against one `git log --notes=pods` (printed)."""
    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    synthetic(root, 10_000, 10, tags={5000: "v1.0"})
    env = {**os.environ, "GIT_FLUSH": "0"}
    floor = []
    ours = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            ["git", "log", "--notes=pods", "--format=%H%x00%N", "main"],
            cwd=root,
            env=env,
            capture_output=True,
            check=True,
        )
        floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        history = read(root)
        ours.append(time.perf_counter() - start)
    assert len(history.patches) == 1000 and history.commit_count == 10_000
    mine, log = min(ours) * 1e3, min(floor) * 1e3
    print(f"\nread_history {mine:.1f} ms, git log --notes=pods {log:.1f} ms: {mine / log:.2f}x")


# -- rewrites, merges, squashes, tags -----------------------------------------------------------


def test_copies_after_amend_and_cherry_pick_count_once(repo: Path) -> None:
    git(repo, "config", "notes.rewriteRef", "refs/notes/pods")
    base = commit(repo, "base", 0)
    old = commit(repo, "work\n\nPod: dev-pod\nTask: F1\nPatch-Id: patch_1", 10)
    promoted = event("promoted", 10, pod="dev-pod", task="F1", patch="patch_1", added=3, deleted=1, files=1)
    add_note(repo, old, promoted)
    new = commit(repo, "work, reworded\n\nPod: dev-pod\nTask: F1\nPatch-Id: patch_1", 20, "--amend")
    assert git(repo, "notes", "--ref=pods", "show", new).strip() == promoted  # git copied it
    amended = event("rewritten", 20, how="amend", commit=old, patch="patch_1")
    git(repo, "notes", "--ref=pods", "append", "-m", amended, new)
    git(repo, "checkout", "-q", "-b", "release", base)
    env = {**os.environ, "GIT_COMMITTER_DATE": f"@{T0 + 30} +0000"}
    subprocess.run(
        ["git", "cherry-pick", "--allow-empty", new], cwd=repo, check=True, env=env, capture_output=True
    )
    picked = git(repo, "rev-parse", "HEAD").strip()
    picked_event = event("rewritten", 30, how="cherry-pick", commit=new, patch="patch_1")
    add_note(repo, picked, promoted, picked_event)  # what post-commit writes: the lines copied verbatim
    history = read(repo)
    assert len(history.of_kind("promoted")) == 1
    (once,) = history.of_kind("promoted")
    assert set(once.commits) == {old, new, picked} and once.commit == new  # on main
    assert len(history.of_kind("rewritten")) == 2
    assert history.rewritten_from == {new: (old,), picked: (new,)}
    assert history.patches["patch_1"].commits == tuple(sorted((new, picked)))
    assert history.patches["patch_1"].accepted_at == at(20)
    assert history.patches["patch_1"].added == 3


def test_accepted_at_the_merge_commit(repo: Path) -> None:
    commit(repo, "base", 0)
    git(repo, "checkout", "-q", "-b", "pods/F2.1")
    pod = commit(repo, "parser\n\nPod: dev-pod\nTask: F2.1\nPatch-Id: patch_2", 10)
    add_note(repo, pod, event("promoted", 10, pod="dev-pod", task="F2.1", patch="patch_2"))
    git(repo, "checkout", "-q", "main")
    commit(repo, "meanwhile", 20)
    before = read(repo)
    assert before.patches["patch_2"].accepted_at is None
    assert before.patches["patch_2"].promoted_at == at(10)
    env = {**os.environ, "GIT_COMMITTER_DATE": f"@{T0 + 50} +0000"}
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "merge", "pods/F2.1"], cwd=repo, check=True, env=env
    )
    history = read(repo)
    assert history.patches["patch_2"].accepted_at == at(50)


def test_accepted_after_a_squash_merge_by_trailers(repo: Path) -> None:
    commit(repo, "base", 0)
    git(repo, "checkout", "-q", "-b", "feature")
    for n in (3, 4):
        sha = commit(repo, f"part {n}\n\nPod: dev-pod\nTask: F3\nPatch-Id: patch_{n}", n * 10)
        add_note(repo, sha, event("promoted", n * 10, pod="dev-pod", task="F3", patch=f"patch_{n}"))
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--squash", "feature")
    commit(repo, "F3 in one\n\nPatch-Id: patch_3\nPatch-Id: patch_4\nTask: F3", 60)
    git(repo, "branch", "-D", "feature")  # the forge deleted the branch: only trailers tell
    history = read(repo)
    assert {p: history.patches[p].accepted_at for p in ("patch_3", "patch_4")} == {
        "patch_3": at(60),
        "patch_4": at(60),
    }
    assert history.patches["patch_3"].promoted_at == at(30)  # its note is on the deleted branch's commit
    assert history.tasks["F3"].patches == ("patch_3", "patch_4")


def test_delivered_by_the_earliest_release_tag(repo: Path) -> None:
    commit(repo, "base", 0)
    sha = commit(repo, "work\n\nPod: dev-pod\nTask: F5.1\nPatch-Id: patch_5", 10)
    add_note(repo, sha, event("promoted", 10, pod="dev-pod", task="F5.1", patch="patch_5"))
    commit(repo, "later", 20)
    for name, seconds in (("v1.0", 100), ("v1.1", 200)):
        env = {**os.environ, "GIT_COMMITTER_DATE": f"@{T0 + seconds} +0000"}
        subprocess.run(["git", "tag", "-a", "-m", name, name], cwd=repo, check=True, env=env)
    git(repo, "tag", "nightly")
    patch = read(repo).patches["patch_5"]
    assert (patch.tag, patch.delivered_at, patch.accepted_at) == ("v1.0", at(100), at(10))
    assert read(repo).tasks["F5.1"].completed_at == at(100)
    assert read_history(Git(repo), "main", "nightly").patches["patch_5"].tag == "nightly"


# -- bad input ----------------------------------------------------------------------------------


def test_unreadable_lines_are_warnings_and_unknown_things_kept(repo: Path) -> None:
    sha = commit(repo, "base", 0)
    add_note(
        repo,
        sha,
        event("promoted", 1, patch="patch_6", x_team="blue"),
        "not json at all",
        '{"v":1,"event":"promoted"}',
        '["a list"]',
        event("teleported", 2, patch="patch_6"),
        '{"ts":"2026-01-01T00:00:03","v":1,"event":"promoted"}',
    )
    history = read(repo)
    assert [(w.rule, w.commit, w.line) for w in history.warnings] == [
        ("GP901", sha, 2),
        ("GP901", sha, 3),
        ("GP901", sha, 4),
        ("GP901", sha, 6),
    ]
    kinds = [e.kind for e in history.events]
    assert kinds == ["promoted", "teleported"]
    assert history.events[0] == Event(
        ts=at(1), kind="promoted", v=1, patch="patch_6", commit=sha, commits=(sha,), extra={"x_team": "blue"}
    )
    assert not history.events[1].known
    assert history.patches["patch_6"].promoted_at == at(1)


def test_empty_repository(repo: Path) -> None:
    history = read(repo)
    assert history == History(default_branch="main")


def test_no_notes_and_a_missing_default_branch(repo: Path) -> None:
    commit(repo, "base\n\nPatch-Id: patch_7", 0)
    history = read_history(Git(repo), "trunk")
    assert [w.rule for w in history.warnings] == ["GP903"]
    assert history.patches["patch_7"].accepted_at is None and history.events == ()


def test_a_broken_notes_ref_is_refused(repo: Path) -> None:
    commit(repo, "base", 0)
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo, input=b"x", capture_output=True, check=True
    )
    git(repo, "update-ref", "refs/notes/pods", blob.stdout.decode().strip())
    with pytest.raises(NotesBroken):
        read(repo)


# -- sprints ------------------------------------------------------------------------------------

BERLIN = Sprints(start="2026-03-16", length_days=14, timezone="Europe/Berlin")


def test_sprint_across_spring_dst_in_berlin() -> None:
    one = sprint_window(BERLIN, 1)
    assert one.start is not None and one.end is not None
    assert one.start.isoformat() == "2026-03-16T00:00:00+01:00"
    assert one.end.isoformat() == "2026-03-30T00:00:00+02:00"  # DST began on March 29
    assert one.end.astimezone(UTC) - one.start.astimezone(UTC) == timedelta(days=14, hours=-1)
    assert sprint_window(BERLIN, 2).start == one.end
    assert sprint_of(BERLIN, datetime(2026, 3, 29, 21, 59, tzinfo=UTC)) == 1  # 23:59 local
    assert sprint_of(BERLIN, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)) == 2  # midnight local
    assert datetime(2026, 3, 29, 21, 59, tzinfo=UTC) in one
    assert datetime(2026, 3, 29, 22, 0, tzinfo=UTC) not in one
    assert sprint_of(BERLIN, datetime(2026, 3, 15, 23, 30, tzinfo=UTC)) == 1  # already the 16th in Berlin
    assert sprint_of(BERLIN, datetime(2026, 3, 15, 22, 59, tzinfo=UTC)) == 0


def test_sprint_across_autumn_dst_in_berlin() -> None:
    n = sprint_of(BERLIN, datetime(2026, 10, 25, 12, tzinfo=UTC))
    span = sprint_window(BERLIN, n)
    assert span.start is not None and span.end is not None
    assert (span.start.utcoffset(), span.end.utcoffset()) == (timedelta(hours=2), timedelta(hours=1))
    assert span.end.astimezone(UTC) - span.start.astimezone(UTC) == timedelta(days=14, hours=1)


def test_explicit_windows() -> None:
    span = window(BERLIN, since="2026-04-01", until="2026-04-02")
    assert span.start is not None and span.end is not None
    assert (span.start.isoformat(), span.end.isoformat()) == (
        "2026-04-01T00:00:00+02:00",
        "2026-04-03T00:00:00+02:00",
    )
    assert window(BERLIN, sprint=3, since="2026-01-01").end is None  # --since wins
    assert window(BERLIN, sprint=3).label == "Sprint 3"
    now = datetime(2026, 3, 31, tzinfo=UTC)
    assert window(BERLIN, now=now).sprint == 2
    assert window(None).start is None
    assert parse_moment("2026-04-01T10:00:00Z", UTC) == datetime(2026, 4, 1, 10, tzinfo=UTC)
    with pytest.raises(UsageError):
        window(BERLIN, since="yesterday")
    with pytest.raises(UsageError):
        window(BERLIN, since="2026-04-02", until="2026-04-01")
    with pytest.raises(UsageError):
        window(None, sprint=1)
    with pytest.raises(ConfigError):
        sprint_window(Sprints(start="2026-01-01", length_days=7, timezone="Mars/Olympus"), 1)


def test_a_git_failure_in_the_log_reaches_the_caller(tmp_path: Path) -> None:
    with pytest.raises(GitFailed):
        read_history(Git(tmp_path), "main")  # not a repository: every git fails
