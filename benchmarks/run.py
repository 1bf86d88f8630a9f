"""Time `git-pod-validate` as whole processes, as ratios to `python -c pass` measured in the same run.

Cases (each one a fresh process, wall clock with time.perf_counter around subprocess.run):

- baseline: `python -c pass` with this interpreter (sys.executable): bare Python start-up;
- validate one bundle: `git-pod-validate .patches/queue/<ID>` in a repository holding one valid bundle;
- validate 1,000 bundles: `git-pod-validate` (no argument: the whole record) in a repository
  holding 1,000 valid queued bundles.

Rounds alternate (baseline, one bundle, 1,000 bundles; then again) so machine drift hits every case
equally; the report gives each case's median and its ratio to the baseline's median. Fixtures are
built in a temporary folder, never in the project tree, and every command is checked first: it must
exit 0 on the valid fixture and 1 on a deliberately broken copy. Needs git-pods installed (`make bench`).

Run: `python benchmarks/run.py [--rounds N] [--json] [--keep]` with git-pod-validate on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git_pods.gitio.runner import clean_env

VALIDATE = "git-pod-validate"
BIG_COUNT = 1000
DEFAULT_ROUNDS = 15
BIG_BUDGET_S = 60.0  # the 1,000-bundle case's timed runs, estimated from its warm-up run
MIN_BIG_ROUNDS = 3
BASELINE = "python -c pass"

PINNED_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench Lead",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench Lead",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


class CheckFailed(Exception):
    """A fixture command did not exit as expected: timing it would be worthless."""


@dataclass
class Case:
    """One command timed as a whole process."""

    name: str
    argv: list[str]
    cwd: Path
    rounds: int  # how many of the rounds run this case
    broken_id: str | None = None  # the bundle to break for the negative check; None: no check
    budget_s: float | None = None  # fit the timed runs into this many seconds; None: every round
    samples: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def command(self) -> str:
        return " ".join(self.argv)


# --- fixtures ----------------------------------------------------------------------------------


def bench_env() -> dict[str, str]:
    """The caller's environment without repository-pointing GIT_* variables, with git config pinned."""
    env = clean_env(PINNED_GIT_ENV)
    return env


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


def make_repo(path: Path, count: int, env: dict[str, str]) -> list[str]:
    """A fresh git repository with count valid bundles in .patches/queue/; returns their ids."""
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, env=env, check=True)
    queue = path / ".patches" / "queue"
    return [write_bundle(queue, n) for n in range(1, count + 1)]


def break_bundle(folder: Path) -> None:
    """Rename the changelog's required `entries` key: the bundle must then fail validation."""
    changelog = folder / "changelog.yaml"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("entries:", "entriez:"), encoding="utf-8")


def build_cases(tmp: Path, rounds: int, env: dict[str, str], validate: str) -> list[Case]:
    one = make_repo(tmp / "one-bundle", 1, env)[0]
    many = make_repo(tmp / "many-bundles", BIG_COUNT, env)[-1]
    return [
        Case(BASELINE, [sys.executable, "-c", "pass"], tmp, rounds),
        Case("validate one bundle", [validate, f".patches/queue/{one}"], tmp / "one-bundle", rounds, one),
        Case("validate 1,000 bundles", [validate], tmp / "many-bundles", rounds, many, BIG_BUDGET_S),
    ]


def fit_rounds(rounds: int, seconds: float, budget_s: float) -> int:
    """As many rounds as fit the budget at `seconds` a run, at least MIN_BIG_ROUNDS, at most rounds."""
    return min(rounds, max(MIN_BIG_ROUNDS, int(budget_s / max(seconds, 1e-6))))


# --- checks ------------------------------------------------------------------------------------


def run_captured(case: Case, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        case.argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )


def expect(case: Case, cwd: Path, env: dict[str, str], code: int) -> float:
    """Run case in cwd, fail unless it exits code; return how long it took in seconds."""
    start = time.perf_counter()
    done = run_captured(case, cwd, env)
    elapsed = time.perf_counter() - start
    if done.returncode != code:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise CheckFailed(
            f"`{case.command}` in {cwd} exited {done.returncode}, expected {code}:\n    "
            + "\n    ".join(tail or ["(no output)"])
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
        if case.broken_id is None:
            continue
        broken = case.cwd.with_name(case.cwd.name + "-broken")
        shutil.copytree(case.cwd, broken, symlinks=True)
        break_bundle(broken / ".patches" / "queue" / case.broken_id)
        expect(case, broken, env, 1)


# --- timing ------------------------------------------------------------------------------------


def rounds_with(case: Case, rounds: int) -> set[int]:
    """Which of the rounds run this case: all of them, or case.rounds spread evenly over the run."""
    return {(k * rounds) // case.rounds for k in range(case.rounds)}


def time_once(case: Case, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        case.argv,
        cwd=case.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise CheckFailed(f"`{case.command}` exited {done.returncode} during timing, expected 0")
    return elapsed


def measure(cases: Sequence[Case], rounds: int, env: dict[str, str]) -> None:
    """Alternating rounds: each round runs every case due in it once, in order."""
    due = {case.name: rounds_with(case, rounds) for case in cases}
    for index in range(rounds):
        for case in cases:
            if index in due[case.name]:
                case.samples.append(time_once(case, env))


# --- report ------------------------------------------------------------------------------------


def summary(cases: Sequence[Case], rounds: int, fixtures: Path | None) -> dict[str, Any]:
    base, one, big = cases[0].median_ms, cases[1].median_ms, cases[-1].median_ms
    return {
        "baseline": BASELINE,
        "python": sys.executable,
        "rounds": rounds,
        "big_rounds": cases[-1].rounds,
        "cases": [
            {
                "name": c.name,
                "command": c.command,
                "runs": len(c.samples),
                "median_ms": round(c.median_ms, 2),
                "min_ms": round(min(c.samples) * 1000, 2),
                "max_ms": round(max(c.samples) * 1000, 2),
                "ratio": round(c.median_ms / base, 2),
            }
            for c in cases
        ],
        "per_bundle_ms": round((big - base) / BIG_COUNT, 3),
        "per_extra_bundle_ms": round((big - one) / (BIG_COUNT - 1), 3),
        "fixtures": str(fixtures) if fixtures else None,
    }


def print_table(data: dict[str, Any], validate: str) -> None:
    base = data["cases"][0]["median_ms"]
    print(f"git-pod-validate whole-process timings: {validate}")
    print(f"ratio = a case's median / the median of `{BASELINE}` ({data['python']}), same run")
    print(f"{data['rounds']} alternating rounds, in the order below, after one warm-up run of each case")
    if data["big_rounds"] < data["rounds"]:
        print(
            f"the 1,000-bundle case runs in {data['big_rounds']} of them, spread evenly: as many as fit"
            f" {BIG_BUDGET_S:.0f} s at its warm-up time (at least {MIN_BIG_ROUNDS}), to keep the run short"
        )
    print()
    print(f"{'case':<26} {'runs':>4} {'median ms':>10} {'min-max ms':>17} {'× ' + BASELINE:>18}")
    for c in data["cases"]:
        spread = f"{c['min_ms']:.1f}-{c['max_ms']:.1f}"
        print(f"{c['name']:<26} {c['runs']:>4} {c['median_ms']:>10.1f} {spread:>17} {c['ratio']:>18.2f}")
    print()
    per = data["per_bundle_ms"]
    extra = data["per_extra_bundle_ms"]
    print(f"per bundle, 1,000 bundles: (median - baseline) / 1000 = {per:.3f} ms", end="")
    print(f" ({per / base:.3f} × {BASELINE})")
    print(f"per extra bundle beyond the first: (1,000 median - one median) / 999 = {extra:.3f} ms")
    if data["fixtures"]:
        print(f"fixtures kept in {data['fixtures']}")


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds for the fast cases")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary fixtures and print where")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench(args: argparse.Namespace, tmp: Path, validate: str) -> dict[str, Any]:
    env = bench_env()
    progress(f"building fixtures in {tmp} ...")
    cases = build_cases(tmp, args.rounds, env, validate)
    progress("checking every command (warm-up; valid fixture exits 0, broken copy exits 1) ...")
    check_cases(cases, env)
    progress(f"timing {args.rounds} alternating rounds ...")
    measure(cases, args.rounds, env)
    return summary(cases, args.rounds, tmp if args.keep else None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    validate = shutil.which(VALIDATE)
    if validate is None:
        progress(f"error: {VALIDATE} is not on PATH (put the virtualenv's bin folder first)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="git-pods-bench-"))
    try:
        data = bench(args, tmp, validate)
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        progress(f"error: a fixture command failed its check; the timings are void.\n{exc}")
        return 1
    except OSError as exc:  # e.g. the virtualenv was reinstalled under a running benchmark
        progress(f"error: could not run a fixture command; the timings are void.\n{exc}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print_table(data, validate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
