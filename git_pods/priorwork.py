"""What came before on a task: its branch `pods/<task>` (local, or the remote's copy), the patches
promoted there with their logs, and the files they changed, as the next pod's prompt shows them."""

from __future__ import annotations

from typing import Any

from git_pods import ids
from git_pods.bundle import CHANGELOG, HANDOFF, LOGS_DIR, PATCHES_DIR, TRACE, review_lines, verdict_of
from git_pods.config import Config
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.record import record
from git_pods.yamlsafe import YamlProblems, load

DEFAULT_HISTORY_BUDGET = 96 << 10
_FIELDS = "%H%x1f%s%x1f%(trailers:key=Task,valueonly,separator=%x1e)%x1f"
_FIELDS += "%(trailers:key=Patch-Id,valueonly,separator=%x1e)%x1f%(trailers:key=Pod,valueonly,separator=%x1e)"


@record
class TaskBranch:
    """The branch a task's work lives on, as the next pod must build on it."""

    name: str  # as a person types it: pods/F2.1, or origin/pods/F2.1 for the remote's copy
    ref: str
    tip: str


@record
class EarlierPatch:
    """One patch promoted on the task branch, with what its logs say."""

    commit: str
    patch_id: str
    pod: str
    subject: str
    summary: str | None
    risks: tuple[str, ...]
    changes: tuple[str, ...]  # "type: description" of each changelog entry
    handoff: str | None  # "to qa-pod: reason"
    acceptance: tuple[str, ...]
    diff: bytes
    changed: tuple[str, ...]  # the paths the commit changed, outside .patches/ and .logs/
    verdict: str | None = None  # the trace's review verdict, if it has one
    review: tuple[str, ...] = ()  # its findings and what was run, a line each

    @property
    def review_only(self) -> bool:
        """A review or blocked answer: it archived no diff."""
        return self.verdict is not None and not self.diff


@record
class Cut:
    """Something left out of the prompt to keep within the budget, and how to get it."""

    what: str
    size: int
    command: str


def task_branch_refs(git: Git) -> list[str]:
    """Every local task branch, refs/heads/pods/*."""
    return git.run(["for-each-ref", "--format=%(refname)", "refs/heads/pods/"]).stdout.decode().split()


def task_branch(git: Git, config: Config, task: str) -> TaskBranch | None:
    """`pods/<task>` if it exists here; else the configured remote's copy after a fetch."""
    remote = config.remote or "origin"
    local, tracking = f"refs/heads/pods/{task}", f"refs/remotes/{remote}/pods/{task}"
    found = read_objects(git, [local, tracking])
    for ref, name in ((local, f"pods/{task}"), (tracking, f"{remote}/pods/{task}")):
        obj = found[ref]
        if obj is not None and obj.kind == "commit":
            return TaskBranch(name, ref, obj.sha)
    return None


def earlier_patches(git: Git, branch: TaskBranch, task: str, max_bytes: int) -> list[EarlierPatch]:
    """The task's patches reachable from the branch tip, oldest first, read as the tip has them."""
    grep = ["--fixed-strings", f"--grep=Task: {task}"]
    done = git.run(["log", "-z", "--reverse", f"--format={_FIELDS}", *grep, branch.tip])
    found: list[tuple[str, str, str, str]] = []  # commit, subject, patch id, pod
    for record_ in done.stdout.decode("utf-8", "replace").split("\0"):
        parts = record_.strip("\n").split("\x1f")
        if len(parts) != 5:
            continue
        commit, subject, tasks, patches, pods = parts
        if task not in _values(tasks):
            continue
        pod = next(iter(_values(pods)), "")
        found += [(commit, subject, p, pod) for p in _values(patches) if ids.is_patch_id(p)]
    names = []
    for _, _, patch, _ in found:
        names += [f"{branch.tip}:{PATCHES_DIR}/{patch}.diff"]
        names += [f"{branch.tip}:{LOGS_DIR}/{patch}/{n}" for n in (TRACE, CHANGELOG, HANDOFF)]
    blobs = read_objects(git, names)
    out = []
    for commit, subject, patch, pod in found:

        def blob(path: str) -> bytes | None:
            obj = blobs.get(f"{branch.tip}:{path}")
            return obj.data if obj is not None and obj.kind == "blob" else None

        trace = _mapping(blob(f"{LOGS_DIR}/{patch}/{TRACE}"), max_bytes)
        changelog = _mapping(blob(f"{LOGS_DIR}/{patch}/{CHANGELOG}"), max_bytes)
        handoff = _last_handoff(blob(f"{LOGS_DIR}/{patch}/{HANDOFF}"), max_bytes)
        out.append(
            EarlierPatch(
                commit=commit,
                patch_id=patch,
                pod=pod or str(trace.get("pod") or ""),
                subject=subject,
                summary=_text(trace.get("summary")),
                risks=_texts(trace.get("risks")),
                changes=tuple(
                    f"{e.get('type', '?')}: {e.get('description', '')}"
                    for e in changelog.get("entries") or []
                    if isinstance(e, dict)
                ),
                handoff=(f"to {handoff['to']}: {handoff.get('reason', '')}" if handoff.get("to") else None),
                acceptance=_texts(handoff.get("acceptance")),
                diff=blob(f"{PATCHES_DIR}/{patch}.diff") or b"",
                changed=_changed(git, commit),
                verdict=verdict_of(trace),
                review=tuple(review_lines(trace)),
            )
        )
    return out


def within_budget(
    patches: list[EarlierPatch], files: dict[str, bytes], branch: TaskBranch, budget: int
) -> tuple[set[str], set[str], list[Cut]]:
    """Which diffs (by patch id) and changed files (by path) fit the budget: the largest items are
    cut first until the rest fit; each cut says how to get it."""
    diffs = {p.patch_id for p in patches if p.diff}
    kept = set(files)
    items = [(len(p.diff), "diff", p.patch_id, p.commit) for p in patches if p.diff]
    items += [(len(data), "file", path, "") for path, data in files.items()]
    total = sum(size for size, *_ in items)
    cuts: list[Cut] = []
    for size, kind, key, commit in sorted(items, key=lambda item: (-item[0], item[2])):
        if total <= budget:
            break
        total -= size
        if kind == "diff":
            diffs.discard(key)
            cuts.append(Cut(f"the diff of {key}", size, f"git show {commit[:12]}"))
        else:
            kept.discard(key)
            cuts.append(Cut(f"{key} as {branch.name} has it", size, f"git show {branch.tip[:12]}:{key}"))
    return diffs, kept, cuts


def _changed(git: Git, commit: str) -> tuple[str, ...]:
    done = git.run(["diff-tree", "-r", "-z", "--no-commit-id", "--name-only", "--root", commit], check=False)
    names = [n.decode("utf-8", "surrogateescape") for n in done.stdout.split(b"\0") if n]
    return tuple(n for n in names if not n.startswith((f"{PATCHES_DIR}/", f"{LOGS_DIR}/")))


def _values(text: str) -> list[str]:
    return [v.strip() for v in text.split("\x1e") if v.strip()]


def _data(raw: bytes | None, max_bytes: int) -> Any:
    """A promoted log's data; one that cannot be read adds nothing (verify reports it)."""
    if raw is None:
        return None
    try:
        return load(raw, "log", max_bytes).data
    except YamlProblems:
        return None


def _mapping(raw: bytes | None, max_bytes: int) -> dict[str, Any]:
    data = _data(raw, max_bytes)
    return data if isinstance(data, dict) else {}


def _last_handoff(raw: bytes | None, max_bytes: int) -> dict[str, Any]:
    data = _data(raw, max_bytes)
    entries = data if isinstance(data, list) else [data]
    last = entries[-1] if entries else None
    return last if isinstance(last, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, (str, int, float)) and str(v).strip())
    return ()
