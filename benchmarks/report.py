"""Time `git-pod-report` over 10,000 and 20,000 commits with notes, against `git log` and itself.

DESIGN §8's targets, measured side by side in one run: `git pod-report` over 10,000 commits with
notes costs at most 3x one `git log --notes=pods` over the same commits; and its cost grows
linearly with commits, judged here as: the report over 20,000 commits costs at most 2.3x the
report over 10,000.

Fixtures, built in a temporary folder with git config pinned (GIT_CONFIG_GLOBAL=/dev/null), each
from ONE `git fast-import` stream (no git-pods command runs), then checked out:

- r10000/ and r20000/: 10,000 and 20,000 commits, one every 3 minutes from 2026-01-01 (committer
  dates), on `main`. The first commit adds .pods/config.yaml (the five default pods, default
  branch main, release tags v*, no `sprints:` key, so the report covers all time). Every 10th
  commit is a pod commit: trailers `Pod:`, `Task: F<k>.<j>` (two patches per task, ten tasks per
  feature), `Patch-Id: patch_<commit number, 6 digits>` and `Pod-Bundle:`; it changes one module
  src/mod_NNN.py and archives the change as DESIGN §2's smallest bundle, .patches/<ID>.diff plus
  .logs/<ID>/ (1-2 changelog entries, added/fixed/changed, some breaking; some traces say
  `supersedes:` an earlier id). Pods rotate dev-pod, qa-pod, research-pod, delivery-pod. One pod
  commit in five is made on a side branch `pods/<task>` (kept), forked 4 commits back and merged
  into main by the next commit. The other commits each rewrite one of 50 files under docs/. An
  annotated tag `v0.<n>.0` on main every 1,000 commits. refs/notes/pods, one notes commit in the
  same stream, holds one note per pod commit: compact JSON events, one per line, time first:
  `assigned`, sometimes `rejected` (GP301), `promoted` (lines counted from the diff), sometimes
  `handed-off`.

Checks, before timing (a benchmark of a failing command is worthless): `git rev-list --all
--count` is the commits plus the one notes commit; the commits with a Patch-Id trailer, the merges
and the tags are as many as built; `git-pod-validate .pods/config.yaml` exits 0; read_history
(git_pods.report.history, run in a child Python with the same environment) finds every pod
commit's patch, all accepted on main and delivered by a tag, one promoted event each, the commits,
and no warning; `git-pod-report all --format json` exits 0 with one JSON document whose
velocity.totals.promoted is the number of pod commits; `git-pod-report all --out <dir>` exits 0
and writes velocity.md, burndown.md, retrospective.md and CHANGELOG.md. If the installed
git-pod-report is still the stub (exit 2, "not implemented yet"), the run stops there saying so.

Rounds alternate: the baseline (`python -c pass`), then per repository the report and one
`git log --notes=pods --format=%H%x00%N` over every ref but the notes (what verify.py times, over
what the report reads), the two sides swapping order every other round. The report gives each
case's median, its ratio to `python -c pass`, and for each pair the ratio of the medians (what the
targets judge) with the per-round spread. Missed targets are reported, never asserted.

The timed reports after the first find what they take from promoted records in the cache
(.git/pods/report-cache.json, keyed by blob id), as every report after a repository's first does.
One more pair times the 10,000-commit report with that cache removed before each run (through
`sh -c 'rm -f CACHE && exec git-pod-report …'`, which adds a shell's start): the cost of a fresh
clone's first report, where every changelog and trace is parsed.

Run: `python benchmarks/report.py [--rounds N] [--json] [--keep]` with git-pods installed in this
interpreter and git-pod-report and git-pod-validate on PATH (`make bench`).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    BASELINE,
    CheckFailed,
    Timed,
    bench_env,
    case_stats,
    output_tail,
    progress,
    script_main,
    table_head,
    table_row,
    target_text,
    timed_run,
)
from promote import BRANCH, captured, git, run
from verify import fast_import

REPORT = "git-pod-report"
VALIDATE = "git-pod-validate"
DEFAULT_ROUNDS = 7
SIZES = (10_000, 20_000)
POD_EVERY = 10  # commit n is a pod commit when n % 10 == 0
SIDE_EVERY = 5  # pod commit p arrives through a side branch when p % 5 == 3
SIDE_FORK = 4  # the side branch forks from main's 4th newest commit
TAG_EVERY = 1_000
ORDINARY_FILES = 50
MODULES = 300  # pod commit p writes src/mod_NNN.py, NNN = (p - 1) % 300 + 1
START = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP = 180  # seconds between commits
BY = "Bench Lead <bench@example.invalid>"
PODS = ("dev-pod", "qa-pod", "research-pod", "delivery-pod")
NEXT = {"dev-pod": "qa-pod", "qa-pod": "delivery-pod", "research-pod": "dev-pod", "delivery-pod": "dev-pod"}
REPORT_FILES = ("velocity.md", "burndown.md", "retrospective.md", "CHANGELOG.md")
TARGET = 3.0
GROWTH_TARGET = 2.3

CONFIG = f"""\
# yaml-language-server: $schema=https://git-pods.dev/schemas/v1/pods-config.schema.json
version: 1
pods:
  dev-pod:
    description: Writes and changes code; returns a patch with its reasoning.
    next: [qa-pod, research-pod]
  qa-pod:
    description: Tests the change, adds tests and reports defects.
    next: [delivery-pod, dev-pod]
  research-pod:
    description: Investigates options and writes briefs that dev work builds on.
    next: [dev-pod]
  delivery-pod:
    description: Packages releases, changelogs and release notes.
    next: [wow-pod, dev-pod]
  wow-pod:
    description: Improves the ways of working from retrospectives and metrics.
    next: [dev-pod, research-pod]
default_branch: {BRANCH}
release_tags: "v*"
notes_ref: refs/notes/pods
"""

# Run in a child Python with the benchmark's environment (git config pinned): argv[1] the repository.
HISTORY_PROBE = f"""\
import json, sys
from pathlib import Path
from git_pods.gitio.runner import Git
from git_pods.report.history import read_history
h = read_history(Git(Path(sys.argv[1])), {BRANCH!r})
print(json.dumps({{
    "patches": len(h.patches),
    "accepted": sum(p.accepted_at is not None for p in h.patches.values()),
    "delivered": sum(p.delivered_at is not None for p in h.patches.values()),
    "promoted": len(h.of_kind("promoted")),
    "commits": h.commit_count,
    "warnings": [f"{{w.rule}} {{w.message}} ({{w.commit}})" for w in h.warnings],
}}))
"""


@dataclass
class Case(Timed):
    name: str
    argv: list[str]
    cwd: Path
    samples: list[float] = field(default_factory=list)


@dataclass
class Fixture:
    commits: int
    repo: Path
    out: Path  # the Markdown reports' folder
    build_s: float
    pods: int = 0
    merges: int = 0
    tags: int = 0


# --- the history -------------------------------------------------------------------------------


def data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


def commit(ref: str, n: int, message: str) -> str:
    return f"commit {ref}\nmark :{n}\ncommitter {BY} {START + n * STEP} +0000\n" + data(message)


def inline(path: str, text: str) -> str:
    return f"M 100644 inline {path}\n" + data(text)


def blob_id(text: str) -> str:
    raw = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()[:7]


def module(m: int, revision: int) -> str:
    """src/mod_NNN.py at a revision: each revision moves the limit and the docstring."""
    return (
        f'"""Counters for stage {m}."""\n\nLIMIT = {m * 10 + revision}\n\n\n'
        "def count(items):\n"
        f'    """How many items, at most LIMIT (revision {revision})."""\n'
        "    return min(LIMIT, sum(1 for _ in items))\n"
    )


def code_diff(path: str, old: str | None, new: str) -> tuple[str, int, int]:
    """A `git diff` of path from old (None: a new file) to new, with its added and deleted lines."""
    if old is None:
        lines = new.splitlines(keepends=True)
        body = f"new file mode 100644\nindex 0000000..{blob_id(new)}\n--- /dev/null\n+++ b/{path}\n"
        body += f"@@ -0,0 +1,{len(lines)} @@\n" + "".join("+" + line for line in lines)
    else:
        hunks = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
        body = f"index {blob_id(old)}..{blob_id(new)} 100644\n" + "".join(hunks)
    changed = body.splitlines()
    added = sum(1 for line in changed if line.startswith("+") and not line.startswith("+++ "))
    deleted = sum(1 for line in changed if line.startswith("-") and not line.startswith("--- "))
    return f"diff --git a/{path} b/{path}\n{body}", added, deleted


def bundle_digest(files: dict[str, str]) -> str:
    """The Pod-Bundle digest (DESIGN §5): `sha256sum` of the four files, names sorted, then of that."""
    listing = "".join(
        f"{hashlib.sha256(files[name].encode()).hexdigest()}  {name}\n" for name in sorted(files)
    )
    return hashlib.sha256(listing.encode()).hexdigest()


@dataclass
class PodCommit:
    """Pod commit p (the p-th, at commit number p * POD_EVERY): its message, files and note."""

    p: int
    message: str
    files: list[tuple[str, str]]
    note: str
    task: str


def event(ts: int, kind: str, **fields: object) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    return json.dumps({"ts": stamp, "v": 1, "event": kind, **fields}, separators=(",", ":"))


def pod_commit(p: int) -> PodCommit:
    n = p * POD_EVERY
    pid, pod = f"patch_{n:06d}", PODS[(p - 1) % len(PODS)]
    task = f"F{(p - 1) // 20 + 1}.{(p - 1) % 20 // 2 + 1}"
    m, revision = (p - 1) % MODULES + 1, (p - 1) // MODULES
    path = f"src/mod_{m:03d}.py"
    old = module(m, revision - 1) if revision else None
    diff, added, deleted = code_diff(path, old, module(m, revision))
    summary = (
        f"Add counters for stage {m}" if old is None else f"Move the stage {m} limit to revision {revision}"
    )
    entries = [("added" if old is None else ("fixed", "changed")[p % 2], summary)]
    if p % 3 == 1:
        entries.append(("changed", f"Count stage {m} items lazily"))
    changelog = f"patch_id: {pid}\npod: {pod}\ntask_id: {task}\nentries:\n" + "".join(
        f"  - type: {kind}\n    description: {text}\n" + ("    breaking: true\n" if p % 40 == 7 and i else "")
        for i, (kind, text) in enumerate(entries)
    )
    trace = (
        f"patch_id: {pid}\npod: {pod}\ntask_id: {task}\nsummary: {summary}\nsteps:\n"
        "  - Read the module and its callers\n  - Kept the public function's signature\n"
    )
    if p % 50 == 25:
        trace += f"supersedes: patch_{n - POD_EVERY:06d}\n"
    handoff = (
        f"from: {pod}\nto: {NEXT[pod]}\nreason: Stage {m} counters done, needs review\n"
        f"related_patch: {pid}.diff\n"
    )
    files = [
        (path, module(m, revision)),
        (f".patches/{pid}.diff", diff),
        (f".logs/{pid}/thought_trace.yaml", trace),
        (f".logs/{pid}/changelog.yaml", changelog),
        (f".logs/{pid}/handoff_log.yaml", handoff),
    ]
    t = START + n * STEP
    lines = [event(t - 150, "assigned", pod=pod, task=task, by=BY)]
    if p % 7 == 0:
        lines.append(event(t - 90, "rejected", pod=pod, task=task, patch=pid, by=BY, rule="GP301"))
    counts = {"added": added, "deleted": deleted, "files": 1}
    lines.append(event(t, "promoted", pod=pod, task=task, patch=pid, by=BY, **counts))
    if p % 3 == 0:
        lines.append(event(t + 60, "handed-off", task=task, by=BY, **{"from": pod, "to": NEXT[pod]}))
    bundle = {"patch.diff": diff, "thought_trace.yaml": trace, "changelog.yaml": changelog}
    digest = bundle_digest({**bundle, "handoff_log.yaml": handoff})
    message = f"{summary}\n\nPod: {pod}\nTask: {task}\nPatch-Id: {pid}\nPod-Bundle: sha256:{digest}\n"
    return PodCommit(p, message, files, "".join(line + "\n" for line in lines), task)


def history_stream(commits: int) -> tuple[str, int, int, int]:
    """The fast-import stream of one fixture; returns it with its pod commits, merges and tags."""
    out = [commit(f"refs/heads/{BRANCH}", 1, "Start the project\n")]
    out.append(inline(".pods/config.yaml", CONFIG) + inline("README.md", "# bench\n\nA long history.\n"))
    main = [1]  # main's first-parent chain, as marks (= commit numbers)
    notes: list[tuple[int, str]] = []
    side: PodCommit | None = None  # made on a side branch, merged by the next commit
    pods = merges = tags = 0
    for n in range(2, commits + 1):
        if n % POD_EVERY == 0:
            pc = pod_commit(n // POD_EVERY)
            pods += 1
            notes.append((n, pc.note))
            if pc.p % SIDE_EVERY == 3:
                out.append(
                    commit(f"refs/heads/pods/{pc.task}", n, pc.message) + f"from :{main[-SIDE_FORK]}\n"
                )
                side = pc
            else:
                out.append(commit(f"refs/heads/{BRANCH}", n, pc.message))
                main.append(n)
            out.extend(inline(path, text) for path, text in pc.files)
        elif side is not None:
            out.append(commit(f"refs/heads/{BRANCH}", n, f"Merge branch 'pods/{side.task}'\n"))
            out.append(f"merge :{n - 1}\n")
            out.extend(inline(path, text) for path, text in side.files)
            main.append(n)
            merges += 1
            side = None
        else:
            k = n % ORDINARY_FILES
            out.append(commit(f"refs/heads/{BRANCH}", n, f"Update notes {k:02d} (revision {n})\n"))
            out.append(inline(f"docs/notes_{k:02d}.md", f"# Notes {k}\n\nRevision {n}.\n"))
            main.append(n)
        out.append("\n")
        if n % TAG_EVERY == 0:
            tags += 1
            name = f"v0.{n // TAG_EVERY}.0"
            out.append(f"tag {name}\nfrom :{main[-1]}\ntagger {BY} {START + n * STEP} +0000\n")
            out.append(data(f"Release {name}\n"))
    out.append(f"commit refs/notes/pods\ncommitter {BY} {START + (commits + 1) * STEP} +0000\n")
    out.append(data("Notes added by 'git notes add'\n"))
    out.extend(f"N inline :{n}\n" + data(text) for n, text in notes)
    out.append("\n")
    return "".join(out), pods, merges, tags


def build(tmp: Path, commits: int, env: dict[str, str]) -> Fixture:
    start = time.perf_counter()
    repo = tmp / f"r{commits}"
    repo.mkdir()
    git(repo, env, "init", "-q", "-b", BRANCH)
    stream, pods, merges, tags = history_stream(commits)
    fast_import(repo, env, stream)
    git(repo, env, "pack-refs", "--all")
    git(repo, env, "reset", "-q", "--hard", BRANCH)
    fixture = Fixture(commits, repo, tmp / f"out-{commits}", time.perf_counter() - start, pods, merges, tags)
    progress(f"  {commits:,} commits ({pods:,} pod, {merges} merges, {tags} tags) in {fixture.build_s:.1f} s")
    return fixture


# --- checks ------------------------------------------------------------------------------------


def check_history(fx: Fixture, env: dict[str, str], tools: dict[str, str]) -> None:
    repo, expected = fx.repo, fx.commits
    trailers = git(
        repo, env, "log", "--format=%(trailers:key=Patch-Id,valueonly)", "--exclude=refs/notes/*", "--all"
    )
    counted = {
        "commits and the notes commit": (int(git(repo, env, "rev-list", "--all", "--count")), expected + 1),
        "Patch-Id trailers": (len(trailers.split()), fx.pods),
        "merges on main": (int(git(repo, env, "rev-list", "--merges", "--count", BRANCH)), fx.merges),
        "release tags": (len(git(repo, env, "tag", "-l", "v*").split()), fx.tags),
    }
    wrong = [f"{what}: {found}, expected {want}" for what, (found, want) in counted.items() if found != want]
    if wrong:
        raise CheckFailed(f"the {expected:,}-commit fixture is not as built: " + "; ".join(wrong))
    run([tools[VALIDATE], ".pods/config.yaml"], repo, env)
    read = json.loads(run([sys.executable, "-c", HISTORY_PROBE, str(repo)], repo, env))
    want: dict[str, Any] = {"patches": fx.pods, "accepted": fx.pods, "delivered": fx.pods}
    want.update(promoted=fx.pods, commits=expected, warnings=[])
    if read != want:
        raise CheckFailed(f"read_history on the {expected:,}-commit fixture found {read}, expected {want}")


def check_report(fx: Fixture, env: dict[str, str], tools: dict[str, str]) -> None:
    """The report as JSON (totals right), then as Markdown into fx.out (its warm-up run)."""
    argv = [tools[REPORT], "all", "--format", "json"]
    done = captured(argv, fx.repo, env)
    if done.returncode == 2 and b"not implemented" in done.stdout + done.stderr:
        raise CheckFailed(
            f"`{REPORT}` is not implemented yet in the installed git-pods (exit 2): nothing to time. "
            f"The fixtures and their checks passed.\n    {output_tail(done)}"
        )
    if done.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(argv)}` in {fx.repo} exited {done.returncode}:\n    {output_tail(done)}"
        )
    try:
        totals = json.loads(done.stdout)["velocity"]["totals"]["promoted"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckFailed(
            f"`{' '.join(argv)}` did not print one JSON document with velocity.totals.promoted "
            f"({type(exc).__name__}: {exc}); it printed:\n    {done.stdout.decode()[:500]}"
        ) from None
    if totals != fx.pods:
        raise CheckFailed(f"`{' '.join(argv)}` counts {totals} promoted patches, expected {fx.pods}")
    run([tools[REPORT], "all", "--out", str(fx.out)], fx.repo, env)
    missing = [name for name in REPORT_FILES if not (fx.out / name).is_file()]
    if missing:
        raise CheckFailed(f"`{REPORT} all --out {fx.out}` did not write {', '.join(missing)}")


# --- timing and the report ---------------------------------------------------------------------


def measure(baseline: Case, pairs: list[tuple[Case, Case]], rounds: int, env: dict[str, str]) -> None:
    for i in range(rounds):
        order = [baseline]
        for pair in pairs:
            order.extend(pair if i % 2 == 0 else pair[::-1])
        for case in order:
            elapsed, code = timed_run(case.argv, case.cwd, env)
            if code != 0:
                raise CheckFailed(f"`{case.command}` in {case.cwd} exited {code} during timing, expected 0")
            case.samples.append(elapsed)


def pair_stats(ours: Case, against: Case, target: float | None) -> dict[str, Any]:
    ratio = ours.median_ms / against.median_ms
    rounds = [a / b for a, b in zip(ours.samples, against.samples, strict=True)]
    return {
        "ours": ours.name,
        "against": against.name,
        "ratio": round(ratio, 2),
        "round_min": round(min(rounds), 2),
        "round_max": round(max(rounds), 2),
        "round_median": round(statistics.median(rounds), 2),
        "target": target,
        "met": None if target is None else ratio <= target,
    }


def bench(args: argparse.Namespace, tmp: Path, tools: dict[str, str]) -> dict[str, Any]:
    env = bench_env()
    progress(f"building the {' and '.join(f'{c:,}' for c in SIZES)}-commit histories in {tmp} ...")
    fixtures = [build(tmp, commits, env) for commits in SIZES]
    progress("checking the fixtures (counts, config, read_history) ...")
    for fx in fixtures:
        check_history(fx, env, tools)
    progress(f"checking {REPORT} (JSON totals, Markdown files) ...")
    for fx in fixtures:
        check_report(fx, env, tools)
    baseline = Case(BASELINE, [sys.executable, "-c", "pass"], tmp)
    pairs = [
        (
            Case(
                f"report all, {fx.commits:,} commits", [tools[REPORT], "all", "--out", str(fx.out)], fx.repo
            ),
            Case(
                f"git log --notes=pods, {fx.commits:,} commits",
                ["git", "log", "--notes=pods", "--format=%H%x00%N", "--exclude=refs/notes/*", "--all"],
                fx.repo,
            ),
        )
        for fx in fixtures
    ]
    first = fixtures[0]
    cache = first.repo / ".git" / "pods" / "report-cache.json"
    cold_argv = ["sh", "-c", 'rm -f "$1" && exec "$2" all --out "$3"', "sh", str(cache), tools[REPORT]]
    pairs.append(
        (
            Case(
                f"report all, {first.commits:,} commits, no cache", [*cold_argv, str(first.out)], first.repo
            ),
            Case(
                f"git log --notes=pods, {first.commits:,} commits (again)",
                ["git", "log", "--notes=pods", "--format=%H%x00%N", "--exclude=refs/notes/*", "--all"],
                first.repo,
            ),
        )
    )
    progress(f"timing {args.rounds} alternating rounds ...")
    measure(baseline, pairs, args.rounds, env)
    (small, small_log), (large, large_log), (cold, cold_log) = pairs
    return {
        "rounds": args.rounds,
        "fixture": str(tmp) if args.keep else None,
        "fixtures": [
            {
                "commits": fx.commits,
                "pod_commits": fx.pods,
                "merges": fx.merges,
                "tags": fx.tags,
                "build_s": round(fx.build_s, 2),
            }
            for fx in fixtures
        ],
        "cases": [
            case_stats(c, baseline.median_ms)
            for c in (baseline, small, small_log, large, large_log, cold, cold_log)
        ],
        "pairs": [
            pair_stats(small, small_log, TARGET),
            pair_stats(large, large_log, None),
            pair_stats(large, small, GROWTH_TARGET),
            pair_stats(cold, cold_log, None),
        ],
    }


def print_table(data: dict[str, Any]) -> None:
    for fx in data["fixtures"]:
        print(
            f"fixture: {fx['commits']:,} commits, {fx['pod_commits']:,} pod commits, {fx['merges']} merges, "
            f"{fx['tags']} tags, built in {fx['build_s']:.1f} s"
        )
    width = max(len(c["name"]) for c in data["cases"])
    print("\n" + table_head(width))
    for case in data["cases"]:
        print(table_row(case, width))
    print()
    for pair in data["pairs"]:
        verdict = "" if pair["met"] is None else (", met" if pair["met"] else ", MISSED")
        print(
            f"{pair['ours']} / {pair['against']}: {pair['ratio']:.2f}x (target {target_text(pair['target'])}"
            f"{verdict}; per round {pair['round_min']:.2f}-{pair['round_max']:.2f}, "
            f"median {pair['round_median']:.2f})"
        )
    if data["fixture"]:
        print(f"fixtures kept in {data['fixture']}")


def main(argv: Sequence[str] | None = None) -> int:
    return script_main(argv, __doc__, DEFAULT_ROUNDS, (REPORT, VALIDATE), "report", bench, print_table)


if __name__ == "__main__":
    sys.exit(main())
