"""What `git pod-init` installed in this clone, kept under the common git folder for `--uninstall`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from git_pods.fsio import write_atomic

STATE_FILE = "pods/install.json"


def load(git_common: Path) -> dict[str, Any]:
    """The recorded state; an unreadable or missing file is an empty state (uninstall still
    recognises git-pods' hooks by their marker line)."""
    try:
        data = json.loads((git_common / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(git_common: Path, data: dict[str, Any]) -> None:
    """Write through a rename, so an interrupted init never leaves half a file; unchanged: no write."""
    path = git_common / STATE_FILE
    if load(git_common) == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def clear(git_common: Path) -> None:
    (git_common / STATE_FILE).unlink(missing_ok=True)
