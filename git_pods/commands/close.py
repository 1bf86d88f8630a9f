"""`git pod-close`: a task is finished (done) or given up (abandoned): a `closed` entry appended to
its ledger, committed alone with a `closed` event, so it stops showing as held. Assigning the task
again reopens it."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from git_pods import handoffs, ids, ledger
from git_pods.commands.assign import commit_entry, task_ledger
from git_pods.commands.output import write_json
from git_pods.config import load_config
from git_pods.errors import UsageError
from git_pods.gitio.notes import committer
from git_pods.gitio.runner import Git, require_root


def run(
    task: str | None,
    done: bool,
    abandoned: bool,
    reason: str | None,
    cwd: Path,
    out: TextIO,
    err: TextIO,
    json_mode: bool = False,
) -> int:
    if not task or not ids.is_task_id(task):
        raise UsageError(
            f"{task!r} is not a valid task id" if task else "name the task", hint="git pod-close F2.1 --done"
        )
    if done == abandoned:
        raise UsageError(
            "pass one of --done and --abandoned, not both"
            if done
            else "say how it ended: --done or --abandoned",
            hint=f"git pod-close {task} --abandoned --reason 'superseded by F3'",
        )
    state = "done" if done else "abandoned"
    problem = ledger.text_problem(reason)
    if problem:
        raise UsageError(problem, hint="write the reason as UTF-8 text")
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)
    at = task_ledger(git, root, task, config, "git pod-status lists the tasks")
    path, _head, existing = at
    earlier = handoffs.closed(existing)
    if earlier is not None and earlier.get("state") == state:
        err.write(
            f"git pod-close: {task} is already closed ({state}, {earlier.get('time')}); nothing changed\n"
        )
        if json_mode:
            write_json(out, "close", 0, [], task=task, state=state, already=True)
        return 0
    handoffs.refuse_if_closed(existing, path, f"closing as {state}")
    by = committer(git)
    now = ledger.now()
    entry: dict[str, object] = {"event": "closed", "state": state, "time": now, "by": by}
    text = " ".join((reason or "").split())
    if text:
        entry["reason"] = text
    holder = handoffs.holder(existing)
    event = {
        "ts": now[:19] + "Z",
        "v": 1,
        "event": "closed",
        "pod": holder,
        "task": task,
        "state": state,
        "by": by,
    }
    message = f"Close {task} ({state})\n\n{text or f'Closed as {state}.'}\n\nTask: {task}\n"
    commit = commit_entry(git, root, config, at, entry, message, event, err, "entry; nothing was closed")
    if json_mode:
        write_json(out, "close", 0, [], task=task, state=state, held_by=holder, commit=commit)
        return 0
    err.write(
        f"git pod-close: {task} closed ({state}), it was held by {holder}; committed {path} ({commit[:12]})\n"
    )
    return 0
