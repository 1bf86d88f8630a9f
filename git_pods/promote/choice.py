"""Which of several attempts at one prompt a promote takes: only the one the lead names; the others
then move to rejected/ as not chosen (GP405), so no answer is lost and none is promoted twice."""

from __future__ import annotations

from pathlib import Path

from git_pods import attempts
from git_pods.bundle import REJECTED_DIR
from git_pods.checks.rules import violation
from git_pods.config import Config
from git_pods.gitio.runner import Git
from git_pods.promote.outcome import Outcome, Show
from git_pods.promote.plan import Candidate, queue_order, read_candidate
from git_pods.rejecting import move_to_rejected


def one_attempt_each(candidates: list[Candidate], show: Show) -> tuple[list[Candidate], list[Outcome]]:
    """Attempts at one prompt cannot all be promoted: when several of them are chosen (--all, or
    named together), none is, and the lead is asked to pick (GP406, exit 2)."""
    families: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        families.setdefault(attempts.family(candidate.patch_id, candidate.attempt_of), []).append(candidate)
    held: list[Outcome] = []
    for first, group in families.items():
        if len(group) < 2:
            continue
        names = ", ".join(c.patch_id for c in group)
        for candidate in group:
            problem = violation(
                "GP406",
                f"{len(group)} attempts at {first} are queued ({names}): only the one you choose is promoted",
                file=show(candidate.folder),
                hint="compare them (git pod-status), then git pod-promote <ID> with the chosen one; "
                "the others move to .patches/rejected/ as not chosen",
            )
            held.append(Outcome(candidate.patch_id, "blocked", exit=2, violations=[problem]))
    blocked = {o.patch_id for o in held}
    return [c for c in candidates if c.patch_id not in blocked], held


def not_chosen(
    git: Git,
    root: Path,
    common: Path,
    config: Config,
    ordered: list[Outcome],
    candidates: list[Candidate],
    dry_run: bool,
) -> list[str]:
    """The other queued attempts at a prompt whose chosen answer was just promoted go to
    rejected/ as not chosen (GP405), with a rejected event each: nothing is lost."""
    chosen = {c.patch_id: attempts.family(c.patch_id, c.attempt_of) for c in candidates}
    won = {chosen[o.patch_id]: o.patch_id for o in ordered if o.status == "promoted" and o.patch_id in chosen}
    if not won:
        return []
    lines = []
    for folder in queue_order(root):
        if folder.name not in won and attempts.base_of(folder.name) not in won:
            continue  # intake names every attempt <first>-N: no need to read the rest of the queue
        other = read_candidate(folder)
        first = attempts.family(other.patch_id, other.attempt_of)
        if first not in won or other.patch_id == won[first]:
            continue
        why = f"not chosen: {won[first]} was promoted as the answer to the same prompt"
        if dry_run:
            lines.append(f"would move {other.patch_id} to {REJECTED_DIR}/ ({why})")
            continue
        made = move_to_rejected(git, root, config, folder, "GP405", why, common)
        if made is not None:
            lines.append(f"{other.patch_id} -> {made.target} (GP405 {why})")
    return lines
