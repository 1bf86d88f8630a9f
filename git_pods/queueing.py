"""The queue: a bundle put in place in one step (written aside, read back, renamed), and free patch ids."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from git_pods.bundle import LOGS_DIR, PATCHES_DIR, QUEUE_DIR
from git_pods.errors import RepoStateError
from git_pods.fsio import remove_tree


def queued(root: Path) -> dict[str, Path]:
    """The queue's entries by case-folded name (macOS and Windows fold `Patch_1` and `patch_1`)."""
    folder = root / QUEUE_DIR
    return {p.name.casefold(): p for p in folder.iterdir()} if folder.is_dir() else {}


def holds(target: Path, chosen: dict[str, bytes]) -> bool:
    """Whether target holds exactly these files, byte for byte."""
    try:
        return all((target / kind).read_bytes() == data for kind, data in chosen.items())
    except OSError:
        return False


def place(target: Path, chosen: dict[str, bytes]) -> None:
    """Write to a scratch folder beside the target, read it back, then rename it into place."""
    for stale in target.parent.glob(f".intake-{target.name}-*"):  # left by an interrupted run
        owner = stale.name[len(f".intake-{target.name}-") :]
        if owner.isdigit() and not alive(int(owner)):
            remove_tree(stale)
    scratch = target.with_name(f".intake-{target.name}-{os.getpid()}")
    scratch.mkdir(parents=True)
    for kind, data in chosen.items():
        with open(scratch / kind, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    if not holds(scratch, chosen):  # pragma: no cover - a disk that lies
        raise OSError(f"{scratch}: the copies do not read back as written")
    try:
        os.rename(scratch, target)
    except OSError:
        remove_tree(scratch)
        if target.exists():
            raise FileExistsError(target) from None
        raise


def alive(pid: int) -> bool:
    """Whether a process with this id runs (a scratch folder of a live run is never touched)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def taken_ids(root: Path) -> set[str]:
    """Patch ids in the queue and the archive (diffs, and logs: a review answer has no diff), case
    folded (macOS and Windows fold them)."""
    logs = root / LOGS_DIR
    archived = {p.name.casefold() for p in logs.iterdir() if p.is_dir()} if logs.is_dir() else set()
    return set(queued(root)) | archived | {p.stem.casefold() for p in (root / PATCHES_DIR).glob("*.diff")}


def new_patch_id(root: Path, elsewhere: Callable[[list[str]], set[str]] | None = None) -> str:
    """The seeds' form, patch_YYYYmmdd_HHMMSS (UTC), made unique in the queue and archive, and
    among the ids elsewhere(candidates) says are used (those on task branches, asked of git once)."""
    stem = time.strftime("patch_%Y%m%d_%H%M%S", time.gmtime())
    taken = taken_ids(root) | {
        p.name[len(".intake-") :].rsplit("-", 1)[0].casefold() for p in (root / QUEUE_DIR).glob(".intake-*-*")
    }
    candidates = [stem, *(f"{stem}_{n}" for n in range(2, 100))]
    taken |= {c.casefold() for c in (elsewhere(candidates) if elsewhere else ())}
    free = next((c for c in candidates if c.casefold() not in taken), None)
    if free is None:  # a hundred bundles in one second
        raise RepoStateError(f"no free patch id this second ({stem}_2 to _99 are taken)", hint="run again")
    return free
