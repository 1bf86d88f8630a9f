"""`git pod-submit`: a queued bundle from a working-tree change, ids, times and digests filled in."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from helpers import BIN, DIFF, cli, git, rules_of


@pytest.fixture
def work(repo: Path) -> Path:
    """A repository with a committed parser, then a pod's uncommitted change to it and a new file."""
    (repo / "src").mkdir()
    (repo / "src/parser.py").write_text("def parse(text):\n    return [text]\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "src/parser.py").write_text("def parse(text):\n    return text.split(',')\n")
    (repo / "src/tokens.py").write_text("SEP = ','\n")
    return repo


def submitted(repo: Path, result_out: str) -> Path:
    patch_id = json.loads(result_out)["patch_id"]
    return repo / ".patches/queue" / patch_id


def test_a_working_tree_change_becomes_a_valid_queued_bundle(work: Path) -> None:
    head = git(work, "rev-parse", "HEAD").strip()
    result = cli(
        work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "Split symptom lists",
        "--step", "Read the parser", "--step", "Split on commas", "--entry", "added:Comma lists",
        "--agent", "codex", "--model", "gpt-5", "--json",
    )  # fmt: skip
    assert result.code == 0, result.text
    folder = submitted(work, result.out)
    assert re.fullmatch(r"patch_\d{8}_\d{6}(_\d+)?", folder.name)
    assert cli(work, "validate", str(folder)).code == 0
    trace = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    assert trace["patch_id"] == folder.name and trace["base_commit"] == head and trace["agent"] == "codex"
    assert trace["steps"] == ["Read the parser", "Split on commas"]
    handoff = yaml.safe_load((folder / "handoff_log.yaml").read_text())
    assert handoff["to"] == "qa-pod" and handoff["related_patch"] == f"{folder.name}.diff"
    for name in ("patch.diff", "thought_trace.yaml", "changelog.yaml"):
        digest = "sha256:" + hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert handoff["digests"][name] == digest
    diff = (folder / "patch.diff").read_text()
    assert "src/tokens.py" in diff and "text.split(',')" in diff and ".patches" not in diff
    assert git(work, "diff", "--cached", "--name-only") == ""  # the user's index untouched
    git(work, "apply", "--cached", "--check", str(folder / "patch.diff"))  # applies to the base (= the index)


def test_a_diff_file_and_starting_documents(work: Path, tmp_path: Path) -> None:
    (tmp_path / "change.diff").write_text(DIFF)
    (tmp_path / "trace.yaml").write_text(
        "patch_id: whatever\npod: qa-pod\ntask_id: BUG-7\nsummary: Tests\nsteps: [x]\n"
    )
    result = cli(
        work, "submit", "--diff", str(tmp_path / "change.diff"), "--trace", str(tmp_path / "trace.yaml"),
        "--patch-id", "patch_custom_1", "--json",
    )  # fmt: skip
    assert result.code == 0, result.text
    folder = work / ".patches/queue/patch_custom_1"
    assert (folder / "patch.diff").read_text() == DIFF
    trace = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    assert (trace["patch_id"], trace["pod"], trace["task_id"]) == ("patch_custom_1", "qa-pod", "BUG-7")
    assert yaml.safe_load((folder / "handoff_log.yaml").read_text())["to"] == "delivery-pod"


def test_the_editor_writes_summary_steps_and_entries(work: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text(
        "#!/bin/sh\ncat > \"$1\" <<'EOF'\nsummary: Written in the editor\nsteps: [One, Two]\n"
        "entries:\n  - type: fixed\n    description: Empty input\nEOF\n"
    )
    editor.chmod(0o755)
    env_editor = {"EDITOR": str(editor)}
    result = _cli_env(work, env_editor, "submit", "--task", "F2.1", "--pod", "dev-pod", "--json")
    assert result[0] == 0, result
    folder = work / ".patches/queue" / json.loads(result[1])["patch_id"]
    assert yaml.safe_load((folder / "thought_trace.yaml").read_text())["summary"] == "Written in the editor"
    assert yaml.safe_load((folder / "changelog.yaml").read_text())["entries"][0]["type"] == "fixed"


def _cli_env(cwd: Path, extra: dict[str, str], *args: str) -> tuple[int, str, str]:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL", "GIT_EDITOR")}
    env.update(extra)
    done = subprocess.run(
        [str(BIN / f"git-pod-{args[0]}"), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_change_to_protected_files_is_queued_and_flagged(work: Path) -> None:
    assert cli(work, "init").code == 0
    git(work, "add", "-A", ".pods", "prompts", ".gitattributes")
    git(work, "commit", "-q", "--no-verify", "-m", "adopt")
    config = work / ".pods/config.yaml"
    config.write_text(config.read_text() + "# loosen\n")
    result = cli(work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "Sneaky")
    assert result.code == 1
    assert "GP303" in rules_of(result) and ".pods/config.yaml" in result.out
    assert "not queued" in result.out
    assert [p.name for p in (work / ".patches/queue").iterdir() if p.name.startswith("patch_")] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "F2.1", "--pod", "nobody", "--summary", "x"], "unknown pod"),
        (["--task", "not a task", "--pod", "dev-pod", "--summary", "x"], "valid task id"),
        (["--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--entry", "fixd:oops"], "TYPE:TEXT"),
        (
            ["--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--patch-id", "../x"],
            "not a valid patch id",
        ),
        (
            ["--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--diff", "nope.diff"],
            "no such diff file",
        ),
        (["--task", "F2.1", "--pod", "dev-pod"], "no summary"),
    ],
    ids=["unknown pod", "bad task", "bad entry", "bad patch id", "missing diff", "no summary, no editor"],
)
def test_wrong_uses_exit_2_and_queue_nothing(work: Path, args: list[str], message: str) -> None:
    code, out, err = _cli_env(work, {}, "submit", *args)
    assert code == 2, (out, err)
    assert message in err
    assert not (work / ".patches").exists()


def test_nothing_to_submit_and_outside_a_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "a")
    result = cli(repo, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x")
    assert result.code == 2 and "nothing to submit" in result.err
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert cli(outside, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x").code == 3


def test_the_users_diff_settings_never_shape_the_patch(work: Path) -> None:
    for key, value in (("diff.noprefix", "true"), ("diff.context", "0"), ("diff.mnemonicPrefix", "true")):
        git(work, "config", key, value)
    result = cli(work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--json")
    assert result.code == 0, result.text
    diff = (submitted(work, result.out) / "patch.diff").read_text()
    assert "--- a/src/parser.py" in diff and "+++ b/src/parser.py" in diff
    git(work, "apply", "--cached", "--check", str(submitted(work, result.out) / "patch.diff"))


def test_what_git_status_hides_stays_out(work: Path) -> None:
    (work / "settings.yaml").write_text("password: change-me\n")
    git(work, "add", "settings.yaml")
    git(work, "commit", "-q", "-m", "settings")
    git(work, "update-index", "--skip-worktree", "settings.yaml")
    (work / "settings.yaml").write_text("password: hunter2\n")
    result = cli(work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--json")
    assert result.code == 0, result.text
    assert "hunter2" not in (submitted(work, result.out) / "patch.diff").read_text()


@pytest.mark.parametrize(
    ("to", "message"),
    [("nobody", "unknown pod"), ("wow-pod", "may not hand off")],
    ids=["unknown", "forbidden"],
)
def test_a_handoff_the_config_refuses_is_refused_before_writing(work: Path, to: str, message: str) -> None:
    code, _out, err = _cli_env(
        work, {}, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--to", to
    )
    assert code == 2 and message in err
    assert not (work / ".patches").exists()


def test_a_patch_id_taken_in_another_letter_case_is_refused(work: Path) -> None:
    first = cli(
        work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--patch-id", "patch_a1"
    )
    assert first.code == 0, first.text
    again = cli(
        work, "submit", "--task", "F2.1", "--pod", "dev-pod", "--summary", "x", "--patch-id", "PATCH_A1"
    )
    assert again.code == 2 and "taken" in again.err
