"""Committing one file on HEAD's branch without touching the rest of the index or working tree:
the commit and its metric note written by one `git fast-import`, HEAD's branch and the notes ref
moved in one compare-and-swap transaction, then that one index entry and file brought up."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from git_pods.errors import ConfigError, RepoStateError
from git_pods.fsio import write_atomic
from git_pods.gitio import fastimport, signing
from git_pods.gitio.locks import check_git_locks, git_lock_error, lock_in_stderr
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.record import record

_SCRATCH = "refs/pods-onefile"
_BUSY = (
    ("MERGE_HEAD", "a merge is in progress"),
    ("rebase-merge", "a rebase is in progress"),
    ("rebase-apply", "a rebase or git am is in progress"),
    ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
    ("REVERT_HEAD", "a revert is in progress"),
)


@record
class Committed:
    """The commit made, and the ref it moved."""

    commit: str
    ref: str


def _note_commit(tag: str, committer: str, parent: str | None, commit: str, note: bytes) -> bytes:
    out = [f"commit {tag}/notes\nmark :3\ncommitter {committer}\n".encode()]
    out.append(fastimport.data(b"git-pods: 1 note\n"))
    if parent:
        out.append(f"from {parent}\n".encode())
    out.append(f"N inline {commit}\n".encode() + fastimport.data(note) + b"\n")
    return b"".join(out)


def busy(gitdir: Path) -> str | None:
    """Why HEAD cannot take a commit now (a merge, rebase, cherry-pick under way), or None."""
    return next((why for name, why in _BUSY if (gitdir / name).exists()), None)


def commit_file(
    git: Git,
    root: Path,
    gitdir: Path,
    path: str,
    data: bytes,
    message: str,
    note: bytes | None,
    notes_ref: str,
    expected_head: str | None,
) -> Committed:
    """Commit path = data on HEAD (its branch, or HEAD itself when detached), with note attached.

    Nothing else of the index is committed. Afterwards the index entry and the file in the
    working tree hold the committed content, so `git status` shows nothing new."""
    reason = busy(gitdir)
    if reason:
        raise RepoStateError(reason, hint="finish or abort it first, then run the command again")
    check_git_locks([gitdir / "index.lock", gitdir / "HEAD.lock"])
    head_ref = git.run(["symbolic-ref", "-q", "HEAD"], check=False).stdout.decode().strip() or "HEAD"
    found = read_objects(git, ["HEAD", notes_ref])
    head_obj, notes_obj = found["HEAD"], found[notes_ref]
    head = head_obj.sha if head_obj is not None else None
    if head != expected_head:  # the file was read at another HEAD: its content may be stale
        raise RepoStateError(
            f"HEAD moved while preparing {path} (another commit came in)",
            hint="nothing was committed; run again",
        )
    notes_old = notes_obj.sha if notes_obj is not None else None
    ident = git.run(["var", "GIT_COMMITTER_IDENT"], check=False)
    if ident.returncode != 0:
        raise ConfigError(
            "git does not know who you are, so it cannot make commits",
            hint='git config user.name "Your Name" && git config user.email you@example.com',
        )
    committer = ident.stdout.decode("utf-8", "replace").strip()
    author = git.run(["var", "GIT_AUTHOR_IDENT"]).stdout.decode("utf-8", "replace").strip()
    tag = f"{_SCRATCH}/{os.getpid()}"
    stream = [b"blob\nmark :1\n", fastimport.data(data)]
    stream.append(f"commit {tag}/commit\nmark :2\nauthor {author}\ncommitter {committer}\n".encode())
    stream.append(fastimport.data(message.encode("utf-8")))
    if head:
        stream.append(f"from {head}\n".encode())
    stream.append(f"M 100644 :1 {path}\n\n".encode())
    sign = signing.enabled(git)
    with tempfile.TemporaryDirectory(prefix="pods-onefile-") as scratch:
        if not sign and note is not None:
            stream.append(_note_commit(tag, committer, notes_old, ":2", note))
        marks = fastimport.run(git, b"".join(stream), Path(scratch) / "marks")
        commit = marks[2]
        if sign:  # fast-import cannot sign: the same tree and message again, through commit-tree -S
            try:
                commit = signing.signed(git, commit, head, message.encode("utf-8"))
            except ConfigError:
                git.run(["update-ref", "-d", f"{tag}/commit"], check=False)
                raise
            if note is not None:
                notes = fastimport.run(
                    git, _note_commit(tag, committer, notes_old, commit, note), Path(scratch) / "n"
                )
                marks[3] = notes[3]
    updates = [f"update {head_ref} {commit} {head}" if head else f"create {head_ref} {commit}"]
    if note is not None:
        updates.append(
            f"update {notes_ref} {marks[3]} {notes_old}" if notes_old else f"create {notes_ref} {marks[3]}"
        )
    temp_refs = [f"{tag}/commit"] + ([f"{tag}/notes"] if note is not None else [])
    request = "\n".join(["start", *updates, *(f"delete {r}" for r in temp_refs), "prepare", "commit"]) + "\n"
    done = git.run(
        ["update-ref", "--stdin", "-m", message.splitlines()[0]], input=request.encode(), check=False
    )
    if done.returncode != 0:
        git.run(
            ["update-ref", "--stdin"], input="".join(f"delete {r}\n" for r in temp_refs).encode(), check=False
        )
        stderr = done.stderr.decode("utf-8", "replace")
        lock = lock_in_stderr(stderr)
        if lock is not None:
            raise git_lock_error(lock)
        raise RepoStateError(
            f"HEAD or {notes_ref} moved while committing {path}: {stderr.strip()}",
            hint="nothing was committed; run the command again",
        )
    target = root / path  # the refs moved: from here on, finish or say exactly how to
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    for attempt in range(20):  # a git status elsewhere may hold the index lock for a moment
        done = git.run(["update-index", "--add", "--cacheinfo", f"100644,{marks[1]},{path}"], check=False)
        if done.returncode == 0:
            return Committed(commit, head_ref)
        time.sleep(0.05 * (attempt + 1))
    raise RepoStateError(
        f"{path} is committed ({commit[:12]}), but the index could not be updated: "
        + done.stderr.decode("utf-8", "replace").strip(),
        hint=f"when no other git command runs, bring the index up: git reset -q -- {path}",
        file=path,
    )
