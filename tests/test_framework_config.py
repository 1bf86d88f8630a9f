"""Editing a team's .pre-commit-config.yaml: every valid layout keeps its text and gains the hooks."""

from __future__ import annotations

import pytest
import yaml

from git_pods.install import framework

HOOK_IDS = ("pod-bundle", "pod-commit-msg", "pod-pre-push", "pod-post-commit")
HOOK_TYPES = ("pre-commit", "commit-msg", "pre-push", "post-commit")

LOCAL = "".join(
    f"{line}\n"
    for line in (
        "  - repo: local",
        "    hooks:",
        "      - id: x",
        "        name: x",
        "        entry: x",
        "        language: system",
    )
)
LAYOUTS = {
    "indented items": "repos:\n" + LOCAL,
    "items at column 0": "repos:\n- repo: local\n  hooks: []\n",
    "no final newline": "repos:\n" + LOCAL.rstrip("\n"),
    "empty list with a comment": "repos: []  # later\nfail_fast: true\n",
    "block hook types first": "default_install_hook_types:\n  - pre-push\nrepos:\n" + LOCAL,
    "block hook types last": "repos:\n" + LOCAL + "default_install_hook_types:\n- pre-push\n",
    "flow hook types with a comment": "repos:\n" + LOCAL + "default_install_hook_types: [pre-push]  # ours\n",
    "CRLF": ("repos:\n" + LOCAL).replace("\n", "\r\n"),
    "comments after": "repos:\n" + LOCAL + "# the end\n",
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_layout_gains_the_hooks_and_keeps_its_own_lines(text: str) -> None:
    edited = framework.with_hooks(text, "https://example.com/git-pods", "v9")
    data = yaml.safe_load(edited)
    assert framework.hook_ids(edited) >= set(HOOK_IDS)
    assert "pod-post-rewrite" not in framework.hook_ids(edited)  # native: the framework drops its stdin
    assert set(HOOK_TYPES) <= set(data["default_install_hook_types"])
    assert "post-rewrite" not in data["default_install_hook_types"]
    if "pre-push" in text:
        assert "pre-push" in data["default_install_hook_types"]
    for line in text.splitlines():  # every original line survives, comments included
        if "repos: []" in line:  # the empty list becomes a block list; its comment stays
            assert "# later" in edited
        elif (
            line.strip()
            and "default_install_hook_types" not in line
            and not line.lstrip().startswith("- pre-")
        ):
            assert line.strip() in edited, line
    if "\r\n" in text:
        assert "\n" not in edited.replace("\r\n", "")  # one kind of line ending
    assert data.get("fail_fast") is (True if "fail_fast" in text else None)
    assert [r["repo"] for r in data["repos"]][-1] == "https://example.com/git-pods"


@pytest.mark.parametrize(
    "text",
    ["repos: [{repo: local, hooks: []}]\n", "- not a mapping\n", "repos: x\n", "repos: [\n"],
    ids=["flow repos", "a list", "repos not a list", "broken YAML"],
)
def test_layouts_it_does_not_edit_are_refused_with_the_lines_to_add(text: str) -> None:
    with pytest.raises(framework.EditRefused):
        framework.with_hooks(text, "u", "r")
    manual = framework.manual("u", "r")
    assert "default_install_hook_types: [pre-commit, commit-msg, pre-push, post-commit]" in manual
    assert all(f"- id: {hook_id}" in manual for hook_id in HOOK_IDS)
    assert manual.endswith(" ".join(f"--hook-type {t}" for t in HOOK_TYPES))


EARLIER = """\
repos:
  - repo: local
    hooks:
      - id: x
        name: x
        entry: x
        language: system
  # git-pods: bundles and trailers checked at commit (git pod-init --uninstall removes this)
  - repo: https://example.com/git-pods
    rev: v0.1.0  # pinned by the team
    hooks:
    - id: pod-bundle
    - id: pod-commit-msg
      verbose: true
# the end
default_install_hook_types: [pre-commit, commit-msg]
"""


def test_an_earlier_releases_entry_gains_the_new_hooks_in_place() -> None:
    edited = framework.with_hooks(EARLIER, "https://elsewhere.example/git-pods", "v9")
    data = yaml.safe_load(edited)
    assert [r["repo"] for r in data["repos"]] == ["local", "https://example.com/git-pods"]  # no second entry
    ours = data["repos"][1]
    assert ours["rev"] == "v0.1.0"
    assert [h["id"] for h in ours["hooks"]] == list(HOOK_IDS)
    assert ours["hooks"][1] == {"id": "pod-commit-msg", "verbose": True}
    assert data["default_install_hook_types"] == list(HOOK_TYPES)
    assert (
        edited.replace("    - id: pod-pre-push\n    - id: pod-post-commit\n", "").replace(
            "[pre-commit, commit-msg, pre-push, post-commit]", "[pre-commit, commit-msg]"
        )
        == EARLIER
    )  # two lines added where the list ends, the rest byte for byte
    assert framework.with_hooks(edited, "u", "r").count("pod-pre-push") == 1  # then nothing missing


def test_an_earlier_entry_with_a_flow_hooks_list_is_refused() -> None:
    text = "repos:\n- repo: https://example.com/git-pods\n  rev: v1\n  hooks: [{id: pod-bundle}]\n"
    with pytest.raises(framework.EditRefused, match="flow"):
        framework.with_hooks(text, "u", "r")
