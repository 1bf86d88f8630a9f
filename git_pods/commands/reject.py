"""`git pod-reject` and `git pod-requeue`: the lead moves a queued bundle to .patches/rejected/ with
a reason (reason.yaml and a `rejected` event), or a rejected one back into the queue. Nothing is
ever deleted: a bundle is always in exactly one of queue, rejected or history."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from git_pods import ids
from git_pods.bundle import QUEUE_DIR, REJECTED_DIR
from git_pods.commands.output import write_json
from git_pods.config import load_config
from git_pods.errors import UsageError
from git_pods.gitio.locks import ProcessLock
from git_pods.gitio.runner import Git, require_root
from git_pods.rejecting import Moved, move_to_rejected, shown

LOCK = "pods/promote.lock"  # the promote's own: a bundle never moves under a running promote
REASON = "reason.yaml"


def reject(
    patch_ids: Sequence[str],
    reason: str | None,
    cwd: Path,
    out: TextIO,
    json_mode: bool = False,
    *,
    rule: str = "GP404",
    wait: bool = False,
) -> int:
    """Move queued bundles to rejected/ with reason.yaml and a rejected event each."""
    text = " ".join((reason or "").split())
    if not text:
        raise UsageError(
            "say why: --reason TEXT", hint="git pod-reject patch_20250419_123456 --reason 'duplicate'"
        )
    root, git, common = _repo(cwd)
    folders = _named(root / QUEUE_DIR, patch_ids, "queued", f"{QUEUE_DIR}/")
    config, _ = load_config(root)
    moved: list[Moved] = []
    with ProcessLock(common / LOCK, "git pod-reject", wait=wait):
        for folder in folders:
            made = move_to_rejected(git, root, config, folder, rule, text, common)
            if made is not None:  # else gone meanwhile (another lead's promote or reject)
                moved.append(made)
    return _print(out, json_mode, "reject", moved, "rejected")


def requeue(
    patch_ids: Sequence[str], cwd: Path, out: TextIO, json_mode: bool = False, *, wait: bool = False
) -> int:
    """Move rejected bundles back into the queue; their reason.yaml stays with them as the record
    of the earlier rejection (promote never archives it; a new rejection replaces it)."""
    root, _git, common = _repo(cwd)
    folders = _named(root / REJECTED_DIR, patch_ids, "rejected", f"{REJECTED_DIR}/")
    moved: list[Moved] = []
    with ProcessLock(common / LOCK, "git pod-requeue", wait=wait):
        for folder in folders:
            target = root / QUEUE_DIR / folder.name.split(".", 1)[0]  # <ID>.1: an older rejection
            if target.exists() or target.is_symlink():
                raise UsageError(
                    f"{shown(target, root)} is already queued",
                    hint=f"promote or reject that one first; {shown(folder, root)} stays where it is",
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(folder, target)
            moved.append(Moved(folder.name, shown(folder, root), shown(target, root)))
    return _print(out, json_mode, "requeue", moved, "requeued")


def _repo(cwd: Path) -> tuple[Path, Git, Path]:
    root = require_root(cwd)
    git = Git(root)
    common = Path(
        git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"]).stdout.decode().strip()
    )
    return root, git, common


def _named(folder: Path, patch_ids: Sequence[str], what: str, where: str) -> list[Path]:
    """The bundle folders named, each once; any name that is not one is a usage error before
    anything moves (a typo never moves half a list)."""
    if not patch_ids:
        raise UsageError(f"name the {what} bundles", hint=f"git pod-status lists them ({where})")
    present = {p.name.casefold(): p for p in _folders(folder)}
    missing = [p for p in patch_ids if p.casefold() not in present]
    bad = [p for p in missing if not ids.is_patch_id(p.split(".", 1)[0])]
    if bad:
        raise UsageError(f"{bad[0]!r} is not a patch id", hint="e.g. patch_20250419_123456")
    if missing:
        listed = ", ".join(sorted(p.name for p in present.values())[:5])
        raise UsageError(
            f"not {what} ({where}): {', '.join(missing)}",
            hint=f"{what}: {listed or 'none'}" + (" ..." if len(present) > 5 else ""),
        )
    return list(dict.fromkeys(present[p.casefold()] for p in patch_ids))


def _folders(folder: Path) -> list[Path]:
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]


def _print(out: TextIO, json_mode: bool, verb: str, moved: list[Moved], done: str) -> int:
    if json_mode:
        items = [{"patch_id": m.patch_id, "from": m.source, "to": m.target} for m in moved]
        write_json(out, verb, 0, [], bundles=items)
        return 0
    for item in moved:
        out.write(f"{done} {item.patch_id}: {item.source} -> {item.target}\n")
    out.write(f"{len(moved)} bundle{'s' if len(moved) != 1 else ''} {done}\n")
    return 0
