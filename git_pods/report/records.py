"""What reports read from promoted records and commit messages, on demand and in one batch each:
changelog entries and the traces' `supersedes` (`.logs/<ID>/*.yaml` as the patch's commit holds
them) and the reverts of pod commits (`This reverts commit <id>.` in a message).

The records were checked when they were promoted, but a report must not trust them to parse: a
record that is missing, too large or not the schema's shape is a warning (GP904) and the report
goes on without it. YAML is loaded with the same safe loader the hooks use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from git_pods.errors import GitPodsError
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.ids import PATCH_ID
from git_pods.record import record
from git_pods.report.history import Patch, ReadWarning
from git_pods.yamlsafe import YamlProblems, load

ENTRY_TYPES = ("security", "added", "changed", "deprecated", "removed", "fixed", "docs", "tests")
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{40}(?:[0-9a-f]{24})?)")


@record
class Entry:
    """One changelog entry of a patch."""

    patch: str
    task: str | None
    pod: str | None
    type: str
    description: str
    breaking: bool = False


@record
class Revert:
    """A commit whose message says it reverts a pod commit, and the patches that commit carried."""

    commit: str
    at: datetime
    reverted: str
    patches: tuple[str, ...]


def _where(patch: Patch, name: str) -> str | None:
    if not patch.commits:
        return None
    return f"{patch.commits[0]}:.logs/{patch.id}/{name}"


def _documents(
    git: Git, patches: Iterable[Patch], name: str, warnings: list[ReadWarning]
) -> dict[str, dict[str, Any]]:
    """Each patch's `.logs/<ID>/<name>` as its commit holds it, parsed; the rest become warnings."""
    specs = {p.id: spec for p in patches if (spec := _where(p, name)) is not None}
    blobs = read_objects(git, specs.values())
    out: dict[str, dict[str, Any]] = {}
    for patch, spec in specs.items():
        obj = blobs.get(spec)
        commit = spec.split(":", 1)[0]
        if obj is None or obj.kind != "blob":
            warnings.append(ReadWarning("GP904", f".logs/{patch}/{name} is not in the commit", commit))
            continue
        try:
            data = load(obj.data, f".logs/{patch}/{name}").data
        except YamlProblems as problems:
            first = problems.violations[0] if problems.violations else None
            why = first.message if first is not None else "not readable"
            warnings.append(ReadWarning("GP904", f".logs/{patch}/{name}: {why}", commit))
            continue
        if not isinstance(data, dict):
            warnings.append(ReadWarning("GP904", f".logs/{patch}/{name} is not a mapping", commit))
            continue
        out[patch] = data
    return out


def changelog_entries(
    git: Git, patches: Iterable[Patch], warnings: list[ReadWarning]
) -> dict[str, list[Entry]]:
    """Each patch's changelog entries (those with a description), in the file's order."""
    chosen = list(patches)
    found = _documents(git, chosen, "changelog.yaml", warnings)
    out: dict[str, list[Entry]] = {}
    for patch in chosen:
        data = found.get(patch.id)
        if data is None:
            continue
        entries = data.get("entries")
        mine = []
        for item in entries if isinstance(entries, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("description"), str):
                continue
            kind = item.get("type")
            mine.append(
                Entry(
                    patch.id,
                    patch.task,
                    patch.pod,
                    kind if isinstance(kind, str) and kind in ENTRY_TYPES else "changed",
                    " ".join(item["description"].split()),
                    item.get("breaking") is True,
                )
            )
        out[patch.id] = mine
    return out


def superseded(git: Git, patches: Iterable[Patch], warnings: list[ReadWarning]) -> dict[str, str]:
    """Patch ids the given patches' traces say they supersede -> the superseding patch."""
    out = {}
    for patch, trace in _documents(git, patches, "thought_trace.yaml", warnings).items():
        old = trace.get("supersedes")
        if isinstance(old, str) and PATCH_ID.fullmatch(old):
            out[old] = patch
    return out


def reverts(git: Git, patches: Mapping[str, Patch]) -> list[Revert]:
    """Commits on any ref whose message reverts a commit that carries a patch (one git log)."""
    by_commit: dict[str, list[str]] = {}
    for patch in patches.values():
        for commit in patch.commits:
            by_commit.setdefault(commit, []).append(patch.id)
    if not by_commit:
        return []
    args = ["log", "-z", "--all", "--exclude=refs/notes/*", "--no-color", "--no-decorate"]
    args += ["-E", "--grep=^This reverts commit [0-9a-f]+", "--format=%H%x1f%ct%x1f%B"]
    try:
        out = git.run(args).stdout.decode("utf-8", "replace")
    except GitPodsError:
        return []
    found = []
    for entry in out.split("\0"):
        fields = entry.split("\x1f", 2)
        if len(fields) != 3:
            continue
        commit, when, message = fields
        for target in _REVERTS.findall(message):
            if target in by_commit:
                at = datetime.fromtimestamp(int(when or 0), timezone.utc)
                found.append(Revert(commit.strip(), at, target, tuple(by_commit[target])))
    return found
