"""`git pod-reject` and `git pod-requeue`: the lead moves a queued bundle to .patches/rejected/ with
a reason (reason.yaml and a `rejected` event, as promote rejects), or a rejected one back into the
queue. Nothing is ever deleted: a bundle is always in exactly one of queue, rejected or history."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from git_pods import ids
from git_pods.bundle import QUEUE_DIR, REJECTED_DIR, bundle_folders
from git_pods.checks.rules import violation
from git_pods.commands.output import write_json
from git_pods.commands.promote import LOCK  # the promote's own: a bundle never moves under a promote
from git_pods.config import Config, load_config
from git_pods.errors import UsageError
from git_pods.gitio import notes
from git_pods.gitio.locks import ProcessLock
from git_pods.gitio.runner import Git, require_root
from git_pods.priorwork import task_branch
from git_pods.promote import engine, finish, transaction
from git_pods.promote.outcome import Outcome
from git_pods.promote.plan import read_candidate
from git_pods.record import record


def reject(
    patch_ids: Sequence[str],
    reason: str | None,
    cwd: Path,
    out: TextIO,
    json_mode: bool = False,
    *,
    wait: bool = False,
) -> int:
    """Move queued bundles to rejected/ with reason.yaml (GP404) and a rejected event each."""
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
            made = _move_to_rejected(git, root, config, folder, text, common)
            if made is not None:  # else gone meanwhile (another lead's promote or reject)
                moved.append(made)
    return _print(out, json_mode, "reject", moved, "rejected")


def requeue(
    patch_ids: Sequence[str], cwd: Path, out: TextIO, json_mode: bool = False, *, wait: bool = False
) -> int:
    """Move rejected bundles back into the queue; their reason.yaml stays with them as the record
    of the earlier rejection (promote never archives it; a new rejection replaces it). Every
    target is checked before anything moves."""
    root, _git, common = _repo(cwd)
    folders = _named(root / REJECTED_DIR, patch_ids, "rejected", f"{REJECTED_DIR}/")
    moved: list[Moved] = []
    with ProcessLock(common / LOCK, "git pod-requeue", wait=wait):
        targets = [(folder, root / QUEUE_DIR / folder.name.split(".", 1)[0]) for folder in folders]  # <ID>.1
        for folder, target in targets:
            if target.exists() or target.is_symlink():
                raise UsageError(
                    f"{shown(target, root)} is already queued; nothing was requeued",
                    hint=f"promote or reject that one first; {shown(folder, root)} stays where it is",
                )
        (root / QUEUE_DIR).mkdir(parents=True, exist_ok=True)
        for folder, target in targets:
            finish.moved(folder, target)
            moved.append(Moved(folder.name, shown(folder, root), shown(target, root)))
    return _print(out, json_mode, "requeue", moved, "requeued")


def _repo(cwd: Path) -> tuple[Path, Git, Path]:
    """The top, git, and the common git folder (where promote's lock lives, for every worktree)."""
    root = require_root(cwd)
    git = Git(root)
    common = git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"]).stdout.decode().strip()
    return root, git, Path(common)


def _named(folder: Path, patch_ids: Sequence[str], what: str, where: str) -> list[Path]:
    """The bundle folders named, each once; any name that is not one is a usage error before
    anything moves (a typo never moves half a list)."""
    if not patch_ids:
        raise UsageError(f"name the {what} bundles", hint=f"git pod-status lists them ({where})")
    present = {p.name.casefold(): p for p in bundle_folders(folder)}
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


def _print(out: TextIO, json_mode: bool, verb: str, moved: list[Moved], done: str) -> int:
    if json_mode:
        items = [{"patch_id": m.patch_id, "from": m.source, "to": m.target} for m in moved]
        write_json(out, verb, 0, [], bundles=items)
        return 0
    for item in moved:
        out.write(f"{done} {item.patch_id}: {item.source} -> {item.target}\n")
    out.write(f"{len(moved)} bundle{'s' if len(moved) != 1 else ''} {done}\n")
    return 0


@record
class Moved:
    """One bundle moved: where from, where to."""

    patch_id: str
    source: str
    target: str


def _move_to_rejected(
    git: Git, root: Path, config: Config, folder: Path, text: str, common: Path
) -> Moved | None:
    """One queued bundle to rejected/ with reason.yaml and a noted rejected event, as promote
    rejects (the caller holds the promote lock); None when it is gone."""
    by = notes.committer(git)
    now = engine.utc_now()
    candidate = read_candidate(folder)
    problem = violation(
        "GP404",
        text,
        file=shown(folder, root).rstrip("/"),
        hint=f"git pod-requeue {folder.name} puts it back",
    )
    outcome = Outcome(
        folder.name,
        "rejected",
        violations=[problem],
        attach=_attach(git, config, candidate.task),
        pod=candidate.pod,
        task=candidate.task,
        digest=candidate.digest,
    )
    transaction.relocate(outcome)
    target = finish.reject(root, folder.name, transaction.reason(outcome, by, now))
    if target is None:
        return None
    event = {**engine.rejected_event(outcome, by, now), "reason": text}
    if outcome.attach:
        _note(git, config.notes_ref, outcome.attach, event, by, common)
    if config.webhooks:  # the team hears of it as of promote's rejections
        from git_pods.webhooks import notify

        notify(config, [{**event, "commit": outcome.attach}], repo=root.name, err=sys.stderr)
    return Moved(folder.name, shown(folder, root), shown(target, root))


def _attach(git: Git, config: Config, task: str | None) -> str | None:
    """The commit a rejected event goes on: the task branch's tip (here or the remote's), else HEAD."""
    branch = task_branch(git, config, task) if task else None
    if branch is not None:
        return branch.tip
    done = git.run(["rev-parse", "-q", "--verify", "HEAD^{commit}"], check=False)
    return done.stdout.decode().strip() or None


def _note(git: Git, ref: str, commit: str, event: dict[str, Any], by: str, common: Path) -> None:
    line = notes.event_line(event)

    def plan(snap: notes.Snapshot) -> dict[str, list[bytes]]:
        return {} if line.rstrip(b"\n") in snap.lines(commit) else {commit: [line]}

    notes.append(git, ref, [commit], plan, message="git-pods: rejected by the lead", ident=by, common=common)


def shown(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix() + "/"
