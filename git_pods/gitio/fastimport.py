"""`git fast-import`: writing commits, trees and notes in one process, and reading back the ids of
what it wrote (its marks)."""

from __future__ import annotations

from pathlib import Path

from git_pods.gitio.runner import Git


def data(payload: bytes) -> bytes:
    """A `data` command carrying payload exactly (its length first, so any bytes are safe)."""
    return b"data %d\n" % len(payload) + payload + b"\n"


def run(git: Git, stream: bytes, marks_file: Path) -> dict[int, str]:
    """Run one stream (ended here with `done`); the object id of every mark it set.

    unpackLimit 0 keeps the pack fast-import wrote instead of starting unpack-objects on it."""
    args = [
        "-c",
        "fastimport.unpackLimit=0",
        "fast-import",
        "--quiet",
        "--done",
        f"--export-marks={marks_file}",
    ]
    git.run(args, input=stream + b"done\n")
    found: dict[int, str] = {}
    for line in marks_file.read_text("ascii").splitlines():
        name, _, sha = line.partition(" ")
        found[int(name[1:])] = sha
    return found
