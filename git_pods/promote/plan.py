"""Which queued bundles a promote takes, in queue order, what each holds, and which branch it goes to."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from git_pods import ids
from git_pods.bundle import (
    DIFF,
    LOG_SCHEMAS,
    QUEUE_DIR,
    TRACE,
    bundle_digest,
    needed_files,
    review_only,
    verdict_of,
)
from git_pods.errors import UsageError
from git_pods.record import record
from git_pods.yamlsafe import YamlProblems, load

SERIES = "series"
TASK_BRANCH_PREFIX = "pods/"
# git check-ref-format, for the parts a task id or branch name can get wrong
_BAD_REF = re.compile(r"(^|/)\.|\.\.|\.lock(/|$)|[\x00-\x20~^:?*\[\\\x7f]|@\{|/$|^/|//|\.$|^@$")


@record
class Candidate:
    """One queued bundle as read from the queue: its files' bytes and who it says it is."""

    patch_id: str
    folder: Path
    files: Mapping[str, bytes]  # the digested files that could be read
    pod: str | None
    task: str | None
    verdict: str | None = None  # a review answer's verdict
    attempt_of: str | None = None  # the first answer to the same prompt, when this is another attempt

    @property
    def needed(self) -> tuple[str, ...]:
        """The files it must have: all four, or a review answer's trace and handoff."""
        return needed_files(self.verdict, self.files.get(DIFF))

    @property
    def family(self) -> str:
        """The first answer to its prompt: attempt_of, else its own id."""
        return self.attempt_of or self.patch_id

    @property
    def review_only(self) -> bool:
        """A review or blocked answer that changes no code."""
        return review_only(self.verdict, self.files.get(DIFF))

    @property
    def digest(self) -> str | None:
        """The Pod-Bundle digest, when the files it needs are there."""
        if any(name not in self.files for name in self.needed):
            return None
        return bundle_digest(self.files)


def queue_order(root: Path) -> list[Path]:
    """The queue's bundle folders in promotion order: the ids `series` lists (as quilt does),
    then the rest by patch id (the seeds' timestamped ids sort by time)."""
    queue = root / QUEUE_DIR
    folders = (
        sorted(p for p in queue.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
        if queue.is_dir() and not queue.is_symlink()
        else []
    )
    listed: list[Path] = []
    series = queue / SERIES
    if series.is_file() and not series.is_symlink():
        by_key: dict[str, list[Path]] = {}
        for folder in folders:
            by_key.setdefault(folder.name.casefold(), []).append(folder)
        for line in series.read_text("utf-8", "replace").splitlines():
            name = line.split("#", 1)[0].strip().casefold()
            listed += [p for p in by_key.get(name, []) if p not in listed]
    return listed + [p for p in folders if p not in listed]


def series_strays(root: Path) -> list[str]:
    """Ids the series file lists that are not in the queue (promoted already, or a typo)."""
    series = root / QUEUE_DIR / SERIES
    if not series.is_file() or series.is_symlink():
        return []
    present = {p.name.casefold() for p in queue_order(root)}
    names = [line.split("#", 1)[0].strip() for line in series.read_text("utf-8", "replace").splitlines()]
    return [n for n in names if n and n.casefold() not in present]


def choose(root: Path, wanted: Sequence[str], take_all: bool) -> list[Path]:
    """The folders to promote, in queue order; an id not in the queue is a usage error (exit 2)
    before anything is done, so a typo never promotes half a list."""
    if not wanted and not take_all:
        raise UsageError(
            "name the bundles to promote, or pass --all",
            hint="git pod-promote patch_20250419_123456, or git pod-promote --all "
            "(git pod-validate .patches/queue lists the queue)",
        )
    if wanted and take_all:
        raise UsageError("pass patch ids or --all, not both")
    ordered = queue_order(root)
    if take_all:
        return ordered
    by_key = {p.name.casefold(): p for p in ordered}
    missing = [w for w in wanted if w.casefold() not in by_key]
    if missing:
        present = ", ".join(p.name for p in ordered[:5]) or "the queue is empty"
        raise UsageError(
            f"not in the queue ({QUEUE_DIR}/): {', '.join(missing)}",
            hint=f"queued: {present}{' ...' if len(ordered) > 5 else ''}; a promoted bundle lives in "
            ".patches/<ID>.diff on its branch",
        )
    keys = {w.casefold() for w in wanted}
    return [p for p in ordered if p.name.casefold() in keys]


def case_twins(candidates: Sequence[Candidate]) -> dict[str, str]:
    """Queued ids that differ from an earlier one only in letter case: id -> the earlier id."""
    first: dict[str, str] = {}
    twins: dict[str, str] = {}
    for candidate in candidates:
        earlier = first.setdefault(candidate.patch_id.casefold(), candidate.patch_id)
        if earlier != candidate.patch_id:
            twins[candidate.patch_id] = earlier
    return twins


def read_candidate(folder: Path) -> Candidate:
    """The bundle's files as bytes (links and folders are left to the rules to report)."""
    files: dict[str, bytes] = {}
    for name in (*LOG_SCHEMAS, DIFF):
        path = folder / name
        if path.is_file() and not path.is_symlink():
            try:
                files[name] = path.read_bytes()
            except OSError:
                continue
    pod = task = verdict = attempt_of = None
    if TRACE in files:
        try:
            data = load(files[TRACE], TRACE).data
        except YamlProblems:
            data = None
        if isinstance(data, dict):
            pod = data.get("pod") if isinstance(data.get("pod"), str) else None
            found = data.get("task_id")
            task = found if isinstance(found, str) and ids.is_task_id(found) else None
            verdict = verdict_of(data)
            first = data.get("attempt_of")
            attempt_of = first if isinstance(first, str) and ids.is_patch_id(first) else None
    return Candidate(folder.name, folder, MappingProxyType(files), pod, task, verdict, attempt_of)


def branch_problem(name: str) -> str | None:
    """Why name cannot be a branch (git check-ref-format rules), or None."""
    if not name or _BAD_REF.search(name) or name.endswith(".lock"):
        return f"{name!r} is not a valid branch name"
    return None


def target_branch(candidate: Candidate, onto: str | None) -> str | None:
    """--onto BRANCH, else the task's branch pods/<task>; None when the trace names no task."""
    if onto is not None:
        return onto
    return f"{TASK_BRANCH_PREFIX}{candidate.task}" if candidate.task else None
