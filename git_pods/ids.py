"""The contract's id grammars (patch, task, pod) and path globs, checked exactly."""

from __future__ import annotations

import re
from functools import cache

PATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
TASK_ID = re.compile(r"(?=.{1,64}\Z)[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
POD_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def is_patch_id(text: str) -> bool:
    return PATCH_ID.fullmatch(text) is not None


def is_task_id(text: str) -> bool:
    return TASK_ID.fullmatch(text) is not None


def is_pod_id(text: str) -> bool:
    return POD_ID.fullmatch(text) is not None


def patch_id_of(related: str) -> str:
    """`patch_1.diff` and `patch_1` both name the patch `patch_1`."""
    return related[: -len(".diff")] if related.endswith(".diff") else related


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    """Match a repository path against a glob: `*` stays in a folder, `**` crosses folders.

    A pattern ending in `/` matches everything below that folder.
    """
    if pattern.endswith("/"):
        pattern += "**"
    return _glob_regex(pattern).match(path) is not None
