"""Markdown for people: the velocity, burndown and retrospective facts and the changelog, with the
charts beside them as SVG files. Text from history (pod names, task ids, changelog lines) is
escaped so it cannot break a table or inject markup into the forge's rendering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo

from git_pods.report.charts import bar_chart, line_chart, number
from git_pods.report.metrics import STAGES, Burndown, PodFigures, Velocity
from git_pods.report.records import ENTRY_TYPES, Entry
from git_pods.report.retro import Retro
from git_pods.report.sprints import Window
from git_pods.report.text import md

STAGE_NAMES = {
    "assigned_to_promoted": "assigned → promoted",
    "promoted_to_accepted": "promoted → accepted",
    "accepted_to_delivered": "accepted → delivered",
    "assigned_to_delivered": "assigned → delivered",
}


def when(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment is not None else "–"


def span(window: Window, tz: tzinfo) -> str:
    """The window as people read it: its label and its local dates, the end day included."""
    if window.start is None and window.end is None:
        return "all time"
    first = window.start.astimezone(tz).date().isoformat() if window.start is not None else "…"
    if window.end is not None:
        last = (window.end - timedelta(microseconds=1)).astimezone(tz).date().isoformat()
    else:
        last = "…"
    return f"{window.label}: {first} to {last}" if window.sprint is not None else f"{first} to {last}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{number(value)} h"


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    out = ["| " + " | ".join(head) + " |"]
    out.append("| " + " | ".join("---:" if a == "r" else "---" for a in align.ljust(len(head), "l")) + " |")
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def velocity_md(v: Velocity, tz: tzinfo, chart: str | None) -> str:
    lines = ["# Velocity", "", f"**Window:** {md(span(v.window, tz))}", ""]
    lines += ["Patches and tasks per pod in the window, counted where each step happened.", ""]
    head = ["Pod", "Promoted", "Accepted", "Delivered", "Tasks done", "Lines +", "Lines −", "Rejected"]
    head.append("Reviews")
    rows = [
        [
            md(r.pod) if r.pod != "*" else "**All pods**",
            r.promoted,
            r.accepted,
            r.delivered,
            r.tasks_completed,
            r.added,
            r.deleted,
            r.rejected,
            r.reviewed,
        ]
        for r in (*v.pods, v.totals)
    ]
    lines += _table(head, rows, "lrrrrrrrr")
    lines += ["", "Reviews: review and blocked answers that changed no code (they are no patches)."]
    lines += ["", "## Lead times (medians)", ""]
    head = ["Pod", *(STAGE_NAMES[s] for s in STAGES), "handoff cycle"]
    rows = [
        [
            md(r.pod) if r.pod != "*" else "**All pods**",
            *(_hours((r.lead_times or {}).get(s)) for s in STAGES),
            _hours(r.handoff_cycle),
        ]
        for r in (*v.pods, v.totals)
    ]
    lines += _table(head, rows, "lrrrrr")
    lines += [
        "",
        "Handoff cycle: from a `git pod-handoff` to the receiving pod's next promoted patch on that task.",
    ]
    if v.trend:
        lines += ["", "## Trend", ""]
        head = ["Sprint", *(md(r.pod) for r in v.pods)]
        rows = [
            [md(w.label), *(f"{r.promoted} / {r.accepted} / {r.delivered}" for r in pods)]
            for w, pods in v.trend
        ]
        lines += _table(head, rows, "l" + "r" * len(v.pods))
        lines += ["", "Each cell: promoted / accepted / delivered patches."]
    if chart:
        lines += ["", f"![Patches promoted per pod]({chart})"]
    return "\n".join(lines) + "\n"


def velocity_chart(v: Velocity) -> str:
    sprints: Sequence[tuple[Window, Sequence[PodFigures]]] = v.trend or ((v.window, v.pods),)
    labels = [w.label or "all time" for w, _ in sprints]
    series = {r.pod: [float(pods[k].promoted) for _w, pods in sprints] for k, r in enumerate(v.pods)}
    return bar_chart("Patches promoted per pod", labels, series, unit="patches")


def burndown_md(b: Burndown, tz: tzinfo, chart: str | None) -> str:
    lines = ["# Burndown", "", f"**Window:** {md(span(b.window, tz))}", ""]
    lines += [
        f"{b.scope} task(s) in scope: known before the window ended and not delivered before it began. "
        "A task is delivered when all its patches are in a release tag; a feature (the task id's first "
        "segment) when all its tasks are.",
        "",
    ]
    head = [
        "Day",
        "Tasks outstanding",
        "Tasks delivered",
        "Ideal",
        "Features outstanding",
        "Features delivered",
    ]
    rows = []
    for k, day in enumerate(b.days):
        cells = [
            b.tasks_outstanding[k],
            b.tasks_delivered[k],
            None,
            b.features_outstanding[k],
            b.features_delivered[k],
        ]
        shown = ["–" if c is None else str(c) for c in cells]
        shown[2] = number(b.ideal[k])
        rows.append([day.isoformat(), *shown])
    lines += _table(head, rows, "lrrrrr")
    if chart:
        lines += ["", f"![Burndown]({chart})"]
    lines += ["", "## Still open", ""]
    if b.open_tasks:
        head = ["Task", "Feature", "Held by", "Known since", "Patches", "Delivered"]
        rows = [
            [
                md(t.task),
                md(t.feature),
                md(t.holder or "–"),
                when(t.since, tz),
                str(t.patches),
                str(t.delivered),
            ]
            for t in b.open_tasks
        ]
        lines += _table(head, rows, "llllrr")
    else:
        lines.append("Nothing: every task in scope is delivered.")
    return "\n".join(lines) + "\n"


def burndown_chart(b: Burndown) -> str:
    labels = [d.strftime("%m-%d") for d in b.days]
    series: dict[str, Sequence[float | None]] = {
        "tasks outstanding": [None if v is None else float(v) for v in b.tasks_outstanding],
        "tasks delivered": [None if v is None else float(v) for v in b.tasks_delivered],
        "features outstanding": [None if v is None else float(v) for v in b.features_outstanding],
        "ideal": list(b.ideal),
    }
    return line_chart("Burndown: tasks and features", labels, series, dashed=("ideal",))


def retro_facts_md(r: Retro, tz: tzinfo) -> str:
    lines = [f"## {md(span(r.window, tz))}", "", "### Facts", ""]
    total = len(r.rejections)
    rules = ", ".join(f"{md(rule)} ×{n}" for rule, n in r.by_rule.items())
    lines.append(f"- **Rejections:** {total}" + (f" ({rules})" if rules else ""))
    for e in r.rejections[:10]:
        lines.append(
            f"  - {when(e.ts, tz)} {md(e.patch or '?')} ({md(e.pod or '?')}, {md(e.task or '?')}): "
            f"{md(e.extra.get('rule', 'no rule recorded'))}"
        )
    lines.append(f"- **Rework:** {len(r.rework)} patch(es) superseded or reverted")
    for w in r.rework[:10]:
        lines.append(f"  - {md(w.patch)} {w.how} by {md(w.by[:12] if w.how == 'reverted' else w.by)}")
    total_reviews = sum(t.reviews for t in r.reviews)
    lines.append(f"- **Reviews:** {total_reviews} on {len(r.reviews)} task(s)")
    for t in r.reviews[:10]:
        rounds = f"{t.rounds} round{'s' if t.rounds != 1 else ''}"
        latest = f", latest {md(t.verdict)}" if t.verdict else ""
        lines.append(f"  - {md(t.task)}: {t.reviews} review{'s' if t.reviews != 1 else ''}, {rounds}{latest}")
    lines.append(f"- **Bypasses:** {len(r.bypasses)} commit(s) skipped the hooks")
    for e in r.bypasses[:10]:
        lines.append(
            f"  - {md(e.commit[:12])} ({md(e.extra.get('hook', '?'))}, {md(e.how or '?')}) {when(e.ts, tz)}"
        )
    lines.append(f"- **Slowest handoffs:** {len(r.slowest) or 'none'}")
    for h in r.slowest:
        state = "still waiting" if h.answered_at is None else "answered"
        lines.append(
            f"  - {md(h.task)}: {md(h.sender or '?')} → {md(h.receiver)}, {number(h.hours)} h ({state})"
        )
    idle = ", ".join(md(p) for p in r.idle) or "none"
    lines.append(f"- **Pods with no delivery:** {idle}")
    return "\n".join(lines) + "\n"


def changelog_md(
    releases: Sequence[tuple[str, str | None, Sequence[Entry]]], missing: Mapping[str, str]
) -> str:
    """releases: (name, date, entries) newest first, "Unreleased" on top; missing: patch -> why its
    entries are absent."""
    lines = [
        "# Changelog",
        "",
        "Compiled by `git pod-report changelog` from the changelog files of accepted patches.",
    ]
    if not releases:
        lines += ["", "No patch has been accepted on the default branch yet."]
    for name, day, entries in releases:
        lines += ["", f"## {md(name)}" + (f" ({day})" if day else ""), ""]
        breaking = [e for e in entries if e.breaking]
        if breaking:
            lines += ["### Breaking changes", ""]
            lines += [_entry(e) for e in breaking]
            lines.append("")
        for kind in ENTRY_TYPES:
            mine = [e for e in entries if e.type == kind and not e.breaking]
            if mine:
                lines += [f"### {kind.capitalize()}", ""] + [_entry(e) for e in mine] + [""]
        while lines and lines[-1] == "":
            lines.pop()
        if not entries:
            lines.append("No changelog entries.")
    if missing:
        lines += ["", "## Not included", ""]
        lines += [f"- {md(p)}: {md(why)}" for p, why in sorted(missing.items())]
    return "\n".join(lines) + "\n"


def _entry(e: Entry) -> str:
    where = ", ".join(md(x) for x in (e.patch, e.task) if x)
    return f"- {md(e.description)} ({where})"
