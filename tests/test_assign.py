"""`git pod-assign`: the ledger committed alone with its event, the prompt rendered literally, and
input files refused when outside, ignored or secret, without their content ever shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import events, pods_repo

AGENT = "src/models/agent/concussion_agent.py"
SEEDS = "Focus on edge case symptoms and return-to-play stage transitions"
SECRET = "ghp_" + "Q7w" * 12  # looks like a GitHub token


@pytest.fixture
def pods(repo: Path) -> Path:
    root = pods_repo(repo)
    (root / AGENT).parent.mkdir(parents=True)
    (root / AGENT).write_text("def stage(symptoms):\n    return 'rest' if symptoms else 'play'\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "agent")
    return root


def test_the_seeds_example(pods: Path) -> None:
    head = git(pods, "rev-parse", "HEAD").strip()
    result = cli(
        pods, "assign", "--to", "qa-pod", "--task", "F2.1", "--input-file", AGENT, "--instructions", SEEDS
    )
    assert result.code == 0, result.text
    ledger = yaml.safe_load((pods / ".pods/tasks/F2.1.yaml").read_text())
    assert ledger["pod"] == "qa-pod" and ledger["task_id"] == "F2.1" and ledger["input_files"] == [AGENT]
    assert ledger["instructions"] == SEEDS and ledger["base_commit"] == head
    assert cli(pods, "validate", ".pods/tasks/F2.1.yaml").code == 0
    prompt = result.out
    assert prompt.startswith("QA POD - WORKING PROCEDURE")  # the pod's own template from prompts/
    assert f"--- {AGENT} (at commit {head[:12]}) ---" in prompt
    assert "return 'rest' if symptoms else 'play'" in prompt
    wanted = ["=== HOW TO ANSWER ===", "patch.diff", "thought_trace.yaml", "changelog.yaml"]
    wanted += ["handoff_log.yaml", f"against commit {head}", "files/<path>", "to: delivery-pod"]
    for part in wanted:
        assert part in prompt, part
    patch_id = prompt.split("Answer with one bundle named ", 1)[1].split(",", 1)[0]
    assert f"patch_id: {patch_id}\npod: qa-pod\ntask_id: F2.1" in prompt
    # the ledger alone was committed, with its event
    assert git(pods, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "Assign", "F2.1", "to", "qa-pod", ".pods/tasks/F2.1.yaml",
    ]  # fmt: skip
    (event,) = [json.loads(e) for e in events(pods, "HEAD")]
    assert (event["event"], event["pod"], event["task"]) == ("assigned", "qa-pod", "F2.1")
    assert git(pods, "status", "--porcelain") == ""


def test_user_text_and_file_content_come_out_literally(pods: Path) -> None:
    tricky = "Use {goal} and ${HOME} and $(touch PWNED) and {{ x }} {% if y %} %(n)s `id`"
    (pods / "src/t.py").write_text(f"# {tricky}\n")
    git(pods, "add", "-A")
    git(pods, "commit", "-q", "-m", "t")
    texts = ["--goal", tricky, "--instructions", tricky]
    result = cli(pods, "assign", "--to", "dev-pod", "--task", "T1", *texts, "--input-file", "src/t.py")
    assert result.code == 0, result.text
    assert result.out.count(tricky) == 3  # goal and instructions in the packet, and the file
    assert not list(pods.rglob("PWNED")) and not Path("PWNED").exists()
    assert yaml.safe_load((pods / ".pods/tasks/T1.yaml").read_text())["goal"] == tricky


def test_only_the_ledger_is_committed_and_the_rest_stays(pods: Path) -> None:
    (pods / "README.md").write_text("# staged\n")
    git(pods, "add", "README.md")
    (pods / "src/parser.py").write_text("# unstaged\n")
    (pods / "scratch.txt").write_text("untracked\n")
    before = git(pods, "status", "--porcelain")
    result = cli(pods, "assign", "--to", "dev-pod", "--task", "F3", "--goal", "Parse lists")
    assert result.code == 0, result.text
    assert git(pods, "show", "--name-only", "--format=", "HEAD").split() == [".pods/tasks/F3.yaml"]
    assert git(pods, "status", "--porcelain") == before
    assert git(pods, "diff", "--cached", "--name-only") == "README.md\n"


def test_a_new_assignment_moves_the_earlier_one_into_history(pods: Path) -> None:
    assert cli(pods, "assign", "--to", "dev-pod", "--task", "F4", "--goal", "Build it").code == 0
    result = cli(pods, "assign", "--to", "qa-pod", "--task", "F4", "--instructions", "Test it")
    assert result.code == 0, result.text
    ledger = yaml.safe_load((pods / ".pods/tasks/F4.yaml").read_text())
    assert ledger["pod"] == "qa-pod" and ledger["goal"] == "Build it"  # the goal carries over
    (earlier,) = ledger["history"]
    assert earlier["event"] == "assigned" and earlier["pod"] == "dev-pod" and earlier["goal"] == "Build it"
    assert cli(pods, "validate", ".pods/tasks/F4.yaml").code == 0
    assert git(pods, "rev-list", "--count", "HEAD", "--", ".pods/tasks/F4.yaml").strip() == "2"


def test_no_commit_out_and_json(pods: Path) -> None:
    head = git(pods, "rev-parse", "HEAD").strip()
    result = cli(pods, "assign", "--to", "dev-pod", "--task", "F5", "--goal", "G", "--no-commit", "--out",
                 "prompt.txt", "--json")  # fmt: skip
    assert result.code == 0, result.text
    data = json.loads(result.out)
    assert data["commit"] is None and data["prompt_file"] == "prompt.txt" and data["prompt"] is None
    assert (pods / "prompt.txt").read_text().startswith("DEV POD")
    assert git(pods, "rev-parse", "HEAD").strip() == head
    assert git(pods, "status", "--porcelain").split() == ["??", ".pods/tasks/", "??", "prompt.txt"]


def _secret_in(result_text: str) -> bool:
    return SECRET in result_text or "s3cr3t-value" in result_text


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("/etc/hosts", "GP701"),
        ("../outside.txt", "GP701"),
        ("src/link-out", "GP701"),
        (".git/config", "GP701"),
        ("ignored.txt", "GP702"),
        (".env", "GP703"),
        ("src/config.py", "GP703"),
        ("deploy/id_ed25519", "GP703"),
    ],
)
def test_refused_input_files_never_show_their_content(
    pods: Path, tmp_path: Path, name: str, rule: str
) -> None:
    (tmp_path / "outside.txt").write_text("s3cr3t-value\n")
    os.symlink(tmp_path / "outside.txt", pods / "src/link-out")
    (pods / ".gitignore").write_text("ignored.txt\n")
    (pods / "ignored.txt").write_text("s3cr3t-value\n")
    (pods / ".env").write_text(f"TOKEN={SECRET}\n")
    (pods / "src/config.py").write_text(f"TOKEN = '{SECRET}'\n")
    (pods / "deploy").mkdir()
    (pods / "deploy/id_ed25519").write_text("s3cr3t-value\n")
    head = git(pods, "rev-parse", "HEAD").strip()
    result = cli(pods, "assign", "--to", "qa-pod", "--task", "F6", "--goal", "G", "--input-file", name)
    assert result.code == 1, result.text
    assert rule in result.err and "nothing was assigned or printed" in result.err
    assert result.out == "" and not _secret_in(result.text)
    assert git(pods, "rev-parse", "HEAD").strip() == head and not (pods / ".pods/tasks/F6.yaml").exists()
    json_result = cli(
        pods, "assign", "--to", "qa-pod", "--task", "F6", "--goal", "G", "--input-file", name, "--json"
    )
    assert json_result.code == 1 and json.loads(json_result.out)["violations"][0]["rule"] == rule
    assert not _secret_in(json_result.text)


def test_allow_secret_lets_a_named_file_in(pods: Path) -> None:
    (pods / "src/fixture.py").write_text(f"FAKE = '{SECRET}'\n")
    result = cli(pods, "assign", "--to", "qa-pod", "--task", "F7", "--goal", "G", "--input-file",
                 "src/fixture.py", "--allow-secret", "src/fixture.py")  # fmt: skip
    assert result.code == 0, result.text
    assert SECRET in result.out


def test_the_size_budget(pods: Path) -> None:
    config = pods / ".pods/config.yaml"
    config.write_text(config.read_text() + "limits:\n  prompt_max_bytes: 2000\n")
    git(pods, "commit", "-q", "-am", "small budget")
    (pods / "src/big.py").write_text("x = 1\n" * 1000)
    git(pods, "add", "-A")
    git(pods, "commit", "-q", "-m", "big")
    result = cli(
        pods, "assign", "--to", "dev-pod", "--task", "F8", "--goal", "G", "--input-file", "src/big.py"
    )
    assert result.code == 1, result.text
    assert "GP704" in result.err and "tokens" in result.err and "budget is 2,000" in result.err


def test_a_missing_template_falls_back_and_says_so(pods: Path) -> None:
    (pods / "prompts/wow_pod.txt").unlink()
    result = cli(pods, "assign", "--to", "wow-pod", "--task", "F9", "--goal", "Retro")
    assert result.code == 0, result.text
    assert "no template at prompts/wow_pod.txt: the built-in working procedure is used" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "F1"], "--to is needed"),
        (["--to", "nobody", "--task", "F1", "--goal", "G"], "--to nobody: unknown pod"),
        (["--to", "dev-pod", "--task", "1bad"], "is not a valid task id"),
        (["--to", "dev-pod", "--task", "F1"], "--goal is needed for a new task"),
        (["--to", "dev-pod", "--task", "F1", "--goal", "G", "--input-file", "nothere.py"], "no such file"),
    ],
)
def test_wrong_uses_exit_2(pods: Path, args: list[str], message: str) -> None:
    head = git(pods, "rev-parse", "HEAD").strip()
    result = cli(pods, "assign", *args)
    assert result.code == 2, result.text
    assert message in result.err
    assert git(pods, "rev-parse", "HEAD").strip() == head


def test_a_merge_in_progress_is_exit_3(pods: Path) -> None:
    (pods / ".git/MERGE_HEAD").write_text(git(pods, "rev-parse", "HEAD"))
    result = cli(pods, "assign", "--to", "dev-pod", "--task", "F1", "--goal", "G")
    assert result.code == 3 and "a merge is in progress" in result.err
