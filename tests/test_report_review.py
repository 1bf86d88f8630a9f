"""One regression per finding of the report's review: symbolic links, answers in any layout, extreme
times, the task rule, superseded work, CI checkouts, squash messages, reverted merges, clones
without notes, and an invalid config."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from reporting import CONFIG, NOW, Stream, event, records, trailers
from test_report import report_json, rows

from git_pods.report.logread import LogRead
from helpers import cli, git


def test_a_symlinked_reports_folder_is_refused(storied: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (storied / "reports").symlink_to(outside)
    done = cli(storied, "report")
    assert done.code == 2 and "GP913" in done.err and "symbolic link" in done.err
    assert list(outside.iterdir()) == []


def test_a_symlinked_retrospective_is_neither_read_nor_replaced(storied: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret\n")
    (storied / "reports").mkdir()
    (storied / "reports" / "retrospective.md").symlink_to(secret)
    for args in (["retro"], ["retro", "--format", "html", "--out", "site"]):
        done = cli(storied, "report", *args)
        assert done.code == 2 and "symbolic link" in done.err, args
    assert secret.read_text() == "the secret\n"
    assert (storied / "reports" / "retrospective.md").is_symlink()
    assert not (storied / "site" / "report.html").exists()


def test_a_retrospective_that_is_not_utf8_is_refused_not_garbled(storied: Path) -> None:
    path = storied / "reports" / "retrospective.md"
    path.parent.mkdir()
    path.write_bytes("# Retrospective\n\nGr\xfc\xdfe\n".encode("latin-1"))
    done = cli(storied, "report", "retro", "--sprint", "1")
    assert done.code == 2 and "not UTF-8" in done.err
    assert path.read_bytes() == "# Retrospective\n\nGr\xfc\xdfe\n".encode("latin-1")


def test_answers_and_notes_are_kept_whatever_their_layout(storied: Path) -> None:
    assert cli(storied, "report", "retro", "--sprint", "1").code == 0
    path = storied / "reports" / "retrospective.md"
    text = path.read_text()
    text = text.replace(
        "<!-- answer:next -->\n_No answer yet._\n<!-- /answer -->", "<!-- answer:next --> X <!-- /answer -->"
    )
    text = text.replace("<!-- answer:rework -->\n", "<!-- answer:rework -->   \nRedo less\n")
    text = text.replace(
        "<!-- answer:went-well -->\n_No answer yet._\n<!-- /answer -->\n",
        "<!-- answer:went-well -->\n_No answer yet._\n<!-- /answer -->\nWritten below the marker\n",
    )
    text = text.replace("### Questions", "Team note under the facts\n\n### Questions")
    path.write_text(text)
    assert cli(storied, "report", "retro", "--sprint", "1").code == 0
    again = path.read_text()
    assert "<!-- answer:next -->\nX\n<!-- /answer -->" in again
    assert "Redo less" in again.split("<!-- answer:rework -->")[1].split("<!-- /answer -->")[0]
    assert (
        "Written below the marker" in again.split("<!-- answer:went-well -->")[1].split("<!-- /answer -->")[0]
    )
    assert "### Earlier notes" in again and "Team note under the facts" in again
    assert cli(storied, "report", "retro", "--sprint", "1").code == 0
    assert path.read_text() == again  # a third run changes nothing more


def test_a_note_with_an_extreme_time_is_a_warning(storied: Path) -> None:
    line = '{"ts":"0001-01-01T00:00:00+14:00","v":1,"event":"assigned","pod":"dev-pod","task":"F9"}'
    huge = (
        '{"ts":"2026-01-06T10:00:00Z","v":1,"event":"promoted","pod":"dev-pod","patch":"patch_z",'
        '"added":-5,"deleted":1000000000000}'
    )
    git(storied, "notes", "--ref=pods", "append", "-m", line, "-m", huge, "HEAD")
    for fmt in ("md", "html", "json"):
        done = cli(storied, "report", "all", "--sprint", "1", "--format", fmt, "--out", f"out-{fmt}")
        assert done.code == 0, done.text
        assert "GP901" in done.err and "between 1970 and 9998" in done.err
    dev = rows(report_json(storied, "velocity", "--sprint", "1"))["dev-pod"]
    assert (dev["added"], dev["deleted"]) == (18, 6)  # patch_z's counts are no counts


def test_a_task_handed_on_after_delivery_is_delivered(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Stream()
    s.commit("main", "init", "2026-01-05 08:00", {".pods/config.yaml": CONFIG})
    a = s.commit(
        "main",
        "A" + trailers("dev-pod", "F1", "pA"),
        "2026-01-06 10:00",
        records("pA", "dev-pod", "F1", [{"type": "added", "description": "A"}]),
        notes=(
            event("promoted", "2026-01-06 10:00", pod="dev-pod", task="F1", patch="pA"),
            event("handed-off", "2026-01-06 11:00", task="F1", to="qa-pod", **{"from": "dev-pod"}),
        ),
    )
    s.tag("v1", a, "2026-01-07 09:00")
    s.run(repo)
    git(repo, "checkout", "-q", "main")
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    b = report_json(repo, "burndown", "--sprint", "1")["burndown"]
    assert isinstance(b, dict)
    assert b["tasks_delivered"][2] == 1 and b["open_tasks"] == []  # DESIGN §7: all its patches are


def test_a_patch_superseded_before_delivery_does_not_hold_its_task(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Stream()
    m0 = s.commit("main", "init", "2026-01-05 08:00", {".pods/config.yaml": CONFIG})
    s.commit(
        "pods/F1",
        "A" + trailers("dev-pod", "F1", "pA"),
        "2026-01-06 10:00",
        records("pA", "dev-pod", "F1", [{"type": "added", "description": "A"}]),
        start=m0,
        notes=(event("promoted", "2026-01-06 10:00", pod="dev-pod", task="F1", patch="pA"),),
    )
    b = s.commit(
        "main",
        "B" + trailers("dev-pod", "F1", "pB"),
        "2026-01-07 10:00",
        records("pB", "dev-pod", "F1", [{"type": "added", "description": "B"}], supersedes="pA"),
        notes=(event("promoted", "2026-01-07 10:00", pod="dev-pod", task="F1", patch="pB"),),
    )
    s.tag("v1", b, "2026-01-08 09:00")
    s.commit(  # a trace may name a patch this history never saw (F2 is not delivered: it is probed)
        "main",
        "C" + trailers("dev-pod", "F2", "pC"),
        "2026-01-07 11:00",
        records("pC", "dev-pod", "F2", [{"type": "added", "description": "C"}], supersedes="pNowhere"),
    )
    s.run(repo)
    git(repo, "checkout", "-q", "main")
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    doc = report_json(repo, "all", "--sprint", "1")
    assert rows(doc)["*"]["tasks_completed"] == 1
    assert [t["task"] for t in doc["burndown"]["open_tasks"]] == ["F2"]  # type: ignore[index]
    assert [w["patch"] for w in doc["retrospective"]["rework"]] == ["pA", "pNowhere"]  # type: ignore[index]


def test_a_ci_checkout_counts_accepted_from_the_remote_branch(storied: Path, tmp_path: Path) -> None:
    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(storied), str(clone))
    git(clone, "fetch", "-q", "origin", "refs/notes/pods:refs/notes/pods")
    git(clone, "checkout", "-q", "--detach")
    git(clone, "branch", "-q", "-D", "main")
    assert counts_of(report_json(clone, "velocity", "--sprint", "1")) == (5, 4, 3)


def counts_of(doc: dict[str, object]) -> tuple[object, ...]:
    total = rows(doc)["*"]
    return total["promoted"], total["accepted"], total["delivered"]


def test_a_shallow_clone_warns(storied: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{storied}", str(clone))
    done = cli(clone, "report", "velocity", "--format", "json")
    assert done.code == 0
    assert "GP905" in [v["rule"] for v in json.loads(done.out)["violations"]]


def test_a_squash_message_with_trailers_before_co_authors_counts(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = (
        "F1 (#7)\n\n* Add A\n\nPod: dev-pod\nTask: F1\nPatch-Id: pA\n\n* Test A\n\n"
        "Pod: qa-pod\nTask: F1.2\nPatch-Id: pQ\n\n---------\n\nCo-authored-by: Bot <bot@example.com>\n"
    )
    s = Stream()
    s.commit("main", "init", "2026-01-05 08:00", {".pods/config.yaml": CONFIG})
    s.commit("main", message, "2026-01-07 10:00", {"a.txt": "a\n"})
    s.run(repo)
    git(repo, "checkout", "-q", "main")
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    by_pod = rows(report_json(repo, "velocity", "--sprint", "1"))
    assert (by_pod["dev-pod"]["accepted"], by_pod["qa-pod"]["accepted"]) == (1, 1)
    b = report_json(repo, "burndown", "--sprint", "1")["burndown"]
    assert sorted(t["task"] for t in b["open_tasks"]) == ["F1", "F1.2"]  # type: ignore[index]


def test_reverting_a_merge_is_rework(storied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-15T09:00:00Z")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-15T09:00:00Z")
    git(storied, "merge", "-q", "--no-ff", "--no-edit", "pods/F2.1")
    git(storied, "revert", "--no-edit", "-m", "1", "HEAD")
    r = report_json(storied, "retro", "--sprint", "1")["retrospective"]
    assert ("patch_d", "reverted") in [(w["patch"], w["how"]) for w in r["rework"]]  # type: ignore[index]


def test_without_notes_a_handoff_is_answered_by_the_next_pods_commit(storied: Path) -> None:
    ledger = storied / ".pods" / "tasks" / "F1.2.yaml"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(
        "pod: qa-pod\ntask_id: F1.2\ncreated: '2026-01-08T11:05:00Z'\nhistory:\n"
        "- event: handed-off\n  from: dev-pod\n  to: qa-pod\n  time: '2026-01-08T11:00:00Z'\n"
    )
    git(storied, "add", ".pods/tasks")
    git(storied, "commit", "-q", "-m", "ledger")
    git(storied, "update-ref", "-d", "refs/notes/pods")
    doc = report_json(storied, "all", "--sprint", "1")
    assert rows(doc)["qa-pod"]["handoff_cycle"] == 48.0  # to patch_c's commit, 01-10 11:00
    slowest = doc["retrospective"]["slowest"]  # type: ignore[index]
    assert [(h["sender"], h["receiver"], h["answered_at"]) for h in slowest] == [
        ("dev-pod", "qa-pod", "2026-01-10T11:00:00Z")
    ]


def test_an_invalid_config_is_exit_2(storied: Path) -> None:
    path = storied / ".pods" / "config.yaml"
    path.write_text(path.read_text().replace("length_days: 14", "length_days: 0"))
    done = cli(storied, "report", "velocity")
    assert done.code == 2 and ".pods/config.yaml is not valid" in done.err


def test_before_the_calendar_starts_the_report_is_for_sprint_1(
    storied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_PODS_NOW", "2025-06-01T00:00:00Z")
    doc = report_json(storied, "velocity")
    assert doc["window"]["label"] == "Sprint 1"  # type: ignore[index]


def test_closing_the_early_logs_stops_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the lean entry does when the command fails before it reads the history: the logs still
    running are killed, not left to run on (a stand-in git that would take a minute)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\nexec sleep 60\n")
    (fake / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    started = LogRead(tmp_path)
    started.close()
    codes = [run.proc.returncode for run in (started._graph, started._claims)]
    assert codes == [-signal.SIGKILL, -signal.SIGKILL]


def test_a_bad_now_is_a_usage_error(storied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_PODS_NOW", "next tuesday")
    done = cli(storied, "report", "velocity")
    assert done.code == 2 and "GP911" in done.err and "GIT_PODS_NOW" in done.err
