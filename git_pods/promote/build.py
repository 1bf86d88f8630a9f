"""Commits' trees built in a temporary index (`git apply --cached`, `write-tree`): the user's index
and working tree are never touched, and each bundle costs two git processes."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    HANDOFF,
    LOGS_DIR,
    PATCHES_DIR,
    TRACE,
    VERDICT_LABELS,
    review_lines,
    verdict_of,
)
from git_pods.diffscan import DiffSyntaxError, FileChange, scan
from git_pods.errors import GitFailed
from git_pods.gitio.runner import Git
from git_pods.record import record

# git refuses .git disguises on HFS+ and NTFS only when asked; a user's apply.whitespace=error
# must not make a bundle fail; quotePath off keeps non-ASCII names as they are.
_SAFE = ["-c", "core.protectHFS=true", "-c", "core.protectNTFS=true", "-c", "core.quotePath=false"]
APPLY = [*_SAFE, "apply", "--cached", "--whitespace=nowarn"]
_FAILED_AT = re.compile(r"^error: patch failed: (.+):(\d+)$")
_SEARCHING = "error: while searching for:\n"


@record
class Applied:
    """A bundle's change in the temporary index: the tree it made and its size."""

    tree: str
    added: int
    deleted: int
    files: int


@record
class NotApplied:
    """Why a diff does not apply: git's own words, and the file and hunk it stopped at."""

    message: str
    file: str | None = None
    hunk: int | None = None
    line: int | None = None  # the hunk's line in patch.diff
    expected: str | None = None  # the context git searched for


ARCHIVED = (DIFF, TRACE, CHANGELOG, HANDOFF)


def archive_paths(patch_id: str, names: Sequence[str] = ARCHIVED) -> dict[str, str]:
    """Where promote commits a bundle's files: the diff in .patches/, the logs in .logs/<ID>/
    (names: the files there are, e.g. a review answer's trace and handoff alone)."""
    where = {
        DIFF: f"{PATCHES_DIR}/{patch_id}.diff",
        TRACE: f"{LOGS_DIR}/{patch_id}/{TRACE}",
        CHANGELOG: f"{LOGS_DIR}/{patch_id}/{CHANGELOG}",
        HANDOFF: f"{LOGS_DIR}/{patch_id}/{HANDOFF}",
    }
    return {name: where[name] for name in names}


def new_file_patch(path: str, data: bytes) -> bytes:
    """A new-file hunk that creates path with exactly data (so the archive rides in the same
    `git apply` as the code: no extra process per bundle)."""
    head = f"diff --git a/{path} b/{path}\nnew file mode 100644\n".encode()
    if not data:
        return head
    lines = data.split(b"\n")
    ends_in_newline = lines[-1] == b""
    if ends_in_newline:
        lines.pop()
    body = b"".join(b"+" + line + b"\n" for line in lines)
    tail = b"" if ends_in_newline else b"\\ No newline at end of file\n"
    return head + f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n".encode() + body + tail


class TempIndex:
    """One target branch's scratch index; objects go to a private store when `objects` is given
    (--dry-run), so nothing at all is written to the repository."""

    def __init__(self, git: Git, index: Path, objects: Path | None = None, store: Path | None = None) -> None:
        self.git = git
        self.env = {"GIT_INDEX_FILE": str(index)}
        if objects is not None and store is not None:
            objects.mkdir(parents=True, exist_ok=True)
            self.env["GIT_OBJECT_DIRECTORY"] = str(objects)
            self.env["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = str(store)

    @property
    def objects_env(self) -> dict[str, str]:
        """The object store settings alone (for git reading these trees with the real index)."""
        return {k: v for k, v in self.env.items() if k != "GIT_INDEX_FILE"}

    def read(self, tree: str | None) -> None:
        self.git.run(["read-tree", tree] if tree else ["read-tree", "--empty"], env=self.env)

    def apply(self, patch: bytes, options: Sequence[str]) -> dict[str, tuple[int, int]] | str:
        """Apply to the index: lines added and deleted per path written (git's numstat; a rename
        under its new name), or git's error text.

        git apply is all-or-nothing: a failure leaves the index as it was (a failed --3way
        leaves conflict stages, which the caller clears by reading the last tree back)."""
        args = [*APPLY, *options, "--numstat", "-z", "--apply"]
        done = self.git.run(args, input=patch, env=self.env, check=False)
        if done.returncode != 0:
            return done.stderr.decode("utf-8", "replace")
        sizes: dict[str, tuple[int, int]] = {}
        for record_ in done.stdout.split(b"\0"):
            parts = record_.split(b"\t", 2)
            if len(parts) == 3:
                number = [int(p) if p.isdigit() else 0 for p in parts[:2]]  # "-" for binary
                sizes[parts[2].decode("utf-8", "surrogateescape")] = (number[0], number[1])
        return sizes

    def check(self, patch: bytes, options: Sequence[str]) -> str:
        """`git apply --check -v`: what a failing diff expected (only run after a failure)."""
        args = [*APPLY, *[o for o in options if o != "--3way"], "--check", "-v"]
        return self.git.run(args, input=patch, env=self.env, check=False).stderr.decode("utf-8", "replace")

    def write_tree(self) -> str:
        return self.git.run(["write-tree"], env=self.env).stdout.decode().strip()


def sizes_of(sizes: Mapping[str, tuple[int, int]], paths: set[str] | None = None) -> tuple[int, int, int]:
    """(added, deleted, files) over the paths given (all when None), the archive left out."""
    added = deleted = files = 0
    for path, (plus, minus) in sizes.items():
        if path.startswith((f"{PATCHES_DIR}/", f"{LOGS_DIR}/")) or (paths is not None and path not in paths):
            continue
        files += 1
        added += plus
        deleted += minus
    return added, deleted, files


def diagnose(first_error: str, verbose: str, diff: bytes) -> NotApplied:
    """Turn git apply's stderr into the file, hunk and expected context a person can act on."""
    text = verbose or first_error
    lines = [line for line in text.splitlines() if line.startswith("error: ")]
    failed = next((m for m in map(_FAILED_AT.match, lines) if m), None)
    expected = None
    if _SEARCHING in text:
        expected = text.split(_SEARCHING, 1)[1].split("\nerror: ", 1)[0].rstrip("\n")
    shown = [line[len("error: ") :] for line in lines if not line.startswith("error: while searching")]
    message = "; ".join(dict.fromkeys(shown[:4])) or first_error.strip() or "git apply failed"
    if failed is None:
        named = re.match(
            r"error: (.+?): (?:already exists|does not exist|does not match)", lines[0] if lines else ""
        )
        return NotApplied(message, file=named.group(1) if named else None)
    path, at = failed.group(1), int(failed.group(2))
    hunk, line = _hunk_of(diff, path, at)
    return NotApplied(message, file=path, hunk=hunk, line=line, expected=expected)


def _hunk_of(diff: bytes, path: str, old_line: int) -> tuple[int | None, int | None]:
    """Which hunk (1-based, within its file) starts at old_line, and its line in the diff."""
    try:
        changes = scan(diff.decode("utf-8", "surrogateescape"), recount=True)
    except DiffSyntaxError:
        return None, None
    for change in changes:
        if path not in (change.git_old, change.git_new, change.minus, change.plus):
            continue
        for number, start in enumerate(change.hunk_starts, 1):
            if start == old_line or (start == 0 and old_line == 1):
                return number, _hunk_line(diff, change, number)
    return None, None


def _hunk_line(diff: bytes, change: FileChange, number: int) -> int | None:
    """The line in the diff where this file's hunk number `number` begins."""
    seen = 0
    for index, line in enumerate(diff.split(b"\n")[change.line - 1 :], change.line):
        if line.startswith(b"@@"):
            seen += 1
            if seen == number:
                return index
    return None


@record
class TreeChange:
    """One path a bundle's tree changed, as git's own diff of the trees reports it."""

    mode: str  # the new mode ("000000" for a deletion)
    sha: str
    path: str


def tree_changes(
    git: Git, pairs: Sequence[tuple[str, str]], env: Mapping[str, str] | None = None
) -> list[list[TreeChange]]:
    """What each (old tree, new tree) pair changes, in one `git diff-tree --stdin` (env: the
    object store the trees are in). git says "Could not read" and exits 0 for a tree it cannot
    find: that is an error here, never an empty change."""
    if not pairs:
        return []
    request = "".join(f"{old} {new}\n" for old, new in pairs).encode()
    args = ["diff-tree", "--stdin", "-r", "-z", "--raw", "--no-renames"]
    done = git.run(args, input=request, env=env)
    if done.stderr.strip():
        raise GitFailed(["git", *args], done.returncode, done.stderr.decode("utf-8", "replace"))
    raw = done.stdout
    out: list[list[TreeChange]] = []
    at = 0
    while at < len(raw):
        if raw[at : at + 1] != b":":  # "<old> <new>\n" opens each pair's section
            end = raw.index(b"\n", at)
            out.append([])
            at = end + 1
            continue
        meta_end = raw.index(b"\0", at)
        path_end = raw.index(b"\0", meta_end + 1)
        fields = raw[at + 1 : meta_end].decode("ascii").split(" ")
        path = raw[meta_end + 1 : path_end].decode("utf-8", "surrogateescape")
        if not out:  # pragma: no cover - git always writes the pair line first
            raise GitFailed(["git", "diff-tree", "--stdin"], 0, "unexpected output")
        out[-1].append(TreeChange(fields[1], fields[3], path))
        at = path_end + 1
    while len(out) < len(pairs):  # git writes nothing for a pair whose trees are equal
        out.append([])
    return out


def commit_message(
    changelog: Mapping[str, Any], trace: Mapping[str, Any], trailers: Sequence[str], review_only: bool = False
) -> bytes:
    """Subject from the changelog's title, else the trace's one-line summary, else the first
    changelog entry; body from the changelog (body, entries) and a review's verdict and findings;
    then the contract trailers. A review answer that changes nothing opens with its verdict."""
    entries = [e for e in changelog.get("entries") or [] if isinstance(e, dict)]
    described = [
        f"{e.get('type', 'changed')}: {_one_line(str(e.get('description', '')))}"
        + (" (breaking)" if e.get("breaking") else "")
        for e in entries
    ]
    title = changelog.get("title")
    summary = _one_line(str(trace.get("summary") or ""))
    if isinstance(title, str) and title.strip():
        subject = _one_line(title)
    elif summary:
        subject = summary
    else:
        subject = _one_line(str(entries[0].get("description", ""))) if entries else ""
    verdict = verdict_of(trace)
    if review_only and verdict is not None:
        label = VERDICT_LABELS[verdict]
        if not subject:
            subject = f"Review: {verdict}"
        elif not subject.casefold().startswith(label.casefold()):  # "Blocked: ..." says it already
            subject = f"{label}: {subject}"
    clipped = _clip(subject or "Promote a pod bundle")
    parts = [clipped]
    if clipped != (subject or clipped):
        parts.append(subject)  # the whole line, which the subject had to cut
    body = changelog.get("body")
    if isinstance(body, str) and body.strip():
        parts.append(body.strip())
    only = _one_line(str(entries[0].get("description", ""))) if len(entries) == 1 else None
    said = only == clipped and not entries[0].get("breaking")  # the subject is the one entry
    if entries and not said:
        parts.append("\n".join(f"- {line}" for line in described))
    if verdict is not None:
        parts.append("\n".join([f"Verdict: {verdict}", *review_lines(trace)]))
    if any("\n" in line or "\r" in line for line in trailers):  # checked before (GP225): never forge
        raise ValueError("a trailer spans lines")
    parts.append("\n".join(trailers))
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(subject: str, limit: int = 72) -> str:
    """At most limit characters, cut after the last whole word that fits (a single word longer
    than that is cut at the limit)."""
    if len(subject) <= limit:
        return subject
    cut = subject[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut if cut and len(cut) <= limit else subject[:limit]


def scratch_index(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"index-{name}-{os.getpid()}"
