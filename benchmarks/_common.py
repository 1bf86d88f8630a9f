"""What benchmarks/run.py and benchmarks/promote.py share: the machinery around their cases.

This module owns:

- the environment every fixture and timed command runs in (`bench_env`: the caller's environment
  without repository-pointing GIT_* variables, git config pinned by PINNED_GIT_ENV);
- `CheckFailed`, the one error that voids a run, and `output_tail`, a failed command's last lines;
- `Timed`, what every timed case has (name, argv, samples) with its median and command line, and
  `timed_run`, one whole process timed with time.perf_counter around subprocess.run;
- the baseline's name (`python -c pass`), a case's numbers for the report (`case_stats`), a target
  as text (`target_text`) and the table's shared columns (`table_head`, `table_row`);
- the command line (`parse_args`), progress lines on stderr (`progress`), finding the tools on PATH
  (`find_tools`), the run around a benchmark (`bench_main`: temporary folder, error handling,
  JSON or table) and a script's whole main (`script_main`).

What each script measures, checks and prints beyond these stays in the script. They import this
module as `_common`: a script's own folder is first on sys.path, whatever the working directory.
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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, AnyStr

from git_pods.gitio.runner import clean_env

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
    """A fixture command or a checked run did not do what it must: timing it would be worthless."""


# --- running things ----------------------------------------------------------------------------


def bench_env() -> dict[str, str]:
    """The caller's environment without repository-pointing GIT_* variables, with git config pinned."""
    return clean_env(PINNED_GIT_ENV)


def output_tail(done: subprocess.CompletedProcess[AnyStr]) -> str:
    """The last lines a failed command printed (stdout, then stderr), indented, for an error message."""
    joined = done.stdout + done.stderr
    text = joined.decode("utf-8", "replace") if isinstance(joined, bytes) else joined
    return "\n    ".join(text.strip().splitlines()[-15:] or ["(no output)"])


def timed_run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run argv as a whole process, its output discarded; returns its wall-clock seconds and exit code."""
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start, done.returncode


class Timed:
    """What every timed case has; the scripts' Case dataclasses derive from it and declare the fields."""

    name: str
    argv: list[str]
    samples: list[float]  # seconds, one per timed run

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def command(self) -> str:
        return " ".join(self.argv)


# --- report ------------------------------------------------------------------------------------


def case_stats(case: Timed, base_ms: float) -> dict[str, Any]:
    """A case's numbers for the report; ratio: its median / the baseline's median (base_ms)."""
    return {
        "name": case.name,
        "command": case.command,
        "runs": len(case.samples),
        "median_ms": round(case.median_ms, 2),
        "min_ms": round(min(case.samples) * 1000, 2),
        "max_ms": round(max(case.samples) * 1000, 2),
        "ratio": round(case.median_ms / base_ms, 2),
    }


def target_text(target: float | None) -> str:
    return f"<= {target:g}x" if target is not None else "-"


def table_head(width: int) -> str:
    """The table's first columns' titles; width: the case column's width."""
    return f"{'case':<{width}} {'runs':>4} {'median ms':>10} {'min-max ms':>17} {'× ' + BASELINE:>18}"


def table_row(case: dict[str, Any], width: int) -> str:
    """A case's first columns, from its case_stats."""
    spread = f"{case['min_ms']:.1f}-{case['max_ms']:.1f}"
    return (
        f"{case['name']:<{width}} {case['runs']:>4} {case['median_ms']:>10.1f} {spread:>17}"
        f" {case['ratio']:>18.2f}"
    )


# --- main --------------------------------------------------------------------------------------


def parse_args(
    argv: Sequence[str] | None, doc: str | None, default_rounds: int, rounds_help: str
) -> argparse.Namespace:
    """--rounds N (at least 1), --json, --keep; doc: the script's docstring, its first line the
    description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--rounds", type=int, default=default_rounds, help=rounds_help)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary fixtures and print where")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def find_tools(names: Iterable[str]) -> dict[str, str] | None:
    """Each command's path on PATH; None, with an error on stderr, if any is missing."""
    found = {name: shutil.which(name) for name in names}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        progress(f"error: {' and '.join(missing)} not on PATH (put the virtualenv's bin folder first)")
        return None
    return {name: str(path) for name, path in found.items()}


def bench_main(
    args: argparse.Namespace,
    prefix: str,
    bench: Callable[[Path], dict[str, Any]],
    print_table: Callable[[dict[str, Any]], None],
    failed: str,
) -> int:
    """Run bench in a fresh temporary folder named prefix..., removed afterwards unless --keep; print
    its numbers as JSON or as print_table prints them. Returns the exit code: 1, with `failed` (what
    went wrong, for the error line) and the error, when a check fails or a command cannot run."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        data = bench(tmp)
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        progress(f"error: {failed}; the timings are void.\n{exc}")
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
        print_table(data)
    return 0


def script_main(
    argv: Sequence[str] | None,
    doc: str | None,
    rounds: int,
    tool_names: Sequence[str],
    name: str,
    bench: Callable[[argparse.Namespace, Path, dict[str, str]], dict[str, Any]],
    print_table: Callable[[dict[str, Any]], None],
) -> int:
    """A benchmark script's main: its command line, its tools found on PATH, then bench_main in a
    folder named git-pods-bench-NAME-…"""
    args = parse_args(argv, doc, rounds, "timed rounds")
    tools = find_tools(tuple(tool_names))
    if tools is None:
        return 1
    return bench_main(
        args,
        f"git-pods-bench-{name}-",
        lambda tmp: bench(args, tmp, tools),
        print_table,
        "a fixture command or a check failed",
    )
