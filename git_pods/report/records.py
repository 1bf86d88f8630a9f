"""What reports read from promoted records and commit messages, on demand and in one batch each:
changelog entries and the traces' `supersedes` (`.logs/<ID>/*.yaml` as the patch's commit holds
them) and the reverts of pod commits (`This reverts commit <id>.` in a message).

The records were checked when they were promoted, but a report must not trust them to parse: a
record that is missing, too large or not the schema's shape is a warning (GP904) and the report
goes on without it. YAML is loaded with the same safe loader the hooks use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from git_pods.errors import GitPodsError
from git_pods.fsio import write_atomic
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.ids import PATCH_ID, TASK_ID
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


class Records:
    """Reads `.logs/<ID>/<name>` of many patches at once. Records never change once promoted, so
    the default branch's tip holds each accepted patch's records as its commit archived them: one
    `ls-tree` of the tip's .logs/ names their blobs (a record the tip lacks is read from the
    patch's commit). What a report takes from a record is kept in a cache keyed by the blob's id
    (content-addressed, so it is never stale); only blobs never seen are read and parsed."""

    def __init__(self, git: Git, tip: str | None, cache_file: Path | None) -> None:
        self.git = git
        self.tip = tip
        self.cache = Cache(cache_file)
        self._listing: dict[tuple[str, str], str] | None = None

    def _blobs(self) -> dict[tuple[str, str], str]:
        if self._listing is None:
            self._listing = {}
            if self.tip is not None:
                out = self.git.run(["ls-tree", "-r", "-z", self.tip, "--", ".logs/"], check=False).stdout
                for entry in out.split(b"\0"):
                    head, sep, path = entry.partition(b"\t")
                    parts = path.decode("utf-8", "surrogateescape").split("/")
                    if sep and len(parts) == 3 and head.split(b" ")[1:2] == [b"blob"]:
                        self._listing[(parts[1], parts[2])] = head.split(b" ")[2].decode("ascii")
        return self._listing

    def extract(
        self, patches: Iterable[Patch], name: str, take: Callable[[Any], Any], warnings: list[ReadWarning]
    ) -> dict[str, Any]:
        """take(parsed mapping) of each patch's record, by patch id; the rest become warnings."""
        listing = self._blobs()
        chosen = list(patches)
        commits = {p.id: p.commits[0] if p.commits else None for p in chosen}
        found: dict[str, Any] = {}
        where: dict[str, str] = {}  # patch -> the object to read: its blob, or commit:path
        for patch in chosen:
            blob = listing.get((patch.id, name))
            commit = patch.commits[0] if patch.commits else None
            if blob is not None:
                hit = self.cache.get(name, blob)
                if hit is not MISS:
                    found[patch.id] = hit
                else:
                    where[patch.id] = blob
            elif commit is not None:
                where[patch.id] = f"{commit}:.logs/{patch.id}/{name}"
        objects = read_objects(self.git, where.values()) if where else {}
        for patch_id, spec in where.items():
            obj = objects.get(spec)
            if obj is None or obj.kind != "blob":
                found[patch_id] = {"error": f".logs/{patch_id}/{name} is not in the commit"}
                continue
            hit = self.cache.get(name, obj.sha)
            if hit is MISS:
                hit = _parse(obj.data, f".logs/{patch_id}/{name}", take)
                self.cache.put(name, obj.sha, hit)
            found[patch_id] = hit
        out = {}
        for patch_id, value in found.items():
            if isinstance(value, dict) and "error" in value:
                warnings.append(ReadWarning("GP904", str(value["error"]), commits.get(patch_id)))
            else:
                out[patch_id] = value
        return out

    def changelog_entries(
        self, patches: Iterable[Patch], warnings: list[ReadWarning]
    ) -> dict[str, list[Entry]]:
        """Each patch's changelog entries (those with a description), in the file's order."""
        chosen = {p.id: p for p in patches}
        found = self.extract(chosen.values(), "changelog.yaml", _entries, warnings)
        return {
            patch_id: [Entry(patch_id, chosen[patch_id].task, chosen[patch_id].pod, *item) for item in items]
            for patch_id, items in found.items()
        }

    def superseded(self, patches: Iterable[Patch], warnings: list[ReadWarning]) -> dict[str, str]:
        """Patch ids the given patches' traces say they supersede -> the superseding patch."""
        found = self.extract(patches, "thought_trace.yaml", _supersedes, warnings)
        return {old: patch for patch, old in sorted(found.items()) if old is not None}

    def ledgers(self, warnings: list[ReadWarning]) -> dict[str, list[list[Any]]]:
        """Each task ledger's journey at the tip (`.pods/tasks/<TASK>.yaml`): [kind, time, pod, by]
        rows, kind `assigned` (pod assigned) or `handed-off` (pod received), in the file's order."""
        if self.tip is None:
            return {}
        out = self.git.run(["ls-tree", "-z", self.tip, "--", ".pods/tasks/"], check=False).stdout
        blobs: dict[str, str] = {}
        for entry in out.split(b"\0"):
            head, sep, path = entry.partition(b"\t")
            name = path.decode("utf-8", "surrogateescape").rsplit("/", 1)[-1]
            if sep and head.split(b" ")[1:2] == [b"blob"] and name.endswith(".yaml"):
                blobs[name[: -len(".yaml")]] = head.split(b" ")[2].decode("ascii")
        misses = [sha for sha in blobs.values() if self.cache.get("ledger", sha) is MISS]
        objects = read_objects(self.git, misses) if misses else {}
        found: dict[str, list[list[Any]]] = {}
        for task, sha in sorted(blobs.items()):
            value = self.cache.get("ledger", sha)
            if value is MISS:
                obj = objects.get(sha)
                value = (
                    _parse(obj.data, f".pods/tasks/{task}.yaml", _journey) if obj else {"error": "unreadable"}
                )
                self.cache.put("ledger", sha, value)
            if isinstance(value, dict):
                warnings.append(ReadWarning("GP904", str(value.get("error")), self.tip))
            elif TASK_ID.fullmatch(task):
                found[task] = value
        return found

    def save(self) -> None:
        self.cache.save()


MISS = object()
CACHE_VERSION = 2


class Cache:
    """name:blob -> what a report took from it, as JSON in <git-common-dir>/pods/report-cache.json.
    A cache that cannot be read is started afresh; one that cannot be written is left as it was."""

    LIMIT = 200_000

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self.changed = False
        if path is None:
            return
        try:
            loaded = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(loaded, dict) and loaded.get("version") == CACHE_VERSION:
            records = loaded.get("records")
            self.data = records if isinstance(records, dict) else {}

    def get(self, name: str, blob: str) -> Any:
        return self.data.get(f"{name}:{blob}", MISS)

    def put(self, name: str, blob: str, value: Any) -> None:
        self.data[f"{name}:{blob}"] = value
        self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        if len(self.data) > self.LIMIT:
            self.data = {}
        document = json.dumps({"version": CACHE_VERSION, "records": self.data}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, document.encode("utf-8"))
        except OSError:
            pass  # a read-only repository still gets its report
        self.changed = False


def _parse(data: bytes, file: str, take: Callable[[Any], Any]) -> Any:
    try:
        parsed = load(data, file).data
    except YamlProblems as problems:
        first = problems.violations[0] if problems.violations else None
        return {"error": f"{file}: {first.message if first is not None else 'not readable'}"}
    if not isinstance(parsed, dict):
        return {"error": f"{file} is not a mapping"}
    return take(parsed)


def _entries(data: dict[str, Any]) -> list[list[Any]]:
    entries = data.get("entries")
    out = []
    for item in entries if isinstance(entries, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("description"), str):
            continue
        kind = item.get("type")
        kind = kind if isinstance(kind, str) and kind in ENTRY_TYPES else "changed"
        out.append([kind, " ".join(item["description"].split()), item.get("breaking") is True])
    return out


def _journey(data: dict[str, Any]) -> list[list[Any]]:
    """A ledger's assignments and handoffs, the current assignment last."""
    rows = []
    history = data.get("history")
    for item in history if isinstance(history, list) else []:
        if not isinstance(item, dict):
            continue
        kind = item.get("event")
        pod = item.get("pod") if kind == "assigned" else item.get("to") if kind == "handed-off" else None
        if isinstance(pod, str) and isinstance(item.get("time"), str):
            by, sender = item.get("by"), item.get("from")
            rows.append([kind, item["time"], pod, _text(by), _text(sender) if kind == "handed-off" else None])
    pod, created, by = data.get("pod"), data.get("created"), data.get("assigned_by")
    if isinstance(pod, str) and isinstance(created, str):
        rows.append(["assigned", created, pod, _text(by), None])
    return rows


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _supersedes(data: dict[str, Any]) -> str | None:
    old = data.get("supersedes")
    return old if isinstance(old, str) and PATCH_ID.fullmatch(old) else None


def reverts(
    git: Git, patches: Mapping[str, Patch], candidates: Iterable[str], parents: Mapping[str, list[str]]
) -> list[Revert]:
    """The candidates (commits whose subject starts with "Revert", as `git revert` writes it) whose
    message says they revert a commit that carries a patch, or a merge that brought such commits
    in (a forge's Revert button on a merged pull request): one `git log --no-walk` of them."""
    by_commit: dict[str, list[str]] = {}
    for patch in patches.values():
        for commit in patch.commits:
            by_commit.setdefault(commit, []).append(patch.id)
    wanted = list(candidates)
    if not by_commit or not wanted:
        return []
    args = [
        "log",
        "-z",
        "--no-walk=unsorted",
        "--stdin",
        "--no-color",
        "--no-decorate",
        "--format=%H%x1f%ct%x1f%B",
    ]
    try:
        out = git.run(args, input="".join(f"{c}\n" for c in wanted).encode("ascii")).stdout
    except GitPodsError:
        return []
    found = []
    for entry in out.decode("utf-8", "replace").split("\0"):
        fields = entry.split("\x1f", 2)
        if len(fields) != 3:
            continue
        commit, when, message = fields
        for target in _REVERTS.findall(message):
            undone = by_commit.get(target) or _merged_patches(target, parents, by_commit)
            if undone:
                at = datetime.fromtimestamp(int(when or 0), timezone.utc)
                found.append(Revert(commit.strip(), at, target, tuple(dict.fromkeys(undone))))
    return found


def _merged_patches(
    merge: str, parents: Mapping[str, list[str]], by_commit: Mapping[str, list[str]]
) -> list[str]:
    """The patches of the commits a merge brought in: reachable from its other parents, not from
    its first."""
    mine = parents.get(merge, [])
    if len(mine) < 2:
        return []
    behind: set[str] = set()
    stack = [mine[0]]
    while stack:
        commit = stack.pop()
        if commit not in behind:
            behind.add(commit)
            stack.extend(parents.get(commit, []))
    seen: set[str] = set()
    stack = list(mine[1:])
    out: list[str] = []
    while stack:
        commit = stack.pop()
        if commit in seen or commit in behind:
            continue
        seen.add(commit)
        out += by_commit.get(commit, [])
        stack.extend(parents.get(commit, []))
    return sorted(out)
