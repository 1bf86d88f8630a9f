"""The native pre-push, post-commit and post-rewrite hooks `git pod-init` installs, fired by real
`git commit`, `git push` (to a local bare remote), `git commit --amend` and `git rebase`: the
post-commit pre-filter, stdin shared with a chained hook, and post-* hooks that never fail."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from git_pods.commands import init
from helpers import BIN, git

# The interpreter the installed executables run on: the one the hooks must end up running.
REAL_PYTHON = (BIN / "git-pod-init").read_text(encoding="utf-8").splitlines()[0].removeprefix("#!")


class Spy:
    """A stand-in for the hooks' Python: logs each start (the hook's name) and, for the hooks that
    read stdin, the exact bytes it got; then runs the real Python, or exits with `fail`."""

    def __init__(self, folder: Path, fail: int | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "starts.log"
        self.folder = folder
        self.path = folder / "python"
        # argv as the hooks call it: -I -S -c CODE SITE HOOK ARGS...
        run = f"exit {fail}" if fail is not None else f"exec '{REAL_PYTHON}' \"$@\""
        self.path.write_text(
            "#!/bin/sh\n"
            f"printf '%s\\n' \"$6\" >> '{self.log}'\n"
            "case $6 in pre-push|post-rewrite)\n"
            f"    cat > '{folder}/stdin.'\"$6\"\n"
            f"    exec < '{folder}/stdin.'\"$6\" ;;\n"
            "esac\n"
            f"{run}\n",
            encoding="utf-8",
        )
        self.path.chmod(0o755)

    def starts(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def stdin(self, hook: str) -> bytes:
        return (self.folder / f"stdin.{hook}").read_bytes()

    def reset(self) -> None:
        self.log.unlink(missing_ok=True)


def adopt(repo: Path, spy: Spy) -> Path:
    """git pod-init (as a function, so the hooks name the spy), scaffold committed; the hooks folder."""
    out = io.StringIO()
    assert init.run(init.InitOptions(python=str(spy.path)), repo, out) == 0, out.getvalue()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "Adopt git-pods")
    spy.reset()
    return repo / ".git/hooks"


def commit(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def touch(repo: Path, relative: str, text: str = "x\n") -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(repo, "add", relative)


def run_hook(repo: Path, name: str, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The installed hook run as git runs it: from the work tree's top, with git's arguments."""
    return subprocess.run(
        [str(repo / ".git/hooks" / name), *args], cwd=repo, input=stdin, capture_output=True, check=False
    )


def chain(hooks: Path, name: str, log: Path, status: int = 0) -> None:
    """A team's own hook that logs its arguments and stdin, installed before git pod-init."""
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / name).write_text(
        f"#!/bin/sh\necho \"$0 $*\" >> '{log}.args'\ncat > '{log}.stdin'\nexit {status}\n", encoding="utf-8"
    )
    (hooks / name).chmod(0o755)


@pytest.fixture
def spy(tmp_path: Path) -> Spy:
    return Spy(tmp_path / "spy")


# --- post-commit: the pre-filter -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message", "env", "starts"),
    [
        ("src/a.py", "An ordinary commit", {}, False),
        ("src/a.py", "Mentions tasks\n\nTasks: none of this is a trailer", {}, False),
        ("src/a.py", "A hand-made pod commit\n\ntask: F2.1", {}, True),
        ("src/a.py", "Claims a bundle\n\nPod-Bundle: sha256:00", {}, True),
        ("src/a.py", "Claims a patch\n\nPATCH-ID : patch_1", {}, True),
        ("src/a.py", "Skipped a hook", {"SKIP": "flake8,pod-bundle"}, True),
        ("src/a.py", "Skipped another tool's hook", {"SKIP": "flake8"}, False),
        (".pods/tasks/F1.yaml", "A ledger", {}, True),
        (".logs/p_1/changelog.yaml", "A log", {}, True),
    ],
    ids=[
        "ordinary",
        "trailer-like-word",
        "task-trailer",
        "bundle-trailer",
        "patch-id-spaced",
        "skip-pod-hook",
        "skip-other-hook",
        "pods-path",
        "logs-path",
    ],
)
def test_post_commit_starts_python_only_for_pod_work(
    repo: Path, spy: Spy, change: str, message: str, env: dict[str, str], starts: bool
) -> None:
    adopt(repo, spy)
    touch(repo, change)
    done = commit(repo, "--no-verify", "-m", message, env=env)
    assert done.returncode == 0, done.stderr
    assert spy.starts() == (["post-commit"] if starts else [])


def test_post_commit_sees_a_deletion_of_a_record_path(repo: Path, spy: Spy) -> None:
    adopt(repo, spy)
    git(repo, "rm", "-q", ".patches/queue/.gitkeep")
    assert commit(repo, "--no-verify", "-m", "Drop the keep file").returncode == 0
    assert spy.starts() == ["post-commit"]


@pytest.mark.parametrize(("path", "starts"), [(".patches/queue/p/patch.diff", True), ("a.txt", False)])
def test_post_commit_on_a_root_commit_compares_with_the_empty_tree(
    repo: Path, spy: Spy, path: str, starts: bool
) -> None:
    out = io.StringIO()
    assert init.run(init.InitOptions(python=str(spy.path)), repo, out) == 0
    touch(repo, path)
    assert commit(repo, "--no-verify", "-m", "First").returncode == 0
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert spy.starts() == (["post-commit"] if starts else [])


def merge(repo: Path, branch: str, message: str) -> None:
    """A merge concluded by `git commit` (as after resolving conflicts): git merge itself runs
    post-merge, not post-commit."""
    git(repo, "merge", "-q", "--no-ff", "--no-commit", branch)
    assert commit(repo, "--no-verify", "-m", message).returncode == 0
    assert len(git(repo, "rev-parse", "HEAD^@").split()) == 2


def test_post_commit_on_a_merge_compares_with_the_first_parent(repo: Path, spy: Spy) -> None:
    adopt(repo, spy)
    git(repo, "checkout", "-q", "-b", "topic")
    touch(repo, ".patches/queue/p_1/patch.diff")
    assert commit(repo, "--no-verify", "-m", "Queue on the topic").returncode == 0
    git(repo, "checkout", "-q", "main")
    touch(repo, "src/b.py")
    assert commit(repo, "--no-verify", "-m", "Work on main").returncode == 0
    spy.reset()
    merge(repo, "topic", "Merge the topic")
    assert spy.starts() == ["post-commit"]  # main's first parent lacked the queued file

    git(repo, "checkout", "-q", "topic")
    spy.reset()
    merge(repo, "main", "Merge main into the topic")
    assert spy.starts() == []  # against the topic, the merge brings only src/b.py


# --- post-commit and post-rewrite never fail -----------------------------------------------------


@pytest.mark.parametrize("hook", ["post-commit", "post-rewrite"])
def test_post_hooks_exit_0_when_python_fails(repo: Path, tmp_path: Path, hook: str) -> None:
    spy = Spy(tmp_path / "failing", fail=3)
    adopt(repo, spy)
    touch(repo, ".pods/tasks/F1.yaml")
    done = run_hook(repo, hook, *(["amend"] if hook == "post-rewrite" else []), stdin=b"a b\n")
    assert done.returncode == 0
    assert f"git-pods: warning: pod-{hook} failed (exit 3)" in done.stderr.decode()
    assert spy.starts() == [hook]


@pytest.mark.parametrize("hook", ["post-commit", "post-rewrite"])
def test_post_hooks_exit_0_when_the_interpreter_is_gone(repo: Path, tmp_path: Path, hook: str) -> None:
    out = io.StringIO()
    assert init.run(init.InitOptions(python=str(tmp_path / "gone/python")), repo, out) == 0
    git(repo, "add", "-A")
    done = commit(repo, "--no-verify", "-m", "Adopt git-pods")
    assert done.returncode == 0
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    ran = run_hook(repo, hook, *(["rebase"] if hook == "post-rewrite" else []), stdin=b"")
    assert ran.returncode == 0
    assert f"GP605 the Python that installed the {hook} hook is gone" in ran.stderr.decode()


def test_pre_push_refuses_when_the_interpreter_is_gone(repo: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    assert init.run(init.InitOptions(python=str(tmp_path / "gone/python")), repo, out) == 0
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "add", "-A")
    commit(repo, "--no-verify", "-m", "Adopt git-pods")
    done = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "GP605" in done.stderr
    assert git(remote, "for-each-ref") == ""


def test_a_chained_post_commit_hook_runs_first_and_its_failure_stops_nothing(
    repo: Path, spy: Spy, tmp_path: Path
) -> None:
    log = tmp_path / "theirs"
    chain(repo / ".git/hooks", "post-commit", log, status=1)
    adopt(repo, spy)
    touch(repo, ".pods/tasks/F1.yaml")
    done = run_hook(repo, "post-commit")
    assert done.returncode == 0
    assert log.with_suffix(".args").read_text().splitlines()[-1] == f"{repo / '.git/hooks/post-commit'} "
    assert spy.starts() == ["post-commit"]

    (repo / ".git/hooks/post-commit.pre-git-pods").unlink()
    gone = run_hook(repo, "post-commit")
    assert gone.returncode == 0
    assert "warning: GP607" in gone.stderr.decode()


# --- pre-push: every ref, stdin shared with a chained hook --------------------------------------


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    return path


def push(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "-q", *args], cwd=repo, capture_output=True, text=True, check=False)


def sneak(repo: Path, name: str) -> str:
    """A broken bundle committed past the commit-time hooks (--no-verify)."""
    touch(repo, f".patches/queue/{name}/patch.diff", "not a diff\n")
    assert commit(repo, "--no-verify", "-m", f"Sneak {name}").returncode == 0
    return git(repo, "rev-parse", "HEAD").strip()


def test_pre_push_chained_hook_and_git_pods_get_the_same_ref_lines(
    repo: Path, spy: Spy, tmp_path: Path, remote: Path
) -> None:
    log = tmp_path / "theirs"
    chain(repo / ".git/hooks", "pre-push", log)
    adopt(repo, spy)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "branch", "topic")
    done = push(repo, "origin", "main", "topic")
    assert done.returncode == 0, done.stderr
    lines = spy.stdin("pre-push")
    assert lines == log.with_suffix(".stdin").read_bytes()
    assert sorted(line.split()[0] for line in lines.decode().splitlines()) == [
        "refs/heads/main",
        "refs/heads/topic",
    ]
    hook, *args = log.with_suffix(".args").read_text().split()
    assert hook.endswith(".git/hooks/pre-push")  # $0 as git gave it, so husky-style hooks find home
    assert args == ["origin", str(remote)]
    assert spy.starts() == ["pre-push"]
    assert not list((repo / ".git/pods").glob("pre-push-stdin.*"))  # the saved copy is gone


def test_a_failing_chained_pre_push_hook_refuses_the_push(
    repo: Path, spy: Spy, tmp_path: Path, remote: Path
) -> None:
    chain(repo / ".git/hooks", "pre-push", tmp_path / "theirs", status=7)
    adopt(repo, spy)
    git(repo, "remote", "add", "origin", str(remote))
    assert push(repo, "origin", "main").returncode != 0
    assert git(remote, "for-each-ref") == ""
    assert spy.starts() == []
    assert not list((repo / ".git/pods").glob("pre-push-stdin.*"))


def test_git_pods_refuses_a_bypassed_commit_on_any_pushed_ref_after_a_chained_hook(
    repo: Path, spy: Spy, tmp_path: Path, remote: Path
) -> None:
    chain(repo / ".git/hooks", "pre-push", tmp_path / "theirs")
    adopt(repo, spy)
    git(repo, "remote", "add", "origin", str(remote))
    assert push(repo, "origin", "main").returncode == 0
    git(repo, "checkout", "-q", "-b", "topic")
    bad = sneak(repo, "bad_1")
    git(repo, "checkout", "-q", "main")
    touch(repo, "src/ok.py")
    assert commit(repo, "-m", "Fine").returncode == 0
    done = push(repo, "origin", "main", "topic")  # topic is the second ref git lists
    assert done.returncode != 0
    assert f"{bad[:12]} .patches/queue/bad_1/patch.diff: GP300" in done.stderr
    assert git(remote, "for-each-ref", "refs/heads/topic") == ""


@pytest.mark.parametrize(
    "data",
    [b"", f"(delete) {'0' * 40} refs/heads/gone {'1' * 40}".encode(), b"odd\x00bytes\r\n\n\n"],
    ids=["empty", "no-final-newline", "binary"],
)
def test_pre_push_stdin_reaches_both_byte_for_byte(repo: Path, spy: Spy, tmp_path: Path, data: bytes) -> None:
    log = tmp_path / "theirs"
    chain(repo / ".git/hooks", "pre-push", log)
    adopt(repo, spy)
    done = run_hook(repo, "pre-push", "origin", "/nowhere", stdin=data)
    assert done.returncode == 0, done.stderr
    assert log.with_suffix(".stdin").read_bytes() == data
    assert spy.stdin("pre-push") == data


# --- post-rewrite: amend and rebase --------------------------------------------------------------


def test_post_rewrite_gives_the_chained_hook_and_git_pods_the_same_pairs(
    repo: Path, spy: Spy, tmp_path: Path
) -> None:
    log = tmp_path / "theirs"
    chain(repo / ".git/hooks", "post-rewrite", log, status=1)
    adopt(repo, spy)
    old = git(repo, "rev-parse", "HEAD").strip()
    assert commit(repo, "--amend", "--no-verify", "-m", "Adopt git-pods, reworded").returncode == 0
    new = git(repo, "rev-parse", "HEAD").strip()
    assert spy.stdin("post-rewrite") == f"{old} {new}\n".encode()
    assert log.with_suffix(".stdin").read_bytes() == spy.stdin("post-rewrite")
    assert log.with_suffix(".args").read_text().splitlines()[-1].endswith("post-rewrite amend")
    assert "post-rewrite" in spy.starts()

    git(repo, "checkout", "-q", "-b", "topic")
    for name in ("one", "two"):
        touch(repo, f"src/{name}.py")
        assert commit(repo, "--no-verify", "-m", name).returncode == 0
    picked = git(repo, "rev-list", "--reverse", "main..topic").split()
    git(repo, "checkout", "-q", "main")
    touch(repo, "src/base.py")
    assert commit(repo, "--no-verify", "-m", "base moves").returncode == 0
    git(repo, "checkout", "-q", "topic")
    spy.reset()
    rebased = subprocess.run(
        ["git", "rebase", "-q", "main"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert rebased.returncode == 0, rebased.stderr  # the chained hook's exit 1 changes nothing
    pairs = [line.split() for line in spy.stdin("post-rewrite").decode().splitlines()]
    assert [p[0] for p in pairs] == picked
    assert [p[1] for p in pairs] == git(repo, "rev-list", "--reverse", "main..topic").split()
    assert log.with_suffix(".stdin").read_bytes() == spy.stdin("post-rewrite")
    assert log.with_suffix(".args").read_text().splitlines()[-1].endswith("post-rewrite rebase")
    assert not list((repo / ".git/pods").glob("post-rewrite-stdin.*"))
