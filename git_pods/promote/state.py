"""The state a target branch must be in: not checked out elsewhere, clean when checked out here,
no merge or rebase under way, no git lock in the way."""

from __future__ import annotations

from pathlib import Path

from git_pods.checks.rules import violation
from git_pods.gitio import onefile
from git_pods.gitio.locks import check_git_locks
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.promote import publish
from git_pods.promote.engine import Builder
from git_pods.promote.outcome import Outcome, Show
from git_pods.promote.plan import Candidate


def state_problems(
    git: Git,
    common: Path,
    gitdir: Path,
    targets: dict[str, publish.Target],
    notes_ref: str,
    dry_run: bool,
) -> dict[str, tuple[str, str]]:
    """Targets promote must leave alone, with why and the fix: checked out with changes here or
    in another worktree, being rebased, or blocked by a branch whose name is a folder of theirs.
    A git lock in the way stops the whole run (exit 3) before anything is built."""
    here = [t for t in targets.values() if t.checked_out]
    if not dry_run:
        locks = [common / "packed-refs.lock", common / f"{notes_ref}.lock"]
        locks += [common / f"{t.ref}.lock" for t in targets.values()]
        if here:
            locks += [gitdir / "index.lock", gitdir / "HEAD.lock"]
        check_git_locks(locks)
    out: dict[str, tuple[str, str]] = {}
    elsewhere = _other_worktrees(git, gitdir) if (common / "worktrees").is_dir() else {}
    rebasing = _rebasing(common, gitdir)
    clashes = _clashes(git, [t for t in targets.values() if t.old is None])
    for target in targets.values():
        if target.ref in elsewhere:
            out[target.branch] = (
                f"{target.branch} is checked out in the worktree {elsewhere[target.ref]}",
                "promote from that worktree, or --onto another branch",
            )
        elif target.ref in rebasing:
            out[target.branch] = (
                f"{target.branch} is being rebased",
                "finish the rebase (git rebase --continue or --abort) first",
            )
        elif target.branch in clashes:
            out[target.branch] = (
                f"{target.branch} cannot be created: the branch {clashes[target.branch]} exists",
                "promote with --onto BRANCH, or rename that branch",
            )
    if not here:
        return out
    busy = onefile.busy(gitdir)
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


def _rebasing(common: Path, gitdir: Path) -> set[str]:
    """Branches a rebase (in any worktree) will move when it finishes."""
    folders = [gitdir, common, *((common / "worktrees").glob("*") if (common / "worktrees").is_dir() else [])]
    refs = set()
    for folder in folders:
        for name in ("rebase-merge", "rebase-apply"):
            try:
                refs.add((folder / name / "head-name").read_text("utf-8", "replace").strip())
            except OSError:
                continue
    return refs


def _clashes(git: Git, new: list[publish.Target]) -> dict[str, str]:
    """New branches a shorter existing branch blocks (refs/heads/pods blocks pods/F2.1)."""
    prefixes = {
        t.branch: ["/".join(t.branch.split("/")[:n]) for n in range(1, t.branch.count("/") + 1)] for t in new
    }
    wanted = sorted({f"refs/heads/{p}" for names in prefixes.values() for p in names})
    found = read_objects(git, wanted) if wanted else {}
    return {
        branch: next(p for p in names if found.get(f"refs/heads/{p}"))
        for branch, names in prefixes.items()
        if any(found.get(f"refs/heads/{p}") for p in names)
    }


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


def blocked_by_worktree(builder: Builder, problem: str) -> list[Outcome]:
    message = problem.splitlines()[0] if problem else "git read-tree refused"
    outcomes = [
        blocked(c, builder.target.branch, f"its working tree cannot take the change: {message}", builder.show)
        for c, _t, _s in builder.trees
    ]
    builder.clear()
    return outcomes


def blocked(candidate: Candidate, branch: str, why: str, show: Show, hint: str | None = None) -> Outcome:
    found = violation(
        "GP402",
        f"{branch} is checked out and {why}" if not why.startswith(branch) else why,
        file=show(candidate.folder),
        hint=hint or "move the untracked files out of the way, or promote --onto another branch",
    )
    return Outcome(candidate.patch_id, "blocked", branch=branch, violations=[found])
