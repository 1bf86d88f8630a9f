"""The retrospective: a sprint's facts, the questions they raise, and the team's answers kept.

retrospective.md is a log of sprints, newest first. Each sprint is one section between
`<!-- git-pods:retro id="…" -->` and `<!-- git-pods:retro-end -->`; each question's answer sits
between `<!-- answer:KEY -->` and `<!-- /answer -->`. Writing a sprint again replaces its facts
and keeps every answer written under it (an answer whose question no longer arises is kept under
"Earlier answers"); other sprints' sections and any text outside the sections stay as they were.
A file without those markers (written by hand) is kept whole, below the new section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from git_pods.checks.rules import RULES
from git_pods.record import record, replace
from git_pods.report.history import Event
from git_pods.report.metrics import Facts, Handoff
from git_pods.report.records import Revert
from git_pods.report.sprints import Window
from git_pods.report.text import key, md

PLACEHOLDER = "_No answer yet._"
TITLE = "# Retrospective"
SLOWEST = 5
_SECTION = re.compile(
    r'<!-- git-pods:retro id="(?P<id>[^"]*)" -->\n(?P<body>.*?)<!-- git-pods:retro-end -->\n?', re.S
)
_ANSWER = re.compile(r"<!-- answer:(?P<key>[\w.-]+) -->[ \t]*\n?(?P<text>.*?)<!-- /answer -->", re.S)
# lines git-pods writes in a section (facts, headings, the notes' own heading): all else is the team's
_GENERATED = re.compile(
    r"^(|## .*|### (Facts|Questions|Earlier answers|Earlier notes)|- \*\*.*|  - .*"
    r"|Answers to questions the facts no longer raise, kept as written\."
    r"|Text written in this section outside the answers, kept as written\.)$"
)


@record
class Rework:
    patch: str
    how: str  # superseded or reverted
    by: str  # the superseding patch, or the reverting commit
    at: object


@record
class TaskReviews:
    """A task's reviews in the window: how many, its review rounds in all, the latest verdict."""

    task: str
    reviews: int
    rounds: int
    verdict: str | None


@record
class Retro:
    window: Window
    rejections: tuple[Event, ...]
    by_rule: Mapping[str, int]
    rework: tuple[Rework, ...]
    bypasses: tuple[Event, ...]
    slowest: tuple[Handoff, ...]
    idle: tuple[str, ...]
    questions: tuple[tuple[str, str], ...]
    reviews: tuple[TaskReviews, ...] = ()


def retro(facts: Facts, window: Window, superseded: Mapping[str, str], reverts: Sequence[Revert]) -> Retro:
    history = facts.history
    rejections = tuple(e for e in history.events if e.kind == "rejected" and e.ts in window)
    by_rule: dict[str, int] = {}
    for event in rejections:
        rule = event.extra.get("rule")
        key = rule if isinstance(rule, str) else "unknown"
        by_rule[key] = by_rule.get(key, 0) + 1
    rework = [
        Rework(old, "superseded", new, history.patches[new].promoted_at)
        for old, new in sorted(superseded.items())
        if new in history.patches and history.patches[new].promoted_at in window
    ]
    rework += [Rework(p, "reverted", r.commit, r.at) for r in reverts if r.at in window for p in r.patches]
    bypasses = tuple(e for e in history.events if e.kind == "bypass-detected" and e.ts in window)
    end = min(window.end, facts.now) if window.end is not None else facts.now
    waited = []
    for handoff in facts.handoffs:
        if handoff.answered_at in window or (
            handoff.answered_at is None
            and handoff.at < end
            and (window.start is None or handoff.at >= window.start)
        ):
            waited.append(handoff)
    slowest = tuple(sorted(waited, key=lambda h: (-h.hours, h.at))[:SLOWEST])
    delivered = {p.pod for p in history.patches.values() if p.delivered_at in window}
    idle = tuple(p for p in facts.pods if p not in delivered)
    ordered_rules = dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    reviews = []
    for task in history.tasks.values():
        mine = sorted((history.reviews[r] for r in task.reviews), key=lambda r: (r.at is None, r.at, r.id))
        inside = [r for r in mine if r.at in window]
        if inside:
            reviews.append(TaskReviews(task.id, len(inside), task.review_rounds, inside[-1].verdict))
    made = Retro(
        window, rejections, ordered_rules, tuple(rework), bypasses, slowest, idle, (), tuple(reviews)
    )
    return replace(made, questions=tuple(questions(made)))


def questions(facts: Retro) -> list[tuple[str, str]]:
    """(key, question): the standing ones, and one for each kind of trouble the facts show."""
    out = [("went-well", "What went well this sprint, and how do we keep it?")]
    for rule, count in list(facts.by_rule.items())[:3]:
        title = RULES[rule].title if rule in RULES else "no rule recorded"
        out.append(
            (
                f"rule-{key(rule)}",
                f"{count} rejection(s) for {rule} ({title}): what should the prompt, template or "
                "procedure say so the next bundle passes?",
            )
        )
    if facts.rework:
        out.append(
            ("rework", f"{len(facts.rework)} patch(es) were reworked: what did the first attempt miss?")
        )
    many = [r for r in facts.reviews if r.rounds > 1]
    if many:
        most = max(many, key=lambda r: (r.rounds, r.task))
        out.append(
            (
                "review-rounds",
                f"{len(many)} task(s) needed more than one review round ({most.task}: {most.rounds}): "
                "what did the change miss that the review found?",
            )
        )
    if facts.bypasses:
        out.append(
            (
                "bypasses",
                f"The hooks were bypassed {len(facts.bypasses)} time(s): why, and should the policy change?",
            )
        )
    if facts.slowest:
        worst = facts.slowest[0]
        waiting = "is still waiting" if worst.answered_at is None else "took"
        out.append(
            (
                "slowest-handoff",
                f"The slowest handoff ({worst.sender or '?'} → {worst.receiver} on {worst.task}) {waiting} "
                f"{worst.hours:g} h: what was it waiting for?",
            )
        )
    for pod in facts.idle:
        out.append((f"idle-{key(pod)}", f"{pod} delivered nothing: was it blocked, or not needed?"))
    out.append(("next", "What one thing will we change next sprint?"))
    return out


def section_id(window: Window) -> str:
    if window.sprint is not None:
        return f"sprint-{window.sprint}"
    start = window.start.date().isoformat() if window.start is not None else "start"
    end = window.end.date().isoformat() if window.end is not None else "now"
    return "all-time" if window.start is None and window.end is None else f"{start}..{end}"


def answers(existing: str, section: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """What the team wrote in the file's section for this window: the answers (key -> (question,
    text), text after an answer's end marker included) and any other lines git-pods did not write
    (a note under the facts), in order."""
    body = next((m.group("body") for m in _SECTION.finditer(existing) if m.group("id") == section), None)
    if body is None:
        return {}, []
    found: dict[str, tuple[str, str]] = {}
    notes: list[str] = []
    head, _sep, questions = body.partition("\n### Questions\n")
    notes += [line for line in head.split("\n") if not _GENERATED.match(line)]
    blocks = re.split(r"^(?=#{3,4} )", questions, flags=re.M)
    for block in blocks:
        title, _nl, rest = block.partition("\n")
        match = _ANSWER.search(rest)
        if not title.startswith("#### ") or match is None:  # a heading of ours, or one the team wrote
            notes += [line for line in block.split("\n") if not _GENERATED.match(line)]
            continue
        before = rest[: match.start()].strip()
        after = rest[match.end() :].strip()
        parts = [t for t in (before, match.group("text").strip(), after) if t and t != PLACEHOLDER]
        if parts:
            found[match.group("key")] = (title[5:].strip(), "\n\n".join(parts))
    return found, [line for line in notes if line.strip()]


def merge(existing: str, section: str, facts_md: str, asked: Sequence[tuple[str, str]]) -> str:
    """The new file: this window's section (facts, questions, kept answers) in place of its old one
    (or first, when new), everything else as it was."""
    existing = existing.replace("\r\n", "\n")  # a checkout with autocrlf: the markers are the same
    kept, notes = answers(existing, section)
    lines = [f'<!-- git-pods:retro id="{section}" -->', facts_md.rstrip("\n"), "", "### Questions", ""]
    for name, question in asked:
        lines += _answer(md(question), name, kept.pop(name, (question, PLACEHOLDER))[1])
    if kept:
        lines += _kept_heading("Earlier answers", "Answers to questions the facts no longer raise")
        for name, (question, text) in kept.items():  # the question as it was written then
            lines += _answer(question, name, text)
    if notes:
        lines += _kept_heading("Earlier notes", "Text written in this section outside the answers")
        lines += [*notes, ""]
    block = "\n".join(lines).rstrip("\n") + "\n<!-- git-pods:retro-end -->\n"
    if not existing.strip():
        return f"{TITLE}\n\n{block}"
    found = [m for m in _SECTION.finditer(existing) if m.group("id") == section]
    if found:
        m = found[0]
        return existing[: m.start()] + block + existing[m.end() :]
    first = _SECTION.search(existing)
    if first is not None:
        return existing[: first.start()] + block + "\n" + existing[first.start() :]
    if existing.startswith(TITLE + "\n"):
        rest = existing[len(TITLE) + 1 :].lstrip("\n")
        return f"{TITLE}\n\n{block}\n{rest}"
    return f"{TITLE}\n\n{block}\n{existing}"


def _answer(heading: str, name: str, text: str) -> list[str]:
    return [f"#### {heading}", "", f"<!-- answer:{name} -->", text, "<!-- /answer -->", ""]


def _kept_heading(title: str, what: str) -> list[str]:
    return [f"### {title}", "", f"{what}, kept as written.", ""]
