"""Publishing a promote: commits and notes written, every ref moved in one transaction, the
journal written first so a killed run can be finished, refused bundles moved with reason.yaml.

Order of steps (each safe to be killed after): build (nothing visible) → journal → one ref
transaction (branches + notes) → working tree brought up → queue emptied → journal removed.
A rerun reads the journal and finishes, or forgets it when the refs never moved.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from git_pods.bundle import QUEUE_DIR, REJECTED_DIR
from git_pods.errors import GitPodsError
from git_pods.gitio import fastimport
from git_pods.gitio.notes import event_line
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git
from git_pods.promote import engine, finish, publish
from git_pods.promote.outcome import Outcome, Repo
from git_pods.violation import Violation


def relocate(outcome: Outcome) -> None:
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


def reason(outcome: Outcome, by: str, now: str) -> dict[str, object]:
    first = min(outcome.violations, key=Violation.sort_key)
    reason: dict[str, object] = {"patch_id": outcome.patch_id, "rule": first.rule, "message": first.message}
    if first.file:
        reason["file"] = first.file
    if first.line is not None:
        reason["line"] = first.line
    reason.update({"rejected": now, "by": by, "target": outcome.branch, "base_commit": outcome.attach})
    reason["problems"] = [v.to_json() for v in outcome.violations]
    return reason


def publish_all(
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
        relocate(outcome)
    notes_old = repo.notes_tip
    first_notes: str | None = None  # the notes commit written with the commits, when not signing
    if final:
        stream, marks = publish.commits_stream(final, repo.ident, tag)
        notes_mark = sum(len(chain) for chain in marks) + 1
        if not sign:  # commits and notes in one stream: notes name the commits by mark
            notes = {
                f":{m}": event_line(b.event)
                for t, chain in zip(final, marks, strict=True)
                for b, m in zip(t.built, chain, strict=True)
            }
            notes.update(_rejection_notes(git, repo, rejected, now, notes_old))
            stream += publish.notes_stream(
                notes_old, repo.ident, f"{publish.TEMP_REFS}/{tag}/notes-0", notes, notes_mark
            )
        made = fastimport.run(git, stream, scratch / "marks")
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
            notes = {c: event_line(b.event) for t in final for b, c in zip(t.built, t.commits, strict=True)}
            notes.update(_rejection_notes(git, repo, rejected, now, notes_old))
            stream = publish.notes_stream(notes_old, repo.ident, notes_ref_tmp, notes, 1) if notes else b""
            notes_new = fastimport.run(git, stream, scratch / "notes-marks")[1] if notes else None
        refs = temp_refs + ([notes_ref_tmp] if notes_new else [])
        journal = _journal(final, repo, gitdir, notes_old, notes_new, ordered, rejected, now)
        finish.write_journal(common, journal)
        with _uninterruptible():  # Ctrl-C waits: the refs and the working tree move together
            try:
                publish.transaction(git, final, repo.notes_ref, notes_old, notes_new, refs, _reflog(final))
            except publish.BranchMoved:
                finish.clear_journal(common)
                publish.drop_temp_refs(git, [notes_ref_tmp])
                now_at = read_objects(git, [repo.notes_ref, *(t.ref for t in final)])
                moved = [t.branch for t in final if _sha(now_at[t.ref]) != t.old]
                if moved or _sha(now_at[repo.notes_ref]) == notes_old:
                    publish.drop_temp_refs(git, temp_refs)
                    raise
                notes_old = _sha(now_at[repo.notes_ref])  # another writer added notes: retry on top
                continue
            except GitPodsError:  # update-ref refused: no ref moved
                finish.clear_journal(common)
                publish.drop_temp_refs(git, [*temp_refs, notes_ref_tmp])
                raise
            # the refs moved: from here on the journal stays until the steps after are done
            finish.recover(git, root, common)  # the same steps a rerun takes after a kill
        break
    else:  # pragma: no cover - five concurrent note writers in a row
        publish.drop_temp_refs(git, temp_refs)
        raise publish.BranchMoved(f"{repo.notes_ref} kept moving", hint="run git pod-promote again")


@contextlib.contextmanager
def _uninterruptible() -> Iterator[None]:
    """SIGINT ignored (and so by the git children started meanwhile): a Ctrl-C would kill
    `read-tree -m -u` halfway through the working tree. A kill -9 is still safe: the journal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
            lines[outcome.attach] = lines.get(outcome.attach, b"") + event_line(event)
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
    gitdir: Path,
    notes_old: str | None,
    notes_new: str | None,
    ordered: list[Outcome],
    rejected: list[Outcome],
    now: str,
) -> dict[str, object]:
    promoted = [o for o in ordered if o.status == "promoted"]
    return {
        "pid": os.getpid(),
        "root": str(repo.root),
        "gitdir": str(gitdir),
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
        "promoted": [
            {"id": o.patch_id, "digest": o.digest, "branch": o.branch, "keep": o.keep} for o in promoted
        ],
        "rejected": [
            {"id": o.patch_id, "digest": o.digest, "reason": reason(o, repo.by, now)} for o in rejected
        ],
    }


def _reflog(final: list[publish.Target]) -> str:
    ids = [b.patch_id for t in final for b in t.built]
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"pod-promote: {shown or 'events'}"
