"""Run the pre-commit framework (https://pre-commit.com) on this project's .pre-commit-hooks.yaml, offline.

The hooks are `language: python`: pre-commit makes a virtualenv and pip-installs the hook repository
(a hatchling build, with build isolation) and its dependencies. The install step of the Makefile fills
`<venv>/wheelhouse` with every wheel that takes; `offline_env` points pip at it with no index and no
pip config files, lets virtualenv seed pip from its embedded wheels only, and routes any HTTP(S) through
a dead proxy, so a missing wheel fails the test instead of reaching a registry.

Two ways to run the hooks:
- `pre-commit try-repo <repo> <hook-id>` always uses a throwaway store (a temporary folder of its
  own, whatever PRE_COMMIT_HOME says), so it builds the hook environment on every call: a few seconds.
- `pre-commit run` with a .pre-commit-config.yaml (`write_config`) whose repo is `shared_hooks_repo`
  uses PRE_COMMIT_HOME, shared by the session's xdist workers: the environment is built once a session
  (pre-commit locks its store, so workers that ask at the same time wait for the first).

    def test_bundle_hook(repo, tmp_path, tmp_path_factory):
        run = pre_commit(tmp_path, tmp_path_factory)
        write_config(repo, shared_hooks_repo(tmp_path_factory), "pod-bundle")
        result = run(repo, "run", "--files", ".pods/config.yaml")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import Result, git

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEAD_PROXY = "http://127.0.0.1:9"
# A fixed identity and date: the snapshot's commit id depends on the files alone.
_SNAPSHOT_GIT_ENV = {
    "GIT_AUTHOR_NAME": "git-pods tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "git-pods tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+00:00",
}
# Inherited settings that would change what pip, virtualenv, pre-commit or the hooks' Python do.
_DROPPED_PREFIXES = ("PIP_", "VIRTUALENV_", "PRE_COMMIT", "PYTHON", "UV_", "CONDA_")
_GIT_LOCATIONS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")
_DROPPED = {"VIRTUAL_ENV", "SKIP", "no_proxy", "NO_PROXY", *_GIT_LOCATIONS}
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def wheelhouse() -> Path:
    """The wheels `make` downloaded beside the interpreter running the tests; skips the test if absent."""
    folder = Path(sys.prefix) / "wheelhouse"
    if not any(folder.glob("*.whl")):
        pytest.skip(
            f"no wheelhouse at {folder}: `make unit` (its install step) downloads the wheels that the "
            "pre-commit framework needs to install the hooks offline"
        )
    return folder


def pre_commit_exe() -> Path:
    """The `pre-commit` beside the interpreter running the tests; skips the test if absent."""
    exe = BIN / ("pre-commit.exe" if os.name == "nt" else "pre-commit")
    if not exe.is_file():
        pytest.skip(f"pre-commit is not installed in {sys.prefix}: install git-pods[pre-commit]")
    return exe


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that every xdist worker of this test session shares (the session's own base temp)."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base temp is <session base temp>/<worker id>.
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = root / "pre-commit-framework"
    shared.mkdir(exist_ok=True)
    return shared


def offline_env(home: Path, shared: Path) -> dict[str, str]:
    """An environment for `pre-commit` with no network: pip, virtualenv and pre-commit all kept local.

    home is the test's own HOME (and XDG folders); shared holds the pre-commit store and virtualenv's
    app data, reused by the session (`shared_dir`).
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED and name not in _PROXIES
    }
    # The hooks must run from the framework's environment, never from the venv running the tests.
    path = [part for part in env.get("PATH", os.defpath).split(os.pathsep) if part and Path(part) != BIN]
    env.update(
        PATH=os.pathsep.join(path),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        PRE_COMMIT_HOME=str(shared / "pre-commit"),
        PRE_COMMIT_COLOR="never",
        # pip: no index and no config file (this machine's pip.conf may add indexes or find-links).
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse()),
        PIP_NO_CACHE_DIR="1",
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_RETRIES="0",
        PIP_TIMEOUT="5",
        # virtualenv: seed pip from the wheels it embeds; no download, no background update.
        VIRTUALENV_NO_DOWNLOAD="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        VIRTUALENV_OVERRIDE_APP_DATA=str(shared / "virtualenv"),
        VIRTUALENV_CONFIG_FILE=str(home / ".config" / "virtualenv" / "none.ini"),
    )
    env.update(dict.fromkeys(_PROXIES, DEAD_PROXY))
    return env


def snapshot(dest: Path) -> str:
    """A new git repository at dest holding the project's working tree as it is now; its commit id.

    Tracked files as they are on disk and untracked files that are not ignored: `pre-commit try-repo`
    on the project itself would leave the untracked ones out.
    """
    env = _git_env()
    try:
        listed = _git(PROJECT, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"{PROJECT} is not a git work tree, nothing to snapshot: {error}")
    dest.mkdir(parents=True)
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = PROJECT / name
        # Deleted but still tracked, or a submodule: not part of the working tree's files.
        if not os.path.lexists(source) or (source.is_dir() and not source.is_symlink()):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    env.update(_SNAPSHOT_GIT_ENV, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    _git(dest, env, "init", "-q", "-b", "main")
    _git(dest, env, "add", "-A", "-f")
    _git(dest, env, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "working tree")
    return _git(dest, env, "rev-parse", "HEAD").strip()


def _git_env() -> dict[str, str]:
    """The environment less what would point git at another repository (as inside a git hook)."""
    return {name: value for name, value in os.environ.items() if name not in _GIT_LOCATIONS}


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def hooks_repo(tmp_path: Path) -> tuple[Path, str]:
    """This project's working tree committed in a new repository under tmp_path: (path, commit id)."""
    path = tmp_path / "hooks-repo"
    return path, snapshot(path)


def shared_hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`hooks_repo` made once a session for all workers, so pre-commit's store reuses its environment."""
    path = shared_dir(tmp_path_factory) / "hooks-repo"
    if not path.exists():
        building = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
        snapshot(building)
        try:
            building.rename(path)  # atomic: another worker that got there first keeps its copy
        except OSError:
            shutil.rmtree(building)
    return path, _git(path, _git_env(), "rev-parse", "HEAD").strip()


def write_config(repo: Path, hooks: tuple[Path, str], *hook_ids: str) -> Path:
    """A staged .pre-commit-config.yaml in repo using hook_ids from the hooks repository (path, rev)."""
    path, rev = hooks
    lines = ["repos:", f"  - repo: {path.as_posix()}", f"    rev: {rev}", "    hooks:"]
    lines += [f"      - id: {hook_id}" for hook_id in hook_ids]
    config = repo / ".pre-commit-config.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # `pre-commit run` refuses an unstaged config.
    git(repo, "add", ".pre-commit-config.yaml")
    return config


@dataclass(frozen=True)
class PreCommit:
    """The `pre-commit` executable and its offline environment: call it with (cwd, *args)."""

    exe: Path
    env: dict[str, str]

    def __call__(self, cwd: Path, *args: str, timeout: float = 600) -> Result:
        done = subprocess.run(
            [str(self.exe), *args],
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        return Result(
            done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        )


def pre_commit(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> PreCommit:
    """`pre-commit`, offline, with HOME under tmp_path and the session's shared store; skips if it can't."""
    exe = pre_commit_exe()
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return PreCommit(exe, offline_env(home, shared_dir(tmp_path_factory)))
