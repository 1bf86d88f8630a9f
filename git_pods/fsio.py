"""Files written whole or not at all, and scratch folders removed; light enough for the hooks
(os only: importing shutil costs a hook 3 ms)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write beside path, then rename over it: a reader sees the old file or the new one.

    The scratch file is created new (O_EXCL, an unguessable name), so a link planted beside
    path cannot redirect the write; the rename replaces a link at path, never follows it."""
    import tempfile  # here: the hooks only write atomically when trimming their marks

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(name, mode if mode is not None else _mode_for(path))
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _mode_for(path: Path) -> int:
    """The file's own permissions when it exists (never narrowed to mkstemp's 0600), else the
    umask's default for a new file."""
    try:
        if not path.is_symlink():
            return path.stat().st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


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
