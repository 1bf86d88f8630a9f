"""The contract trailers: what an archived bundle requires of its commit message, and the comparison."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    HANDOFF,
    LOGS_DIR,
    PATCHES_DIR,
    TRACE,
    bundle_digest,
    needed_files,
    review_only,
    verdict_of,
)
from git_pods.checks.artifact import check_bytes
from git_pods.checks.rules import violation
from git_pods.gitio.staged import pod_trailers
from git_pods.record import record
from git_pods.violation import Violation

POD_WORK_KEYS = ("pod", "patch-id", "pod-bundle")  # keys that claim pod work (Task and Assisted-by don't)


@record
class Expected:
    """The trailers one archived bundle requires."""

    patch_id: str
    pod: str
    task: str
    digest: str
    assisted_by: str | None
    review: str | None = None  # a review answer's verdict: it archives no diff

    def lines(self) -> list[str]:
        out = [f"Pod: {self.pod}", f"Task: {self.task}", f"Patch-Id: {self.patch_id}"]
        out.append(f"Pod-Bundle: {self.digest}")
        if self.review:
            out.append(f"Pod-Review: {self.review}")
        if self.assisted_by:
            out.append(f"Assisted-by: {self.assisted_by}")
        return out


def expected_for(
    patch_id: str, files: Mapping[str, bytes | None], shown_trace: str, yaml_max_bytes: int
) -> Expected | list[Violation]:
    """What the bundle's trace and files require; the trace's problems when they cannot be told."""
    trace = files.get(TRACE)
    checked = check_bytes(trace, shown_trace, "thought-trace", yaml_max_bytes) if trace is not None else None
    doc = checked.doc if checked is not None else None
    verdict = verdict_of(doc.data if doc is not None else None)
    needed = needed_files(verdict, files.get(DIFF))
    missing = [name for name in needed if files.get(name) is None]
    if checked is None or missing:
        return [
            violation(
                "GP200",
                f"cannot tell the trailers of {patch_id}: {', '.join(missing)} missing",
                file=shown_trace,
            )
        ]
    if not checked.valid or doc is None:
        return checked.violations
    data: dict[str, Any] = doc.data
    agent, model = data.get("agent"), data.get("model")
    assisted = f"{agent}:{model}" if agent and model else (str(agent) if agent else None)
    broken = one_line_problems(data, shown_trace, doc.line_of)
    if broken:
        return broken
    digest = bundle_digest({name: raw for name, raw in files.items() if raw is not None})
    review = verdict if review_only(verdict, files.get(DIFF)) else None
    return Expected(patch_id, str(data["pod"]), str(data["task_id"]), digest, assisted, review)


_LINE_BREAKS = ("\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def one_line_problems(data: Any, shown: str, line_of: Any) -> list[Violation]:
    """GP225 for an agent or model that spans lines (it would forge trailer lines)."""
    out = []
    for key in ("agent", "model"):
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, str) and any(mark in value for mark in _LINE_BREAKS):
            out.append(
                violation(
                    "GP225",
                    f"{key} holds a line break; it becomes the Assisted-by trailer",
                    file=shown,
                    line=line_of((key,)),
                    path=f"$.{key}",
                )
            )
    return out


def expected_of(
    patch_ids: Sequence[str], blob: Callable[[str], bytes | None], yaml_max_bytes: int
) -> tuple[list[Expected], list[Violation]]:
    """The trailers archived bundles require, reading their files through blob(path); and the
    problems of those whose trailers cannot be told."""
    expected: list[Expected] = []
    found: list[Violation] = []
    for patch_id in patch_ids:
        files = {name: blob(f"{LOGS_DIR}/{patch_id}/{name}") for name in (TRACE, CHANGELOG, HANDOFF)}
        files[DIFF] = blob(f"{PATCHES_DIR}/{patch_id}.diff")
        made = expected_for(patch_id, files, f"{LOGS_DIR}/{patch_id}/{TRACE}", yaml_max_bytes)
        if isinstance(made, Expected):
            expected.append(made)
        else:
            found += made
    return expected, found


parse = pod_trailers  # `git interpret-trailers --parse` output as lower-cased key -> values


def compare(
    expected: list[Expected],
    trailers: Mapping[str, list[str]],
    in_tree: Collection[str],
    shown: str,
) -> list[Violation]:
    """Every way the message's trailers fail the bundles it archives (and claims it cannot back)."""
    out: list[Violation] = []
    ids = {e.patch_id for e in expected}
    for item in expected:
        out.extend(_one(item, trailers, shown))
    for claimed in trailers.get("patch-id", []):
        if claimed not in ids and claimed not in in_tree:
            out.append(
                violation(
                    "GP222",
                    f"Patch-Id: {claimed} names no bundle archived in this commit",
                    file=shown,
                    hint=f"archive {claimed}'s bundle in this commit (git pod-promote {claimed}), "
                    "or remove the trailer",
                )
            )
    if not expected and not trailers.get("patch-id"):
        for key in POD_WORK_KEYS:
            for value in trailers.get(key, []):
                out.append(
                    violation(
                        "GP222",
                        f"{_title(key)}: {value} claims pod work, but the commit archives no bundle",
                        file=shown,
                    )
                )
    digests = {e.digest for e in expected}
    given = trailers.get("pod-bundle", [])
    for value in given if digests <= set(given) else ():  # a wrong digest is reported per bundle
        if expected and value not in digests:
            out.append(
                violation(
                    "GP221",
                    f"Pod-Bundle: {value} is not the digest of any bundle this commit archives",
                    file=shown,
                    hint="the digests are: " + ", ".join(sorted(digests)),
                )
            )
    return out


def _one(item: Expected, trailers: Mapping[str, list[str]], shown: str) -> list[Violation]:
    wanted = {
        "pod": item.pod,
        "task": item.task,
        "patch-id": item.patch_id,
        "pod-bundle": item.digest,
    }
    if item.review:
        wanted["pod-review"] = item.review
    if item.assisted_by:
        wanted["assisted-by"] = item.assisted_by
    missing = [key for key in wanted if not trailers.get(key)]
    if item.patch_id not in trailers.get("patch-id", []):
        missing = list(wanted)  # nothing ties this bundle to the message
    if missing:
        block = "\n        ".join(item.lines())
        return [
            violation(
                "GP220",
                f"the commit archives {item.patch_id} but its message lacks "
                + ", ".join(_title(k) for k in missing),
                file=shown,
                hint=f"end the message with these lines (after a blank line):\n        {block}",
            )
        ]
    out = []
    for key, value in wanted.items():
        present = trailers.get(key, [])
        if value not in present:
            out.append(
                violation(
                    "GP221",
                    f"{_title(key)}: {', '.join(present)} does not match {item.patch_id} "
                    f"(its bundle says {value})",
                    file=shown,
                    hint=f"write `{_title(key)}: {value}`",
                )
            )
    return out


def _title(key: str) -> str:
    titles = {
        "pod": "Pod",
        "task": "Task",
        "patch-id": "Patch-Id",
        "pod-bundle": "Pod-Bundle",
        "pod-review": "Pod-Review",
    }
    return titles.get(key, "Assisted-by")
