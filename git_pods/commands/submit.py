"""`git pod-submit`: a queued bundle from the working tree's changes (or a diff file), with the
patch id, times, base commit and digests filled in — what an agent runs instead of writing four
files by hand (the seeds' generate_patch.py)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

import yaml

from git_pods import ids
from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    HANDOFF,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    TRACE,
    in_folder,
    sha256_file,
)
from git_pods.checks.bundle_rules import check_bundle
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import UsageError
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.queueing import place
from git_pods.record import record
from git_pods.violation import Violation, worst_exit
from git_pods.yamlsafe import YamlProblems, load

ENTRY_TYPES = ("added", "changed", "fixed", "removed", "deprecated", "security", "docs", "tests")


@record
class SubmitOptions:
    """What `git pod-submit` was asked to do."""

    task: str | None = None
    pod: str | None = None
    summary: str | None = None
    steps: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()  # TYPE:TEXT
    to: str | None = None
    reason: str | None = None
    diff: str | None = None
    trace: str | None = None
    changelog: str | None = None
    agent: str | None = None
    model: str | None = None
    patch_id: str | None = None
    edit: bool = False


def run(options: SubmitOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if options.patch_id is not None and not ids.is_patch_id(options.patch_id):
        raise UsageError(
            f"--patch-id {options.patch_id!r} is not a valid patch id", hint="e.g. patch_20250419_123456"
        )
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)
    head = _head(git)
    change = _diff_file(cwd, options.diff) if options.diff else _working_tree_diff(git, root, head)
    if not change.strip():
        raise UsageError(
            "nothing to submit: the working tree has no changes outside .patches/ and .logs/",
            hint="make the change first, or pass --diff FILE",
        )
    trace = _document(cwd, options.trace, "thought-trace")
    changelog = _document(cwd, options.changelog, "changelog")
    task = options.task or trace.get("task_id") or changelog.get("task_id")
    if not isinstance(task, str) or not ids.is_task_id(task):
        raise UsageError(f"a valid task id is needed (got {task!r})", hint="pass --task F2.1")
    pod = options.pod or trace.get("pod") or _holder(root, task)
    if not isinstance(pod, str) or pod not in config.pods:
        raise UsageError(f"unknown pod {pod!r}", hint=f"pass --pod, one of: {', '.join(config.pods)}")
    if options.edit or (not options.summary and "summary" not in trace):
        trace, changelog = _edit(trace, changelog, options, pod, task)
    patch_id = options.patch_id or _new_id(root)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    files = _bundle(options, config, trace, changelog, change, patch_id, pod, task, head, now)
    target = root / QUEUE_DIR / patch_id
    if target.exists() or (root / PATCHES_DIR / f"{patch_id}.diff").exists():
        raise UsageError(f"patch id {patch_id} is taken", hint="leave out --patch-id for a fresh one")
    place(target, files)

    def show(path: Path) -> str:
        return Path(os.path.relpath(path, cwd)).as_posix()

    found = check_bundle(in_folder(target, "queued"), config, show)
    code = worst_exit(found)
    _print(out, json_mode, code, show(target), patch_id, head, found)
    return code


def _head(git: Git) -> str | None:
    done = git.run(["rev-parse", "-q", "--verify", "HEAD^{commit}"], check=False)
    return done.stdout.decode().strip() or None


def _diff_file(cwd: Path, given: str) -> bytes:
    path = cwd / given if given != "-" else None
    if path is None:
        import sys

        return sys.stdin.buffer.read()
    if not path.is_file():
        raise UsageError(f"{given}: no such diff file")
    return path.read_bytes()


def _working_tree_diff(git: Git, root: Path, head: str | None) -> bytes:
    """The working tree's changes (untracked files included, .patches/ and .logs/ left out) as
    one binary-safe diff against HEAD, made in a temporary index: the user's index is untouched."""
    folder = git_dir(root) or root / ".git"
    with tempfile.TemporaryDirectory(prefix="pods-submit-", dir=folder) as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        if head:
            git.run(["read-tree", head], env=env)
        spec = ["--", ".", f":(exclude){PATCHES_DIR}", f":(exclude){LOGS_DIR}"]
        git.run(["add", "-A", *spec], env=env)
        args = ["-c", "core.quotePath=false", "diff", "--cached", "--binary", "--no-color", "--no-ext-diff"]
        base = [head] if head else ["4b825dc642cb6eb9a060e54bf8d69288fbee4904"]
        return git.run([*args, *base], env=env).stdout


def _document(cwd: Path, given: str | None, schema: str) -> dict[str, Any]:
    if given is None:
        return {}
    path = cwd / given
    if not path.is_file():
        raise UsageError(f"{given}: no such file")
    try:
        data = load(path.read_bytes(), given).data
    except YamlProblems as exc:
        raise UsageError(
            f"{given} is not usable YAML: {exc}", hint=f"git pod-validate --schema {schema} {given}"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{given} must hold a mapping", hint=f"see the {schema} schema")
    return data


def _holder(root: Path, task: str) -> str | None:
    """The pod holding the task now, from its ledger (.pods/tasks/<TASK>.yaml), if there is one."""
    ledger = root / ".pods" / "tasks" / f"{task}.yaml"
    try:
        data = load(ledger.read_bytes(), str(ledger)).data
    except (OSError, YamlProblems):
        return None
    pod = data.get("pod") if isinstance(data, dict) else None
    return pod if isinstance(pod, str) else None


def _new_id(root: Path) -> str:
    """The seeds' form, patch_YYYYmmdd_HHMMSS (UTC), made unique in the queue and archive."""
    stem = time.strftime("patch_%Y%m%d_%H%M%S", time.gmtime())
    taken = {p.name.casefold() for p in (root / QUEUE_DIR).glob("*")} | {
        p.stem.casefold() for p in (root / PATCHES_DIR).glob("*.diff")
    }
    candidate, n = stem, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}_{n}"
    return candidate


def _edit(
    trace: dict[str, Any], changelog: dict[str, Any], options: SubmitOptions, pod: str, task: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Let the user write the summary, steps and changelog entries in $EDITOR (git's editor)."""
    editor = os.environ.get("GIT_EDITOR") or os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageError(
            "no summary: give --summary (and --step), --trace FILE, or set EDITOR to write them",
            hint="git pod-submit --task F2.1 --summary 'Parse symptom lists' --step 'Added a tokenizer'",
        )
    template = {
        "summary": trace.get("summary") or options.summary or "",
        "steps": trace.get("steps") or list(options.steps) or [""],
        "entries": changelog.get("entries") or [{"type": "changed", "description": ""}],
    }
    header = f"# The bundle for {task} by {pod}: fill in summary, steps and entries; save and close.\n"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as handle:
        handle.write(header + yaml.safe_dump(template, sort_keys=False, allow_unicode=True))
        name = handle.name
    try:
        if subprocess.run(f"{editor} {shlex.quote(name)}", shell=True, check=False).returncode != 0:
            raise UsageError("the editor failed; nothing was submitted")
        edited = load(Path(name).read_bytes(), name).data
    except YamlProblems as exc:
        raise UsageError(f"the edited text is not usable YAML: {exc}") from None
    finally:
        os.unlink(name)
    if not isinstance(edited, dict) or not str(edited.get("summary") or "").strip():
        raise UsageError("no summary written; nothing was submitted")
    trace = {**trace, "summary": edited["summary"], "steps": [s for s in edited.get("steps") or [] if s]}
    changelog = {**changelog, "entries": edited.get("entries") or changelog.get("entries")}
    return trace, changelog


def _entries(options: SubmitOptions, changelog: dict[str, Any], summary: str) -> list[dict[str, str]]:
    if changelog.get("entries"):
        return list(changelog["entries"])
    out = []
    for given in options.entries:
        kind, sep, text = given.partition(":")
        if not sep or kind.strip() not in ENTRY_TYPES or not text.strip():
            raise UsageError(
                f"--entry {given!r}: write TYPE:TEXT", hint=f"TYPE is one of: {', '.join(ENTRY_TYPES)}"
            )
        out.append({"type": kind.strip(), "description": text.strip()})
    return out or [{"type": "changed", "description": summary}]


def _bundle(
    options: SubmitOptions,
    config: Config,
    trace: dict[str, Any],
    changelog: dict[str, Any],
    change: bytes,
    patch_id: str,
    pod: str,
    task: str,
    head: str | None,
    now: str,
) -> dict[str, bytes]:
    summary = str(options.summary or trace.get("summary") or "")
    steps = list(options.steps) or list(trace.get("steps") or []) or [summary]
    made_trace: dict[str, Any] = {
        **trace,
        "patch_id": patch_id,
        "pod": pod,
        "task_id": task,
        "summary": summary,
        "steps": steps,
        "created": now,
    }
    if head:
        made_trace["base_commit"] = head
    for key, value in (("agent", options.agent), ("model", options.model)):
        if value:
            made_trace[key] = value
    made_changelog = {
        **changelog,
        "patch_id": patch_id,
        "pod": pod,
        "task_id": task,
        "entries": _entries(options, changelog, summary),
    }
    trace_bytes = _dump(made_trace)
    changelog_bytes = _dump(made_changelog)
    to = options.to or (config.pods[pod].next[0] if config.pods[pod].next else pod)
    handoff: dict[str, Any] = {
        "from": pod,
        "to": to,
        "reason": options.reason or f"{summary} — ready for {to}",
        "related_patch": f"{patch_id}.diff",
        "task_id": task,
        "time": now,
        "digests": {
            DIFF: sha256_file(change),
            TRACE: sha256_file(trace_bytes),
            CHANGELOG: sha256_file(changelog_bytes),
        },
    }
    if head:
        handoff["base_commit"] = head
    return {TRACE: trace_bytes, CHANGELOG: changelog_bytes, HANDOFF: _dump(handoff), DIFF: change}


def _dump(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")


def _print(
    out: TextIO,
    json_mode: bool,
    code: int,
    shown: str,
    patch_id: str,
    head: str | None,
    found: list[Violation],
) -> None:
    if json_mode:
        write_json(
            out,
            "submit",
            code,
            sorted(found, key=Violation.sort_key),
            patch_id=patch_id,
            queued=shown,
            base_commit=head,
        )
        return
    out.write(f"queued {patch_id} in {shown} (base {head[:12] if head else 'none: the first commit'})\n")
    for item in sorted(found, key=Violation.sort_key):
        out.write(item.format_text() + "\n")
    if code == 0:
        out.write("the change stays in your working tree; git pod-promote applies it on the task's branch\n")
