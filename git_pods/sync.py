"""Notes sync: the remote's metric events merged into the local notes ref, then the union pushed.

The one way git-pods moves notes between clones (`git pod-sync`, `git pod-promote --push` and
the pre-push hook all call `sync`). FACTS.md, "git notes": a forced fetch onto the local notes
ref silently loses unpushed notes, and two clones pushing notes race. So:

1. fetch the remote's notes into `refs/notes/remotes/<remote>/<name>` (forced onto that
   tracking ref only; the local ref is never fetched into);
2. merge it into the local notes with the `cat_sort_uniq` rule (every line of both sides,
   sorted, each once, blank lines dropped: one JSON event per line stays whole), written as one
   merge commit by `git fast-import` and moved in with a compare-and-swap `update-ref`, so a
   promote or hook writing notes meanwhile is never overwritten (the merge is redone);
3. push the local notes ref, never forced; when another clone pushed in between, the push is
   refused and everything is done again after a short, growing, randomised wait.

Nothing is ever written to the user's git config, and git never prompts for credentials here
(`GIT_TERMINAL_PROMPT=0`, no askpass): a remote that wants them is an error with the fix.
Concurrent syncs in one repository queue on a kernel lock in the common git folder.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from git_pods.errors import RepoStateError, UsageError
from git_pods.gitio.locks import ProcessLock, git_lock_error, lock_in_stderr
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.record import record

ATTEMPTS = 8
NETWORK_TIMEOUT = 120.0  # seconds a fetch or push may take before it is given up
NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}
# an ssh remote never asks for a passphrase or a host key, and a silent server is given up
_SSH = "ssh -o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=10 -o ServerAliveCountMax=3"
# an http remote that stops sending is given up too
_SLOW = ["-c", "http.lowSpeedLimit=1", "-c", "http.lowSpeedTime=60"]
_SCRATCH = "refs/notes/git-pods-sync"  # outside refs/notes/pods*: rewriteRef never copies into it
# another clone pushed first (git's own `[rejected]`, or the remote's compare-and-swap failing);
# a `[remote rejected]` for any other reason (a lock left on the server, a hook) is a failure
_RACE = (
    "[rejected]",
    "non-fast-forward",
    "fetch first",
    "stale info",
    "but expected",
    "incorrect old value",
    "reference already exists",
)
LOCKED_ATTEMPTS = 3  # a remote ref lock that outlasts this many tries is one left behind there
_DENIED = (
    "permission denied",
    "error: 403",
    "error: 401",
    "http 403",
    "http 401",
    "authentication failed",
    "could not read username",
    "terminal prompts disabled",
    "access denied",
    "not allowed",
    "protected",
    "pre-receive hook declined",
    "read only",
    "read-only",
)


class SyncError(RepoStateError):
    """The notes could not be exchanged with the remote (exit 3, GP802, with the reason and the fix)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, rule="GP802")


@record
class Synced:
    """What a sync did."""

    remote: str
    ref: str
    fetched: str | None  # the remote's notes tip (None: the remote has no notes yet)
    merged: int  # commits whose notes were merged from the remote
    local: str | None  # the local notes tip afterwards
    pushed: bool  # the remote now holds the local tip
    attempts: int


def tracking_ref(remote: str, notes_ref: str) -> str:
    """Where the remote's notes are fetched to: refs/notes/remotes/<remote>/<name>."""
    name = notes_ref.removeprefix("refs/notes/")
    return f"refs/notes/remotes/{remote}/{name}"


def check_remote(git: Git, remote: str) -> None:
    """A remote name the repository knows (a URL or an option is refused: nothing is fetched
    from where the repository's own config does not say)."""
    if not remote or remote.startswith("-") or any(c.isspace() for c in remote):
        raise UsageError(f"not a remote name: {remote!r}", hint="git remote -v lists them")
    names = git.run(["remote"], check=False).stdout.decode("utf-8", "replace").split()
    if remote not in names:
        hint = f"known remotes: {', '.join(names)}" if names else "add one: git remote add origin URL"
        raise UsageError(f"no remote named {remote!r} in this repository", hint=hint)


def sync(
    git: Git, common: Path, remote: str, notes_ref: str, *, push: bool = True, wait: bool = True
) -> Synced:
    """Fetch, merge and (unless push is False) push the notes; retried when another clone won
    the race to push. Raises SyncError when the remote cannot be read or written, and Held when
    another sync runs here and wait is False (a hook never queues behind one)."""
    check_remote(git, remote)
    tracking = tracking_ref(remote, notes_ref)
    with ProcessLock(common / "pods" / "sync.lock", "git pod-sync", wait=wait):
        locked = 0
        for attempt in range(1, ATTEMPTS + 1):
            fetched = _fetch(git, remote, notes_ref, tracking)
            local, merged = _merge(git, notes_ref, fetched, remote)
            if not push or local is None or local == fetched:
                return Synced(remote, notes_ref, fetched, merged, local, local == fetched, attempt)
            outcome = _push(git, remote, notes_ref, local)
            if outcome == "ok":
                git.run(["update-ref", tracking, local], check=False)  # what the remote holds now
                return Synced(remote, notes_ref, fetched, merged, local, True, attempt)
            locked = locked + 1 if outcome == "locked" else 0
            if locked >= LOCKED_ATTEMPTS:
                raise SyncError(
                    f"cannot push the notes to {remote}: its {notes_ref} stays locked",
                    hint=f"a push to {remote} was killed and left {notes_ref}.lock there: whoever looks "
                    "after the remote removes that file; then run git pod-sync again",
                )
            time.sleep(random.uniform(0.05, 0.1 * 2**attempt))  # another clone pushed: again
    raise SyncError(
        f"the notes on {remote} kept moving: {ATTEMPTS} attempts lost the race to other clones",
        hint="run git pod-sync again in a moment",
    )


def no_prompt_env(git: Git) -> dict[str, str]:
    """The environment for git's network commands here: no terminal prompt, no askpass program,
    ssh in batch mode with timeouts, unless the user chose an ssh command (GIT_SSH_COMMAND,
    GIT_SSH, core.sshCommand): theirs is kept as it is."""
    env = dict(NO_PROMPT)
    own = "GIT_SSH_COMMAND" in os.environ or "GIT_SSH" in os.environ
    if not own and git.run(["config", "core.sshCommand"], check=False).returncode != 0:
        env["GIT_SSH_COMMAND"] = _SSH
    return env


def _network(
    git: Git, args: list[str], remote: str, what: str, hint: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """git's network command, without prompts, given up after NETWORK_TIMEOUT (what: "fetching
    the notes", for the message)."""
    try:
        return git.run([*_SLOW, *args], env=no_prompt_env(git), check=False, timeout=NETWORK_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SyncError(
            f"{remote} did not answer within {NETWORK_TIMEOUT:.0f} s while {what}",
            hint=hint or f"check the connection, then run git pod-sync {remote}",
        ) from None


def fetch_task_branches(git: Git, remote: str) -> str:
    """The remote's task branches fetched onto refs/remotes/<remote>/pods/* (what promote builds
    on when a branch there is ahead); a line saying so. Exit 3 when the remote cannot be read:
    promoting on a stale view is what --fetch was asked to prevent."""
    spec = f"+refs/heads/pods/*:refs/remotes/{remote}/pods/*"
    args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, spec]
    stale = "or promote without --fetch on what was fetched last"
    done = _network(git, args, remote, "fetching the task branches", f"check the connection, {stale}")
    if done.returncode != 0:
        why = _last_line(done.stderr.decode("utf-8", "replace").strip()) or "git fetch failed"
        raise SyncError(
            f"could not fetch the task branches from {remote}: {why}",
            hint=f"check the remote (git remote -v, git fetch {remote}), or promote without --fetch",
        )
    return f"fetched the task branches (pods/*) from {remote}"


def _fetch(git: Git, remote: str, notes_ref: str, tracking: str) -> str | None:
    """The remote's notes tip, fetched onto the tracking ref; None when the remote has none."""
    args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, f"+{notes_ref}:{tracking}"]
    done = _network(git, args, remote, "fetching the notes")
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        if "couldn't find remote ref" in stderr or "could not find remote ref" in stderr.lower():
            git.run(["update-ref", "-d", tracking], check=False)  # the remote has no notes (any more)
            return None
        lock = lock_in_stderr(stderr)
        if lock is not None:
            raise git_lock_error(lock)
        raise SyncError(
            f"cannot fetch the notes from {remote}: {_last_line(stderr)}",
            hint=_access_hint(remote, stderr, "read"),
        )
    found = read_objects(git, [tracking])[tracking]
    if found is not None and found.kind != "commit":
        raise SyncError(
            f"{remote}'s {notes_ref} is a {found.kind}, not a notes commit: its notes cannot be merged",
            hint=f"whoever can push to {remote}: look at what it held, then git push {remote} "
            f":{notes_ref} to remove it (git pod-sync from a healthy clone puts the notes back)",
        )
    return found.sha if found is not None else None


def _merge(git: Git, notes_ref: str, theirs: str | None, remote: str) -> tuple[str | None, int]:
    """Merge the fetched notes into the local notes ref (compare-and-swap; redone when a local
    writer moved the ref meanwhile). Returns the local tip and how many notes were merged."""
    for _attempt in range(20):
        mine_obj = read_objects(git, [notes_ref])[notes_ref]
        if mine_obj is not None and mine_obj.kind != "commit":
            raise SyncError(
                f"{notes_ref} is a {mine_obj.kind}, not a notes commit: nothing is merged or pushed",
                hint=f"look at what it held (git reflog {notes_ref}), then restore it with git update-ref, "
                f"or remove it with git update-ref -d {notes_ref} and run git pod-sync again",
            )
        mine = mine_obj.sha if mine_obj is not None else None
        if theirs is None or mine == theirs:
            return mine, 0
        if mine is None:
            new, merged = theirs, _count(git, None, theirs)
        elif _is_ancestor(git, theirs, mine):
            return mine, 0
        elif _is_ancestor(git, mine, theirs):
            new, merged = theirs, _count(git, mine, theirs)
        else:
            new, merged = _merge_commit(git, mine, theirs, remote)
        request = f"update {notes_ref} {new} {mine}\n" if mine else f"create {notes_ref} {new}\n"
        done = git.run(
            ["update-ref", "--stdin", "-m", f"git pod-sync: notes from {remote}"],
            input=request.encode(),
            check=False,
        )
        if done.returncode == 0:
            return new, merged
        lock = lock_in_stderr(done.stderr.decode("utf-8", "replace"))
        if lock is not None and time.time() - _mtime(lock) > 2:
            raise git_lock_error(lock)
        time.sleep(random.uniform(0.01, 0.05))
    raise SyncError(f"{notes_ref} kept moving while merging the notes from {remote}", hint="run it again")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _is_ancestor(git: Git, older: str, newer: str) -> bool:
    return git.run(["merge-base", "--is-ancestor", older, newer], check=False).returncode == 0


def _count(git: Git, old: str | None, new: str) -> int:
    """How many notes differ between two notes commits."""
    args = (
        ["diff-tree", "-r", "--name-only", "-z", old, new]
        if old
        else ["ls-tree", "-r", "--name-only", "-z", new]
    )
    return len([p for p in git.run(args).stdout.split(b"\0") if p])


def _merge_commit(git: Git, mine: str, theirs: str, remote: str) -> tuple[str, int]:
    """One notes merge commit with both tips as parents, made by git's own `cat_sort_uniq`
    notes merge (every line of both sides, sorted, each once, blank lines dropped) on a scratch
    notes ref, so the local ref only ever moves by compare-and-swap. Notes of commits this clone
    does not have merge like any other."""
    scratch = f"{_SCRATCH}/{os.getpid()}"
    for stale in git.run(["for-each-ref", "--format=%(refname)", _SCRATCH]).stdout.decode().split():
        git.run(["update-ref", "-d", stale], check=False)  # a killed sync's leftover
    git.run(["update-ref", scratch, mine])
    try:
        done = git.run(
            ["notes", f"--ref={scratch}", "merge", "--quiet", "-s", "cat_sort_uniq", theirs],
            env=_identity(git),
            check=False,
        )
        if done.returncode != 0:
            why = _last_line(done.stderr.decode("utf-8", "replace"))
            raise SyncError(f"git could not merge the notes from {remote}: {why}")
        new = git.run(["rev-parse", "--verify", scratch]).stdout.decode().strip()
    finally:
        git.run(["update-ref", "-d", scratch], check=False)
    return new, _count(git, mine, new)


def _identity(git: Git) -> dict[str, str]:
    """The committer git knows, or a stand-in for the notes merge commit (a CI runner may have none)."""
    if git.run(["var", "GIT_COMMITTER_IDENT"], check=False).returncode == 0:
        return {}
    return {"GIT_COMMITTER_NAME": "git-pods", "GIT_COMMITTER_EMAIL": "git-pods@localhost"}


def _push(git: Git, remote: str, notes_ref: str, local: str) -> str:
    """Push the local notes (never forced, no hooks: this is git-pods' own push). Returns "ok",
    "race" when another clone pushed first, or "locked" when the remote's ref was locked (by a
    push landing at that moment, or by a lock file left behind there)."""
    args = ["push", "--no-verify", "--porcelain", remote, f"{local}:{notes_ref}"]
    done = _network(git, args, remote, "pushing the notes")
    if done.returncode == 0:
        return "ok"
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    reason = _reason(text)
    if not _denied(reason):
        if "unable to create" in text.lower() and ".lock" in text:
            return "locked"
        if any(marker in text for marker in _RACE) or "[rejected]" in reason:
            return "race"
    raise SyncError(f"cannot push the notes to {remote}: {reason}", hint=_access_hint(remote, text, "write"))


def _reason(text: str) -> str:
    """The line of git's push output that says why (the porcelain `!` line, else the last)."""
    for line in text.splitlines():
        if line.startswith("!"):
            return line.split("\t")[-1].strip()
    return _last_line(text)


def _denied(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _DENIED)


def _access_hint(remote: str, stderr: str, what: str) -> str:
    if _denied(stderr) or "could not read from remote" in stderr.lower():
        if what == "write":
            return (
                f"you may {what} code there but not notes, or not at all (a fork's upstream): the "
                f"notes stay here and in refs/notes/remotes/{remote}/; sync with a remote you may "
                "push to (git pod-sync <your fork>), or ask a maintainer to run git pod-sync"
            )
        return f"check that you can reach {remote} without a prompt (ssh agent, credential helper)"
    return f"check the remote: git ls-remote {remote}"


def _last_line(text: str) -> str:
    """What git said went wrong: its first `fatal:` (or `error:`) line, else its last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for prefix in ("fatal:", "error:"):
        for line in lines:
            if line.startswith(prefix) and "failed to push some refs" not in line:
                return line[len(prefix) :].strip()
    return lines[-1] if lines else "(no message)"


def summary(done: Synced) -> Mapping[str, object]:
    return {
        "remote": done.remote,
        "ref": done.ref,
        "remote_tip": done.fetched,
        "merged": done.merged,
        "local_tip": done.local,
        "pushed": done.pushed,
        "attempts": done.attempts,
    }
