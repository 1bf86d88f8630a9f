"""Test helpers: the smallest bundle, bundles written to disk, and the installed executables."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

from git_pods.commands import validate
from git_pods.commands.output import Output

BIN = Path(sys.executable).parent
PATCH_ID = "patch_20250419_123456"

TRACE = """\
patch_id: {patch_id}
pod: dev-pod
task_id: F2.1
summary: Parse symptom lists before staging return-to-play
steps:
  - Read the parser and its callers
  - Added a tokenizer; kept the public function's signature
"""
CHANGELOG = """\
patch_id: {patch_id}
pod: dev-pod
task_id: F2.1
entries:
  - type: added
    description: Symptom parser accepts comma- and newline-separated lists
"""
HANDOFF = """\
from: dev-pod
to: qa-pod
reason: Parser done, needs edge-case tests
related_patch: {patch_id}.diff
"""
DIFF = """\
diff --git a/src/parser.py b/src/parser.py
new file mode 100644
--- /dev/null
+++ b/src/parser.py
@@ -0,0 +1,2 @@
+def parse(text):
+    return [t.strip() for t in text.split(",") if t.strip()]
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def write_bundle(folder: Path, patch_id: str = PATCH_ID, **files: str | bytes | None) -> Path:
    """The smallest valid bundle in folder; keyword arguments replace (or with None, drop) a file."""
    folder.mkdir(parents=True, exist_ok=True)
    contents: dict[str, str | bytes | None] = {
        "thought_trace.yaml": TRACE.format(patch_id=patch_id),
        "changelog.yaml": CHANGELOG.format(patch_id=patch_id),
        "handoff_log.yaml": HANDOFF.format(patch_id=patch_id),
        "patch.diff": DIFF,
    }
    contents.update({name.replace("__", "."): value for name, value in files.items()})
    for name, value in contents.items():
        if value is None:
            continue
        path = folder / name
        if isinstance(value, bytes):
            path.write_bytes(value)
        else:
            path.write_text(value, encoding="utf-8")
    return folder


def queue(repo: Path, patch_id: str = PATCH_ID, **files: str | bytes | None) -> Path:
    return write_bundle(repo / ".patches" / "queue" / patch_id, patch_id, **files)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_validate(cwd: Path, *paths: str, schema: str | None = None, stdin: bytes = b"") -> Result:
    """commands.validate.run called as a function, output captured."""
    out, err = io.StringIO(), io.StringIO()
    options = validate.ValidateOptions(paths=paths, schema=schema)
    code = validate.run(
        options, cwd, Output(out, err, json_mode=False, command="validate"), io.BytesIO(stdin)
    )
    return Result(code, out.getvalue(), err.getvalue())


def cli(cwd: Path, *args: str, stdin: bytes | None = None, via_git: bool = False) -> Result:
    """The installed executable, as a user runs it (`git pod-x` when via_git)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    if via_git:
        verb, rest = args[0], args[1:]
        argv = ["git", f"pod-{verb}", *rest]
    else:
        argv = [str(BIN / f"git-pod-{args[0]}"), *args[1:]]
    done = subprocess.run(argv, cwd=cwd, input=stdin or b"", capture_output=True, env=env, check=False)
    return Result(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def rules_of(result: Result) -> list[str]:
    """The rule ids in text output (`file:line: GPnnn ...`)."""
    found = []
    for line in result.out.splitlines():
        if ": GP" in line and not line.startswith(" "):
            found.append(line.split(": ", 1)[1].split(" ", 1)[0])
    return found


def crash_validate(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run git-pod-validate's shell in repo with a simulated bug in the command: (exit code, stderr)."""
    from git_pods.cli import _shell
    from git_pods.cli import validate as validate_cli
    from git_pods.commands import validate as validate_command

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(validate_command, "run", boom)
    monkeypatch.chdir(repo)
    try:
        _shell.main(validate_cli.app, "validate", [])
    except SystemExit as exited:
        return int(exited.code or 0), capsys.readouterr().err
    raise AssertionError("the shell did not exit")


def crash_log_of(err: str) -> Path:
    return Path(err.split("crash log: ", 1)[1].split("\n", 1)[0])
