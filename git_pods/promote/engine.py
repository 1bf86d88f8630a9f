"""Judging and building one target's bundles: each bundle's rules with the target's policy, its
diff applied in a temporary index, git's own result judged again, messages and events made."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from git_pods import ids
from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    TRACE,
    archived_names,
    bundle_digest,
    in_folder,
)
from git_pods.checks.bundle_rules import check_bundle
from git_pods.checks.diff_rules import path_rules, unsafe_reason
from git_pods.checks.rules import violation
from git_pods.checks.trailers import Expected, expected_for
from git_pods.config import Config
from git_pods.diffscan import DiffSyntaxError, scan
from git_pods.gitio.objects import Obj, read_objects, tree_names
from git_pods.gitio.runner import Git
from git_pods.gitio.staged import EMPTY_TREE
from git_pods.promote.build import (
    NotApplied,
    TempIndex,
    TreeChange,
    archive_paths,
    commit_message,
    diagnose,
    new_file_patch,
    sizes_of,
    tree_changes,
)
from git_pods.promote.outcome import Options, Outcome, Repo, Show
from git_pods.promote.plan import Candidate
from git_pods.promote.publish import Built, Target
from git_pods.record import record
from git_pods.violation import Violation
from git_pods.yamlsafe import YamlProblems, load

RUN_MAX = 64  # bundles applied by one `git apply` at most (a failure then retries them one by one)


@record(frozen=False)
class Step:
    """One `git apply` in the temporary index: the tree before, the tree after, the bundles in it
    (their paths are disjoint, so git's diff of the two trees splits among them exactly)."""

    start: str | None
    end: str
    members: list[tuple[Candidate, tuple[int, int, int]]]


class Builder:
    """Judges and builds one target's bundles, in queue order, in one temporary index.

    Bundles that touch disjoint paths are applied together (one `git apply` and one
    `write-tree` for the run, not per bundle): the processes are the cost. Each bundle's
    commit is then made from its share of git's diff of the run's trees; a run that fails,
    or whose diff a bundle cannot claim alone, is redone one bundle at a time."""

    def __init__(
        self,
        git: Git,
        repo: Repo,
        target: Target,
        config: Config,
        index: TempIndex,
        options: Options,
        show: Show,
        base_tree: str | None,
        archived: dict[str, Obj | None],
    ) -> None:
        self.git = git
        self.repo = repo
        self.target = target
        self.config = config
        self.index = index
        self.options = options
        self.show = show
        self.base_tree = base_tree
        self.archived = archived
        self.steps: list[Step] = []
        self.solo: set[str] = set()  # applied alone (their run could not be split)
        self.changes: dict[str, list[TreeChange]] = {}  # each bundle's share of git's result
        self.warnings: list[Violation] = []
        self._names: dict[str, str] | None = None

    @property
    def trees(self) -> list[tuple[Candidate, str, tuple[int, int, int]]]:
        """Each applied bundle, the tree of its step, and its size."""
        return [(c, step.end, size) for step in self.steps for c, size in step.members]

    def clear(self) -> None:
        self.steps = []
        self.changes = {}

    def build(self, candidates: Sequence[Candidate]) -> list[Outcome]:
        """Outcomes for the candidates that did not make it; the rest are in self.steps."""
        self.clear()
        self.index.read(self.base_tree)
        last = self.base_tree
        out: list[Outcome] = []
        ready = []
        for candidate in candidates:
            refused = self._judge(candidate)
            if refused is None:
                ready.append(candidate)
            else:
                out.append(refused)
        for run in self._runs(ready):
            if len(run) > 1:
                sizes = self.index.apply(b"".join(_with_archive(c) for c in run), self.options.apply_flags)
                if not isinstance(sizes, str):  # else: nothing changed; find the culprit one by one
                    end = self.index.write_tree()
                    self.steps.append(Step(last, end, [(c, sizes_of(sizes, self.paths(c))) for c in run]))
                    last = end
                    continue
            for candidate in run:
                refused, last = self._apply_one(candidate, last)
                if refused is not None:
                    out.append(refused)
        return out

    def _apply_one(self, candidate: Candidate, last: str | None) -> tuple[Outcome | None, str | None]:
        result = self.index.apply(_with_archive(candidate), self.options.apply_flags)
        if isinstance(result, str):
            if self.options.three_way:
                self.index.read(last)  # a failed --3way leaves conflict stages behind
            if "beyond a symbolic link" in result:
                return self._through_link(candidate, result), last
            verbose = self.index.check(candidate.files[DIFF], self.options.apply_flags)
            return self._not_applied(candidate, diagnose(result, verbose, candidate.files[DIFF])), last
        end = self.index.write_tree()
        self.steps.append(Step(last, end, [(candidate, sizes_of(result))]))
        return None, end

    def paths(self, candidate: Candidate) -> set[str]:
        """Every path the bundle's diff names (as git reads them), and its archive's."""
        try:
            text = candidate.files.get(DIFF, b"").decode("utf-8", "surrogateescape")
            changes = scan(text, self.options.recount)
        except DiffSyntaxError:
            changes = []
        named = {path for change in changes for path in change.paths}
        return named | set(_archive_of(candidate).values())

    def _runs(self, ready: Sequence[Candidate]) -> list[list[Candidate]]:
        """Consecutive bundles whose paths never meet (not the same path, not a file where the
        other has a folder) go in one run; --3way and bundles marked solo go alone."""
        runs: list[list[Candidate]] = []
        files: set[str] = set()
        folders: set[str] = set()
        for candidate in ready:
            alone = self.options.three_way or candidate.patch_id in self.solo
            mine = self.paths(candidate)
            parents = {p.rsplit("/", n)[0] for p in mine for n in range(1, p.count("/") + 1)}
            meets = bool(mine & files or mine & folders or parents & files)
            if alone or not runs or meets or len(runs[-1]) >= RUN_MAX or runs[-1][0].patch_id in self.solo:
                runs.append([candidate])
                files, folders = set(), set()
            else:
                runs[-1].append(candidate)
            files |= mine
            folders |= parents
        return runs

    def _through_link(self, candidate: Candidate, stderr: str) -> Outcome:
        named = re.search(r"affected file '(.+?)' is beyond a symbolic link", stderr)
        where = f"{named.group(1)} " if named else ""
        return self.rejected(
            candidate,
            [
                violation(
                    "GP304",
                    f"the diff writes {where}through a symbolic link",
                    file=self.show(candidate.folder / DIFF),
                )
            ],
        )

    def _promoted_names(self) -> dict[str, str]:
        """Promoted ids at the target's base, by case-folded id (ids are unique ignoring case): the
        diffs in .patches/, and the logs in .logs/ (a review answer archives no diff)."""
        if self._names is None:
            names: list[str] = []
            for folder, suffix in ((PATCHES_DIR, ".diff"), (LOGS_DIR, "")):
                listing = self.archived.get(folder)
                found = tree_names(listing) if listing is not None and listing.kind == "tree" else []
                names += [n.removesuffix(suffix) for n in found if n.endswith(suffix)]
            self._names = {n.casefold(): n for n in names}
        return self._names

    def _judge(self, candidate: Candidate) -> Outcome | None:
        """The bundle's own rules, with the target's policy; None when it may be applied."""
        if any(self.archived.get(p) is not None for p in archive_paths(candidate.patch_id).values()):
            return self._already(candidate)
        other = self._promoted_names().get(candidate.patch_id.casefold())
        if other is not None:
            return self.rejected(
                candidate,
                [
                    violation(
                        "GP401",
                        f"{candidate.patch_id} differs only in letter case from {other}, "
                        f"already promoted on {self.target.branch}",
                        file=self.show(candidate.folder),
                        hint="patch ids are unique ignoring case (macOS and Windows fold them): "
                        "give the bundle a new patch id",
                    )
                ],
            )
        bundle = in_folder(candidate.folder, "queued")
        found = [
            v
            for v in check_bundle(bundle, self.config, self.show, self.options.recount)
            if v.severity == "error"
        ]
        if bundle.diff is None and bundle.files_dir is not None and not found:
            return Outcome(
                candidate.patch_id,
                "blocked",
                branch=self.target.branch,
                exit=2,
                violations=[
                    violation(
                        "GP403",
                        "the bundle holds whole files (files/), not yet a diff",
                        file=self.show(bundle.files_dir),
                        hint="move the folder out of the queue and run git pod-intake on it: "
                        f"mv {QUEUE_DIR}/{candidate.patch_id} /tmp/ && "
                        f"git pod-intake /tmp/{candidate.patch_id}",
                    )
                ],
            )
        if found and all(v.rule == "GP310" for v in found):
            failure = NotApplied(found[0].message, line=found[0].line)
            outcome = self._not_applied(candidate, failure)
            outcome.violations = found
            return outcome
        if found:
            return self.rejected(candidate, found)
        if any(name not in candidate.files for name in candidate.needed):  # unreadable though present
            return self.rejected(
                candidate,
                [violation("GP200", "a bundle file could not be read", file=self.show(candidate.folder))],
            )
        return None

    def _already(self, candidate: Candidate) -> Outcome:
        there = {
            name: obj.data
            for name, path in archive_paths(candidate.patch_id).items()
            if (obj := self.archived.get(path)) is not None
        }
        if set(there) == set(_archive_of(candidate)) and candidate.digest is not None:  # the same files
            digest = bundle_digest(there)
            if digest == candidate.digest:
                where = (
                    self.target.branch
                    if self.target.old
                    else f"HEAD ({self.target.branch} would start there)"
                )
                return Outcome(
                    candidate.patch_id, "already", branch=self.target.branch, digest=digest, found_at=where
                )
        return self.rejected(
            candidate,
            [
                violation(
                    "GP401",
                    f"{candidate.patch_id} is already promoted on {self.target.branch} "
                    "with different content",
                    file=self.show(candidate.folder),
                    hint="promoted records never change: give the new bundle a new patch id "
                    f"(its trace may say supersedes: {candidate.patch_id})",
                )
            ],
        )

    def rejected(self, candidate: Candidate, found: list[Violation]) -> Outcome:
        return Outcome(
            candidate.patch_id,
            "rejected",
            branch=self.target.branch,
            violations=found,
            attach=self.target.old or self.repo.head,
            pod=candidate.pod,
            task=candidate.task,
            digest=candidate.digest,
        )

    def _not_applied(self, candidate: Candidate, failure: NotApplied) -> Outcome:
        branch = self.target.branch
        if failure.file and failure.hunk:
            message = f"{failure.file}: hunk {failure.hunk} does not apply to {branch} (its context differs)"
        else:
            message = f"the diff does not apply to {branch}: {failure.message}"
        retry = [
            f
            for f, on in (("--3way", not self.options.three_way), ("--recount", not self.options.recount))
            if on
        ]
        hint = "ask the pod for a diff against the branch's tip"
        if retry:
            hint += f", or retry with git pod-promote {candidate.patch_id} {' or '.join(retry)}"
        found = [
            violation(
                "GP400",
                message,
                file=self.show(candidate.folder / DIFF),
                line=failure.line,
                hint=hint,
            )
        ]
        return Outcome(
            candidate.patch_id, "not-applied", branch=self.target.branch, violations=found, failure=failure
        )

    def policy_on_result(self, changes: list[TreeChange], candidate: Candidate) -> list[Violation]:
        """Path policy on what git actually wrote (FACTS: git accepts names the diff disguised)."""
        pod = self.config.pods.get(candidate.pod or "")
        ours = set(_archive_of(candidate).values())
        out: list[Violation] = []
        shown = self.show(candidate.folder / DIFF)
        for change in changes:
            if change.path in ours:
                continue
            for rule, message in path_rules(change.path, self.config, pod, allow_list=True):
                out.append(violation(rule, f"{message} (as git applied it)", file=shown))
            if change.mode == "160000":
                out.append(violation("GP305", f"{change.path} becomes a submodule (mode 160000)", file=shown))
        return out

    def links_outside(self, changes: list[TreeChange], candidate: Candidate) -> list[Violation]:
        """Symbolic links the change leaves pointing outside the work tree (git allows them)."""
        links = [c for c in changes if c.mode == "120000"]
        if not links:
            return []
        import posixpath

        blobs = read_objects(self.git, [c.sha for c in links], self.index.objects_env)
        out = []
        for change in links:
            blob = blobs.get(change.sha)
            target = blob.data.decode("utf-8", "surrogateescape") if blob else ""
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(change.path), target))
            if target.startswith("/") or resolved.startswith("..") or unsafe_reason(resolved):
                out.append(
                    violation(
                        "GP304",
                        f"symlink {change.path} points to {target!r}, outside the repository",
                        file=self.show(candidate.folder / DIFF),
                    )
                )
        return out


def _archive_of(candidate: Candidate) -> dict[str, str]:
    """Where its files are archived: a review answer that changes nothing archives only its logs."""
    return archive_paths(candidate.patch_id, archived_names(candidate.files))


def _with_archive(candidate: Candidate) -> bytes:
    """The bundle's diff followed by new-file hunks that write its archive copy."""
    diff = b"" if candidate.review_only else candidate.files[DIFF]
    if diff and not diff.endswith(b"\n"):
        diff += b"\n"
    paths = _archive_of(candidate)
    return diff + b"".join(new_file_patch(path, candidate.files[name]) for name, path in paths.items())


def check_results(builder: Builder) -> tuple[dict[str, list[Violation]], set[str]]:
    """git's own diff of every step's trees, in one call, shared out among the step's bundles
    and judged by the path policy: (refused bundles, bundles whose run must be redone alone
    because a changed path belongs to none or several of them)."""
    pairs = [(step.start or EMPTY_TREE, step.end) for step in builder.steps]
    results = tree_changes(builder.git, pairs, builder.index.objects_env) if pairs else []
    refused: dict[str, list[Violation]] = {}
    split: set[str] = set()
    for step, changes in zip(builder.steps, results, strict=True):
        shares: dict[str, list[TreeChange]] = {c.patch_id: [] for c, _size in step.members}
        if len(step.members) == 1:
            shares[step.members[0][0].patch_id] = list(changes)
        else:
            owned = {c.patch_id: builder.paths(c) for c, _size in step.members}
            for change in changes:
                owners = [pid for pid, paths in owned.items() if change.path in paths]
                if len(owners) != 1:
                    split |= set(owned)
                    break
                shares[owners[0]].append(change)
        builder.changes.update(shares)
        for candidate, _size in step.members:
            mine = shares[candidate.patch_id]
            found = builder.policy_on_result(mine, candidate) + builder.links_outside(mine, candidate)
            if found:
                refused[candidate.patch_id] = found
    return refused, split


def parsed(candidate: Candidate, name: str) -> dict[str, Any]:
    try:
        data = load(candidate.files[name], name).data
    except (YamlProblems, KeyError):
        return {}
    return data if isinstance(data, dict) else {}


def built_for(
    builder: Builder, repo: Repo, signoff: str | None, now: str
) -> tuple[list[Built], list[Outcome]]:
    """Messages and events for a target's applied bundles."""
    made: list[Built] = []
    outcomes: list[Outcome] = []
    tracked = builder.archived
    for candidate, _tree, (added, deleted, files) in builder.trees:
        expected = expected_for(
            candidate.patch_id,
            dict(candidate.files),
            builder.show(candidate.folder / TRACE),
            builder.config.yaml_max_bytes,
        )
        assert isinstance(expected, Expected), "a bundle that passed its checks has a valid trace"
        trailers = expected.lines() + ([f"Signed-off-by: {signoff}"] if signoff else [])
        trace = parsed(candidate, TRACE)
        message = commit_message(parsed(candidate, CHANGELOG), trace, trailers, candidate.review_only)
        event: dict[str, object] = {
            "ts": now,
            "v": 1,
            "event": "reviewed" if candidate.review_only else "promoted",
            "pod": expected.pod,
            "task": expected.task,
            "patch": candidate.patch_id,
            "by": repo.by,
        }
        if candidate.review_only:  # a review is no patch: velocity never counts it
            event["verdict"] = candidate.verdict
        else:
            event.update(added=added, deleted=deleted, files=files)
        queued_here = tracked.get(f"{QUEUE_DIR}/{candidate.patch_id}") is not None
        made.append(
            Built(candidate.patch_id, tuple(builder.changes[candidate.patch_id]), message, event, queued_here)
        )
        outcomes.append(
            Outcome(
                candidate.patch_id,
                "promoted",
                branch=builder.target.branch,
                added=added,
                deleted=deleted,
                files=files,
                pod=expected.pod,
                task=expected.task,
                digest=expected.digest,
                verdict=candidate.verdict if candidate.review_only else None,
            )
        )
    return made, outcomes


def rejected_event(outcome: Outcome, by: str, now: str) -> dict[str, object]:
    event: dict[str, object] = {"ts": now, "v": 1, "event": "rejected"}
    for key, value in (("pod", outcome.pod), ("task", outcome.task)):
        if value:
            event[key] = value
    if ids.is_patch_id(outcome.patch_id):
        event["patch"] = outcome.patch_id
    event["by"] = by
    if outcome.violations:
        event["rule"] = min(outcome.violations, key=Violation.sort_key).rule
    return event


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
