"""`git pod-promote`: queued bundles become commits with trailers on their task's branch (or --onto),
under a lock, as one transaction; refused bundles move to .patches/rejected/ with reason.yaml."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from git_pods.bundle import QUEUE_DIR, REJECTED_DIR, TRACE, in_folder
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.rules import violation
from git_pods.commands.output import write_json
from git_pods.config import CONFIG_PATH, load_config
from git_pods.errors import ConfigError, GitPodsError, NotImplementedYet, UsageError
from git_pods.fsio import remove_tree
from git_pods.gitio.locks import ProcessLock, check_git_locks
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git, require_root
from git_pods.promote import engine, finish, publish
from git_pods.promote.build import EMPTY_TREE, TempIndex, scratch_index
from git_pods.promote.engine import Builder, Outcome, Repo
from git_pods.promote.plan import Candidate, branch_problem, case_twins, choose, read_candidate
from git_pods.record import record
from git_pods.violation import Violation

LOCK = "pods/promote.lock"
SCRATCH = "pods/promote-scratch"


@record
class PromoteOptions:
    """What `git pod-promote` was asked to do."""

    ids: tuple[str, ...] = ()
    all: bool = False
    onto: str | None = None
    dry_run: bool = False
    wait: bool = False
    three_way: bool = False
    recount: bool = False
    signoff: bool = False
    push: bool = False


def run(options: PromoteOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if options.push:
        raise NotImplementedYet(
            "--push is not implemented yet (it arrives with notes sync and pull requests)",
            hint="promote without --push, then git push the branch",
        )
    if options.onto is not None and branch_problem(options.onto):
        raise UsageError(f"--onto {options.onto!r} is not a valid branch name", hint="e.g. --onto main")
    root = require_root(cwd)
    git = Git(root)
    common, gitdir = _git_dirs(git)
    if options.dry_run:
        return _promote(git, root, common, gitdir, options, out, json_mode, cwd)
    with ProcessLock(common / LOCK, "git pod-promote", wait=options.wait):
        return _promote(git, root, common, gitdir, options, out, json_mode, cwd)


def _git_dirs(git: Git) -> tuple[Path, Path]:
    done = git.run(["rev-parse", "--path-format=absolute", "--git-common-dir", "--git-dir"])
    common, gitdir = done.stdout.decode("utf-8", "surrogateescape").splitlines()[:2]
    return Path(common), Path(gitdir)


def _promote(
    git: Git,
    root: Path,
    common: Path,
    gitdir: Path,
    options: PromoteOptions,
    out: TextIO,
    json_mode: bool,
    cwd: Path,
) -> int:
    def show(path: Path) -> str:
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:
            return str(path)

    settings = _settings(git)
    head_ref = _head_ref(git)
    notices: list[str] = []
    if not options.dry_run:
        notices += finish.recover(git, root, common, gitdir, head_ref)
        publish.drop_temp_refs(git, publish.leftover_temp_refs(git, common))
        finish.clean_trash(root, common)
    scratch = _scratch(common / SCRATCH)
    candidates = [read_candidate(folder) for folder in choose(root, options.ids, options.all)]
    twins = case_twins(candidates)
    outcomes_first = [
        Outcome(
            c.patch_id,
            "rejected",
            violations=[
                violation(
                    "GP208",
                    f"patch id {c.patch_id!r} differs from the queued {twins[c.patch_id]!r} only in case",
                    file=show(c.folder),
                    hint="give one of them a new patch id (macOS and Windows fold letter case)",
                )
            ],
            pod=c.pod,
            task=c.task,
        )
        for c in candidates
        if c.patch_id in twins
    ]
    candidates = [c for c in candidates if c.patch_id not in twins]
    config, _ = load_config(root)
    repo = _repo(git, root, head_ref, config.notes_ref, settings)
    flags = engine.Options(options.onto, options.dry_run, options.three_way, options.recount, options.signoff)
    targets, branch_of, outcomes, taskless = engine.resolve_targets(git, repo, candidates, options.onto)
    for outcome in outcomes_first:
        outcome.attach = repo.head
    outcomes += outcomes_first
    members: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.patch_id in branch_of:
            members.setdefault(branch_of[candidate.patch_id], []).append(candidate)
    specs: list[str] = [f"{repo.head}:{CONFIG_PATH}"] if repo.head else []
    for branch, group in members.items():
        base = targets[branch].base
        if base:
            specs += [f"{base}^{{tree}}", f"{base}:{CONFIG_PATH}"]
            for candidate in group:
                specs += engine.archive_specs(base, candidate.patch_id)
    found = read_objects(git, specs)
    blocked = _state_problems(git, common, gitdir, targets, repo.notes_ref, options.dry_run)
    builders: list[Builder] = []
    try:
        if taskless:
            outcomes += _judge_taskless(repo, found, taskless, flags, show)
        for number, (branch, group) in enumerate(members.items()):
            if branch in blocked:
                outcomes += [_blocked(c, branch, blocked[branch][0], show, blocked[branch][1]) for c in group]
                continue
            target = targets[branch]
            builder = _builder(git, repo, target, found, flags, show, scratch, str(number))
            notices += [v.format_text() for v in builder.warnings]
            outcomes += _build_until_clean(builder, group)
            if builder.trees and target.checked_out:
                last = builder.trees[-1][1]
                problem = finish.can_bring_up(git, target.old or EMPTY_TREE, last, builder.index.objects_env)
                if problem:
                    outcomes += _blocked_by_worktree(builder, problem)
                    continue
            builders.append(builder)
        now = engine.utc_now()
        signoff = repo.by if options.signoff else None
        final: list[publish.Target] = []
        for builder in builders:
            made, promoted = engine.built_for(builder, repo, signoff, now)
            builder.target.built = made
            outcomes += promoted
            if made:
                final.append(builder.target)
        ordered = _in_queue_order(outcomes, candidates)
        if not options.dry_run:
            if final or any(o.status == "rejected" for o in ordered):
                _publish(git, root, common, gitdir, scratch, repo, final, ordered, settings.sign, now)
            for outcome in ordered:
                if outcome.status == "already":
                    finish.dequeue(root / QUEUE_DIR / outcome.patch_id, outcome.digest)
    finally:
        remove_tree(scratch)
    return _report(out, json_mode, ordered, notices, options.dry_run, root)


def _scratch(folder: Path) -> Path:
    """This run's scratch folder (temporary indexes, marks); folders of dead runs are removed,
    a live dry run's never (dry runs take no lock)."""
    from git_pods.queueing import alive

    if folder.is_dir():
        for stale in folder.iterdir():
            if not (stale.name.isdigit() and alive(int(stale.name))):
                remove_tree(stale)
    mine = folder / str(os.getpid())
    remove_tree(mine)
    mine.mkdir(parents=True)
    return mine


@record
class _Settings:
    """What `git var -l` says: who promotes, and whether commits are signed."""

    author: str
    committer: str
    sign: bool


def _settings(git: Git) -> _Settings:
    values: dict[str, str] = {}
    for line in git.run(["var", "-l"]).stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values.setdefault(key.lower(), value)
    committer = values.get("git_committer_ident", "")
    if not committer or ".(none)>" in committer:
        strict = git.run(["var", "GIT_COMMITTER_IDENT"], check=False)
        if strict.returncode != 0:
            raise ConfigError(
                "git does not know who you are, so it cannot make commits",
                hint='git config user.name "Your Name" && git config user.email you@example.com',
            )
    sign = values.get("commit.gpgsign", "false").lower() in ("true", "yes", "on", "1")
    return _Settings(values.get("git_author_ident", committer), committer, sign)


def _head_ref(git: Git) -> str | None:
    done = git.run(["symbolic-ref", "-q", "HEAD"], check=False)
    return done.stdout.decode("utf-8", "surrogateescape").strip() or None


def _repo(git: Git, root: Path, head_ref: str | None, notes_ref: str, settings: _Settings) -> Repo:
    found = read_objects(git, ["HEAD", notes_ref])
    head, notes = found["HEAD"], found[notes_ref]
    return Repo(
        root=root,
        head=head.sha if head is not None and head.kind == "commit" else None,
        head_ref=head_ref,
        notes_ref=notes_ref,
        notes_tip=notes.sha if notes is not None else None,
        by=settings.committer.rsplit(" ", 2)[0],
        ident=publish.Ident(settings.author, settings.committer),
        objects=_objects_dir(git),
    )


def _objects_dir(git: Git) -> Path:
    done = git.run(["rev-parse", "--path-format=absolute", "--git-path", "objects"])
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge is in progress"),
    ("rebase-merge", "a rebase is in progress"),
    ("rebase-apply", "a rebase or git am is in progress"),
    ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
    ("REVERT_HEAD", "a revert is in progress"),
)


def _state_problems(
    git: Git,
    common: Path,
    gitdir: Path,
    targets: dict[str, publish.Target],
    notes_ref: str,
    dry_run: bool,
) -> dict[str, tuple[str, str]]:
    """Targets promote must leave alone (why, and the fix) (checked out with changes, or in another worktree);
    a git lock in the way stops the whole run (exit 3) before anything is built."""
    here = [t for t in targets.values() if t.checked_out]
    if not dry_run:
        locks = [common / "packed-refs.lock", common / f"{notes_ref}.lock"]
        locks += [common / f"{t.ref}.lock" for t in targets.values()]
        if here:
            locks += [gitdir / "index.lock", gitdir / "HEAD.lock"]
        check_git_locks(locks)
    out: dict[str, tuple[str, str]] = {}
    elsewhere = _other_worktrees(git, gitdir) if (common / "worktrees").is_dir() else {}
    for target in targets.values():
        if target.ref in elsewhere:
            out[target.branch] = (
                f"{target.branch} is checked out in the worktree {elsewhere[target.ref]}",
                "promote from that worktree, or --onto another branch",
            )
    if not here:
        return out
    busy = next((why for name, why in _IN_PROGRESS if (gitdir / name).exists()), None)
    status = git.run(["status", "--porcelain=v1", "-z", "--untracked-files=no"]).stdout
    changed = [
        entry[3:].decode("utf-8", "surrogateescape") for entry in status.split(b"\0") if len(entry) > 3
    ]
    for target in here:
        if busy:
            out[target.branch] = (busy, "finish or abort it first")
        elif changed:
            listed = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
            out[target.branch] = (
                f"has uncommitted changes ({listed})",
                "commit or stash them, or promote --onto another branch",
            )
    return out


def _other_worktrees(git: Git, gitdir: Path) -> dict[str, str]:
    """Branches checked out in the repository's other worktrees (ref -> worktree folder)."""
    listing = git.run(["worktree", "list", "--porcelain"]).stdout.decode("utf-8", "surrogateescape")
    here = str(gitdir)
    out: dict[str, str] = {}
    for block in listing.split("\n\n"):
        fields = dict(line.partition(" ")[::2] for line in block.splitlines() if line)
        path, branch = fields.get("worktree"), fields.get("branch")
        if path and branch:
            out[branch] = path
    mine = git.run(["rev-parse", "--show-toplevel"]).stdout.decode("utf-8", "surrogateescape").strip()
    return {ref: path for ref, path in out.items() if path not in (mine, here)}


def _builder(
    git: Git,
    repo: Repo,
    target: publish.Target,
    found: dict[str, Obj | None],
    flags: engine.Options,
    show: engine.Show,
    scratch: Path,
    name: str,
) -> Builder:
    base = target.base
    tree = found.get(f"{base}^{{tree}}") if base else None
    config_blob = found.get(f"{base}:{CONFIG_PATH}") if base else None
    source = target.branch if target.old else ("HEAD" if base == repo.head else (base or "HEAD")[:12])
    config, warnings = engine.target_config(config_blob.data if config_blob else None, source)
    index = TempIndex(
        git,
        scratch_index(scratch, name),
        scratch / "objects" if flags.dry_run else None,
        repo.objects,
    )
    builder = Builder(
        git,
        repo,
        target,
        config,
        index,
        flags,
        show,
        tree.sha if tree else None,
        engine.unprefixed(found, base) if base else {},
    )
    builder.warnings = warnings
    return builder


def _judge_taskless(
    repo: Repo,
    found: dict[str, Obj | None],
    taskless: Sequence[Candidate],
    flags: engine.Options,
    show: engine.Show,
) -> list[Outcome]:
    """Bundles whose trace names no task have no branch: judged by HEAD's policy, refused."""
    head_config = found.get(f"{repo.head}:{CONFIG_PATH}") if repo.head else None
    config, _ = engine.target_config(head_config.data if head_config else None, "HEAD")
    out = []
    for candidate in taskless:
        problems = [
            v
            for v in check_bundle(in_folder(candidate.folder, "queued"), config, show, flags.recount)
            if v.severity == "error"
        ] or [violation("GP200", "the trace names no task_id", file=show(candidate.folder / TRACE))]
        out.append(
            Outcome(candidate.patch_id, "rejected", violations=problems, attach=repo.head, pod=candidate.pod)
        )
    return out


def _build_until_clean(builder: Builder, group: list[Candidate]) -> list[Outcome]:
    """Build the target's chain; a bundle git's own result refuses is rejected and the chain is
    rebuilt without it (rare: only a diff that disguised what it writes)."""
    refused: list[Outcome] = []
    remaining = list(group)
    while True:
        builder.trees = []
        outcomes = builder.build(remaining)
        bad = engine.check_results([builder])
        if not bad:
            return refused + outcomes
        for candidate in [c for c in remaining if c.patch_id in bad]:
            refused.append(builder.rejected(candidate, bad[candidate.patch_id]))
            remaining.remove(candidate)


def _blocked_by_worktree(builder: Builder, problem: str) -> list[Outcome]:
    message = problem.splitlines()[0] if problem else "git read-tree refused"
    outcomes = [
        _blocked(
            c, builder.target.branch, f"its working tree cannot take the change: {message}", builder.show
        )
        for c, _t, _s in builder.trees
    ]
    builder.trees = []
    return outcomes


def _blocked(
    candidate: Candidate, branch: str, why: str, show: engine.Show, hint: str | None = None
) -> Outcome:
    found = violation(
        "GP402",
        f"{branch} is checked out and {why}" if not why.startswith(branch) else why,
        file=show(candidate.folder),
        hint=hint or "move the untracked files out of the way, or promote --onto another branch",
    )
    return Outcome(candidate.patch_id, "blocked", branch=branch, violations=[found])


def _in_queue_order(outcomes: list[Outcome], candidates: list[Candidate]) -> list[Outcome]:
    rank = {c.patch_id: n for n, c in enumerate(candidates)}
    return sorted(outcomes, key=lambda o: rank.get(o.patch_id, len(rank)))


def _relocate(outcome: Outcome) -> None:
    """A rejected bundle's problems name the files where they now are, under rejected/."""
    old = f"{QUEUE_DIR}/{outcome.patch_id}/"
    new = f"{REJECTED_DIR}/{outcome.patch_id}/"

    def moved(file: str | None) -> str | None:
        if file == old.rstrip("/"):
            return new.rstrip("/")
        return new + file[len(old) :] if file and file.startswith(old) else file

    outcome.violations = [
        Violation(
            rule=v.rule,
            message=v.message,
            severity=v.severity,
            hint=v.hint,
            file=moved(v.file),
            line=v.line,
            path=v.path,
            commit=v.commit,
        )
        for v in outcome.violations
    ]


def _reason(outcome: Outcome, by: str, now: str) -> dict[str, object]:
    first = min(outcome.violations, key=Violation.sort_key)
    reason: dict[str, object] = {"patch_id": outcome.patch_id, "rule": first.rule, "message": first.message}
    if first.file:
        reason["file"] = first.file
    if first.line is not None:
        reason["line"] = first.line
    reason.update({"rejected": now, "by": by, "target": outcome.branch, "base_commit": outcome.attach})
    reason["problems"] = [v.to_json() for v in outcome.violations]
    return reason


def _publish(
    git: Git,
    root: Path,
    common: Path,
    gitdir: Path,
    scratch: Path,
    repo: Repo,
    final: list[publish.Target],
    ordered: list[Outcome],
    sign: bool,
    now: str,
) -> None:
    """Write commits and notes, move every ref at once, then bring the queue in line."""
    tag = str(os.getpid())
    rejected = [o for o in ordered if o.status == "rejected"]
    for outcome in rejected:
        _relocate(outcome)
    notes_old = repo.notes_tip
    first_notes: str | None = None  # the notes commit written with the commits, when not signing
    if final:
        stream, marks = publish.commits_stream(final, repo.ident, tag)
        notes_mark = sum(len(chain) for chain in marks) + 1
        if not sign:  # commits and notes in one stream: notes name the commits by mark
            notes = {
                f":{m}": publish.event_line(b.event)
                for t, chain in zip(final, marks, strict=True)
                for b, m in zip(t.built, chain, strict=True)
            }
            notes.update(_rejection_notes(git, repo, rejected, now, notes_old))
            stream += publish.notes_stream(
                notes_old, repo.ident, f"{publish.TEMP_REFS}/{tag}/notes-0", notes, notes_mark
            )
        made = publish.fast_import(git, stream, scratch / "marks")
        first_notes = made.get(notes_mark)
        for target, chain in zip(final, marks, strict=True):
            target.commits = [made[m] for m in chain]
            if sign:
                target.commits = publish.sign_chain(git, target, target.commits)
    commit_of = {b.patch_id: c for t in final for b, c in zip(t.built, t.commits, strict=True)}
    for outcome in ordered:
        outcome.commit = commit_of.get(outcome.patch_id, outcome.commit)
    temp_refs = [f"{publish.TEMP_REFS}/{tag}/{n}" for n in range(len(final))]
    for attempt in range(5):
        notes_ref_tmp = f"{publish.TEMP_REFS}/{tag}/notes-{attempt}"
        notes_new = first_notes if attempt == 0 else None
        if notes_new is None:
            notes = {
                c: publish.event_line(b.event) for t in final for b, c in zip(t.built, t.commits, strict=True)
            }
            notes.update(_rejection_notes(git, repo, rejected, now, notes_old))
            stream = publish.notes_stream(notes_old, repo.ident, notes_ref_tmp, notes, 1) if notes else b""
            notes_new = publish.fast_import(git, stream, scratch / "notes-marks")[1] if notes else None
        refs = temp_refs + ([notes_ref_tmp] if notes_new else [])
        finish.write_journal(common, _journal(final, repo, notes_old, notes_new, ordered, rejected, now))
        try:
            publish.transaction(git, final, repo.notes_ref, notes_old, notes_new, refs, _reflog(final))
            break
        except publish.BranchMoved:
            finish.clear_journal(common)
            publish.drop_temp_refs(git, [notes_ref_tmp])
            now_at = read_objects(git, [repo.notes_ref, *(t.ref for t in final)])
            moved = [t.branch for t in final if _sha(now_at[t.ref]) != t.old]
            if moved or _sha(now_at[repo.notes_ref]) == notes_old:
                publish.drop_temp_refs(git, temp_refs)
                raise
            notes_old = _sha(now_at[repo.notes_ref])  # another writer added notes: retry on top
        except GitPodsError:  # update-ref refused: no ref moved
            finish.clear_journal(common)
            publish.drop_temp_refs(git, [*temp_refs, notes_ref_tmp])
            raise
    else:  # pragma: no cover - five concurrent note writers in a row
        publish.drop_temp_refs(git, temp_refs)
        raise publish.BranchMoved(f"{repo.notes_ref} kept moving", hint="run git pod-promote again")
    finish.recover(git, root, common, gitdir, repo.head_ref)  # the same steps a rerun takes after a kill


def _sha(obj: Obj | None) -> str | None:
    return obj.sha if obj is not None else None


def _rejection_notes(
    git: Git, repo: Repo, rejected: list[Outcome], now: str, notes_tip: str | None
) -> dict[str, bytes]:
    """Rejected events, appended to whatever note their commit (the target's tip) already has."""
    lines: dict[str, bytes] = {}
    for outcome in rejected:
        if outcome.attach:
            event = engine.rejected_event(outcome, repo.by, now)
            lines[outcome.attach] = lines.get(outcome.attach, b"") + publish.event_line(event)
    out = {}
    for commit, text in lines.items():
        existing = b""
        if notes_tip:
            done = git.run(["notes", f"--ref={repo.notes_ref}", "show", commit], check=False)
            existing = done.stdout if done.returncode == 0 else b""
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        out[commit] = existing + text
    return out


def _journal(
    final: list[publish.Target],
    repo: Repo,
    notes_old: str | None,
    notes_new: str | None,
    ordered: list[Outcome],
    rejected: list[Outcome],
    now: str,
) -> dict[str, object]:
    promoted = [o for o in ordered if o.status == "promoted"]
    return {
        "pid": os.getpid(),
        "targets": [
            {
                "branch": t.branch,
                "ref": t.ref,
                "old": t.old,
                "new": t.commits[-1],
                "checked_out": t.checked_out,
            }
            for t in final
        ],
        "notes_ref": repo.notes_ref,
        "notes_old": notes_old,
        "notes_new": notes_new,
        "promoted": [{"id": o.patch_id, "digest": o.digest, "branch": o.branch} for o in promoted],
        "rejected": [{"id": o.patch_id, "reason": _reason(o, repo.by, now)} for o in rejected],
    }


def _reflog(final: list[publish.Target]) -> str:
    ids = [b.patch_id for t in final for b in t.built]
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"pod-promote: {shown or 'events'}"


_LABEL = {
    "promoted": ("promoted", "would promote"),
    "already": ("already promoted", "already promoted"),
    "rejected": ("rejected", "would reject"),
    "not-applied": ("not applied", "would not apply"),
    "blocked": ("not promoted", "would not promote"),
}


def _report(
    out: TextIO, json_mode: bool, outcomes: list[Outcome], notices: list[str], dry_run: bool, root: Path
) -> int:
    code = max((o.exit for o in outcomes), default=0)
    if json_mode:
        write_json(
            out,
            "promote",
            code,
            [v for o in outcomes for v in o.violations],
            dry_run=dry_run,
            bundles=[_as_json(o, dry_run) for o in outcomes],
            notices=notices,
        )
        return code
    for line in notices:
        out.write(line + "\n")
    for outcome in outcomes:
        out.write(_line(outcome, dry_run) + "\n")
        for problem in sorted(outcome.violations, key=Violation.sort_key):
            out.write("    " + problem.format_text().replace("\n", "\n    ") + "\n")
        failure = outcome.failure
        if failure is not None and failure.expected is not None:
            where = f" in {failure.file}" if failure.file else ""
            out.write(f"    git looked for these lines{where}:\n")
            for text in failure.expected.splitlines()[:12] or [""]:
                out.write(f"    | {text}\n")
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    label = 1 if dry_run else 0
    parts = [f"{n} {_LABEL[s][label]}" for s, n in counts.items()]
    total = f"{len(outcomes)} bundle{'s' if len(outcomes) != 1 else ''}: " + (
        ", ".join(parts) or "nothing to do, the queue is empty"
    )
    out.write(total + ("; dry run: nothing was changed\n" if dry_run else "\n"))
    return code


def _line(outcome: Outcome, dry_run: bool) -> str:
    label = _LABEL[outcome.status][1 if dry_run else 0]
    head = f"{label} {outcome.patch_id}"
    if outcome.status == "promoted":
        commit = f" {outcome.commit[:12]}" if outcome.commit else ""
        size = (
            f"+{outcome.added} -{outcome.deleted} in {outcome.files} file{'s' if outcome.files != 1 else ''}"
        )
        return f"{head} -> {outcome.branch}{commit} ({size})"
    if outcome.status == "already":
        return f"{head} on {outcome.branch}" + ("" if dry_run else "; removed from the queue")
    if outcome.status == "rejected":
        return f"{head}" + ("" if dry_run else f" -> {REJECTED_DIR}/{outcome.patch_id}/ (reason.yaml)")
    return f"{head}: left in the queue"


def _as_json(outcome: Outcome, dry_run: bool) -> dict[str, object]:
    item: dict[str, object] = {
        "patch_id": outcome.patch_id,
        "status": outcome.status,
        "exit_code": outcome.exit,
    }
    for key in ("branch", "commit", "pod", "task", "digest"):
        value = getattr(outcome, key)
        if value is not None:
            item[key] = value
    if outcome.status == "promoted":
        item.update(added=outcome.added, deleted=outcome.deleted, files=outcome.files)
    if outcome.status == "rejected" and not dry_run:
        item["moved_to"] = f"{REJECTED_DIR}/{outcome.patch_id}/"
    failure = outcome.failure
    if failure is not None:
        item["failure"] = {
            k: v
            for k, v in (("file", failure.file), ("hunk", failure.hunk), ("expected", failure.expected))
            if v
        }
    item["violations"] = [v.to_json() for v in outcome.violations]
    return item
