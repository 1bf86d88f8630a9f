"""Task ledgers as events: the assignments and handoffs `.pods/tasks/<TASK>.yaml` records at the
default branch's tip, added to the notes' events where the notes lack them (a clone that never
synced its notes, an event lost with a deleted notes ref). One journey step is one event: a ledger
row and a note event for the same task, kind and pod in the same second are the same step.

A bundle's own handoff_log.yaml is the pod's proposal for the next step, not a handoff: it becomes
one when the lead runs `git pod-handoff` or `git pod-assign --from`, which write the ledger."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from git_pods.record import replace
from git_pods.report.history import Event, History, make_event, parse_time, tasks_of


def _key(kind: str, task: str, pod: str | None, when: datetime) -> tuple[str, str, str, str]:
    return kind, task, pod or "", when.replace(microsecond=0).isoformat()


def with_journeys(history: History, ledgers: Mapping[str, Sequence[Sequence[Any]]]) -> History:
    """history with the ledgers' steps its events lack (tasks recomputed); history itself when none."""
    seen = set()
    for e in history.events:
        if e.task and e.kind in ("assigned", "handed-off"):
            seen.add(_key(e.kind, e.task, e.pod if e.kind == "assigned" else e.to, e.ts))
    extra: list[Event] = []
    for task, rows in ledgers.items():
        for kind, text, pod, by, *more in rows:
            sender = more[0] if more else None
            when = parse_time(text)
            if when is None or _key(kind, task, pod, when) in seen:
                continue
            seen.add(_key(kind, task, pod, when))
            values: dict[str, Any] = {"ts": when, "kind": kind, "v": 1, "task": task, "by": by}
            values["pod" if kind == "assigned" else "to"] = pod
            extra_keys = {"source": "ledger", **({"from": sender} if sender else {})}
            values["extra"] = MappingProxyType(extra_keys)
            extra.append(make_event(values))
    if not extra:
        return history
    events = sorted((*history.events, *extra), key=lambda e: (e.ts, e.kind, e.commit))
    tasks = tasks_of(events, history.patches, reviews=history.reviews, parents=history.parents)
    return replace(history, events=tuple(events), tasks=MappingProxyType(tasks))


def without_superseded(history: History, superseded: Collection[str]) -> History:
    """history with the patches later patches supersede left out of their tasks."""
    if not superseded:
        return history
    tasks = tasks_of(history.events, history.patches, superseded, history.reviews, history.parents)
    return replace(history, tasks=MappingProxyType(tasks))
