"""`git pod-promote` with real processes: SIGKILL before and after every git call it makes, git's
stale lock files, its own kernel lock, two promotes at once, another notes writer in the middle.

The kill is injected at the git-runner boundary: a fake `git` first on PATH counts the promote's
git calls and, at call N, SIGKILLs the promote before running the real git or right after it.
After every kill: nothing is lost (each bundle is in the queue, whole, or on its branch), and a
plain rerun leaves exactly the state a clean run leaves (DESIGN §5 and §9, FACTS "Promote and verify").
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from helpers import BIN, cli, git
from promoting import bundle, diff_of_change, events, patch_ids_in_history, pods_repo, refs

fcntl = pytest.importorskip("fcntl")  # POSIX: the fake git is a sh script, the lock is flock

T = TypeVar("T")
REAL_GIT = shutil.which("git") or "git"
MAX_CALLS = 36  # kill points tested per mode; test_every_git_call_is_a_kill_point keeps it honest
JOURNAL = "pods/promote-journal.json"
LOCK = "pods/promote.lock"
BUNDLE_FILES = ["changelog.yaml", "handoff_log.yaml", "patch.diff", "thought_trace.yaml"]
WATCHED = ["refs/heads/pods/F2.1", "refs/heads/pods/F3", "refs/notes/pods"]

# Each promoted patch id, its branch, and a file its diff creates (with the text it writes).
PROMOTED = {
    "patch_1": ("pods/F2.1", "src/alpha.py", "alpha = 1\n"),
    "patch_2": ("pods/F2.1", "src/beta.py", "beta = 2\n"),
    "patch_3": ("pods/F3", "docs/f3.md", "# F3\n"),
}
REFUSED = "patch_4"  # the checked-out scenario's fourth bundle: dev-pod may not touch .pods/config.yaml


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """What conftest's autouse fixture does per test, for the session-scoped templates."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in (("NAME", "Test Lead"), ("EMAIL", "lead@example.com")):
        monkeypatch.setenv(f"GIT_AUTHOR_{key}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{key}", value)
    monkeypatch.setenv("HOME", str(home))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def _writes(path: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    return change


def _git_common(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())


def _head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def _queue(root: Path) -> Path:
    return root / ".patches" / "queue"


def _ref_values(root: Path) -> dict[str, str | None]:
    found = dict(line.split(" ", 1) for line in refs(root).splitlines())
    return {ref: found.get(ref) for ref in WATCHED}


def _bundle_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def _assert_fsck_clean(root: Path) -> None:
    done = subprocess.run(
        ["git", "fsck", "--no-dangling"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def _verbs(calls: list[str]) -> list[str]:
    """The git subcommand of each call (its arguments hold paths and pids that differ per run)."""
    out = []
    for call in calls:
        words = call.split()
        while words and words[0].startswith("-"):
            words = words[2:] if words[0] == "-c" else words[1:]
        out.append(words[0] if words else "")
    return out


def _pods_dir(common: Path) -> set[str]:
    """What git-pods keeps in <git-common-dir>/pods/ (an empty scratch folder is no leftover)."""
    scratch = common / "pods/promote-scratch"
    assert not scratch.exists() or os.listdir(scratch) == [], os.listdir(scratch)
    return set(os.listdir(common / "pods")) - {"promote-scratch"}


def _on_branch(root: Path, branch: str, patch_id: str) -> bool:
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{branch}:.patches/{patch_id}.diff"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


# ---------------------------------------------------------------------------------------------
# The fake git


@dataclass
class FakeGit:
    """A folder holding a `git` script first on PATH, and its state (pid, counter, calls)."""

    folder: Path

    @property
    def bin(self) -> Path:
        return self.folder / "bin"

    @property
    def state(self) -> Path:
        return self.folder / "state"

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([str(self.bin), str(BIN), os.environ["PATH"]])
        return dict(os.environ, PATH=path)

    @property
    def count(self) -> int:
        counter = self.state / "count"
        return int(counter.read_text()) if counter.exists() else 0

    @property
    def calls(self) -> list[str]:
        listing = self.state / "calls"
        return listing.read_text().splitlines() if listing.exists() else []

    @property
    def strangers(self) -> str:
        """Calls of the fake git by any process but the promote (there must be none)."""
        found = self.state / "strangers"
        return found.read_text() if found.exists() else ""

    def start(self, root: Path, *args: str) -> subprocess.Popen[bytes]:
        """git-pod-promote started as the console script; its pid handed to the fake git, which
        waits for it before its first call, so a kill can only ever hit the promote itself."""
        proc = subprocess.Popen(
            [str(BIN / "git-pod-promote"), *args],
            cwd=root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        fresh = self.state / "pid.tmp"
        fresh.write_text(f"{proc.pid}\n")
        os.replace(fresh, self.state / "pid")
        return proc

    def run(self, root: Path, *args: str) -> tuple[int, str, str]:
        proc = self.start(root, *args)
        try:
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def fake_git(
    folder: Path, *, kill_at: int = 0, mode: str = "before", at_transaction: str = ":", before_kill: str = ":"
) -> FakeGit:
    """kill_at 0: only count. mode before: SIGKILL the promote instead of running git call kill_at;
    after: run it, then SIGKILL the promote. at_transaction: sh run before the real
    `update-ref --stdin -m` (the publishing transaction), with $state, $real and $n set;
    before_kill: sh run right before the kill."""
    fake = FakeGit(folder)
    fake.bin.mkdir(parents=True)
    fake.state.mkdir()
    script = f"""#!/bin/sh
state={shlex.quote(str(fake.state))}
real={shlex.quote(REAL_GIT)}
while [ ! -s "$state/pid" ]; do sleep 0.01; done
read -r pid < "$state/pid"
if [ "$PPID" != "$pid" ]; then
  echo "$PPID $*" >> "$state/strangers"
  exec "$real" "$@"
fi
n=$(( $(cat "$state/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$state/count"
printf '%s\\n' "$*" >> "$state/calls"
case " $* " in
  *" update-ref --stdin -m "*)
{at_transaction}
    ;;
esac
if [ "$n" -eq {int(kill_at)} ]; then
  if [ {shlex.quote(mode)} = before ]; then
    {before_kill}
    kill -9 "$pid"
    exit 137
  fi
  "$real" "$@"
  status=$?
  {before_kill}
  kill -9 "$pid"
  exit "$status"
fi
exec "$real" "$@"
"""
    path = fake.bin / "git"
    path.write_text(script)
    path.chmod(0o755)
    return fake


# ---------------------------------------------------------------------------------------------
# SIGKILL at every git call


@dataclass
class Template:
    """A repository ready to promote, and what a clean promote of it does."""

    root: Path
    scenario: str
    head: str  # HEAD before the promote: where both task branches start
    bundles: dict[str, dict[str, bytes]]
    calls: list[str]  # the git calls of a clean promote, in order
    recovery_calls: list[str]  # the git calls of the rerun after a kill right after the transaction
    pods_dir: set[str]  # <git-common-dir>/pods/ after a clean promote
    clean_code: int

    @property
    def checked_out(self) -> bool:
        return self.scenario == "checked-out"


def _make_template(root: Path, scenario: str) -> Template:
    git(root, "init", "-q", "-b", "main")
    pods_repo(root)
    for patch_id, (branch, path, text) in PROMOTED.items():
        raw, _tree = diff_of_change(root, _writes(path, text))
        bundle(root, patch_id, raw, task=branch.removeprefix("pods/"), summary=f"Add {path}")
    if scenario == "checked-out":
        raw, _tree = diff_of_change(root, _writes(".pods/config.yaml", "version: 1\n"))
        bundle(root, REFUSED, raw, task="F3", summary="Loosen the policy")
        git(root, "checkout", "-q", "-b", "pods/F2.1")
    ids = sorted(PROMOTED) + ([REFUSED] if scenario == "checked-out" else [])
    template = Template(
        root=root,
        scenario=scenario,
        head=_head(root),
        bundles={i: _bundle_bytes(_queue(root) / i) for i in ids},
        calls=[],
        recovery_calls=[],
        pods_dir=set(),
        clean_code=1 if scenario == "checked-out" else 0,
    )
    counted = root.parent / "counted"
    shutil.copytree(root, counted / "repo", symlinks=True)
    fake = fake_git(counted / "fake")
    code, out, err = fake.run(counted / "repo", "--all")
    assert code == template.clean_code, out + err
    assert "3 promoted" in out, out + err
    assert fake.strangers == ""
    template.calls = fake.calls
    template.pods_dir = _pods_dir(_git_common(counted / "repo"))
    crashed = root.parent / "crashed"
    shutil.copytree(root, crashed / "repo", symlinks=True)
    killed = fake_git(crashed / "kill", kill_at=_publishing(template.calls), mode="after")
    assert killed.run(crashed / "repo", "--all")[0] == -9
    fake = fake_git(crashed / "count")
    code, out, err = fake.run(crashed / "repo", "--all")
    assert code == 0 and "by an interrupted run" in out, out + err
    template.recovery_calls = fake.calls
    return template


def _publishing(calls: list[str]) -> int:
    """The number of the call that moves the refs (git update-ref --stdin, the transaction)."""
    return next(n for n, call in enumerate(calls, 1) if "update-ref --stdin -m" in call)


@pytest.fixture(scope="session")
def made_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable[[Path], T]], T]:
    """Repositories made once per xdist worker, on first use; tests work on copies."""
    made: dict[str, object] = {}

    def get(name: str, make: Callable[[Path], T]) -> T:
        if name not in made:
            with pytest.MonkeyPatch.context() as monkeypatch:
                _isolate(monkeypatch, tmp_path_factory.mktemp("home"))
                root = tmp_path_factory.mktemp(f"template-{name}") / "repo"
                root.mkdir()
                made[name] = make(root)
        return made[name]  # type: ignore[return-value]

    return get


@pytest.fixture
def templates(made_once: Callable[[str, Callable[[Path], Template]], Template]) -> Callable[[str], Template]:
    return lambda scenario: made_once(scenario, lambda root: _make_template(root, scenario))


SCENARIOS = ["plain", "checked-out"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_git_call_is_a_kill_point(templates: Callable[[str], Template], scenario: str) -> None:
    """The kill tests cover calls 1..MAX_CALLS: a clean promote must make no more, or some would
    go untested; and the calls include the publishing steps the kills must hit."""
    template = templates(scenario)
    assert 10 < len(template.calls) <= MAX_CALLS, template.calls
    joined = "\n".join(template.calls)
    for step in ("fast-import", "update-ref --stdin -m", "apply --cached", "write-tree"):
        assert step in joined
    if template.checked_out:
        assert "read-tree -m -u " in joined  # the checked-out branch's work tree brought up


def _assert_nothing_lost(root: Path, template: Template, before: dict[str, str | None]) -> bool:
    """Right after the kill: the old state or the new one, never half; every bundle in the queue
    (whole), on its branch, or both. Whether the refs moved."""
    now = _ref_values(root)
    moved = {ref for ref in WATCHED if now[ref] != before[ref]}
    assert moved in (set(), set(WATCHED)), f"half a transaction: only {sorted(moved)} moved"
    for patch_id, (branch, _path, _text) in PROMOTED.items():
        folder = _queue(root) / patch_id
        queued = _bundle_bytes(folder) == template.bundles[patch_id]
        assert queued or not folder.exists(), f"{patch_id} is in the queue but not whole"
        archived = _on_branch(root, branch, patch_id)
        if moved:
            assert archived, f"the refs moved but {patch_id} is not on {branch}"
        else:
            assert queued and not archived, f"the refs did not move but {patch_id} left the queue"
    if template.checked_out:
        queued = _bundle_bytes(_queue(root) / REFUSED) == template.bundles[REFUSED]
        rejected = _bundle_bytes(root / ".patches/rejected" / REFUSED)
        assert queued != bool(rejected), f"{REFUSED}: queued {queued}, rejected {sorted(rejected)}"
        if rejected:
            assert set(rejected) == {*BUNDLE_FILES, "reason.yaml"}
            assert moved
    return bool(moved)


def _assert_finished(root: Path, template: Template) -> None:
    """What a clean promote leaves, exactly."""
    head = template.head
    assert patch_ids_in_history(root) == sorted(PROMOTED)
    assert sorted(os.listdir(_queue(root))) == [".gitkeep"]
    rejected = root / ".patches/rejected"
    if template.checked_out:
        assert sorted(os.listdir(rejected)) == [REFUSED]
        assert _bundle_bytes(rejected / REFUSED) == {
            **template.bundles[REFUSED],
            "reason.yaml": (rejected / REFUSED / "reason.yaml").read_bytes(),
        }
        assert "rule: GP303\n" in (rejected / REFUSED / "reason.yaml").read_text()
    else:
        assert not rejected.exists() or os.listdir(rejected) == []
    for branch in ("pods/F2.1", "pods/F3"):
        ids = [i for i, (b, _p, _t) in PROMOTED.items() if b == branch]
        commits = git(root, "rev-list", "--reverse", f"{head}..{branch}").split()
        assert git(root, "rev-parse", f"{branch}~{len(ids)}").strip() == head
        assert len(commits) == len(ids)
        for commit, patch_id in zip(commits, ids, strict=True):
            trailer = git(root, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)", commit)
            assert trailer.strip() == patch_id
            path, text = PROMOTED[patch_id][1:]
            assert git(root, "show", f"{commit}:{path}") == text
            found = [json.loads(line) for line in events(root, commit)]
            assert [(e["event"], e["patch"]) for e in found] == [("promoted", patch_id)]
    head_events = [json.loads(line) for line in events(root, head)]
    if template.checked_out:
        assert [(e["event"], e["patch"], e["rule"]) for e in head_events] == [("rejected", REFUSED, "GP303")]
    else:
        assert head_events == []
    noted = git(root, "notes", "--ref=pods", "list").splitlines()
    assert len(noted) == len(PROMOTED) + (1 if template.checked_out else 0)
    assert git(root, "for-each-ref", "refs/pods-promote/") == ""
    common = _git_common(root)
    assert not (common / JOURNAL).exists()
    assert _pods_dir(common) == template.pods_dir
    _assert_fsck_clean(root)
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""
    if template.checked_out:
        assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/pods/F2.1"
        for patch_id in ("patch_1", "patch_2"):
            _branch, path, text = PROMOTED[patch_id]
            assert (root / path).read_text() == text  # the work tree followed its branch
    else:
        assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
        assert _head(root) == head
        assert not (root / "src/alpha.py").exists()


@pytest.mark.parametrize("n", range(1, MAX_CALLS + 1))
@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_sigkill_at_any_git_call_then_rerun_finishes(
    templates: Callable[[str], Template], tmp_path: Path, scenario: str, mode: str, n: int
) -> None:
    template = templates(scenario)
    if n > len(template.calls):
        pytest.skip("a clean promote makes fewer git calls")
    call = template.calls[n - 1]
    root = _copy(template.root, tmp_path)
    before = _ref_values(root)
    fake = fake_git(tmp_path / "fake", kill_at=n, mode=mode)

    code, out, err = fake.run(root, "--all")

    assert code == -9, f"not killed at call {n} ({call}): exit {code}\n{out}{err}"
    assert fake.count == n and _verbs(fake.calls) == _verbs(template.calls[:n])
    assert fake.strangers == ""
    moved = _assert_nothing_lost(root, template, before)
    publishing = _publishing(template.calls)
    assert moved == (n > publishing or (n == publishing and mode == "after"))
    queued_after_kill = {p for p in template.bundles if (_queue(root) / p).is_dir()}

    rerun = cli(root, "promote", "--all")

    if moved:
        assert rerun.code == 0, rerun.text
        for patch_id in sorted(queued_after_kill & set(PROMOTED)):
            branch = PROMOTED[patch_id][0]
            assert f"finished {patch_id}: promoted on {branch} by an interrupted run" in rerun.out, rerun.text
        if REFUSED in queued_after_kill:
            assert f"finished {REFUSED}: rejected by an interrupted run" in rerun.out, rerun.text
        assert rerun.out.splitlines()[-1].startswith("0 bundles: nothing to do"), rerun.text
    else:
        assert rerun.code == template.clean_code, rerun.text
        for patch_id, (branch, _path, _text) in PROMOTED.items():
            assert f"promoted {patch_id} -> {branch} " in rerun.out, rerun.text
        assert "finished" not in rerun.out
    _assert_finished(root, template)


MAX_RECOVERY_CALLS = 16


@pytest.mark.parametrize("m", range(1, MAX_RECOVERY_CALLS + 1))
@pytest.mark.parametrize("mode", ["before", "after"])
def test_sigkill_during_the_recovery_then_rerun_finishes(
    templates: Callable[[str], Template], tmp_path: Path, mode: str, m: int
) -> None:
    """Killed right after the transaction, then the rerun that finishes the work killed too (at
    each of its git calls: the journal check, the work tree brought up, ...): a third run finishes.
    The checked-out scenario, where recovery has the most to do (work tree, dequeue, reject)."""
    template = templates("checked-out")
    assert len(template.recovery_calls) <= MAX_RECOVERY_CALLS, template.recovery_calls
    if m > len(template.recovery_calls):
        pytest.skip("the recovering rerun makes fewer git calls")
    root = _copy(template.root, tmp_path)
    before = _ref_values(root)
    first = fake_git(tmp_path / "first", kill_at=_publishing(template.calls), mode="after")
    assert first.run(root, "--all")[0] == -9
    second = fake_git(tmp_path / "second", kill_at=m, mode=mode)

    code, out, err = second.run(root, "--all")

    assert code == -9, f"not killed at call {m} ({template.recovery_calls[m - 1]}): exit {code}\n{out}{err}"
    assert second.count == m and _verbs(second.calls) == _verbs(template.recovery_calls[:m])
    assert _assert_nothing_lost(root, template, before)
    queued = {p for p in template.bundles if (_queue(root) / p).is_dir()}
    rerun = cli(root, "promote", "--all")
    assert rerun.code == 0, rerun.text
    for patch_id in sorted(queued & set(PROMOTED)):
        assert f"finished {patch_id}: promoted on {PROMOTED[patch_id][0]} by an interrupted run" in rerun.out
    assert rerun.out.splitlines()[-1].startswith("0 bundles: nothing to do"), rerun.text
    _assert_finished(root, template)


def test_a_stale_index_lock_during_recovery_is_reported_and_the_work_tree_still_follows(
    templates: Callable[[str], Template], tmp_path: Path
) -> None:
    """The promote and its `git read-tree -m -u` (bringing the checked-out branch's work tree up)
    are killed together, so git leaves index.lock behind. The rerun must not forget the unfinished
    work tree: exit 3 naming the lock (DESIGN §5), and once the lock is removed, a rerun brings the
    work tree and index up to the branch (else they silently revert the promoted commits)."""
    template = templates("checked-out")
    root = _copy(template.root, tmp_path)
    lock = _git_common(root) / "index.lock"
    bring_up = next(
        n for n, c in enumerate(template.calls, 1) if " read-tree -m -u " in f" {c} " and " -n " not in c
    )
    assert bring_up > _publishing(template.calls)
    # git dies holding the lock it took, and the promote with it (as when the group is killed)
    fake = fake_git(
        tmp_path / "fake", kill_at=bring_up, mode="before", before_kill=f": > {shlex.quote(str(lock))}"
    )
    assert fake.run(root, "--all")[0] == -9
    assert lock.exists()

    held = cli(root, "promote", "--all")
    lock.unlink()
    rerun = cli(root, "promote", "--all")

    status = git(root, "status", "--porcelain", "--untracked-files=no")
    assert {
        "exit with the lock there": held.code,
        "the lock named, with rm": str(lock) in held.err and f"rm '{lock}'" in held.err,
        "exit once it is removed": rerun.code,
        "index and work tree differing from the branch": status,
    } == {
        "exit with the lock there": 3,
        "the lock named, with rm": True,
        "exit once it is removed": 0,
        "index and work tree differing from the branch": "",
    }, held.text + rerun.text
    _assert_finished(root, template)


def test_a_kill_between_dequeue_rename_and_delete_is_cleaned_up(
    templates: Callable[[str], Template], tmp_path: Path
) -> None:
    """Dequeue renames the folder to .trash-ID, then deletes it (no git call in between, so this
    state is made by hand after a real kill right after the transaction)."""
    template = templates("plain")
    root = _copy(template.root, tmp_path)
    assert (
        fake_git(tmp_path / "fake", kill_at=_publishing(template.calls), mode="after").run(root, "--all")[0]
        == -9
    )
    trash = _queue(root) / ".trash-patch_1"
    os.rename(_queue(root) / "patch_1", trash)
    (trash / "patch.diff").unlink()  # half deleted
    rerun = cli(root, "promote", "--all")
    assert rerun.code == 0, rerun.text
    assert "finished patch_2: promoted on pods/F2.1 by an interrupted run" in rerun.out
    _assert_finished(root, template)


# ---------------------------------------------------------------------------------------------
# git's own lock files


def _make_one(root: Path) -> Path:
    git(root, "init", "-q", "-b", "main")
    pods_repo(root)
    raw, _tree = diff_of_change(root, _writes("src/alpha.py", "alpha = 1\n"))
    bundle(root, "patch_1", raw)
    return root


def _copy(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


@pytest.fixture
def one_bundle(made_once: Callable[[str, Callable[[Path], Path]], Path], tmp_path: Path) -> Path:
    """A pods repository with one queued bundle for task F2.1 (patch_1 adds src/alpha.py)."""
    return _copy(made_once("one", _make_one), tmp_path)


def _assert_promoted_once(root: Path, patch_id: str = "patch_1", branch: str = "pods/F2.1") -> None:
    assert patch_ids_in_history(root) == [patch_id]
    assert [json.loads(e)["event"] for e in events(root, branch)] == ["promoted"]
    assert sorted(os.listdir(_queue(root))) == [".gitkeep"]
    assert git(root, "for-each-ref", "refs/pods-promote/") == ""
    assert not (_git_common(root) / JOURNAL).exists()


@pytest.mark.parametrize("name", ["refs/heads/pods/F2.1.lock", "packed-refs.lock", "refs/notes/pods.lock"])
def test_a_stale_git_lock_stops_promote_with_exit_3_and_is_left_alone(one_bundle: Path, name: str) -> None:
    root = one_bundle
    lock = _git_common(root) / name
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    ten_minutes_ago = time.time() - 600
    os.utime(lock, (ten_minutes_ago, ten_minutes_ago))
    before, queued = refs(root), _bundle_bytes(_queue(root) / "patch_1")

    result = cli(root, "promote", "--all")

    assert result.code == 3, result.text
    first, fix = result.err.splitlines()
    assert first.startswith(f"git pod-promote: error: {lock}: ") and "(10 minutes old)" in first, result.err
    assert fix.strip() == f"fix: if no git command is running in this repository, remove it: rm '{lock}'"
    assert refs(root) == before
    assert _bundle_bytes(_queue(root) / "patch_1") == queued
    assert not (root / ".patches/rejected").exists()
    assert not (_git_common(root) / JOURNAL).exists()
    assert lock.exists() and lock.stat().st_mtime == ten_minutes_ago  # never removed behind the user's back

    lock.unlink()
    rerun = cli(root, "promote", "--all")
    assert rerun.code == 0, rerun.text
    _assert_promoted_once(root)


def test_a_git_lock_that_appears_during_the_transaction_is_exit_3_and_nothing_moves(
    one_bundle: Path, tmp_path: Path
) -> None:
    """A git command takes the branch's lock after promote checked: update-ref fails, promote
    names the lock, drops its scratch refs and journal, and the bundle stays queued."""
    root = one_bundle
    lock = _git_common(root) / "refs/heads/pods/F2.1.lock"
    take = f"    mkdir -p {shlex.quote(str(lock.parent))} && : > {shlex.quote(str(lock))}"
    fake = fake_git(tmp_path / "fake", at_transaction=take)
    before, queued = refs(root), _bundle_bytes(_queue(root) / "patch_1")

    code, out, err = fake.run(root, "--all")

    assert code == 3, out + err
    first, fix = err.splitlines()
    assert first.startswith(f"git pod-promote: error: {lock}: ") and " seconds old)" in first, err
    assert fix.strip().endswith(f"rm '{lock}'"), err
    assert refs(root) == before
    assert _bundle_bytes(_queue(root) / "patch_1") == queued
    assert not (_git_common(root) / JOURNAL).exists()
    _pods_dir(_git_common(root))  # no scratch left
    assert lock.exists()

    lock.unlink()
    rerun = cli(root, "promote", "--all")
    assert rerun.code == 0, rerun.text
    _assert_promoted_once(root)


# ---------------------------------------------------------------------------------------------
# The promote lock


@pytest.fixture
def held_lock(one_bundle: Path) -> Iterator[int]:
    """The promote lock held by this test process (the file holds our pid, as promote writes it)."""
    path = _git_common(one_bundle) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()} since test\n".encode())
    try:
        yield fd
    finally:
        os.close(fd)


def _wait_for(path: Path, text: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while text not in path.read_text(errors="replace"):
        assert proc.poll() is None, f"exited {proc.returncode}: {path.read_text()}"
        assert time.monotonic() < deadline, f"no {text!r} in {path.read_text()!r}"
        time.sleep(0.02)


def test_a_held_promote_lock_is_exit_3_at_once(one_bundle: Path, held_lock: int) -> None:
    before, queued = refs(one_bundle), _bundle_bytes(_queue(one_bundle) / "patch_1")
    started = time.monotonic()
    result = cli(one_bundle, "promote", "--all")
    elapsed = time.monotonic() - started
    assert result.code == 3, result.text
    assert (
        f"another git pod-promote is running in this repository (pid {os.getpid()} since test)" in result.err
    )
    assert "--wait" in result.err
    assert elapsed < 10  # refused, not queued behind the lock
    assert refs(one_bundle) == before
    assert _bundle_bytes(_queue(one_bundle) / "patch_1") == queued


def test_wait_blocks_until_the_lock_is_released(one_bundle: Path, held_lock: int, tmp_path: Path) -> None:
    root = one_bundle
    before = refs(root)
    err_file = tmp_path / "stderr"
    with open(err_file, "wb") as err:
        argv = [str(BIN / "git-pod-promote"), "--all", "--wait"]
        proc = subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE, stderr=err)
    try:
        _wait_for(err_file, f"waiting for another git pod-promote to finish (pid {os.getpid()}", proc)
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
        assert refs(root) == before
        assert (_queue(root) / "patch_1").is_dir()
        fcntl.flock(held_lock, fcntl.LOCK_UN)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err_file.read_text()
    assert "1 bundle: 1 promoted" in out.decode()
    _assert_promoted_once(root)


def test_the_lock_is_shared_by_every_worktree(one_bundle: Path, held_lock: int, tmp_path: Path) -> None:
    other = tmp_path / "linked"
    git(one_bundle, "worktree", "add", "-q", "-b", "side", str(other))
    result = cli(other, "promote", "--all")
    assert result.code == 3, result.text
    assert f"another git pod-promote is running in this repository (pid {os.getpid()} " in result.err


HOLDER = """\
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
os.write(fd, b"pid %d since holder\\n" % os.getpid())
print("locked", flush=True)
time.sleep(600)
"""


def test_the_kernel_frees_the_lock_of_a_killed_holder(one_bundle: Path) -> None:
    root = one_bundle
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(_git_common(root) / LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        held = cli(root, "promote", "--all")
        assert held.code == 3 and f"(pid {holder.pid} since holder)" in held.err, held.text
        holder.kill()
        assert holder.wait(timeout=30) == -9
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    result = cli(root, "promote", "--all")
    assert result.code == 0, result.text
    _assert_promoted_once(root)


# ---------------------------------------------------------------------------------------------
# Two promotes at once

SIX = {f"patch_{n}": ("pods/F2.1" if n <= 3 else "pods/F3", f"src/m{n}.py") for n in range(1, 7)}


def _make_six(root: Path) -> Path:
    git(root, "init", "-q", "-b", "main")
    pods_repo(root)
    for patch_id, (branch, path) in SIX.items():
        raw, _tree = diff_of_change(root, _writes(path, f"{patch_id} = 1\n"))
        bundle(root, patch_id, raw, task=branch.removeprefix("pods/"), summary=f"Add {path}")
    return root


@pytest.fixture
def six_bundles(made_once: Callable[[str, Callable[[Path], Path]], Path], tmp_path: Path) -> Path:
    """Six queued bundles: patch_1..3 for task F2.1, patch_4..6 for F3, each adding a file."""
    return _copy(made_once("six", _make_six), tmp_path)


def _promoted_lines(out: str) -> list[str]:
    return sorted(line.split(" ", 2)[1] for line in out.splitlines() if line.startswith("promoted "))


def _assert_six_promoted_once(root: Path, head: str) -> None:
    assert patch_ids_in_history(root) == sorted(SIX)
    assert sorted(os.listdir(_queue(root))) == [".gitkeep"]
    for branch in ("pods/F2.1", "pods/F3"):
        ids = [i for i, (b, _p) in SIX.items() if b == branch]
        commits = git(root, "rev-list", "--reverse", f"{head}..{branch}").split()
        assert git(root, "rev-parse", f"{branch}~3").strip() == head
        trailers = [
            git(root, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)", c).strip() for c in commits
        ]
        assert trailers == ids
        for commit, patch_id in zip(commits, ids, strict=True):
            found = [json.loads(line) for line in events(root, commit)]
            assert [(e["event"], e["patch"]) for e in found] == [("promoted", patch_id)]
    assert len(git(root, "notes", "--ref=pods", "list").splitlines()) == 6
    assert git(root, "for-each-ref", "refs/pods-promote/") == ""
    assert not (_git_common(root) / JOURNAL).exists()
    _assert_fsck_clean(root)


def _start(root: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.Popen(
        [str(BIN / "git-pod-promote"), *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(procs: list[subprocess.Popen[bytes]]) -> list[tuple[int, str, str]]:
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            results.append((proc.returncode, out.decode(), err.decode() if err is not None else ""))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def test_two_waiting_promotes_take_turns_and_promote_each_bundle_once(
    six_bundles: Path, tmp_path: Path
) -> None:
    """Both start while the lock is held, so both are queued on it for sure; then it is released
    and they race for it: one promotes all six, the other finds nothing left."""
    root = six_bundles
    head = _head(root)
    path = _git_common(root) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    procs: list[subprocess.Popen[bytes]] = []
    errs = [tmp_path / "err-a", tmp_path / "err-b"]
    try:
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
        for err_file in errs:
            with open(err_file, "wb") as err:
                argv = [str(BIN / "git-pod-promote"), "--all", "--wait"]
                procs.append(subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=err))
        for proc, err_file in zip(procs, errs, strict=True):
            _wait_for(err_file, "waiting for another git pod-promote to finish", proc)
    finally:
        os.close(fd)
    results = _finish(procs)
    texts = [out + err_file.read_text() for (_c, out, _e), err_file in zip(results, errs, strict=True)]
    assert [code for code, _o, _e in results] == [0, 0], texts
    outs = sorted((out for _c, out, _e in results), key=len)
    assert outs[0].startswith("0 bundles: nothing to do") and outs[0].count("\n") == 1, texts
    assert outs[1].endswith("6 bundles: 6 promoted\n"), texts
    assert _promoted_lines(outs[1]) == sorted(SIX)
    _assert_six_promoted_once(root, head)


@pytest.mark.parametrize(("wait", "round_"), [(False, n) for n in range(5)] + [(True, n) for n in range(2)])
def test_two_promotes_started_together(six_bundles: Path, wait: bool, round_: int) -> None:
    """Started at the same instant on a fresh repository: without --wait one may be refused
    (exit 3, nothing done), never both; with --wait both succeed. Either way each bundle once."""
    root = six_bundles
    head = _head(root)
    flags = ["--all", "--wait"] if wait else ["--all"]
    results = _finish([_start(root, *flags), _start(root, *flags)])
    texts = [out + err for _c, out, err in results]
    codes = sorted(code for code, _o, _e in results)
    assert codes in ([[0, 0]] if wait else [[0, 0], [0, 3]]), texts
    for code, out, err in results:
        if code == 3:
            assert out == "", texts
            assert "another git pod-promote is running in this repository (pid " in err, texts
    promoted = sorted(p for _c, out, _e in results for p in _promoted_lines(out))
    assert promoted == sorted(SIX), texts
    _assert_six_promoted_once(root, head)


# ---------------------------------------------------------------------------------------------
# Another notes writer


@pytest.mark.parametrize("times", [1, 4, 5])
def test_another_notes_writer_during_the_transaction(one_bundle: Path, tmp_path: Path, times: int) -> None:
    """Right before each of the first `times` transactions, another writer adds a note
    (`git notes add`), so promote's compare-and-swap on the notes ref fails. Promote retries on
    top of the other notes (five attempts in all); none of the other writer's notes is lost."""
    root = one_bundle
    head = _head(root)
    blobs = [tmp_path / f"blob-{k}" for k in range(2, times + 1)]
    for k, blob in enumerate(blobs, start=2):
        blob.write_text(f"blob {k}\n")
    targets = [head] + [git(root, "hash-object", "-w", str(blob)).strip() for blob in blobs]
    (tmp_path / "targets").write_text("".join(f"{t}\n" for t in targets))
    other = f"""\
    moves=$(( $(cat "$state/moves" 2>/dev/null || echo 0) + 1 ))
    if [ "$moves" -le {times} ]; then
      echo "$moves" > "$state/moves"
      obj=$(sed -n "$moves p" {shlex.quote(str(tmp_path / "targets"))})
      "$real" notes --ref=pods add -m "other $moves" "$obj" || echo "$moves" >> "$state/errors"
    fi"""
    fake = fake_git(tmp_path / "fake", at_transaction=other)
    before_branch = refs(root)

    code, out, err = fake.run(root, "--all")

    assert not (fake.state / "errors").exists()
    assert int((fake.state / "moves").read_text()) == times
    transactions = [c for c in fake.calls if "update-ref --stdin -m" in c]
    for k, obj in enumerate(targets, start=1):
        assert git(root, "notes", "--ref=pods", "show", obj) == f"other {k}\n"
    assert git(root, "for-each-ref", "refs/pods-promote/") == ""
    assert not (_git_common(root) / JOURNAL).exists()
    if times < 5:
        assert code == 0, out + err
        assert len(transactions) == times + 1
        assert "1 bundle: 1 promoted" in out
        _assert_promoted_once(root)
        assert len(git(root, "notes", "--ref=pods", "list").splitlines()) == times + 1
    else:
        assert code == 3, out + err
        assert len(transactions) == 5
        assert "refs/notes/pods kept moving" in err and "run git pod-promote again" in err, err
        assert {line for line in refs(root).splitlines() if "refs/notes/" not in line} == {
            line for line in before_branch.splitlines() if "refs/notes/" not in line
        }
        assert (_queue(root) / "patch_1").is_dir()
        rerun = cli(root, "promote", "--all")
        assert rerun.code == 0, rerun.text
        _assert_promoted_once(root)
        for k, obj in enumerate(targets, start=1):
            assert git(root, "notes", "--ref=pods", "show", obj) == f"other {k}\n"


NOTES_WRITER = """\
import os, subprocess, sys, time
root, stop = sys.argv[1], sys.argv[2]
k = 0
while not os.path.exists(stop):
    k += 1
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=root, input=f"note target {k}\\n",
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    done = subprocess.run(["git", "notes", "--ref=pods", "add", "-m", f"other {k}", blob], cwd=root)
    if done.returncode == 0:
        print(blob, k, time.monotonic(), flush=True)
    time.sleep(0.02)
"""


def test_a_real_notes_writer_running_alongside(six_bundles: Path, tmp_path: Path) -> None:
    """Another process adds notes in a loop all through a promote. Promote moves the notes ref only
    with compare-and-swap, so none of the writer's notes is lost; it retries when the ref moved,
    and if the ref kept moving it refuses cleanly (exit 3, nothing done) and a rerun succeeds.
    (`git notes add` itself has no compare-and-swap, FACTS "git notes": it may drop promote's
    events, so here they are only checked never to be duplicated or misplaced.)"""
    root = six_bundles
    head = _head(root)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", NOTES_WRITER, str(root), str(stop)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        first = writer.stdout.readline()
        started = time.monotonic()
        result = cli(root, "promote", "--all")
        ended = time.monotonic()
    finally:
        stop.write_text("")
        rest, _ = writer.communicate(timeout=60)
    added = [line.split() for line in (first + rest).splitlines()]
    assert any(started < float(at) < ended for _b, _k, at in added), (
        "the writer did not run during the promote"
    )
    for blob, k, _at in added:
        assert git(root, "notes", "--ref=pods", "show", blob) == f"other {k}\n"
    assert result.code in (0, 3), result.text
    if result.code == 3:
        assert "refs/notes/pods kept moving" in result.err, result.text
        assert "pods/F2.1" not in refs(root) and "pods/F3" not in refs(root)
        assert sorted(os.listdir(_queue(root))) == [".gitkeep", *sorted(SIX)]
        result = cli(root, "promote", "--all")
        assert result.code == 0, result.text
    assert _promoted_lines(result.out) == sorted(SIX)
    assert patch_ids_in_history(root) == sorted(SIX)
    assert sorted(os.listdir(_queue(root))) == [".gitkeep"]
    assert git(root, "for-each-ref", "refs/pods-promote/") == ""
    assert not (_git_common(root) / JOURNAL).exists()
    for patch_id, (branch, _path) in SIX.items():
        (commit,) = git(
            root, "log", "--format=%H", f"--grep=Patch-Id: {patch_id}$", f"{head}..{branch}"
        ).split()
        found = [json.loads(line) for line in events(root, commit)]
        assert [(e["event"], e["patch"]) for e in found] in ([], [("promoted", patch_id)])
    _assert_fsck_clean(root)
