"""`git pod-promote`: queued bundles become commits with trailers on their task's branch (or --onto),
under a lock, as one transaction; refused bundles move to .patches/rejected/ with reason.yaml."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from git_pods import ids
from git_pods.bundle import PATCHES_DIR, QUEUE_DIR, REJECTED_DIR, TRACE, in_folder
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.rules import violation
from git_pods.config import CONFIG_PATH, Config, load_config, with_protected
from git_pods.errors import ConfigError, RepoStateError, UsageError
from git_pods.fsio import remove_tree
from git_pods.gitio.locks import ProcessLock
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git, require_root
from git_pods.gitio.staged import EMPTY_TREE
from git_pods.promote import choice, engine, finish, publish, state, transaction
from git_pods.promote import report as reporting
from git_pods.promote import targets as targeting
from git_pods.promote.build import TempIndex, scratch_index
from git_pods.promote.engine import Builder
from git_pods.promote.outcome import Options, Outcome, Repo, Show
from git_pods.promote.plan import (
    Candidate,
    branch_problem,
    case_twins,
    choose,
    read_candidate,
    series_strays,
)
from git_pods.record import record

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
    fetch: bool = False  # first fetch the remote's task branches


def run(options: PromoteOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if options.push and options.dry_run:
        raise UsageError("--push does not go with --dry-run: a dry run changes and sends nothing")
    if options.onto is not None and (
        branch_problem(options.onto) or options.onto == "HEAD" or options.onto.startswith(("refs/", "-"))
    ):
        raise UsageError(
            f"--onto {options.onto!r} is not a valid branch name",
            hint="name a branch as git branch does: --onto main",
        )
    root = require_root(cwd)
    git = Git(root)
    if options.onto is not None and read_objects(git, [f"refs/tags/{options.onto}"]).get(
        f"refs/tags/{options.onto}"
    ):
        raise UsageError(
            f"--onto {options.onto}: that is a tag; promote puts commits on a branch",
            hint=f"name a branch, e.g. --onto release/{options.onto}",
        )
    common, gitdir, hooks = _git_dirs(git)
    _require_layout(root)
    protected = _inside(hooks, root)
    if options.dry_run:
        return _promote(git, root, common, gitdir, protected, options, out, json_mode, cwd)
    with ProcessLock(common / LOCK, "git pod-promote", wait=options.wait):
        return _promote(git, root, common, gitdir, protected, options, out, json_mode, cwd)


def _git_dirs(git: Git) -> tuple[Path, Path, Path]:
    args = ["rev-parse", "--path-format=absolute", "--git-common-dir", "--git-dir", "--git-path", "hooks"]
    common, gitdir, hooks = git.run(args).stdout.decode("utf-8", "surrogateescape").splitlines()[:3]
    return Path(common), Path(gitdir), Path(hooks)


def _inside(hooks: Path, root: Path) -> tuple[str, ...]:
    """The hooks folder as a protected glob when it lies in the work tree (core.hooksPath):
    a diff must never install a hook that runs on the next commit."""
    try:
        relative = hooks.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ()
    return (f"{relative}/**",) if relative not in ("", ".") else ("**",)


def _require_layout(root: Path) -> None:
    """The record's folders are real folders: a link would make promote read or write elsewhere."""
    for name in (PATCHES_DIR, QUEUE_DIR, REJECTED_DIR):
        path = root / name
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            raise RepoStateError(
                f"{name} is {'a symbolic link' if path.is_symlink() else 'a file'}; "
                "git-pods keeps a real folder there",
                hint=f"move {name} away and make it a folder (git pod-init recreates the queue)",
                file=name,
                rule="GP118",
            )


def _promote(
    git: Git,
    root: Path,
    common: Path,
    gitdir: Path,
    protected: tuple[str, ...],
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
        notices += finish.recover(git, root, common)
        publish.drop_temp_refs(git, publish.leftover_temp_refs(git, common))
        finish.clean_trash(root, common)
    scratch = _scratch(common / SCRATCH)
    candidates = [read_candidate(folder) for folder in choose(root, options.ids, options.all)]
    strays = series_strays(root)
    if strays:
        notices.append(f"{QUEUE_DIR}/series lists ids that are not queued: {', '.join(strays)}")
    candidates, one_each = choice.one_attempt_each(candidates, show)
    outcomes_first = _misnamed(candidates, show) + one_each
    candidates = [c for c in candidates if c.patch_id not in {o.patch_id for o in outcomes_first}]
    config, _ = load_config(root)
    if options.fetch:
        from git_pods.sync import fetch_task_branches

        notices.append(fetch_task_branches(git, config.remote or "origin"))
    repo = _repo(git, root, head_ref, config.notes_ref, settings, protected)
    flags = Options(options.onto, options.dry_run, options.three_way, options.recount, options.signoff)
    targets, branch_of, outcomes, taskless = targeting.resolve_targets(
        git, repo, candidates, options.onto, config.remote or "origin"
    )
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
                specs += targeting.archive_specs(base, candidate.patch_id)
    found = read_objects(git, specs)
    unusable = state.state_problems(git, common, gitdir, targets, repo.notes_ref, options.dry_run)
    builders: list[Builder] = []
    try:
        if taskless:
            outcomes += _judge_taskless(repo, found, taskless, flags, show)
        for number, (branch, group) in enumerate(members.items()):
            if branch in unusable:
                why, fix = unusable[branch]
                outcomes += [state.blocked(c, branch, why, show, fix) for c in group]
                continue
            target = targets[branch]
            builder = _builder(git, repo, target, found, flags, show, scratch, str(number))
            notices += [v.format_text() for v in builder.warnings]
            outcomes += _build_until_clean(builder, group)
            if builder.trees and target.checked_out:
                last = builder.trees[-1][1]
                problem = finish.can_bring_up(git, target.old or EMPTY_TREE, last, builder.index.objects_env)
                if problem:
                    outcomes += state.blocked_by_worktree(builder, problem)
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
        losers = choice.not_chosen(root, outcomes, candidates, repo.head, show)
        notices += [choice.said(o) for o in losers]
        ordered = _in_queue_order(outcomes + losers, candidates)
        _keep_tracked(git, ordered, targets)
        if not options.dry_run:
            if final or any(o.status == "rejected" for o in ordered):
                transaction.publish_all(
                    git, root, common, gitdir, scratch, repo, final, ordered, settings.sign, now
                )
            for outcome in ordered:
                if outcome.status == "already" and not outcome.keep:
                    finish.dequeue(root / QUEUE_DIR / outcome.patch_id, outcome.digest)
    finally:
        remove_tree(scratch)
    pushed = None
    if options.push:
        from git_pods.promote.push import push_all

        branches = [o.branch for o in ordered if o.status in ("promoted", "already") and o.branch]
        remote = config.remote or "origin"
        pushed = push_all(git, root, common, remote, config.notes_ref, branches, config.default_branch)
    if config.webhooks and not options.dry_run:  # after --push: the branch it names is there to see
        _notify(config, final, ordered, repo, root, now)
    return reporting.report(out, json_mode, ordered, notices, options.dry_run, root, pushed)


def _notify(
    config: Config, final: list[publish.Target], ordered: list[Outcome], repo: Repo, root: Path, now: str
) -> None:
    """The webhook targets hear of each bundle promoted or rejected: the very events written to
    the notes, with the branch and commit (one message per target; a target that is down is a
    warning and changes nothing)."""
    import sys

    from git_pods.webhooks import notify

    events: list[dict[str, object]] = [
        {**built.event, "branch": target.branch, "commit": commit}
        for target in final
        for built, commit in zip(target.built, target.commits, strict=True)
    ]
    events += [engine.rejected_event(o, repo.by, now) for o in ordered if o.status == "rejected"]
    if events:
        notify(config, events, repo=root.name, err=sys.stderr)


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
            values[key.lower()] = value  # config is listed system, global, local: the last one wins
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


def _repo(
    git: Git,
    root: Path,
    head_ref: str | None,
    notes_ref: str,
    settings: _Settings,
    protected: tuple[str, ...],
) -> Repo:
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
        protected=protected,
    )


def _objects_dir(git: Git) -> Path:
    done = git.run(["rev-parse", "--path-format=absolute", "--git-path", "objects"])
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


def _builder(
    git: Git,
    repo: Repo,
    target: publish.Target,
    found: dict[str, Obj | None],
    flags: Options,
    show: Show,
    scratch: Path,
    name: str,
) -> Builder:
    base = target.base
    tree = found.get(f"{base}^{{tree}}") if base else None
    config_blob = found.get(f"{base}:{CONFIG_PATH}") if base else None
    source = target.branch if target.old else ("HEAD" if base == repo.head else (base or "HEAD")[:12])
    config, warnings = targeting.target_config(config_blob.data if config_blob else None, source)
    config = with_protected(config, repo.protected)
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
        targeting.unprefixed(found, base) if base else {},
    )
    builder.warnings = warnings
    return builder


def _judge_taskless(
    repo: Repo,
    found: dict[str, Obj | None],
    taskless: Sequence[Candidate],
    flags: Options,
    show: Show,
) -> list[Outcome]:
    """Bundles whose trace names no task have no branch: judged by HEAD's policy, refused."""
    head_config = found.get(f"{repo.head}:{CONFIG_PATH}") if repo.head else None
    config, _ = targeting.target_config(head_config.data if head_config else None, "HEAD")
    config = with_protected(config, repo.protected)
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
    rebuilt without it, and a run git's result cannot be shared out is rebuilt one bundle at a
    time (both rare: a diff that disguised what it writes)."""
    refused: list[Outcome] = []
    remaining = list(group)
    while True:
        outcomes = builder.build(remaining)
        bad, split = engine.check_results(builder)
        if split:
            builder.solo |= split
            continue
        if not bad:
            return refused + outcomes
        for candidate in [c for c in remaining if c.patch_id in bad]:
            refused.append(builder.rejected(candidate, bad[candidate.patch_id]))
            remaining.remove(candidate)


def _misnamed(candidates: list[Candidate], show: Show) -> list[Outcome]:
    """Queue folders whose name is no patch id, or differs from an earlier one only in letter
    case: refused (GP208) before their names reach git or a branch."""
    twins = case_twins([c for c in candidates if ids.is_patch_id(c.patch_id)])
    out = []
    for candidate in candidates:
        if not ids.is_patch_id(candidate.patch_id):
            message = f"queue folder {candidate.patch_id!r} is not a valid patch id"
            hint = "patch ids are letters, digits, '_' and '-' (at most 100), e.g. patch_20250419_123456"
        elif candidate.patch_id in twins:
            earlier = twins[candidate.patch_id]
            message = f"patch id {candidate.patch_id!r} differs from the queued {earlier!r} only in case"
            hint = "give one of them a new patch id (macOS and Windows fold letter case)"
        else:
            continue
        problem = violation("GP208", message, file=show(candidate.folder), hint=hint)
        out.append(
            Outcome(
                candidate.patch_id,
                "rejected",
                violations=[problem],
                pod=candidate.pod,
                task=candidate.task,
                digest=candidate.digest,
            )
        )
    return out


def _keep_tracked(git: Git, outcomes: list[Outcome], targets: dict[str, publish.Target]) -> None:
    """A queue copy tracked on the branch checked out here stays until the task branch is merged
    (deleting it would leave that branch with changes promote made); a checked-out target
    loses it with the rest of the commit."""
    done = [o for o in outcomes if o.status in ("promoted", "already")]
    if not done:
        return
    listing = git.run(["ls-files", "-z", "--", QUEUE_DIR]).stdout.decode("utf-8", "surrogateescape")
    tracked = {path.split("/")[2] for path in listing.split("\0") if path.count("/") >= 3}
    for outcome in done:
        target = targets.get(outcome.branch or "")
        outcome.keep = outcome.patch_id in tracked and not (target is not None and target.checked_out)
    bases = {
        o.patch_id: f"{targets[o.branch].base}:{QUEUE_DIR}/{o.patch_id}"
        for o in done
        if o.keep and o.branch in targets and targets[o.branch].base
    }
    found = read_objects(git, bases.values()) if bases else {}
    for outcome in done:  # the branch's commit deleted the copy only where the branch had it
        spec = bases.get(outcome.patch_id)
        outcome.leaves_with_merge = spec is not None and found.get(spec) is not None


def _in_queue_order(outcomes: list[Outcome], candidates: list[Candidate]) -> list[Outcome]:
    rank = {c.patch_id: n for n, c in enumerate(candidates)}
    return sorted(outcomes, key=lambda o: rank.get(o.patch_id, len(rank)))
