"""Time the installed hooks and `git-pod-validate` as whole processes, as ratios to `python -c pass`.

Cases (each one a fresh process, wall clock with time.perf_counter around subprocess.run):

- baseline: `python -c pass` with this interpreter (sys.executable): bare Python start-up;
- pre-commit hook, no pod files staged: the hook `git pod-init` installed, `.git/hooks/pre-commit`,
  run as git runs it (cwd the work tree's top, no arguments, stdin /dev/null) in an adopted
  repository (scaffold committed) with src/app.py staged; DESIGN §8's target: <= 1x;
- pre-commit hook, one bundle staged: the same, with one valid queued bundle staged too; target <= 6x;
- commit-msg hook, no archive: `.git/hooks/commit-msg .git/COMMIT_EDITMSG` in the first repository,
  with a message that carries no trailer (the hook's shell path); DESIGN §8 sets no target;
- post-commit hook, ordinary commit: `.git/hooks/post-commit` in an adopted repository whose HEAD
  is an ordinary commit (src/app.py added; no pod paths, no pod trailers): the hook's shell
  pre-filter must answer without starting Python; held to the same <= 1x as the pre-commit hook;
- validate one bundle: `git-pod-validate .patches/queue/<ID>` in a repository holding one valid bundle;
- validate 1,000 bundles: `git-pod-validate` (no argument: the whole record) in a repository
  holding 1,000 valid queued bundles.

Rounds alternate (every case once, in the order above; then again) so machine drift hits every case
equally; the report gives each case's median, its ratio to the baseline's median, and its target.
Fixtures are built in a temporary folder, never in the project tree, and every command is checked
first: it must exit 0 on the valid fixture and 1 on a deliberately broken copy. Needs git-pods
installed (`make bench`). Missed targets are reported, never asserted.

Run: `python benchmarks/run.py [--rounds N] [--json] [--keep]` with git-pod-validate and
git-pod-init on PATH.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    BASELINE,
    CheckFailed,
    Timed,
    bench_env,
    bench_main,
    case_stats,
    find_tools,
    output_tail,
    parse_args,
    progress,
    table_head,
    table_row,
    target_text,
    timed_run,
)

VALIDATE = "git-pod-validate"
INIT = "git-pod-init"
BIG_COUNT = 1000
DEFAULT_ROUNDS = 15
BIG_BUDGET_S = 60.0  # the 1,000-bundle case's timed runs, estimated from its warm-up run
MIN_BIG_ROUNDS = 3
NO_POD = "pre-commit hook, no pod files staged"
ONE_STAGED = "pre-commit hook, one bundle staged"
COMMIT_MSG = "commit-msg hook, no archive"
POST_COMMIT = "post-commit hook, ordinary commit"
ONE = "validate one bundle"
BIG = "validate 1,000 bundles"
PRE_COMMIT_HOOK = ".git/hooks/pre-commit"  # as git names it to the hook: relative to the work tree's top
COMMIT_MSG_HOOK = ".git/hooks/commit-msg"
POST_COMMIT_HOOK = ".git/hooks/post-commit"
MESSAGE_FILE = ".git/COMMIT_EDITMSG"
# What git 2.39 adds to a hook's environment for a plain `git commit` at the work tree's top.
HOOK_ENV = {"GIT_INDEX_FILE": ".git/index", "GIT_PREFIX": ""}

Breaker = Callable[[Path, dict[str, str]], None]  # (copied fixture, environment) -> None


@dataclass
class Case(Timed):
    """One command timed as a whole process."""

    name: str
    argv: list[str]
    cwd: Path
    rounds: int  # how many of the rounds run this case
    breaks: Breaker | None = None  # makes a copy of cwd on which argv must exit 1; None: no check
    budget_s: float | None = None  # fit the timed runs into this many seconds; None: every round
    target: float | None = None  # DESIGN §8's ceiling as a ratio to the baseline; None: none set
    env: dict[str, str] = field(default_factory=dict)  # added to the environment it runs in
    samples: list[float] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The name as a folder name: where the broken copy of the fixture goes."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


# --- fixtures ----------------------------------------------------------------------------------


def patch_id(n: int) -> str:
    return f"patch_20250419_{n:06d}"


def bundle_files(pid: str, n: int) -> dict[str, str]:
    """The four files of DESIGN §2's smallest valid bundle, for patch id pid."""
    head = f"patch_id: {pid}\npod: dev-pod\ntask_id: F2.1\n"
    return {
        "thought_trace.yaml": head + "summary: Parse symptom lists before staging return-to-play\n"
        "steps:\n  - Read the parser and its callers\n"
        "  - Added a tokenizer; kept the public function's signature\n",
        "changelog.yaml": head + "entries:\n  - type: added\n"
        "    description: Symptom parser accepts comma- and newline-separated lists\n",
        "handoff_log.yaml": "from: dev-pod\nto: qa-pod\nreason: Parser done, needs edge-case tests\n"
        f"related_patch: {pid}.diff\n",
        "patch.diff": f"diff --git a/src/f_{n}.py b/src/f_{n}.py\nnew file mode 100644\n"
        f"--- /dev/null\n+++ b/src/f_{n}.py\n@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n",
    }


def write_bundle(queue: Path, n: int) -> str:
    pid = patch_id(n)
    folder = queue / pid
    folder.mkdir(parents=True)
    for name, text in bundle_files(pid, n).items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
    return pid


def setup(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run one fixture-building command; fail with its output unless it exits 0."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise CheckFailed(
            f"fixture command `{' '.join(argv)}` in {cwd} exited {done.returncode}:\n    {output_tail(done)}"
        )


def make_repo(path: Path, count: int, env: dict[str, str]) -> list[str]:
    """A fresh git repository with count valid bundles in .patches/queue/; returns their ids."""
    path.mkdir()
    setup(["git", "init", "-q"], path, env)
    queue = path / ".patches" / "queue"
    return [write_bundle(queue, n) for n in range(1, count + 1)]


def make_hooked_repo(path: Path, bundles: int, env: dict[str, str], init: str) -> list[str]:
    """A repository adopted with `git pod-init` (native hooks installed, scaffold committed), with
    src/app.py and bundles valid queued bundles staged; returns the bundles' ids."""
    make_repo(path, 0, env)
    setup([init], path, env)
    for hook in (PRE_COMMIT_HOOK, COMMIT_MSG_HOOK):
        if not (path / hook).is_file():
            raise CheckFailed(f"`{init}` in {path} installed no {hook} (pre-commit framework config found?)")
    setup(["git", "add", "-A"], path, env)
    setup(["git", "commit", "-q", "--no-verify", "-m", "Adopt git-pods"], path, env)
    (path / "src").mkdir()
    (path / "src" / "app.py").write_text("def app():\n    return 1\n", encoding="utf-8", newline="\n")
    (path / MESSAGE_FILE).write_text("Add the app\n\nIt returns 1 for now.\n", encoding="utf-8")
    ids = [write_bundle(path / ".patches" / "queue", n) for n in range(1, bundles + 1)]
    setup(["git", "add", "src", ".patches"], path, env)
    return ids


def hook_python(repo: Path) -> str | None:
    """The interpreter `git pod-init` wrote into the installed pre-commit hook."""
    text = (repo / PRE_COMMIT_HOOK).read_text(encoding="utf-8", errors="replace")
    match = re.search(r"(?m)^GIT_PODS_PYTHON=(.*)$", text)
    if not match:
        return None
    value = match.group(1).strip()
    return value[1:-1].replace("'\\''", "'") if value.startswith("'") else value


def break_bundle(folder: Path) -> None:
    """Rename the changelog's required `entries` key: the bundle must then fail validation."""
    changelog = folder / "changelog.yaml"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("entries:", "entriez:"), encoding="utf-8")


def break_queued(pid: str, repo: Path, env: dict[str, str]) -> None:
    """Break a queued bundle in the working tree (what git-pod-validate reads)."""
    break_bundle(repo / ".patches" / "queue" / pid)


def break_staged(pid: str, repo: Path, env: dict[str, str]) -> None:
    """Break a queued bundle and stage the break: the hook judges the index, not the working tree."""
    break_queued(pid, repo, env)
    setup(["git", "add", ".patches"], repo, env)


def stage_broken(repo: Path, env: dict[str, str]) -> None:
    """Stage a broken bundle next to the ordinary file: proves this repository's hook checks."""
    break_staged(write_bundle(repo / ".patches" / "queue", 1), repo, env)


def claim_pod_work(repo: Path, env: dict[str, str]) -> None:
    """A message whose Pod trailer claims pod work the commit does not carry (GP222)."""
    (repo / MESSAGE_FILE).write_text("Add the app\n\nPod: dev-pod\n", encoding="utf-8")


def hook_case(
    name: str, argv: list[str], repo: Path, rounds: int, breaks: Breaker | None, target: float | None
) -> Case:
    """An installed hook run as git runs it: from the work tree's top, with git's hook variables."""
    return Case(name, argv, repo, rounds, breaks, target=target, env=HOOK_ENV)


def build_cases(tmp: Path, rounds: int, env: dict[str, str], validate: str, init: str) -> list[Case]:
    plain, bundled, committed, single, record = (
        tmp / n for n in ("hooked", "hooked-bundle", "hooked-committed", "one-bundle", "many-bundles")
    )
    make_hooked_repo(plain, 0, env, init)
    make_hooked_repo(committed, 0, env, init)
    setup(["git", "commit", "-q", "--no-verify", "-m", "Add the app"], committed, env)
    staged = make_hooked_repo(bundled, 1, env, init)[0]
    one = make_repo(single, 1, env)[0]
    many = make_repo(record, BIG_COUNT, env)[-1]
    return [
        Case(BASELINE, [sys.executable, "-c", "pass"], tmp, rounds),
        hook_case(NO_POD, [PRE_COMMIT_HOOK], plain, rounds, stage_broken, 1.0),
        hook_case(ONE_STAGED, [PRE_COMMIT_HOOK], bundled, rounds, partial(break_staged, staged), 6.0),
        hook_case(COMMIT_MSG, [COMMIT_MSG_HOOK, MESSAGE_FILE], plain, rounds, claim_pod_work, None),
        hook_case(POST_COMMIT, [POST_COMMIT_HOOK], committed, rounds, None, 1.0),  # it never fails
        Case(ONE, [validate, f".patches/queue/{one}"], single, rounds, partial(break_queued, one)),
        Case(BIG, [validate], record, rounds, partial(break_queued, many), BIG_BUDGET_S),
    ]


def fit_rounds(rounds: int, seconds: float, budget_s: float) -> int:
    """As many rounds as fit the budget at `seconds` a run, at least MIN_BIG_ROUNDS, at most rounds."""
    return min(rounds, max(MIN_BIG_ROUNDS, int(budget_s / max(seconds, 1e-6))))


# --- checks ------------------------------------------------------------------------------------


def run_captured(case: Case, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        case.argv,
        cwd=cwd,
        env={**env, **case.env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def expect(case: Case, cwd: Path, env: dict[str, str], code: int) -> float:
    """Run case in cwd, fail unless it exits code; return how long it took in seconds."""
    start = time.perf_counter()
    done = run_captured(case, cwd, env)
    elapsed = time.perf_counter() - start
    if done.returncode != code:
        raise CheckFailed(
            f"`{case.command}` in {cwd} exited {done.returncode}, expected {code}:\n    {output_tail(done)}"
        )
    return elapsed


def check_cases(cases: Sequence[Case], env: dict[str, str]) -> None:
    """Warm-up run of each case, which must exit 0; a broken copy of each fixture must exit 1.

    A case with a time budget gets as many rounds as fit it at its warm-up time.
    """
    for case in cases:
        warm_up = expect(case, case.cwd, env, 0)
        if case.budget_s is not None:
            case.rounds = fit_rounds(case.rounds, warm_up, case.budget_s)
        if case.breaks is None:
            continue
        broken = case.cwd.with_name(f"{case.slug}-broken")
        shutil.copytree(case.cwd, broken, symlinks=True)
        case.breaks(broken, env)
        expect(case, broken, env, 1)


# --- timing ------------------------------------------------------------------------------------


def rounds_with(case: Case, rounds: int) -> set[int]:
    """Which of the rounds run this case: all of them, or case.rounds spread evenly over the run."""
    return {(k * rounds) // case.rounds for k in range(case.rounds)}


def time_once(case: Case, env: dict[str, str]) -> float:
    elapsed, code = timed_run(case.argv, case.cwd, {**env, **case.env})
    if code != 0:
        raise CheckFailed(f"`{case.command}` exited {code} during timing, expected 0")
    return elapsed


def measure(cases: Sequence[Case], rounds: int, env: dict[str, str]) -> None:
    """Alternating rounds: each round runs every case due in it once, in order."""
    due = {case.name: rounds_with(case, rounds) for case in cases}
    for index in range(rounds):
        for case in cases:
            if index in due[case.name]:
                case.samples.append(time_once(case, env))


# --- report ------------------------------------------------------------------------------------


def case_summary(case: Case, base: float) -> dict[str, Any]:
    ratio = case.median_ms / base
    return {
        **case_stats(case, base),
        "target": target_text(case.target),
        "target_ratio": case.target,
        "target_met": None if case.target is None else ratio <= case.target,
    }


def summary(
    cases: Sequence[Case], rounds: int, fixtures: Path | None, hook_python: str | None
) -> dict[str, Any]:
    named = {c.name: c for c in cases}
    base, one, big = named[BASELINE].median_ms, named[ONE].median_ms, named[BIG].median_ms
    return {
        "baseline": BASELINE,
        "python": sys.executable,
        "hook_python": hook_python,
        "rounds": rounds,
        "big_rounds": named[BIG].rounds,
        "cases": [case_summary(c, base) for c in cases],
        "per_bundle_ms": round((big - base) / BIG_COUNT, 3),
        "per_extra_bundle_ms": round((big - one) / (BIG_COUNT - 1), 3),
        "fixtures": str(fixtures) if fixtures else None,
    }


def verdict(case: dict[str, Any]) -> str:
    if case["target_met"] is None:
        return ""
    return "met" if case["target_met"] else "MISSED"


def print_header(data: dict[str, Any], validate: str, init: str) -> None:
    print("git-pods whole-process timings")
    print(f"  git-pod-validate: {validate}")
    print(f"  hooks installed by: {init} (their interpreter: {data['hook_python']})")
    print(f"ratio = a case's median / the median of `{BASELINE}` ({data['python']}), same run")
    if data["hook_python"] and Path(data["hook_python"]).resolve() != Path(data["python"]).resolve():
        print("  note: the hooks' interpreter is not the baseline's: their ratios compare two Pythons")
    print(f"{data['rounds']} alternating rounds, in the order below, after one warm-up run of each case")
    if data["big_rounds"] < data["rounds"]:
        print(
            f"the 1,000-bundle case runs in {data['big_rounds']} of them, spread evenly: as many as fit"
            f" {BIG_BUDGET_S:.0f} s at its warm-up time (at least {MIN_BIG_ROUNDS}), to keep the run short"
        )
    print("target: DESIGN §8's ceiling for the ratio (- where it sets none); reported, never asserted")


def print_table(data: dict[str, Any], validate: str, init: str) -> None:
    named = {c["name"]: c for c in data["cases"]}
    base = named[BASELINE]["median_ms"]
    print_header(data, validate, init)
    print()
    width = max(len(name) for name in named)
    print(f"{table_head(width)} {'target':>7}")
    for c in data["cases"]:
        print(f"{table_row(c, width)} {c['target']:>7} {verdict(c)}".rstrip())
    print()
    per = data["per_bundle_ms"]
    extra = data["per_extra_bundle_ms"]
    print(f"per bundle, 1,000 bundles: (median - baseline) / 1000 = {per:.3f} ms", end="")
    print(f" ({per / base:.3f} × {BASELINE})")
    print(f"per extra bundle beyond the first: (1,000 median - one median) / 999 = {extra:.3f} ms")
    if data["fixtures"]:
        print(f"fixtures kept in {data['fixtures']}")


# --- main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace, tmp: Path, validate: str, init: str) -> dict[str, Any]:
    env = bench_env()
    progress(f"building fixtures in {tmp} ...")
    cases = build_cases(tmp, args.rounds, env, validate, init)
    progress("checking every command (warm-up; valid fixture exits 0, broken copy exits 1) ...")
    check_cases(cases, env)
    progress(f"timing {args.rounds} alternating rounds ...")
    measure(cases, args.rounds, env)
    python = hook_python(next(c.cwd for c in cases if c.name == NO_POD))
    return summary(cases, args.rounds, tmp if args.keep else None, python)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__, DEFAULT_ROUNDS, "rounds for the fast cases")
    tools = find_tools((VALIDATE, INIT))
    if tools is None:
        return 1
    validate, init = tools[VALIDATE], tools[INIT]
    return bench_main(
        args,
        "git-pods-bench-",
        lambda tmp: bench(args, tmp, validate, init),
        lambda data: print_table(data, validate, init),
        "a fixture command failed its check",
    )


if __name__ == "__main__":
    sys.exit(main())
