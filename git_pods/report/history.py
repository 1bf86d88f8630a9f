"""What reports count: every metric event in the notes ref and the patches and tasks history shows,
read in five git processes whatever the number of commits (DESIGN §7, §8).

One `for-each-ref` (default branch, release tags, notes ref), two `git log`s over every ref but
the notes (report/logread.py: parents, commit time and subject of every commit; the messages of
the commits that name a patch, parsed in report/graph.py), one `ls-tree` of the notes tree and
one `cat-file --batch` of its blobs. Notes are read from the tree, not through `git log
--notes`, so events on commits no ref reaches any more (an amended commit keeps its note) still
count. Reachability is computed here from the parents the log printed: walking the default
branch's first parents from the oldest, each commit a merge (or a plain commit) brings in is
accepted at that first-parent commit's time; release tags, oldest first, mark what each one
delivers, so a patch is delivered by the earliest tag that contains it.

Copies of an event (amend, rebase, cherry-pick and squash copy lines verbatim, docs/rewrites.md)
are identical lines: one event, held by several commits. A line that is not an event is a
warning, never an error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from git_pods.gitio.notes import NOTES_REF, NotesBroken
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.ids import PATCH_ID, TASK_ID
from git_pods.record import record
from git_pods.report.graph import Log, accepted_at, delivered_by, parse_log
from git_pods.report.logread import LogRead

KINDS = frozenset(
    (
        "assigned",
        "promoted",
        "rejected",
        "handed-off",
        "reviewed",
        "delivered",
        "bypass-detected",
        "rewritten",
        "closed",
    )
)
_STR_KEYS = ("pod", "task", "patch", "by", "to", "how")
_INT_KEYS = ("added", "deleted", "files")
_HEAD_KEYS = frozenset(("ts", "v", "event"))
_HEX = frozenset("0123456789abcdef")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@record
class Event:
    """One metric event (schema metric-event). commit is the commit whose note holds the line (on
    the default branch when one of its holders is), commits every holder of identical copies;
    source is the event's own `commit` key (for `rewritten`: where the events were copied from);
    extra keeps every key this reader does not name."""

    ts: datetime
    kind: str
    v: int
    pod: str | None = None
    task: str | None = None
    patch: str | None = None
    by: str | None = None
    added: int | None = None
    deleted: int | None = None
    files: int | None = None
    to: str | None = None
    how: str | None = None
    source: str | None = None
    commit: str = ""
    commits: tuple[str, ...] = ()
    extra: Mapping[str, Any] = _EMPTY

    @property
    def known(self) -> bool:
        """A kind this version understands; counts pass over the others (newer writers)."""
        return self.kind in KINDS


_EVENT_DEFAULTS = {
    name: None for name in ("pod", "task", "patch", "by", "added", "deleted", "files", "to", "how", "source")
}


@record
class Patch:
    """A patch as events and history tell it. promoted_at: its first `promoted` event (else the time
    of the first commit carrying its `Patch-Id`, for a clone without the notes); accepted_at:
    when a commit carrying its `Patch-Id` trailer reached the default branch (the time of the
    first-parent commit that brought it in); delivered_at and tag: the earliest release tag that
    contains such a commit, and that tag's date."""

    id: str
    pod: str | None = None
    task: str | None = None
    promoted_at: datetime | None = None
    accepted_at: datetime | None = None
    delivered_at: datetime | None = None
    tag: str | None = None
    rejected: int = 0
    added: int | None = None
    deleted: int | None = None
    files: int | None = None
    commits: tuple[str, ...] = ()


@record
class Review:
    """A review or blocked answer that changed no code: its `reviewed` event (else the commit
    carrying its `Pod-Review` trailer, for a clone without the notes). It is no patch: velocity
    never counts it, the task's review figures do."""

    id: str
    pod: str | None = None
    task: str | None = None
    verdict: str | None = None
    at: datetime | None = None
    commits: tuple[str, ...] = ()


@record
class Task:
    """A task: feature is the first segment of its id (F2.1 -> F2); completed_at is when its last
    patch was delivered, once all its patches are (None while any is not). review_rounds: the
    runs of reviews with no patch between them (a patch, two reviews, a patch, a review: 2)."""

    id: str
    feature: str
    assigned_at: datetime | None = None
    completed_at: datetime | None = None
    patches: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()
    review_rounds: int = 0
    closed_at: datetime | None = None  # `git pod-close` (and not assigned again since)
    closed_as: str | None = None  # done or abandoned


@record
class Tag:
    """A release tag: the commit it points at and its date (tagger date, or the commit's)."""

    name: str
    commit: str
    at: datetime


@record
class ReadWarning:
    """A note line that is no event, or a reference the reader could not use; reading goes on."""

    rule: str
    message: str
    commit: str | None = None
    line: int | None = None


@record
class History:
    """Everything reports count, read once. events are sorted by time; rewritten_from maps a
    commit to the commits its `rewritten` events say it replaced."""

    default_branch: str
    default_tip: str | None = None
    events: tuple[Event, ...] = ()
    patches: Mapping[str, Patch] = _EMPTY
    tasks: Mapping[str, Task] = _EMPTY
    tags: tuple[Tag, ...] = ()
    reviews: Mapping[str, Review] = _EMPTY
    rewritten_from: Mapping[str, tuple[str, ...]] = _EMPTY
    warnings: tuple[ReadWarning, ...] = ()
    commit_count: int = 0
    revert_candidates: tuple[str, ...] = ()  # commits whose subject starts with "Revert"
    parents: Mapping[str, list[str]] = _EMPTY  # every commit read -> its parents

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]


def read_history(
    git: Git,
    default_branch: str,
    release_glob: str = "v*",
    *,
    notes_ref: str = NOTES_REF,
    started: LogRead | None = None,
    remote: str = "origin",
) -> History:
    """Read the notes ref and history in five git processes (see the module's docstring); started
    is the log already running in this repository (the lean entry starts it before its imports),
    used when it excludes this notes ref."""
    warnings: list[ReadWarning] = []
    if started is None or not (started.notes_ref == notes_ref or notes_ref.startswith("refs/notes/")):
        started = LogRead(git.cwd, notes_ref)  # the long read: the refs and the notes meanwhile
    found: list[tuple[str | None, list[Tag], dict[str, bytes]] | BaseException] = []

    def read_refs_and_notes() -> None:  # git processes: the thread waits, the log is parsed meanwhile
        try:
            tip, notes_tip, tags = _refs(git, default_branch, release_glob, notes_ref, remote)
            found.append((tip, tags, _notes(git, notes_tip)))
        except BaseException as err:  # handed to the caller's thread below
            found.append(err)

    reader = threading.Thread(target=read_refs_and_notes, daemon=True)
    reader.start()
    try:
        log = parse_log(started.output())
    finally:
        reader.join()
    if isinstance(found[0], BaseException):
        raise found[0]
    tip, tags, notes = found[0]
    if tip is None and log.parents:  # an empty repository has no branch yet: nothing to say
        warnings.append(
            ReadWarning(
                "GP903",
                f"the default branch {default_branch!r} was not found: no patch counts as accepted "
                "(set default_branch in .pods/config.yaml, or create the branch)",
            )
        )
    accepted = accepted_at(log, tip)
    delivered = delivered_by(log, ((t.name, t.commit) for t in tags))
    events, rewritten = _events(notes, accepted, log, warnings)
    patches = _patches(events, log, accepted, delivered, tags)
    reviews = _reviews(events, log, patches)
    return History(
        default_branch=default_branch,
        default_tip=tip,
        events=tuple(events),
        patches=MappingProxyType(patches),
        tasks=MappingProxyType(tasks_of(events, patches, reviews=reviews, parents=log.parents)),
        tags=tuple(tags),
        reviews=MappingProxyType(reviews),
        rewritten_from=MappingProxyType(rewritten),
        warnings=tuple(warnings),
        commit_count=len(log.parents),
        revert_candidates=log.reverts,
        parents=MappingProxyType(log.parents),
    )


def _refs(
    git: Git, branch: str, glob: str, notes_ref: str, remote: str
) -> tuple[str | None, str | None, list[Tag]]:
    heads = [f"refs/heads/{branch}", f"refs/remotes/{remote}/{branch}"]  # a CI checkout has no branch
    if branch.startswith("refs/"):
        heads.insert(0, branch)
    fmt = "%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(creatordate:unix) %(refname)"
    out = git.run(["for-each-ref", f"--format={fmt}", *heads, f"refs/tags/{glob}", notes_ref]).stdout
    found: dict[str, tuple[str, str, int]] = {}
    tags: list[Tag] = []
    for raw in out.decode("utf-8", "surrogateescape").splitlines():
        sha, kind, peeled, peeled_kind, when, name = raw.split(" ", 5)
        if peeled:
            sha, kind = peeled, peeled_kind
        found[name] = (sha, kind, int(when or 0))
        if name.startswith("refs/tags/") and name not in heads and kind == "commit":
            at = datetime.fromtimestamp(int(when or 0), timezone.utc)
            tags.append(Tag(name[len("refs/tags/") :], sha, at))
    tags.sort(key=lambda t: (t.at, t.name))
    tip = next((found[h][0] for h in heads if h in found and found[h][1] == "commit"), None)
    notes = found.get(notes_ref)
    if notes is not None and notes[1] != "commit":
        raise NotesBroken(
            f"{notes_ref} points at a {notes[1]}, not a notes commit",
            hint=f"see what it held before: git reflog {notes_ref}; restore it "
            f"(git update-ref {notes_ref} <commit>) or remove it (git update-ref -d {notes_ref})",
        )
    return tip, notes[0] if notes else None, tags


def _notes(git: Git, tip: str | None) -> dict[str, bytes]:
    """Every note in the notes tree at tip, by commit (fan-out folders joined back)."""
    if tip is None:
        return {}
    listing = git.run(["ls-tree", "-r", "-z", tip]).stdout
    where: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        head, sep, path = entry.partition(b"\t")
        parts = head.split(b" ")
        if not sep or len(parts) != 3 or parts[1] != b"blob":
            continue
        commit = path.replace(b"/", b"").decode("ascii", "replace")
        if len(commit) in (40, 64) and set(commit) <= _HEX:
            where[commit] = parts[2].decode("ascii")
    blobs = read_objects(git, where.values())
    return {c: obj.data for c, sha in where.items() if (obj := blobs.get(sha)) is not None}


def _events(
    notes: Mapping[str, bytes], accepted: Mapping[str, int], log: Log, warnings: list[ReadWarning]
) -> tuple[list[Event], dict[str, tuple[str, ...]]]:
    holders: dict[bytes, list[str]] = {}
    first_seen: dict[bytes, tuple[str, int]] = {}
    for commit in sorted(notes):
        text = notes[commit]
        if b"\0" in text:
            warnings.append(ReadWarning("GP902", "a binary note was passed over", commit))
            continue
        for number, raw in enumerate(text.split(b"\n"), start=1):
            line = raw.strip()
            if line:
                holders.setdefault(line, []).append(commit)
                first_seen.setdefault(line, (commit, number))
    events: list[Event] = []
    rewritten: dict[str, list[str]] = {}
    for line, commits in holders.items():
        commit, number = first_seen[line]
        main = [c for c in commits if c in accepted] or [c for c in commits if c in log.parents] or commits
        event, problem = _parse(line, main[0], tuple(commits))
        if event is None:
            warnings.append(
                ReadWarning("GP901", f"note line is not a metric event: {problem}", commit, number)
            )
            continue
        events.append(event)
        if event.kind == "rewritten" and event.source:
            for holder in commits:
                rewritten.setdefault(holder, []).append(event.source)
    events.sort(key=lambda e: (e.ts, e.kind, e.commit))
    return events, {k: tuple(dict.fromkeys(v)) for k, v in rewritten.items()}


def _parse(line: bytes, commit: str, commits: tuple[str, ...]) -> tuple[Event | None, str]:
    try:
        data = json.loads(line)
    except ValueError as err:  # not JSON, or not UTF-8
        return None, str(err)
    if not isinstance(data, dict):
        return None, "not a JSON object"
    kind, v, ts = data.get("event"), data.get("v"), parse_time(data.get("ts"))
    if not isinstance(kind, str) or not kind:
        return None, "no `event`"
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        return None, "no `v` (a version number from 1)"
    if ts is None:
        return (
            None,
            "no `ts` (an ISO 8601 time with its offset between 1970 and 9998, e.g. 2026-01-05T10:00:00Z)",
        )
    values: dict[str, Any] = {"ts": ts, "kind": kind, "v": v}
    extra = {}
    for key, value in data.items():
        if isinstance(value, str) if key in _STR_KEYS else key in _INT_KEYS and _count(value):
            values[key] = value
        elif key == "commit" and isinstance(value, str):
            values["source"] = value
        elif key not in _HEAD_KEYS:
            extra[key] = value  # unknown keys, and known ones of the wrong type, kept as they are
    values.update(commit=commit, commits=commits, extra=MappingProxyType(extra) if extra else _EMPTY)
    return make_event(values), ""


def _count(value: object) -> bool:
    """A count of lines or files: a whole number from 0 below a billion (anything else is kept
    among the event's unknown keys, not summed)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000_000


def make_event(values: dict[str, Any]) -> Event:
    """An Event from the fields that are set, the others at their defaults: the records' generic
    __init__ checks every keyword, and reports build an event for each of thousands of lines."""
    event = Event.__new__(Event)
    event.__dict__.update(_EVENT_DEFAULTS)
    event.__dict__.update(values)
    return event


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
    try:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None or not 1970 <= when.astimezone(timezone.utc).year <= 9998:
            return None  # git's times start at 1970; the far end leaves room for sprints after it
    except (ValueError, OverflowError):
        return None
    return when


def _patches(
    events: Iterable[Event],
    log: Log,
    accepted: Mapping[str, int],
    delivered: Mapping[str, str],
    tags: list[Tag],
) -> dict[str, Patch]:
    fields: dict[str, dict[str, Any]] = {}

    def entry(patch: str) -> dict[str, Any]:
        return fields.setdefault(patch, {"id": patch, "rejected": 0, "commits": []})

    for event in events:  # sorted by time: the first promoted event wins
        if not event.known or event.patch is None or not PATCH_ID.fullmatch(event.patch):
            continue
        item = entry(event.patch)
        for key in ("pod", "task"):
            if item.get(key) is None and getattr(event, key) is not None:
                item[key] = getattr(event, key)
        if event.kind == "promoted" and item.get("promoted_at") is None:
            item.update(promoted_at=event.ts, added=event.added, deleted=event.deleted, files=event.files)
        elif event.kind == "rejected":
            item["rejected"] += 1
    tag_at = {t.name: t for t in tags}
    oldest_first = sorted(log.trailers.items(), key=lambda kv: log.times.get(kv[0], 0))
    for commit, claims in oldest_first:  # the promote's own commit names the pod, not a later squash
        for value, pod, task in claims:
            if not PATCH_ID.fullmatch(value):
                continue
            item = entry(value)
            item["commits"].append(commit)
            if item.get("pod") is None:
                item["pod"] = pod
            if item.get("task") is None:
                item["task"] = task
            if commit in accepted:
                at = datetime.fromtimestamp(accepted[commit], timezone.utc)
                if item.get("accepted_at") is None or at < item["accepted_at"]:
                    item["accepted_at"] = at
            tag = tag_at.get(delivered.get(commit, ""))
            if tag is not None and (item.get("delivered_at") is None or tag.at < item["delivered_at"]):
                item.update(delivered_at=tag.at, tag=tag.name)
    for item in fields.values():  # no promoted event (notes never synced here): the commit's time
        if item.get("promoted_at") is None and item["commits"]:
            item["promoted_at"] = datetime.fromtimestamp(
                min(log.times[c] for c in item["commits"]), timezone.utc
            )
    return {
        patch: Patch(**{**item, "commits": tuple(sorted(item["commits"]))})
        for patch, item in sorted(fields.items())
    }


def _depths(parents: Mapping[str, list[str]], commits: Iterable[str]) -> dict[str, int]:
    """Each commit's generation: the longest parent chain below it (iterative: no recursion limit)."""
    depth: dict[str, int] = {}
    for start in commits:
        stack = [start]
        while stack:
            commit = stack[-1]
            if commit in depth:
                stack.pop()
                continue
            pending = [p for p in parents.get(commit, []) if p not in depth and p in parents]
            if pending:
                stack.extend(pending)
                continue
            depth[commit] = 1 + max((depth[p] for p in parents.get(commit, []) if p in depth), default=0)
            stack.pop()
    return depth


def _reviews(events: Iterable[Event], log: Log, patches: dict[str, Patch]) -> dict[str, Review]:
    """The review answers, taken out of patches: those a `reviewed` event or a `Pod-Review`
    trailer names (a review's promote writes no `promoted` event)."""
    verdicts = dict(log.reviews)
    at: dict[str, datetime] = {}
    for event in events:
        if event.kind == "reviewed" and event.known and event.patch and PATCH_ID.fullmatch(event.patch):
            verdict = event.extra.get("verdict")
            verdicts.setdefault(event.patch, verdict if isinstance(verdict, str) else "")
            at.setdefault(event.patch, event.ts)
    out = {}
    for patch_id in sorted(verdicts):
        patch = patches.pop(patch_id, None)
        if patch is None:
            continue
        when = at.get(patch_id, patch.promoted_at)
        verdict = verdicts[patch_id] or None
        out[patch_id] = Review(patch_id, patch.pod, patch.task, verdict, when, patch.commits)
    return out


def tasks_of(
    events: Iterable[Event],
    patches: Mapping[str, Patch],
    superseded: Collection[str] = (),
    reviews: Mapping[str, Review] = _EMPTY,
    parents: Mapping[str, list[str]] = _EMPTY,
) -> dict[str, Task]:
    """Tasks from the events and patches; a superseded patch (a later patch's trace corrects it) is
    no part of its task, nor is a patch never promoted (rejected only)."""
    found: dict[str, dict[str, Any]] = {}

    def entry(task: str) -> dict[str, Any]:
        return found.setdefault(task, {"patches": [], "pods": [], "assigned_at": None})

    for event in events:
        if not event.known or event.task is None or not TASK_ID.fullmatch(event.task):
            continue
        item = entry(event.task)
        if event.kind == "assigned" and item["assigned_at"] is None:
            item["assigned_at"] = event.ts
        if event.kind == "assigned":  # assigning again reopens a closed task
            item["closed"] = None
        elif event.kind == "closed":
            state = event.extra.get("state")
            item["closed"] = (event.ts, state if state in ("done", "abandoned") else "done")
        for pod in (event.pod, event.to):
            if pod and pod not in item["pods"]:
                item["pods"].append(pod)
    for patch in patches.values():
        promoted = patch.promoted_at is not None or patch.commits
        if (
            promoted
            and patch.id not in superseded
            and patch.task is not None
            and TASK_ID.fullmatch(patch.task)
        ):
            entry(patch.task)["patches"].append(patch.id)
    for review in reviews.values():
        if review.task is not None and TASK_ID.fullmatch(review.task):
            entry(review.task).setdefault("reviews", []).append(review.id)
    named = [c for r in reviews.values() for c in r.commits]
    depth = _depths(parents, named + [c for p in patches.values() for c in p.commits]) if named else {}
    out = {}
    for task, item in sorted(found.items()):
        mine = [patches[p] for p in item["patches"]]
        done = [p.delivered_at for p in mine if p.delivered_at is not None]
        judged = [reviews[r] for r in item.get("reviews", [])]
        out[task] = Task(
            id=task,
            feature=task.split(".", 1)[0],
            assigned_at=item["assigned_at"],
            completed_at=max(done) if mine and len(done) == len(mine) else None,
            patches=tuple(item["patches"]),
            pods=tuple(item["pods"]),
            reviews=tuple(r.id for r in judged),
            review_rounds=_rounds(mine, judged, depth),
            closed_at=item["closed"][0] if item.get("closed") else None,
            closed_as=item["closed"][1] if item.get("closed") else None,
        )
    return out


def _rounds(patches: Sequence[Patch], reviews: Sequence[Review], depth: Mapping[str, int]) -> int:
    """How many runs of reviews the task's timeline holds, a patch ending each run. Times tie
    within a second (one promote of several bundles): the commits' depth in history orders them."""
    far = datetime.max.replace(tzinfo=timezone.utc)

    def deepest(commits: Sequence[str]) -> int:
        return min((depth[c] for c in commits if c in depth), default=0)

    timeline = sorted(
        [(p.promoted_at or far, deepest(p.commits), 0) for p in patches]
        + [(r.at or far, deepest(r.commits), 1) for r in reviews],
    )
    rounds, last = 0, 0
    for _when, _depth, kind in timeline:
        if kind == 1 and last != 1:
            rounds += 1
        last = kind
    return rounds
