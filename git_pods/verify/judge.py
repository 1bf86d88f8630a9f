"""Judging every commit of a range as the commit-time hooks would have judged it, by its parent's
policy: bundle files valid and complete, promoted records unchanged, trailers matching what the
commit archives, its change equal to the archived diffs (verify/match.py), handoff digests in
ledgers matching the archive. Everything git knows is read in batches (verify/history.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from git_pods.bundle import CHANGELOG, DIFF, LOGS_DIR, PATCHES_DIR, TRACE
from git_pods.checks.rules import violation
from git_pods.checks.staged import CONFIG, archived_ids, changed_records, place_of, to_check
from git_pods.checks.trailers import POD_WORK_KEYS, compare, expected_of
from git_pods.commands.hook import base_config, check_written
from git_pods.config import Config
from git_pods.fsio import remove_tree
from git_pods.gitio.objects import Obj, read_objects
from git_pods.gitio.runner import Git
from git_pods.gitio.staged import IndexEntry, Staged
from git_pods.ids import glob_match
from git_pods.record import record
from git_pods.verify import history, match
from git_pods.verify.history import RECORD, Commit
from git_pods.violation import Violation
from git_pods.yamlsafe import YamlProblems, load

MESSAGE = "the commit message"  # where trailer problems are: no file of the tree
_FOLDERS = {"queued": f"{PATCHES_DIR}/queue", "rejected": f"{PATCHES_DIR}/rejected", "archived": LOGS_DIR}


def verify_revs(git: Git, common: Path, revs: list[str]) -> tuple[int, int, list[Violation]]:
    """How many commits rev-list gives for revs, how many carry pod work, and every violation."""
    commits = history.read_range(git, revs)
    pod = [c for c in commits if c.changes or _claims_work(c)]
    if not pod:
        return len(commits), 0, []
    in_range = {c.sha for c in commits}
    _drop_merged_in(git, pod)
    pod = [c for c in pod if c.changes or _claims_work(c)]
    folds = _folds(git, commits, in_range)
    entries = _entries(git, pod, folds)
    configs = _configs(git, pod)
    blobs = _blobs(git, pod, entries)
    handoffs = {c.sha: ledger_handoffs(c, entries[c.sha], blobs) for c in pod}
    handed = read_objects(git, [s for c in pod for s in handoff_specs(c.sha, handoffs[c.sha])])
    handed_files = {k: (v.data if v is not None else None) for k, v in handed.items()}
    squash = _squash_targets(git, (config for config, _found in configs.values()))
    work = _Work(pod, entries, configs, blobs, handoffs, handed_files, squash)
    found: list[Violation] = []
    jobs = []
    for problems, job in _judge_all(work, common):
        found += problems
        if job is not None:
            jobs.append(job)
    for sha, problems in match.check_changes(git, common, jobs).items():
        found += [_at(v, sha) for v in problems]
    order = {c.sha: i for i, c in enumerate(commits)}
    ranked = sorted(dict.fromkeys(found), key=lambda v: (order.get(v.commit or "", -1), *v.sort_key()))
    return len(commits), len(pod), ranked


@record
class _Work:
    """Everything the per-commit judging reads, gathered by the batched reads beforehand."""

    pod: list[Commit]
    entries: dict[str, dict[str, IndexEntry]]
    configs: dict[str, tuple[Config, list[Violation]]]
    blobs: dict[str, bytes | None]
    handoffs: dict[str, list[tuple[str, str, dict[str, str]]]]
    handed: dict[str, bytes | None]
    squash: dict[tuple[tuple[str, ...], str], set[str]]


_FORKED: _Work | None = None  # what a forked worker judges (inherited, never pickled)
_PARALLEL_FROM = 200  # commits with pod work before the judging is spread over the CPUs


def _judge_all(work: _Work, common: Path) -> list[tuple[list[Violation], match.Job | None]]:
    """Each pod commit's problems and GP501 job, in order. Many commits are judged in forked
    workers, one slice per CPU (the checks are pure Python: one process runs on one core)."""
    workers = min(os.cpu_count() or 1, 4)
    if len(work.pod) < _PARALLEL_FROM or workers < 2 or sys.platform != "linux":
        return _judge_slice(work, common, range(len(work.pod)))
    global _FORKED
    _FORKED = work
    try:
        import multiprocessing

        slices = [range(i, len(work.pod), workers) for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.starmap(_forked_slice, [(str(common), s) for s in slices])
    finally:
        _FORKED = None
    out: list[tuple[list[Violation], match.Job | None]] = [([], None)] * len(work.pod)
    for part, numbers in zip(parts, slices, strict=True):
        for n, result in zip(numbers, part, strict=True):
            out[n] = result
    return out


def _forked_slice(common: str, numbers: range) -> list[tuple[list[Violation], match.Job | None]]:
    assert _FORKED is not None
    return _judge_slice(_FORKED, Path(common), numbers)


def _judge_slice(
    work: _Work, common: Path, numbers: Iterable[int]
) -> list[tuple[list[Violation], match.Job | None]]:
    out = []
    with scratch_folder(common) as scratch:
        for n in numbers:
            commit = work.pod[n]
            config = work.configs[commit.sha]
            problems, job = _judge(commit, work.entries[commit.sha], config, work.blobs, scratch / str(n))
            if job is not None and commit.sha in work.squash.get(_squash_key(config[0]), ()):
                job = match.Job(job.commit, job.parents, job.diffs, job.names, squash=True)
            problems += ledger_digests(commit.sha, work.handoffs[commit.sha], work.handed)
            out.append(([_at(v, commit.sha) for v in problems], job))
    return out


@contextlib.contextmanager
def scratch_folder(common: Path) -> Iterator[Path]:
    """A private folder for the checks' copies of the record: in memory (/dev/shm) where there is
    one, else under the common git folder; removed afterwards."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else common / "pods"
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="git-pods-verify-", dir=base))
    try:
        yield folder
    finally:
        remove_tree(folder)


def _claims_work(commit: Commit) -> bool:
    return any(commit.trailers.get(k) for k in POD_WORK_KEYS)


def _judge(
    commit: Commit,
    entries: Mapping[str, IndexEntry],
    policy: tuple[Config, list[Violation]],
    blobs: Mapping[str, bytes | None],
    scratch: Path,
) -> tuple[list[Violation], match.Job | None]:
    """One commit's problems, and the GP501 job when it archives bundles. scratch: a new folder
    for the copy of the record the checks read."""
    config, found = policy
    staged = Staged(
        changes={p: c.status for p, c in commit.changes.items()},
        entries=entries,
        head=commit.parents[0] if commit.parents else None,
        git_common=scratch,
    )
    wanted = to_check(staged)
    found = [*found, *changed_records(staged)]
    if wanted:
        found += check_written(scratch, wanted, blobs, config)
    ids = archived_ids(staged)

    def file_of(path: str) -> bytes | None:
        entry = entries.get(path)
        return blobs.get(entry.sha) if entry is not None else None

    expected, problems = expected_of(ids, file_of, config.yaml_max_bytes)
    found += problems
    if ids or _claims_work(commit):
        claimed = commit.trailers.get("patch-id", [])
        # the hook lets a reworded commit name a bundle already in the tree; in history every
        # commit but a merge shows what it archives, so naming one it does not archive is a claim
        # it cannot back (a hand edit wearing a promoted commit's trailers)
        in_tree = [
            p
            for p in claimed
            if len(commit.parents) > 1 and p not in ids and blobs.get(_archive_spec(commit.sha, p))
        ]
        found += compare(expected, commit.trailers, in_tree, MESSAGE)
    job = None
    if ids:  # queue order: as the message's Patch-Id trailers list them (a squash keeps that order)
        named = [p for p in dict.fromkeys(commit.trailers.get("patch-id", [])) if p in ids]
        order = [*named, *(p for p in sorted(ids) if p not in named)]
        paths = [f"{PATCHES_DIR}/{p}.diff" for p in order]
        pairs = [(d, path) for path in paths if (d := file_of(path)) is not None]
        job = match.Job(commit.sha, commit.parents, tuple(d for d, _ in pairs), tuple(n for _, n in pairs))
    return found, job


def _archive_spec(commit: str, patch_id: str) -> str:
    return f"{commit}:{PATCHES_DIR}/{patch_id}.diff"


def _drop_merged_in(git: Git, pod: list[Commit]) -> None:
    """A merge's record changes, less those another parent already held as they are now: what it
    brings in is the merged commits' business (they are judged themselves)."""
    merges = [c for c in pod if len(c.parents) > 1 and c.changes]
    specs = [f"{o}:{p}" for c in merges for o in c.parents[1:] for p in c.changes]
    there = read_objects(git, specs)
    for commit in merges:
        kept = {}
        for path, change in commit.changes.items():
            theirs = [there.get(f"{o}:{path}") for o in commit.parents[1:]]
            deleted = change.status == "D"
            same = any((t is None) if deleted else (t is not None and t.sha == change.sha) for t in theirs)
            if not same:
                kept[path] = change
        commit.changes.clear()
        commit.changes.update(kept)


def _folds(git: Git, commits: list[Commit], in_range: set[str]) -> dict[str, set[tuple[str, str]]]:
    """Every queued and archived bundle id the range's trees can hold, by case-folded id: those its
    commits add or change, and those the commits just outside it (the range's base) hold."""
    folds: dict[str, set[tuple[str, str]]] = {}
    seen: set[tuple[str, str]] = set()
    for commit in commits:
        for path in commit.changes:
            place = place_of(path)
            if place is not None and place.kind in ("queued", "archived"):
                seen.add((place.kind, place.id))
    outside = {p for c in commits for p in c.parents if p not in in_range}
    seen |= history.record_ids(git, outside)
    for kind, patch_id in seen:
        folds.setdefault(patch_id.casefold(), set()).add((kind, patch_id))
    return folds


def _entries(
    git: Git, pod: list[Commit], folds: Mapping[str, set[tuple[str, str]]]
) -> dict[str, dict[str, IndexEntry]]:
    """Per commit, the record files the checks need: every file of each bundle it touches, and the
    ledgers and loose files it changes. A commit whose ids collide (same id queued and archived, or
    ids differing in case) gets its whole record listed, as the hook would see it."""
    specs: dict[str, list[tuple[str, str]]] = {}  # commit -> [(listing spec, folder path)]
    whole: list[str] = []
    out: dict[str, dict[str, IndexEntry]] = {}
    for commit in pod:
        mine: dict[str, IndexEntry] = {}
        bundles: set[tuple[str, str]] = set()
        for path, change in commit.changes.items():
            place = place_of(path)
            if place is None:
                continue
            if place.kind in _FOLDERS:
                bundles.add((place.kind, place.id))
            elif change.status != "D":
                mine[path] = IndexEntry(change.mode, change.sha, path)
        out[commit.sha] = mine
        collide = any(len(folds.get(i.casefold(), ())) > 1 for _k, i in bundles)
        diff_unseen = any(
            k == "archived" and f"{PATCHES_DIR}/{i}.diff" not in commit.changes for k, i in bundles
        )
        if collide or diff_unseen:
            whole.append(commit.sha)
            continue
        for kind, patch_id in bundles:
            folder = f"{_FOLDERS[kind]}/{patch_id}"
            specs.setdefault(commit.sha, []).append((f"{commit.sha}:{folder}", folder))
            if kind == "archived":
                diff = commit.changes[f"{PATCHES_DIR}/{patch_id}.diff"]
                if diff.status != "D":
                    name = f"{PATCHES_DIR}/{patch_id}.diff"
                    mine[name] = IndexEntry(diff.mode, diff.sha, name)
    listed = history.folder_listings(git, [s for pairs in specs.values() for s, _f in pairs])
    for sha, pairs in specs.items():
        for spec, folder in pairs:
            for mode, sub, blob in listed.get(spec) or []:
                path = f"{folder}/{sub}"
                out[sha][path] = IndexEntry(mode, blob, path)
    for sha in whole:
        out[sha] = _whole_record(git, sha)
    return out


def _whole_record(git: Git, commit: str) -> dict[str, IndexEntry]:
    listing = git.run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *RECORD]).stdout
    entries = {}
    for item in listing.split(b"\0"):
        if item:
            meta, _, path = item.partition(b"\t")
            mode, _kind, sha = meta.decode().split(" ")
            name = path.decode("utf-8", "surrogateescape")
            entries[name] = IndexEntry(mode, sha, name)
    return entries


def _configs(git: Git, pod: list[Commit]) -> dict[str, tuple[Config, list[Violation]]]:
    """Each commit's policy: its first parent's config (the default for a root commit), each
    distinct config blob parsed once; with GP602 when that config is broken."""
    parents = {c.parents[0] for c in pod if c.parents}
    found = read_objects(git, [f"{p}:{CONFIG}" for p in parents])
    by_blob: dict[str | None, tuple[Config, list[Violation]]] = {}
    out = {}
    for commit in pod:
        obj = found.get(f"{commit.parents[0]}:{CONFIG}") if commit.parents else None
        key = obj.sha if obj is not None else None
        if key not in by_blob:
            by_blob[key] = base_config(obj.data if obj is not None else None)
        out[commit.sha] = by_blob[key]
    return out


def _blobs(
    git: Git, pod: list[Commit], entries: Mapping[str, Mapping[str, IndexEntry]]
) -> dict[str, bytes | None]:
    """Every blob the checks read, in one batch: the files, the parents' configs, and whether each
    claimed-but-not-archived patch id is archived in the commit's tree."""
    specs = [e.sha for mine in entries.values() for e in mine.values() if e.mode.startswith("100")]
    claims = [(c.sha, p) for c in pod if len(c.parents) > 1 for p in c.trailers.get("patch-id", [])]
    specs += [_archive_spec(sha, p) for sha, p in claims if "\n" not in p]  # only a merge may name one
    objects: Mapping[str, Obj | None] = read_objects(git, specs)
    return {k: (v.data if v is not None else None) for k, v in objects.items()}


def _squash_key(config: Config) -> tuple[tuple[str, ...], str]:
    return tuple(config.policy.squash_merge), config.remote or "origin"


def _squash_targets(git: Git, configs: Iterable[Config]) -> dict[tuple[tuple[str, ...], str], set[str]]:
    """For each policy that names squash-merge targets: the commits on those branches' first-parent
    line (the commits a squash merge makes), local branches or the config's remote's (origin by
    default); never another remote's, nor what a merge brought in."""
    keys = {_squash_key(config) for config in configs if config.policy.squash_merge}
    if not keys:
        return {}
    refs = git.run(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes"]).stdout.decode()
    out: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for globs, remote in keys:
        chosen = []
        for ref in refs.split():
            if ref.startswith("refs/heads/"):
                short = ref.removeprefix("refs/heads/")
            elif ref.startswith(f"refs/remotes/{remote}/"):
                short = ref.removeprefix(f"refs/remotes/{remote}/")
            else:
                continue
            if any(glob_match(g, short) for g in globs):
                chosen.append(ref)
        line = git.run(["rev-list", "--first-parent", *chosen, "--"]).stdout.decode() if chosen else ""
        out[(globs, remote)] = set(line.split())
    return out


# --- handoff digests in ledgers ----------------------------------------------------------------

_DIGESTED = (DIFF, TRACE, CHANGELOG)


def _handoff_places(patch_id: str) -> list[tuple[str, dict[str, str]]]:
    """Where a handed-over patch's files can be in a tree: archived, or queued."""
    archived = {DIFF: f"{PATCHES_DIR}/{patch_id}.diff"}
    archived.update({n: f"{LOGS_DIR}/{patch_id}/{n}" for n in (TRACE, CHANGELOG)})
    queued = {n: f"{PATCHES_DIR}/queue/{patch_id}/{n}" for n in _DIGESTED}
    return [("archived", archived), ("queued", queued)]


def ledger_handoffs(
    commit: Commit, entries: Mapping[str, IndexEntry], blobs: Mapping[str, bytes | None]
) -> list[tuple[str, str, dict[str, str]]]:
    """(ledger path, patch id, {file name: digest}) for each handoff a changed ledger records."""
    out = []
    for path, change in commit.changes.items():
        place = place_of(path)
        entry = entries.get(path)
        raw = blobs.get(entry.sha) if entry is not None else None
        if place is None or place.kind != "ledger" or change.status == "D" or raw is None:
            continue
        try:
            data = load(raw, path).data
        except YamlProblems:
            continue  # the ledger's own checks report it
        items = data.get("history") if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("digests"), dict):
                continue
            related = item.get("related_patch")
            if isinstance(related, str) and related.endswith(".diff") and "\n" not in related:
                digests = {str(k): str(v) for k, v in item["digests"].items()}
                out.append((path, related[: -len(".diff")], digests))
    return out


def handoff_specs(commit: str, handoffs: Iterable[tuple[str, str, dict[str, str]]]) -> list[str]:
    return [
        f"{commit}:{p}"
        for _l, pid, _d in handoffs
        for _k, files in _handoff_places(pid)
        for p in files.values()
    ]


def ledger_digests(
    commit: str, handoffs: Iterable[tuple[str, str, dict[str, str]]], files: Mapping[str, bytes | None]
) -> list[Violation]:
    """GP503 for each handoff whose digests differ from the patch's files in this commit's tree
    (archived, else queued; a patch in neither is the receiver's to check)."""
    out = []
    for ledger, patch_id, digests in handoffs:
        for kind, places in _handoff_places(patch_id):
            found = {name: files.get(f"{commit}:{path}") for name, path in places.items()}
            if found[DIFF] is None:
                continue
            for name, data in found.items():
                wanted = digests.get(name)
                if wanted is None or data is None:
                    continue
                actual = "sha256:" + hashlib.sha256(data).hexdigest()
                if wanted != actual:
                    out.append(
                        violation(
                            "GP503",
                            f"the handoff of {patch_id} records {name} as {wanted[:19]}..., but the "
                            f"{kind} {name} is {actual[:19]}...",
                            file=ledger,
                        )
                    )
            break
    return out


def _at(item: Violation, commit: str) -> Violation:
    return Violation(
        rule=item.rule,
        message=item.message,
        severity=item.severity,
        hint=item.hint,
        file=item.file,
        line=item.line,
        path=item.path,
        commit=commit,
    )
