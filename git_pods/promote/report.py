"""A promote's result for people (one line per bundle, its problems, a total) and for machines (--json)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from git_pods.bundle import REJECTED_DIR
from git_pods.commands.output import write_json
from git_pods.promote.outcome import Outcome
from git_pods.promote.push import Pushed
from git_pods.violation import Violation

if TYPE_CHECKING:
    from git_pods.promote.push import Pushed

_LABEL = {
    "promoted": ("promoted", "would promote"),
    "already": ("already promoted", "already promoted"),
    "rejected": ("rejected", "would reject"),
    "not-applied": ("not applied", "would not apply"),
    "blocked": ("not promoted", "would not promote"),
    "reviewed": ("recorded as reviews", "would record as reviews"),  # promoted, no code change
}


def report(
    out: TextIO,
    json_mode: bool,
    outcomes: list[Outcome],
    notices: list[str],
    dry_run: bool,
    root: Path,
    pushed: Pushed | None = None,
) -> int:
    code = max([*(o.exit for o in outcomes), pushed.code if pushed else 0])
    if json_mode:
        extra: dict[str, object] = {}
        if pushed is not None:
            extra["push"] = {
                "branches": pushed.branches,
                "notes": pushed.notes,
                "pull_requests": pushed.pull_requests,
                "messages": pushed.lines,
            }
        write_json(
            out,
            "promote",
            code,
            [v for o in outcomes for v in o.violations],
            dry_run=dry_run,
            bundles=[_as_json(o, dry_run) for o in outcomes],
            notices=notices,
            **extra,
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
        kind = "reviewed" if outcome.status == "promoted" and outcome.verdict else outcome.status
        counts[kind] = counts.get(kind, 0) + 1
    label = 1 if dry_run else 0
    parts = [f"{n} {_LABEL[s][label]}" for s, n in counts.items()]
    total = f"{len(outcomes)} bundle{'s' if len(outcomes) != 1 else ''}: " + (
        ", ".join(parts) or "nothing to do, the queue is empty"
    )
    out.write(total + ("; dry run: nothing was changed\n" if dry_run else "\n"))
    for line in pushed.lines if pushed else []:
        out.write(line + "\n")
    return code


def _line(outcome: Outcome, dry_run: bool) -> str:
    label = _LABEL[outcome.status][1 if dry_run else 0]
    head = f"{label} {outcome.patch_id}"
    kept = ""
    if outcome.keep and outcome.leaves_with_merge:
        kept = f"; its queue copy is tracked here and leaves when {outcome.branch} is merged"
    elif outcome.keep:
        kept = (
            f"; its queue copy is tracked here: once {outcome.branch} is merged, remove it "
            f"(git rm -r -q .patches/queue/{outcome.patch_id} && git commit)"
        )
    if outcome.status == "promoted" and outcome.verdict:
        commit = f" {outcome.commit[:12]}" if outcome.commit else ""
        return f"{head} -> {outcome.branch}{commit} (review: {outcome.verdict}, no code change){kept}"
    if outcome.status == "promoted":
        commit = f" {outcome.commit[:12]}" if outcome.commit else ""
        size = (
            f"+{outcome.added} -{outcome.deleted} in {outcome.files} file{'s' if outcome.files != 1 else ''}"
        )
        return f"{head} -> {outcome.branch}{commit} ({size}){kept}"
    if outcome.status == "already":
        removed = "" if dry_run or outcome.keep else "; removed from the queue"
        return f"{head} on {outcome.found_at or outcome.branch}{removed}{kept}"
    if outcome.status == "rejected":
        return f"{head}" + ("" if dry_run else f" -> {REJECTED_DIR}/{outcome.patch_id}/ (reason.yaml)")
    return f"{head}: left in the queue"


def _as_json(outcome: Outcome, dry_run: bool) -> dict[str, object]:
    item: dict[str, object] = {
        "patch_id": outcome.patch_id,
        "status": outcome.status,
        "exit_code": outcome.exit,
    }
    for key in ("branch", "commit", "pod", "task", "digest", "verdict"):
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
