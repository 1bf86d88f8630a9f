"""Pull and merge requests after a push: the body from the promoted bundles (its last paragraph the
commits' trailers), gh and glab driven without prompts (fakes on PATH record what they were
asked), and the fallback: the body in a file and the forge's compare URL, never a credential."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from git_pods import forge
from git_pods.gitio.runner import Git
from helpers import cli, git
from promoting import IDENTITY, bundle, diff_of_change, pods_template, promote

BRANCH, BASE = "pods/F2.1", "main"
FIRST, SECOND = "patch_20250101_000001", "patch_20250101_000002"
GITHUB = "https://github.com/acme/widgets.git"
PR_URL = "https://github.com/acme/widgets/pull/7"

FAKE = """\
#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
state_file = os.path.join(here, "state.json")
with open(state_file) as f:
    state = json.load(f)
args = sys.argv[1:]
body = None
for flag in ("--body-file",):
    if flag in args:
        with open(args[args.index(flag) + 1]) as f:
            body = f.read()
keep = ("GH_PROMPT_DISABLED", "GIT_TERMINAL_PROMPT", "GLAB_NO_PROMPT", "NO_PROMPT", "GH_TOKEN", "GH_PAGER")
call = dict(argv=args, env={{k: os.environ.get(k) for k in keep}}, stdin=sys.stdin.read(), body=body)
with open(os.path.join(here, "calls.jsonl"), "a") as f:
    f.write(json.dumps(call) + "\\n")
verb = " ".join(args[:2])
answer = state["answers"].get(verb, {{}})
if verb == "label create" and not answer.get("code"):
    state["labels"].append(args[2])
    with open(state_file, "w") as f:
        json.dump(state, f)
if verb == "pr edit" and "--add-label" in args:
    wanted = [args[i + 1] for i, a in enumerate(args) if a == "--add-label"]
    missing = [w for w in wanted if w not in state["labels"]]
    if missing:
        sys.stderr.write("could not add label: '%s' not found\\n" % missing[0])
        sys.exit(1)
sys.stdout.write(answer.get("out", ""))
sys.stderr.write(answer.get("err", ""))
sys.exit(answer.get("code", 0))
"""


class FakeCli:
    """A fake gh or glab in its own folder: answers as told, records every call."""

    def __init__(self, folder: Path, name: str, answers: dict[str, Any], labels: list[str] | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        script = folder / name
        script.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
        script.chmod(0o755)
        state = {"answers": answers, "labels": labels or []}
        (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")

    @property
    def calls(self) -> list[dict[str, Any]]:
        path = self.folder / "calls.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return [json.loads(line) for line in lines]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.folder}{os.pathsep}{os.environ['PATH']}", "GH_TOKEN": "t0k"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose pods/F2.1 holds two promoted bundles (dev-pod's, then qa-pod's)."""
    root = pods_template(tmp_path_factory)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**IDENTITY, "HOME": str(root.parent / "home")}.items():
            patch.setenv(name, value)
        first, _ = diff_of_change(
            root, lambda r: (r / "src/parser.py").write_text("def parse(text):\n    return text.split(',')\n")
        )
        folder = bundle(root, FIRST, first, summary="Split symptom lists on commas", digests=False)
        with open(folder / "thought_trace.yaml", "a", encoding="utf-8") as trace:
            trace.write("risks:\n  - Quoted commas split too\nagent: claude-code\nmodel: claude-x\n")

        def add_test(r: Path) -> None:
            (r / "tests").mkdir()
            (r / "tests/test_parser.py").write_text("def test_parse():\n    pass\n")

        second, _ = diff_of_change(root, add_test)
        bundle(root, SECOND, second, pod="qa-pod", summary="Test the parser")
        done = promote(root, "--all")
        assert done.code == 0, done.text
    return root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    git(root, "remote", "add", "origin", GITHUB)
    return root


def trailers_of(root: Path) -> list[str]:
    out = git(root, "log", "--reverse", "--format=%(trailers:only,unfold)", f"{BASE}..{BRANCH}")
    return [line for line in out.splitlines() if line.strip()]


def parsed_trailers(root: Path, text: str) -> list[str]:
    done = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        cwd=root,
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def open_pr(root: Path, env: dict[str, str]) -> tuple[forge.ForgeResult, str]:
    out = io.StringIO()
    result = forge.open_or_update(Git(root), root, "origin", BRANCH, BASE, out, env=env)
    return result, out.getvalue()


# --- the body -----------------------------------------------------------------------------------


def test_the_body_tells_each_bundle_and_ends_with_the_commits_trailers(repo: Path) -> None:
    body = forge.pr_body(Git(repo), BRANCH, BASE)
    expected = trailers_of(repo)
    assert [line.split(":")[0] for line in expected] == [
        "Pod",
        "Task",
        "Patch-Id",
        "Pod-Bundle",
        "Assisted-by",
    ] + [
        "Pod",
        "Task",
        "Patch-Id",
        "Pod-Bundle",
    ]
    assert body.endswith("\n\n" + "\n".join(expected) + "\n")  # the last paragraph, exactly
    assert parsed_trailers(repo, body) == expected  # what a squash merge's message gives git
    first, second = body.index(f"### {FIRST} · dev-pod"), body.index(f"### {SECOND} · qa-pod")
    assert first < second
    part = body[first:second]
    assert "**Split symptom lists on commas**" in part
    assert "Steps:\n1. Made the change" in part
    assert "Risks:\n- Quoted commas split too" in part
    assert "Changelog:\n- changed: Split symptom lists on commas" in part
    assert "Handoff: dev-pod → qa-pod: Ready" in part
    assert "Handoff: qa-pod → delivery-pod: Ready" in body[second:]
    assert "\n---" not in body  # a --- line would end what git reads trailers from


def test_title_and_labels_come_from_the_task_and_its_first_bundle(repo: Path) -> None:
    description = forge.describe(Git(repo), BRANCH, BASE)
    assert description.title == "F2.1: Split symptom lists on commas"
    assert description.labels == ("pod:dev-pod", "pod:qa-pod")


def test_a_body_over_the_limit_is_shortened_and_keeps_its_trailers(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forge, "BODY_LIMIT", 200)
    body = forge.pr_body(Git(repo), BRANCH, BASE)
    assert "Steps:" not in body and "**Test the parser**" in body and "shortened" in body
    assert parsed_trailers(repo, body) == trailers_of(repo)


def test_log_text_cannot_reshape_the_body(repo: Path) -> None:
    git(repo, "checkout", "-q", BRANCH)
    logs = repo / ".logs" / SECOND / "thought_trace.yaml"
    sneaky = logs.read_text().replace(
        "summary: Test the parser", "summary: |-\n  Line one\n  ---\n  Pod: evil"
    )
    logs.write_text(sneaky)
    git(repo, "commit", "-q", "--no-verify", "-am", "Edit a log by hand")
    body = forge.pr_body(Git(repo), BRANCH, BASE)
    assert "**Line one --- Pod: evil**" in body
    assert parsed_trailers(repo, body) == trailers_of(repo)


# --- gh ---------------------------------------------------------------------------------------


def test_gh_creates_the_pull_request_and_its_labels_without_prompting(repo: Path, tmp_path: Path) -> None:
    gh = FakeCli(tmp_path / "bin", "gh", {"pr list": {"out": "[]"}, "pr create": {"out": PR_URL + "\n"}})
    result, printed = open_pr(repo, gh.env())
    assert result.action == "created" and result.forge == "github" and result.url == PR_URL
    assert result.violations == ()
    verbs = [" ".join(c["argv"][:2]) for c in gh.calls]
    assert verbs == ["pr list", "pr create", "pr edit", "label create", "label create", "pr edit"]
    listed, created = gh.calls[0]["argv"], gh.calls[1]["argv"]
    assert listed[listed.index("--repo") + 1] == "github.com/acme/widgets"
    assert listed[listed.index("--head") + 1] == BRANCH and "open" in listed
    assert created[created.index("--base") + 1] == BASE and created[created.index("--head") + 1] == BRANCH
    assert created[created.index("--title") + 1] == "F2.1: Split symptom lists on commas"
    assert gh.calls[1]["body"] == forge.pr_body(Git(repo), BRANCH, BASE)
    labelled = gh.calls[-1]["argv"]
    assert labelled[:3] == ["pr", "edit", PR_URL]
    assert [labelled[i + 1] for i, a in enumerate(labelled) if a == "--add-label"] == [
        "pod:dev-pod",
        "pod:qa-pod",
    ]
    assert [c["argv"][2] for c in gh.calls if c["argv"][:2] == ["label", "create"]] == [
        "pod:dev-pod",
        "pod:qa-pod",
    ]
    for call in gh.calls:
        assert call["env"]["GH_PROMPT_DISABLED"] == "1" and call["env"]["GIT_TERMINAL_PROMPT"] == "0"
        assert call["env"]["GH_TOKEN"] == "t0k"  # the caller's token goes through
        assert call["stdin"] == ""  # nothing to answer a prompt with
    assert f"pull request: created {PR_URL} ({BRANCH} -> {BASE})" in printed


def test_gh_updates_the_open_pull_request_instead_of_making_another(repo: Path, tmp_path: Path) -> None:
    listed = [
        {"number": 9, "url": "https://github.com/fork/widgets/pull/9", "isCrossRepository": True},
        {"number": 7, "url": PR_URL, "isCrossRepository": False},
    ]
    gh = FakeCli(
        tmp_path / "bin", "gh", {"pr list": {"out": json.dumps(listed)}}, ["pod:dev-pod", "pod:qa-pod"]
    )
    result, printed = open_pr(repo, gh.env())
    assert result.action == "updated" and result.url == PR_URL
    assert [c["argv"][:3] for c in gh.calls] == [
        ["pr", "list", "--repo"],
        ["pr", "edit", "7"],
        ["pr", "edit", "7"],
    ]
    edited = gh.calls[1]
    assert "--body-file" in edited["argv"] and "--title" not in edited["argv"]  # people's title stays
    assert edited["body"] == forge.pr_body(Git(repo), BRANCH, BASE)
    assert not any(c["argv"][:2] == ["pr", "create"] for c in gh.calls)
    assert f"pull request: updated {PR_URL}" in printed


def test_labels_that_cannot_be_made_are_a_warning(repo: Path, tmp_path: Path) -> None:
    answers = {"pr list": {"out": "[]"}, "pr create": {"out": PR_URL + "\n"}, "label create": {"code": 1}}
    gh = FakeCli(tmp_path / "bin", "gh", answers)
    result, printed = open_pr(repo, gh.env())
    assert result.action == "created"
    assert [v.rule for v in result.violations] == ["GP816"]
    assert "GP816" in printed and "not found" in printed


def test_gh_failing_falls_back_to_the_body_file(repo: Path, tmp_path: Path) -> None:
    said = "error connecting to https://alice:s3cret@github.com/acme/widgets: not logged in\n"
    gh = FakeCli(tmp_path / "bin", "gh", {"pr list": {"code": 4, "err": said}})
    result, printed = open_pr(repo, gh.env())
    assert result.action == "written" and [v.rule for v in result.violations] == ["GP815"]
    assert "gh pr list failed (exit 4)" in printed and "not logged in" in printed
    assert "s3cret" not in printed and "alice" not in printed
    assert result.url == "https://github.com/acme/widgets/compare/main...pods/F2.1?expand=1"


# --- no CLI -----------------------------------------------------------------------------------


def no_cli_env(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    git_bin = Path(shutil.which("git") or "git").parent
    return {**os.environ, "PATH": f"{empty}{os.pathsep}{git_bin}"}


def test_without_gh_the_body_goes_to_a_file_and_the_compare_url_is_printed(
    repo: Path, tmp_path: Path
) -> None:
    env = no_cli_env(tmp_path)
    if shutil.which("gh", path=env["PATH"]):
        pytest.skip("a real gh is next to git on this machine")
    result, printed = open_pr(repo, env)
    common = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    assert result.body_file == common / "pods/pr/pods-F2.1.md"
    assert result.body_file.read_text(encoding="utf-8") == forge.pr_body(Git(repo), BRANCH, BASE)
    url = "https://github.com/acme/widgets/compare/main...pods/F2.1?expand=1"
    assert result.action == "written" and result.url == url
    assert "gh not found on PATH" in printed and "GP815" in printed
    assert f"    body:  {result.body_file}\n" in printed and f"    open:  {url}\n" in printed
    assert result.to_json()["violations"][0]["rule"] == "GP815"  # type: ignore[index]


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:ghp_s3cretT0ken@github.com/acme/widgets.git",
        "https://ghp_s3cretT0ken@github.com/acme/widgets",
        "ssh://git@github.com:22/acme/widgets.git",
        "git@github.com:acme/widgets.git",
    ],
)
def test_credentials_in_the_remote_url_are_never_printed(repo: Path, tmp_path: Path, url: str) -> None:
    git(repo, "remote", "set-url", "origin", url)
    result, printed = open_pr(repo, no_cli_env(tmp_path))
    assert "s3cret" not in printed and "alice" not in printed and "s3cret" not in str(result.to_json())
    assert "https://github.com/acme/widgets/compare/main...pods/F2.1?expand=1" in printed


def test_an_unknown_host_gets_the_body_path_only(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", "https://git.example.com/acme/widgets.git")
    gh = FakeCli(tmp_path / "bin", "gh", {})
    result, printed = open_pr(repo, gh.env())
    assert result.action == "written" and result.url is None and result.forge is None
    assert gh.calls == []  # gh is not asked about a host it does not serve
    assert "not on a forge git-pods knows" in printed and "open:" not in printed
    assert str(result.body_file) in printed


def test_the_request_compares_with_the_remote_copy_of_base(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-list", "--reverse", f"{BASE}..{BRANCH}").split()[0]
    git(repo, "update-ref", "refs/remotes/origin/main", first)  # the remote's main has the first bundle
    gh = FakeCli(tmp_path / "bin", "gh", {"pr list": {"out": "[]"}, "pr create": {"out": PR_URL}})
    open_pr(repo, gh.env())
    body = gh.calls[1]["body"]
    assert SECOND in body and f"### {FIRST}" not in body
    assert "1 bundle promoted" in body


# --- glab -------------------------------------------------------------------------------------


def test_glab_creates_the_merge_request_without_prompting(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", "https://oauth2:glpat-s3cret@gitlab.com/acme/tools/widgets.git")
    mr = "https://gitlab.com/acme/tools/widgets/-/merge_requests/3"
    glab = FakeCli(tmp_path / "bin", "glab", {"mr list": {"out": "[]"}, "mr create": {"out": f"!3\n{mr}\n"}})
    result, printed = open_pr(repo, glab.env())
    assert result.action == "created" and result.forge == "gitlab" and result.url == mr
    listed, created = (c["argv"] for c in glab.calls)
    assert listed[listed.index("--repo") + 1] == "https://gitlab.com/acme/tools/widgets"
    assert listed[listed.index("--source-branch") + 1] == BRANCH
    assert created[created.index("--target-branch") + 1] == BASE
    assert created[created.index("--description") + 1] == forge.pr_body(Git(repo), BRANCH, BASE)
    assert created[created.index("--label") + 1] == "pod:dev-pod,pod:qa-pod"
    assert "--yes" in created
    for call in glab.calls:
        assert call["env"]["GLAB_NO_PROMPT"] == "true" and call["env"]["GIT_TERMINAL_PROMPT"] == "0"
        assert call["stdin"] == ""
    assert "s3cret" not in printed and f"merge request: created {mr}" in printed


def test_glab_updates_the_open_merge_request(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", "git@gitlab.com:acme/widgets.git")
    mine = {"iid": 3, "web_url": "https://gitlab.com/acme/widgets/-/merge_requests/3"}
    listed = [{**mine, "source_project_id": 1, "target_project_id": 1}]
    glab = FakeCli(tmp_path / "bin", "glab", {"mr list": {"out": json.dumps(listed)}})
    result, _printed = open_pr(repo, glab.env())
    assert result.action == "updated" and result.url == mine["web_url"]
    updated = glab.calls[1]["argv"]
    assert updated[:3] == ["mr", "update", "3"] and "--title" not in updated
    assert updated[updated.index("--description") + 1] == forge.pr_body(Git(repo), BRANCH, BASE)


def test_gitlab_without_glab_prints_the_new_merge_request_page(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", "git@gitlab.com:acme/tools/widgets.git")
    result, printed = open_pr(repo, no_cli_env(tmp_path))
    url = (
        "https://gitlab.com/acme/tools/widgets/-/merge_requests/new?"
        "merge_request[source_branch]=pods/F2.1&merge_request[target_branch]=main"
    )
    assert result.url == url and f"    open:  {url}\n" in printed
    assert "merge request: not opened" in printed


# --- remote URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://github.com/o/r.git", {}, ("github", "github.com", "o/r")),
        ("https://u:p@github.com/o/r/", {}, ("github", "github.com", "o/r")),
        ("ssh://git@ssh.github.com:443/o/r.git", {}, ("github", "github.com", "o/r")),
        ("git@github.com:o/r.git", {}, ("github", "github.com", "o/r")),
        ("github.com:o/r", {}, ("github", "github.com", "o/r")),
        ("https://ghe.corp:8443/o/r.git", {"GH_HOST": "ghe.corp"}, ("github", "ghe.corp:8443", "o/r")),
        ("git@gitlab.com:g/sub/r.git", {}, ("gitlab", "gitlab.com", "g/sub/r")),
        ("https://code.corp/g/r.git", {"GITLAB_HOST": "https://code.corp"}, ("gitlab", "code.corp", "g/r")),
        ("https://gitlab.corp/g/r.git", {}, ("gitlab", "gitlab.corp", "g/r")),
        ("https://git.example.com/o/r.git", {}, (None, "git.example.com", "o/r")),
    ],
)
def test_remote_urls_name_their_forge_and_project(
    url: str, env: dict[str, str], expected: tuple[str | None, str, str]
) -> None:
    found = forge.parse_remote(url, env)
    assert found is not None
    assert (found.forge, found.host, found.project) == expected


@pytest.mark.parametrize("url", ["/srv/git/r.git", "file:///srv/git/r.git", "../r", "C:/repos/r"])
def test_local_remotes_are_no_forge(url: str) -> None:
    assert forge.parse_remote(url, {}) is None


def test_scrub_removes_user_and_password_from_urls() -> None:
    text = "fatal: https://alice:tok@github.com/o/r and ssh://git@host/x"
    assert forge.scrub(text) == "fatal: https://github.com/o/r and ssh://host/x"


def test_a_squash_merge_with_the_body_as_its_message_passes_verify(repo: Path) -> None:
    """What a forge's squash merge makes (the title, then the body) is a valid pod commit."""
    description = forge.describe(Git(repo), BRANCH, BASE)
    before = git(repo, "rev-parse", BASE).strip()
    git(repo, "merge", "-q", "--squash", BRANCH)
    message = f"{description.title} (#7)\n\n{description.body}"
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    squashed = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", BASE).splitlines()
    assert [line for line in squashed if line] == trailers_of(repo)
    done = cli(repo, "verify", "--range", f"{before}..{BASE}")
    assert done.code == 0, done.text


def test_without_out_the_lines_are_in_the_result(repo: Path, tmp_path: Path) -> None:
    """A caller that prints for itself (promote --push) gets the same lines back."""
    gh = FakeCli(tmp_path / "bin", "gh", {"pr list": {"out": "[]"}, "pr create": {"out": PR_URL}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", gh.env()["PATH"])
        result = forge.open_or_update(Git(repo), repo, "origin", BRANCH, BASE)
    assert result.status == "created"
    assert result.lines[0] == f"pull request: created {PR_URL} ({BRANCH} -> {BASE})"
    printed = open_pr(repo, gh.env())[1]  # now updating: the same lines are printed to out
    assert printed == "".join(f"{line}\n" for line in open_pr(repo, gh.env())[0].lines)
