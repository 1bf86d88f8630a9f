"""The staged side of a commit, read in a few batched git calls: changes, index entries, blobs, markers.

Hooks run with git's own environment (GIT_INDEX_FILE points at the index being committed,
e.g. `git commit -a` uses a temporary one), so everything here runs git with `inherit=True`.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

from git_pods.errors import GitFailed, NotARepo
from git_pods.fsio import write_atomic
from git_pods.gitio.prefetch import RECORD_PATHSPECS, Prefetch, start
from git_pods.record import record

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_PIPE_SAFE = 16 << 10  # a request this small fits the pipe: written at once, no thread
MARKS_FILE = "pods/hook-marks"  # under the common git folder, shared by worktrees
_MARKS_KEPT = 2000


@record
class IndexEntry:
    """One file in the index: its mode (100644, 120000 for a link, 160000 for a submodule) and blob."""

    mode: str
    sha: str
    path: str


@record
class Staged:
    """What a commit would change under the record folders, and what the index holds there."""

    changes: Mapping[str, str]  # path -> A, M, D or T
    entries: Mapping[str, IndexEntry]  # empty unless asked for
    head: str | None  # None on an unborn branch (the first commit)
    git_common: Path  # the common git folder (shared by worktrees)


def _finish(proc: subprocess.Popen[bytes] | None, args: list[str], ok: tuple[int, ...] = (0,)) -> bytes:
    if proc is None:
        return b""
    out, err = proc.communicate()
    if proc.returncode not in ok:
        raise GitFailed(["git", *args], proc.returncode, err.decode("utf-8", "replace"))
    return out


def _split(raw: bytes) -> list[str]:
    return [part.decode("utf-8", "surrogateescape") for part in raw.split(b"\0") if part]


def read_staged(
    cwd: Path,
    pathspecs: Sequence[str] = RECORD_PATHSPECS,
    *,
    entries: bool = True,
    early: Prefetch | None = None,
) -> Staged:
    """Staged changes (and index entries) under pathspecs, from the processes `early` started."""
    fetch = early or Prefetch(cwd, pathspecs, entries=entries, tree=False)
    out, err = fetch.head.communicate()
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if fetch.head.returncode not in (0, 1) or not lines:
        fetch.close()
        raise NotARepo(
            f"{cwd} is not inside a git repository ({err.decode('utf-8', 'replace').strip()})",
            hint="git runs this from its hooks; to check files by hand, use git pod-validate",
        )
    head = lines[1] if len(lines) > 1 else None
    diff_proc = fetch.diff
    if head is None:  # the first commit: diff against the empty tree instead of HEAD
        diff_proc.communicate()
        diff_proc = start(fetch.diff_args(EMPTY_TREE), cwd)
    found: dict[str, IndexEntry] = {}
    for line in _split(_finish(fetch.listing, ["ls-files"])):
        meta, _, path = line.partition("\t")
        mode, sha, stage = meta.split(" ")
        if stage == "0" or path not in found:  # a conflicted path shows its stages; keep one
            found[path] = IndexEntry(mode, sha, path)
    fields = _split(_finish(diff_proc, fetch.diff_args(head or EMPTY_TREE)))
    changes = {fields[i + 1]: fields[i][:1] for i in range(0, len(fields) - 1, 2)}
    return Staged(changes=changes, entries=found, head=head, git_common=Path(lines[0]))


def read_blobs(
    cwd: Path, specs: Iterable[str], limit: int, proc: subprocess.Popen[bytes] | None = None
) -> dict[str, bytes | None]:
    """Objects by name (a blob id, `:path` in the index, `REV:path`), in one `git cat-file --batch`
    (proc, when a prefetch started it already).

    A missing object maps to None; one over limit bytes maps to a TooLarge (empty, carrying
    its size), so a huge staged file is never read into memory.
    """
    wanted = list(dict.fromkeys(specs))
    for spec in wanted:
        if "\n" in spec:
            raise ValueError(f"an object name cannot hold a newline: {spec!r}")
    args = ["cat-file", "--batch"]
    if proc is None:
        proc = start(args, cwd, feed=True)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    request = "".join(f"{spec}\n" for spec in wanted).encode("utf-8", "surrogateescape")
    feeder = None
    if len(request) < _PIPE_SAFE:
        _feed(proc.stdin, request)
    else:  # a thread, so a long request never deadlocks against git's full output pipe
        import threading

        feeder = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
        feeder.start()
    found: dict[str, bytes | None] = {}
    for spec in wanted:
        header = proc.stdout.readline().rstrip(b"\n")
        if header.endswith((b" missing", b" ambiguous")) or header.count(b" ") != 2:  # names may hold spaces
            found[spec] = None
            continue
        size = int(header.rsplit(b" ", 1)[1])
        if size > limit:
            _skip(proc.stdout, size + 1)
            found[spec] = TooLarge(size)
            continue
        found[spec] = proc.stdout.read(size)
        proc.stdout.read(1)
    if feeder is not None:
        feeder.join()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.wait() != 0:
        raise GitFailed(["git", *args], proc.returncode, err.decode("utf-8", "replace"))
    return found


def _feed(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except BrokenPipeError:  # git died; its exit code tells why
        pass


class TooLarge(bytes):
    """Stands in for a blob over the size limit: empty, with the size it really has."""

    size: int

    def __new__(cls, size: int) -> TooLarge:
        made = super().__new__(cls, b"")
        made.size = size
        return made


def _skip(stream: object, count: int) -> None:
    read = stream.read  # type: ignore[attr-defined]
    while count > 0:
        chunk = read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)


def write_tree(cwd: Path, early: Prefetch | None = None) -> str:
    """The tree the index would commit (what the pre-commit marker names)."""
    proc = early.tree if early is not None and early.tree is not None else start(["write-tree"], cwd)
    return _finish(proc, ["write-tree"]).decode().strip()


def add_mark(git_common: Path, tree: str, hook_id: str, status: str) -> Path:
    """Append `<tree> <hook> <status> <unix time>` to the marks file; keep it bounded.

    One short `write` on an O_APPEND file is atomic enough for concurrent hooks; trimming
    rewrites the file through a rename so a reader never sees half of it.
    """
    path = git_common / MARKS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{tree} {hook_id} {status} {int(time.time())}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size > _MARKS_KEPT * 2 * len(line):
        write_atomic(path, b"".join(path.read_bytes().splitlines(keepends=True)[-_MARKS_KEPT:]))
    return path


def marks_for(git_common: Path, tree: str) -> list[tuple[str, str]]:
    """The (hook id, status) pairs recorded for a tree (or a `message_key`), oldest first."""
    path = git_common / MARKS_FILE
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    out = []
    for line in raw.decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 4 and parts[0] == tree:
            out.append((parts[1], parts[2]))
    return out


# the trailers a commit-msg mark is keyed by
MESSAGE_KEYS = ("pod", "task", "patch-id", "pod-bundle", "pod-review")


def pod_trailers(text: str) -> dict[str, list[str]]:
    """Trailer lines (`git interpret-trailers --parse`, `%(trailers:only,unfold)`) as lower-cased
    key -> values, in order (what checks.trailers.parse gives, without its imports)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out.setdefault(key.strip().lower(), []).append(value.strip())
    return out


def message_key(tree: str, trailers: Mapping[str, Sequence[str]]) -> str:
    """The key of the commit-msg hook's mark: `<tree>:<digest of the message's pod trailers>`.

    The tree alone cannot tell a checked message from another one on the same tree (a reworded
    or `--allow-empty` commit); the commit's own trailers, read back by post-commit, give the
    same digest as the message file the hook checked. Sorted, so order does not matter."""
    import hashlib

    canon = "".join(f"{key}: {value}\n" for key in MESSAGE_KEYS for value in sorted(trailers.get(key, ())))
    return f"{tree}:{hashlib.sha256(canon.encode('utf-8', 'surrogateescape')).hexdigest()[:20]}"
