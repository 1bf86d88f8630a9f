"""`git pod-promote --push`: the task branches a promote wrote, pushed; then the notes, through the
one notes sync (git_pods/sync.py); then the pull request, through the forge's own CLI.

git-pods' own pushes run no hooks (`--no-verify`: promote has just judged every commit) and never
prompt. A branch the remote moved meanwhile is refused by git, not forced: the bundle stays
promoted here and the message says how to reconcile.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from git_pods.errors import GitPodsError
from git_pods.gitio.runner import Git, remote_head
from git_pods.record import field, record
from git_pods.sync import check_remote, no_prompt_env, sync


@record(frozen=False)
class Pushed:
    """What --push did, for the report: lines to print, the JSON, and the exit code it adds."""

    lines: list[str] = field(default_factory=list)
    branches: dict[str, str] = field(default_factory=dict)  # branch -> pushed | rejected | failed
    notes: str = "not synced"
    pull_requests: dict[str, str] = field(default_factory=dict)
    code: int = 0


def push_all(
    git: Git, root: Path, common: Path, remote: str, notes_ref: str, branches: Sequence[str], base: str | None
) -> Pushed:
    """Push each branch, then sync the notes, then open or update each branch's pull request."""
    result = Pushed()
    try:
        check_remote(git, remote)
    except GitPodsError as exc:
        result.lines.append(f"not pushed: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
        result.code = 3
        return result
    for branch in dict.fromkeys(branches):
        _push_branch(git, remote, branch, result)
    try:
        done = sync(git, common, remote, notes_ref)
    except GitPodsError as exc:
        result.notes = "failed"
        result.lines.append(f"notes not pushed to {remote}: {exc.message}")
        if exc.hint:
            result.lines.append(f"    fix: {exc.hint}; git pod-sync {remote} finishes it later")
        result.code = max(result.code, 3)
    else:
        result.notes = "pushed" if done.pushed else "unchanged"
        merged = f", {done.merged} merged from {remote}" if done.merged else ""
        result.lines.append(f"notes synced with {remote}{merged}")
    for branch, status in result.branches.items():
        if status == "pushed":
            _pull_request(git, root, remote, branch, base, result)
    return result


def _push_branch(git: Git, remote: str, branch: str, result: Pushed) -> None:
    ref = f"refs/heads/{branch}"
    args = ["push", "--quiet", "--porcelain", "--no-verify", remote, f"{ref}:{ref}"]
    done = git.run(args, env=no_prompt_env(git), check=False)
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode == 0:
        result.branches[branch] = "pushed"
        result.lines.append(f"pushed {branch} to {remote}")
        return
    rejected = "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text
    result.branches[branch] = "rejected" if rejected else "failed"
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or ["(no message)"]
    if rejected:
        result.lines.append(
            f"not pushed: {branch} on {remote} has commits this clone lacks; the bundles stay promoted "
            f"here (fetch, then rebase or merge {branch}, and push it)"
        )
    else:
        result.lines.append(f"not pushed: {branch} to {remote}: {last[0].strip()}")
    result.code = max(result.code, 3)


def _pull_request(git: Git, root: Path, remote: str, branch: str, base: str | None, result: Pushed) -> None:
    """Open or update the branch's pull request (the forge writes the body to a file and prints the
    compare URL when no forge CLI can). The branch is pushed already: a failure here is a warning
    and leaves the exit code alone."""
    from git_pods import forge

    target = base or remote_head(git, remote) or "main"
    try:
        outcome = forge.open_or_update(git, root, remote, branch, target)
    except GitPodsError as exc:
        result.pull_requests[branch] = "failed"
        result.lines.append(f"warning: pull request for {branch} not opened: {exc.message}")
        return
    result.pull_requests[branch] = outcome.status
    result.lines += outcome.lines
