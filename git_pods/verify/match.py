"""GP501: a commit that archives bundles changes exactly what their diffs say, applied to its parent
in queue order.

The fast path costs three git processes for any number of commits (FACTS.md, "Verify by
patch-id"): the commits' own diffs, outside the record, through one `git diff-tree --stdin` into
one `git patch-id --verbatim`; the archived diffs through one more `git patch-id --verbatim`; and
one `git diff-tree --stdin --raw` for each commit's paths and modes. A commit passes there when
both patch ids agree and the archived diffs name the same paths with the same modes and deletions
(patch ids ignore modes and empty files). Anything else (diffs made with other options, several
diffs touching one file, merges, a real difference) goes the exact way: the archived diffs applied
to the parent in a temporary index, and the trees compared.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from git_pods.bundle import LOGS_DIR, PATCHES_DIR
from git_pods.checks.rules import violation
from git_pods.diffscan import DiffSyntaxError, scan
from git_pods.gitio.runner import Git
from git_pods.record import record
from git_pods.violation import Violation

OUTSIDE_RECORD = ["--", ".", f":(exclude){PATCHES_DIR}", f":(exclude){LOGS_DIR}"]
_DIFF = ["-c", "core.quotePath=false", "diff-tree", "--stdin", "--root", "--no-color", "--no-ext-diff"]


@record
class Job:
    """One commit that archives bundles: its parents and its archived diffs in queue order."""

    commit: str
    parents: tuple[str, ...]
    diffs: tuple[bytes, ...]
    squash: bool = False  # on a squash-merge target: changes beyond the diffs are human edits


def check_changes(git: Git, common: Path, jobs: Sequence[Job]) -> dict[str, list[Violation]]:
    """Each job's GP501 (or, on a squash-merge target, GP502) problems, by commit."""
    fast = [j for j in jobs if len(j.parents) <= 1 and j.diffs]
    agreed = _agreed(git, fast) if fast else set()
    out: dict[str, list[Violation]] = {}
    for job in jobs:
        if job.commit in agreed:
            continue
        parent = job.parents[0] if job.parents else None
        found = exact(git, common, parent, job.commit, job.diffs, job.squash)
        if found:
            out[job.commit] = found
    return out


def _agreed(git: Git, jobs: Sequence[Job]) -> set[str]:
    """The jobs whose patch ids and path shapes agree (the fast path's yes; no proof of a no)."""
    stdin = "".join(f"{j.commit}\n" for j in jobs).encode()
    theirs = git.run(
        [*_DIFF, "-p", "--binary", "-M", "--format=commit %H", *OUTSIDE_RECORD], input=stdin
    ).stdout
    real = _patch_ids(git, theirs)
    if real is None:  # before git 2.39 patch ids ignore whitespace, which is code in Python or YAML
        return set()
    claimed = _patch_ids(git, b"".join(_archived_stream(j) for j in jobs)) or {}
    shapes = _real_shapes(git, stdin)
    return {
        j.commit
        for j in jobs
        if real.get(j.commit) == claimed.get(j.commit) and shapes.get(j.commit, {}) == _claimed_shape(j.diffs)
    }


def _archived_stream(job: Job) -> bytes:
    parts = [f"commit {job.commit}\n".encode()]
    for diff in job.diffs:
        parts.append(diff if diff.endswith(b"\n") else diff + b"\n")
    return b"".join(parts)


def _patch_ids(git: Git, stream: bytes) -> dict[str, str] | None:
    """`git patch-id --verbatim` of a stream of `commit <id>` blocks: patch id by commit (a block
    holding no change gets none); None when this git has no --verbatim."""
    done = git.run(["patch-id", "--verbatim"], input=stream, check=False)
    if done.returncode != 0:
        if b"usage:" in done.stderr or done.returncode == 129:
            return None
        git.run(["patch-id", "--verbatim"], input=stream)  # raise git's own failure
    found = {}
    for line in done.stdout.decode().splitlines():
        patch, _, commit = line.partition(" ")
        found[commit.strip()] = patch
    return found


def _real_shapes(git: Git, stdin: bytes) -> dict[str, dict[str, str]]:
    """Per commit, outside the record: path -> its new mode, or "D" when deleted."""
    raw = git.run([*_DIFF, "-r", "--raw", "-z", "--no-renames", "--no-abbrev", *OUTSIDE_RECORD], input=stdin)
    fields = raw.stdout.split(b"\0")
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    i = 0
    while i < len(fields):
        item = fields[i]
        if item.startswith(b":") and i + 1 < len(fields):
            _old_mode, new_mode, _old, _new, status = item[1:].decode().split(" ")
            path = fields[i + 1].decode("utf-8", "surrogateescape")
            current[path] = "D" if status.startswith("D") else new_mode
            i += 2
            continue
        if item.strip():
            current = out.setdefault(item.decode().strip(), {})
        i += 1
    return out


def _claimed_shape(diffs: Iterable[bytes]) -> dict[str, str] | None:
    """What the diffs, applied in order, leave per path: its mode, or "D"; None when a diff cannot
    be read or does not say a file's mode (the exact way decides)."""
    shape: dict[str, str] = {}
    for raw in diffs:
        try:
            files = scan(raw.decode("utf-8", "surrogateescape"))
        except DiffSyntaxError:
            return None
        for change in files:
            source = change.rename_from or change.git_old or change.minus
            if change.new_mode == "deleted":
                if source is None:
                    return None
                shape[source] = "D"
                continue
            target = change.target
            mode = change.new_mode or change.index_mode
            if target is None or mode is None:
                return None
            if change.rename_from:
                shape[change.rename_from] = "D"
            shape[target] = mode
    return shape


def exact(
    git: Git, common: Path, parent: str | None, commit: str, diffs: Sequence[bytes], squash: bool = False
) -> list[Violation]:
    """GP501 unless the archived diffs, applied to the parent in queue order, make the commit's
    tree outside the record (applied in a temporary index: nothing else is touched). On a
    squash-merge target, a tree that differs is GP502 (human edits, a warning)."""
    from git_pods.promote.build import APPLY

    (common / "pods").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=common / "pods") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git.run(["read-tree", parent] if parent else ["read-tree", "--empty"], env=env)
        for raw in diffs:
            for extra in ([], ["--recount"], ["--3way"]):  # as promote may have applied it (opt-in flags)
                done = git.run([*APPLY, *extra], input=raw, env=env, check=False)
                if done.returncode == 0:
                    break
            if done.returncode != 0:
                why = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
                return [violation("GP501", f"an archived diff does not apply to the parent: {' '.join(why)}")]
        tree = git.run(["write-tree"], env=env).stdout.decode().strip()
    differ = git.run(["diff-tree", "-r", "--name-only", "-z", "--no-renames", tree, commit, *OUTSIDE_RECORD])
    paths = [p.decode("utf-8", "surrogateescape") for p in differ.stdout.split(b"\0") if p]
    if not paths:
        return []
    shown = ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")
    if squash:
        return [violation("GP502", f"human edits beyond the archived diffs in {shown}", file=paths[0])]
    return [
        violation("GP501", f"the commit's change differs from its archived diffs in {shown}", file=paths[0])
    ]
