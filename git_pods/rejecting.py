"""Moving a queued bundle to .patches/rejected/<ID>/ on the lead's word (or because another attempt
was chosen): reason.yaml with the rule, reason, who and when, and a `rejected` event noted on the
task branch's tip (else HEAD). The caller holds the promote lock."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from git_pods.config import Config
from git_pods.gitio import notes
from git_pods.gitio.runner import Git
from git_pods.priorwork import task_branch
from git_pods.promote import finish
from git_pods.promote.plan import read_candidate
from git_pods.record import record


@record
class Moved:
    """One bundle moved: where from, where to, and the rejected event written (reject only)."""

    patch_id: str
    source: str
    target: str
    event: dict[str, Any] | None = None


def move_to_rejected(
    git: Git, root: Path, config: Config, folder: Path, rule: str, text: str, common: Path
) -> Moved | None:
    """One queued bundle to rejected/ with reason.yaml and a noted rejected event (the caller holds
    the promote lock); None when it is gone."""
    by = notes.committer(git)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    candidate = read_candidate(folder)
    attach = _attach(git, config, candidate.task)
    reason: dict[str, Any] = {
        "patch_id": folder.name,
        "rule": rule,
        "message": text,
        "rejected": now,
        "by": by,
    }
    if attach:
        reason["base_commit"] = attach
    target = finish.reject(root, folder.name, reason)
    if target is None:
        return None
    event: dict[str, Any] = {"ts": now, "v": 1, "event": "rejected"}
    event.update({k: v for k, v in (("pod", candidate.pod), ("task", candidate.task)) if v})
    event.update(patch=folder.name, by=by, rule=rule, reason=text)
    if attach:
        _note(git, config.notes_ref, attach, event, by, common)
    return Moved(folder.name, shown(folder, root), shown(target, root), event)


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
