"""`git pod-verify`: the CI authority. Every commit in a range is judged, by its parent's policy,
exactly as the commit-time hooks would have judged it, so `--no-verify` gains nothing: bundle
files valid and complete, promoted records never changed, archive commits carrying matching
trailers, no trailer claiming pod work it cannot back."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from git_pods.commands.hook import skipped
from git_pods.commands.output import write_json
from git_pods.errors import GitPodsError, UsageError
from git_pods.fsio import write_atomic
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.verify.history import ZERO, rev_args
from git_pods.verify.judge import MESSAGE, verify_revs
from git_pods.violation import Violation, worst_exit

ANNOTATIONS = ("github", "gitlab")
GITLAB_REPORT = "gl-code-quality-report.json"


def run(
    range_: str | None,
    all_: bool,
    cwd: Path,
    out: TextIO,
    json_mode: bool = False,
    annotate: str | None = None,
) -> int:
    if bool(range_) == all_:
        raise UsageError(
            "pass --range A..B or --all, not both" if all_ else "pass --range A..B or --all",
            hint="in CI: git pod-verify --range origin/main..HEAD",
        )
    if annotate is not None and annotate not in ANNOTATIONS:
        raise UsageError(f"--annotate takes github or gitlab, not {annotate!r}")
    if range_ is not None and (range_.startswith("-") or not range_.strip()):
        raise UsageError(f"--range takes a range such as origin/main..HEAD, not {range_!r}")
    root = require_root(cwd)
    git = Git(root)
    count, checked, found = verify_revs(git, git_dir(root) or root / ".git", rev_args(range_, all_))
    code = worst_exit(found)
    if annotate == "gitlab":
        write_atomic(cwd / GITLAB_REPORT, gitlab_report(found))
    if json_mode:
        write_json(out, "verify", code, found, commits=count, pod_commits=checked)
        return code
    if annotate == "github":
        for item in found:
            out.write(github_annotation(item) + "\n")
    for item in found:
        out.write(item.format_text() + "\n")
    verdict = "ok" if not code else f"{sum(v.severity == 'error' for v in found)} problem(s)"
    out.write(f"{verdict}: {count} commit(s) read, {checked} with pod work checked\n")
    if annotate == "gitlab":
        out.write(f"code quality report: {cwd / GITLAB_REPORT}\n")
    return code


def github_annotation(item: Violation) -> str:
    """A GitHub Actions workflow command that marks the file (and line) in the pull request."""

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    level = "error" if item.severity == "error" else "warning"
    props = [f"title={prop(item.rule)}"]
    if item.file and item.file != MESSAGE:
        props.insert(0, f"file={prop(item.file)}")
        if item.line is not None:
            props.insert(1, f"line={item.line}")
    where = f"{item.commit[:12]}: " if item.commit else ""
    return f"::{level} {','.join(props)}::{data(where + item.message)}"


def gitlab_report(found: list[Violation]) -> bytes:
    """GitLab's Code Quality report (a JSON list of issues) for the merge request widget."""
    issues = []
    for item in found:
        text = f"{item.rule} {item.commit or ''} {item.file or ''} {item.message}"
        issues.append(
            {
                "description": f"{item.commit[:12] + ' ' if item.commit else ''}{item.rule} {item.message}",
                "check_name": item.rule,
                "fingerprint": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest(),
                "severity": "major" if item.severity == "error" else "minor",
                "location": {
                    "path": item.file if item.file and item.file != MESSAGE else ".",
                    "lines": {"begin": item.line or 1},
                },
            }
        )
    return (json.dumps(issues, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def pre_push(
    cwd: Path, remote: str, lines: list[str], err: TextIO, env: Mapping[str, str] | None = None
) -> int:
    """`pod-pre-push`: verify exactly what is being pushed. Each ref line from git's stdin names
    its range: remote..local for an update, the commits on none of that remote's tracking refs
    for a new branch (or a remote tip this clone lacks; every commit when pushing to a URL);
    deletions are skipped. Under the pre-commit
    framework, which reads git's lines itself, the one range it passes in PRE_COMMIT_* is used.
    SKIP=pod-pre-push lets the push go (CI verifies it anyway)."""
    env = env or {}
    if skipped("pod-pre-push", env):
        err.write("git-pods: pod-pre-push skipped (SKIP=pod-pre-push); CI's git pod-verify checks the push\n")
        return 0
    if not any(line.strip() for line in lines):
        lines = framework_lines(env)
        remote = env.get("PRE_COMMIT_REMOTE_NAME") or remote
    root = require_root(cwd)
    git = Git(root)
    named = remote in git.run(["remote"], check=False).stdout.decode("utf-8", "replace").split()
    # what the remote already has is not re-judged; only this remote's: a fork's branches prove nothing
    theirs_known = ["--not", f"--remotes={remote}/*"] if named else []
    notes_pushed = False
    pushed: list[tuple[str, str]] = []
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[2].startswith("refs/notes/"):
            notes_pushed = True  # notes are no history to verify, and this push sends them itself
        elif len(parts) == 4 and parts[1] not in ZERO:  # a deletion (or noise): nothing to verify
            pushed.append((parts[1], parts[3]))
    # the remote tips this clone has, in one read
    have = read_objects(git, [f"{theirs}^{{commit}}" for _local, theirs in pushed if theirs not in ZERO])
    ranges = [
        [f"{theirs}..{local}"] if have.get(f"{theirs}^{{commit}}") is not None else [local, *theirs_known]
        for local, theirs in pushed
    ]
    found: list[Violation] = []
    common = git_dir(root) or root / ".git"
    for revs in ranges:
        found += verify_revs(git, common, revs)[2]
    found = list(dict.fromkeys(found))
    for item in found:
        err.write(item.format_text() + "\n")
    code = worst_exit(found)
    if code:
        count = sum(v.severity == "error" for v in found)
        err.write(
            f"git-pods: push to {remote} refused by pod-pre-push: {count} problem(s) in what is pushed\n"
            "    fix them in new commits (promoted records never change), or rewrite the unpushed commits\n"
        )
    elif named and ranges and not notes_pushed:
        _notes_along(git, common, remote, err)
    return code


def _notes_along(git: Git, common: Path, remote: str, err: TextIO) -> None:
    """Push the notes along with a verified push, when this clone has notes the remote was last
    seen without: through the one notes sync, never prompting; a failure only warns (the user's
    push goes on, and `git pod-sync` finishes later)."""
    from git_pods.config import load_config
    from git_pods.sync import sync, tracking_ref

    if _dry_run_push():
        return  # `git push --dry-run` sends nothing; neither do the notes
    notes_ref = load_config(git.cwd)[0].notes_ref
    tracking = tracking_ref(remote, notes_ref)
    tips = read_objects(git, [notes_ref, tracking])
    mine, seen = tips[notes_ref], tips[tracking]
    if mine is None or (seen is not None and seen.sha == mine.sha):
        return  # nothing new to send: no network round trip on an ordinary push
    try:
        sync(git, common, remote, notes_ref, wait=False)
    except GitPodsError as exc:
        err.write(f"git-pods: warning: notes not pushed to {remote}: {exc.message}\n")
        err.write(f"    the push goes on; git pod-sync {remote} sends them later\n")


def _dry_run_push() -> bool:
    """Whether the git push running this hook was given --dry-run (git does not tell hooks; its
    command line does, under /proc, a few processes up). False where that cannot be read."""
    pid = os.getppid()
    for _level in range(4):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return False
        if b"push" in argv and (b"--dry-run" in argv or b"-n" in argv):
            return True
        pid = int(status[1])  # the parent's parent
        if pid <= 1:
            return False
    return False


def framework_lines(env: Mapping[str, str]) -> list[str]:
    """The pre-commit framework's range (PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF, the first pushed
    ref that needs checking) as one git ref line; none outside the framework. Without a
    FROM_REF (a push starting at a root commit) the line reads as a new branch, and without a
    TO_REF the local branch (or HEAD) is what is pushed."""
    if not any(k in env for k in ("PRE_COMMIT_TO_REF", "PRE_COMMIT_REMOTE_NAME", "PRE_COMMIT_LOCAL_BRANCH")):
        return []
    branch = env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    local = env.get("PRE_COMMIT_TO_REF") or branch
    theirs = env.get("PRE_COMMIT_FROM_REF") or ZERO[0]
    target = env.get("PRE_COMMIT_REMOTE_BRANCH") or branch
    fields = (branch, local, target, theirs)
    if any(not f or f.startswith("-") or any(c.isspace() for c in f) for f in fields):
        return []
    return [" ".join(fields)]
