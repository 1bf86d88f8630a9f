"""The patch bundle: where its four files live (queued, rejected, archived, loose), its models and digest."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from git_pods.record import field, record

TRACE, CHANGELOG, HANDOFF = "thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"
DIFF, FILES = "patch.diff", "files"
LOG_SCHEMAS = {TRACE: "thought-trace", CHANGELOG: "changelog", HANDOFF: "handoff-log"}
DIGESTED = (CHANGELOG, HANDOFF, DIFF, TRACE)  # sorted by name, as `sha256sum` lists them
KNOWN_IN_FOLDER = {*LOG_SCHEMAS, DIFF, FILES, "reason.yaml", ".gitkeep"}

QUEUE_DIR, REJECTED_DIR, PATCHES_DIR, LOGS_DIR = ".patches/queue", ".patches/rejected", ".patches", ".logs"

Kind = Literal["queued", "rejected", "archived", "folder"]


@record
class BundleFiles:
    """Where one bundle's parts are; any part may be missing, which the rules report."""

    kind: Kind
    folder: Path
    location_id: str | None
    diff: Path | None
    files_dir: Path | None
    logs: Mapping[str, Path]
    extra: tuple[Path, ...] = ()

    @property
    def expected_diff(self) -> Path:
        if self.kind == "archived":
            assert self.location_id is not None
            return self.folder.parent.parent / PATCHES_DIR / f"{self.location_id}.diff"
        return self.folder / DIFF


def _present(path: Path) -> bool:
    """There, as a file, folder or link (a dangling or hostile link is still reported, never skipped)."""
    return path.exists() or path.is_symlink()


def bundle_folders(folder: Path) -> list[Path]:
    """The bundle folders in a record folder (queue, rejected), sorted; links, files and hidden
    scratch folders left out."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


def is_bundle_folder(folder: Path) -> bool:
    """A folder holding any of a bundle's parts."""
    return folder.is_dir() and any(_present(folder / name) for name in (*LOG_SCHEMAS, DIFF, FILES))


def in_folder(folder: Path, kind: Kind = "folder") -> BundleFiles:
    """A bundle kept as one folder (the queue's form, or a download)."""
    present = {name: folder / name for name in LOG_SCHEMAS if _present(folder / name)}
    extra = (
        tuple(sorted(p for p in folder.iterdir() if p.name not in KNOWN_IN_FOLDER)) if folder.is_dir() else ()
    )
    return BundleFiles(
        kind=kind,
        folder=folder,
        location_id=folder.name if kind != "folder" else None,
        diff=folder / DIFF if _present(folder / DIFF) else None,
        files_dir=folder / FILES if _present(folder / FILES) else None,
        logs=MappingProxyType(present),
        extra=extra,
    )


def archived(root: Path, patch_id: str) -> BundleFiles:
    """A promoted bundle: `.patches/ID.diff` and `.logs/ID/`."""
    logs_dir = root / LOGS_DIR / patch_id
    diff = root / PATCHES_DIR / f"{patch_id}.diff"
    present = {name: logs_dir / name for name in LOG_SCHEMAS if _present(logs_dir / name)}
    extra = (
        tuple(sorted(p for p in logs_dir.iterdir() if p.name not in LOG_SCHEMAS)) if logs_dir.is_dir() else ()
    )
    return BundleFiles(
        kind="archived",
        folder=logs_dir,
        location_id=patch_id,
        diff=diff if _present(diff) else None,
        files_dir=None,
        logs=MappingProxyType(present),
        extra=extra,
    )


def sha256_file(data: bytes) -> str:
    import hashlib  # here, not at the top: OpenSSL's start-up costs the hooks 2 ms

    return "sha256:" + hashlib.sha256(data).hexdigest()


def bundle_digest(contents: Mapping[str, bytes]) -> str:
    """The Pod-Bundle digest: `sha256sum` of the four files (queue names, sorted), hashed again.

    Reproducible with coreutils in a bundle folder:
    `sha256sum changelog.yaml handoff_log.yaml patch.diff thought_trace.yaml | sha256sum`.
    A review answer's missing patch.diff and changelog.yaml count as empty files (`touch` them).
    """
    import hashlib

    listing = "".join(f"{hashlib.sha256(contents.get(name, b'')).hexdigest()}  {name}\n" for name in DIGESTED)
    return sha256_file(listing.encode("ascii"))


VERDICTS = ("approved", "changes-requested", "blocked")
VERDICT_LABELS = {"approved": "Approved", "changes-requested": "Changes requested", "blocked": "Blocked"}
REVIEW_ONLY_NEEDS = (TRACE, HANDOFF)  # what a review answer without a change must have


def verdict_of(trace: object) -> str | None:
    """The trace's review verdict (approved, changes-requested, blocked), or None: no review, or
    a malformed one (the schema reports it)."""
    review = trace.get("review") if isinstance(trace, dict) else None
    verdict = review.get("verdict") if isinstance(review, dict) else None
    return verdict if verdict in VERDICTS else None


def review_only(verdict: str | None, diff: bytes | None) -> bool:
    """A review or blocked answer that changes no code: a verdict, and no diff or an empty one."""
    return verdict is not None and (diff is None or not diff.strip())


def needed_files(verdict: str | None, diff: bytes | None) -> tuple[str, ...]:
    """The digested files a bundle must have: all four, or a review answer's trace and handoff
    when it changes nothing (its changelog is then optional)."""
    return REVIEW_ONLY_NEEDS if review_only(verdict, diff) else DIGESTED


def archived_names(files: Mapping[str, bytes]) -> tuple[str, ...]:
    """The files promote archives: a review answer's empty or missing diff is not archived."""
    names = (DIFF, TRACE, CHANGELOG, HANDOFF)
    return tuple(n for n in names if n in files and (n != DIFF or files[n].strip()))


def review_lines(trace: Any) -> list[str]:
    """A review's findings and what was run, one line each (for messages and prompts; the verdict
    is verdict_of's)."""
    if verdict_of(trace) is None:
        return []
    review = trace["review"]
    lines = []
    for item in _items(review.get("findings")):
        if isinstance(item, dict):
            where = ":".join(str(item[k]) for k in ("file", "line") if item.get(k))
            severity = f"[{item['severity']}] " if item.get("severity") else ""
            text = f"{severity}{_flat(str(item.get('finding', '')))}" + (f" ({where})" if where else "")
        else:
            text = _flat(str(item))
        lines.append(f"- finding: {text}")
    for item in _items(review.get("ran")):
        if isinstance(item, dict):
            details = f" ({_flat(str(item['details']))})" if item.get("details") else ""
            text = f"{_flat(str(item.get('command', '')))}: {item.get('result', '?')}{details}"
        else:
            text = _flat(str(item))
        lines.append(f"- ran: {text}")
    return lines


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _flat(text: str) -> str:
    return " ".join(text.split())


@record
class Handoff:
    """One handoff of a handoff log."""

    from_pod: str
    to_pod: str
    reason: str
    index: int
    related_patch: str | None = None
    task_id: str | None = None
    digests: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def handoffs(data: Any) -> tuple[Handoff, ...]:
    """The handoffs in handoff-log data (a single mapping is a one-entry list).

    Entries missing from, to or reason, or holding the wrong types, are left out: the schema
    check reports them.
    """
    entries = data if isinstance(data, list) else [data]
    out = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        fields = [entry.get(k) for k in ("from", "to", "reason")]
        texts = [f for f in fields if isinstance(f, str)]
        if len(texts) != len(fields):
            continue
        related, task = entry.get("related_patch"), entry.get("task_id")
        digests = entry.get("digests")
        out.append(
            Handoff(
                from_pod=texts[0],
                to_pod=texts[1],
                reason=texts[2],
                index=index,
                related_patch=related if isinstance(related, str) else None,
                task_id=task if isinstance(task, str) else None,
                digests=MappingProxyType(
                    {k: v for k, v in (digests or {}).items() if isinstance(v, str)}
                    if isinstance(digests, dict)
                    else {}
                ),
            )
        )
    return tuple(out)
