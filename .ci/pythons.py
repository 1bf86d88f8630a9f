"""The Python interpreters on this machine that git-pods supports (3.10 and up), one per version.

Prints `VERSION PATH` lines, oldest first (`--paths` prints only the paths). Looks on PATH
(python3.X), in pyenv's versions folder and in /usr/bin and /usr/local/bin; the first
interpreter found for a version wins. Used by `make test-matrix` and `.ci/pins.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

OLDEST = (3, 10)
NEWEST_MINOR = 20  # the highest 3.X looked for by name on PATH


def candidates() -> list[Path]:
    """Every path that may be an interpreter, in the order they are preferred."""
    found: list[Path] = []
    for minor in range(OLDEST[1], NEWEST_MINOR + 1):
        on_path = shutil.which(f"python3.{minor}")
        if on_path:
            found.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += sorted((pyenv_root / "versions").glob("3.*/bin/python3"))
    for folder in (Path("/usr/local/bin"), Path("/usr/bin")):
        found += sorted(folder.glob("python3.[0-9]*[0-9]"))
    return found


def version_of(python: Path) -> tuple[int, int] | None:
    """(major, minor) of a working interpreter with venv, or None (a pyenv shim for a version that
    is not installed fails here, and so does a Debian python without its venv package)."""
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys, venv, ssl; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    major, minor = done.stdout.split()
    return int(major), int(minor)


def supported() -> dict[tuple[int, int], Path]:
    """One interpreter per supported version, oldest first."""
    chosen: dict[tuple[int, int], Path] = {}
    for python in candidates():
        version = version_of(python)
        if version is not None and version >= OLDEST and version not in chosen:
            chosen[version] = python
    return dict(sorted(chosen.items()))


def main() -> int:
    found = supported()
    if not found:
        print(f"no Python {OLDEST[0]}.{OLDEST[1]} or newer with venv and ssl found", file=sys.stderr)
        return 1
    for (major, minor), python in found.items():
        print(python if "--paths" in sys.argv[1:] else f"{major}.{minor} {python}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
