"""`git pod-init --codeowners`: CODEOWNERS from the pods' paths and owners, the globs translated so
each line matches exactly what the pod may change, written where the forge reads it, and never
over a file someone else wrote or edited."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from git_pods import __version__
from git_pods.config import Config, load_config
from git_pods.ids import glob_match
from git_pods.install import ci, codeowners
from helpers import Result, cli, git

CONFIG = """\
version: 1
pods:
  dev-pod:
    next: [qa-pod]
    paths: ["**"]
    owners: ["@acme/devs"]
  qa-pod:
    next: [dev-pod]
    paths: ["tests/**", "*.md"]
    owners: ["@acme/qa", "qa-lead@example.com"]
  research-pod:
    next: [dev-pod]
    paths: ["docs/"]
"""
RULES = """\
# dev-pod: **
*          @acme/devs

# qa-pod: *.md
/*.md      @acme/devs @acme/qa qa-lead@example.com

# qa-pod: tests/**
/tests/**  @acme/devs @acme/qa qa-lead@example.com
"""
OLD_NS = 1_000_000_000 * 10**9


def steps_of(result: Result) -> list[tuple[str, str, str]]:
    """[(target, status, detail)] of `git pod-init --json`'s steps about CODEOWNERS."""
    steps = json.loads(result.out)["steps"]
    return [
        (s["target"], s["status"], s.get("detail", ""))
        for s in steps
        if s["what"] == "codeowners" or "CODEOWNERS" in s["target"]
    ]


@pytest.fixture
def pods(repo: Path) -> Path:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").write_text(CONFIG, encoding="utf-8")
    return repo


def rules_of(text: str) -> str:
    """The file without git-pods' header (its digest, version and explanation)."""
    body = text.split(ci.DIGEST_PREFIX, 1)[1].split("\n", 1)[1]
    return body.split("\n\n", 1)[1]  # after the two lines explaining the order


# --- the globs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        ("**", ("*",)),
        ("src/**", ("/src/**",)),
        ("src/", ("/src/**",)),
        ("*.md", ("/*.md",)),
        ("README.md", ("/README.md",)),
        ("docs/*", ("/docs/*",)),
        ("**/*.md", ("**/*.md",)),
        ("src/**.py", ("/src/**/*.py",)),
        ("src/a**b/x", ("/src/a*b/x", "/src/a*/**/*b/x")),
        ("src/**/test_?.py", ("/src/**/test_?.py",)),
    ],
)
def test_globs_become_codeowners_patterns(glob: str, expected: tuple[str, ...]) -> None:
    assert codeowners.patterns(glob) == expected


@pytest.mark.parametrize("glob", ["a b/**", "src/[ab].py", "src/{a,b}/**", "a\\b", "a//b", "src/../x"])
def test_globs_codeowners_cannot_hold_are_refused(glob: str) -> None:
    assert codeowners.patterns(glob) is None


def codeowners_match(pattern: str, path: str) -> bool:
    """GitHub's reading of a CODEOWNERS pattern (gitignore's, for the constructs written here):
    a leading / anchors at the top, **/ is any folders, a trailing /** everything inside, * and
    ? stay within a name, and a pattern with no / but a trailing one matches at any depth."""
    if pattern == "*":
        return True
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    out = "" if anchored else "(?:.*/)?"
    body = pattern.lstrip("/")
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            out, i = out + "/.*", i + 3
        elif body[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif body[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(body[i]), i + 1
    return re.fullmatch(out, path) is not None


PATHS = [
    "README.md",
    "docs/guide.md",
    "src/a.py",
    "src/deep/er/b.py",
    "src/a.py/not-a-file.txt",
    "src/ab/x",
    "src/a-long-b/x",
    "src/a/middle/b/x",
    "src/a/x",
    "src/test_1.py",
    "src/x/test_2.py",
    "tests/test_a.py",
    ".github/CODEOWNERS",
]


@pytest.mark.parametrize(
    "glob",
    ["**", "src/**", "src/", "*.md", "docs/*", "**/*.md", "src/**.py", "src/a**b/x", "src/**/test_?.py"],
)
def test_the_patterns_match_exactly_what_the_glob_matches(glob: str) -> None:
    translated = codeowners.patterns(glob)
    assert translated is not None
    for path in PATHS:
        ours = glob_match(glob, path)
        theirs = any(codeowners_match(p, path) for p in translated)
        assert ours == theirs, f"{glob} vs {translated} on {path}"


# --- git pod-init --codeowners ------------------------------------------------------------------


def test_codeowners_from_the_pods_owners_broad_lines_first(pods: Path) -> None:
    result = cli(pods, "init", "--codeowners")
    assert result.code == 0, result.text
    text = (pods / "CODEOWNERS").read_text(encoding="utf-8")
    assert text.startswith(
        f"# CODEOWNERS, written by `git pod-init --codeowners` (git-pods {__version__}).\n"
    )
    assert rules_of(text) == RULES  # tests/ and *.md: dev-pod's owners (it may change them too) and qa-pod's
    assert re.search(r"(?m)^created +file: CODEOWNERS", result.out)
    line = next(x for x in result.out.splitlines() if "GP817" in x)
    assert "research-pod has no owners" in line and line.startswith("skipped")
    assert "git add CODEOWNERS" in result.out or "CODEOWNERS" in result.out.split("git add", 1)[1]


def test_a_second_run_changes_nothing(pods: Path) -> None:
    assert cli(pods, "init", "--codeowners").code == 0
    path = pods / "CODEOWNERS"
    os.utime(path, ns=(OLD_NS, OLD_NS))
    again = cli(pods, "init", "--json", "--codeowners")
    assert ("CODEOWNERS", "unchanged", "owners from the pods' paths and owners") in steps_of(again)
    assert path.stat().st_mtime_ns == OLD_NS


def test_a_changed_config_updates_an_unedited_file(pods: Path) -> None:
    assert cli(pods, "init", "--codeowners").code == 0
    config = pods / ".pods/config.yaml"
    config.write_text(CONFIG.replace('paths: ["docs/"]', 'paths: ["docs/"]\n    owners: ["@acme/research"]'))
    result = cli(pods, "init", "--json", "--codeowners")
    assert ("CODEOWNERS", "updated") in [(t, s) for t, s, _d in steps_of(result)]
    text = (pods / "CODEOWNERS").read_text(encoding="utf-8")
    assert "/docs/**   @acme/devs @acme/research\n" in text
    assert ci.state(text, codeowners.render(codeowners_config(pods))[0] or "") == "current"


def codeowners_config(root: Path) -> Config:
    return load_config(root)[0]


def test_an_edited_file_is_kept_and_said(pods: Path) -> None:
    assert cli(pods, "init", "--codeowners").code == 0
    path = pods / "CODEOWNERS"
    edited = path.read_text(encoding="utf-8").replace("@acme/qa ", "@acme/qa-leads ")
    path.write_text(edited, encoding="utf-8")
    (pods / ".pods/config.yaml").write_text(CONFIG.replace("@acme/devs", "@acme/core"))
    result = cli(pods, "init", "--codeowners")
    assert result.code == 0, result.text
    line = next(x for x in result.out.splitlines() if "CODEOWNERS" in x and "kept" in x)
    assert "edited since git pod-init wrote it" in line and "left alone" in line
    assert path.read_text(encoding="utf-8") == edited


def test_a_file_from_an_earlier_release_is_updated(pods: Path) -> None:
    wanted = codeowners.render(codeowners_config(pods))[0]
    assert wanted is not None
    (pods / "CODEOWNERS").write_text(wanted.replace(__version__, "0.1.0"), encoding="utf-8")
    result = cli(pods, "init", "--json", "--codeowners")
    assert ("CODEOWNERS", "updated") in [(t, s) for t, s, _d in steps_of(result)]
    assert (pods / "CODEOWNERS").read_text(encoding="utf-8") == wanted


@pytest.mark.parametrize("where", ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"])
def test_someone_elses_codeowners_is_never_written_over_or_shadowed(pods: Path, where: str) -> None:
    (pods / ".github").mkdir()
    theirs = pods / where
    theirs.parent.mkdir(exist_ok=True)
    theirs.write_text("* @someone\n", encoding="utf-8")
    result = cli(pods, "init", "--codeowners")
    assert result.code == 0, result.text
    assert theirs.read_text(encoding="utf-8") == "* @someone\n"
    assert [p for p in codeowners.LOCATIONS if (pods / p).exists()] == [where]  # no second file
    assert re.search(rf"(?m)^kept +codeowners: {re.escape(where)}$", result.out), result.out
    assert "    /tests/**  @acme/devs @acme/qa qa-lead@example.com" in result.out  # the lines to add


@pytest.mark.parametrize(
    ("made", "where"),
    [
        ([".github/workflows"], ".github/CODEOWNERS"),
        ([".github", ".gitlab"], "CODEOWNERS"),
        ([], "CODEOWNERS"),
    ],
    ids=["github-only", "github-and-gitlab", "neither"],
)
def test_where_a_new_file_goes(pods: Path, made: list[str], where: str) -> None:
    for folder in made:
        (pods / folder).mkdir(parents=True)
    assert cli(pods, "init", "--codeowners").code == 0
    assert [p for p in codeowners.LOCATIONS if (pods / p).exists()] == [where]


def test_ci_github_with_codeowners_in_one_run_puts_it_in_github(pods: Path) -> None:
    assert cli(pods, "init", "--ci", "github", "--codeowners").code == 0
    assert (pods / ".github/CODEOWNERS").is_file() and not (pods / "CODEOWNERS").exists()


def test_no_owners_anywhere_writes_nothing(repo: Path) -> None:
    result = cli(repo, "init", "--json", "--codeowners")
    assert result.code == 0, result.text
    found = steps_of(result)
    assert ("CODEOWNERS", "note") in [(t, s) for t, s, _d in found]
    assert sum(1 for _t, s, d in found if s == "skipped" and d.startswith("GP817")) == 5  # the default pods
    assert not (repo / "CODEOWNERS").exists()


def test_unusable_globs_and_owners_are_left_out_and_said(pods: Path) -> None:
    config = CONFIG.replace('["tests/**", "*.md"]', '["tests/**", "my docs/**"]')
    config = config.replace('["@acme/devs"]', '["@acme/devs", "Dev Team"]')
    (pods / ".pods/config.yaml").write_text(config, encoding="utf-8")
    result = cli(pods, "init", "--json", "--codeowners")
    assert result.code == 0, result.text
    details = [d for _t, s, d in steps_of(result) if s == "skipped"]
    assert any(d.startswith("GP818") and "'my docs/**'" in d for d in details)
    assert any(d.startswith("GP819") and "'Dev Team'" in d for d in details)
    text = (pods / "CODEOWNERS").read_text(encoding="utf-8")
    assert "Dev Team" not in text and "my docs" not in text and "*          @acme/devs\n" in text


def test_an_invalid_config_refuses_and_exits_2(pods: Path) -> None:
    (pods / ".pods/config.yaml").write_text("version: 1\npods: [not, a, mapping]\n", encoding="utf-8")
    result = cli(pods, "init", "--codeowners")
    assert result.code == 2
    assert "refused" in result.out and "CODEOWNERS not written" in result.out
    assert not (pods / "CODEOWNERS").exists()


def test_uninstall_removes_only_an_unedited_uncommitted_file(pods: Path) -> None:
    assert cli(pods, "init", "--codeowners").code == 0
    result = cli(pods, "init", "--uninstall")
    assert result.code == 0, result.text
    assert not (pods / "CODEOWNERS").exists()

    assert cli(pods, "init", "--codeowners").code == 0
    path = pods / "CODEOWNERS"
    path.write_text(path.read_text(encoding="utf-8") + "/extra @me\n", encoding="utf-8")
    result = cli(pods, "init", "--uninstall")
    assert path.is_file() and "changed since git pod-init wrote it" in result.out

    path.unlink()
    assert cli(pods, "init", "--codeowners").code == 0
    git(pods, "add", "CODEOWNERS")
    result = cli(pods, "init", "--uninstall")
    assert path.is_file() and "tracked by git" in result.out


def test_codeowners_with_uninstall_is_a_usage_error(repo: Path) -> None:
    result = cli(repo, "init", "--codeowners", "--uninstall")
    assert result.code == 2
    assert "--codeowners does not go with --uninstall" in result.err
    assert sorted(p.name for p in repo.iterdir()) == [".git"]
