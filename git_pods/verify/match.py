"""GP501: a commit that archives bundles changes exactly what their diffs say, applied to its parent
in queue order.

The fast path costs one git process for any number of commits: `git diff-tree --stdin -p
--binary -M` gives every commit's own diff outside the record, and a commit passes at once when
its archived diffs are that very text, `index` lines aside (they only name blobs; a binary
change is compared by its `GIT binary patch` data, which --binary always writes). A diff git
wrote for the same change with the same options is exactly that text, as `git pod-submit`
writes it. Anything else (a diff written by hand or with other options, several diffs in one
commit, merges, a real difference) goes the exact way: the archived diffs applied to the parent
in a temporary index, and the trees compared.

Patch ids (`git patch-id`) are not used to accept a commit: they ignore where in a file a hunk
lands, hash a binary change by the blob ids its diff claims, and read any `commit <id>` line
inside an archived diff as the start of another commit's patch.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from git_pods.bundle import LOGS_DIR, PATCHES_DIR
from git_pods.checks.rules import violation
from git_pods.gitio.runner import Git
from git_pods.record import record
from git_pods.violation import Violation

OUTSIDE_RECORD = ["--", ".", f":(exclude){PATCHES_DIR}", f":(exclude){LOGS_DIR}"]
_DIFF = ["-c", "core.quotePath=false", "diff-tree", "--stdin", "--root", "--no-color", "--no-ext-diff"]
_HEADER = b"commit "


@record
class Job:
    """One commit that archives bundles: its parents and its archived diffs in queue order (each
    with the archive file it came from, for messages)."""

    commit: str
    parents: tuple[str, ...]
    diffs: tuple[bytes, ...]
    names: tuple[str, ...] = ()
    squash: bool = False  # on a squash-merge target: changes beyond the diffs are human edits


def check_changes(git: Git, common: Path, jobs: Sequence[Job]) -> dict[str, list[Violation]]:
    """Each job's GP501 (or, on a squash-merge target, GP502) problems, by commit."""
    fast = [j for j in jobs if len(j.parents) <= 1 and len(j.diffs) == 1]
    agreed = _agreed(git, fast) if fast else set()
    out: dict[str, list[Violation]] = {}
    for job in jobs:
        if job.commit in agreed:
            continue
        found = exact(git, common, job)
        if found:
            out[job.commit] = found
    return out


def _agreed(git: Git, jobs: Sequence[Job]) -> set[str]:
    """The jobs whose archived diff is git's own diff of the commit (index lines aside)."""
    stdin = "".join(f"{j.commit}\n" for j in jobs).encode()
    args = [*_DIFF, "-p", "--binary", "-M", f"--format={_HEADER.decode()}%H", *OUTSIDE_RECORD]
    real = _split(git.run(args, input=stdin).stdout)
    return {j.commit for j in jobs if j.commit in real and _text(j.diffs[0]) == real[j.commit]}


def _split(raw: bytes) -> dict[str, list[bytes]]:
    """diff-tree's output by commit, as _text lines. A `commit <id>` line only ever starts a
    commit's block here: in git's own diff every content line starts with ' ', '+' or '-', and
    no header or base85 line can read `commit `."""
    out: dict[str, list[bytes]] = {}
    lines: list[bytes] = []
    for line in raw.split(b"\n"):
        if line.startswith(_HEADER):
            lines = out.setdefault(line[len(_HEADER) :].decode("ascii", "replace").strip(), [])
        elif not line.startswith(b"index "):
            lines.append(line)
    return {commit: _trimmed(lines) for commit, lines in out.items()}


def _text(diff: bytes) -> list[bytes]:
    return _trimmed([line for line in diff.split(b"\n") if not line.startswith(b"index ")])


def _trimmed(lines: list[bytes]) -> list[bytes]:
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


def exact(git: Git, common: Path, job: Job) -> list[Violation]:
    """GP501 unless the archived diffs, applied to the first parent in queue order, make the
    commit's tree outside the record (applied in a temporary index: nothing else is touched).
    On a squash-merge target, a tree that differs, or diffs that no longer apply in order
    because human edits came between them, is GP502 (a warning)."""
    from git_pods.promote.build import APPLY

    parent = job.parents[0] if job.parents else None
    (common / "pods").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=common / "pods") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git.run(["read-tree", parent] if parent else ["read-tree", "--empty"], env=env)
        for n, raw in enumerate(job.diffs):
            for extra in ([], ["--recount"], ["--3way"]):  # as promote may have applied it (opt-in flags)
                done = git.run([*APPLY, *extra], input=raw, env=env, check=False)
                if done.returncode == 0:
                    break
            if done.returncode != 0:
                why = " ".join(done.stderr.decode("utf-8", "replace").strip().splitlines()[:1])
                name = job.names[n] if n < len(job.names) else None
                if job.squash:
                    message = f"the archived diffs do not apply in order (human edits between them?): {why}"
                    return [violation("GP502", message, file=name)]
                return [
                    violation("GP501", f"an archived diff does not apply to the parent: {why}", file=name)
                ]
        tree = git.run(["write-tree"], env=env).stdout.decode().strip()
    differ = git.run(
        ["diff-tree", "-r", "--name-only", "-z", "--no-renames", tree, job.commit, *OUTSIDE_RECORD]
    )
    paths = [p.decode("utf-8", "surrogateescape") for p in differ.stdout.split(b"\0") if p]
    if not paths:
        return []
    shown = ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")
    if job.squash:
        return [violation("GP502", f"human edits beyond the archived diffs in {shown}", file=paths[0])]
    return [
        violation("GP501", f"the commit's change differs from its archived diffs in {shown}", file=paths[0])
    ]
