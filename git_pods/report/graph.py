"""History as a graph: the two logs a report reads, parsed (parents, times, revert candidates, and
the patches each commit's message names), and which commits the default branch and the release
tags reach, walked in Python over what the log printed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from git_pods.ids import TASK_ID
from git_pods.record import field, record

_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_TRAILER = re.compile(
    r"^(Patch-Id|Pod|Task|Pod-Review)[ \t]*:[ \t]*(\S[^\n]*)$", re.IGNORECASE | re.MULTILINE
)


@record
class Log:
    parents: dict[str, list[str]]
    times: dict[str, int]
    trailers: dict[str, list[tuple[str, str | None, str | None]]]  # commit -> (patch, pod, task)
    reverts: tuple[str, ...] = ()
    reviews: dict[str, str] = field(default_factory=dict)  # patch id -> verdict (Pod-Review trailer)


def parse_log(raw: tuple[bytes, bytes]) -> Log:
    graph, claims = raw
    parents: dict[str, list[str]] = {}
    times: dict[str, int] = {}
    reverts: list[str] = []
    for entry in graph.decode("utf-8", "surrogateescape").split("\0"):
        fields = entry.split("\x1f", 3)
        if len(fields) != 4:
            continue
        sha, parent_list, when, subject = fields
        if subject.startswith("Revert"):
            reverts.append(sha)
        parents[sha] = parent_list.split()
        times[sha] = int(when or 0)
    trailers: dict[str, list[tuple[str, str | None, str | None]]] = {}
    reviews: dict[str, str] = {}
    for entry in claims.decode("utf-8", "surrogateescape").split("\0"):
        sha, sep, message = entry.partition("\x1f")
        if sep and sha in parents:
            trailers[sha], verdicts = _claims(message)
            for patch, verdict in verdicts.items():
                reviews.setdefault(patch, verdict)
    return Log(parents, times, trailers, tuple(reverts), reviews)


def _claims(message: str) -> tuple[list[tuple[str, str | None, str | None]], dict[str, str]]:
    """(patch id, pod, task) for each `Patch-Id:` line of a message, with the `Pod:` and `Task:` of
    its own paragraph (a squash merge's message has one per squashed commit), else the message's.
    And the review answers among them: a paragraph's `Pod-Review:` marks its one patch id."""
    found: list[tuple[list[str], str | None, str | None]] = []
    reviews: dict[str, str] = {}
    first_pod = first_task = None
    for paragraph in _PARAGRAPH.split(message):
        patches, pod, task, verdict = [], None, None, None
        for match in _TRAILER.finditer(paragraph):
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "patch-id":
                patches.append(value)
            elif key == "pod" and pod is None:
                pod = value
            elif key == "task" and task is None and TASK_ID.fullmatch(value):
                task = value
            elif key == "pod-review" and verdict is None:
                verdict = value
        first_pod, first_task = first_pod or pod, first_task or task
        if patches:
            found.append((patches, pod, task))
            if verdict is not None and len(patches) == 1:
                reviews.setdefault(patches[0], verdict)
    claims = [(p, pod or first_pod, task or first_task) for patches, pod, task in found for p in patches]
    return claims, reviews


def _mark(parents: Mapping[str, list[str]], tip: str, label: str, marks: dict[str, str]) -> None:
    """Mark every ancestor of tip that no earlier walk marked (those are already behind it)."""
    stack = [tip]
    while stack:
        commit = stack.pop()
        if commit in marks or commit not in parents:  # marked, or beyond a shallow boundary
            continue
        marks[commit] = label
        stack.extend(parents[commit])


def accepted_at(log: Log, tip: str | None) -> dict[str, int]:
    """Commits on the default branch -> the commit time of the first-parent commit that brought
    each one in (itself, for a commit made on the branch)."""
    chain: list[str] = []
    commit = tip
    while commit is not None and commit in log.parents:
        chain.append(commit)
        commit = log.parents[commit][0] if log.parents[commit] else None
    marks: dict[str, str] = {}
    for step in reversed(chain):  # oldest first: its first parent is marked already
        marks[step] = step
        for side in log.parents[step][1:]:
            _mark(log.parents, side, step, marks)
    return {commit: log.times[by] for commit, by in marks.items()}


def delivered_by(log: Log, tags: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Commits a release tag contains -> the earliest such tag; tags: (name, commit), oldest first."""
    marks: dict[str, str] = {}
    for name, commit in tags:
        _mark(log.parents, commit, name, marks)
    return marks
