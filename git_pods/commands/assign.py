"""`git pod-assign`: write the task's ledger, commit that file alone with an `assigned` event, and
print the pod's prompt (template, packet, input files, how to answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from git_pods import attempts, ids, ledger, priorwork
from git_pods.checks.rules import violation
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import Refused, RepoStateError, UsageError
from git_pods.fsio import write_atomic
from git_pods.gitio.notes import committer, event_line
from git_pods.gitio.objects import read_objects
from git_pods.gitio.onefile import commit_file
from git_pods.gitio.runner import Git, require_root
from git_pods.prompting import (
    DEFAULT_BUDGET,
    InputFile,
    WorkSoFar,
    read_at,
    read_inputs,
    render,
    template_for,
)
from git_pods.record import record, replace
from git_pods.violation import Violation, worst_exit


@record
class AssignOptions:
    """What `git pod-assign` was asked to do."""

    to: str | None = None
    task: str | None = None
    goal: str | None = None
    input_files: tuple[str, ...] = ()
    instructions: str | None = None
    accept: tuple[str, ...] = ()  # acceptance criteria: the checklist the answer is judged against
    out: str | None = None
    no_commit: bool = False
    allow_secret: tuple[str, ...] = ()
    from_handoff: tuple[tuple[str, Any], ...] = ()  # (key, value) of the handoff this comes from
    source: str | None = None  # --from: a handoff log or ledger file, a patch id, a task id


def run(options: AssignOptions, cwd: Path, out: TextIO, err: TextIO, json_mode: bool = False) -> int:
    if options.source is not None:
        options = _from_source(options, cwd)
    if not options.task or not ids.is_task_id(options.task):
        raise UsageError(
            f"--task {options.task!r} is not a valid task id" if options.task else "--task is needed",
            hint="e.g. --task F2.1 (a letter, then letters, digits, '_' or '-', and .parts)",
        )
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)
    if not options.to or options.to not in config.pods:
        raise UsageError(
            f"--to {options.to}: unknown pod" if options.to else "--to is needed",
            hint=f"one of: {', '.join(config.pods)}",
        )
    problem = ledger.text_problem(options.goal, options.instructions)
    if problem:
        raise UsageError(problem, hint="write goals and instructions as UTF-8 text")
    if options.out:
        folder = (cwd / options.out).parent
        if not folder.is_dir():
            raise UsageError(f"--out {options.out}: the folder {folder} does not exist")
    dirs = git.run(["rev-parse", "--path-format=absolute", "--git-dir"]).stdout.decode().strip()
    task, pod = options.task, options.to
    path = ledger.path_of(task)
    head, raw = ledger_at_head(git, root, path, options.no_commit)
    existing = ledger.load(raw, path, config.yaml_max_bytes)
    budget = config.prompt_max_bytes or DEFAULT_BUDGET
    branch = priorwork.task_branch(git, config, task)
    base = branch.tip if branch is not None else head
    carried = [f for f in (existing or {}).get("input_files") or [] if isinstance(f, str)]
    if branch is None:
        inputs, refused = _inputs_here(git, root, cwd, options, carried, head, budget)
        work = None
    else:
        inputs, refused, work = _inputs_on_branch(git, root, cwd, options, carried, branch, config, budget)
    if refused:
        return _refuse(out, err, json_mode, refused)
    by = committer(git)
    now = ledger.now()
    packet = _packet(options, existing, task, pod, [i.path for i in inputs], now, by, base, branch)
    to_pod = next(iter(config.pods[pod].next), pod)
    patch_id = attempts.fresh_patch_id(root, git)  # free everywhere, task branches too
    template, notice = template_for(git, root, config, pod)
    prompt = render(template, path, packet, inputs, patch_id, to_pod, work)
    size = len(prompt.encode("utf-8"))
    if size > budget:
        over = f"the prompt is {size:,} bytes (about {size // 4:,} tokens); the budget is {budget:,}"
        return _refuse(out, err, json_mode, [violation("GP704", over)])
    data = ledger.dump(ledger.assigned(existing, packet))
    broken = ledger.checked(data, path, config.yaml_max_bytes)
    if broken:
        return _refuse(out, err, json_mode, broken)
    commit = None
    if options.no_commit:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(root / path, data)
    else:
        event = {"ts": now[:19] + "Z", "v": 1, "event": "assigned", "pod": pod, "task": task, "by": by}
        note = event_line(event)
        message = f"Assign {task} to {pod}\n\n{packet['goal']}\n\nTask: {task}\n"
        commit = commit_file(git, root, Path(dirs), path, data, message, note, config.notes_ref, head).commit
    if options.out:
        target = cwd / options.out
        write_atomic(target, prompt.encode("utf-8"))
    if json_mode:
        write_json(
            out,
            "assign",
            0,
            [],
            task=task,
            pod=pod,
            ledger=path,
            commit=commit,
            base_commit=base,
            branch=branch.name if branch is not None else None,
            earlier_patches=[p.patch_id for p in work.patches] if work is not None else [],
            left_out=list(work.notes) if work is not None else [],
            patch_id=patch_id,
            prompt_bytes=size,
            prompt_file=options.out,
            prompt=None if options.out else prompt,
            notices=[notice] if notice else [],
        )
        return 0
    if not options.out:
        out.write(prompt)
    if notice:
        err.write(f"git pod-assign: {notice}\n")
    done = f"committed {path} ({commit[:12]})" if commit else f"wrote {path} (not committed: --no-commit)"
    where = f"; prompt written to {options.out}" if options.out else ""
    if work is not None:
        reviews = sum(1 for p in work.patches if p.review_only)
        count = len(work.patches) - reviews
        earlier = f"{count} earlier patch{'es' if count != 1 else ''}"
        earlier += f", {reviews} review{'s' if reviews != 1 else ''}" if reviews else ""
        where += f"; based on {work.branch} at {work.tip[:12]} ({earlier})"
    tokens = f"prompt {size:,} bytes (~{size // 4:,} tokens)"
    err.write(f"git pod-assign: {task} assigned to {pod}; {done}{where}; {tokens}\n")
    return 0


def ledger_at_head(git: Git, root: Path, path: str, no_commit: bool) -> tuple[str | None, bytes | None]:
    """HEAD and the ledger as HEAD has it. A ledger changed in the index or working tree would
    be lost or swept into the commit, so it stops the command (exit 3) unless --no-commit."""
    found = read_objects(git, ["HEAD", f"HEAD:{path}"])
    head_obj, at_head = found["HEAD"], found[f"HEAD:{path}"]
    head = head_obj.sha if head_obj is not None and head_obj.kind == "commit" else None
    current = root / path
    if current.is_symlink() or current.parent.is_symlink() or current.parent.parent.is_symlink():
        raise RepoStateError(
            f"{path} or a folder above it is a symbolic link; git-pods keeps real files there"
        )
    if no_commit:
        return head, current.read_bytes() if current.is_file() else (at_head.data if at_head else None)
    changed = git.run(["--literal-pathspecs", "status", "--porcelain", "--", path]).stdout.strip()
    if changed:
        raise RepoStateError(
            f"{path} has uncommitted changes; they would be lost or committed with the new entry",
            hint=f"commit them (git commit {path}) or drop them (git checkout -- {path}), then run again",
            file=path,
        )
    return head, at_head.data if at_head is not None else None


LedgerAt = tuple[str, str | None, dict[str, Any]]  # the ledger's path, HEAD, the ledger at HEAD


def task_ledger(git: Git, root: Path, task: str, config: Config, hint: str) -> LedgerAt:
    """The task's ledger path, HEAD, and the ledger as HEAD has it (uncommitted changes to it stop
    the command); a task without one is a usage error with hint."""
    path = ledger.path_of(task)
    head, raw = ledger_at_head(git, root, path, no_commit=False)
    existing = ledger.load(raw, path, config.yaml_max_bytes)
    if existing is None:
        raise UsageError(f"task {task} has no ledger ({path})", hint=hint)
    return path, head, existing


def commit_entry(
    git: Git,
    root: Path,
    config: Config,
    ledger_at: LedgerAt,
    entry: dict[str, Any],
    message: str,
    event: dict[str, object],
    err: TextIO,
    undone: str,
) -> str:
    """Append entry to the ledger's history and commit that file alone, the event noted on the
    commit; a ledger the entry would make invalid is refused, each problem printed (undone: what
    did not happen, for the message)."""
    path, head, existing = ledger_at
    updated = dict(existing)
    updated["history"] = [*(existing.get("history") or []), entry]
    data = ledger.dump(updated)
    broken = ledger.checked(data, path, config.yaml_max_bytes)
    if broken:
        for item in broken:
            err.write(item.format_text() + "\n")
        raise Refused(f"the ledger would not be valid with this {undone}", rule=broken[0].rule)
    dirs = git.run(["rev-parse", "--path-format=absolute", "--git-dir"]).stdout.decode().strip()
    note = event_line(event)
    return commit_file(git, root, Path(dirs), path, data, message, note, config.notes_ref, head).commit


def _from_source(options: AssignOptions, cwd: Path) -> AssignOptions:
    """--from: the pod the latest handoff names takes the task, with the handoff's reason and
    acceptance notes carried into the packet."""
    from git_pods import handoffs

    root = require_root(cwd)
    config, _ = load_config(root)
    latest = handoffs.latest(Git(root), root, cwd, options.source or "", config)
    if options.to and options.to != latest.to:
        raise UsageError(
            f"--to {options.to} differs from the handoff's receiver {latest.to}",
            hint="leave out --to with --from, or assign without --from",
        )
    if options.task and options.task != latest.task:
        raise UsageError(f"--task {options.task} differs from the handoff's task {latest.task}")
    if latest.to not in config.handoff_targets(latest.sender, latest.verdict):
        raise Refused(
            f"the handoff from {latest.sender} to {latest.to} is outside the config's handoff graph",
            hint="assign the pod yourself with --to and --task, or hand off again within the graph",
            rule="GP705",
        )
    if latest.to not in config.pods:
        raise UsageError(
            f"the handoff names an unknown pod {latest.to!r}", hint=f"one of: {', '.join(config.pods)}"
        )
    came: list[tuple[str, Any]] = [("from", latest.sender), ("reason", latest.reason)]
    if latest.patch:
        came.append(("patch", latest.patch))
    if latest.acceptance:
        came.append(("acceptance", latest.acceptance))
    return replace(
        options,
        to=latest.to,
        task=latest.task,
        instructions=options.instructions or latest.reason,
        from_handoff=tuple(came),
        source=None,
    )


def _inputs_here(
    git: Git,
    root: Path,
    cwd: Path,
    options: AssignOptions,
    carried: list[str],
    head: str | None,
    budget: int,
) -> tuple[list[InputFile], list[Violation]]:
    """A task with no branch yet: the input files as the lead's checkout has them; the ledger's
    earlier input files carry over while they still exist."""
    kept = [name for name in carried if (root / name).is_file()]
    inputs, refused = read_inputs(git, root, root, kept, options.allow_secret, head, budget)
    more, refused_more = read_inputs(git, root, cwd, options.input_files, options.allow_secret, head, budget)
    have = {i.path for i in inputs}
    return inputs + [i for i in more if i.path not in have], refused + refused_more


def _inputs_on_branch(
    git: Git,
    root: Path,
    cwd: Path,
    options: AssignOptions,
    carried: list[str],
    branch: priorwork.TaskBranch,
    config: Config,
    budget: int,
) -> tuple[list[InputFile], list[Violation], WorkSoFar]:
    """A task with a branch: everything as its tip has it, whatever the lead has checked out: the
    input files (the ledger's and the new ones), the earlier patches with their logs and diffs,
    and the files they changed; what the history budget cannot hold is named with its command."""
    allow = options.allow_secret
    tip, name = branch.tip, branch.name
    inputs, refused, gone = read_at(git, root, root, carried, allow, tip, name, budget)
    more, refused_more, absent = read_at(git, root, cwd, options.input_files, allow, tip, name, budget)
    if absent:
        raise UsageError(
            f"--input-file {absent[0]}: {name} (commit {tip[:12]}) has no such file",
            hint=f"the pod builds on {name}; name a file it has (git ls-tree -r --name-only {name})",
            file=absent[0],
        )
    have = {i.path for i in inputs}
    inputs += [i for i in more if i.path not in have]
    notes = [f"{path}, an input file of the task, is not in {name} any more" for path in gone]
    patches = priorwork.earlier_patches(git, branch, options.task or "", config.yaml_max_bytes)
    shown = {i.path for i in inputs}
    paths = list(dict.fromkeys(p for patch in patches for p in patch.changed if p not in shown))
    changed, secret, deleted = read_at(git, root, root, paths, allow, tip, name, budget)
    notes += [f"{v.file}: {v.rule} {v.message}" for v in secret]
    notes += [f"{path} was deleted by the task's patches" for path in deleted]
    history = config.prompt_history_bytes or priorwork.DEFAULT_HISTORY_BUDGET
    contents = {f.path: f.content for f in changed}
    diffs, kept, cuts = priorwork.within_budget(patches, contents, branch, history)
    notes += [
        f"{cut.what} ({cut.size:,} bytes, over the {history:,}-byte budget for earlier work): {cut.command}"
        for cut in cuts
    ]
    work = WorkSoFar(
        branch=name,
        tip=tip,
        patches=tuple(patches),
        diffs=frozenset(diffs),
        changed=tuple(f for f in changed if f.path in kept),
        notes=tuple(notes),
    )
    return inputs, refused + refused_more, work


def _packet(
    options: AssignOptions,
    existing: dict[str, Any] | None,
    task: str,
    pod: str,
    inputs: list[str],
    now: str,
    by: str,
    base: str | None,
    branch: priorwork.TaskBranch | None,
) -> dict[str, Any]:
    goal = options.goal or (existing or {}).get("goal") or options.instructions
    if not goal or not goal.strip():
        raise UsageError(
            "--goal is needed for a new task", hint="e.g. --goal 'Add edge-case tests for the parser'"
        )
    packet: dict[str, Any] = {"pod": pod, "task_id": task, "goal": goal}
    if inputs:
        packet["input_files"] = inputs
    if options.instructions:
        packet["instructions"] = options.instructions
    acceptance = list(options.accept) or (existing or {}).get("acceptance")
    if acceptance:
        packet["acceptance"] = acceptance
    if options.from_handoff:
        packet["from_handoff"] = dict(options.from_handoff)
    packet["created"] = now
    if by:
        packet["assigned_by"] = by
    if branch is not None:
        packet["branch"] = branch.name
    if base:
        packet["base_commit"] = base
    return packet


def _refuse(out: TextIO, err: TextIO, json_mode: bool, found: list[Violation]) -> int:
    code = worst_exit(found)
    if json_mode:
        write_json(out, "assign", code, found)
        return code
    for item in found:
        err.write(item.format_text() + "\n")
    err.write("git pod-assign: nothing was assigned or printed\n")
    return code
