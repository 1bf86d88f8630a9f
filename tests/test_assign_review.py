"""Regressions from the review of assign and handoff: templates read like input files, secrets never
reach a ledger, stale or edited ledgers stop the command, links and nested .git folders, text that
is not UTF-8, SHA-256 repositories, the graph from HEAD."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import pods_repo, ssh_signing

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.fixture
def pods(repo: Path) -> Path:
    return pods_repo(repo)


def _assign(root: Path, *args: str) -> object:
    return cli(root, "assign", "--to", "dev-pod", "--task", "F1", "--goal", "G", *args)


def test_a_template_pointing_at_a_key_or_git_config_is_refused(pods: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/id_ed25519").write_text(KEY)
    config = pods / ".pods/config.yaml"
    config.write_text(config.read_text().replace("prompts/dev_pod.txt", "keys/id_ed25519").replace(
        "prompts/qa_pod.txt", ".git/config"))  # fmt: skip
    os.symlink(tmp_path / "outside", pods / "keys")
    git(pods, "config", "remote.origin.url", "https://ana:s3cretTok@example.com/x")
    for pod in ("dev-pod", "qa-pod"):
        result = cli(pods, "assign", "--to", pod, "--task", "F1", "--goal", "G", "--no-commit")
        assert result.code in (1, 2, 3) and result.code != 0, result.text
        assert "template" in result.err and "GP701" in result.err
        assert "PRIVATE KEY" not in result.text and "s3cretTok" not in result.text


def test_secrets_never_reach_a_committed_ledger(pods: Path, tmp_path: Path) -> None:
    head = git(pods, "rev-parse", "HEAD").strip()
    result = _assign(pods, "--instructions", "use key AKIAQ3EGZ7BV2LMNP4XD to test")
    assert result.code == 1 and "GP309" in result.err  # type: ignore[attr-defined]
    assert git(pods, "rev-parse", "HEAD").strip() == head
    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    log = tmp_path / "handoff_log.yaml"
    log.write_text("from: dev-pod\nto: qa-pod\nreason: token xoxb-123456789012-abcdefghijkl\ntask_id: F1\n")
    result = cli(pods, "assign", "--from", str(log))
    assert result.code == 1 and "GP309" in result.err
    assert "xoxb" not in git(pods, "log", "--all", "-p")


def test_an_edited_ledger_stops_assign_and_handoff(pods: Path) -> None:
    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    ledger = pods / ".pods/tasks/F1.yaml"
    ledger.write_text(ledger.read_text() + "x-note: mine\n")
    for args in (
        ["assign", "--to", "qa-pod", "--task", "F1"],
        ["handoff", "--to", "qa-pod", "--reason", "r", "--task", "F1"],
    ):
        result = cli(pods, *args)
        assert result.code == 3 and "has uncommitted changes" in result.err, result.text
    assert "x-note: mine" in ledger.read_text()


def test_a_linked_parent_folder_does_not_dodge_the_ignore_rules(pods: Path) -> None:
    (pods / ".gitignore").write_text("private/\n")
    (pods / "private").mkdir()
    (pods / "private/p.txt").write_text("IGNORED_CONTENT\n")
    os.symlink("private", pods / "privlink")
    result = _assign(pods, "--no-commit", "--input-file", "privlink/p.txt")
    assert result.code == 1 and "GP702" in result.err  # type: ignore[attr-defined]
    assert "IGNORED_CONTENT" not in result.text  # type: ignore[attr-defined]


def test_a_nested_git_folder_is_refused(pods: Path) -> None:
    subprocess.run(["git", "init", "-q", str(pods / "nested")], check=True)
    git(pods / "nested", "config", "user.password", "hunter2")
    result = _assign(pods, "--no-commit", "--input-file", "nested/.git/config")
    assert result.code == 1 and "GP701" in result.err and "hunter2" not in result.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name", [".envrc", ".env-prod", ".env_local", ".npmrc", ".pypirc", "deploy.ppk", "k16.txt"]
)
def test_more_secret_files_are_refused(pods: Path, name: str) -> None:
    content = KEY.encode("utf-16") if name == "k16.txt" else b"SECRET_VALUE=1\n"
    (pods / name).write_bytes(content)
    result = _assign(pods, "--no-commit", "--input-file", name)
    assert result.code == 1 and "GP703" in result.err  # type: ignore[attr-defined]


def test_text_that_is_not_utf8_and_a_missing_out_folder_are_usage_errors(pods: Path) -> None:
    head = git(pods, "rev-parse", "HEAD").strip()
    bad = os.fsdecode(b"bad\xff")
    done = cli(pods, "assign", "--to", "dev-pod", "--task", "F1", "--goal", bad)  # the bytes reach argv as-is
    assert done.code == 2 and "not UTF-8" in done.err, done.text
    result = _assign(pods, "--out", "/nonexistent-folder/p.txt")
    assert result.code == 2 and "does not exist" in result.err  # type: ignore[attr-defined]
    assert git(pods, "rev-parse", "HEAD").strip() == head


def test_a_sha256_repository(tmp_path: Path) -> None:
    root = tmp_path / "sha"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    pods_repo(root)
    result = _assign(root)
    assert result.code == 0, result.text  # type: ignore[attr-defined]
    assert cli(root, "handoff", "--to", "qa-pod", "--reason", "r", "--task", "F1").code == 0


def test_reassigning_keeps_the_earlier_handoff_origin_and_extensions(pods: Path) -> None:
    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    assert cli(pods, "handoff", "--to", "qa-pod", "--reason", "r", "--task", "F1", "--assign").code == 0
    assert cli(pods, "assign", "--to", "dev-pod", "--task", "F1", "--goal", "again").code == 0
    history = yaml.safe_load((pods / ".pods/tasks/F1.yaml").read_text())["history"]
    assert any(e.get("from_handoff") == {"from": "dev-pod", "reason": "r"} for e in history)
    assert cli(pods, "validate", ".pods/tasks/F1.yaml").code == 0


def test_the_handoff_graph_comes_from_head(pods: Path) -> None:
    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    config = pods / ".pods/config.yaml"
    config.write_text(
        config.read_text().replace("next: [qa-pod, research-pod]", "next: [qa-pod, research-pod, wow-pod]")
    )
    result = cli(pods, "handoff", "--to", "wow-pod", "--reason", "r", "--task", "F1")
    assert result.code == 1 and "GP705" in result.err


def test_a_patch_of_another_task_is_refused(pods: Path) -> None:
    from promoting import bundle, diff_of_change

    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    raw, _ = diff_of_change(pods, lambda r: (r / "NEW.md").write_text("n\n"))
    bundle(pods, "patch_9", raw, task="F9")
    result = cli(pods, "handoff", "--to", "qa-pod", "--reason", "r", "--task", "F1", "--patch", "patch_9")
    assert result.code == 2 and "belongs to task F9" in result.err


def test_dot_dot_from_a_subfolder_may_stay_inside(pods: Path) -> None:
    result = cli(pods / "src", "assign", "--to", "dev-pod", "--task", "F1", "--goal", "G", "--no-commit",
                 "--input-file", "../README.md")  # fmt: skip
    assert result.code == 0, result.text
    assert "--- README.md (at commit" in result.out


def test_ledger_commits_are_signed_when_signing_is_configured(pods: Path, tmp_path: Path) -> None:
    ssh_signing(pods, tmp_path)
    assert _assign(pods).code == 0  # type: ignore[attr-defined]
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in git(pods, "cat-file", "commit", "HEAD")
    assert '"event":"assigned"' in git(pods, "notes", "--ref=pods", "show", "HEAD")
    assert cli(pods, "handoff", "--to", "qa-pod", "--reason", "r", "--task", "F1").code == 0
    assert "gpgsig" in git(pods, "cat-file", "commit", "HEAD")
    git(pods, "config", "user.signingkey", str(tmp_path / "missing"))
    head = git(pods, "rev-parse", "HEAD").strip()
    failed = cli(pods, "handoff", "--to", "delivery-pod", "--reason", "r", "--task", "F1")
    assert failed.code == 2 and "could not sign" in failed.err
    assert git(pods, "rev-parse", "HEAD").strip() == head
    assert git(pods, "for-each-ref", "refs/pods-onefile/") == ""
