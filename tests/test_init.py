"""`git pod-init` end to end: the scaffold, the repository's config, the hooks, idempotence, uninstall."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import BIN, Result, cli, git

PODS = ("dev-pod", "qa-pod", "research-pod", "delivery-pod", "wow-pod")
HANDOFFS = {  # DESIGN §2: the default config's handoff graph
    "dev-pod": {"qa-pod", "research-pod"},
    "qa-pod": {"delivery-pod", "dev-pod"},
    "research-pod": {"dev-pod"},
    "delivery-pod": {"wow-pod", "dev-pod"},
    "wow-pod": {"dev-pod", "research-pod"},
}
PROMPTS = tuple(f"prompts/{pod.replace('-', '_')}.txt" for pod in PODS)
SCAFFOLD = (".pods/config.yaml", *PROMPTS, ".patches/queue/.gitkeep", ".gitattributes")
HOOKS = ("pre-commit", "commit-msg", "pre-push", "post-commit", "post-rewrite")
HOOK_IDS = ("pod-bundle", "pod-commit-msg", "pod-pre-push", "pod-post-commit", "pod-post-rewrite")
NOTES_FETCH = "+refs/notes/pods*:refs/notes/remotes/origin/pods*"
CHANGED = {"created", "updated", "installed", "chained", "set", "added", "removed", "restored"}
# The interpreter the installed executables run on, which the hooks must name (not python3 on PATH).
INSTALLER_PYTHON = (BIN / "git-pod-init").read_text(encoding="utf-8").splitlines()[0].removeprefix("#!")
OLD_NS = 1_000_000_000 * 10**9  # 2001: any rewrite moves a file's mtime away from this


def config_values(repo: Path, key: str, scope: str = "--local") -> list[str]:
    done = subprocess.run(
        ["git", "config", scope, "--get-all", key], cwd=repo, capture_output=True, text=True, check=False
    )
    return done.stdout.splitlines()


def commit(repo: Path, message: str) -> Result:
    done = subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=repo, capture_output=True, text=True, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def head_count(repo: Path) -> int:
    done = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
    )
    return int(done.stdout) if done.returncode == 0 else 0


def write_hook(folder: Path, name: str, body: str, mode: int = 0o755) -> bytes:
    """A team's own hook script; returns its exact bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    data = f"#!/bin/sh\n# the team's own {name} hook\n{body}\n".encode()
    (folder / name).write_bytes(data)
    (folder / name).chmod(mode)
    return data


def logging_hook(folder: Path, log: Path) -> bytes:
    return write_hook(folder, "pre-commit", f"echo \"foreign pre-commit ran $#\" >> '{log}'")


def init_json(cwd: Path, *args: str) -> tuple[Result, dict[str, Any]]:
    result = cli(cwd, "init", "--json", *args)
    return result, json.loads(result.out)


def line_with(text: str, *parts: str) -> str:
    """The one output line holding every part (fails the test when there is none)."""
    found = [line for line in text.splitlines() if all(p in line for p in parts)]
    assert len(found) == 1, f"expected one line with {parts} in:\n{text}"
    return found[0]


# --- a fresh repository ---------------------------------------------------------------------------


def test_fresh_repo_gets_the_scaffold(repo: Path) -> None:
    result = cli(repo, "init")
    assert result.code == 0, result.text
    for relative in SCAFFOLD:
        assert (repo / relative).is_file(), relative
        assert line_with(result.out, "created", relative)
    assert (repo / ".patches/queue").is_dir()
    assert "git-pods is set up." in result.out
    assert "git add .pods/config.yaml" in result.out  # tells people to commit the scaffold

    text = (repo / ".pods/config.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("# yaml-language-server: $schema=")
    assert text.splitlines()[0].endswith("pods-config.schema.json")
    data = yaml.safe_load(text)
    assert tuple(data["pods"]) == PODS
    for pod, spec in data["pods"].items():
        assert isinstance(spec["description"], str) and spec["description"].strip(), pod
        assert set(spec["next"]) == HANDOFFS[pod], pod
        assert spec["prompt"] == f"prompts/{pod.replace('-', '_')}.txt"
    validated = cli(repo, "validate")
    assert validated.code == 0, validated.text


def test_fresh_repo_prompts_hold_each_pods_working_procedure(repo: Path) -> None:
    assert cli(repo, "init").code == 0
    texts: dict[str, str] = {}
    for pod, relative in zip(PODS, PROMPTS, strict=True):
        text = (repo / relative).read_text(encoding="utf-8")
        texts[pod] = text
        assert "WORKING PROCEDURE" in text.splitlines()[0], relative
        assert "STEPS" in text and "HOW TO ANSWER" in text, relative
        assert "{" not in text and "$" not in text, f"{relative} holds template syntax"
    assert (repo / "prompts/qa_pod.txt").read_text(encoding="utf-8").startswith("QA POD")
    assert len(set(texts.values())) == len(PODS)  # one procedure per pod, not one copied five times
    assert "delivery-pod" in texts["qa-pod"]  # qa's handoff advice names its next pods


def test_fresh_repo_gitattributes_mark_records_generated_and_not_text(repo: Path) -> None:
    assert cli(repo, "init").code == 0
    lines = (repo / ".gitattributes").read_text(encoding="utf-8").splitlines()
    for folder in (".patches/**", ".logs/**"):
        [line] = [x for x in lines if x.startswith(folder + " ")]
        assert "-text" in line.split()
        assert "linguist-generated=true" in line.split()
    attrs = git(repo, "check-attr", "text", "--", ".patches/x.diff", ".logs/x/changelog.yaml", "src/a.py")
    assert attrs.splitlines() == [
        ".patches/x.diff: text: unset",
        ".logs/x/changelog.yaml: text: unset",
        "src/a.py: text: unspecified",
    ]


def test_existing_gitattributes_keeps_its_lines(repo: Path) -> None:
    (repo / ".gitattributes").write_bytes(b"*.png binary")  # no final newline
    assert cli(repo, "init").code == 0
    lines = (repo / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "*.png binary"
    assert any(x.startswith(".patches/** ") for x in lines)
    assert any(x.startswith(".logs/** ") for x in lines)


def test_from_a_subfolder_the_scaffold_lands_at_the_top(repo: Path) -> None:
    (repo / "src/deep").mkdir(parents=True)
    result = cli(repo / "src/deep", "init")
    assert result.code == 0
    assert (repo / ".pods/config.yaml").is_file()
    assert not (repo / "src/deep/.pods").exists()
    assert sorted(p.name for p in (repo / "src/deep").iterdir()) == []
    command = line_with(result.out, "git add").strip().split(" && ")[0].split()
    git(repo / "src/deep", *command[1:])  # the printed command works where it was typed
    assert "prompts/qa_pod.txt" in git(repo, "diff", "--cached", "--name-only")


def test_a_hooks_folder_in_the_work_tree_is_pointed_out(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    result = cli(repo, "init")
    assert result.code == 0
    assert "note" in line_with(result.out, "hooks folder", ".githooks")
    assert "keep them out of commits" in result.out


# --- git config -----------------------------------------------------------------------------------


def test_notes_config_goes_to_the_repository_config_only(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    global_config = tmp_path / "global.gitconfig"
    global_config.write_bytes(b"")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))

    result = cli(repo, "init")
    assert result.code == 0, result.text
    assert config_values(repo, "notes.rewriteRef") == ["refs/notes/pods*"]
    assert config_values(repo, "notes.pods.mergeStrategy") == ["cat_sort_uniq"]
    assert config_values(repo, "remote.origin.fetch") == ["+refs/heads/*:refs/remotes/origin/*", NOTES_FETCH]
    assert line_with(result.out, "set", "remote.origin.fetch")
    assert global_config.read_bytes() == b""
    assert config_values(repo, "notes.rewriteRef", "--global") == []


def test_without_a_remote_init_says_to_run_again_after_adding_one(repo: Path, tmp_path: Path) -> None:
    first = cli(repo, "init")
    assert first.code == 0
    assert line_with(first.out, "later", "no remote yet")
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    second = cli(repo, "init")
    assert second.code == 0
    assert line_with(second.out, "set", f"remote.origin.fetch={NOTES_FETCH}")
    assert config_values(repo, "remote.origin.fetch")[-1] == NOTES_FETCH


def test_a_plain_fetch_still_works_from_a_remote_without_notes(repo: Path, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "init", "-q", "--bare", str(upstream))
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    git(repo, "remote", "add", "origin", str(upstream))
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert cli(repo, "init").code == 0
    git(repo, "fetch", "-q", "origin")  # raises if the notes refspec made fetch fail
    git(repo, "notes", "--ref=pods", "add", "-m", '{"v":1}', "HEAD")
    git(repo, "push", "-q", "origin", "refs/notes/pods")
    git(repo, "update-ref", "-d", "refs/notes/pods")
    git(repo, "fetch", "-q", "origin")
    assert git(repo, "rev-parse", "refs/notes/remotes/origin/pods").strip()
    assert git(repo, "for-each-ref", "refs/notes/pods") == ""  # never onto the local notes ref


def test_a_rewrite_ref_already_there_is_kept_beside_ours(repo: Path) -> None:
    git(repo, "config", "notes.rewriteRef", "refs/notes/commits")
    assert cli(repo, "init").code == 0
    assert config_values(repo, "notes.rewriteRef") == ["refs/notes/commits", "refs/notes/pods*"]


# --- hooks ----------------------------------------------------------------------------------------


def test_hooks_are_installed_executable_and_name_the_interpreter(repo: Path) -> None:
    result = cli(repo, "init")
    assert result.code == 0
    assert Path(INSTALLER_PYTHON).parent == BIN  # the virtualenv's python, not a bare python3
    for name in HOOKS:
        path = repo / ".git/hooks" / name
        assert line_with(result.out, "installed", str(path))
        assert path.stat().st_mode & stat.S_IXUSR, f"{name} is not executable"
        text = path.read_text(encoding="utf-8")
        assert "# git-pods managed hook" in text
        assert re.findall(r"(?m)^GIT_PODS_PYTHON=.*$", text) == [f"GIT_PODS_PYTHON='{INSTALLER_PYTHON}'"]
        assert re.findall(r"(?m)^GIT_PODS_CHAINED=.*$", text) == ["GIT_PODS_CHAINED="]
        assert not (repo / ".git/hooks" / f"{name}.pre-git-pods").exists()


def commit_broken_config(repo: Path) -> Result:
    """Stage a config of the wrong type and commit it: the installed pre-commit hook must refuse."""
    (repo / ".pods/config.yaml").write_text("pods: 3\n", encoding="utf-8")
    git(repo, "add", ".pods/config.yaml")
    result = commit(repo, "break the config")
    assert result.code == 1
    assert ".pods/config.yaml:1: GP112" in result.text
    return result


def test_installed_hooks_refuse_an_invalid_staged_config(repo: Path) -> None:
    assert cli(repo, "init").code == 0
    commit_broken_config(repo)
    assert head_count(repo) == 0


def test_a_foreign_hook_is_chained_and_runs_first(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "foreign.log"
    original = logging_hook(repo / ".git/hooks", log)
    result = cli(repo, "init")
    assert result.code == 0, result.text
    hooks = repo / ".git/hooks"
    assert line_with(result.out, "chained", str(hooks / "pre-commit"))
    assert (hooks / "pre-commit.pre-git-pods").read_bytes() == original
    assert (hooks / "pre-commit.pre-git-pods").stat().st_mode & stat.S_IXUSR
    text = (hooks / "pre-commit").read_text(encoding="utf-8")
    assert "# git-pods managed hook" in text
    assert "GIT_PODS_CHAINED=1" in text.splitlines()
    assert not (hooks / "commit-msg.pre-git-pods").exists()  # nothing was there to chain

    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    git(repo, "add", "a.txt")
    assert commit(repo, "ordinary work").code == 0
    assert log.read_text(encoding="utf-8") == "foreign pre-commit ran 0\n"

    commit_broken_config(repo)  # git-pods' check still runs
    assert log.read_text(encoding="utf-8").count("foreign pre-commit ran") == 2  # the chained one ran first
    assert head_count(repo) == 1


def test_a_failing_foreign_hook_still_blocks_the_commit(repo: Path) -> None:
    write_hook(repo / ".git/hooks", "pre-commit", "echo 'team rule: no commits today' >&2\nexit 1")
    assert cli(repo, "init").code == 0
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    git(repo, "add", "a.txt")
    result = commit(repo, "ordinary work")
    assert result.code == 1
    assert "team rule: no commits today" in result.err
    assert head_count(repo) == 0


@pytest.mark.parametrize("kind", ["not executable", "dangling link"])
def test_a_hook_git_ignores_does_not_start_blocking_commits(repo: Path, kind: str) -> None:
    """Git skips a hook that is not executable or whose link points nowhere; a human's ordinary
    commit passed before git pod-init and must still pass after it (DESIGN §6)."""
    hooks = repo / ".git/hooks"
    if kind == "not executable":
        write_hook(hooks, "pre-commit", "exit 1", mode=0o644)
    else:
        hooks.mkdir(parents=True, exist_ok=True)
        (hooks / "pre-commit").symlink_to(repo / "node_modules/husky/gone")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    git(repo, "add", "a.txt")
    assert commit(repo, "before git-pods").code == 0

    init = cli(repo, "init")
    assert init.code == 0, init.text
    (repo / "b.txt").write_text("b\n", encoding="utf-8")
    git(repo, "add", "b.txt")
    after = commit(repo, "after git-pods")
    assert after.code == 0, f"an ordinary commit is refused after git pod-init:\n{after.err}"
    assert head_count(repo) == 2


def test_hooks_go_to_core_hooks_path_like_husky(repo: Path) -> None:
    (repo / ".husky/_").mkdir(parents=True)
    git(repo, "config", "core.hooksPath", ".husky/_")
    result = cli(repo, "init")
    assert result.code == 0, result.text
    for name in HOOKS:
        path = repo / ".husky/_" / name
        assert line_with(result.out, "installed", str(path))
        assert "# git-pods managed hook" in path.read_text(encoding="utf-8")
        assert path.stat().st_mode & stat.S_IXUSR
        assert not (repo / ".git/hooks" / name).exists()
    (repo / ".pods/config.yaml").write_text("pods: 3\n", encoding="utf-8")  # git runs them from there
    git(repo, "add", ".pods/config.yaml")
    refused = commit(repo, "break the config")
    assert refused.code == 1
    assert "GP112" in refused.text


def test_husky_rewriting_its_hook_can_be_repaired_by_init_again(repo: Path) -> None:
    """husky (v9) rewrites every hook stub in .husky/_ on each install, leaving other files; the
    help's example `git pod-init  # ... repair after husky/lefthook replaced the hooks`, and
    doctor's GP603 fix, say running init again puts git-pods back."""
    husky = repo / ".husky/_"
    husky.mkdir(parents=True)
    stub = b'#!/usr/bin/env sh\n. "${0%/*}/h"'  # what husky writes for every hook

    def run_husky() -> None:
        (husky / "pre-commit").write_bytes(stub)
        (husky / "pre-commit").chmod(0o755)
        git(repo, "config", "core.hooksPath", ".husky/_")

    run_husky()
    assert cli(repo, "init").code == 0
    run_husky()  # `npm install` runs husky's prepare script again

    again = cli(repo, "init")
    assert again.code == 0, again.text
    assert "# git-pods managed hook" in (husky / "pre-commit").read_text(encoding="utf-8")
    assert (husky / "pre-commit.pre-git-pods").read_bytes() == stub


def test_two_different_foreign_hooks_are_refused_and_both_kept(repo: Path) -> None:
    hooks = repo / ".git/hooks"
    first = write_hook(hooks, "pre-commit", "echo one")
    (hooks / "pre-commit.pre-git-pods").write_bytes(b"#!/bin/sh\necho two\n")
    (hooks / "pre-commit.pre-git-pods").chmod(0o755)
    result = cli(repo, "init")
    assert result.code == 3
    line = line_with(result.out, "problem", str(hooks / "pre-commit"))
    assert "pre-commit.pre-git-pods" in result.out, line
    assert "move one away" in result.out
    assert (hooks / "pre-commit").read_bytes() == first
    assert (hooks / "pre-commit.pre-git-pods").read_bytes() == b"#!/bin/sh\necho two\n"


def test_every_hook_chains_what_was_there_and_uninstall_puts_each_back(repo: Path, tmp_path: Path) -> None:
    hooks = repo / ".git/hooks"
    originals = {name: write_hook(hooks, name, f"echo {name} >> '{tmp_path / 'ran.log'}'") for name in HOOKS}
    result, document = init_json(repo)
    assert result.code == 0, result.text
    statuses = {s["target"]: s["status"] for s in document["steps"] if s["what"].endswith(")")}
    assert statuses == {str(hooks / name): "chained" for name in HOOKS}
    for name in HOOKS:
        assert (hooks / f"{name}.pre-git-pods").read_bytes() == originals[name]
        assert "GIT_PODS_CHAINED=1" in (hooks / name).read_text(encoding="utf-8").splitlines()
    again, second = init_json(repo)
    assert again.code == 0 and second["changed"] is False

    undone, third = init_json(repo, "--uninstall")
    assert undone.code == 0
    assert {s["target"]: s["status"] for s in third["steps"] if s["what"].endswith(")")} == {
        str(hooks / name): "restored" for name in HOOKS
    }
    for name in HOOKS:
        assert (hooks / name).read_bytes() == originals[name]
        assert not (hooks / f"{name}.pre-git-pods").exists()


# --- idempotence ----------------------------------------------------------------------------------


def _written(repo: Path) -> list[Path]:
    return [
        *(repo / r for r in SCAFFOLD),
        *(repo / ".git/hooks" / h for h in HOOKS),
        repo / ".git/hooks/pre-commit.pre-git-pods",
        repo / ".git/config",
    ]


def _tree(repo: Path) -> list[str]:
    return sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())


def test_a_second_run_changes_nothing(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    logging_hook(repo / ".git/hooks", tmp_path / "foreign.log")
    assert cli(repo, "init").code == 0
    files = _written(repo)
    for path in files:
        os.utime(path, ns=(OLD_NS, OLD_NS))
    before = {path: path.read_bytes() for path in files}
    tree = _tree(repo)
    state = (repo / ".git/pods/install.json").read_bytes()

    second = cli(repo, "init")
    assert second.code == 0, second.text
    assert "nothing changed" in second.out
    assert "git-pods is set up." not in second.out
    for path in files:
        assert path.read_bytes() == before[path], path
        assert path.stat().st_mtime_ns == OLD_NS, f"{path} was rewritten"
    assert _tree(repo) == tree
    assert (repo / ".git/pods/install.json").read_bytes() == state
    assert config_values(repo, "remote.origin.fetch").count(NOTES_FETCH) == 1
    assert config_values(repo, "notes.rewriteRef") == ["refs/notes/pods*"]

    third, document = init_json(repo)
    assert third.code == 0
    assert document["command"] == "init"
    assert document["changed"] is False
    assert document["ok"] is True and document["exit_code"] == 0
    assert document["steps"] and not [s for s in document["steps"] if s["status"] in CHANGED]
    assert all(path.stat().st_mtime_ns == OLD_NS for path in files)


def test_json_reports_what_a_first_run_did(repo: Path) -> None:
    result, document = init_json(repo)
    assert result.code == 0
    assert document["changed"] is True and document["uninstall"] is False
    statuses = {(s["what"], s["target"]): s["status"] for s in document["steps"]}
    for relative in SCAFFOLD:
        assert statuses[("file", relative)] == "created"
    assert statuses[("git config", "notes.rewriteRef=refs/notes/pods*")] == "set"
    for name, hook_id in zip(HOOKS, HOOK_IDS, strict=True):
        assert statuses[(f"{name} hook ({hook_id})", str(repo / ".git/hooks" / name))] == "installed"


# --- existing files -------------------------------------------------------------------------------

CUSTOM_CONFIG = """\
version: 1
pods:
  scout-pod:
    description: Scouts the terrain before anyone builds.
    prompt: docs/prompts/scout.txt
    next: [builder-pod]
  builder-pod:
    description: Builds what the scout found.
    prompt: docs/prompts/builder.txt
"""


def test_an_existing_config_is_kept_and_its_prompts_written(repo: Path) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").write_text(CUSTOM_CONFIG, encoding="utf-8")
    result, document = init_json(repo)
    assert result.code == 0, result.text
    assert (repo / ".pods/config.yaml").read_text(encoding="utf-8") == CUSTOM_CONFIG
    statuses = {s["target"]: s["status"] for s in document["steps"] if s["what"] == "file"}
    assert statuses[".pods/config.yaml"] == "kept"
    assert statuses["docs/prompts/scout.txt"] == "created"
    assert statuses["docs/prompts/builder.txt"] == "created"
    scout = (repo / "docs/prompts/scout.txt").read_text(encoding="utf-8")
    assert scout.startswith("POD: scout-pod\nROLE: Scouts the terrain before anyone builds.\n")
    assert "STEPS" in scout and "HOW TO ANSWER" in scout
    assert (repo / "docs/prompts/builder.txt").read_text(encoding="utf-8").startswith("POD: builder-pod\n")
    assert not (repo / "prompts").exists()  # no prompts for default pods this config does not have
    assert cli(repo, "validate").code == 0


def test_an_existing_prompt_is_not_overwritten(repo: Path) -> None:
    (repo / "prompts").mkdir()
    (repo / "prompts/qa_pod.txt").write_bytes(b"our own QA procedure\n")
    assert cli(repo, "init").code == 0
    assert (repo / "prompts/qa_pod.txt").read_bytes() == b"our own QA procedure\n"
    assert (repo / "prompts/dev_pod.txt").is_file()


# --- uninstall ------------------------------------------------------------------------------------


def test_uninstall_restores_what_was_there(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(repo, "config", "notes.pods.mergeStrategy", "union")
    original = logging_hook(repo / ".git/hooks", tmp_path / "foreign.log")
    assert cli(repo, "init").code == 0
    git(repo, "add", "prompts/dev_pod.txt")
    git(repo, "commit", "-q", "--no-verify", "-m", "adopt the dev prompt")
    with open(repo / "prompts/qa_pod.txt", "a", encoding="utf-8") as handle:
        handle.write("Our team's addition.\n")

    result = cli(repo, "init", "--uninstall")
    assert result.code == 0, result.text
    hooks = repo / ".git/hooks"
    assert (hooks / "pre-commit").read_bytes() == original
    assert (hooks / "pre-commit").stat().st_mode & stat.S_IXUSR
    assert not (hooks / "pre-commit.pre-git-pods").exists()
    for name in HOOKS[1:]:
        assert not (hooks / name).exists()
        assert line_with(result.out, "removed", str(hooks / name))
    assert line_with(result.out, "restored", str(hooks / "pre-commit"))

    assert config_values(repo, "notes.rewriteRef") == []
    assert config_values(repo, "notes.pods.mergeStrategy") == ["union"]
    assert config_values(repo, "remote.origin.fetch") == ["+refs/heads/*:refs/remotes/origin/*"]
    assert line_with(result.out, "restored", "notes.pods.mergeStrategy", "back to union")

    for relative in (".pods/config.yaml", "prompts/research_pod.txt", ".patches/queue/.gitkeep"):
        assert not (repo / relative).exists(), relative
        assert line_with(result.out, "removed", f"file: {relative}")
    assert not (repo / ".gitattributes").exists()
    assert not (repo / ".patches").exists() and not (repo / ".pods").exists()  # empty folders pruned
    assert "tracked by git" in line_with(result.out, "kept", "prompts/dev_pod.txt")
    assert "changed since" in line_with(result.out, "kept", "prompts/qa_pod.txt")
    assert (repo / "prompts/dev_pod.txt").is_file()
    assert (repo / "prompts/qa_pod.txt").read_text(encoding="utf-8").endswith("Our team's addition.\n")

    again = cli(repo, "init", "--uninstall")
    assert again.code == 0
    assert "nothing to undo" in again.out
    assert (hooks / "pre-commit").read_bytes() == original
    assert config_values(repo, "notes.pods.mergeStrategy") == ["union"]


@pytest.mark.parametrize(
    "original", [b"*.png binary\n", b"*.bat text eol=crlf\r\n*.png binary\r\n"], ids=["lf", "crlf"]
)
def test_uninstall_removes_only_its_lines_from_a_committed_gitattributes(repo: Path, original: bytes) -> None:
    (repo / ".gitattributes").write_bytes(original)
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    assert cli(repo, "init").code == 0
    result = cli(repo, "init", "--uninstall")
    assert result.code == 0
    assert line_with(result.out, "restored", "file: .gitattributes")
    assert (repo / ".gitattributes").read_bytes() == original
    assert git(repo, "status", "--porcelain", "--", ".gitattributes") == ""


def test_uninstall_json_then_init_again_works(repo: Path) -> None:
    assert cli(repo, "init").code == 0
    result, document = init_json(repo, "--uninstall")
    assert result.code == 0
    assert document["uninstall"] is True and document["changed"] is True
    assert not (repo / ".git/hooks/pre-commit").exists()
    _, again = init_json(repo, "--uninstall")
    assert again["changed"] is False
    assert cli(repo, "init").code == 0
    assert "# git-pods managed hook" in (repo / ".git/hooks/pre-commit").read_text(encoding="utf-8")


# --- wrong uses -----------------------------------------------------------------------------------


def test_a_bare_repository_exits_3_and_gets_nothing(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    config = (bare / "config").read_bytes()
    result = cli(bare, "init")
    assert result.code == 3
    assert str(bare) in result.err and "bare repository" in result.err
    assert "Traceback" not in result.text
    assert not (bare / "hooks/pre-commit").exists()
    assert (bare / "config").read_bytes() == config
    assert not (bare / ".pods").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ci", "bitbucket"], "--ci bitbucket: no such forge"),
        (["--ci", "github", "--uninstall"], "--ci does not go with --uninstall"),
        (["--codeowners", "--uninstall"], "--codeowners does not go with --uninstall"),
        (["--uninstall", "--hooks-repo", "x"], "--hooks-repo and --hooks-rev do not go with --uninstall"),
        (["--bogus"], "No such option: --bogus"),
    ],
    ids=[
        "unknown-forge",
        "ci-with-uninstall",
        "codeowners-with-uninstall",
        "uninstall-with-hooks-repo",
        "unknown-option",
    ],
)
def test_usage_errors_exit_2_and_change_nothing(repo: Path, args: list[str], message: str) -> None:
    before = (repo / ".git/config").read_bytes()
    result = cli(repo, "init", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.text
    assert sorted(p.name for p in repo.iterdir()) == [".git"]
    assert (repo / ".git/config").read_bytes() == before
    assert not (repo / ".git/hooks/pre-commit").exists()
