"""A task's ledger, `.pods/tasks/<TASK>.yaml`: the current assignment on top, and every earlier
assignment and handoff appended to `history`, never overwritten."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from git_pods import yamlsafe
from git_pods.checks.artifact import check_bytes
from git_pods.errors import UsageError

TASKS_DIR = ".pods/tasks"
MODELINE = "# yaml-language-server: $schema=https://git-pods.dev/schemas/v1/task-packet.schema.json\n"
_PACKET_KEYS = (
    "pod",
    "goal",
    "instructions",
    "input_files",
    "acceptance",
    "from_handoff",
    "created",
    "assigned_by",
    "base_commit",
    "branch",
)


def path_of(task: str) -> str:
    return f"{TASKS_DIR}/{task}.yaml"


def peek(root: Path, task: object) -> dict[str, Any] | None:
    """The task's ledger as the working tree has it, for a default only (who holds the task, the
    base its packet gave): None when there is none, or it does not read as a mapping."""
    from git_pods.ids import is_task_id

    if not isinstance(task, str) or not is_task_id(task):
        return None
    try:
        data = yamlsafe.load((root / path_of(task)).read_bytes(), path_of(task)).data
    except (OSError, yamlsafe.YamlProblems):
        return None
    return data if isinstance(data, dict) else None


def sender(packet: dict[str, Any]) -> str | None:
    """The pod whose handoff brought the current assignment (from_handoff), if one did."""
    handed = packet.get("from_handoff")
    pod = handed.get("from") if isinstance(handed, dict) else None
    return pod if isinstance(pod, str) else None


def load(raw: bytes | None, shown: str, max_bytes: int) -> dict[str, Any] | None:
    """The ledger's data; a ledger that is not valid stops the command (it would be rewritten)."""
    if raw is None:
        return None
    checked = check_bytes(raw, shown, "task-packet", max_bytes)
    if not checked.valid or checked.doc is None:
        first = next((v for v in checked.violations if v.severity == "error"), None)
        where = f"{first.file}:{first.line}: {first.rule} {first.message}" if first else shown
        raise UsageError(
            f"the task's ledger is not valid, so it is not rewritten ({where})",
            hint=f"git pod-validate {shown} lists every problem; fix them, then assign again",
            file=shown,
            rule=first.rule if first else None,
        )
    data: dict[str, Any] = checked.doc.data
    return data


def assigned(existing: dict[str, Any] | None, packet: dict[str, Any]) -> dict[str, Any]:
    """The ledger after a new assignment: the packet on top; the earlier assignment, if any,
    appended to history as an `assigned` entry (its handoffs stay where they are)."""
    history = list((existing or {}).get("history") or [])
    if existing:
        earlier: dict[str, Any] = {"event": "assigned"}
        for key in _PACKET_KEYS:
            if key in existing and key not in ("created", "assigned_by"):
                earlier[key] = existing[key]
        if "created" in existing:
            earlier["time"] = existing["created"]
        if "assigned_by" in existing:
            earlier["by"] = existing["assigned_by"]
        earlier.update({k: v for k, v in existing.items() if k.startswith("x-")})
        at = when(earlier.get("time"))  # before the handoffs made while it held the task
        place = next((i for i, e in enumerate(history) if when(e.get("time")) > at), len(history))
        history.insert(place, earlier)
    ledger = dict(packet)
    if history:
        ledger["history"] = history
    return ledger


def now() -> str:
    """The time of a ledger entry: UTC, to the microsecond, so entries of one second keep their order."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def when(text: object) -> datetime:
    """An entry's time for ordering (seconds or microseconds alike); the earliest when unreadable."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


def dump(ledger: dict[str, Any]) -> bytes:
    body = yamlsafe.dump(ledger)
    return (MODELINE + body).encode("utf-8")


def text_problem(*texts: str | None) -> str | None:
    """Why user text cannot go into a ledger and a commit: bytes that are not UTF-8."""
    for text in texts:
        if text is not None and any(0xDC80 <= ord(c) <= 0xDCFF for c in text):
            return f"{text.encode('utf-8', 'backslashreplace').decode()!r} holds bytes that are not UTF-8"
    return None


def checked(data: bytes, shown: str, max_bytes: int) -> list[Any]:
    """Problems the new ledger would have (schema, likely secrets): it is never written with any."""
    from git_pods.checks.diff_rules import secrets_in

    found = [
        v for v in check_bytes(data, shown, "task-packet", max_bytes).violations if v.severity == "error"
    ]
    return found + secrets_in(data.decode("utf-8", "replace"), shown)
