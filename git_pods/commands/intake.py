"""`git pod-intake`: move downloaded bundle files into the queue, losing nothing on the way.

Each complete, unambiguous set is written to a scratch folder inside the queue, read back and
compared, then renamed into place in one step; only then are its sources removed. An
interruption leaves either the sources or the queued bundle (or both), never neither.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from git_pods import attempts, ledger
from git_pods.bundle import CHANGELOG, DIFF, HANDOFF, QUEUE_DIR, REJECTED_DIR, TRACE, bundle_digest, in_folder
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.rules import violation
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import RepoStateError, UsageError
from git_pods.fsio import remove_tree
from git_pods.gitio.runner import Git, require_root
from git_pods.gitio.wholefiles import diff_from_files
from git_pods.ids import is_patch_id
from git_pods.intake import Download, Group, groups, scan, unplaced
from git_pods.queueing import holds, place, queued
from git_pods.record import record
from git_pods.violation import Violation, worst_exit
from git_pods.yamlsafe import YamlProblems, load

ORDER = (TRACE, CHANGELOG, HANDOFF, DIFF)


@record
class IntakeOptions:
    """What `git pod-intake` was asked to do."""

    directory: str | None = None
    dry_run: bool = False


@record
class Outcome:
    """What happened to one patch id's downloads."""

    patch_id: str
    status: str  # queued, already-queued, refused, would-queue
    sources: tuple[str, ...]
    violations: tuple[Violation, ...] = ()
    attempt_of: tuple[str, str] | None = None  # (the first answer's id, who has that id)


def run(options: IntakeOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    root = require_root(cwd)
    folder = _folder(options, root)
    downloads, problems, keep = scan(folder)
    config, _ = load_config(root)
    placed = list(groups(downloads))
    git = Git(root)
    outcomes = [_one(root, git, group, config, options.dry_run) for group in placed]
    if not options.dry_run:
        problems += _remove_sources(outcomes, placed, downloads, keep)
    for item in unplaced(downloads, placed):
        problems.append(
            violation(
                "GP217", f"{item.shown} names no patch id that other downloads name", file=str(item.source)
            )
        )
    found = problems + [v for o in outcomes for v in o.violations]
    code = worst_exit(found)
    _print(outcomes, found, folder, out, json_mode, code)
    return code


def _folder(options: IntakeOptions, root: Path) -> Path:
    given = options.directory
    if given is None:
        done = Git(root).run(["config", "pods.downloads"], check=False)
        given = done.stdout.decode("utf-8", "surrogateescape").strip() or None
    if given is None:
        raise UsageError(
            "no downloads folder: none given and git config pods.downloads is not set",
            hint="git pod-intake ~/Downloads, or once: git config pods.downloads ~/Downloads",
        )
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder", hint="name the folder your browser saves downloads in")
    folder = folder.resolve()
    for inner in (".patches", ".logs", ".pods", ".git"):
        record = (root / inner).resolve()
        if folder == record or record in folder.parents:
            raise UsageError(
                f"{folder} is inside the repository's {inner}/: intake takes downloads, never the record",
                hint="name the folder your browser saves downloads in",
            )
    return folder


def _one(root: Path, git: Git, group: Group, config: Config, dry_run: bool) -> Outcome:
    sources = tuple(sorted({d.shown for found in group.files.values() for d in found}))
    shown = f"{QUEUE_DIR}/{group.patch_id}"
    refused = _refusal(group, shown)
    if refused is not None:
        return Outcome(group.patch_id, "refused", sources, (refused,))
    try:
        chosen = _chosen(root, group)
    except RepoStateError as exc:
        return Outcome(
            group.patch_id, "refused", sources, (violation("GP219", exc.message, file=shown, hint=exc.hint),)
        )
    patch_id = group.patch_id
    target = queued(root).get(patch_id.casefold()) or root / QUEUE_DIR / patch_id
    if (target.exists() or target.is_symlink()) and holds(target, chosen):
        return Outcome(patch_id, "already-queued", sources)
    taken = _taken_by(root, git, target, patch_id, chosen)
    attempt_of = None
    if taken == "same":
        return Outcome(patch_id, "already-promoted", sources)
    if taken is not None:  # another answer to the same prompt: another attempt, never a dead end
        made = attempts.next_attempt(root, git, patch_id)
        if made is None:
            why = f"{shown} is taken ({taken}) and no attempt id is free; the downloads were left in place"
            hint = f"promote, reject or remove older attempts at {patch_id} (git pod-status lists them)"
            return Outcome(patch_id, "refused", sources, (violation("GP218", why, file=shown, hint=hint),))
        chosen = attempts.as_attempt(chosen, patch_id, made)
        attempt_of, patch_id = (patch_id, taken), made
        target = root / QUEUE_DIR / patch_id
        shown = f"{QUEUE_DIR}/{patch_id}"
    if dry_run:
        return Outcome(patch_id, "would-queue", sources, attempt_of=attempt_of)
    try:
        place(target, chosen)
    except FileExistsError:  # another intake queued this id meanwhile
        if not holds(target, chosen):
            return Outcome(
                patch_id,
                "refused",
                sources,
                (violation("GP218", f"{shown} appeared meanwhile", file=shown),),
            )
        return Outcome(patch_id, "already-queued", sources)

    def show(path: Path) -> str:
        return Path(os.path.relpath(path, root)).as_posix()

    found = check_bundle(in_folder(target, "queued"), config, show)
    return Outcome(patch_id, "queued", sources, tuple(found), attempt_of=attempt_of)


def _taken_by(root: Path, git: Git, target: Path, patch_id: str, chosen: dict[str, bytes]) -> str | None:
    """Who has the id already: "queued", "rejected", "promoted on <branch>"; "same" when that
    promoted record is these very files; None when it is free."""
    if target.exists() or target.is_symlink():
        return "queued with other content"
    record = attempts.promoted(git, patch_id)
    if record is not None:
        return "same" if record.digest == bundle_digest(chosen) else f"promoted on {record.rev}"
    rejected = root / REJECTED_DIR / patch_id
    if rejected.exists() or rejected.is_symlink():
        return "rejected"
    return None


def _chosen(root: Path, group: Group) -> dict[str, bytes]:
    """The four files to queue; whole files become patch.diff against the base the trace names."""
    chosen = {kind: group.files[kind][0].data for kind in ORDER if kind in group.files}
    whole = group.whole_files()
    if whole:
        try:
            trace = load(chosen[TRACE], TRACE).data if TRACE in chosen else {}
        except YamlProblems:  # the queued bundle's validation reports it
            trace = {}
        base = trace.get("base_commit") if isinstance(trace, dict) else None
        if not isinstance(base, str):  # the base the prompt named: the task's packet (its branch tip)
            base = _packet_base(root, trace.get("task_id") if isinstance(trace, dict) else None)
        chosen[DIFF] = diff_from_files(root, base or "HEAD", whole)
    return chosen


def _packet_base(root: Path, task: object) -> str | None:
    """The base commit the task's current packet gave the pod, when its ledger names one."""
    base = (ledger.peek(root, task) or {}).get("base_commit")
    return base if isinstance(base, str) else None


def _refusal(group: Group, shown: str) -> Violation | None:
    if not is_patch_id(group.patch_id):
        return violation(
            "GP208", f"the downloads name {group.patch_id!r}, which is not a valid patch id", file=shown
        )
    ambiguous = group.ambiguous()
    if ambiguous:
        lists = "; ".join(
            f"{kind}: {', '.join(d.shown for d in found)}" for kind, found in sorted(ambiguous.items())
        )
        return violation("GP215", f"{group.patch_id}: different candidates for {lists}", file=shown)
    missing = group.missing()
    if missing:
        have = ", ".join(sorted({d.shown for found in group.files.values() for d in found}))
        return violation("GP216", f"{group.patch_id}: have {have}; missing {', '.join(missing)}", file=shown)
    return None


def _remove_sources(
    outcomes: list[Outcome], placed: list[Group], downloads: list[Download], keep: set[Path]
) -> list[Violation]:
    """Remove the downloads of queued bundles; a zip only when every member of it was queued."""
    taken_in = ("queued", "already-queued", "already-promoted")
    done = [g for g, o in zip(placed, outcomes, strict=True) if o.status in taken_in]  # ids may be new
    used = {id(d) for g in done for found in g.files.values() for d in found}
    by_source: dict[Path, list[Download]] = {}
    for item in downloads:
        by_source.setdefault(item.source, []).append(item)
    problems = []
    for source, items in by_source.items():
        if source in keep or not all(id(item) in used for item in items):
            continue
        try:
            if source.is_dir() and not source.is_symlink():  # a files/ folder, every file of it queued
                remove_tree(source)
                continue
            source.unlink(missing_ok=True)
        except OSError as exc:  # a read-only downloads folder: the bundle is queued all the same
            problems.append(
                violation(
                    "GP224",
                    f"{source.name} is queued but could not be removed ({exc.strerror})",
                    file=str(source),
                )
            )
    return problems


def _print(
    outcomes: list[Outcome], found: list[Violation], folder: Path, out: TextIO, json_mode: bool, code: int
) -> None:
    if json_mode:
        bundles = [
            {"patch_id": o.patch_id, "status": o.status, "sources": list(o.sources)}
            | ({"attempt_of": o.attempt_of[0], "first_answer": o.attempt_of[1]} if o.attempt_of else {})
            for o in outcomes
        ]
        write_json(
            out, "intake", code, sorted(found, key=Violation.sort_key), folder=str(folder), bundles=bundles
        )
        return
    words = {
        "queued": "queued",
        "already-queued": "already queued (downloads removed)",
        "already-promoted": "already promoted, these very files (downloads removed)",
        "refused": "left in the downloads",
        "would-queue": "would queue (dry run)",
    }
    for outcome in outcomes:
        said = words[outcome.status]
        if outcome.attempt_of:
            first, where = outcome.attempt_of
            said += f" as another attempt at {first} (that id is {where}); git pod-status shows both"
        out.write(f"{outcome.patch_id}: {said} <- {', '.join(outcome.sources)}\n")
    for item in sorted(found, key=Violation.sort_key):
        out.write(item.format_text() + "\n")
    queued = sum(o.status == "queued" for o in outcomes)
    if not outcomes and not found:
        out.write(f"nothing to take in: no bundle files in {folder}\n")
    else:
        out.write(f"{queued} bundle{'s' if queued != 1 else ''} queued from {folder}\n")
