"""Metric events in a notes ref: the notes of given commits read in one batch, and lines appended to
them as one notes commit moved in with a compare-and-swap, retried when another writer came first.

Never `git notes add`: parallel runs of it lose notes and all exit 0 (FACTS.md). Here the notes
commit is written by one `git fast-import` (which knows the fan-out of large notes trees) on top
of the tip that was read, and `git update-ref --stdin` moves the ref only if it still holds that
tip; otherwise everything is read again and the caller's plan is asked again.

The compare-and-swap alone keeps every write whole, but a writer can lose the race again and
again to writers that are quicker; so git-pods' own writers also queue behind each other, with
two kernel locks in the common git folder (a turnstile, then the room), and fall back to the
compare-and-swap alone when the queue does not move for a while.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from git_pods.errors import RepoStateError
from git_pods.gitio.fastimport import data as _data
from git_pods.gitio.locks import Held, ProcessLock, git_lock_error, lock_in_stderr
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git
from git_pods.ids import PATCH_ID
from git_pods.record import record

NOTES_REF = "refs/notes/pods"
STALE_LOCK_SECONDS = 2.0
ATTEMPTS = 40
QUEUE_WAIT = 10.0  # seconds to wait for the writers ahead; then the compare-and-swap alone
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_SCRATCH = "refs/pods-notes"  # fast-import needs a branch name; `reset` drops it before the end
_MOVED = ("is at ", "but expected", "reference already exists", "cannot lock ref")


class NotesError(RepoStateError):
    """The notes ref cannot be read or moved: it is broken, locked, or never held still."""


class NotesBroken(NotesError):
    """The notes ref does not point at a notes commit."""


@record
class Snapshot:
    """The notes ref's tip (None: no notes yet) and the note text of each commit asked about."""

    ref: str
    tip: str | None
    notes: Mapping[str, bytes]

    def lines(self, commit: str) -> list[bytes]:
        return lines_of(self.notes.get(commit, b""))


@record
class Appended:
    """What `append` did: the notes commit now at the ref, lines written, attempts made."""

    tip: str | None
    added: int
    attempts: int


Plan = Callable[[Snapshot], Mapping[str, Sequence[bytes]]]


def event_line(event: Mapping[str, object]) -> bytes:
    """One metric event: compact JSON on one line, time first (cat_sort_uniq keeps it whole)."""
    ordered = {"ts": event["ts"], **{k: v for k, v in event.items() if k != "ts"}}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def parse_event(line: bytes) -> dict[str, Any] | None:
    """One note line as an event (a JSON object), or None for anything else (left as it is)."""
    try:
        event = json.loads(line)
    except ValueError:  # not JSON, or not UTF-8
        return None
    return event if isinstance(event, dict) else None


def patches_named(lines: Iterable[bytes]) -> set[str]:
    """The patch ids the events among lines name (`patch`)."""
    out = set()
    for event in map(parse_event, lines):
        patch = event.get("patch") if event is not None else None
        if isinstance(patch, str) and PATCH_ID.fullmatch(patch):
            out.add(patch)
    return out


def lines_of(text: bytes) -> list[bytes]:
    """A note's non-blank lines, without their line ends (git's copies add blank separators)."""
    return [line.rstrip(b"\r") for line in text.split(b"\n") if line.strip()]


def note_paths(commit: str) -> list[str]:
    """Where a commit's note may sit in a notes tree: flat, or under 1 to 3 levels of 2-hex folders
    (git and fast-import fan out as the tree grows; 3 levels hold 16 million notes)."""
    return [
        "/".join([*(commit[2 * i : 2 * i + 2] for i in range(level)), commit[2 * level :]])
        for level in range(4)
    ]


def read(
    git: Git, ref: str, commits: Iterable[str], extra: Iterable[str] = ()
) -> tuple[Snapshot, dict[str, Obj | None]]:
    """The notes of commits (and any other objects named in extra), in one `git cat-file --batch`.

    The tip is read before the notes: if the ref moves in between, the notes may be newer than the
    tip, and the compare-and-swap against that tip then fails and the caller reads again."""
    wanted = list(dict.fromkeys(commits))
    specs = [ref, *(f"{ref}:{path}" for commit in wanted for path in note_paths(commit)), *extra]
    found = read_objects(git, specs)
    head = found[ref]
    if head is not None and head.kind != "commit":
        raise NotesBroken(
            f"{ref} points at a {head.kind}, not a notes commit",
            hint=f"see what it held before: git reflog {ref}; restore it (git update-ref {ref} <commit>) "
            f"or remove it (git update-ref -d {ref})",
        )
    notes: dict[str, bytes] = {}
    if head is not None:
        for commit in wanted:
            parts = [found[f"{ref}:{p}"] for p in note_paths(commit)]
            blobs = [part.data for part in parts if part is not None and part.kind == "blob"]
            if blobs:
                notes[commit] = b"\n".join(blobs)
    return Snapshot(ref, head.sha if head is not None else None, notes), found


def find_lines(git: Git, tip: str, needles: Sequence[str]) -> dict[str, list[bytes]]:
    """Every note line holding one of the fixed strings, by commit: one `git grep` over the notes
    tree at tip, never a process per commit. Binary (garbled) notes are passed over."""
    if not needles:
        return {}
    args = ["grep", "-z", "-I", "-F", "--no-color", "--no-line-number", "--no-column", "--full-name"]
    for needle in needles:
        args += ["-e", needle]
    done = git.run([*args, tip, "--"], check=False)
    if done.returncode not in (0, 1):
        raise NotesError(
            f"could not search the notes at {tip[:12]}: {done.stderr.decode('utf-8', 'replace')}"
        )
    found: dict[str, list[bytes]] = {}
    prefix = f"{tip}:".encode()
    for record_ in done.stdout.split(b"\n"):
        name, sep, line = record_.partition(b"\0")
        if not sep or not name.startswith(prefix):
            continue
        commit = name[len(prefix) :].replace(b"/", b"").decode("ascii", "replace")
        if _HEX.fullmatch(commit):
            found.setdefault(commit, []).append(line.rstrip(b"\r"))
    return found


def append(
    git: Git,
    ref: str,
    commits: Sequence[str],
    plan: Plan,
    *,
    message: str,
    ident: str | None = None,
    first: Snapshot | None = None,
    attempts: int = ATTEMPTS,
    common: Path | None = None,
) -> Appended:
    """Append the lines plan(snapshot) names to the notes of commits (a subset of commits), in one
    notes commit and one compare-and-swap; on a race read again, ask plan again, retry.

    A line a note already holds is not written twice, so plans may simply name what must be there.
    ident is "Name <email>" for the notes commit (default: git's committer identity); common is
    the common git folder, where the writers' queue lives (asked of git when not given)."""
    who = ident or committer(git)
    folder = (common or _common(git)) / "pods"
    room = _queue(folder, time.monotonic() + QUEUE_WAIT)
    try:
        return _append(git, ref, commits, plan, message, who, first, attempts)
    finally:
        if room is not None:
            room.__exit__(None, None, None)


def _append(
    git: Git,
    ref: str,
    commits: Sequence[str],
    plan: Plan,
    message: str,
    committer: str,
    first: Snapshot | None,
    attempts: int,
) -> Appended:
    snapshot = first
    for attempt in range(1, attempts + 1):
        if snapshot is None:
            snapshot, _ = read(git, ref, commits)
        texts, added = _texts(snapshot, plan(snapshot))
        if not texts:
            return Appended(snapshot.tip, 0, attempt)
        new = _notes_commit(git, snapshot.tip, texts, message, committer)
        request = f"update {ref} {new} {snapshot.tip}" if snapshot.tip else f"create {ref} {new}"
        lines = ["start", request, "prepare", "commit"]
        done = git.run(
            ["update-ref", "--stdin", "-m", message], input=("\n".join(lines) + "\n").encode(), check=False
        )
        if done.returncode == 0:
            return Appended(new, added, attempt)
        stderr = done.stderr.decode("utf-8", "replace")
        lock = lock_in_stderr(stderr)
        if "reference broken" in stderr:
            raise NotesBroken(
                f"{ref} is broken: {stderr.strip()}",
                hint=f"remove it (git update-ref -d {ref}) after saving what it held, if anything",
            )
        if lock is None and not any(text in stderr for text in _MOVED):
            raise NotesError(f"git could not move {ref}: {stderr.strip()}")
        before = snapshot.tip
        snapshot, _ = read(git, ref, commits)
        if lock is None and snapshot.tip == before:
            raise NotesError(f"git could not move {ref}, though no other writer moved it: {stderr.strip()}")
        if lock is not None and (attempt == attempts or _stale(lock)):
            raise git_lock_error(lock)
        time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))  # writers racing: spread them out
    raise NotesError(
        f"{ref} kept moving: {attempts} attempts lost the race to other writers",
        hint="run the command again when fewer notes writers are busy",
    )


def _stale(lock: Path) -> bool:
    """A git lock older than a couple of seconds is no writer at work (git holds one for
    milliseconds) but one that was killed: waiting for it only delays the report."""
    try:
        return time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS
    except OSError:
        return False


def _queue(folder: Path, deadline: float) -> ProcessLock | None:
    """Wait for the writers ahead, holding the room lock on return (None: waited too long).

    The turnstile is held while waiting for the room, so a writer leaving the room cannot walk
    straight back in past one that waits: each waiter gets its turn."""
    door = _take(folder / "notes-door.lock", deadline)
    if door is None:
        return None
    try:
        return _take(folder / "notes.lock", deadline)
    finally:
        door.__exit__(None, None, None)


def _take(path: Path, deadline: float) -> ProcessLock | None:
    while True:
        lock = ProcessLock(path, "notes writer", wait=False)
        try:
            return lock.__enter__()
        except Held:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.001)
        except OSError:  # no place for the lock file: the compare-and-swap still guards
            return None


def _common(git: Git) -> Path:
    done = git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"])
    return Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))


def _texts(snapshot: Snapshot, wanted: Mapping[str, Sequence[bytes]]) -> tuple[dict[str, bytes], int]:
    texts: dict[str, bytes] = {}
    added = 0
    for commit, lines in wanted.items():
        have = snapshot.notes.get(commit, b"")
        present = set(lines_of(have))
        new = [line for line in dict.fromkeys(raw.rstrip(b"\r\n") for raw in lines) if line.strip()]
        new = [line for line in new if line not in present]
        if new:
            start = have if not have or have.endswith(b"\n") else have + b"\n"
            texts[commit] = start + b"".join(line + b"\n" for line in new)
            added += len(new)
    return texts, added


def _notes_commit(git: Git, parent: str | None, texts: Mapping[str, bytes], message: str, ident: str) -> str:
    """Write the notes commit (not yet on any ref) and return its id."""
    branch = f"{_SCRATCH}/{os.getpid()}"
    out = [f"commit {branch}\nmark :1\ncommitter {ident} {int(time.time())} +0000\n".encode()]
    out.append(_data(message.encode("utf-8") + b"\n"))
    if parent:
        out.append(f"from {parent}\n".encode())
    for commit, text in texts.items():
        out.append(f"N inline {commit}\n".encode() + _data(text))
    out.append(f"\nget-mark :1\nreset {branch}\n\ndone\n".encode())  # reset: no ref is left behind
    args = ["-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", "--done"]
    done = git.run(args, input=b"".join(out), check=False)
    sha = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not _HEX.fullmatch(sha):
        raise NotesError(
            f"git fast-import could not write the notes: {done.stderr.decode('utf-8', 'replace')}"
        )
    return sha


def committer(git: Git) -> str:
    """Who is at work here, "Name <email>" (git's committer identity; a stand-in without one)."""
    done = git.run(["var", "GIT_COMMITTER_IDENT"], check=False)
    if done.returncode != 0:  # no identity configured: the notes commit still needs a name
        return "git-pods <git-pods@localhost>"
    return done.stdout.decode("utf-8", "replace").strip().rsplit(" ", 2)[0]
