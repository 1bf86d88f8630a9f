"""Regenerate .ci/constraints.txt: the exact versions of the tools `make test` installs.

    python3 .ci/pins.py            # every supported interpreter on this machine (.ci/pythons.py)
    python3 .ci/pins.py --check    # exit 1 when the registry serves newer tools than the pins

For each interpreter it makes a throwaway venv, installs git-pods with its test extra at the newest
versions the registry serves, and pins every installed package that is not git-pods itself or one
of its runtime dependencies (those keep their lower bounds in pyproject.toml and are tested at
the newest release). A version that differs between interpreters is pinned per Python version.
Moving a pin is a deliberate commit of the file this writes (`make pins`), never a surprise in CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pythons import supported

ROOT = Path(__file__).resolve().parent.parent
SEEDED = {"setuptools", "wheel"}  # what `python -m venv` puts in on some versions, nothing we install
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"
# Run inside each venv: every installed distribution, and the closure of git-pods' runtime needs.
INSPECT = r"""
import json, re
from importlib import metadata
from packaging.requirements import Requirement
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
dists = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
runtime, todo = set(), ["git-pods"]
while todo:
    name = todo.pop()
    if name in runtime or name not in dists:
        continue
    runtime.add(name)
    for line in metadata.requires(name) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            todo.append(norm(req.name))
print(json.dumps({"dists": dists, "runtime": sorted(runtime)}))
"""


def tools_for(python: Path, work: Path) -> dict[str, str]:
    """Name -> version of every test tool the newest `.[test]` install brings on this interpreter."""
    venv = work / "venv"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _quiet([str(python), "-m", "venv", str(venv)])
    _quiet(pip + ["--upgrade", "pip", "hatchling"])
    _quiet(pip + ["--no-build-isolation", f"{ROOT}[test]"])
    found = json.loads(_quiet([str(venv / "bin" / "python"), "-c", INSPECT]))
    runtime = set(found["runtime"])
    return {name: version for name, version in found["dists"].items() if name not in runtime}


def _quiet(command: list[str]) -> str:
    """Run a command; its output is shown only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"pins: {' '.join(command)} exited {done.returncode}")
    return done.stdout


def render(per_python: dict[str, dict[str, str]]) -> str:
    lines = [
        "# The test and lint tools `make test` installs, pinned (written by `make pins`: .ci/pins.py).",
        "# git-pods' runtime dependencies are not here: they keep lower bounds in pyproject.toml and are",
        "# tested at the newest versions the registry serves.",
        f"# Made on Python {', '.join(per_python)}.",
    ]
    pythons = list(per_python)
    for name in sorted({name for tools in per_python.values() for name in tools} - SEEDED):
        # runs of consecutive Pythons that resolve the tool to the same version
        runs: list[tuple[int, int, str | None]] = []
        for index, python in enumerate(pythons):
            version = per_python[python].get(name)
            if runs and runs[-1][2] == version:
                runs[-1] = (runs[-1][0], index, version)
            else:
                runs.append((index, index, version))
        for first, last, version in runs:
            if version is None:
                continue
            bounds = []
            if first > 0:
                bounds.append(f'python_version >= "{pythons[first]}"')
            if last < len(pythons) - 1:
                bounds.append(f'python_version < "{pythons[last + 1]}"')
            lines.append(f"{name}=={version}" + ("; " + " and ".join(bounds) if bounds else ""))
    return "\n".join(lines) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    per_python: dict[str, dict[str, str]] = {}
    for (major, minor), python in supported().items():
        print(f"pins: Python {major}.{minor} ({python})", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="git-pods-pins-") as work:
            per_python[f"{major}.{minor}"] = tools_for(python, Path(work))
    text = render(per_python)
    old = CONSTRAINTS.read_text() if CONSTRAINTS.exists() else ""
    body = [line for line in text.splitlines() if not line.startswith("#")]
    if body == [line for line in old.splitlines() if not line.startswith("#")]:
        print(f"pins: {CONSTRAINTS.relative_to(ROOT)} is up to date", file=sys.stderr)
        return 0
    if check:
        print(f"pins: the registry serves newer tools than {CONSTRAINTS.relative_to(ROOT)}:", file=sys.stderr)
        for line in sorted(set(body) - set(old.splitlines())):
            print(f"  {line}", file=sys.stderr)
        return 1
    CONSTRAINTS.write_text(text)
    print(f"pins: wrote {CONSTRAINTS.relative_to(ROOT)}; review and commit it", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
