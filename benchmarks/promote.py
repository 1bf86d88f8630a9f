"""Time `git-pod-promote` and `git-pod-validate` on big inputs against the git commands they build on.

DESIGN §8 sets two targets as ratios to git itself, measured side by side in one run:

- promote 100 bundles: `git-pod-promote --all --onto main` in an adopted repository (main checked
  out, clean) holding 100 queued bundles, against `git am -q` of the same 100 changes (one mbox
  from `git format-patch`) onto the same base; target <= 2x git am;
- validate a 100,000-line diff: `git-pod-validate .patches/queue/<ID>` on one queued bundle whose
  patch.diff has exactly 100,000 lines (new files and edited ones), against
  `git apply --check --numstat` of that same patch.diff in the same repository; target <= 3x.

`python -c pass` (this interpreter) is timed too, as in benchmarks/run.py: every case is also shown
as a ratio to bare Python start-up. Each case is one whole process, timed with time.perf_counter
around subprocess.run.

Fixtures, built in a temporary folder with git config pinned (GIT_CONFIG_GLOBAL=/dev/null):

- base/: `git init`, a small source tree, `git pod-init`, the scaffold committed; then 100 queued
  bundles (untracked, as a pod leaves them) in .patches/queue/patch_001 ... patch_100;
- the 100 changes are real commits made in a clone of base/ (changes/, branch `changes`), never in
  base/ itself, so neither side finds its objects already stored: 60 add a module
  src/mod_NNN.py, 40 then edit one of those modules. git am gets `git format-patch --stdout` of
  them; each bundle's patch.diff is `git diff --binary` of its commit against its parent (the same
  code patch), with the bundle's handoff digests matching;
- big/: a copy of the adopted repository with 10 committed modules of 5,000 lines, and one queued
  bundle whose diff edits every 50th line of them and adds new modules, padded to 100,000 lines.

promote and git am change the repository, so every round gives each of them its own fresh copy of
base/ (copied, and its index refreshed, before the clock starts; only the command is timed).
validate and git apply --check change nothing and run in big/ itself.

Checks, before timing (a benchmark of a failing command is worthless): promote and git am, each on
a fresh copy, exit 0 and make 100 commits each on main; both histories change the same code files
to the same blobs commit by commit, and their final trees equal the changes' tip, leaving out
.patches/ and .logs/ (git-pods' record); the queue is empty and the working tree clean after
promote. validate and git apply --check exit 0 on the big bundle, and both exit non-zero on a copy
whose diff lost its last line (so both really read it to the end).

Rounds alternate: each round runs the baseline, then the promote pair, then the validate pair; the
two sides of a pair swap order every other round, so machine drift and cache warmth hit both
equally. The report gives each case's median, its ratio to the baseline, and for each pair the
ratio of the medians (the number DESIGN §8's target judges) with the per-round ratios' spread.
Missed targets are reported, never asserted.

Run: `python benchmarks/promote.py [--rounds N] [--json] [--keep]` with git-pods installed in this
interpreter and git-pod-init, git-pod-promote and git-pod-validate on PATH (`make bench`).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
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
    output_tail,
    progress,
    script_main,
    table_head,
    table_row,
    target_text,
    timed_run,
)

INIT = "git-pod-init"
PROMOTE = "git-pod-promote"
VALIDATE = "git-pod-validate"
DEFAULT_ROUNDS = 7
BUNDLES = 100
NEW_MODULES = 60  # changes 1..60 add src/mod_NNN.py; changes 61..100 edit modules 1..40
DIFF_LINES = 100_000
EDITED_FILES = 10  # big/: committed modules the big diff edits
EDITED_LENGTH = 5_000  # lines in each of them
EDIT_EVERY = 50  # the big diff changes every 50th line of them
NEW_FILES = 9  # and adds this many modules, the last one padded to reach DIFF_LINES exactly
BIG_ID = "patch_big"
BRANCH = "main"

PROMOTE_CASE = f"promote {BUNDLES} bundles"
AM_CASE = f"git am, same {BUNDLES} patches"
VALIDATE_CASE = "validate a 100,000-line diff"
APPLY_CASE = "git apply --check --numstat, same diff"

# git-pods' own record in a tree: left out when comparing promote's code with git am's.
RECORD_PATHS = (".patches/", ".logs/")
CODE_ONLY = ["--", ".", ":(exclude).patches", ":(exclude).logs"]
DIFF_OPTIONS = ["-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--binary"]


@dataclass
class Case(Timed):
    """One command timed as a whole process. cwd None: a fresh copy of base/ each round."""

    name: str
    argv: list[str]
    cwd: Path | None
    samples: list[float] = field(default_factory=list)


@dataclass
class Pair:
    """A git-pods command and the git command it is judged against (DESIGN §8's target is a ceiling
    on the ratio of their medians)."""

    ours: Case
    git: Case
    target: float

    @property
    def ratio(self) -> float:
        return self.ours.median_ms / self.git.median_ms

    @property
    def round_ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ours.samples, self.git.samples, strict=True)]


@dataclass
class Fixtures:
    tmp: Path
    base: Path  # adopted repository with 100 queued bundles (copied per round)
    base_commit: str
    changes_tree: list[str]  # the changes' tip as code-only `git ls-tree -r` lines
    mbox: Path
    big: Path  # adopted repository with one queued bundle holding the 100,000-line diff
    big_diff: Path
    big_files: int  # files the big diff touches
    git_version: str
    tools: dict[str, str]


# --- running things ----------------------------------------------------------------------------


def captured(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> bytes:
    """Run a command, return its stdout; fail with its output unless it exits 0."""
    done = captured(argv, cwd, env)
    if done.returncode != 0:
        raise CheckFailed(f"`{' '.join(argv)}` in {cwd} exited {done.returncode}:\n    {output_tail(done)}")
    return done.stdout


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return run(["git", *args], cwd, env).decode("utf-8", "surrogateescape")


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def fresh_copy(source: Path, dest: Path, env: dict[str, str]) -> Path:
    """A copy of a repository whose index is up to date again (a copy changes every file's inode and
    ctime, which the first git command would otherwise notice and re-hash)."""
    shutil.copytree(source, dest, symlinks=True)
    git(dest, env, "update-index", "-q", "--refresh")
    return dest


def time_once(case: Case, cwd: Path, env: dict[str, str]) -> None:
    elapsed, code = timed_run(case.argv, cwd, env)
    if code != 0:
        raise CheckFailed(f"`{case.command}` in {cwd} exited {code} during timing, expected 0")
    case.samples.append(elapsed)


# --- fixtures ----------------------------------------------------------------------------------


def adopted_repo(path: Path, env: dict[str, str], init: str) -> str:
    """`git init`, a small source tree, `git pod-init`, the scaffold committed; returns the commit."""
    path.mkdir()
    git(path, env, "init", "-q", "-b", BRANCH)
    write(path / "README.md", "# bench\n\nA repository for timing git-pods.\n")
    write(path / "src" / "__init__.py", "")
    write(path / "src" / "parser.py", "def parse(text):\n    return [t.strip() for t in text.split(',')]\n")
    git(path, env, "add", "-A")
    git(path, env, "commit", "-q", "--no-verify", "-m", "Base")
    run([init], path, env)
    git(path, env, "add", "-A")
    git(path, env, "commit", "-q", "--no-verify", "-m", "Adopt git-pods")
    return git(path, env, "rev-parse", "HEAD").strip()


def module(n: int, revision: int) -> str:
    """Source of src/mod_NNN.py: a small class and two functions; revision 1 edits and extends it."""
    scale = n if revision == 0 else n * 10
    text = (
        f'"""Module {n}: counters for stage {n}."""\n\n\n'
        f"class Counter{n}:\n"
        f"    def __init__(self, start: int = {n}) -> None:\n"
        "        self.value = start\n\n"
        "    def step(self) -> int:\n"
        f"        self.value += {scale}\n"
        "        return self.value\n\n\n"
        f"def total_{n}(items: list[int]) -> int:\n"
        f"    return sum(items) + {scale}\n\n\n"
        f"def label_{n}(name: str) -> str:\n"
        f'    return f"stage {n}: {{name}}"\n'
    )
    if revision:
        text += f"\n\ndef reset_{n}(counter: Counter{n}) -> None:\n    counter.value = {n}\n    return None\n"
    return text


def change(n: int) -> tuple[str, str, str]:
    """Change n (1-based): the file it writes, its content, and its summary line."""
    if n <= NEW_MODULES:
        return f"src/mod_{n:03d}.py", module(n, 0), f"Add counters for stage {n}"
    m = n - NEW_MODULES
    return f"src/mod_{m:03d}.py", module(m, 1), f"Let stage {m} counters reset"


def bundle_id(n: int) -> str:
    return f"patch_{n:03d}"


def write_bundle(queue: Path, pid: str, diff: bytes, summary: str) -> None:
    """A queued bundle around diff: DESIGN §2's files, with handoff digests that match them."""
    head = f"patch_id: {pid}\npod: dev-pod\ntask_id: F2.1\n"
    trace = f"{head}summary: {summary}\nsteps:\n  - Made the change\n".encode()
    changelog = f"{head}entries:\n  - type: changed\n    description: {summary}\n".encode()
    digests = "".join(
        f"  {name}: sha256:{hashlib.sha256(data).hexdigest()}\n"
        for name, data in (("patch.diff", diff), ("thought_trace.yaml", trace), ("changelog.yaml", changelog))
    )
    handoff = f"from: dev-pod\nto: qa-pod\nreason: Ready\nrelated_patch: {pid}.diff\ndigests:\n{digests}"
    folder = queue / pid
    write(folder / "patch.diff", diff)
    write(folder / "thought_trace.yaml", trace)
    write(folder / "changelog.yaml", changelog)
    write(folder / "handoff_log.yaml", handoff)


def code_listing(repo: Path, env: dict[str, str], rev: str) -> list[str]:
    """`git ls-tree -r` of rev without git-pods' record: modes, blobs and paths of the code."""
    lines = git(repo, env, "ls-tree", "-r", "--full-tree", rev).splitlines()
    return sorted(line for line in lines if not line.split("\t", 1)[1].startswith(RECORD_PATHS))


def make_changes(base: Path, scratch: Path, mbox: Path, env: dict[str, str]) -> list[str]:
    """The 100 changes as commits in a clone of base; writes their mbox, queues one bundle per change
    in base, returns the changes' tip as a code listing."""
    git(base.parent, env, "clone", "-q", "--no-local", str(base), str(scratch))
    git(scratch, env, "checkout", "-q", "-b", "changes")
    for n in range(1, BUNDLES + 1):
        path, text, summary = change(n)
        write(scratch / path, text)
        git(scratch, env, "add", "--", path)
        git(scratch, env, "commit", "-q", "--no-verify", "-m", summary)
    write(mbox, run(["git", "format-patch", "--stdout", f"{BRANCH}..changes"], scratch, env))
    commits = git(scratch, env, "rev-list", "--reverse", f"{BRANCH}..changes").split()
    if len(commits) != BUNDLES:
        raise CheckFailed(f"expected {BUNDLES} commits on the scratch branch, found {len(commits)}")
    queue = base / ".patches" / "queue"
    for n, commit in enumerate(commits, start=1):
        diff = run(["git", *DIFF_OPTIONS, f"{commit}^", commit], scratch, env)
        write_bundle(queue, bundle_id(n), diff, change(n)[2])
    return code_listing(scratch, env, "changes")


def numbered(prefix: str, count: int, first: int = 0) -> str:
    """count lines of plausible code, numbered from first."""
    return "".join(f"{prefix}_{i} = compute({i}, scale={i % 7})\n" for i in range(first, first + count))


def edited(text: str) -> str:
    lines = text.splitlines(keepends=True)
    for i in range(EDIT_EVERY - 1, len(lines), EDIT_EVERY):
        lines[i] = lines[i].replace("compute(", "compute_fast(")
    return "".join(lines)


def big_diff(scratch: Path, env: dict[str, str], last_length: int) -> bytes:
    """The big change in the scratch clone's index (edited modules, new modules), as a diff."""
    git(scratch, env, "reset", "-q", "--hard", "HEAD")
    git(scratch, env, "clean", "-q", "-fd")
    for k in range(EDITED_FILES):
        path = scratch / "src" / "big" / f"table_{k:02d}.py"
        write(path, edited(path.read_text(encoding="utf-8")))
    per_file = (DIFF_LINES - EDITED_FILES * (EDITED_LENGTH // EDIT_EVERY) * 9) // NEW_FILES
    for k in range(NEW_FILES):
        length = per_file if k < NEW_FILES - 1 else last_length
        write(scratch / "src" / "big" / f"fresh_{k:02d}.py", numbered(f"fresh_{k}", length))
    git(scratch, env, "add", "-A")
    return run(["git", *DIFF_OPTIONS, "--cached"], scratch, env)


def make_big(base: Path, big: Path, env: dict[str, str]) -> tuple[Path, int]:
    """A copy of the adopted repository with committed modules, and one queued bundle whose diff has
    exactly DIFF_LINES lines; returns the diff's path and how many files it touches."""
    shutil.copytree(base, big, symlinks=True)
    for k in range(EDITED_FILES):
        write(big / "src" / "big" / f"table_{k:02d}.py", numbered(f"table_{k}", EDITED_LENGTH))
    git(big, env, "add", "-A")
    git(big, env, "commit", "-q", "--no-verify", "-m", "Add the lookup tables")
    scratch = big.with_name("big-scratch")
    git(big.parent, env, "clone", "-q", "--no-local", str(big), str(scratch))
    guess = DIFF_LINES // (NEW_FILES + 1)
    diff = big_diff(scratch, env, guess)
    diff = big_diff(scratch, env, guess + DIFF_LINES - diff.count(b"\n"))  # new-file lines count 1:1
    lines = diff.count(b"\n")
    if lines != DIFF_LINES or not diff.endswith(b"\n"):
        raise CheckFailed(f"the big diff has {lines} lines, wanted {DIFF_LINES}")
    write_bundle(big / ".patches" / "queue", BIG_ID, diff, "Speed up the lookup tables")
    return big / ".patches" / "queue" / BIG_ID / "patch.diff", EDITED_FILES + NEW_FILES


def build_fixtures(tmp: Path, env: dict[str, str], tools: dict[str, str]) -> Fixtures:
    base = tmp / "base"
    base_commit = adopted_repo(base, env, tools[INIT])
    progress(f"  the repository and bundle for the {DIFF_LINES:,}-line diff ...")
    big_diff_path, big_files = make_big(base, tmp / "big", env)
    progress(f"  {BUNDLES} changes as commits, their mbox and their bundles ...")
    mbox = tmp / "changes.mbox"
    tree = make_changes(base, tmp / "changes", mbox, env)
    version = git(tmp, env, "--version").strip()
    return Fixtures(tmp, base, base_commit, tree, mbox, tmp / "big", big_diff_path, big_files, version, tools)


# --- checks ------------------------------------------------------------------------------------


def code_history(repo: Path, env: dict[str, str], base_commit: str) -> str:
    """Each commit's code changes after base_commit, oldest first: modes, full blob ids, paths."""
    return git(
        repo,
        env,
        "log",
        "--reverse",
        "--no-renames",
        "--no-abbrev",
        "--raw",
        "--format=tformat:---",
        f"{base_commit}..{BRANCH}",
        *CODE_ONLY,
    )


def check_promote_pair(fx: Fixtures, promote: Case, am: Case, env: dict[str, str]) -> None:
    """promote and git am, each once on a fresh copy: both make the same 100 code changes."""
    made: dict[str, Path] = {}
    for case, folder in ((promote, "check-promote"), (am, "check-am")):
        repo = fresh_copy(fx.base, fx.tmp / folder, env)
        run(case.argv, repo, env)
        count = int(git(repo, env, "rev-list", "--count", f"{fx.base_commit}..{BRANCH}"))
        if count != BUNDLES:
            raise CheckFailed(f"`{case.command}` made {count} commits on {BRANCH}, expected {BUNDLES}")
        if code_listing(repo, env, BRANCH) != fx.changes_tree:
            raise CheckFailed(f"`{case.command}`: {BRANCH}'s code differs from the changes' tip")
        made[case.name] = repo
    repo = made[promote.name]
    left = sorted(p.name for p in (repo / ".patches" / "queue").iterdir() if p.is_dir())
    if left:
        raise CheckFailed(f"promote left {len(left)} bundles queued: {', '.join(left[:5])}")
    dirty = git(repo, env, "status", "--porcelain", "--untracked-files=no")
    if dirty:
        raise CheckFailed(f"promote left the working tree differing from {BRANCH}:\n{dirty}")
    if code_history(repo, env, fx.base_commit) != code_history(made[am.name], env, fx.base_commit):
        raise CheckFailed("promote's commits and git am's change different code, commit by commit")


def check_validate_pair(fx: Fixtures, validate: Case, apply: Case, env: dict[str, str]) -> None:
    """Both exit 0 on the big bundle; both fail on a copy whose diff lost its last line."""
    numstat = run(apply.argv, fx.big, env).decode().splitlines()
    if len(numstat) != fx.big_files:
        raise CheckFailed(f"`{apply.command}` listed {len(numstat)} files, expected {fx.big_files}")
    run(validate.argv, fx.big, env)
    broken = fx.tmp / "big-broken"
    shutil.copytree(fx.big, broken, symlinks=True)
    diff = fx.big_diff.read_bytes()
    cut = diff[: diff.rindex(b"\n", 0, len(diff) - 1) + 1]
    write_bundle(broken / ".patches" / "queue", BIG_ID, cut, "Speed up the lookup tables")
    for case in (validate, apply):
        if captured(case.argv, broken, env).returncode == 0:
            raise CheckFailed(f"`{case.command}` exited 0 on a diff missing its last line")


# --- timing ------------------------------------------------------------------------------------


def measure(baseline: Case, pairs: Sequence[Pair], fx: Fixtures, rounds: int, env: dict[str, str]) -> None:
    """Alternating rounds; a pair's two sides swap order every other round."""
    for index in range(rounds):
        progress(f"  round {index + 1}/{rounds}")
        time_once(baseline, fx.tmp, env)
        for pair in pairs:
            cases = [pair.ours, pair.git] if index % 2 == 0 else [pair.git, pair.ours]
            folders: dict[str, Path] = {}
            for k, case in enumerate(cases):
                if case.cwd is None:
                    folders[case.name] = fresh_copy(fx.base, fx.tmp / f"round-{k}", env)
            for case in cases:
                time_once(case, case.cwd or folders[case.name], env)
            for folder in folders.values():
                shutil.rmtree(folder)


# --- report ------------------------------------------------------------------------------------


def pair_summary(pair: Pair) -> dict[str, Any]:
    per_round = pair.round_ratios
    return {
        "name": pair.ours.name,
        "against": pair.git.name,
        "ratio": round(pair.ratio, 2),
        "target": target_text(pair.target),
        "target_ratio": pair.target,
        "target_met": pair.ratio <= pair.target,
        "round_ratios": [round(r, 2) for r in per_round],
        "round_ratio_median": round(statistics.median(per_round), 2),
    }


def summary(baseline: Case, pairs: Sequence[Pair], rounds: int, fx: Fixtures, keep: bool) -> dict[str, Any]:
    base_ms = baseline.median_ms
    promote = pairs[0]
    return {
        "baseline": BASELINE,
        "python": sys.executable,
        "rounds": rounds,
        "cases": [case_stats(c, base_ms) for c in (baseline, *(x for p in pairs for x in (p.ours, p.git)))],
        "pairs": [pair_summary(p) for p in pairs],
        "per_bundle_ms": round((promote.ours.median_ms - base_ms) / BUNDLES, 3),
        "per_patch_am_ms": round(promote.git.median_ms / BUNDLES, 3),
        "diff_lines": DIFF_LINES,
        "diff_files": fx.big_files,
        "diff_bytes": fx.big_diff.stat().st_size,
        "git": fx.git_version,
        "tools": fx.tools,
        "fixtures": str(fx.tmp) if keep else None,
    }


def print_table(data: dict[str, Any]) -> None:
    cases = data["cases"]
    pairs = {p["name"]: p for p in data["pairs"]}
    refs = {p["against"]: p for p in data["pairs"]}
    print("git-pods promote and validate against git, whole-process timings")
    print(f"  {data['git']}; git-pod-promote: {data['tools'][PROMOTE]}")
    print(
        f"  the diff: {data['diff_lines']:,} lines, {data['diff_files']} files, {data['diff_bytes']:,} bytes;"
        f" {BUNDLES} bundles of one small change each ({NEW_MODULES} new modules, then edits to them)"
    )
    print(f"{data['rounds']} alternating rounds after one checked run of each command; promote and git am")
    print("each get a fresh copy of the fixture repository per round (copied outside the timed section)")
    print("× git: a git-pods case's median / its git counterpart's median, same run")
    print(f"× {BASELINE}: a case's median / the median of `{BASELINE}` ({data['python']}), same run")
    print("target: DESIGN §8's ceiling for × git; reported, never asserted")
    print()
    width = max(len(c["name"]) for c in cases)
    print(f"{table_head(width)} {'× git':>6} {'target':>7}")
    for c in cases:
        line = table_row(c, width)
        if c["name"] in pairs:
            p = pairs[c["name"]]
            line += f" {p['ratio']:>6.2f} {p['target']:>7} {'met' if p['target_met'] else 'MISSED'}"
        elif c["name"] in refs:
            line += f" {1.0:>6.2f}"
        print(line)
    print()
    for p in data["pairs"]:
        ratios = p["round_ratios"]
        print(
            f"{p['name']}: per-round × git {min(ratios):.2f}-{max(ratios):.2f},"
            f" median of rounds {p['round_ratio_median']:.2f}"
        )
    print(
        f"per bundle: (promote median - baseline) / {BUNDLES} = {data['per_bundle_ms']:.2f} ms;"
        f" git am per patch: {data['per_patch_am_ms']:.2f} ms"
    )
    if data["fixtures"]:
        print(f"fixtures kept in {data['fixtures']}")


# --- main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace, tmp: Path, tools: dict[str, str]) -> dict[str, Any]:
    env = bench_env()
    progress(f"building fixtures in {tmp} ...")
    fx = build_fixtures(tmp, env, tools)
    baseline = Case(BASELINE, [sys.executable, "-c", "pass"], tmp)
    promote = Pair(
        Case(PROMOTE_CASE, [tools[PROMOTE], "--all", "--onto", BRANCH], None),
        Case(AM_CASE, ["git", "am", "-q", str(fx.mbox)], None),
        2.0,
    )
    big_diff = str(fx.big_diff.relative_to(fx.big))
    validate = Pair(
        Case(VALIDATE_CASE, [tools[VALIDATE], str(fx.big_diff.parent.relative_to(fx.big))], fx.big),
        Case(APPLY_CASE, ["git", "apply", "--check", "--numstat", big_diff], fx.big),
        3.0,
    )
    progress("checking promote against git am (fresh copies; same commits, same code) ...")
    check_promote_pair(fx, promote.ours, promote.git, env)
    progress("checking validate and git apply --check (exit 0; a cut diff fails both) ...")
    check_validate_pair(fx, validate.ours, validate.git, env)
    progress(f"timing {args.rounds} alternating rounds ...")
    measure(baseline, [promote, validate], fx, args.rounds, env)
    return summary(baseline, [promote, validate], args.rounds, fx, args.keep)


def main(argv: Sequence[str] | None = None) -> int:
    return script_main(
        argv, __doc__, DEFAULT_ROUNDS, (INIT, PROMOTE, VALIDATE), "promote", bench, print_table
    )


if __name__ == "__main__":
    sys.exit(main())
