"""Diff safety and path policy (GP3xx) that can be judged from the diff text alone."""

from __future__ import annotations

import hashlib
import posixpath

from git_pods.checks.rules import violation
from git_pods.config import Config, PodSpec
from git_pods.diffscan import DiffSyntaxError, FileChange, binary_content, scan
from git_pods.ids import glob_match
from git_pods.secrets import find as find_secrets
from git_pods.secrets import secret_name
from git_pods.violation import Violation

ARCHIVE_PREFIXES = (".patches/", ".logs/")
GITLINK = "160000"


def in_archive(path: str) -> bool:
    """.patches or .logs, or under them: only promote writes there (in any case: macOS, Windows)."""
    lowered = path.lower().rstrip("/")
    return lowered in (".patches", ".logs") or lowered.startswith(ARCHIVE_PREFIXES)


def unsafe_reason(path: str) -> str | None:
    """Why a path written by a diff could land outside the work tree, or None when it cannot."""
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return "is absolute"
    for part in path.split("/"):
        lowered = part.lower().rstrip(". ")
        if part == "..":
            return "climbs out with '..'"
        if lowered == ".git" or lowered.startswith("git~"):
            return "is inside .git"
    return None


def denied(path: str, config: Config, pod: PodSpec | None) -> list[tuple[str, str]]:
    """(rule, message) for a path no change may write: outside the tree, the archive, policy files,
    submodules. pod=None means no pod's may_touch_policy applies."""
    reason = unsafe_reason(path)
    if reason:
        return [("GP301", f"path {path!r} {reason}")]
    out = []
    if in_archive(path):
        out.append(("GP302", f"the change writes {path}, inside git-pods' archive"))
    elif config.is_protected(path) and (pod is None or not pod.may_touch_policy):
        out.append(
            (
                "GP303",
                f"pod '{pod.id}' may not change the protected policy file {path}"
                if pod
                else f"the change writes the protected policy file {path}",
            )
        )
    if posixpath.basename(path.lower()) == ".gitmodules":
        out.append(("GP305", f"the change writes {path}"))
    return out


def path_rules(path: str, config: Config, pod: PodSpec | None, *, allow_list: bool) -> list[tuple[str, str]]:
    """The deny rules, then (for paths git will write) the pod's allow-list; each path reported once."""
    found = denied(path, config, pod)
    if found or not allow_list or pod is None or any(glob_match(g, path) for g in pod.paths):
        return found
    return [("GP303", f"pod '{pod.id}' may not change {path}")]


def check_diff(
    raw: bytes,
    shown: str,
    config: Config,
    pod: PodSpec | None = None,
    recount: bool = False,
) -> list[Violation]:
    """Every safety and policy problem in a diff; with pod=None no pod's allow-list applies, but
    protected policy files are still refused. recount reads hunks by their lines (--recount)."""
    if not raw.strip():
        return [violation("GP300", "the diff is empty", file=shown)]
    text = raw.decode("utf-8", "surrogateescape")
    try:
        changes = scan(text, recount)
    except DiffSyntaxError as exc:
        rule = "GP308" if exc.crlf else "GP310" if exc.counts else "GP300"
        return [violation(rule, exc.message, file=shown, line=exc.line)]
    out: list[Violation] = []
    for change in changes:
        out.extend(_check_change(change, shown, config, pod))
        out.extend(_binary_secrets(change, shown))
    headers = {c.plus_line for c in changes if c.plus_line is not None}
    out.extend(secrets_in(text, shown, added_only=True, headers=headers))
    return out


def secrets_in(
    text: str, shown: str, added_only: bool = False, headers: set[int] | None = None
) -> list[Violation]:
    """GP309 for each likely secret in text (a diff's added lines, or a whole log); headers are
    the lines of '+++ ' file headers, which are not added lines."""
    return [
        violation("GP309", f"this line holds what looks like {found.kind}", file=shown, line=found.line)
        for found in find_secrets(text, added_only, headers or set())
    ]


def _literal_mismatch(change: FileChange) -> str | None:
    """Why a binary literal's bytes are not the blob its index line names (git applies that blob
    instead of the data whenever the object store has it, so the two must agree), or None."""
    if not change.binary_kinds or change.binary_kinds[0] != "literal" or change.index_new is None:
        return None
    algorithm = {40: "sha1", 64: "sha256"}.get(len(change.index_new))
    _line, size, data = change.binary_blocks[0]
    if algorithm is None or size > 64 << 20 or set(change.index_new) <= {"0"}:
        return None
    content = binary_content(size, data)
    if content is None or len(content) != size:
        return f"the binary data for {change.target or change.git_old} does not decode to its {size} bytes"
    actual = hashlib.new(algorithm, b"blob %d\0" % len(content) + content).hexdigest()
    if actual == change.index_new:
        return None
    return (
        f"the binary data for {change.target or change.git_old} is blob {actual[:12]}, "
        f"but its index line names {change.index_new[:12]}"
    )


def _binary_secrets(change: FileChange, shown: str) -> list[Violation]:
    """Secrets inside a `GIT binary patch`: literal content, and the bytes a delta inserts."""
    for line, size, data in change.binary_blocks:
        content = binary_content(size, data)
        if content is None:
            continue
        found = next(iter(find_secrets(content.decode("latin-1"))), None)
        if found is not None:
            name = change.target or change.git_old
            return [
                violation(
                    "GP309",
                    f"the binary data for {name} holds what looks like {found.kind}",
                    file=shown,
                    line=line,
                )
            ]
    return []


def _check_change(
    change: FileChange,
    shown: str,
    config: Config,
    pod: PodSpec | None,
) -> list[Violation]:
    def at(rule: str, message: str, hint: str | None = None) -> Violation:
        return violation(rule, message, hint=hint, file=shown, line=change.line)

    applied = set(change.paths)  # every spelling is denied; only what git writes meets the allow-list
    first: dict[str, str] = {}  # one report per rule and file: its spellings say the same thing
    for path in change.all_names:
        for rule, message in path_rules(path, config, pod, allow_list=path in applied):
            first.setdefault(rule, message)
    out = [at(rule, message) for rule, message in first.items()]
    if change.git_old is not None and change.minus is not None and change.minus != change.git_old:
        out.append(at("GP306", f"'--- {change.minus}' differs from the header's a/{change.git_old}"))
    if change.git_new is not None and change.plus is not None and change.plus != change.git_new:
        out.append(at("GP306", f"'+++ {change.plus}' differs from the header's b/{change.git_new}"))
    target = change.target
    if target is not None and secret_name(target):
        out.append(at("GP309", f"the change adds or edits {target}, a file that usually holds secrets"))
    if GITLINK in change.modes:
        out.append(at("GP305", f"{change.target or change.git_old} is a submodule (mode 160000)"))
    if change.binary and not change.binary_data:
        out.append(at("GP307", f"binary change to {change.target or change.git_old} has no data"))
    mismatch = _literal_mismatch(change)
    if mismatch:
        out.append(at("GP311", mismatch))
    if change.is_symlink and change.added and change.target:
        link = "\n".join(change.added)
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(change.target), link))
        if link.startswith("/") or resolved.startswith("..") or unsafe_reason(resolved):
            out.append(at("GP304", f"symlink {change.target} points to {link!r}, outside the repository"))
    return out
