"""The commit-time hooks: `pod-bundle` (pre-commit) and `pod-commit-msg` (commit-msg), on staged content.

Both judge what is about to be committed (the index, not the working tree) by the policy of
the commit's parent (HEAD's .pods/config.yaml; HEAD^'s for an amend), read in a handful of
batched git calls that the hook entry started before importing this module.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from git_pods.bundle import CHANGELOG, HANDOFF, LOGS_DIR, PATCHES_DIR, TRACE
from git_pods.checks.artifact import DIFF_MAX_BYTES
from git_pods.checks.rules import violation
from git_pods.checks.staged import CONFIG, archived_ids, changed_records, to_check
from git_pods.checks.tree import check_tree
from git_pods.config import Config, default_config, parse_config
from git_pods.errors import UsageError
from git_pods.fsio import remove_tree
from git_pods.gitio.prefetch import RECORD_PATHSPECS, Prefetch
from git_pods.gitio.runner import Git
from git_pods.gitio.staged import (
    IndexEntry,
    Staged,
    TooLarge,
    add_mark,
    message_key,
    read_blobs,
    read_staged,
    write_tree,
)
from git_pods.ids import glob_match, is_patch_id
from git_pods.violation import Violation, worst_exit


def skipped(hook_id: str, env: Mapping[str, str]) -> bool:
    """The pre-commit framework's convention: SKIP=id1,id2 names hooks not to run."""
    return hook_id in {part.strip() for part in env.get("SKIP", "").split(",")}


def pre_commit(
    cwd: Path,
    err: TextIO,
    env: Mapping[str, str],
    early: Prefetch | None = None,
    staged: Staged | None = None,
) -> int:
    """`pod-bundle`: every staged bundle complete and valid, every staged artifact valid.

    `early` holds the git processes the hook entry started before importing this module, and
    `staged` what it already read from them."""
    early = early or Prefetch(cwd, RECORD_PATHSPECS, entries=True, tree=True)
    staged = staged or read_staged(cwd, early=early)
    if skipped("pod-bundle", env):
        return _skip("pod-bundle", cwd, staged.git_common, err, write_tree(cwd, early))
    entries = to_check(staged)
    config_staged = staged.changes.get(CONFIG) not in (None, "D")
    specs = [e.sha for e in entries if e.mode.startswith("100")]
    base_spec = f"{staged.head}:{CONFIG}" if staged.head else None
    staged_spec = f":{CONFIG}" if config_staged else None
    wanted = [*specs, *(s for s in (base_spec, staged_spec) if s)]
    blobs = read_blobs(cwd, wanted, DIFF_MAX_BYTES, _batch(early))
    config, found = base_config(blobs.get(base_spec) if base_spec else None)
    found += changed_records(staged)
    if staged_spec:
        raw = blobs.get(staged_spec)
        found += parse_config(raw, CONFIG)[1] if raw is not None else []
    found += check_entries(entries, blobs, config, staged.git_common)
    enforce = _enforced(config, cwd)
    code = _report("pod-bundle", found, err, enforce)
    tree = write_tree(cwd, early)
    if code == 0:
        add_mark(staged.git_common, tree, "pod-bundle", "ok" if enforce else "warn-only")
    return code


def commit_msg(
    cwd: Path, message_file: Path, err: TextIO, env: Mapping[str, str], early: Prefetch | None = None
) -> int:
    """`pod-commit-msg`: a commit archiving bundles carries their trailers; no trailer claims more."""
    from git_pods.checks.trailers import POD_WORK_KEYS, compare, expected_of, parse

    staged = read_staged(cwd, (PATCHES_DIR, LOGS_DIR), entries=False, early=early)
    if skipped("pod-commit-msg", env):
        key = (
            message_key(write_tree(cwd), parse(_trailers_text(cwd, message_file)))
            if message_file.is_file()
            else None
        )
        return _skip("pod-commit-msg", cwd, staged.git_common, err, key)
    trailers = parse(_trailers_text(cwd, message_file))
    ids = archived_ids(staged)
    if not ids and not any(trailers.get(key) for key in POD_WORK_KEYS):
        return 0
    names = (TRACE, CHANGELOG, HANDOFF)
    claimed = [p for p in trailers.get("patch-id", []) if p not in ids and is_patch_id(p)]
    # a review answer archives no diff: its trace says where the bundle is
    specs: list[str] = [f"MERGE_HEAD:{where}" for patch_id in ids for where in _archive_marks(patch_id)]
    for patch_id in (*ids, *claimed):
        specs += [f":{PATCHES_DIR}/{patch_id}.diff", *(f":{LOGS_DIR}/{patch_id}/{name}" for name in names)]
    base_spec = f"{staged.head}:{CONFIG}" if staged.head else ""
    blobs = read_blobs(cwd, [*specs, base_spec] if base_spec else specs, DIFF_MAX_BYTES, _batch(early))
    config, found = base_config(blobs.get(base_spec) if base_spec else None)
    in_tree = [p for p in claimed if any(blobs.get(f":{w}") is not None for w in _archive_marks(p))]
    mine = [  # a bundle already in the tree (a reworded commit) must match too; one the merge
        p  # brought in is its own commit's business
        for p in (*ids, *in_tree)
        if all(blobs.get(f"MERGE_HEAD:{w}") is None for w in _archive_marks(p))
    ]
    expected, problems = expected_of(mine, lambda path: blobs.get(f":{path}"), config.yaml_max_bytes)
    found += problems
    found += compare(expected, trailers, in_tree, _shown(cwd, message_file))
    enforce = _enforced(config, cwd)
    code = _report("pod-commit-msg", found, err, enforce)
    if code == 0:  # post-commit tells a checked message by this mark
        add_mark(
            staged.git_common,
            message_key(write_tree(cwd), trailers),
            "pod-commit-msg",
            "ok" if enforce else "warn-only",
        )
    return code


def _archive_marks(patch_id: str) -> tuple[str, str]:
    """The files that show a bundle is archived: its diff, or (a review answer) its trace."""
    return f"{PATCHES_DIR}/{patch_id}.diff", f"{LOGS_DIR}/{patch_id}/{TRACE}"


def _batch(early: Prefetch | None) -> subprocess.Popen[bytes] | None:
    return early.take_batch() if early is not None else None


def base_config(raw: bytes | None) -> tuple[Config, list[Violation]]:
    """The policy of the commit's parent; a broken one falls back to the default, with a warning."""
    if raw is None:
        return default_config(), []
    config, _found = parse_config(raw, f"HEAD:{CONFIG}")  # its own commit reported them
    if config is None:
        return default_config(), [
            violation(
                "GP602",
                "HEAD's config is invalid; this commit is judged by the built-in default config",
                file=CONFIG,
            )
        ]
    return config, []


def check_entries(
    entries: list[IndexEntry], blobs: Mapping[str, bytes | None], config: Config, git_common: Path
) -> list[Violation]:
    """Write the staged files into a scratch copy of the record and run the record's checks on it."""
    if not entries:
        return []
    scratch = git_common / "pods" / f"staged-{os.getpid()}"
    remove_tree(scratch)
    try:
        return check_written(scratch, entries, blobs, config)
    finally:
        remove_tree(scratch)


def check_written(
    scratch: Path, entries: list[IndexEntry], blobs: Mapping[str, bytes | None], config: Config
) -> list[Violation]:
    """Write entries below scratch (a new folder) and check that copy of the record; names are
    shown relative to scratch. The caller removes scratch."""
    for entry in entries:
        _materialize(scratch, entry, blobs.get(entry.sha))

    def show(path: Path) -> str:
        try:
            return path.relative_to(scratch).as_posix()
        except ValueError:
            return str(path)

    return check_tree(scratch, config, show).violations


def _materialize(scratch: Path, entry: IndexEntry, data: bytes | None) -> None:
    target = scratch / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    if not entry.mode.startswith("100"):  # a link or submodule where real files belong
        os.symlink("(not followed)", target)
        return
    with open(target, "wb") as handle:
        if isinstance(data, TooLarge):
            handle.truncate(data.size)  # sparse: the size checks see the real size, nothing is read
        elif data is not None:
            handle.write(data)


def _enforced(config: Config, cwd: Path) -> bool:
    """Whether violations block on this branch (policy.enforce / policy.warn; default: everywhere)."""
    policy = config.policy
    if not policy.enforce and not policy.warn:
        return True
    done = Git(cwd, inherit=True).run(["symbolic-ref", "-q", "--short", "HEAD"], check=False)
    branch = done.stdout.decode("utf-8", "surrogateescape").strip()
    if any(glob_match(g, branch) for g in policy.warn):
        return False
    return not policy.enforce or any(glob_match(g, branch) for g in policy.enforce)


def _trailers_text(cwd: Path, message_file: Path) -> str:
    if not message_file.is_file():
        raise UsageError(f"{message_file}: no such message file", hint="git passes the commit message file")
    done = Git(cwd, inherit=True).run(["interpret-trailers", "--parse", str(message_file)])
    return done.stdout.decode("utf-8", "replace")


def _shown(cwd: Path, path: Path) -> str:
    try:
        return os.path.relpath(path, cwd) if path.is_absolute() else path.as_posix()
    except ValueError:
        return str(path)


def _skip(hook_id: str, cwd: Path, git_common: Path, err: TextIO, key: str | None) -> int:
    """Say so, and mark the tree (pod-bundle) or the tree and message (pod-commit-msg) as skipped."""
    if key is not None:
        add_mark(git_common, key, hook_id, "skipped")
    err.write(
        f"git-pods: {hook_id} skipped (SKIP={hook_id}); the skip is recorded, "
        "and git pod-verify checks this commit in CI\n"
    )
    return 0


def _report(hook_id: str, found: list[Violation], err: TextIO, enforce: bool) -> int:
    ordered = sorted(dict.fromkeys(found), key=Violation.sort_key)
    for item in ordered:
        err.write(item.format_text() + "\n")
    code = worst_exit(ordered)
    if code and enforce:
        count = sum(v.severity == "error" for v in ordered)
        err.write(
            f"git-pods: commit refused by {hook_id}: {count} problem{'s' if count != 1 else ''}\n"
            "    `git pod-validate --explain GPnnn` explains a rule; when git-pods itself is in the way,\n"
            f"    SKIP={hook_id} git commit ... skips this check (recorded)\n"
        )
        return code
    if code:
        err.write(f"git-pods: {hook_id}: this branch only warns (policy.warn / policy.enforce)\n")
    return 0
