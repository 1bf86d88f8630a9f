"""Publishing built commits: one `git fast-import` stream for every commit and note, then one
`git update-ref --stdin` transaction that moves the branches and the notes ref together, each
with a compare-and-swap. Before the refs move nothing is visible; after, everything is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from git_pods.errors import RepoStateError
from git_pods.gitio import signing
from git_pods.gitio.fastimport import data as _data
from git_pods.gitio.locks import git_lock_error, lock_in_stderr
from git_pods.gitio.runner import Git
from git_pods.promote.build import TreeChange
from git_pods.record import field, record

TEMP_REFS = "refs/pods-promote"


@record
class Built:
    """One bundle's commit, ready to write: its tree (code and archive), message and event."""

    patch_id: str
    changes: tuple[TreeChange, ...]  # its share of git's diff: what its commit adds to the parent
    message: bytes
    event: Mapping[str, object]
    tracked_queue: bool  # the queue copy is in the target's tree: the commit deletes it


@record(frozen=False)
class Target:
    """One branch a promote moves: where it was, what the first commit sits on, what goes there."""

    branch: str
    old: str | None  # the tip before (None: the branch is created)
    base: str | None  # the first commit's parent (None: a root commit on an unborn repository)
    checked_out: bool = False
    built: list[Built] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)  # filled by publish

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


@record
class Ident:
    """Who promotes: git's author and committer lines (name, e-mail, time, zone)."""

    author: str
    committer: str

    @property
    def by(self) -> str:
        return self.committer.rsplit(" ", 2)[0]


class BranchMoved(RepoStateError):
    """A branch or the notes ref changed between reading it and moving it."""


def commits_stream(targets: Sequence[Target], ident: Ident, tag: str) -> tuple[bytes, list[list[int]]]:
    """The fast-import commands for every target's chain of commits, and their marks."""
    out: list[bytes] = []
    marks: list[list[int]] = []
    mark = 0
    for number, target in enumerate(targets):
        chain: list[int] = []
        for built in target.built:
            mark += 1
            out.append(f"commit {TEMP_REFS}/{tag}/{number}\nmark :{mark}\n".encode())
            out.append(f"author {ident.author}\ncommitter {ident.committer}\n".encode())
            out.append(_data(built.message))
            parent = f":{chain[-1]}" if chain else target.base
            if parent:
                out.append(f"from {parent}\n".encode())
            for change in built.changes:
                path = _quoted(change.path)
                out.append(
                    b"D " + path + b"\n"
                    if change.mode == "000000"
                    else f"M {change.mode} {change.sha} ".encode() + path + b"\n"
                )
            if built.tracked_queue:
                out.append(f"D .patches/queue/{built.patch_id}\n".encode())
            out.append(b"\n")
            chain.append(mark)
        marks.append(chain)
    return b"".join(out), marks


def _quoted(path: str) -> bytes:
    """A path as fast-import reads it: C-quoted when it holds a quote or newline or starts with
    a quote; its bytes as they are otherwise (names need not be UTF-8)."""
    raw = path.encode("utf-8", "surrogateescape")
    if b'"' not in raw and b"\n" not in raw:
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'"' + escaped + b'"'


def notes_stream(parent: str | None, ident: Ident, ref: str, notes: Mapping[str, bytes], mark: int) -> bytes:
    """One notes commit (written to the scratch ref) on top of parent: each commit (an id or a
    :mark of the same stream) gets its text."""
    message = f"git pod-promote: {len(notes)} note{'s' if len(notes) != 1 else ''}\n".encode()
    out = [f"commit {ref}\nmark :{mark}\ncommitter {ident.committer}\n".encode(), _data(message)]
    if parent:
        out.append(f"from {parent}\n".encode())
    for commit, text in notes.items():
        out.append(f"N inline {commit}\n".encode() + _data(text))
    out.append(b"\n")
    return b"".join(out)


def sign_chain(git: Git, target: Target, unsigned: Sequence[str]) -> list[str]:
    """Signed copies of a target's commits, each on the signed one before it."""
    out: list[str] = []
    for built, commit in zip(target.built, unsigned, strict=True):
        out.append(signing.signed(git, commit, out[-1] if out else target.base, built.message))
    return out


def transaction(
    git: Git,
    targets: Sequence[Target],
    notes_ref: str,
    notes_old: str | None,
    notes_new: str | None,
    temp_refs: Sequence[str],
    reason: str,
) -> None:
    """Move every branch and the notes ref at once, each only if it still holds what was read."""
    lines = ["start"]
    for target in targets:
        if target.commits:
            new = target.commits[-1]
            lines.append(
                f"update {target.ref} {new} {target.old}" if target.old else f"create {target.ref} {new}"
            )
    if notes_new:
        lines.append(
            f"update {notes_ref} {notes_new} {notes_old}" if notes_old else f"create {notes_ref} {notes_new}"
        )
    lines += [f"delete {ref}" for ref in temp_refs]
    lines += ["prepare", "commit"]
    done = git.run(
        ["update-ref", "--stdin", "-m", reason], input=("\n".join(lines) + "\n").encode(), check=False
    )
    if done.returncode == 0:
        return
    stderr = done.stderr.decode("utf-8", "replace")
    lock = lock_in_stderr(stderr)
    if lock is not None:
        raise git_lock_error(lock)
    moved = "is at " in stderr or "reference already exists" in stderr
    if "exists; cannot create" in stderr or ("cannot lock ref" in stderr and not moved):
        raise RepoStateError(
            f"git could not move the branches: {stderr.strip()}",
            hint="a branch name clashes with an existing one (a branch 'pods' blocks 'pods/<task>'): "
            "promote with --onto BRANCH",
        )
    raise BranchMoved(
        f"a branch or {notes_ref} changed while promoting: {stderr.strip()}",
        hint="nothing was changed; run git pod-promote again",
    )


def drop_temp_refs(git: Git, refs: Sequence[str]) -> None:
    """Remove fast-import's scratch refs (left by a failed or killed run)."""
    if refs:
        request = "".join(f"delete {ref}\n" for ref in refs).encode()
        git.run(["update-ref", "--stdin"], input=request, check=False)


def leftover_temp_refs(git: Git, common: Path) -> list[str]:
    """Scratch refs a killed run left; looked for on disk first, so a clean repo costs no process."""
    packed = common / "packed-refs"
    folder = common / TEMP_REFS
    loose = folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))
    try:
        in_packed = packed.is_file() and TEMP_REFS.encode() in packed.read_bytes()
    except OSError:
        in_packed = False
    if not (loose or in_packed):
        return []
    done = git.run(["for-each-ref", "--format=%(refname)", f"{TEMP_REFS}/"])
    return done.stdout.decode("utf-8", "surrogateescape").split()
