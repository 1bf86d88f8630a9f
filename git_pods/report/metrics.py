"""Velocity and burndown: the numbers behind the reports, computed from a History for a Window.

Every figure is counted where it happened: a patch counts as promoted in the window that holds its
first `promoted` event, as accepted in the one that holds its acceptance, and so on (DESIGN §7). A
pod is credited with the patches its trailers or events name; a completed task is credited to each
pod that wrote one of its patches. Medians are of the patches that reached a stage's end inside the
window. Times are aware datetimes; day boundaries are local midnights in the calendar's zone.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from git_pods.record import record
from git_pods.report.history import Event, History, Patch, Task
from git_pods.report.sprints import Window

STAGES = ("assigned_to_promoted", "promoted_to_accepted", "accepted_to_delivered", "assigned_to_delivered")
MAX_POINTS = 120  # a burndown over a longer span samples every k-th day
TREND_SPRINTS = 6


@record
class PodFigures:
    """One pod's numbers in one window; lead times and handoff cycle are medians in hours."""

    pod: str
    promoted: int = 0
    accepted: int = 0
    delivered: int = 0
    tasks_completed: int = 0
    added: int = 0
    deleted: int = 0
    rejected: int = 0
    reviewed: int = 0  # review answers (no code change) given in the window
    lead_times: Mapping[str, float | None] | None = None
    handoff_cycle: float | None = None


@record
class Handoff:
    """A handed-off event and the receiving pod's next promote on the task (None: still waiting);
    hours runs to that promote, or to now while waiting."""

    task: str
    sender: str | None
    receiver: str
    at: datetime
    answered_at: datetime | None
    hours: float


@record
class Velocity:
    window: Window
    pods: tuple[PodFigures, ...]
    totals: PodFigures
    trend: tuple[tuple[Window, tuple[PodFigures, ...]], ...] = ()


@record
class OpenTask:
    task: str
    feature: str
    holder: str | None
    since: datetime | None
    patches: int
    delivered: int


@record
class Burndown:
    window: Window
    days: tuple[date, ...]
    tasks_outstanding: tuple[int | None, ...]
    tasks_delivered: tuple[int | None, ...]
    features_outstanding: tuple[int | None, ...]
    features_delivered: tuple[int | None, ...]
    ideal: tuple[float, ...]
    open_tasks: tuple[OpenTask, ...]
    scope: int = 0


class Facts:
    """What every report of one History shares: the pods, each task's assignments and holders,
    the handoffs and the moment `now` (the end of anything still running)."""

    def __init__(self, history: History, pods: Sequence[str], now: datetime) -> None:
        self.history = history
        self.now = now
        seen = list(dict.fromkeys(pods))
        extra = {p.pod for p in history.patches.values() if p.pod} | {
            e.pod for e in history.events if e.known and e.pod
        }
        self.pods = tuple(seen + sorted(extra - set(seen)))
        self.assigned: dict[tuple[str, str], list[datetime]] = {}
        self.holders: dict[str, list[tuple[datetime, str]]] = {}
        self.promotes: dict[tuple[str, str], list[datetime]] = {}  # (task, pod) -> when, sorted
        for patch in history.patches.values():  # from history too: a clone may lack the notes
            if patch.task and patch.pod and patch.promoted_at is not None:
                self.promotes.setdefault((patch.task, patch.pod), []).append(patch.promoted_at)
        for review in history.reviews.values():  # a review answers a handoff as a patch does
            if review.task and review.pod and review.at is not None:
                self.promotes.setdefault((review.task, review.pod), []).append(review.at)
        for event in history.events:
            if event.task is None:
                continue
            if event.kind == "assigned" and event.pod:
                self.assigned.setdefault((event.task, event.pod), []).append(event.ts)
                self.holders.setdefault(event.task, []).append((event.ts, event.to or event.pod))
            elif event.kind == "handed-off" and event.to:
                self.holders.setdefault(event.task, []).append((event.ts, event.to))
        for times in self.promotes.values():
            times.sort()
        self.handoffs = tuple(self._handoffs(history.events))
        self.completed = {  # delivered, or closed as done (a task with nothing to deliver)
            t.id: t.completed_at or (t.closed_at if t.closed_as == "done" else None)
            for t in history.tasks.values()
        }
        self.abandoned = {t.id: t.closed_at for t in history.tasks.values() if t.closed_as == "abandoned"}

    def holder(self, task: str, at: datetime) -> str | None:
        """Who holds task at a moment: the pod of its latest assignment or handoff by then."""
        held = [pod for when, pod in self.holders.get(task, []) if when <= at]
        return held[-1] if held else None

    def assigned_at(self, patch: Patch) -> datetime | None:
        """When the patch's pod was last assigned its task before promoting it (else the task's
        first assignment, when that came before)."""
        if patch.promoted_at is None or patch.task is None:
            return None
        times = self.assigned.get((patch.task, patch.pod or ""), [])
        before = [t for t in times if t <= patch.promoted_at]
        if before:
            return before[-1]
        task = self.history.tasks.get(patch.task)
        first = task.assigned_at if task is not None else None
        return first if first is not None and first <= patch.promoted_at else None

    def _handoffs(self, events: Iterable[Event]) -> Iterable[Handoff]:
        for event in events:
            if event.kind != "handed-off" or not event.task or not event.to:
                continue
            later = self.promotes.get((event.task, event.to), [])
            k = bisect.bisect_left(later, event.ts)
            answered = later[k] if k < len(later) else None
            sender = event.extra.get("from")
            yield Handoff(
                event.task,
                sender if isinstance(sender, str) else None,
                event.to,
                event.ts,
                answered,
                hours((answered or self.now) - event.ts),
            )


def hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def velocity(facts: Facts, window: Window, trend: Sequence[Window] = ()) -> Velocity:
    rows = figures(facts, window, with_times=True)
    return Velocity(
        window=window,
        pods=tuple(r for r in rows if r.pod != "*"),
        totals=rows[-1],
        trend=tuple((w, tuple(r for r in figures(facts, w) if r.pod != "*")) for w in trend),
    )


def figures(facts: Facts, window: Window, *, with_times: bool = False) -> list[PodFigures]:
    """One PodFigures per pod, then the totals (pod "*": tasks counted once, not per pod)."""
    history = facts.history
    counts: dict[str, dict[str, int]] = {p: {} for p in (*facts.pods, "*")}
    spans: dict[str, dict[str, list[float]]] = {p: {s: [] for s in STAGES} for p in (*facts.pods, "*")}

    def bump(pod: str | None, key: str, by: int = 1, *, total: bool = True) -> None:
        for name in ((pod,) if pod else ()) + (("*",) if total else ()):
            row = counts.setdefault(name, {})
            row[key] = row.get(key, 0) + by

    def span(pod: str | None, stage: str, start: datetime | None, end: datetime | None) -> None:
        if start is None or end is None or not with_times:
            return
        for name in (pod, "*") if pod else ("*",):
            spans.setdefault(name, {s: [] for s in STAGES})[stage].append(hours(end - start))

    for patch in history.patches.values():
        assigned = facts.assigned_at(patch)
        if patch.promoted_at in window:
            bump(patch.pod, "promoted")
            bump(patch.pod, "added", patch.added or 0)
            bump(patch.pod, "deleted", patch.deleted or 0)
            span(patch.pod, "assigned_to_promoted", assigned, patch.promoted_at)
        if patch.accepted_at in window:
            bump(patch.pod, "accepted")
            span(patch.pod, "promoted_to_accepted", patch.promoted_at, patch.accepted_at)
        if patch.delivered_at in window:
            bump(patch.pod, "delivered")
            span(patch.pod, "accepted_to_delivered", patch.accepted_at, patch.delivered_at)
            span(patch.pod, "assigned_to_delivered", assigned, patch.delivered_at)
    for event in history.events:
        if event.kind == "rejected" and event.ts in window:
            bump(event.pod, "rejected")
    for review in history.reviews.values():
        if review.at in window:
            bump(review.pod, "reviewed")
    for task in history.tasks.values():
        if facts.completed.get(task.id) in window:
            for pod in {history.patches[p].pod for p in task.patches} - {None}:
                bump(pod, "tasks_completed", total=False)  # each pod that wrote a patch of it
            bump(None, "tasks_completed")  # the task once
    cycles: dict[str, list[float]] = {}
    for handoff in facts.handoffs:
        if handoff.answered_at in window:
            for name in (handoff.receiver, "*"):
                cycles.setdefault(name, []).append(handoff.hours)
    out = []
    for pod in (*facts.pods, "*"):
        row = counts.get(pod, {})
        out.append(
            PodFigures(
                pod=pod,
                promoted=row.get("promoted", 0),
                accepted=row.get("accepted", 0),
                delivered=row.get("delivered", 0),
                tasks_completed=row.get("tasks_completed", 0),
                added=row.get("added", 0),
                deleted=row.get("deleted", 0),
                rejected=row.get("rejected", 0),
                reviewed=row.get("reviewed", 0),
                lead_times={s: median(v) for s, v in spans.get(pod, {}).items()} if with_times else None,
                handoff_cycle=median(cycles.get(pod, [])),
            )
        )
    return out


def burndown(facts: Facts, window: Window, tz: tzinfo) -> Burndown:
    """Day by day over the window: tasks and features outstanding and delivered, the ideal line
    from the first day's outstanding work to zero, and what is still open at the end (or now)."""
    history = facts.history
    known = {t.id: _known_at(t, history) for t in history.tasks.values()}
    first_day, last_day = _span(window, known.values(), facts.now, tz)
    step = max(1, -(-((last_day - first_day).days + 1) // MAX_POINTS))
    days = [first_day + timedelta(days=k) for k in range(0, (last_day - first_day).days + 1, step)]
    if days[-1] != last_day:
        days.append(last_day)
    start = _midnight(first_day, tz)
    scope = [
        t
        for t in history.tasks.values()
        if known[t.id] is not None
        and (window.end is None or known[t.id] < window.end)  # type: ignore[operator]
        and not ((finished := facts.completed.get(t.id)) is not None and finished < start)
    ]
    changes: list[tuple[datetime, int, Task]] = []  # (when, 0 known / 1 delivered / 2 abandoned, task)
    for t in scope:
        seen = known[t.id]
        assert seen is not None  # scope holds known tasks only
        changes.append((seen, 0, t))
        finished = facts.completed.get(t.id)
        if finished is not None:
            changes.append((max(finished, seen), 1, t))
        dropped = facts.abandoned.get(t.id)
        if finished is None and dropped is not None:  # given up: no longer outstanding, not delivered
            changes.append((max(dropped, seen), 2, t))
    changes.sort(key=lambda c: (c[0], c[1], c[2].id))
    columns: dict[str, list[int | None]] = {k: [] for k in ("to", "td", "fo", "fd")}
    tasks_known = tasks_done = 0
    open_in: dict[str, int] = {}  # feature -> its known tasks not delivered
    at = 0
    for day in days:
        if _midnight(day, tz) > facts.now:
            for column in columns.values():
                column.append(None)
            continue
        end = _midnight(day + timedelta(days=1), tz)
        while at < len(changes) and changes[at][0] < end:
            _when, kind, task = changes[at]
            at += 1
            if kind == 0:
                tasks_known += 1
                open_in[task.feature] = open_in.get(task.feature, 0) + 1
            elif kind == 2:
                tasks_known -= 1
                open_in[task.feature] -= 1
            else:
                tasks_done += 1
                open_in[task.feature] -= 1
        columns["to"].append(tasks_known - tasks_done)
        columns["td"].append(tasks_done)
        columns["fo"].append(sum(1 for n in open_in.values() if n))
        columns["fd"].append(sum(1 for n in open_in.values() if not n))
    first = next((v for v in columns["to"] if v is not None), 0) or 0
    n = len(days)
    ideal = tuple(round(first * (1 - k / (n - 1)), 2) if n > 1 else float(first) for k in range(n))
    cutoff = min(window.end, facts.now) if window.end is not None else facts.now
    open_tasks = []
    for t in sorted(scope, key=lambda t: t.id):
        done_at = facts.completed.get(t.id) or facts.abandoned.get(t.id)
        if done_at is not None and done_at < cutoff:
            continue
        mine = [history.patches[p] for p in t.patches]
        open_tasks.append(
            OpenTask(
                t.id,
                t.feature,
                facts.holder(t.id, cutoff),
                known[t.id],
                len(mine),
                sum(p.delivered_at is not None and p.delivered_at < cutoff for p in mine),
            )
        )
    return Burndown(
        window=window,
        days=tuple(days),
        tasks_outstanding=tuple(columns["to"]),
        tasks_delivered=tuple(columns["td"]),
        features_outstanding=tuple(columns["fo"]),
        features_delivered=tuple(columns["fd"]),
        ideal=ideal,
        open_tasks=tuple(open_tasks),
        scope=len(scope),
    )


def _known_at(task: Task, history: History) -> datetime | None:
    """When the team first knew of the task: its first assignment, else its first promote."""
    times = [history.patches[p].promoted_at for p in task.patches]
    found = [t for t in (task.assigned_at, *times) if t is not None]
    return min(found) if found else None


def _span(window: Window, known: Iterable[datetime | None], now: datetime, tz: tzinfo) -> tuple[date, date]:
    """The window's first and last local day; an open side runs from the first task known, or to today."""
    today = now.astimezone(tz).date()
    if window.start is not None:
        first = window.start.astimezone(tz).date()
    else:
        first = min((k.astimezone(tz).date() for k in known if k is not None), default=today)
    if window.end is not None:
        last = (window.end - timedelta(microseconds=1)).astimezone(tz).date()
    else:
        last = max(today, first)
    return first, max(first, last)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)
