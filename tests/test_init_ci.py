"""`git pod-init --ci github|gitlab`: the CI definitions written, never over a file someone changed,
and their verify step's range logic run for real (the step's shell, with the variables GitHub and
GitLab set, in a clone of a real bare remote)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from git_pods import __version__
from git_pods.install import ci
from helpers import BIN, Result, cli, git

GITHUB = ".github/workflows/git-pods.yml"
GITLAB = ".gitlab/git-pods.yml"
GITHUB_PROMOTE = ".github/workflows/git-pods-promote.yml"
ZERO = "0" * 40
OLD_NS = 1_000_000_000 * 10**9


def steps_of(result: Result) -> dict[str, tuple[str, str]]:
    """{target: (status, detail)} from `git pod-init --json`."""
    document = json.loads(result.out)
    return {s["target"]: (s["status"], s.get("detail", "")) for s in document["steps"]}


def github_workflow(root: Path) -> dict[Any, Any]:
    data = yaml.safe_load((root / GITHUB).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def gitlab_job(root: Path) -> dict[str, Any]:
    data = yaml.safe_load((root / GITLAB).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    job: dict[str, Any] = data["git-pods"]
    return job


# --- the files ----------------------------------------------------------------------------------


def test_github_workflow_checks_out_full_history_and_verifies(repo: Path) -> None:
    result = cli(repo, "init", "--ci", "github")
    assert result.code == 0, result.text
    assert "created" in result.out and GITHUB in result.out
    assert f"git add {GITHUB}" in result.out or GITHUB in result.out.split("git add", 1)[1]
    data = github_workflow(repo)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"push", "pull_request"}
    steps = data["jobs"]["verify"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps)
    install = next(s for s in steps if s.get("name") == "Install git-pods")
    assert f'"git-pods[pre-commit]=={__version__}"' in install["run"]
    hooks = next(s for s in steps if s.get("name") == "pre-commit hooks")
    assert hooks["if"] == "hashFiles('.pre-commit-config.yaml') != ''"
    assert hooks["run"].startswith("pre-commit run --all-files")
    verify = next(s for s in steps if s.get("name") == "git pod-verify")
    assert "git pod-verify --annotate github" in verify["run"]
    text = (repo / GITHUB).read_text(encoding="utf-8")
    assert ci.state(text, ci.render(ci.FORGES["github"])) == "current"


def test_gitlab_job_is_included_from_a_new_gitlab_ci(repo: Path) -> None:
    result = cli(repo, "init", "--json", "--ci", "gitlab")
    assert result.code == 0, result.text
    steps = steps_of(result)
    assert steps[GITLAB][0] == "created"
    assert steps[".gitlab-ci.yml"] == ("created", f"includes {GITLAB}")
    job = gitlab_job(repo)
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    assert f'"git-pods[pre-commit]=={__version__}"' in job["script"][0]
    assert job["script"][1].startswith("if [ -f .pre-commit-config.yaml ]; then pre-commit run --all-files")
    assert "git pod-verify --annotate gitlab" in job["script"][2]
    included = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert included == {"include": [{"local": GITLAB}]}


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        (
            "stages: [build, test]\nbuild:\n  script: [make]\n",
            "note",
            f"add at the top level\ninclude:\n  - local: {GITLAB}",
        ),
        (
            "include:\n  - template: Security/SAST.gitlab-ci.yml\n",
            "note",
            f"under its include: list add\n  - local: {GITLAB}",
        ),
        (f"include:\n  - local: '/{GITLAB}'\n", "unchanged", f"includes {GITLAB}"),
        (f"# include: {GITLAB} some day\nbuild:\n  script: [make]\n", "note", "add at the top level"),
    ],
    ids=["no-include", "other-includes", "included", "only-a-comment"],
)
def test_an_existing_gitlab_ci_is_never_edited(repo: Path, text: str, status: str, says: str) -> None:
    (repo / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    result = cli(repo, "init", "--json", "--ci", "gitlab")
    assert result.code == 0, result.text
    found, detail = steps_of(result)[".gitlab-ci.yml"]
    assert found == status
    assert says in detail
    assert (repo / ".gitlab-ci.yml").read_text(encoding="utf-8") == text
    if status == "note":
        shown = cli(repo, "init", "--ci", "gitlab")
        assert re.search(r"(?m)^note +gitlab ci: \.gitlab-ci\.yml$", shown.out), shown.out
        assert f"    - local: {GITLAB}" in shown.out or f"      - local: {GITLAB}" in shown.out


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_a_second_run_changes_nothing(repo: Path, forge: str) -> None:
    assert cli(repo, "init", "--ci", forge).code == 0
    path = repo / ci.FORGES[forge].path
    os.utime(path, ns=(OLD_NS, OLD_NS))
    before = path.read_bytes()
    again = cli(repo, "init", "--ci", forge)
    assert again.code == 0
    assert "nothing changed" in again.out
    assert path.read_bytes() == before and path.stat().st_mtime_ns == OLD_NS
    assert steps_of(cli(repo, "init", "--json", "--ci", forge))[ci.FORGES[forge].path][0] == "unchanged"


def older(forge: str) -> str:
    """The file as an earlier release wrote it: another version pinned, its own digest intact."""
    current = ci.render(ci.FORGES[forge])
    head, body = current.split(ci.DIGEST_PREFIX, 1)
    body = body.split("\n", 1)[1].replace(f"=={__version__}", "==0.1.0")
    return head.replace(__version__, "0.1.0") + ci.DIGEST_PREFIX + ci._digest(body) + "\n" + body


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_an_unedited_file_from_an_earlier_release_is_updated(repo: Path, forge: str) -> None:
    path = repo / ci.FORGES[forge].path
    path.parent.mkdir(parents=True)
    path.write_text(older(forge), encoding="utf-8")
    result = cli(repo, "init", "--json", "--ci", forge)
    assert result.code == 0, result.text
    assert steps_of(result)[ci.FORGES[forge].path][0] == "updated"
    assert path.read_text(encoding="utf-8") == ci.render(ci.FORGES[forge])


def test_a_crlf_checkout_of_the_current_file_is_no_edit(repo: Path) -> None:
    path = repo / GITHUB
    path.parent.mkdir(parents=True)
    path.write_bytes(ci.render(ci.FORGES["github"]).replace("\n", "\r\n").encode())
    before = path.read_bytes()
    result = cli(repo, "init", "--json", "--ci", "github")
    assert steps_of(result)[GITHUB][0] == "unchanged"
    assert path.read_bytes() == before
    older_crlf = older("github").replace("\n", "\r\n")
    path.write_bytes(older_crlf.encode())
    assert steps_of(cli(repo, "init", "--json", "--ci", "github"))[GITHUB][0] == "updated"


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda text: text.replace('python-version: "3.12"', 'python-version: "3.13"'), "edited since"),
        (lambda text: "name: our own\non: push\njobs: {}\n", "not written by git pod-init"),
    ],
    ids=["edited", "foreign"],
)
def test_a_changed_or_foreign_file_is_left_alone(repo: Path, edit: Any, why: str) -> None:
    path = repo / GITHUB
    path.parent.mkdir(parents=True)
    path.write_text(edit(ci.render(ci.FORGES["github"])), encoding="utf-8")
    before = path.read_bytes()
    result = cli(repo, "init", "--ci", "github")
    assert result.code == 0, result.text
    line = next(x for x in result.out.splitlines() if GITHUB in x and "kept" in x)
    assert why in line and "left alone" in line
    assert path.read_bytes() == before
    stale = older("github").replace("ubuntu-latest", "self-hosted")  # an older file, edited: theirs too
    path.write_text(stale, encoding="utf-8")
    assert steps_of(cli(repo, "init", "--json", "--ci", "github"))[GITHUB][0] == "kept"
    assert path.read_text(encoding="utf-8") == stale


def test_uninstall_removes_only_uncommitted_unchanged_ci_files(repo: Path) -> None:
    assert cli(repo, "init", "--ci", "gitlab").code == 0
    git(repo, "add", GITLAB)
    git(repo, "commit", "-q", "--no-verify", "-m", "The git-pods job")
    result = cli(repo, "init", "--uninstall")
    assert result.code == 0, result.text
    assert not (repo / ".gitlab-ci.yml").exists()  # uncommitted and as written: removed
    assert (repo / GITLAB).is_file()
    assert "tracked by git" in next(x for x in result.out.splitlines() if GITLAB in x)


def test_help_shows_ci_with_an_example(repo: Path) -> None:
    result = cli(repo, "init", "-h")
    assert result.code == 0
    assert "--ci" in result.out
    assert re.search(r"(?m)^\s+git pod-init --ci github\s+#", result.out)
    assert ".github/workflows/git-pods.yml" in result.out and ".gitlab/git-pods.yml" in result.out


# --- the verify step's range, run for real -------------------------------------------------------


def commit_file(root: Path, path: str, text: str, message: str) -> str:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    git(root, "add", path)
    git(root, "commit", "-q", "--no-verify", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def sneak(root: Path, name: str) -> str:
    """A broken bundle, committed past the hooks: what CI must catch when it is in the range."""
    return commit_file(root, f".patches/queue/{name}/patch.diff", "not a diff\n", f"Sneak {name}")


class Forge:
    """A bare remote with history, as a forge holds it; clones of it as CI jobs check them out."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.remote = tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(self.remote))
        work = tmp_path / "work"
        git(tmp_path, "clone", "-q", str(self.remote), str(work))
        git(work, "checkout", "-q", "-b", "main")
        assert cli(work, "init").code == 0
        git(work, "add", "-A")
        git(work, "commit", "-q", "--no-verify", "-m", "Adopt git-pods")
        self.base = git(work, "rev-parse", "HEAD").strip()
        self.old_bad = sneak(work, "old_bad")  # on main before the branch: never in a branch's range
        git(work, "push", "-q", "--no-verify", "origin", "main")
        git(work, "checkout", "-q", "-b", "topic")
        self.clean = commit_file(work, "src/a.py", "a = 1\n", "Clean work")
        git(work, "push", "-q", "--no-verify", "origin", "topic")
        self.work = work
        self.stubs = tmp_path / "stubs"
        self.stubs.mkdir()
        self.log = tmp_path / "verify.log"
        real = BIN / "git-pod-verify"
        help_text = subprocess.run([str(real), "-h"], capture_output=True, text=True, check=False).stdout
        annotate = self.annotate = "--annotate" in help_text
        # Records the arguments, then runs the real git-pod-verify (without --annotate until it has it).
        (self.stubs / "git-pod-verify").write_text(
            "#!/bin/sh\n"
            f"printf '%s\\n' \"$*\" >> '{self.log}'\n"
            + ("" if annotate else '[ "$1" = --annotate ] && shift 2\n')
            + f"exec '{real}' \"$@\"\n",
            encoding="utf-8",
        )
        (self.stubs / "git-pod-verify").chmod(0o755)

    def clone(self, name: str, *args: str, at: str | None = None) -> Path:
        """A CI checkout: a clone (full unless args say otherwise), detached at a commit."""
        path = self.tmp / name
        git(self.tmp, "clone", "-q", *args, f"file://{self.remote}", str(path))
        git(path, "checkout", "-q", "--detach", at or "HEAD")
        return path

    def run(self, script: str, shell: str, cwd: Path, variables: dict[str, str]) -> tuple[Result, list[str]]:
        """The step's shell as the forge runs it (errexit), with the forge's variables."""
        self.log.unlink(missing_ok=True)
        env = {**os.environ, **variables, "PATH": f"{self.stubs}:{BIN}:{os.environ['PATH']}"}
        done = subprocess.run(
            [shell, "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        calls = self.log.read_text().splitlines() if self.log.exists() else []
        return Result(done.returncode, done.stdout, done.stderr), calls


@pytest.fixture
def forge(tmp_path: Path) -> Forge:
    return Forge(tmp_path)


def github_step(root: Path) -> str:
    steps = github_workflow(root)["jobs"]["verify"]["steps"]
    script: str = next(s for s in steps if s.get("name") == "git pod-verify")["run"]
    return script


def gitlab_step(root: Path) -> str:
    script: str = gitlab_job(root)["script"][2]
    return script


def github_env(**values: str) -> dict[str, str]:
    """The step's env as GitHub fills it: expressions with no value become empty strings."""
    keys = ("PR_BASE", "PR_HEAD", "BEFORE", "AFTER", "BRANCH", "DEFAULT_BRANCH")
    return {key: values.get(key, "") for key in keys}


@pytest.fixture
def scripts(repo: Path) -> dict[str, str]:
    assert cli(repo, "init", "--ci", "github").code == 0
    assert cli(repo, "init", "--ci", "gitlab").code == 0
    return {"github": github_step(repo), "gitlab": gitlab_step(repo)}


def test_github_pull_request_verifies_base_to_head(forge: Forge, scripts: dict[str, str]) -> None:
    bad = sneak(forge.work, "new_bad")
    git(forge.work, "push", "-q", "--no-verify", "origin", "topic")
    job = forge.clone("pr", at=bad)
    env = github_env(PR_BASE=forge.old_bad, PR_HEAD=bad, BEFORE="", AFTER=bad, BRANCH="1/merge")
    result, calls = forge.run(scripts["github"], "bash", job, {**env, "DEFAULT_BRANCH": "main"})
    assert calls == [f"--annotate github --range {forge.old_bad}..{bad}"]
    assert result.code == 1
    assert f"{bad[:12]} .patches/queue/new_bad/patch.diff: GP300" in result.out
    assert f"{forge.old_bad[:12]} .patches" not in result.out  # the base branch's history is not the PR's
    if forge.annotate:
        assert "::error file=.patches/queue/new_bad/patch.diff" in result.out


def test_github_push_verifies_before_to_after(forge: Forge, scripts: dict[str, str]) -> None:
    after = commit_file(forge.work, "src/b.py", "b = 1\n", "More clean work")
    git(forge.work, "push", "-q", "--no-verify", "origin", "topic")
    job = forge.clone("push", at=after)
    env = github_env(BEFORE=forge.clean, AFTER=after, BRANCH="topic", DEFAULT_BRANCH="main")
    result, calls = forge.run(scripts["github"], "bash", job, env)
    assert calls == [f"--annotate github --range {forge.clean}..{after}"]
    assert result.code == 0, result.text
    assert "1 commit(s) read" in result.out

    main_job = forge.clone("push-main", at=forge.old_bad)
    env = github_env(BEFORE=forge.base, AFTER=forge.old_bad, BRANCH="main", DEFAULT_BRANCH="main")
    result, calls = forge.run(scripts["github"], "bash", main_job, env)
    assert calls == [f"--annotate github --range {forge.base}..{forge.old_bad}"]
    assert result.code == 1 and "GP300" in result.out


@pytest.mark.parametrize("before", [ZERO, "1" * 40], ids=["new-branch", "forced-push"])
def test_github_new_or_forced_branch_verifies_what_the_default_branch_lacks(
    forge: Forge, scripts: dict[str, str], before: str
) -> None:
    job = forge.clone("branch", at=forge.clean)
    env = github_env(BEFORE=before, AFTER=forge.clean, BRANCH="topic", DEFAULT_BRANCH="main")
    result, calls = forge.run(scripts["github"], "bash", job, env)
    assert calls == ["--annotate github --range origin/main..HEAD"]
    assert result.code == 0, result.text  # old_bad is main's, not the branch's
    assert "1 commit(s) read" in result.out


def test_github_first_push_of_the_default_branch_verifies_everything(
    forge: Forge, scripts: dict[str, str]
) -> None:
    job = forge.clone("first", at=forge.old_bad)
    env = github_env(BEFORE=ZERO, AFTER=forge.old_bad, BRANCH="main", DEFAULT_BRANCH="main")
    result, calls = forge.run(scripts["github"], "bash", job, env)
    assert calls == ["--annotate github --range HEAD"]
    assert result.code == 1 and f"{forge.old_bad[:12]} .patches/queue/old_bad/patch.diff: GP300" in result.out


def test_gitlab_merge_request_verifies_diff_base_to_head(forge: Forge, scripts: dict[str, str]) -> None:
    bad = sneak(forge.work, "new_bad")
    git(forge.work, "push", "-q", "--no-verify", "origin", "topic")
    job = forge.clone("mr", "--single-branch", "--branch", "topic", at=bad)
    env = {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": forge.old_bad,
        "CI_COMMIT_SHA": bad,
        "CI_COMMIT_BEFORE_SHA": ZERO,
        "CI_DEFAULT_BRANCH": "main",
    }
    result, calls = forge.run(scripts["gitlab"], "sh", job, env)
    assert calls == [f"--annotate gitlab --range {forge.old_bad}..{bad}"]
    assert result.code == 1 and "GP300" in result.out
    assert f"{forge.old_bad[:12]} .patches" not in result.out
    if forge.annotate:
        report = json.loads((job / "gl-code-quality-report.json").read_text(encoding="utf-8"))
        assert "GP300" in {item["check_name"] for item in report}


def test_gitlab_new_branch_fetches_the_default_branch_it_lacks(forge: Forge, scripts: dict[str, str]) -> None:
    job = forge.clone("branch", "--single-branch", "--branch", "topic", at=forge.clean)
    assert git(job, "for-each-ref", "refs/remotes/origin/main") == ""  # GitLab clones one branch
    env = {
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_SHA": forge.clean,
        "CI_COMMIT_BEFORE_SHA": ZERO,
        "CI_COMMIT_BRANCH": "topic",
        "CI_DEFAULT_BRANCH": "main",
    }
    result, calls = forge.run(scripts["gitlab"], "sh", job, env)
    assert calls == ["--annotate gitlab --range origin/main..HEAD"]
    assert result.code == 0, result.text
    assert "1 commit(s) read" in result.out


def test_gitlab_push_verifies_before_to_after(forge: Forge, scripts: dict[str, str]) -> None:
    bad = sneak(forge.work, "new_bad")
    git(forge.work, "push", "-q", "--no-verify", "origin", "topic")
    job = forge.clone("push", "--single-branch", "--branch", "topic", at=bad)
    env = {
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_SHA": bad,
        "CI_COMMIT_BEFORE_SHA": forge.clean,
        "CI_COMMIT_BRANCH": "topic",
        "CI_DEFAULT_BRANCH": "main",
    }
    result, calls = forge.run(scripts["gitlab"], "sh", job, env)
    assert calls == [f"--annotate gitlab --range {forge.clean}..{bad}"]
    assert result.code == 1 and f"{bad[:12]} .patches/queue/new_bad/patch.diff: GP300" in result.out


@pytest.mark.parametrize("forge_name", ["github", "gitlab"])
def test_a_shallow_checkout_exits_3_and_says_how_to_fetch(
    forge: Forge, scripts: dict[str, str], forge_name: str
) -> None:
    job = forge.clone("shallow", "--depth", "1", "--branch", "main", at=forge.old_bad)
    if forge_name == "github":
        variables = github_env(BEFORE=forge.base, AFTER=forge.old_bad, BRANCH="main", DEFAULT_BRANCH="main")
        shell = "bash"
    else:
        shell = "sh"
        variables = {
            "CI_COMMIT_SHA": forge.old_bad,
            "CI_COMMIT_BEFORE_SHA": forge.base,
            "CI_COMMIT_BRANCH": "main",
            "CI_DEFAULT_BRANCH": "main",
        }
    result, calls = forge.run(scripts[forge_name], shell, job, variables)
    assert calls == [f"--annotate {forge_name} --range HEAD"]  # before is not in the shallow clone
    assert result.code == 3
    assert "shallow" in result.err and "fetch-depth: 0" in result.err


def test_the_docs_show_every_file_in_full() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "ci.md").read_text(encoding="utf-8")
    for forge in ci.FORGES.values():
        for item in forge.files:
            shown = f"`{item.path}`, as `git pod-init --ci {forge.name}` writes it:\n\n```yaml\n"
            assert f"{shown}{ci.render(forge, item)}```" in docs, f"docs/ci.md shows an old {item.path}"


# --- the server-side flow: bundles pushed to the default branch's queue become requests ----------


def github_promote(root: Path) -> dict[Any, Any]:
    data = yaml.safe_load((root / GITHUB_PROMOTE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_github_promote_runs_on_queue_pushes_to_the_default_branch(repo: Path) -> None:
    result = cli(repo, "init", "--json", "--ci", "github")
    assert result.code == 0, result.text
    assert steps_of(result)[GITHUB_PROMOTE][0] == "created"
    data = github_promote(repo)
    triggers = data.get("on", data.get(True))
    assert triggers == {"push": {"paths": [".patches/queue/**"]}}  # no pull_request: never a fork's code
    assert data["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "write"}
    assert data["concurrency"] == {"group": "git-pods-promote", "cancel-in-progress": False}
    job = data["jobs"]["promote"]
    assert job["if"].startswith("github.ref_name == github.event.repository.default_branch")
    assert "github.token" in job["env"]["GH_TOKEN"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    install = next(s for s in job["steps"] if s.get("name") == "Install git-pods")
    assert f'"git-pods=={__version__}"' in install["run"]
    script = next(s for s in job["steps"] if s.get("name") == "git pod-promote --all --push")["run"]
    assert 'git config user.name "github-actions[bot]"' in script
    assert script.rstrip().endswith("git pod-promote --all --push")
    verify = github_workflow(repo)  # the verify workflow is still there, as it was
    assert set(verify["jobs"]) == {"verify"} and verify["permissions"] == {"contents": "read"}


def test_gitlab_promote_job_needs_its_token_and_the_default_branch(repo: Path) -> None:
    assert cli(repo, "init", "--ci", "gitlab").code == 0
    data = yaml.safe_load((repo / GITLAB).read_text(encoding="utf-8"))
    assert set(data) == {"git-pods", "git-pods-promote"}
    job = data["git-pods-promote"]
    (rule,) = job["rules"]
    condition = rule["if"]
    assert "$GIT_PODS_TOKEN" in condition and '$CI_PIPELINE_SOURCE == "push"' in condition
    assert "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in condition
    assert rule["changes"] == [".patches/queue/**/*"]
    assert job["needs"] == [{"job": "git-pods", "optional": True}]  # after verify passed
    assert job["stage"] == data["git-pods"]["stage"]  # no stage the project may lack
    assert job["variables"]["GIT_DEPTH"] == "0" and job["variables"]["GITLAB_TOKEN"] == "$GIT_PODS_TOKEN"
    assert job["script"][-1] == "git pod-promote --all --push"
    assert job["artifacts"]["paths"] == ["pods-pr/"]
    assert "git pod-verify --annotate gitlab" in gitlab_step(repo)  # the verify job as it was


def test_github_promote_step_brings_the_task_branches_then_promotes(forge: Forge, repo: Path) -> None:
    assert cli(repo, "init", "--ci", "github").code == 0
    job = github_promote(repo)["jobs"]["promote"]
    script = next(s for s in job["steps"] if s.get("name") == "git pod-promote --all --push")["run"]
    git(forge.work, "push", "-q", "--no-verify", "origin", "topic:pods/F1")  # promoted on an earlier run
    clone = forge.clone("promote", at="main")
    log = forge.tmp / "promote.log"
    (forge.stubs / "git-pod-promote").write_text(
        "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$*\" "
        "\"$(git for-each-ref --format='%(refname)' refs/heads/pods)\" "
        f"\"$(git config user.name)\" > '{log}'\n",
        encoding="utf-8",
    )
    (forge.stubs / "git-pod-promote").chmod(0o755)
    result, _calls = forge.run(script, "bash", clone, {})
    assert result.code == 0, result.text
    assert log.read_text().strip() == "--all --push|refs/heads/pods/F1|github-actions[bot]"
