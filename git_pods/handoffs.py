"""Where handoffs are found: a task's ledger, a promoted or queued bundle's handoff log, or a file;
who holds a task now; what `git pod-assign --from` takes from the latest handoff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from git_pods import ids, ledger
from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    DIGESTED,
    HANDOFF,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    REVIEW_ONLY_NEEDS,
    TRACE,
    verdict_of,
)
from git_pods.config import Config
from git_pods.errors import Refused, UsageError
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.record import record
from git_pods.yamlsafe import YamlProblems, load


@record
class Latest:
    """The latest handoff of a task, patch or file: who sends, who receives, why."""

    task: str
    sender: str
    to: str
    reason: str
    patch: str | None = None
    acceptance: Any = None
    verdict: str | None = None  # the handed-over answer's review verdict (blocked widens the graph)


def since_assignment(data: dict[str, Any], event: str) -> list[dict[str, Any]]:
    """The ledger's history entries of one kind (handed-off, closed) made since the current
    assignment, oldest first."""
    since = ledger.when(data.get("created"))
    return [
        e
        for e in data.get("history") or []
        if e.get("event") == event and ledger.when(e.get("time")) >= since
    ]


def holder(data: dict[str, Any]) -> str:
    """The pod holding the task now: the receiver of the latest handoff made since the current
    assignment, else the assigned pod."""
    handed = since_assignment(data, "handed-off")
    return str(handed[-1]["to"]) if handed else str(data["pod"])


def closed(data: dict[str, Any]) -> dict[str, Any] | None:
    """The ledger's `closed` entry when the task is closed: one made since the current assignment
    (assigning the task again reopens it)."""
    ended = since_assignment(data, "closed")
    return ended[-1] if ended else None


def archived_files(git: Git, patch: str) -> tuple[str, dict[str, bytes]] | None:
    """A promoted bundle's files and where they are (HEAD, else the first pods/* branch holding
    them); its trace and handoff must be there (a review answer has no diff, maybe no changelog)."""
    from git_pods.priorwork import task_branch_refs

    names = {
        DIFF: f"{PATCHES_DIR}/{patch}.diff",
        TRACE: f"{LOGS_DIR}/{patch}/{TRACE}",
        CHANGELOG: f"{LOGS_DIR}/{patch}/{CHANGELOG}",
        HANDOFF: f"{LOGS_DIR}/{patch}/{HANDOFF}",
    }
    revs = ["HEAD", *task_branch_refs(git)]
    found = read_objects(git, [f"{rev}:{p}" for rev in revs for p in names.values()])
    for rev in revs:
        blobs = {name: found[f"{rev}:{p}"] for name, p in names.items()}
        if all(blobs[name] is not None for name in REVIEW_ONLY_NEEDS):
            return rev.removeprefix("refs/heads/"), {n: b.data for n, b in blobs.items() if b is not None}
    return None


def refuse_if_closed(data: dict[str, Any], path: str, what: str, pod: str = "POD") -> None:
    """GP706 when the task is closed: what it takes no more (a handoff, another closing)."""
    ended = closed(data)
    if ended is not None:
        raise Refused(
            f"{data['task_id']} was closed ({ended.get('state')}, {ended.get('time')}): it takes no {what}",
            rule="GP706",
            file=path,
            hint=f"assign it again to reopen it: git pod-assign --to {pod} --task {data['task_id']}",
        )


def patch_files(git: Git, root: Path, patch: str) -> dict[str, bytes]:
    """A bundle's files: promoted (archived_files), or queued."""
    promoted = archived_files(git, patch)
    if promoted is not None:
        return promoted[1]
    queued = root / QUEUE_DIR / patch
    if all((queued / name).is_file() for name in REVIEW_ONLY_NEEDS):
        return {name: (queued / name).read_bytes() for name in DIGESTED if (queued / name).is_file()}
    raise UsageError(
        f"{patch}: no promoted or queued bundle with that patch id",
        hint="name the patch id of a bundle in .patches/ (promoted) or .patches/queue/",
    )


def task_of(files: dict[str, bytes], patch: str) -> str:
    data = _yaml(files.get(TRACE), TRACE)
    task = data.get("task_id") if isinstance(data, dict) else None
    if not isinstance(task, str) or not ids.is_task_id(task):
        raise UsageError(f"{patch}'s trace names no valid task_id", hint="pass --task ID")
    return task


def latest(git: Git, root: Path, cwd: Path, source: str, config: Config) -> Latest:
    """The latest handoff named by source: a handoff log or ledger file, a patch id, a task id."""
    max_bytes = config.yaml_max_bytes
    path = cwd / source
    if path.is_file():
        return _from_file(path, source, max_bytes)
    if ids.is_task_id(source) and (root / ledger.path_of(source)).is_file():
        raw = (root / ledger.path_of(source)).read_bytes()
        data = ledger.load(raw, ledger.path_of(source), max_bytes)
        assert data is not None
        answered = _answer_on_branch(git, root, data, config)
        return (
            _from_ledger(data, source)
            if answered is None or since_assignment(data, "handed-off")
            else answered
        )
    patch = ids.patch_id_of(source)
    if ids.is_patch_id(patch):
        files = patch_files(git, root, patch)
        return _from_log(_yaml(files[HANDOFF], HANDOFF), task_of(files, patch), patch, files)
    raise UsageError(f"--from {source}: not a file, a task with a ledger, or a patch id")


def _from_file(path: Path, shown: str, max_bytes: int) -> Latest:
    data = _yaml(path.read_bytes(), shown)
    if isinstance(data, dict) and "task_id" in data and "pod" in data and "goal" in data:
        checked = ledger.load(path.read_bytes(), shown, max_bytes)
        assert checked is not None
        return _from_ledger(checked, shown)
    entries = data if isinstance(data, list) else [data]
    last = entries[-1] if entries and isinstance(entries[-1], dict) else {}
    task = last.get("task_id")
    if not isinstance(task, str) or not ids.is_task_id(task):
        raise UsageError(
            f"--from {shown}: the handoff names no task_id", hint="add task_id to it, or pass --task"
        )
    return _from_log(data, task, None)


def _answer_on_branch(git: Git, root: Path, data: dict[str, Any], config: Config) -> Latest | None:
    """The handoff of the assigned pod's answer, when the newest patch on the task branch is it
    (a promoted bundle hands the task on by its own handoff log, not by the ledger)."""
    from git_pods.priorwork import earlier_patches, task_branch

    task = str(data["task_id"])
    branch = task_branch(git, config, task)
    patches = earlier_patches(git, branch, task, config.yaml_max_bytes) if branch is not None else []
    if not patches or patches[-1].pod != data.get("pod"):
        return None
    files = patch_files(git, root, patches[-1].patch_id)
    return _from_log(_yaml(files[HANDOFF], HANDOFF), task, patches[-1].patch_id, files)


def _from_ledger(data: dict[str, Any], shown: str) -> Latest:
    handed = since_assignment(data, "handed-off")
    if not handed:
        raise UsageError(
            f"--from {shown}: the task has not been handed off since it was assigned to {data['pod']}",
            hint=f"hand it off first: git pod-handoff --to POD --reason TEXT --task {data['task_id']}",
        )
    last = handed[-1]
    patch = ids.patch_id_of(last["related_patch"]) if last.get("related_patch") else None
    return Latest(data["task_id"], last["from"], last["to"], last["reason"], patch, last.get("acceptance"))


def _from_log(data: Any, task: str, patch: str | None, files: dict[str, bytes] | None = None) -> Latest:
    entries = data if isinstance(data, list) else [data]
    last = entries[-1] if entries and isinstance(entries[-1], dict) else None
    if last is None or not all(isinstance(last.get(k), str) for k in ("from", "to", "reason")):
        raise UsageError("the handoff log has no usable handoff (from, to, reason)")
    related = last.get("related_patch")
    named = ids.patch_id_of(related) if isinstance(related, str) else patch
    verdict = verdict_of(_yaml(files.get(TRACE), TRACE)) if files else None
    return Latest(task, last["from"], last["to"], last["reason"], named, last.get("acceptance"), verdict)


def _yaml(raw: bytes | None, shown: str) -> Any:
    if raw is None:
        return None
    try:
        return load(raw, shown).data
    except YamlProblems as exc:
        raise UsageError(f"{shown} is not usable YAML: {exc}", hint=f"git pod-validate {shown}") from None
