"""Where each bundle goes: its branch, where a new branch starts, and the policy at the target's tip."""

from __future__ import annotations

from collections.abc import Sequence

from git_pods.bundle import (
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    TRACE,
)
from git_pods.checks.rules import violation
from git_pods.config import CONFIG_PATH, Config, default_config, parse_config
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git
from git_pods.promote.build import archive_paths
from git_pods.promote.outcome import Outcome, Repo
from git_pods.promote.plan import Candidate, branch_problem, target_branch
from git_pods.promote.publish import Target
from git_pods.violation import Violation
from git_pods.yamlsafe import YamlProblems, load


def resolve_targets(
    git: Git, repo: Repo, candidates: Sequence[Candidate], onto: str | None, remote: str = "origin"
) -> tuple[dict[str, Target], dict[str, str], list[Outcome], list[Candidate]]:
    """The branches the candidates go to and where each starts: (targets, branch by patch id,
    candidates with no usable branch name, candidates whose trace names no task). A task branch
    the remote has ahead (after a fetch) is built on the remote's tip, so two leads never fork
    the task; one that has diverged from the remote's is refused."""
    branch_of: dict[str, str] = {}
    blocked: list[Outcome] = []
    taskless: list[Candidate] = []
    for candidate in candidates:
        branch = target_branch(candidate, onto)
        if branch is None:
            taskless.append(candidate)
            continue
        problem = branch_problem(branch)
        if problem:
            blocked.append(
                Outcome(
                    candidate.patch_id,
                    "blocked",
                    branch=branch,
                    exit=2,
                    violations=[
                        violation(
                            "GP402",
                            f"task {candidate.task!r} makes no valid branch: {problem}",
                            file=f"{QUEUE_DIR}/{candidate.patch_id}/{TRACE}",
                            hint="promote it with --onto BRANCH",
                        )
                    ],
                )
            )
            continue
        branch_of[candidate.patch_id] = branch
    names = sorted(set(branch_of.values()))
    tasks = sorted({c.task for c in candidates if c.task and c.patch_id in branch_of})
    specs = [f"refs/heads/{b}" for b in names]
    remotes = [f"refs/remotes/{remote}/{b}" for b in names] if onto is None else []
    ledgers = {t: f"{repo.head}:.pods/tasks/{t}.yaml" for t in tasks} if repo.head and onto is None else {}
    found = read_objects(git, [*specs, *remotes, *ledgers.values()])
    ledger_bases = {t: b for t, spec in ledgers.items() if (b := _ledger_base(found.get(spec)))}
    checked = read_objects(git, [f"{b}^{{commit}}" for b in ledger_bases.values()])
    targets: dict[str, Target] = {}
    for name in names:
        tip = found.get(f"refs/heads/{name}")
        theirs = found.get(f"refs/remotes/{remote}/{name}") if onto is None else None
        theirs_sha = theirs.sha if theirs is not None and theirs.kind == "commit" else None
        if tip is not None and tip.kind == "commit":
            if theirs_sha is None or theirs_sha == tip.sha or _is_ancestor(git, theirs_sha, tip.sha):
                targets[name] = Target(name, tip.sha, tip.sha)
            elif _is_ancestor(git, tip.sha, theirs_sha):  # the remote is ahead: build on its tip
                targets[name] = Target(name, tip.sha, theirs_sha)
            else:
                for patch_id in [p for p, b in branch_of.items() if b == name]:
                    del branch_of[patch_id]
                    blocked.append(_diverged(patch_id, name, remote))
            continue
        if theirs_sha is not None:  # a second clone: the task branch exists on the remote
            targets[name] = Target(name, None, theirs_sha)
            continue
        base = repo.head
        ledger_base = ledger_bases.get(name[len("pods/") :]) if onto is None else None
        commit = checked.get(f"{ledger_base}^{{commit}}") if ledger_base else None
        if commit is not None:
            base = commit.sha
        targets[name] = Target(name, None, base)
    for target in targets.values():
        target.checked_out = repo.head_ref == target.ref
    return targets, branch_of, blocked, taskless


def _ledger_base(ledger: Obj | None) -> str | None:
    if ledger is None:
        return None
    try:
        data = load(ledger.data, "ledger").data
    except YamlProblems:
        return None
    base = data.get("base_commit") if isinstance(data, dict) else None
    return base if isinstance(base, str) and 4 <= len(base) <= 64 and base.isalnum() else None


def target_config(raw: bytes | None, branch: str) -> tuple[Config, list[Violation]]:
    """The policy at the target's tip (never the change's own), the default when it has none."""
    if raw is None:
        return default_config(), []
    config, _found = parse_config(raw, f"{branch}:{CONFIG_PATH}")
    if config is None:
        return default_config(), [
            violation(
                "GP602",
                f"{branch}'s config is invalid; its bundles are judged by the built-in default config",
                file=CONFIG_PATH,
            )
        ]
    return config, []


def archive_specs(base: str, patch_id: str) -> list[str]:
    """What a rerun needs to know whether a bundle is already on the branch, and whether its
    queue copy is tracked there."""
    paths = archive_paths(patch_id)
    return [f"{base}:{p}" for p in paths.values()] + [
        f"{base}:{QUEUE_DIR}/{patch_id}",
        f"{base}:{PATCHES_DIR}",
        f"{base}:{LOGS_DIR}",
    ]


def unprefixed(found: dict[str, Obj | None], base: str) -> dict[str, Obj | None]:
    cut = len(base) + 1
    return {spec[cut:]: obj for spec, obj in found.items() if spec.startswith(f"{base}:")}


def _is_ancestor(git: Git, older: str, newer: str) -> bool:
    return git.run(["merge-base", "--is-ancestor", older, newer], check=False).returncode == 0


def _diverged(patch_id: str, branch: str, remote: str) -> Outcome:
    return Outcome(
        patch_id,
        "blocked",
        branch=branch,
        exit=3,
        violations=[
            violation(
                "GP402",
                f"{branch} and {remote}/{branch} have diverged: promoting here would fork the task",
                file=f"{QUEUE_DIR}/{patch_id}/{TRACE}",
                hint=f"reconcile them first (git switch {branch} && git rebase {remote}/{branch}, "
                "or merge), then promote again; or promote with --onto BRANCH",
            )
        ],
    )
