"""Editing a team's .pre-commit-config.yaml: every valid layout keeps its text and gains the hooks."""

from __future__ import annotations

import pytest
import yaml

from git_pods.install import framework

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
    assert framework.hook_ids(edited) >= {"pod-bundle", "pod-commit-msg"}
    assert {"pre-commit", "commit-msg"} <= set(data["default_install_hook_types"])
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
    assert "default_install_hook_types: [pre-commit, commit-msg]" in framework.manual("u", "r")
    assert "- id: pod-commit-msg" in framework.manual("u", "r")
