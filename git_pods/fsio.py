"""Files written whole or not at all, and scratch folders removed; light enough for the hooks
(os only: importing shutil costs a hook 3 ms)."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write beside path, then rename over it: a reader sees the old file or the new one."""
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fresh.write_bytes(data)
    if mode is not None:
        fresh.chmod(mode)
    os.replace(fresh, path)


def remove_tree(folder: Path) -> None:
    """Delete a folder git-pods made and everything in it; links are removed, never followed."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for parent, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            os.unlink(os.path.join(parent, name))
        for name in dirs:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                os.unlink(path)
            else:
                os.rmdir(path)
    os.rmdir(folder)
