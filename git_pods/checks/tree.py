"""The whole record in a work tree: task ledgers, the queue, the archive, orphans and id collisions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from git_pods import ids
from git_pods.bundle import (
    LOG_SCHEMAS,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    REJECTED_DIR,
    archived,
    in_folder,
)
from git_pods.checks.artifact import check_file
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.rules import violation
from git_pods.config import Config
from git_pods.record import record
from git_pods.violation import Violation

Show = Callable[[Path], str]
TASKS_DIR = ".pods/tasks"


@record
class TreeResult:
    """What a walk found: the problems and how many items (bundles, ledgers) it checked."""

    violations: list[Violation]
    items: int


def _under(path: Path, scope: Path | None) -> bool:
    return scope is None or path == scope or scope in path.parents


def check_tree(root: Path, config: Config, show: Show, scope: Path | None = None) -> TreeResult:
    """Check every pod artifact below root; with scope, only items inside that folder."""
    out: list[Violation] = _layout_folders(root, show)
    items = 0
    for ledger in _ledgers(root):
        if _under(ledger, scope):
            items += 1
            out.extend(check_ledger(ledger, config, show))
    queue_ids: dict[str, Path] = {}
    for entry in _entries(root / QUEUE_DIR):
        if entry.name.startswith((".trash-", ".intake-")) or entry.name in (".gitkeep", "series"):
            continue
        if not _under(entry, scope):
            continue
        if entry.is_symlink():
            out.append(_link(entry, show))
        elif entry.is_dir():
            items += 1
            queue_ids[entry.name] = entry
            if not ids.is_patch_id(entry.name):
                out.append(
                    violation(
                        "GP208", f"queue folder {entry.name!r} is not a valid patch id", file=show(entry)
                    )
                )
            out.extend(check_bundle(in_folder(entry, "queued"), config, show))
        else:
            out.append(violation("GP213", f"loose file {entry.name} in the queue", file=show(entry)))
    archive_ids = _archive_ids(root)
    for patch_id in sorted(archive_ids):
        bundle = archived(root, patch_id)
        if not _under(bundle.folder, scope) and not _under(bundle.expected_diff, scope):
            continue
        items += 1
        if bundle.folder.is_symlink():
            out.append(_link(bundle.folder, show))
            continue
        if not bundle.folder.is_dir():
            out.append(
                violation(
                    "GP209",
                    f"diff without its logs folder .logs/{patch_id}/",
                    file=show(bundle.expected_diff),
                )
            )
            continue
        out.extend(check_bundle(bundle, config, show))
    out.extend(_layout_problems(root, show, scope))
    out.extend(_collisions(queue_ids, archive_ids, root, show))
    return TreeResult(out, items)


def check_ledger(path: Path, config: Config, show: Show) -> list[Violation]:
    """A task ledger: valid task-packet, named after its task, assigned to a known pod."""
    result = check_file(path, show(path), "task-packet", config.yaml_max_bytes)
    out = list(result.violations)
    if result.valid and result.doc is not None:
        task = result.doc.data["task_id"]
        if path.stem != task:
            out.append(
                violation(
                    "GP700",
                    f"ledger {path.name} holds task {task!r}",
                    file=show(path),
                    line=result.doc.line_of(("task_id",)),
                    path="$.task_id",
                    hint=f"rename the file to {task}.yaml, or set task_id: {path.stem}",
                )
            )
        pod = result.doc.data["pod"]
        if pod not in config.pods:
            out.append(
                violation(
                    "GP205",
                    f"unknown pod {pod!r}",
                    file=show(path),
                    line=result.doc.line_of(("pod",)),
                    path="$.pod",
                    hint=f"known pods: {', '.join(config.pods)} (from {config.source})",
                )
            )
    return out


def _entries(folder: Path) -> Iterator[Path]:
    """A real folder's entries; a linked folder is reported by _layout_folders, never followed."""
    if folder.is_dir() and not folder.is_symlink():
        yield from sorted(folder.iterdir())


def _link(path: Path, show: Show) -> Violation:
    return violation(
        "GP118",
        "a symbolic link where git-pods keeps real files and folders",
        file=show(path),
        hint="replace the link with the folder or file itself",
    )


def _layout_folders(root: Path, show: Show) -> list[Violation]:
    """The record's own folders must be real folders: a file or link there hides everything inside."""
    out = []
    for name in (".pods", TASKS_DIR, PATCHES_DIR, QUEUE_DIR, REJECTED_DIR, LOGS_DIR):
        path = root / name
        if path.is_symlink():
            out.append(_link(path, show))
        elif path.exists() and not path.is_dir():
            out.append(
                violation(
                    "GP118",
                    f"{name} is a file; git-pods keeps a folder here",
                    file=show(path),
                    hint=f"move the file away; {name}/ holds pod artifacts",
                )
            )
    return out


def _ledgers(root: Path) -> Iterator[Path]:
    for path in _entries(root / TASKS_DIR):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            yield path


def _archive_ids(root: Path) -> set[str]:
    found = {p.stem for p in _entries(root / PATCHES_DIR) if p.suffix == ".diff" and p.is_file()}
    found |= {p.name for p in _entries(root / LOGS_DIR) if p.is_dir() or p.is_symlink()}
    return found


def _layout_problems(root: Path, show: Show, scope: Path | None) -> list[Violation]:
    out = []
    for path in _entries(root / LOGS_DIR):
        if path.is_file() and _under(path, scope):
            rule = "GP214" if path.name in LOG_SCHEMAS else "GP211"
            message = (
                "a log file outside any patch folder"
                if rule == "GP214"
                else f"unexpected {path.name} in .logs/"
            )
            out.append(violation(rule, message, file=show(path)))
    known = {root / QUEUE_DIR, root / REJECTED_DIR}
    for path in _entries(root / PATCHES_DIR):
        if path in known or (path.suffix == ".diff" and path.is_file()) or not _under(path, scope):
            continue
        if path.name == ".gitkeep":
            continue
        out.append(violation("GP211", f"unexpected {path.name} in .patches/", file=show(path)))
    return out


def _collisions(
    queue_ids: dict[str, Path],
    archive_ids: set[str],
    root: Path,
    show: Show,
) -> list[Violation]:
    out = []
    seen: dict[str, str] = {}
    for patch_id in sorted(set(queue_ids) | archive_ids):
        folded = patch_id.casefold()
        if folded in seen and seen[folded] != patch_id:
            where = queue_ids.get(patch_id, root / PATCHES_DIR / f"{patch_id}.diff")
            out.append(
                violation(
                    "GP208",
                    f"patch id {patch_id!r} differs from {seen[folded]!r} only in case",
                    file=show(where),
                )
            )
        seen.setdefault(folded, patch_id)
    for patch_id in sorted(set(queue_ids) & archive_ids):
        out.append(
            violation("GP212", f"queued {patch_id} is already promoted", file=show(queue_ids[patch_id]))
        )
    return out
