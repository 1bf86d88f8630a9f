"""`git pod-doctor` end to end: a healthy clone, each problem with its rule id and file, the JSON shape."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import Result, cli, git

NOTES_FETCH = "+refs/notes/pods*:refs/notes/remotes/origin/pods*"
HOOKS = ("pre-commit", "commit-msg", "pre-push", "post-commit", "post-rewrite")
VIOLATION_KEYS = {"rule", "severity", "message", "hint", "file", "line", "path", "commit"}


def doctor(repo: Path) -> tuple[Result, dict[str, Any]]:
    result = cli(repo, "doctor", "--json")
    return result, json.loads(result.out)


def found(document: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(rule, severity, file) of each violation, sorted."""
    return sorted((v["rule"], v["severity"], v.get("file")) for v in document["violations"])


def initialised(repo: Path, *setup: tuple[str, ...]) -> Path:
    for args in setup:
        git(repo, *args)
    result = cli(repo, "init")
    assert result.code == 0, result.text
    return repo / ".git/hooks"


def test_healthy_after_init(repo: Path, tmp_path: Path) -> None:
    initialised(repo, ("remote", "add", "origin", str(tmp_path / "origin.git")))
    result = cli(repo, "doctor")
    assert result.code == 0, result.out
    assert result.out.endswith("\nno problems found\n")
    checks = [line for line in result.out.splitlines() if line and line != "no problems found"]
    assert {line.split()[0] for line in checks} == {"ok"}
    for area in ("git:", "config:", "schemas:", *(f"{name} hook:" for name in HOOKS), "notes:"):
        assert any(line.split(None, 1)[1].startswith(area) for line in checks), area
    assert "fetch from 1 remote(s)" in result.out


def test_healthy_with_a_chained_hook_under_core_hooks_path(repo: Path) -> None:
    husky = repo / ".husky/_"
    husky.mkdir(parents=True)
    (husky / "pre-commit").write_bytes(b"#!/bin/sh\nexit 0\n")
    (husky / "pre-commit").chmod(0o755)
    initialised(repo, ("config", "core.hooksPath", ".husky/_"))
    result, document = doctor(repo)
    assert result.code == 0, result.out
    assert document["violations"] == []
    hook = [c for c in document["checks"] if c["area"] == "pre-commit hook"]
    assert hook == [{"status": "ok", "area": "pre-commit hook", "detail": hook[0]["detail"]}]
    assert hook[0]["detail"].endswith(", chained")


def test_before_init_hooks_and_notes_are_missing(repo: Path) -> None:
    result = cli(repo, "doctor")
    assert result.code == 1
    hooks = repo / ".git/hooks"
    for name in HOOKS:
        assert f"{hooks / name}: GP603 no {name} hook in {hooks}" in result.out
    config = repo / ".git/config"
    assert (
        f"{config}: GP608 notes.rewriteRef lacks refs/notes/pods*: amend and rebase leave the notes "
        "on the old commits" in result.out
    )
    assert f"{config}: GP608 notes.pods.mergeStrategy lacks cat_sort_uniq" in result.out
    assert "    fix: git pod-init" in result.out
    assert result.out.endswith("\n7 problems found\n")

    _, document = doctor(repo)
    assert found(document) == sorted(
        [
            *(("GP603", "error", str(hooks / name)) for name in HOOKS),
            ("GP608", "error", str(config)),
            ("GP608", "error", str(config)),
        ]
    )


def test_a_missing_rewrite_ref_is_reported_on_its_own(repo: Path, tmp_path: Path) -> None:
    initialised(repo, ("remote", "add", "origin", str(tmp_path / "origin.git")))
    git(repo, "config", "--unset", "notes.rewriteRef")
    result, document = doctor(repo)
    assert result.code == 1
    assert found(document) == [("GP608", "error", str(repo / ".git/config"))]
    assert document["violations"][0]["message"].startswith("notes.rewriteRef lacks refs/notes/pods*")
    assert cli(repo, "init").code == 0
    assert cli(repo, "doctor").code == 0


@pytest.mark.parametrize("name", ["pre-push", "post-commit", "post-rewrite"])
def test_each_new_hook_is_checked_like_the_first_two(repo: Path, name: str) -> None:
    hook = initialised(repo) / name
    hook.chmod(0o644)
    _, document = doctor(repo)
    assert found(document) == [("GP604", "error", str(hook))]
    hook.chmod(0o755)
    with open(hook, "a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    _, document = doctor(repo)
    assert found(document) == [("GP606", "warning", str(hook))]
    hook.unlink()
    _, document = doctor(repo)
    assert found(document) == [("GP603", "error", str(hook))]


def test_another_tools_hook_is_not_ours(repo: Path) -> None:
    initialised(repo)
    hook = repo / ".git/hooks/commit-msg"
    hook.write_bytes(b"#!/bin/sh\nexit 0\n")  # lefthook or a teammate replaced it
    result, document = doctor(repo)
    assert result.code == 1
    assert found(document) == [("GP603", "error", str(hook))]
    [problem] = document["violations"]
    assert "another tool's hook" in problem["message"]
    assert "git pod-init" in problem["hint"]


def test_hooks_path_set_after_init_leaves_the_hooks_behind(repo: Path) -> None:
    initialised(repo)
    (repo / ".husky/_").mkdir(parents=True)
    git(repo, "config", "core.hooksPath", ".husky/_")
    result, document = doctor(repo)
    assert result.code == 1
    husky = repo / ".husky/_"
    assert found(document) == sorted(("GP603", "error", str(husky / name)) for name in HOOKS)


def test_hook_not_executable(repo: Path) -> None:
    hook = initialised(repo) / "pre-commit"
    hook.chmod(0o644)
    result = cli(repo, "doctor")
    assert result.code == 1
    assert f"{hook}: GP604 {hook} is not executable" in result.out
    assert f"    fix: chmod +x {hook}" in result.out
    _, document = doctor(repo)
    assert found(document) == [("GP604", "error", str(hook))]


@pytest.mark.parametrize(
    "line",
    ["GIT_PODS_PYTHON='/nonexistent/python'", "GIT_PODS_PYTHON=/nonexistent/python"],
    ids=["quoted", "unquoted"],
)
def test_hook_naming_a_missing_interpreter(repo: Path, line: str) -> None:
    hook = initialised(repo) / "commit-msg"
    text = hook.read_text(encoding="utf-8")
    edited, count = re.subn(r"(?m)^GIT_PODS_PYTHON=.*$", line, text)
    assert count == 1
    hook.write_text(edited, encoding="utf-8")
    result, document = doctor(repo)
    assert result.code == 1
    assert found(document) == [("GP605", "error", str(hook))]
    assert "/nonexistent/python" in document["violations"][0]["message"]


def test_hook_naming_a_python_without_git_pods(repo: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin/python"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # runs, but cannot import git_pods
    fake.chmod(0o755)
    hook = initialised(repo) / "pre-commit"
    text = hook.read_text(encoding="utf-8")
    hook.write_text(re.sub(r"(?m)^GIT_PODS_PYTHON=.*$", f"GIT_PODS_PYTHON='{fake}'", text), encoding="utf-8")
    result, document = doctor(repo)
    assert result.code == 1
    assert found(document) == [("GP605", "error", str(hook))]


def chain_a_hook(repo: Path, name: str) -> Path:
    """A foreign hook, then git pod-init: returns the chained copy's path."""
    hooks = repo / ".git/hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / name).write_bytes(b"#!/bin/sh\nexit 0\n")
    (hooks / name).chmod(0o755)
    initialised(repo)
    return hooks / f"{name}.pre-git-pods"


def test_chained_hook_deleted(repo: Path) -> None:
    chained = chain_a_hook(repo, "pre-commit")
    assert chained.is_file()
    chained.unlink()
    result = cli(repo, "doctor")
    assert result.code == 1
    assert f"{chained}: GP607 the chained hook {chained} is missing or not executable" in result.out
    _, document = doctor(repo)
    assert found(document) == [("GP607", "error", str(chained))]


def test_chained_post_commit_hook_deleted_says_it_only_stops_running(repo: Path) -> None:
    chained = chain_a_hook(repo, "post-commit")
    chained.unlink()
    _, document = doctor(repo)
    assert found(document) == [("GP607", "error", str(chained))]
    assert document["violations"][0]["message"].endswith(
        "it does not run (git-pods only warns after the fact)"
    )


def test_chained_hook_not_executable(repo: Path) -> None:
    chained = chain_a_hook(repo, "commit-msg")
    chained.chmod(0o644)
    result, document = doctor(repo)
    assert result.code == 1
    assert found(document) == [("GP607", "error", str(chained))]


def test_edited_hook_is_a_warning_only(repo: Path) -> None:
    hook = initialised(repo) / "pre-commit"
    with open(hook, "a", encoding="utf-8") as handle:
        handle.write("# a local tweak\n")
    result = cli(repo, "doctor")
    assert result.code == 0, result.out
    assert f"{hook}: GP606 warning: {hook} differs from the hook git-pods" in result.out
    assert "warn  pre-commit hook:" in result.out
    _, document = doctor(repo)
    assert document["ok"] is True and document["exit_code"] == 0
    assert found(document) == [("GP606", "warning", str(hook))]


def test_missing_prompt_is_a_warning_only(repo: Path) -> None:
    initialised(repo)
    (repo / "prompts/wow_pod.txt").unlink()
    result, document = doctor(repo)
    assert result.code == 0
    assert found(document) == [("GP601", "warning", ".pods/config.yaml")]
    assert "prompts/wow_pod.txt" in document["violations"][0]["message"]


def test_remote_added_after_init_lacks_the_notes_fetch_refspec(repo: Path, tmp_path: Path) -> None:
    initialised(repo)
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    result = cli(repo, "doctor")
    assert result.code == 1
    config = repo / ".git/config"
    assert f"{config}: GP608 remote.origin.fetch lacks {NOTES_FETCH}" in result.out
    assert cli(repo, "init").code == 0
    assert cli(repo, "doctor").code == 0


def test_a_push_refspec_naming_notes(repo: Path, tmp_path: Path) -> None:
    initialised(repo, ("remote", "add", "origin", str(tmp_path / "origin.git")))
    git(repo, "config", "--add", "remote.origin.push", "refs/notes/pods:refs/notes/pods")
    result = cli(repo, "doctor")
    assert result.code == 1
    config = repo / ".git/config"
    assert f"{config}: GP609 remote.origin.push = refs/notes/pods:refs/notes/pods" in result.out
    assert "    fix: git config --unset remote.origin.push 'refs/notes/pods:refs/notes/pods'" in result.out
    _, document = doctor(repo)
    assert found(document) == [("GP609", "error", str(config))]


def test_a_branch_push_refspec_is_fine(repo: Path, tmp_path: Path) -> None:
    initialised(repo, ("remote", "add", "origin", str(tmp_path / "origin.git")))
    git(repo, "config", "--add", "remote.origin.push", "refs/heads/main:refs/heads/main")
    result, document = doctor(repo)
    assert result.code == 0
    assert document["violations"] == []


@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        ("version: 1\npods: 3\n", "GP112", 2),
        ("version: 1\npods:\n  dev-pod: [\n", "GP101", None),
        ("version: 1\npods:\n  dev-pod:\n    next: [nobody-pod]\n", "GP600", 4),
        ("version: 1\npods:\n  dev-pod:\n    descripton: typo\n", "GP111", 4),
    ],
    ids=["wrong-type", "yaml-syntax", "unknown-next-pod", "unknown-key"],
)
def test_an_invalid_config(repo: Path, text: str, rule: str, line: int | None) -> None:
    initialised(repo)
    (repo / ".pods/config.yaml").write_text(text, encoding="utf-8")
    result, document = doctor(repo)
    assert result.code == 1, result.out
    problems = {v["rule"]: v for v in document["violations"]}
    assert set(problems) == {rule, "GP602"}
    assert problems[rule]["file"] == ".pods/config.yaml"
    assert problems[rule]["severity"] == "error"
    if line is not None:
        assert problems[rule]["line"] == line
    assert problems["GP602"]["file"] == ".pods/config.yaml"
    assert problems["GP602"]["severity"] == "warning"
    text_result = cli(repo, "doctor")
    assert text_result.code == 1
    where = r":\d+" if line is None else f":{line}"  # a syntax error's line is the parser's guess
    assert re.search(rf"(?m)^\.pods/config\.yaml{where}: {rule} ", text_result.out), text_result.out
    assert "FAIL  config:" in text_result.out


def test_json_has_the_contract_shape(repo: Path) -> None:
    initialised(repo)
    (repo / ".git/hooks/pre-commit").chmod(0o644)
    with open(repo / ".git/hooks/commit-msg", "a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    result, document = doctor(repo)
    assert result.code == 1
    assert {"command", "ok", "exit_code", "checks", "violations"} <= set(document)
    assert document["command"] == "doctor"
    assert document["ok"] is False and document["exit_code"] == 1
    assert {c["status"] for c in document["checks"]} == {"ok", "fail", "warn"}
    assert all(set(c) == {"status", "area", "detail"} for c in document["checks"])
    assert document["violations"]
    for item in document["violations"]:
        assert {"rule", "severity", "message"} <= set(item) <= VIOLATION_KEYS
        assert re.fullmatch(r"GP\d{3}", item["rule"])
        assert item["severity"] in ("error", "warning")
        assert item["message"]
    assert [v["rule"] for v in document["violations"]] == ["GP604", "GP606"]


def test_a_framework_repository_without_the_git_pods_hooks(repo: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    result = cli(repo, "doctor")
    assert result.code == 1
    assert ".pre-commit-config.yaml: GP611" in result.out
    assert "lacks pod-bundle, pod-commit-msg, pod-post-commit, pod-pre-push" in result.out
    hooks = repo / ".git/hooks"
    assert f"{hooks / 'post-rewrite'}: GP603 no post-rewrite hook" in result.out  # native there too
    assert f"{hooks / 'pre-commit'}: GP603" not in result.out  # the framework's business


def test_remote_notes_state_and_the_forge_cli(repo: Path, tmp_path: Path) -> None:
    from promoting import pods_repo

    root = pods_repo(repo)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    head = git(root, "rev-parse", "HEAD").strip()
    git(
        root,
        "notes",
        "--ref=pods",
        "add",
        "-m",
        '{"ts":"2026-01-01T00:00:00Z","v":1,"event":"reviewed"}',
        head,
    )
    found = json.loads(cli(root, "doctor", "--json").out)
    assert "GP800" in {v["rule"] for v in found["violations"]}
    assert cli(root, "sync").code == 0
    found = json.loads(cli(root, "doctor", "--json").out)
    assert "GP800" not in {v["rule"] for v in found["violations"]}
    if shutil.which("gh") is None:
        git(root, "remote", "add", "hub", "https://github.com/example/project.git")
        found = json.loads(cli(root, "doctor", "--json").out)
        assert any(v["rule"] == "GP801" and "gh" in v["message"] for v in found["violations"])
