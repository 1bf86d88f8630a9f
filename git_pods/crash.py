"""The crash log: a bug's traceback and versions, written where the user can find and send it."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from git_pods import __version__
from git_pods.errors import GitPodsError
from git_pods.gitio.runner import git_dir


def write_crash_log(verb: str, args: Sequence[str]) -> Path | None:
    """Write the traceback and versions in the repository's git folder, else the temp folder.

    Never raises: a crash handler that crashes would print the bare traceback it exists to hide.
    """
    text = (
        f"git-pods {__version__}\npython {sys.version}\nplatform {platform.platform()}\n"
        f"command {verb} {' '.join(args)}\n\n{traceback.format_exc()}"
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in _crash_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
        except OSError:
            continue
        return path
    return None


def _crash_folders() -> list[Path]:
    folders = []
    try:
        found = git_dir(Path.cwd())
        if found is not None:
            folders.append(found / "pods")
    except (OSError, GitPodsError):
        pass
    folders.append(Path(tempfile.gettempdir()) / "git-pods")
    return folders
