"""Reading a range of history for `git pod-verify` in a fixed number of batched git calls.

Never a git process per commit (FACTS.md): one `rev-list` names the commits, one `git log --raw`
gives every change under the record folders with its new blob and mode, one `git log` gives every
commit's trailers, and one `git cat-file --batch` per round reads the trees and blobs the checks
need, for all commits at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from git_pods.checks.staged import place_of
from git_pods.checks.trailers import parse
from git_pods.errors import RepoStateError
from git_pods.gitio.objects import read_objects, tree_entries
from git_pods.gitio.runner import Git
from git_pods.record import record

RECORD = (".pods", ".patches", ".logs")
# Refs that are git-pods' or git's own bookkeeping, not history anyone pushes: --all leaves them out.
INTERNAL_REFS = ("refs/notes/*", "refs/pods-promote/*", "refs/pods-onefile/*", "refs/stash")
ZERO = ("0" * 40, "0" * 64)


@record
class Change:
    """One record path a commit adds, modifies, deletes or retypes (against its first parent)."""

    status: str  # A, M, D or T
    mode: str  # the new mode (000000 when deleted)
    sha: str  # the new blob (zeros when deleted)


@record
class Commit:
    """One commit of the range: its parents, record changes and parsed trailers."""

    sha: str
    parents: tuple[str, ...]
    changes: dict[str, Change]
    trailers: dict[str, list[str]]


def rev_args(range_: str | None, all_: bool) -> list[str]:
    """rev-list arguments for --range A..B, or for every branch, tag and remote-tracking ref."""
    if all_:
        return [*(f"--exclude={pattern}" for pattern in INTERNAL_REFS), "--all"]
    return [range_ or ""]


def read_range(git: Git, revs: list[str]) -> list[Commit]:
    """Every commit rev-list gives for revs, oldest first, with its record changes and trailers;
    exit 3 when the clone lacks the history the range needs."""
    listed = _rev_list(git, revs)
    if not listed:
        return []
    changes = _record_changes(git, [sha for sha, _parents in listed])
    claims = _claims(git, revs, {sha for sha, _parents in listed})
    return [Commit(sha, parents, changes.get(sha, {}), claims.get(sha, {})) for sha, parents in listed]


def _rev_list(git: Git, revs: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    done = git.run(["rev-list", "--reverse", "--parents", *revs, "--"], check=False)
    if done.returncode != 0:
        shallow = git.run(["rev-parse", "--is-shallow-repository"], check=False).stdout.strip() == b"true"
        shown = " ".join(r for r in revs if not r.startswith("--exclude"))
        raise RepoStateError(
            f"the range {shown} cannot be read: {done.stderr.decode('utf-8', 'replace').strip()}",
            hint="this clone is shallow: fetch the history the range needs (git fetch --unshallow, or "
            "--deepen N; in CI, check out with fetch-depth: 0)"
            if shallow
            else "name commits or branches this clone has (git fetch first)",
        )
    out = []
    for line in done.stdout.decode().splitlines():
        parts = line.split()
        out.append((parts[0], tuple(parts[1:])))
    boundary = _shallow_boundary(git)
    stuck = [sha for sha, _parents in out if sha in boundary]
    if stuck:
        raise RepoStateError(
            f"the range reaches {stuck[0][:12]}, whose parents this shallow clone lacks",
            hint="fetch the history the range needs: git fetch --deepen 50 (in CI: fetch-depth: 0)",
        )
    return out


def _shallow_boundary(git: Git) -> set[str]:
    """The commits a shallow clone has without their parents (none in a full clone)."""
    path = Path(
        git.run(["rev-parse", "--path-format=absolute", "--git-path", "shallow"]).stdout.decode().strip()
    )
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def _record_changes(git: Git, commits: list[str]) -> dict[str, dict[str, Change]]:
    """Per commit (against its first parent; a root commit against nothing), the record paths it
    changes, each with its new mode and blob: one `git diff-tree --stdin`, read field by field
    (-z: a path may hold any byte but NUL, so nothing is split on a delimiter a path can hold)."""
    args = ["diff-tree", "--stdin", "-r", "--raw", "-z", "--no-renames", "--no-abbrev", "--root"]
    stdin = "".join(f"{sha}\n" for sha in commits).encode()
    raw = git.run([*args, "--diff-merges=first-parent", "--", *RECORD], input=stdin).stdout
    fields = raw.split(b"\0")
    out: dict[str, dict[str, Change]] = {}
    current: dict[str, Change] = {}
    i = 0
    while i < len(fields):
        item = fields[i]
        if item.startswith(b":") and i + 1 < len(fields):
            _old_mode, new_mode, _old, new, status = item[1:].decode("ascii").split(" ")
            current[fields[i + 1].decode("utf-8", "surrogateescape")] = Change(status[:1], new_mode, new)
            i += 2
            continue
        if item.strip():  # a commit id: the diff-tree header before its changes
            current = out.setdefault(item.decode("ascii").strip(), {})
        i += 1
    return {sha: changes for sha, changes in out.items() if changes}


def _claims(git: Git, revs: list[str], commits: set[str]) -> dict[str, dict[str, list[str]]]:
    """Every commit's trailers (one git log), parsed as the commit-msg hook parses them. Records
    are split on a random marker no commit message can know in advance."""
    marker = secrets.token_hex(16)
    raw = git.run(["log", f"--format=%x00{marker}%H%x00%(trailers:unfold,only)", *revs, "--"]).stdout
    out = {}
    for block in raw.split(f"\0{marker}".encode())[1:]:
        commit, _, text = block.partition(b"\0")
        sha = commit.decode("ascii", "replace").strip()
        if sha in commits and text.strip():
            trailers = parse(text.decode("utf-8", "replace"))
            if trailers:
                out[sha] = trailers
    return out


def folder_listings(git: Git, specs: Iterable[str]) -> dict[str, list[tuple[str, str, str]] | None]:
    """Each `REV:folder` spec's files, recursively, as (mode, path below the folder, id); None when
    the folder is not there. One cat-file batch per level of nesting."""
    pending = {spec: spec for spec in dict.fromkeys(specs)}
    found: dict[str, list[tuple[str, str, str]] | None] = {spec: None for spec in pending}
    prefix = {spec: "" for spec in pending}
    while pending:
        objects = read_objects(git, pending)
        nested = {}
        for spec, owner in pending.items():
            obj = objects.get(spec)
            if obj is None or obj.kind != "tree":
                continue
            files = found[owner] or []
            for mode, name, sha in tree_entries(obj):
                path = prefix[spec] + name
                if mode == "040000":
                    nested[f"{spec}/{name}"] = owner
                    prefix[f"{spec}/{name}"] = path + "/"
                else:
                    files.append((mode, path, sha))
            found[owner] = files
        pending = nested
    return found


def record_ids(git: Git, commits: Iterable[str]) -> set[tuple[str, str]]:
    """The (kind, id) of every queued and archived bundle in the given commits' trees."""
    specs = [f"{c}:{folder}" for c in commits for folder in (".patches", ".patches/queue", ".logs")]
    out: set[tuple[str, str]] = set()
    for spec, obj in read_objects(git, specs).items():
        if obj is None or obj.kind != "tree":
            continue
        folder = spec.split(":", 1)[1]
        for _mode, name, _sha in tree_entries(obj):
            place = place_of(f"{folder}/{name}" if folder == ".patches" else f"{folder}/{name}/x")
            if place is not None and place.kind in ("queued", "archived"):
                out.add((place.kind, place.id))
    return out
