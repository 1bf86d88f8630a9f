"""`git pod-handoff`: append a handoff to the task's ledger (promoted logs never change), commit
that file alone with a `handed-off` event, and optionally assign the receiving pod."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from git_pods import handoffs, ids, ledger, priorwork
from git_pods.bundle import CHANGELOG, DIFF, TRACE, sha256_file
from git_pods.checks.rules import violation
from git_pods.commands.assign import commit_entry, task_ledger
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import UsageError
from git_pods.gitio.notes import committer
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git, require_root
from git_pods.record import record
from git_pods.violation import Violation


@record
class HandoffOptions:
    """What `git pod-handoff` was asked to do."""

    to: str | None = None
    reason: str | None = None
    task: str | None = None
    patch: str | None = None
    sender: str | None = None
    accept: tuple[str, ...] = ()  # what the receiver's answer is judged against
    assign: bool = False
    force: bool = False


def run(options: HandoffOptions, cwd: Path, out: TextIO, err: TextIO, json_mode: bool = False) -> int:
    problem = ledger.text_problem(options.reason, *options.accept)
    if problem:
        raise UsageError(problem, hint="write the reason as UTF-8 text")
    if not options.reason or not options.reason.strip():
        raise UsageError(
            "--reason is needed", hint="say what the next pod should do: --reason 'Parser done, test it'"
        )
    if options.patch is not None and not ids.is_patch_id(ids.patch_id_of(options.patch)):
        raise UsageError(f"--patch {options.patch!r} is not a valid patch id")
    if options.task is not None and not ids.is_task_id(options.task):
        raise UsageError(f"--task {options.task!r} is not a valid task id", hint="e.g. --task F2.1")
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)
    to = options.to
    if not to or to not in config.pods:
        raise UsageError(
            f"--to {to}: unknown pod" if to else "--to is needed", hint=f"one of: {', '.join(config.pods)}"
        )
    patch = ids.patch_id_of(options.patch) if options.patch else None
    files = handoffs.patch_files(git, root, patch) if patch else {}
    if not options.task and not patch:
        raise UsageError("name the task: --task ID, or --patch ID to take it from the bundle")
    task = options.task or handoffs.task_of(files, patch or "")
    if options.task and patch and handoffs.task_of(files, patch) != options.task:
        raise UsageError(
            f"--patch {patch} belongs to task {handoffs.task_of(files, patch)}, not {options.task}"
        )
    at = task_ledger(git, root, task, config, f"assign it first: git pod-assign --to POD --task {task}")
    path, head, existing = at
    handoffs.refuse_if_closed(existing, path, "handoff", to)
    sender = options.sender or handoffs.holder(existing)
    if sender not in config.pods:
        raise UsageError(f"--from {sender}: unknown pod", hint=f"one of: {', '.join(config.pods)}")
    policy = _head_config(git, config)
    refused = _graph(policy, sender, to, options.force)
    if refused is not None:
        if json_mode:
            write_json(out, "handoff", 1, [refused])
        else:
            err.write(refused.format_text() + "\ngit pod-handoff: nothing was handed off\n")
        return 1
    by = committer(git)
    now = ledger.now()
    entry: dict[str, Any] = {
        "event": "handed-off",
        "from": sender,
        "to": to,
        "reason": options.reason.strip(),
    }
    if patch:
        entry["related_patch"] = f"{patch}.diff"
        entry["digests"] = {
            name: sha256_file(data) for name, data in files.items() if name in (DIFF, TRACE, CHANGELOG)
        }
    entry.update({"time": now, "by": by})
    if head:
        entry["base_commit"] = head
    branch = priorwork.task_branch(git, config, task)
    if branch is not None:  # the receiver builds on the task's work, not on the lead's checkout
        entry["branch"], entry["base_commit"] = branch.name, branch.tip
    acceptance = [a.strip() for a in options.accept if a.strip()]
    if acceptance:
        entry["acceptance"] = acceptance
    if options.force:
        entry["forced"] = True
    event: dict[str, object] = {
        "ts": now[:19] + "Z",
        "v": 1,
        "event": "handed-off",
        "from": sender,
        "to": to,
        "task": task,
    }
    if patch:
        event["patch"] = patch
    event["by"] = by
    message = f"Hand {task} from {sender} to {to}\n\n{options.reason.strip()}\n\nTask: {task}\n"
    commit = commit_entry(
        git, root, config, at, entry, message, event, err, "handoff; nothing was handed off"
    )
    if config.webhooks:  # the team hears of it; a target that is down changes nothing here
        from git_pods.webhooks import notify

        notify(config, [{**event, "commit": commit}], repo=root.name, err=err)
    if json_mode and not options.assign:
        write_json(
            out,
            "handoff",
            0,
            [],
            task=task,
            sender=sender,
            to=to,
            patch=patch,
            commit=commit,
            forced=options.force,
        )
        return 0
    forced = " (forced: outside the handoff graph)" if options.force else ""
    err.write(
        f"git pod-handoff: {task} handed from {sender} to {to}{forced}; committed {path} ({commit[:12]})\n"
    )
    if options.assign:
        from git_pods.commands import assign

        came: list[tuple[str, Any]] = [("from", sender), ("reason", options.reason.strip())]
        came += [("patch", patch)] if patch else []
        came += [("acceptance", acceptance)] if acceptance else []
        return assign.run(
            assign.AssignOptions(to=to, task=task, from_handoff=tuple(came)), cwd, out, err, json_mode
        )
    return 0


def _head_config(git: Git, working: Config) -> Config:
    """The handoff graph of HEAD's config (the base, never an uncommitted edit of it)."""
    from git_pods.config import CONFIG_PATH
    from git_pods.promote.targets import target_config

    blob = read_objects(git, [f"HEAD:{CONFIG_PATH}"])[f"HEAD:{CONFIG_PATH}"]
    return target_config(blob.data, "HEAD")[0] if blob is not None else working


def _graph(config: Config, sender: str, to: str, force: bool) -> Violation | None:
    allowed = config.handoff_targets(sender)
    if to in allowed or force:
        return None
    return violation(
        "GP705",
        f"{sender} may not hand off to {to}",
        file=".pods/config.yaml",
        hint=f"hand off to one of: {', '.join(allowed) or 'none'}; "
        "or --force to override (recorded in the ledger)",
    )
