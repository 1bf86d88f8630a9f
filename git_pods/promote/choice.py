"""Which of several attempts at one prompt a promote takes: only the one the lead names; the others
then move to rejected/ as not chosen (GP405), so no answer is lost and none is promoted twice."""

from __future__ import annotations

from pathlib import Path

from git_pods import attempts
from git_pods.bundle import REJECTED_DIR
from git_pods.checks.rules import violation
from git_pods.promote.outcome import Outcome, Show
from git_pods.promote.plan import Candidate, queue_order, read_candidate


def one_attempt_each(candidates: list[Candidate], show: Show) -> tuple[list[Candidate], list[Outcome]]:
    """Attempts at one prompt cannot all be promoted: when several of them are chosen (--all, or
    named together), none is, and the lead is asked to pick (GP406, exit 2)."""
    families: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        families.setdefault(candidate.family, []).append(candidate)
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
    root: Path, outcomes: list[Outcome], candidates: list[Candidate], attach: str | None, show: Show
) -> list[Outcome]:
    """The other queued attempts at a prompt whose chosen answer is being promoted: rejected as not
    chosen (GP405) in the same transaction as the promote (reason.yaml, a rejected event, the
    journal, the webhooks), so nothing is lost. The lead's choice is no failure: exit 0."""
    chosen = {c.patch_id: c.family for c in candidates}
    won = {
        chosen[o.patch_id]: o.patch_id for o in outcomes if o.status == "promoted" and o.patch_id in chosen
    }
    out = []
    for folder in queue_order(root) if won else []:
        if folder.name not in won and attempts.base_of(folder.name) not in won:
            continue  # intake names every attempt <first>-N: no need to read the rest of the queue
        other = read_candidate(folder)
        if other.family not in won or other.patch_id == won[other.family]:
            continue
        why = f"not chosen: {won[other.family]} was promoted as the answer to the same prompt"
        problem = violation(
            "GP405", why, file=show(folder), hint=f"git pod-requeue {other.patch_id} if it is wanted"
        )
        outcome = Outcome(
            other.patch_id,
            "rejected",
            violations=[problem],
            attach=attach,
            pod=other.pod,
            task=other.task,
            digest=other.digest,
        )
        outcome.exit = 0
        out.append(outcome)
    return out


def said(outcome: Outcome) -> str:
    """The line that tells the lead where a not-chosen attempt went."""
    return f"{outcome.patch_id} -> {REJECTED_DIR}/{outcome.patch_id}/ (GP405 {outcome.violations[0].message})"
