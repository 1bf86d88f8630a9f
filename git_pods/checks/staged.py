"""Which parts of the record a staged change touches, and the rule that promoted records never change."""

from __future__ import annotations

from git_pods.bundle import LOGS_DIR, PATCHES_DIR, TRACE
from git_pods.checks.rules import violation
from git_pods.gitio.staged import IndexEntry, Staged
from git_pods.record import record
from git_pods.violation import Violation

CONFIG = ".pods/config.yaml"


@record
class Place:
    """Where a record path belongs: a bundle (kind and id), or loose in a record folder."""

    kind: str  # queued, rejected, archived, ledger, config, pods, loose
    id: str = ""


def place_of(path: str) -> Place | None:
    """The record item a path belongs to; None outside .pods/, .patches/ and .logs/."""
    parts = path.split("/")
    top = parts[0]
    if top == PATCHES_DIR:
        if len(parts) >= 4 and parts[1] in ("queue", "rejected"):
            return Place("queued" if parts[1] == "queue" else "rejected", parts[2])
        if len(parts) == 2 and parts[1].endswith(".diff") and len(parts[1]) > len(".diff"):
            return Place("archived", parts[1][: -len(".diff")])
        return Place("loose")
    if top == LOGS_DIR:
        return Place("archived", parts[1]) if len(parts) >= 3 else Place("loose")
    if top == ".pods":
        if path == CONFIG:
            return Place("config")
        if len(parts) == 3 and parts[1] == "tasks":
            return Place("ledger")
        return Place("pods")
    return None


def to_check(staged: Staged) -> list[IndexEntry]:
    """The index entries to validate: every bundle a staged change touches, whole, with the
    bundles whose ids collide with it (same id queued and promoted, or ids differing in case),
    the changed ledgers and loose files. Deleted paths bring their bundle's remaining files."""
    touched: set[tuple[str, str]] = set()
    single: set[str] = set()
    for path in staged.changes:
        place = place_of(path)
        if place is None:
            continue
        if place.kind in ("queued", "rejected", "archived"):
            touched.add((place.kind, place.id))
        elif place.kind in ("ledger", "loose"):
            single.add(path)
    by_fold: dict[str, set[tuple[str, str]]] = {}
    for path in staged.entries:
        place = place_of(path)
        if place is not None and place.kind in ("queued", "archived"):
            by_fold.setdefault(place.id.casefold(), set()).add((place.kind, place.id))
    wanted = set(touched)
    for _kind, patch_id in touched:
        wanted |= by_fold.get(patch_id.casefold(), set())
    out = []
    for path, entry in staged.entries.items():
        place = place_of(path)
        if place is None:
            continue
        if path in single or (place.kind, place.id) in wanted:
            out.append(entry)
    return out


def changed_records(staged: Staged) -> list[Violation]:
    """Promoted records never change: an archived diff or log modified or deleted is refused."""
    out = []
    for path, status in sorted(staged.changes.items()):
        place = place_of(path)
        if place is None or place.kind != "archived" or status == "A":
            continue
        what = "deleted" if status == "D" else "changed"
        out.append(
            violation(
                "GP500",
                f"promoted record {what}: {path} was committed with patch {place.id}",
                file=path,
                hint=(
                    f"restore it (git restore --staged --worktree --source=HEAD -- {path}); to correct "
                    f"the patch, promote a new bundle whose thought_trace says `supersedes: {place.id}`"
                ),
            )
        )
    return out


def archived_ids(staged: Staged) -> list[str]:
    """Patch ids this commit archives: `.patches/<ID>.diff` added, or (a review answer, which
    archives no diff) `.logs/<ID>/thought_trace.yaml`."""
    found = []
    for path, status in sorted(staged.changes.items()):
        place = place_of(path)
        if place is None or status != "A" or place.id in found:
            continue
        if path in (f"{PATCHES_DIR}/{place.id}.diff", f"{LOGS_DIR}/{place.id}/{TRACE}"):
            found.append(place.id)
    return found
