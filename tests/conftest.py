"""Shared fixtures: an isolated git identity and config, a real repository in a temporary folder, and
the report tests' story in one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reporting import NOW, story

from helpers import git


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A pinned identity and no global or system git config, for every test."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Lead")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "lead@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Lead")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "lead@example.com")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


@pytest.fixture
def storied(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The report tests' story (tests/reporting.py) in repo, with "now" pinned to its NOW."""
    story(repo)
    monkeypatch.setenv("GIT_PODS_NOW", NOW)
    return repo
