"""Regressions for the adversarial review of `git pod-promote`: one test (or a few cases) per finding,
each with real repositories and the installed executables, each failing on the behaviour before the fix.

Findings: forged trailers (GP225), a hooks folder inside the work tree, secrets on `+++` lines and in
binary patches, planted temp-file links, things in the way of rejected/ and the queue, Ctrl-C while
the working tree moves, recovery in the worktree that promoted, tracked queue copies, rebases, signing
config and failures, repositories without commits, dry runs judging git's result, --onto names,
misnamed queue folders, the notes ref finished on recovery, series strays and branch-name clashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers import BIN, Result, cli, git
from promoting import bundle, diff_of_change, events, patch_ids_in_history, pods_template, promote, refs

GOOD = "patch_good"
BAD = "patch_bad"
REAL_GIT = shutil.which("git") or "git"
# built at run time, so this file itself holds no secret-looking literal
AWS_KEY = "AKIA" + "Q7XK2M4N6P8R1T3V"
GITHUB_TOKEN = "ghp_" + "k3J9dQ2mX7vB4nL8pR1tY6wZ0aC5eF9gH2jK"
PRIVATE_KEY = (
    "-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)
FORGED = "Signed-off-by: Lead Person <lead@example.com>"


# --- repositories and bundles ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pods_template(tmp_path_factory)


@pytest.fixture
def pods(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository that nothing may touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine\n")
    return folder


def _writes(path: str, text: str | bytes, mode: int | None = None) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)
        if mode is not None:
            target.chmod(mode)

    return change


def _real(root: Path, change: Callable[[Path], None]) -> bytes:
    raw, _tree = diff_of_change(root, change)
    return raw


def _good(root: Path, patch_id: str = GOOD, path: str = "src/good.py", task: str = "F2.1") -> Path:
    raw = _real(root, _writes(path, "def good():\n    return True\n"))
    return bundle(root, patch_id, raw, task=task, summary=f"Add {path}")


def _new(path: str, *lines: str) -> str:
    """A git-style diff creating path, written by hand."""
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    )


def _base85_lines(data: bytes) -> str:
    """The data lines of a `GIT binary patch` block: zlib, then base85 in lines of 52 bytes."""
    packed = zlib.compress(data, 9)
    out = []
    for at in range(0, len(packed), 52):
        chunk = packed[at : at + 52]
        size = chr(ord("A") + len(chunk) - 1) if len(chunk) <= 26 else chr(ord("a") + len(chunk) - 27)
        out.append(size + base64.b85encode(chunk, pad=True).decode() + "\n")
    return "".join(out)


def _binary_new(path: str, data: bytes, mode: str) -> str:
    """A `GIT binary patch` creating path (git never writes one for a symlink: made by hand)."""
    sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return (
        f"diff --git a/{path} b/{path}\nnew file mode {mode}\nindex {'0' * 40}..{sha}\n"
        f"GIT binary patch\nliteral {len(data)}\n{_base85_lines(data)}\nliteral 0\n{_base85_lines(b'')}\n"
    )


def _queue(root: Path) -> Path:
    return root / ".patches/queue"


def _queued(root: Path) -> list[str]:
    return sorted(p for p in os.listdir(_queue(root)) if p != ".gitkeep")


def _reason(root: Path, patch_id: str) -> dict[str, object]:
    path = root / ".patches/rejected" / patch_id / "reason.yaml"
    assert path.is_file() and not path.is_symlink(), path
    found = yaml.safe_load(path.read_bytes())
    assert isinstance(found, dict)
    return found


def _snapshot(top: Path) -> dict[str, bytes | str]:
    """Every file (bytes) and link (its target) under top, by relative path."""
    out: dict[str, bytes | str] = {}
    for here, folders, files in os.walk(top):
        for name in files + [f for f in folders if (Path(here) / f).is_symlink()]:
            path = Path(here) / name
            key = path.relative_to(top).as_posix()
            out[key] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return out


def _branch_refs(root: Path) -> str:
    """Branches, tags and notes (promote's own temporary refs left out)."""
    return "".join(
        line + "\n" for line in refs(root).splitlines() if not line.startswith("refs/pods-promote/")
    )


def _history_paths(root: Path) -> set[str]:
    listing = git(root, "log", "--all", "--name-only", "--format=", "-c", "--no-renames")
    return {line for line in listing.splitlines() if line}


def _ok(result: Result, code: int) -> None:
    assert result.code == code, result.text
    assert "Traceback" not in result.text and "crash log" not in result.text, result.text


# --- a fake git first on PATH (the promote is started directly, so the fake git's parent is it) ---------


def _fake_git(folder: Path, cases: str) -> Path:
    """A `git` that runs `cases` (sh case branches on " $* ") before handing over to the real git."""
    folder.mkdir(parents=True)
    script = f'#!/bin/sh\nreal={shlex.quote(REAL_GIT)}\ncase " $* " in\n{cases}\nesac\nexec "$real" "$@"\n'
    (folder / "git").write_text(script)
    (folder / "git").chmod(0o755)
    return folder


def _kill_after_transaction(folder: Path) -> Path:
    """SIGKILL the promote right after its ref transaction (`update-ref --stdin -m`) succeeded."""
    marker = shlex.quote(str(folder / "fired"))
    return _fake_git(
        folder,
        f'  *" update-ref --stdin -m "*)\n    "$real" "$@"; status=$?\n    touch {marker}\n'
        '    kill -9 "$PPID"\n    exit "$status" ;;',
    )


def _promote_with(fake: Path, root: Path, *args: str) -> Result:
    env = dict(os.environ, PATH=os.pathsep.join([str(fake), str(BIN), os.environ["PATH"]]))
    done = subprocess.run(
        [str(BIN / "git-pod-promote"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return Result(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


# --- 1. a line break in agent or model never forges a trailer ------------------------------------------


@pytest.mark.parametrize("key", ["agent", "model"])
def test_a_line_break_in_agent_or_model_is_gp225_and_forges_no_trailer(pods: Path, key: str) -> None:
    _good(pods)
    folder = bundle(pods, BAD, _new("src/bad.py", "BAD = 1"), digests=False)
    values = {"agent": "claude", "model": "opus", key: f"{key}-x\n{FORGED}"}
    trace = (folder / "thought_trace.yaml").read_text()
    trace += "".join(f"{name}: {json.dumps(value)}\n" for name, value in values.items())
    assert yaml.safe_load(trace)[key] == f"{key}-x\n{FORGED}"
    (folder / "thought_trace.yaml").write_text(trace)

    checked = cli(pods, "validate", f".patches/queue/{BAD}")
    assert checked.code == 1, checked.text
    assert f".patches/queue/{BAD}/thought_trace.yaml:" in checked.out and " GP225 " in checked.out

    result = promote(pods, "--all")
    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert f".patches/rejected/{BAD}/thought_trace.yaml:" in result.out and " GP225 " in result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert _reason(pods, BAD)["rule"] == "GP225"
    assert _queued(pods) == []
    assert "Lead Person" not in git(pods, "log", "--all", "--format=%B")
    assert patch_ids_in_history(pods) == [GOOD]


# --- 2. a hooks folder inside the work tree is protected -----------------------------------------------


@pytest.fixture(scope="module")
def hooks_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pods_template(tmp_path_factory, core_hooksPath="tools/hooks")


def test_a_diff_into_core_hookspath_in_the_work_tree_is_refused(hooks_template: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(hooks_template, root, symlinks=True)
    assert (root / "tools/hooks/pre-commit").is_file()  # git pod-init installed its hooks there
    assert "tools/hooks/pre-commit" in git(root, "ls-files", "tools/hooks")
    _good(root)
    raw = _real(root, _writes("tools/hooks/post-merge", "#!/bin/sh\ntouch PWNED\n", 0o755))
    assert b"new file mode 100755" in raw
    bundle(root, BAD, raw)
    before = git(root, "rev-parse", "HEAD").strip()

    result = promote(root, "--all")

    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert f".patches/rejected/{BAD}/patch.diff:1: GP303 " in result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert _reason(root, BAD)["rule"] == "GP303"
    assert "tools/hooks/post-merge" not in _history_paths(root)
    assert "src/good.py" in _history_paths(root)
    assert not (root / "tools/hooks/post-merge").exists()
    assert git(root, "rev-parse", "HEAD").strip() == before


# --- 3 and 4. secrets on '+++' lines and inside binary patches -----------------------------------------


def test_a_secret_on_an_added_line_that_reads_plus_plus_plus_is_gp309(pods: Path) -> None:
    raw = _real(pods, _writes("src/keys.py", f"++ {AWS_KEY}\nX = 1\n"))
    assert f"\n+++ {AWS_KEY}\n".encode() in raw  # the added line looks like a file header
    bundle(pods, BAD, raw)
    _good(pods)

    result = promote(pods, "--all")

    _ok(result, 1)
    assert f"rejected {BAD}" in result.out and " GP309 " in result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert _reason(pods, BAD)["rule"] == "GP309"
    assert "src/keys.py" not in _history_paths(pods)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(f'token = "{GITHUB_TOKEN}"\n', id="github-token"),
        pytest.param(PRIVATE_KEY, id="private-key"),
    ],
)
def test_a_secret_inside_a_git_binary_patch_is_gp309(pods: Path, content: str) -> None:
    (pods / ".git/info").mkdir(exist_ok=True)
    (pods / ".git/info/attributes").write_text("conf.py binary\n")
    raw = _real(pods, _writes("conf.py", content))
    assert b"GIT binary patch" in raw and content.splitlines()[0].encode() not in raw
    bundle(pods, BAD, raw)
    _good(pods)

    result = promote(pods, "--all")

    _ok(result, 1)
    assert f"rejected {BAD}" in result.out
    found = [line for line in result.out.splitlines() if " GP309 " in line]
    assert found and "binary data" in found[0], result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert _reason(pods, BAD)["rule"] == "GP309"
    assert "conf.py" not in _history_paths(pods)


# --- 5. planted temp-file links never redirect reason.yaml ---------------------------------------------


def _last_pid() -> int | None:
    try:
        return int(Path("/proc/loadavg").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def test_planted_temp_file_links_do_not_redirect_reason_yaml(pods: Path, outside: Path) -> None:
    folder = bundle(pods, BAD, "I changed the parser. Not a diff.\n")
    target = outside / "keep.txt"
    names = [".reason.yaml.tmp", ".reason.yaml.0.tmp", ".reason.yaml.x.tmp"]
    last = _last_pid()
    if last is not None:  # the names a pid-based temp file would take, for the next pids
        names += [f".reason.yaml.{pid}.tmp" for pid in range(last + 1, last + 2001)]
    for name in names:
        (folder / name).symlink_to(target)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen(
        [str(BIN / "git-pod-promote"), "--all"],
        cwd=pods,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    exact = folder / f".reason.yaml.{proc.pid}.tmp"
    if not exact.is_symlink():  # long before the promote has read the queue
        exact.symlink_to(target)
        names.append(exact.name)
    out, err = proc.communicate(timeout=120)
    result = Result(proc.returncode, out.decode(), err.decode())

    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert target.read_text() == "mine\n"
    assert _snapshot(outside) == {"keep.txt": b"mine\n"}
    assert _reason(pods, BAD)["rule"] == "GP300"
    assert not folder.exists()
    moved = pods / ".patches/rejected" / BAD
    kept_links = [name for name in names if (moved / name).is_symlink()]
    assert len(kept_links) == len(names)  # the pod's files are kept as they were, links untouched


# --- 6. things in the way never wedge promote with exit 5 ----------------------------------------------


def test_a_folder_named_reason_yaml_in_a_bundle_is_kept_aside(pods: Path) -> None:
    folder = bundle(pods, BAD, "Not a diff at all.\n")
    (folder / "reason.yaml").mkdir()
    (folder / "reason.yaml/notes.txt").write_text("the pod's own folder\n")

    result = promote(pods, "--all")

    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert _reason(pods, BAD)["rule"] == "GP300"
    kept = pods / ".patches/rejected" / BAD / "reason.yaml.from-bundle"
    assert kept.is_dir() and (kept / "notes.txt").read_text() == "the pod's own folder\n"
    assert _queued(pods) == []

    _good(pods)
    again = promote(pods, "--all")
    _ok(again, 0)
    assert f"promoted {GOOD} -> pods/F2.1" in again.out and "interrupted" not in again.out
    assert _queued(pods) == []


@pytest.mark.parametrize("kind", ["link-to-folder", "link-to-file", "file"])
def test_a_trash_name_taken_in_the_queue_does_not_wedge_promote(pods: Path, outside: Path, kind: str) -> None:
    _good(pods)
    planted = _queue(pods) / f".trash-{GOOD}"
    if kind == "link-to-folder":
        planted.symlink_to(outside)
    elif kind == "link-to-file":
        planted.symlink_to(outside / "keep.txt")
    else:
        planted.write_text("not git-pods' trash\n")
    before = os.readlink(planted) if planted.is_symlink() else planted.read_text()

    result = promote(pods, GOOD)

    _ok(result, 0)
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert not (_queue(pods) / GOOD).exists()
    assert (os.readlink(planted) if planted.is_symlink() else planted.read_text()) == before
    assert planted.is_symlink() == kind.startswith("link")
    assert _snapshot(outside) == {"keep.txt": b"mine\n"}
    assert sorted(os.listdir(_queue(pods))) == sorted([".gitkeep", planted.name])
    again = promote(pods, "--all")
    _ok(again, 0)
    assert "nothing to do" in again.out
    assert (os.readlink(planted) if planted.is_symlink() else planted.read_text()) == before


def test_rejected_being_a_file_is_exit_3_before_anything_is_done(pods: Path) -> None:
    _good(pods)
    bundle(pods, BAD, "Not a diff.\n")
    (pods / ".patches/rejected").write_text("in the way\n")
    before_refs, queue = refs(pods), _snapshot(_queue(pods))

    result = promote(pods, "--all")

    _ok(result, 3)
    assert ".patches/rejected: GP118 .patches/rejected is a file" in result.err
    assert refs(pods) == before_refs and _snapshot(_queue(pods)) == queue
    assert (pods / ".patches/rejected").read_text() == "in the way\n"


def test_patches_being_a_link_outside_is_exit_3_before_anything_is_done(pods: Path, outside: Path) -> None:
    _good(pods)
    bundle(pods, BAD, "Not a diff.\n")
    shutil.move(str(pods / ".patches"), str(outside / "patches"))
    (pods / ".patches").symlink_to(outside / "patches")
    assert (outside / "patches/queue" / GOOD).is_dir()
    before_refs, before_outside = refs(pods), _snapshot(outside)

    result = promote(pods, "--all")

    _ok(result, 3)
    assert ".patches: GP118 .patches is a symbolic link" in result.err
    assert refs(pods) == before_refs
    assert _snapshot(outside) == before_outside


# --- 7. Ctrl-C while the working tree is brought up ------------------------------------------------------


def test_ctrl_c_while_the_work_tree_moves_is_held_off(pods: Path, tmp_path: Path) -> None:
    _good(pods)
    marker = tmp_path / "fake/interrupted"
    fake = _fake_git(
        tmp_path / "fake",
        '  *" read-tree -m -u -n "*) ;;\n'
        f'  *" read-tree -m -u "*)\n    touch {shlex.quote(str(marker))}\n'
        '    kill -INT "$PPID"\n    sleep 1 ;;',
    )

    result = _promote_with(fake, pods, GOOD, "--onto", "main")

    assert marker.exists()  # the Ctrl-C was sent while the working tree was being brought up
    _ok(result, 0)
    assert f"promoted {GOOD} -> main" in result.out
    assert git(pods, "status", "--porcelain", "--untracked-files=no") == ""
    assert (pods / "src/good.py").read_text() == "def good():\n    return True\n"
    assert _queued(pods) == []
    again = promote(pods, "--all")
    _ok(again, 0)
    assert "nothing to do" in again.out and "interrupted" not in again.out
    assert patch_ids_in_history(pods) == [GOOD]


# --- 8. recovery happens in the worktree that promoted ---------------------------------------------------


def test_recovery_from_a_linked_worktree_finishes_in_the_worktree_that_promoted(
    pods: Path, tmp_path: Path
) -> None:
    _good(pods)
    bundle(pods, BAD, "Not a diff.\n")
    fake = _kill_after_transaction(tmp_path / "fake")
    head = git(pods, "rev-parse", "HEAD").strip()

    killed = _promote_with(fake, pods, "--all", "--onto", "main")

    assert killed.code == -9 and (fake / "fired").exists(), killed.text
    assert git(pods, "rev-parse", "main^").strip() == head  # the refs moved ...
    assert _queued(pods) == [BAD, GOOD]  # ... and nothing after them happened
    assert git(pods, "status", "--porcelain", "--untracked-files=no") != ""

    linked = tmp_path / "wt"
    git(pods, "worktree", "add", "-q", str(linked), "-b", "feature")
    other = _good(linked, BAD, path="src/other.py", task="F7")  # a different bundle, the same id
    other_bytes = _snapshot(other)

    result = promote(linked, "--all")

    _ok(result, 0)
    assert f"finished {GOOD}: promoted on main by an interrupted run" in result.out
    assert f"finished {BAD}: rejected by an interrupted run" in result.out
    # the main worktree's queue was finished, and its working tree brought up
    assert _queued(pods) == []
    assert _reason(pods, BAD)["rule"] == "GP300"
    assert git(pods, "status", "--porcelain", "--untracked-files=no") == ""
    assert (pods / "src/good.py").read_text() == "def good():\n    return True\n"
    # the linked worktree's bundle of the same id was judged on its own, never moved to rejected/
    assert not (linked / ".patches/rejected").exists()
    assert f"promoted {BAD} -> pods/F7" in result.out
    assert (
        git(linked, "show", f"pods/F7:.logs/{BAD}/thought_trace.yaml").encode()
        == other_bytes["thought_trace.yaml"]
    )
    assert patch_ids_in_history(pods) == sorted([BAD, GOOD])


# --- 9. a tracked queue copy stays until the task branch is merged --------------------------------------


def test_a_tracked_queue_copy_stays_until_the_task_branch_is_merged(pods: Path) -> None:
    _good(pods, task="F1")
    git(pods, "add", ".patches/queue")
    git(pods, "commit", "-q", "-m", f"queue {GOOD}")

    result = promote(pods, "--all")

    _ok(result, 0)
    (line, _total) = result.out.splitlines()
    assert line.startswith(f"promoted {GOOD} -> pods/F1 ")
    assert line.endswith("; its queue copy is tracked here and leaves when pods/F1 is merged")
    assert git(pods, "status", "--porcelain") == ""
    assert (_queue(pods) / GOOD / "patch.diff").is_file()
    tip = git(pods, "rev-parse", "pods/F1").strip()

    again = promote(pods, "--all")

    _ok(again, 0)
    assert f"already promoted {GOOD} on pods/F1" in again.out
    assert git(pods, "rev-parse", "pods/F1").strip() == tip
    assert git(pods, "status", "--porcelain") == ""
    assert patch_ids_in_history(pods) == [GOOD]

    git(pods, "merge", "-q", "--ff-only", "pods/F1")
    assert not (_queue(pods) / GOOD).exists() and git(pods, "status", "--porcelain") == ""


# --- 10. a branch being rebased is no target -----------------------------------------------------------


def test_a_branch_being_rebased_cannot_be_the_target(pods: Path) -> None:
    folder = _good(pods)
    env = dict(os.environ, GIT_SEQUENCE_EDITOR="sed -i -e 1s/^pick/edit/")
    subprocess.run(["git", "rebase", "-i", "HEAD~1"], cwd=pods, env=env, capture_output=True, check=True)
    assert (pods / ".git/rebase-merge/head-name").read_text().strip() == "refs/heads/main"
    before = refs(pods)

    result = promote(pods, GOOD, "--onto", "main")

    _ok(result, 3)
    assert "GP402" in result.out and "main is being rebased" in result.out
    assert f"not promoted {GOOD}: left in the queue" in result.out
    assert refs(pods) == before and folder.is_dir()

    git(pods, "rebase", "--abort")
    done = promote(pods, GOOD, "--onto", "main")
    _ok(done, 0)
    assert f"promoted {GOOD} -> main" in done.out


# --- 11 and 12. signing: the last commit.gpgSign wins; a failure to sign is exit 2 ----------------------


def _ssh_key(tmp_path: Path) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is needed to sign with an ssh key")
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def test_the_last_commit_gpgsign_wins(pods: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _ssh_key(tmp_path)
    global_config = tmp_path / "global.gitconfig"
    global_config.write_text("[commit]\n\tgpgSign = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    git(pods, "config", "gpg.format", "ssh")
    git(pods, "config", "user.signingkey", str(key))
    git(pods, "config", "commit.gpgSign", "true")
    assert git(pods, "config", "--get-all", "commit.gpgSign").split() == ["false", "true"]
    _good(pods)

    result = promote(pods, "--all")

    _ok(result, 0)
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in git(pods, "cat-file", "commit", "pods/F2.1")


def test_a_signing_failure_is_exit_2_and_moves_nothing(pods: Path, tmp_path: Path) -> None:
    git(pods, "config", "gpg.format", "ssh")
    git(pods, "config", "user.signingkey", str(tmp_path / "missing-key"))
    git(pods, "config", "commit.gpgSign", "true")
    folder = _good(pods)
    queued = _snapshot(folder)
    before = _branch_refs(pods)

    result = promote(pods, "--all")

    _ok(result, 2)
    assert "commit.gpgSign is set, but git could not sign the commit" in result.err
    assert _branch_refs(pods) == before
    assert _snapshot(folder) == queued
    leftover = set(git(pods, "for-each-ref", "--format=%(refname)", "refs/pods-promote/").split())

    failing_again = promote(pods, "--all")  # any run drops what an earlier run left
    _ok(failing_again, 2)
    assert not leftover & set(git(pods, "for-each-ref", "--format=%(refname)", "refs/pods-promote/").split())
    assert _branch_refs(pods) == before and _snapshot(folder) == queued

    git(pods, "config", "commit.gpgSign", "false")
    again = promote(pods, "--all")
    _ok(again, 0)
    assert f"promoted {GOOD} -> pods/F2.1" in again.out
    assert git(pods, "for-each-ref", "refs/pods-promote/") == ""


# --- 13. a repository without commits ------------------------------------------------------------------


def test_a_rejection_in_a_repository_without_commits_is_moved(repo: Path) -> None:
    done = cli(repo, "init")
    assert done.code == 0, done.text
    assert (
        subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, check=False).returncode != 0
    )
    bundle(repo, BAD, "Not a diff.\n")

    result = promote(repo, "--all")

    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert _reason(repo, BAD)["rule"] == "GP300"
    assert not (_queue(repo) / BAD).exists()
    again = promote(repo, "--all")
    _ok(again, 0)
    assert "nothing to do" in again.out


# --- 14. a dry run judges git's result as the real run does ---------------------------------------------


def test_dry_run_judges_a_binary_symlink_patch_like_the_real_run(pods: Path) -> None:
    diff = _binary_new("src/evil", b"../../../../etc/passwd", "120000")
    bundle(pods, BAD, diff)
    queue = _snapshot(_queue(pods))
    before = (refs(pods), git(pods, "count-objects", "-v"))

    dry = promote(pods, "--all", "--dry-run")

    _ok(dry, 1)
    assert dry.out.splitlines()[0] == f"would reject {BAD}", dry.out
    assert (
        f".patches/queue/{BAD}/patch.diff: GP304 symlink src/evil points to '../../../../etc/passwd'"
        in dry.out
    )
    assert (refs(pods), git(pods, "count-objects", "-v")) == before
    assert _snapshot(_queue(pods)) == queue and not (pods / ".patches/rejected").exists()

    real = promote(pods, "--all")
    _ok(real, 1)
    assert f"rejected {BAD}" in real.out and " GP304 " in real.out
    assert _reason(pods, BAD)["rule"] == "GP304"
    assert "src/evil" not in _history_paths(pods)


# --- 15. --onto names a branch --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("onto", "message"),
    [
        ("HEAD", "is not a valid branch name"),
        ("refs/heads/main", "is not a valid branch name"),
        ("-x", "is not a valid branch name"),
        ("v1", "that is a tag"),
    ],
)
def test_onto_refuses_head_refs_options_and_tags(pods: Path, onto: str, message: str) -> None:
    git(pods, "tag", "v1")
    folder = _good(pods)
    queued = _snapshot(folder)
    before = refs(pods)

    result = promote(pods, GOOD, "--onto", onto)

    _ok(result, 2)
    assert message in result.err
    assert refs(pods) == before and _snapshot(folder) == queued
    heads = git(pods, "for-each-ref", "--format=%(refname)", "refs/heads/").split()
    assert sorted(heads) == ["refs/heads/main"]


# --- 16. misnamed queue folders and non-UTF-8 paths ------------------------------------------------------


@pytest.mark.parametrize("name", [b"has space", b"p\xff"], ids=["space", "not-utf8"])
def test_a_misnamed_queue_folder_is_gp208_and_the_others_go_on(pods: Path, name: bytes) -> None:
    _good(pods)
    folder = bundle(pods, "patch_misnamed", _new("src/misnamed.py", "X = 1"))
    queue = os.fsencode(_queue(pods))
    os.rename(os.fsencode(folder), queue + b"/" + name)

    result = promote(pods, "--all")

    _ok(result, 1)
    assert " GP208 " in result.out and "is not a valid patch id" in result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    assert os.listdir(queue) == [b".gitkeep"]
    moved = os.fsencode(pods / ".patches/rejected") + b"/" + name
    assert os.path.isfile(moved + b"/patch.diff")
    reason = yaml.safe_load(Path(os.fsdecode(moved + b"/reason.yaml")).read_bytes())
    assert reason["rule"] == "GP208"
    assert patch_ids_in_history(pods) == [GOOD]


def test_a_non_utf8_path_into_pods_is_refused_not_a_crash(pods: Path) -> None:
    _good(pods)
    path = b".pods/caf\xe9"
    diff = b"diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+x\n" % (
        path,
        path,
        path,
    )
    bundle(pods, BAD, diff)

    result = promote(pods, "--all")

    _ok(result, 1)
    assert f"rejected {BAD} -> .patches/rejected/{BAD}/ (reason.yaml)" in result.out
    assert _reason(pods, BAD)["rule"] in ("GP303", "GP301")
    assert f"promoted {GOOD} -> pods/F2.1" in result.out
    listing = subprocess.run(
        ["git", "log", "--branches", "--tags", "-z", "--name-only", "--format="],
        cwd=pods,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    assert b"src/good.py" in listing
    assert [name for name in listing if name.startswith(b".pods/caf")] == []


# --- 18. recovery finishes the notes ref -----------------------------------------------------------------


def test_recovery_moves_the_notes_ref_the_transaction_did_not(pods: Path, tmp_path: Path) -> None:
    _good(pods)
    assert git(pods, "for-each-ref", "refs/notes/") == ""
    fake = _kill_after_transaction(tmp_path / "fake")

    killed = _promote_with(fake, pods, "--all")

    assert killed.code == -9 and (fake / "fired").exists(), killed.text
    tip = git(pods, "rev-parse", "pods/F2.1").strip()
    git(pods, "update-ref", "-d", "refs/notes/pods")  # as if the kill fell inside git's commit

    result = promote(pods, "--all")

    _ok(result, 0)
    assert f"finished {GOOD}: promoted on pods/F2.1 by an interrupted run" in result.out
    assert git(pods, "rev-parse", "pods/F2.1").strip() == tip
    found = [json.loads(line) for line in events(pods, tip)]
    assert [(e["event"], e["patch"]) for e in found] == [("promoted", GOOD)]


# --- 19. series strays, branch-name clashes, records found at HEAD --------------------------------------


def test_series_naming_an_id_not_queued_is_a_notice(pods: Path) -> None:
    _good(pods)
    (_queue(pods) / "series").write_text(f"patch_ghost\n{GOOD}\n")

    result = promote(pods, "--all")

    _ok(result, 0)
    assert ".patches/queue/series lists ids that are not queued: patch_ghost" in result.out
    assert f"promoted {GOOD} -> pods/F2.1" in result.out


def test_a_branch_named_pods_blocks_a_task_branch_with_gp402(pods: Path) -> None:
    folder = _good(pods, task="F2")
    git(pods, "branch", "pods")
    before = refs(pods)

    result = promote(pods, "--all")

    _ok(result, 3)
    assert "GP402" in result.out and "pods/F2 cannot be created: the branch pods exists" in result.out
    assert f"not promoted {GOOD}: left in the queue" in result.out
    assert refs(pods) == before and folder.is_dir()

    onto = promote(pods, "--all", "--onto", "main")
    _ok(onto, 0)
    assert f"promoted {GOOD} -> main" in onto.out


def test_a_record_found_at_head_says_where_the_task_branch_would_start(pods: Path, tmp_path: Path) -> None:
    folder = _good(pods)
    shutil.copytree(folder, tmp_path / "copy")
    first = promote(pods, GOOD, "--onto", "main")
    _ok(first, 0)
    tip = git(pods, "rev-parse", "main").strip()
    shutil.copytree(tmp_path / "copy", folder)  # queued again

    result = promote(pods, GOOD)

    _ok(result, 0)
    assert (
        f"already promoted {GOOD} on HEAD (pods/F2.1 would start there); removed from the queue" in result.out
    )
    assert git(pods, "rev-parse", "main").strip() == tip and not folder.exists()
    assert "refs/heads/pods/F2.1" not in refs(pods)
    assert patch_ids_in_history(pods) == [GOOD]
