"""Time `git-pod-verify --all` over 10,000 commits, 1,000 of them pod commits, against `git log`.

DESIGN §8's target: `git pod-verify --all` over 10,000 commits of which 1,000 are pod commits costs
at most 10x one `git log --notes=pods` over the same commits, measured side by side in one run.

Fixture, built in a temporary folder with git config pinned (GIT_CONFIG_GLOBAL=/dev/null):

- repo/: `git init`, a small source tree, `git pod-init`, the scaffold committed (2 commits); then
  8,998 ordinary commits (one `git fast-import` stream; each rewrites one of 50 files under notes/);
  then 1,000 real pod commits made by `git pod-promote --all --onto main` from 1,000 queued
  bundles: 700 add a module src/mod_NNNN.py, 300 then edit one of those modules. Each bundle's
  patch.diff is git's own `--binary` diff of the change, made in a scratch clone, so the archive is
  what a pod's `git pod-submit` would have queued. 10,000 commits in all, 1,000 promoted notes.

Checks, before timing: the history has exactly 10,000 commits and 1,000 with a Patch-Id trailer;
`git pod-verify --all` exits 0 and says it checked 1,001 commits with pod work (the 1,000 and the
adopting commit, which adds .pods/); on a branch with one more commit that rewrites a promoted
diff (made with --no-verify), verify exits 1 naming that commit.

Rounds alternate the baseline, then the pair (the two sides swap order every other round). The
report gives each case's median, its ratio to `python -c pass`, and the pair's ratio of medians
with the per-round spread. A missed target is reported, never asserted.

Run: `python benchmarks/verify.py [--rounds N] [--json] [--keep]` with git-pods installed in this
interpreter and git-pod-init, git-pod-promote and git-pod-verify on PATH (`make bench`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
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
    progress,
    script_main,
    table_head,
    table_row,
    target_text,
    timed_run,
)
from promote import BRANCH, DIFF_OPTIONS, adopted_repo, captured, git, module, run, write, write_bundle

INIT = "git-pod-init"
PROMOTE = "git-pod-promote"
VERIFY = "git-pod-verify"
DEFAULT_ROUNDS = 7
COMMITS = 10_000
POD_COMMITS = 1_000
NEW_MODULES = 700  # changes 1..700 add src/mod_NNNN.py; 701..1000 edit modules 1..300
ORDINARY_FILES = 50
TARGET = 10.0

VERIFY_CASE = f"verify --all, {COMMITS:,} commits ({POD_COMMITS:,} pod)"
LOG_CASE = "git log --notes=pods, same commits"


@dataclass
class Case(Timed):
    name: str
    argv: list[str]
    samples: list[float] = field(default_factory=list)


def bundle_id(n: int) -> str:
    return f"patch_{n:04d}"


def change(n: int) -> tuple[str, str, str]:
    """Change n (1-based): the file it writes, its content, and its summary line."""
    if n <= NEW_MODULES:
        return f"src/mod_{n:04d}.py", module(n, 0), f"Add counters for stage {n}"
    m = n - NEW_MODULES
    return f"src/mod_{m:04d}.py", module(m, 1), f"Let stage {m} counters reset"


def data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def fast_import(repo: Path, env: dict[str, str], stream: str) -> None:
    done = subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        env=env,
        input=stream.encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise CheckFailed(f"git fast-import exited {done.returncode}: {done.stderr.decode()[-500:]}")


def ordinary_history(repo: Path, env: dict[str, str], count: int) -> None:
    """count ordinary commits on main, each rewriting one file under notes/, in one fast-import."""
    tip = git(repo, env, "rev-parse", BRANCH).strip()
    out = []
    for i in range(count):
        stamp = 1_700_000_000 + i
        out.append(
            f"commit refs/heads/{BRANCH}\ncommitter Bench Lead <bench@example.invalid> {stamp} +0000\n"
        )
        out.append(data(f"Update notes {i}\n").decode())
        if i == 0:
            out.append(f"from {tip}\n")
        out.append(f"M 100644 inline notes/n{i % ORDINARY_FILES:02d}.txt\n")
        out.append(data(f"revision {i}\n").decode())
        out.append("\n")
    fast_import(repo, env, "".join(out))
    git(repo, env, "reset", "-q", "--hard", BRANCH)


def queue_changes(repo: Path, scratch: Path, env: dict[str, str]) -> None:
    """The 1,000 changes as commits in a clone of repo (one fast-import), their diffs read back in one
    `git log -p --binary`, each queued in repo as a bundle."""
    git(repo.parent, env, "clone", "-q", "--no-local", str(repo), str(scratch))
    out = []
    for n in range(1, POD_COMMITS + 1):
        path, text, summary = change(n)
        out.append(f"commit refs/heads/changes\ncommitter Bench Lead <bench@example.invalid> {n} +0000\n")
        out.append(data(summary + "\n").decode())
        if n == 1:
            out.append(f"from {BRANCH}\n")
        out.append(f"M 100644 inline {path}\n" + data(text).decode() + "\n")
    fast_import(scratch, env, "".join(out))
    log_options = ["log", "--reverse", "--format=%x01", "-p", *DIFF_OPTIONS[3:]]
    raw = run(["git", *DIFF_OPTIONS[:2], *log_options, f"{BRANCH}..changes"], scratch, env)
    diffs = [block.lstrip(b"\n") for block in raw.split(b"\x01")[1:]]
    if len(diffs) != POD_COMMITS:
        raise CheckFailed(f"expected {POD_COMMITS} diffs, read {len(diffs)}")
    queue = repo / ".patches" / "queue"
    for n, diff in enumerate(diffs, start=1):
        write_bundle(queue, bundle_id(n), diff, change(n)[2])


def build(tmp: Path, env: dict[str, str], tools: dict[str, str]) -> Path:
    repo = tmp / "repo"
    adopted_repo(repo, env, tools[INIT])
    progress(f"  {COMMITS - POD_COMMITS - 2:,} ordinary commits ...")
    ordinary_history(repo, env, COMMITS - POD_COMMITS - 2)
    progress(f"  {POD_COMMITS:,} bundles queued and promoted ...")
    queue_changes(repo, tmp / "scratch", env)
    run([tools[PROMOTE], "--all", "--onto", BRANCH], repo, env)
    return repo


def check(repo: Path, env: dict[str, str], tools: dict[str, str]) -> None:
    count = int(git(repo, env, "rev-list", "--count", BRANCH))
    trailers = git(repo, env, "log", "--format=%(trailers:key=Patch-Id,valueonly)", BRANCH).split()
    if count != COMMITS or len(trailers) != POD_COMMITS:
        raise CheckFailed(
            f"expected {COMMITS} commits, {POD_COMMITS} promoted; found {count}, {len(trailers)}"
        )
    said = run([tools[VERIFY], "--all"], repo, env).decode()
    # the adopting commit adds .pods/ too: it is checked with the 1,000 promoted ones
    if f"ok: {COMMITS} commit(s) read, {POD_COMMITS + 1} with pod work checked" not in said:
        raise CheckFailed(f"git pod-verify --all said: {said.strip()}")
    git(repo, env, "checkout", "-q", "-b", "tampered")
    path = repo / ".patches" / f"{bundle_id(1)}.diff"
    write(path, path.read_text() + "# edited by hand\n")
    git(repo, env, "commit", "-q", "--no-verify", "-am", "Rewrite a promoted record")
    bad = git(repo, env, "rev-parse", "HEAD").strip()
    done = captured([tools[VERIFY], "--range", f"{BRANCH}..tampered"], repo, env)
    text = done.stdout.decode() + done.stderr.decode()
    if done.returncode != 1 or bad[:12] not in text:
        raise CheckFailed(f"verify of a tampered commit exited {done.returncode}:\n{text}")
    git(repo, env, "checkout", "-q", BRANCH)
    git(repo, env, "branch", "-q", "-D", "tampered")


def measure(baseline: Case, pair: tuple[Case, Case], repo: Path, rounds: int, env: dict[str, str]) -> None:
    for i in range(rounds):
        for case in (baseline, *(pair if i % 2 == 0 else pair[::-1])):
            elapsed, code = timed_run(case.argv, repo, env)
            if code != 0:
                raise CheckFailed(f"`{case.command}` exited {code} during timing, expected 0")
            case.samples.append(elapsed)


def bench(args: argparse.Namespace, tmp: Path, tools: dict[str, str]) -> dict[str, Any]:
    env = bench_env()
    progress(f"building the {COMMITS:,}-commit history in {tmp} ...")
    repo = build(tmp, env, tools)
    progress("checking verify (exit 0 on the history, 1 on a tampered commit) ...")
    check(repo, env, tools)
    baseline = Case(BASELINE, [sys.executable, "-c", "pass"])
    ours = Case(VERIFY_CASE, [tools[VERIFY], "--all"])
    theirs = Case(LOG_CASE, ["git", "log", "--notes=pods", "--format=%H%x00%N", BRANCH])
    progress(f"timing {args.rounds} alternating rounds ...")
    measure(baseline, (ours, theirs), repo, args.rounds, env)
    base_ms = baseline.median_ms
    ratios = [a / b for a, b in zip(ours.samples, theirs.samples, strict=True)]
    return {
        "rounds": args.rounds,
        "fixture": str(tmp) if args.keep else None,
        "cases": [case_stats(c, base_ms) for c in (baseline, ours, theirs)],
        "pair": {
            "ours": ours.name,
            "git": theirs.name,
            "ratio": round(ours.median_ms / theirs.median_ms, 2),
            "round_min": round(min(ratios), 2),
            "round_max": round(max(ratios), 2),
            "round_median": round(statistics.median(ratios), 2),
            "target": TARGET,
            "met": ours.median_ms / theirs.median_ms <= TARGET,
        },
    }


def print_table(data: dict[str, Any]) -> None:
    width = max(len(c["name"]) for c in data["cases"])
    print(table_head(width))
    for case in data["cases"]:
        print(table_row(case, width))
    pair = data["pair"]
    verdict = "met" if pair["met"] else "MISSED"
    print(
        f"\n{pair['ours']} / {pair['git']}: {pair['ratio']:.2f}x (target {target_text(pair['target'])}, "
        f"{verdict}; per round {pair['round_min']:.2f}-{pair['round_max']:.2f}, "
        f"median {pair['round_median']:.2f})"
    )
    if data["fixture"]:
        print(f"fixture kept in {data['fixture']}")


def main(argv: Sequence[str] | None = None) -> int:
    return script_main(argv, __doc__, DEFAULT_ROUNDS, (INIT, PROMOTE, VERIFY), "verify", bench, print_table)


if __name__ == "__main__":
    sys.exit(main())
