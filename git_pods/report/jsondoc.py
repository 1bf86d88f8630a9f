"""Report records as JSON values: times as ISO 8601 (UTC), days as dates, records as objects."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from git_pods.report.history import Event

JsonValue = Any


def as_json(value: object) -> JsonValue:
    """value (a record, mapping, sequence, time or plain value) as JSON-ready data."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Event):
        return _event(value)
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    fields = getattr(value, "__dict__", None)
    if isinstance(fields, dict):
        return {k: as_json(v) for k, v in fields.items() if not k.startswith("_")}
    return str(value)


def _event(event: Event) -> dict[str, JsonValue]:
    """An event as its note line said it (unknown keys included), with the commit holding it."""
    out: dict[str, JsonValue] = {"ts": as_json(event.ts), "event": event.kind}
    for key in ("pod", "task", "patch", "by", "to", "how", "added", "deleted", "files"):
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    out.update({str(k): as_json(v) for k, v in event.extra.items()})
    out["commit"] = event.commit
    return out
