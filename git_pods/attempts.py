"""Several answers to one prompt: a second answer whose patch id is taken (queued with other
content, promoted, or rejected) becomes another attempt, `<id>-2`, `<id>-3`..., its files naming
the new id and its trace `attempt_of: <id>`, so no answer is a dead end and each stays itself."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from git_pods import ids
from git_pods.bundle import (
    CHANGELOG,
    HANDOFF,
    LOGS_DIR,
    QUEUE_DIR,
    REJECTED_DIR,
    TRACE,
    bundle_digest,
    sha256_file,
)
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.handoffs import archived_files
from git_pods.priorwork import task_branch_refs
from git_pods.queueing import new_patch_id
from git_pods.record import record
from git_pods.yamlsafe import YamlProblems, dump, load

MAX_ATTEMPTS = 99
_ATTEMPT = re.compile(r"^(?P<base>.+)-(?P<n>[2-9]|[1-9][0-9])$")


@record
class Promoted:
    """Where a patch id is promoted (HEAD or a pods/* branch) and that record's Pod-Bundle digest."""

    rev: str
    digest: str


def base_of(patch_id: str) -> str:
    """patch_x-3 -> patch_x (an attempt's own id names its first answer)."""
    match = _ATTEMPT.match(patch_id)
    return match.group("base") if match else patch_id


def promoted(git: Git, patch_id: str) -> Promoted | None:
    """The patch id's promoted record in HEAD or on a pods/* branch, if any."""
    found = archived_files(git, patch_id)
    return Promoted(found[0], bundle_digest(found[1])) if found is not None else None


def taken(root: Path, git: Git, candidates: Iterable[str]) -> set[str]:
    """Which of the candidate ids are used: queued, rejected, archived here or on a pods/* branch."""
    wanted = list(candidates)
    out = set()
    for patch_id in wanted:
        for folder in (root / QUEUE_DIR / patch_id, root / REJECTED_DIR / patch_id):
            if folder.exists() or folder.is_symlink():
                out.add(patch_id)
    specs = {f"{rev}:{LOGS_DIR}/{p}": p for rev in ["HEAD", *task_branch_refs(git)] for p in wanted}
    found = read_objects(git, specs)
    out |= {p for spec, p in specs.items() if found.get(spec) is not None}
    lowered = {
        p.name.casefold()
        for d in (QUEUE_DIR, REJECTED_DIR)
        if (root / d).is_dir()
        for p in (root / d).iterdir()
    }
    return out | {p for p in wanted if p.casefold() in lowered}


def fresh_patch_id(root: Path, git: Git) -> str:
    """A new patch id no bundle uses anywhere: the queue, the rejected ones, the archive here, and
    every pods/* branch (two steps in one second would otherwise hand the next pod the id the
    last one promoted)."""
    return new_patch_id(root, lambda names: taken(root, git, names))


def next_attempt(root: Path, git: Git, first: str) -> str | None:
    """The first free `<first>-N` (N from 2), or None when none is free or valid."""
    names = [f"{first}-{n}" for n in range(2, MAX_ATTEMPTS + 1)]
    names = [n for n in names if ids.is_patch_id(n)]
    used = taken(root, git, names)
    return next((n for n in names if n not in used), None)


def as_attempt(files: Mapping[str, bytes], old: str, new: str) -> dict[str, bytes]:
    """The bundle's files renamed from patch id old to new, the trace saying attempt_of: old, and
    the handoff's digests of the trace and changelog kept true (only where they were)."""
    token = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(old)}(?![A-Za-z0-9_-])".encode())
    out = dict(files)
    for name in (TRACE, CHANGELOG, HANDOFF):
        if name in out:
            out[name] = token.sub(new.encode(), out[name])
    if TRACE in out:
        out[TRACE] = _with_attempt_of(out[TRACE], old)
    if HANDOFF in out:
        for name in (TRACE, CHANGELOG):
            if name in files and name in out:
                before, after = sha256_file(files[name]).encode(), sha256_file(out[name]).encode()
                out[HANDOFF] = out[HANDOFF].replace(before, after)
    return out


def _with_attempt_of(raw: bytes, old: str) -> bytes:
    """attempt_of: old added to a trace (a line at its end, so its layout and comments stay);
    a trace that is not a plain block mapping is written again instead."""
    line = f"attempt_of: {old}\n".encode()
    added = raw + (b"" if raw.endswith(b"\n") or not raw else b"\n") + line
    try:
        data = load(added, TRACE).data
        if isinstance(data, dict) and data.get("attempt_of") == old:
            return added
    except YamlProblems:
        pass  # a flow mapping, say: written again below
    try:
        data = load(raw, TRACE).data
    except YamlProblems:
        return raw  # the queued bundle's validation reports the trace
    if not isinstance(data, dict):
        return raw
    data = {k: v for k, v in data.items() if k != "attempt_of"}
    data["attempt_of"] = old
    return dump(data).encode("utf-8")
