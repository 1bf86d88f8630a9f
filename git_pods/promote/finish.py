"""After the refs moved: the journal that lets a killed promote finish, the checked-out branch's
working tree brought up, bundles leaving the queue (dequeued or moved to rejected/)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from git_pods import yamlsafe
from git_pods.bundle import QUEUE_DIR, REJECTED_DIR
from git_pods.errors import RepoStateError
from git_pods.fsio import remove_tree, write_atomic
from git_pods.gitio.locks import check_git_locks
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.gitio.staged import EMPTY_TREE
from git_pods.promote.plan import read_candidate

JOURNAL = "pods/promote-journal.json"


def write_journal(common: Path, entry: Mapping[str, Any]) -> Path:
    """What the transaction is about to publish, durably, before the refs move."""
    path = common / JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(entry, indent=1, ensure_ascii=True).encode("ascii")  # names may hold any bytes
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(fresh, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(fresh, path)
    return path


def read_journal(common: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((common / JOURNAL).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: written half by a disk that lied; treated as "not published"
    return data if isinstance(data, dict) else {}


def clear_journal(common: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(common / JOURNAL)


def published(git: Git, entry: Mapping[str, Any]) -> bool:
    """Whether the journal's transaction happened: its refs hold what it was to write (a journal
    that moves no ref, only rejections in a repository without commits, counts as published)."""
    refs = [(t["ref"], t["new"]) for t in entry.get("targets", [])]
    if entry.get("notes_new"):
        refs.append((entry["notes_ref"], entry["notes_new"]))
    if not refs:
        return True
    ref, new = refs[0]
    return _holds(git, ref, new)


def _holds(git: Git, ref: str, new: str) -> bool:
    """Whether ref is at new, or at a commit built on it."""
    now = read_objects(git, [ref]).get(ref)
    if now is None:
        return False
    if now.sha == new:
        return True
    return git.run(["merge-base", "--is-ancestor", new, now.sha], check=False).returncode == 0


def bring_up(git: Git, old: str, new: str) -> str | None:
    """Update the checked-out branch's index and working tree from old to new (a two-tree
    merge that keeps local changes git can keep); the problem when it cannot."""
    done = git.run(["read-tree", "-m", "-u", old, new], check=False)
    if done.returncode == 0:
        return None
    return done.stderr.decode("utf-8", "replace").strip()


def can_bring_up(git: Git, old: str, new: str, env: Mapping[str, str] | None = None) -> str | None:
    """Whether bring_up would succeed (untracked files in the way, say), without doing it."""
    done = git.run(["read-tree", "-m", "-u", "-n", old, new], check=False, env=env)
    return None if done.returncode == 0 else done.stderr.decode("utf-8", "replace").strip()


def dequeue(folder: Path, digest: str | None) -> bool:
    """Remove a promoted bundle from the queue: renamed aside in one step, then deleted.

    With a digest, only a folder still holding exactly that bundle is removed (an id reused
    for a different bundle stays queued, and promote judges it)."""
    if not folder.is_dir() or folder.is_symlink():
        return True  # gone already (a tracked copy removed when the branch was brought up)
    if digest is not None and read_candidate(folder).digest != digest:
        return False
    trash = _free(folder.with_name(f".trash-{folder.name}"))
    moved(folder, trash)
    remove_tree(trash)
    return True


def clean_trash(root: Path, common: Path) -> None:
    """Finish deleting folders a killed run renamed aside, and its half-written journal."""
    for stale in (common / JOURNAL).parent.glob(f".{Path(JOURNAL).name}.*.tmp"):
        stale.unlink(missing_ok=True)
    queue = root / QUEUE_DIR
    if queue.is_dir() and not queue.is_symlink():
        for stale in queue.glob(".trash-*"):
            remove_tree(stale)  # real folders only: a link or file of that name is left alone


def reject(root: Path, patch_id: str, reason: Mapping[str, Any], digest: str | None = None) -> Path | None:
    """Move a refused bundle to .patches/rejected/<ID>/ with reason.yaml; an earlier rejection
    of the same id is kept as <ID>.1, <ID>.2... (ids never hold dots). None when it is gone,
    or (with a digest) when the folder now holds a different bundle."""
    folder = root / QUEUE_DIR / patch_id
    if not folder.is_dir() or folder.is_symlink():
        return None
    if digest is not None and read_candidate(folder).digest != digest:
        return None
    reason_file = folder / "reason.yaml"
    if reason_file.is_dir() and not reason_file.is_symlink():  # the pod's own folder of that name: kept
        moved(reason_file, _free(folder / "reason.yaml.from-bundle"))
    try:
        write_atomic(reason_file, _reason_text(reason))
        rejected = root / REJECTED_DIR
        rejected.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _in_the_way(reason_file, exc) from None
    target = rejected / patch_id
    if target.exists() or target.is_symlink():
        moved(target, _free(rejected / f"{patch_id}.1", numbered=True))
    moved(folder, target)
    return target


def _free(path: Path, numbered: bool = False) -> Path:
    """path, or the first of path-2, path-3... (path.1, path.2... when numbered) not taken."""
    if not (path.exists() or path.is_symlink()):
        return path
    n = 2 if not numbered else int(path.suffix[1:]) + 1
    while True:
        candidate = path.with_name(f"{path.stem}.{n}") if numbered else path.with_name(f"{path.name}-{n}")
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
        n += 1


def moved(source: Path, target: Path) -> None:
    """Rename source to target; an OSError is exit 3 naming what is in the way."""
    try:
        os.rename(source, target)
    except OSError as exc:
        raise _in_the_way(source, exc) from None


def _in_the_way(path: Path, exc: OSError) -> RepoStateError:
    return RepoStateError(
        f"cannot move {path}: {exc.strerror or exc}",
        hint="move what is in the way (or fix the permissions), then run git pod-promote again: "
        "it finishes from where it stopped",
        file=str(path),
    )


def _reason_text(reason: Mapping[str, Any]) -> bytes:
    text = yamlsafe.dump(_printable(dict(reason)))
    return text.encode("utf-8")


def _printable(value: Any) -> Any:
    """Names may hold bytes that are not UTF-8 (kept as surrogates): written as escapes."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def recover(git: Git, root: Path, common: Path, out: Any = None) -> list[str]:
    """Finish what a killed promote published, or forget what it had not; what was done, as lines.

    The journal is shared by all worktrees, so the queue and working tree it names are those
    of the worktree that ran the promote. It stays until every step is done: a step that
    cannot be done now (git's index lock, files in the way) stops with exit 3, and the next
    run takes it up again."""
    entry = read_journal(common)
    if entry is None:
        return []
    lines: list[str] = []
    if entry and published(git, entry):
        _notes_follow(git, entry, out)
        where = Path(entry.get("root") or root)
        if not where.is_dir():
            (out or sys.stderr).write(f"git pod-promote: warning: the worktree {where} is gone\n")
            clear_journal(common)
            return lines
        here = git if where == root else Git(where)
        gitdir = Path(entry.get("gitdir") or common)
        head_ref = here.run(["symbolic-ref", "-q", "HEAD"], check=False).stdout.decode().strip() or None
        for target in entry.get("targets", []):
            if target.get("checked_out") and head_ref == target["ref"]:
                _follow(here, gitdir, target["branch"], target["old"] or EMPTY_TREE, target["new"], out)
        for item in entry.get("promoted", []):
            if not item.get("keep") and dequeue(where / QUEUE_DIR / item["id"], item.get("digest")):
                lines.append(f"finished {item['id']}: promoted on {item['branch']} by an interrupted run")
        for item in entry.get("rejected", []):
            if reject(where, item["id"], item["reason"], item.get("digest")) is not None:
                lines.append(f"finished {item['id']}: rejected by an interrupted run")
    clear_journal(common)
    return lines


def _notes_follow(git: Git, entry: Mapping[str, Any], out: Any) -> None:
    """The branches moved; if the notes ref did not (a kill inside git's commit of the
    transaction), move it now, still only from where it was."""
    new, old, ref = entry.get("notes_new"), entry.get("notes_old"), entry.get("notes_ref")
    if not new or not ref or _holds(git, ref, new):
        return
    request = (f"update {ref} {new} {old}\n" if old else f"create {ref} {new}\n").encode()
    if git.run(["update-ref", "--stdin"], input=request, check=False).returncode != 0:
        (out or sys.stderr).write(
            f"git pod-promote: warning: {ref} moved meanwhile; the promoted events are in {new[:12]}: "
            f"git notes --ref={ref} merge -s cat_sort_uniq {new}\n"
        )


def _follow(git: Git, gitdir: Path, branch: str, old: str, new: str, out: Any) -> None:
    """Bring the checked-out branch's index and working tree from old to new, once."""
    check_git_locks([gitdir / "index.lock", gitdir / "HEAD.lock"])
    if git.run(["diff-index", "--cached", "--quiet", new, "--"], check=False).returncode == 0:
        return  # done already
    if git.run(["diff-index", "--cached", "--quiet", old, "--"], check=False).returncode != 0:
        (out or sys.stderr).write(
            f"git pod-promote: warning: {branch} moved to {new[:12]}, and your index has changed since; "
            "it was left as it is\n"
        )
        return
    problem = bring_up(git, old, new)
    if problem:
        raise RepoStateError(
            f"{branch} moved to {new[:12]}, but its working tree could not follow: {problem}",
            hint=f"move what is in the way, then run git pod-promote again (it finishes the update); "
            f"or by hand: git read-tree -m -u {old[:12]} {new[:12]}",
        )
