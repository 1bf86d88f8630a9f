"""`git pod-verify`: the CI authority. Every commit in a range is judged, by its parent's policy,
exactly as the commit-time hooks would have judged it, so `--no-verify` gains nothing: bundle
files valid and complete, promoted records never changed, archive commits carrying matching
trailers, no trailer claiming pod work it cannot back."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from git_pods.bundle import CHANGELOG, HANDOFF, LOGS_DIR, PATCHES_DIR, TRACE
from git_pods.checks.rules import violation
from git_pods.checks.staged import CONFIG, archived_ids, changed_records, to_check
from git_pods.checks.trailers import POD_WORK_KEYS, compare, expected_of, parse
from git_pods.commands.hook import base_config, check_entries
from git_pods.commands.output import write_json
from git_pods.errors import RepoStateError, UsageError
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.gitio.staged import IndexEntry, Staged
from git_pods.violation import Violation, worst_exit

RECORD = (".pods", PATCHES_DIR, LOGS_DIR)


def run(range_: str | None, all_: bool, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if bool(range_) == all_:
        raise UsageError("pass --range A..B or --all", hint="in CI: git pod-verify --range origin/main..HEAD")
    root = require_root(cwd)
    git = Git(root)
    revs = ["--all"] if all_ else [range_ or ""]
    commits, checked, found = verify_revs(git, git_dir(root) or root / ".git", revs)
    code = worst_exit(found)
    if json_mode:
        write_json(out, "verify", code, found, commits=len(commits), pod_commits=checked)
        return code
    for item in found:
        out.write(item.format_text() + "\n")
    verdict = "ok" if not code else f"{sum(v.severity == 'error' for v in found)} problem(s)"
    out.write(f"{verdict}: {len(commits)} commit(s) read, {checked} with pod work checked\n")
    return code


def verify_revs(
    git: Git, common: Path, revs: list[str]
) -> tuple[list[tuple[str, list[str]]], int, list[Violation]]:
    """The commits rev-list gives for revs, how many carry pod work, and every violation."""
    commits = _commits(git, revs)
    if not commits:
        return commits, 0, []
    touched = _record_changes(git, revs)
    claims = _claims(git, revs)
    found: list[Violation] = []
    checked = 0
    for commit, parents in commits:
        changes = touched.get(commit, {})
        trailers = claims.get(commit, {})
        if not changes and not any(trailers.get(k) for k in POD_WORK_KEYS):
            continue
        checked += 1
        found += [_at(v, commit) for v in _verify_one(git, common, commit, parents, changes, trailers)]
    return commits, checked, sorted(dict.fromkeys(found), key=lambda v: (v.commit or "", *v.sort_key()))


def pre_push(cwd: Path, remote: str, lines: list[str], err: TextIO) -> int:
    """`pod-pre-push`: verify exactly what is being pushed. Each ref line from git's stdin names
    its range: remote..local for an update, the commits on no remote-tracking ref for a new
    branch (or a remote tip this clone lacks); deletions are skipped."""
    root = require_root(cwd)
    git = Git(root)
    zero = ("0" * 40, "0" * 64)
    ranges: list[list[str]] = []
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or parts[1] in zero:
            continue  # a deletion (or noise): nothing to verify
        local, theirs = parts[1], parts[3]
        known = (
            theirs not in zero
            and read_objects(git, [f"{theirs}^{{commit}}"])[f"{theirs}^{{commit}}"] is not None
        )
        ranges.append([f"{theirs}..{local}"] if known else [local, "--not", "--remotes"])
    found: list[Violation] = []
    common = git_dir(root) or root / ".git"
    for revs in ranges:
        found += verify_revs(git, common, revs)[2]
    found = sorted(dict.fromkeys(found), key=lambda v: (v.commit or "", *v.sort_key()))
    for item in found:
        err.write(item.format_text() + "\n")
    code = worst_exit(found)
    if code:
        count = sum(v.severity == "error" for v in found)
        err.write(
            f"git-pods: push to {remote} refused by pod-pre-push: {count} problem(s) in what is pushed\n"
            "    fix them in new commits (promoted records never change), or rewrite the unpushed commits\n"
        )
    return code


def _commits(git: Git, revs: list[str]) -> list[tuple[str, list[str]]]:
    """Every commit in the range, oldest first, with its parents; exit 3 when history is missing."""
    done = git.run(["rev-list", "--reverse", "--parents", *revs, "--"], check=False)
    if done.returncode != 0:
        shallow = git.run(["rev-parse", "--is-shallow-repository"], check=False).stdout.strip() == b"true"
        raise RepoStateError(
            f"the range {' '.join(revs)} cannot be read: {done.stderr.decode('utf-8', 'replace').strip()}",
            hint="this clone is shallow: fetch the history the range needs (git fetch --unshallow, or "
            "--deepen N; in CI, checkout with fetch-depth: 0)"
            if shallow
            else "name commits or branches this clone has (git fetch first)",
        )
    out = []
    for line in done.stdout.decode().splitlines():
        parts = line.split()
        out.append((parts[0], parts[1:]))
    boundary = _shallow_boundary(git)
    stuck = [commit for commit, _parents in out if commit in boundary]
    if stuck:
        raise RepoStateError(
            f"the range reaches {stuck[0][:12]}, whose parents this shallow clone lacks",
            hint="fetch the history the range needs: git fetch --deepen 50 (in CI: fetch-depth: 0)",
        )
    return out


def _shallow_boundary(git: Git) -> set[str]:
    """The commits a shallow clone has without their parents (none in a full clone)."""
    path = Path(
        git.run(["rev-parse", "--path-format=absolute", "--git-path", "shallow"]).stdout.decode().strip()
    )
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def _record_changes(git: Git, revs: list[str]) -> dict[str, dict[str, str]]:
    """Per commit (against its first parent), the record paths it adds, changes or deletes."""
    args = ["log", "--format=%x01%H", "--raw", "-z", "--no-renames", "--diff-merges=first-parent", *revs]
    raw = git.run([*args, "--", *RECORD]).stdout
    out: dict[str, dict[str, str]] = {}
    for block in raw.split(b"\x01")[1:]:
        head, _, rest = block.partition(b"\n")
        commit = head.decode().strip("\0")
        fields = rest.lstrip(b"\n\0").split(b"\0")
        changes: dict[str, str] = {}
        for i in range(0, len(fields) - 1, 2):
            meta, path = fields[i], fields[i + 1]
            if meta.startswith(b":"):
                changes[path.decode("utf-8", "surrogateescape")] = meta.split()[-1].decode()[:1]
        if changes:
            out[commit] = changes
    return out


def _claims(git: Git, revs: list[str]) -> dict[str, dict[str, list[str]]]:
    """Every commit's trailers (one git log), parsed as the commit-msg hook parses them."""
    raw = git.run(["log", "--format=%x01%H%x00%(trailers:unfold,only)", *revs]).stdout
    out = {}
    for block in raw.split(b"\x01")[1:]:
        commit, _, text = block.partition(b"\0")
        trailers = parse(text.decode("utf-8", "replace"))
        if trailers:
            out[commit.decode().strip()] = trailers
    return out


def _verify_one(
    git: Git,
    common: Path,
    commit: str,
    parents: list[str],
    changes: dict[str, str],
    trailers: dict[str, list[str]],
) -> list[Violation]:
    """One commit, as the pre-commit and commit-msg hooks would have judged it."""
    parent = parents[0] if parents else None
    listing = git.run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *RECORD]).stdout
    entries = {}
    for item in listing.split(b"\0"):
        if item:
            meta, _, path = item.partition(b"\t")
            mode, _kind, sha = meta.decode().split(" ")
            name = path.decode("utf-8", "surrogateescape")
            entries[name] = IndexEntry(mode, sha, name)
    if len(parents) > 1:  # a merge: what another parent already had is that parent's commits' business
        changes = _merged_in(git, changes, entries, parents[1:])
        if not changes and not any(trailers.get(k) for k in POD_WORK_KEYS):
            return []
    staged = Staged(changes=changes, entries=entries, head=parent, git_common=common)
    wanted = to_check(staged)
    specs = [e.sha for e in wanted if e.mode.startswith("100")]
    config_spec = f"{parent}:{CONFIG}" if parent else None
    ids = archived_ids(staged)
    names = (TRACE, CHANGELOG, HANDOFF)
    archive_specs = [f"{commit}:{PATCHES_DIR}/{p}.diff" for p in ids]
    archive_specs += [f"{commit}:{LOGS_DIR}/{p}/{n}" for p in ids for n in names]
    blobs = {
        k: (v.data if v else None)
        for k, v in read_objects(
            git, [*specs, *archive_specs, *([config_spec] if config_spec else [])]
        ).items()
    }
    config, found = base_config(blobs.get(config_spec) if config_spec else None)
    found += changed_records(staged)
    found += check_entries(wanted, blobs, config, common)
    expected, problems = expected_of(ids, lambda path: blobs.get(f"{commit}:{path}"), config.yaml_max_bytes)
    found += problems
    if ids:
        diffs = [blobs.get(f"{commit}:{PATCHES_DIR}/{p}.diff") for p in sorted(ids)]
        found += _change_matches(git, common, parent, commit, [d for d in diffs if d is not None])
    if ids or any(trailers.get(k) for k in POD_WORK_KEYS):
        claimed = trailers.get("patch-id", [])
        in_tree = [p for p in claimed if p not in ids and f"{PATCHES_DIR}/{p}.diff" in entries]
        found += compare(expected, trailers, in_tree, "the commit message")
    return found


def _change_matches(
    git: Git, common: Path, parent: str | None, commit: str, diffs: list[bytes]
) -> list[Violation]:
    """GP501 unless the archived diffs, applied to the parent in queue order, make the commit's
    tree outside the record (applied in a temporary index: nothing else is touched)."""
    from git_pods.promote.build import APPLY

    (common / "pods").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=common / "pods") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git.run(["read-tree", parent] if parent else ["read-tree", "--empty"], env=env)
        for raw in diffs:
            for extra in ([], ["--recount"], ["--3way"]):  # as promote may have applied it (opt-in flags)
                done = git.run([*APPLY, *extra], input=raw, env=env, check=False)
                if done.returncode == 0:
                    break
            if done.returncode != 0:
                why = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
                return [violation("GP501", f"an archived diff does not apply to the parent: {' '.join(why)}")]
        tree = git.run(["write-tree"], env=env).stdout.decode().strip()
    spec = ["--", ".", f":(exclude){PATCHES_DIR}", f":(exclude){LOGS_DIR}"]
    differ = git.run(["diff-tree", "-r", "--name-only", "-z", "--no-renames", tree, commit, *spec]).stdout
    paths = [p.decode("utf-8", "surrogateescape") for p in differ.split(b"\0") if p]
    if not paths:
        return []
    shown = ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")
    return [
        violation("GP501", f"the commit's change differs from its archived diffs in {shown}", file=paths[0])
    ]


def _merged_in(
    git: Git, changes: dict[str, str], entries: dict[str, IndexEntry], others: list[str]
) -> dict[str, str]:
    """A merge's record changes less those another parent already held as they are now."""
    specs = [f"{o}:{p}" for o in others for p in changes]
    there = read_objects(git, specs)
    kept = {}
    for path, status in changes.items():
        mine = entries.get(path)
        theirs = [there[f"{o}:{path}"] for o in others]
        same = any((t is None) if mine is None else (t is not None and t.sha == mine.sha) for t in theirs)
        if not same:
            kept[path] = status
    return kept


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
