"""`make test-matrix`: the test suite on every supported Python on this machine, and once more on
the oldest with git-pods' runtime dependencies at the lower bounds pyproject.toml declares.

Each row gets its own venv under .venv-matrix/ (made and installed by the Makefile, as `make test`
does, with the pinned tools of .ci/constraints.txt) and runs `make unit` there. Prints a table of
the rows and exits 1 when any failed. `--only 3.12` (repeatable) or `--only lowest` picks rows.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pythons import supported

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".venv-matrix"
# A runtime requirement's lower bound: `name>=1.2` (with extras or a marker after it).
# Runtime needs the pinned tools need newer releases of (virtualenv, under pre-commit, asks for
# typing-extensions >= 4.16 on 3.10): pinning them low would make the row uninstallable, so
# they stay at what the tools resolve.
SHARED_WITH_TOOLS = {"typing-extensions"}
LOWER = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([^,;\s]+)\s*(;.*)?$")


def lowest_constraints() -> str:
    """name==lower for every runtime dependency, read from pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10 runs this only with tomli about
        import tomli as tomllib  # type: ignore[no-redef]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = []
    for requirement in project["dependencies"]:
        match = LOWER.match(requirement)
        if match is None:
            raise SystemExit(f"matrix: {requirement!r} in pyproject.toml has no '>=' lower bound")
        name, version, marker = match.groups()
        if name.lower() in SHARED_WITH_TOOLS:
            continue
        lines.append(f"{name}=={version}{marker or ''}")
    return "\n".join(lines) + "\n"


def rows() -> list[tuple[str, Path, Path | None]]:
    """(label, interpreter, extra constraints) for every row of the matrix."""
    found = supported()
    out: list[tuple[str, Path, Path | None]] = [
        (f"{a}.{b}", python, None) for (a, b), python in found.items()
    ]
    if found:
        MATRIX.mkdir(exist_ok=True)
        lowest = MATRIX / "lowest-constraints.txt"
        lowest.write_text(lowest_constraints())
        (a, b), oldest = next(iter(found.items()))
        out.append((f"{a}.{b} lowest", oldest, lowest))
    return out


def main() -> int:
    args = sys.argv[1:]
    only = {args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--only"}
    results = []
    for label, python, extra in rows():
        if only and label not in only and label.split()[-1] not in only:
            continue
        venv = MATRIX / label.replace(" ", "-")
        # coverage is measured once, by `make test`; the matrix asks only whether the tests pass
        command = ["make", "--no-print-directory", "unit", f"PYTHON={python}", f"VENV={venv}", "COVERAGE="]
        if extra is not None:
            command.append(f"EXTRA_CONSTRAINTS={extra}")
        print(f"\n=== Python {label}: {python}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        results.append((label, python, code, time.monotonic() - started))
    if not results:
        print("matrix: no interpreter matched (see python3 .ci/pythons.py)", file=sys.stderr)
        return 2
    print("\n| Python | interpreter | result | time |\n| --- | --- | --- | --- |")
    for label, python, code, seconds in results:
        print(f"| {label} | {python} | {'passed' if code == 0 else f'FAILED ({code})'} | {seconds:.0f} s |")
    return 0 if all(code == 0 for _, _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
