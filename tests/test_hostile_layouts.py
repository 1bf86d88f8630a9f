"""Hostile layouts and environments: links, files where folders belong, odd names, a dying crash handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (
    BIN,
    CHANGELOG,
    DIFF,
    PATCH_ID,
    TRACE,
    cli,
    crash_log_of,
    crash_validate,
    git,
    queue,
    run_validate,
    write_bundle,
)


def test_a_config_that_is_not_a_regular_file_is_not_quietly_the_default(repo: Path) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").symlink_to("/dev/zero")
    result = run_validate(repo)
    assert result.code == 1
    assert ".pods/config.yaml: GP118 a symbolic link (to /dev/zero), not a file" in result.out
    assert ".pods/config.yaml: GP602 warning" in result.out


@pytest.mark.parametrize("name", [".patches", ".patches/queue", ".logs", ".pods/tasks"])
def test_a_file_where_a_record_folder_belongs(repo: Path, name: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text("x\n")
    result = run_validate(repo)
    assert result.code == 1
    assert f"{name}: GP118 {name} is a file; git-pods keeps a folder here" in result.out


def test_linked_bundle_folders_are_reported_not_followed(repo: Path, tmp_path: Path) -> None:
    outside = write_bundle(tmp_path / "outside" / PATCH_ID)
    (repo / ".patches/queue").mkdir(parents=True)
    (repo / f".patches/queue/{PATCH_ID}").symlink_to(outside)
    (repo / ".logs").mkdir()
    (repo / ".logs/patch_4").symlink_to("/etc")
    (repo / ".logs/patch_2").symlink_to("/nonexistent")
    result = run_validate(repo)
    assert result.code == 1
    for name in (f".patches/queue/{PATCH_ID}", ".logs/patch_4", ".logs/patch_2"):
        assert f"{name}: GP118 a symbolic link" in result.out
    assert "passwd" not in result.out  # /etc was never walked


def test_an_absolute_path_through_a_link_is_judged_as_in_the_queue(repo: Path, tmp_path: Path) -> None:
    folder = queue(repo, "wrong_name", thought_trace__yaml=TRACE.format(patch_id=PATCH_ID))
    (tmp_path / "link").symlink_to(repo)
    via_link = tmp_path / "link" / ".patches" / "queue" / folder.name
    direct, linked = run_validate(repo, str(folder)), run_validate(repo, str(via_link))
    assert direct.code == linked.code == 1
    assert ".patches/queue/wrong_name/thought_trace.yaml:1: GP201" in linked.out


def test_non_utf8_file_names_are_printed_not_crashed_on(repo: Path) -> None:
    write_bundle(repo / ".patches" / "queue" / os.fsdecode(b"bad\xff"))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    for args in ([], ["--json"]):
        done = subprocess.run(
            [str(BIN / "git-pod-validate"), *args], cwd=repo, env=env, capture_output=True, check=False
        )
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stderr
        assert b"GP208" in done.stdout


def test_stdin_is_capped_and_read_once(repo: Path) -> None:
    big = b"a: '" + b"x" * (2 << 20) + b"'\n"
    result = cli(repo, "validate", "--schema", "changelog", "-", stdin=big)
    assert result.code == 1
    assert "<stdin>: GP102 standard input is over the 1,048,576-byte limit" in result.out
    twice = cli(repo, "validate", "--schema", "changelog", "-", "-", stdin=b"patch_id: p\n")
    assert twice.code == 2
    assert "standard input can be read only once" in twice.err


def test_deep_json_event_is_a_violation() -> None:
    result = cli(Path.cwd(), "validate", "--schema", "metric-event", "-", stdin=b"[" * 100000 + b"\n")
    assert result.code == 1
    assert "<stdin>:1: GP119 JSON nested too deeply" in result.out


def test_inside_the_git_folder_says_so(repo: Path) -> None:
    result = cli(repo / ".git", "validate")
    assert result.code == 3
    assert "is inside the .git folder" in result.err


def test_git_missing_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(BIN / "git-pod-validate"), "x.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "git is not installed or not on PATH" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_deleted_current_folder_is_exit_3(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); "
        "os.execv(sys.argv[1], sys.argv[1:])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(BIN / "git-pod-validate")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "the current folder no longer exists" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_crash_handler_survives_an_unwritable_git_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".git/pods").write_text("a file where the crash folder would go")
    code, err = crash_validate(repo, monkeypatch, capsys)
    assert code == 5
    assert "Traceback" not in err
    log = crash_log_of(err)
    assert log.is_file() and "simulated bug" in log.read_text()


def test_policy_is_judged_even_when_the_trace_has_another_error(repo: Path) -> None:
    policy_diff = DIFF.replace("src/parser.py", ".pods/config.yaml")
    trace = TRACE.format(patch_id=PATCH_ID) + "risks: [x, '']\n"
    queue(repo, thought_trace__yaml=trace, patch__diff=policy_diff)
    result = run_validate(repo)
    assert result.code == 1
    assert f".patches/queue/{PATCH_ID}/patch.diff:1: GP303 pod 'dev-pod' may not change" in result.out
    assert f".patches/queue/{PATCH_ID}/thought_trace.yaml:8: GP115" in result.out


def test_paths_in_artifacts_must_stay_inside_the_repository(repo: Path) -> None:
    packet = (
        b"pod: qa-pod\ntask_id: F1\ngoal: g\ninput_files: [/etc/passwd, ../../root/.ssh/id_rsa, src/ok.py]\n"
    )
    result = cli(repo, "validate", "--schema", "task-packet", "-", stdin=packet)
    assert result.code == 1
    assert [line.split(": ", 1)[0] for line in result.out.splitlines() if "GP114" in line] == [
        "<stdin>:4",
        "<stdin>:4",
    ]
    document = json.loads(cli(repo, "validate", "--json", "--schema", "task-packet", "-", stdin=packet).out)
    assert {v["path"] for v in document["violations"]} == {"$.input_files[0]", "$.input_files[1]"}


def test_digests_allow_extension_keys(repo: Path) -> None:
    handoff = f"from: dev-pod\nto: qa-pod\nreason: r\nrelated_patch: {PATCH_ID}\ndigests: {{x-tool: abc}}\n"
    queue(repo, handoff_log__yaml=handoff)
    assert run_validate(repo).code == 0


def test_changelog_in_a_committed_repository(repo: Path) -> None:
    queue(repo, changelog__yaml=CHANGELOG.format(patch_id=PATCH_ID))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "queue a bundle")
    assert run_validate(repo).code == 0
