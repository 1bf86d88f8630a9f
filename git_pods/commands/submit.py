"""`git pod-submit`: a queued bundle from the working tree's changes (or a diff file), with the
patch id, times, base commit and digests filled in — what an agent runs instead of writing four
files by hand (the seeds' generate_patch.py)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from git_pods import attempts, ids, ledger, yamlsafe
from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    HANDOFF,
    LOGS_DIR,
    PATCHES_DIR,
    QUEUE_DIR,
    TRACE,
    VERDICT_LABELS,
    VERDICTS,
    in_folder,
    review_only,
    sha256_file,
)
from git_pods.checks.bundle_rules import check_bundle
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import UsageError
from git_pods.fsio import remove_tree
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.gitio.staged import EMPTY_TREE
from git_pods.gitio.wholefiles import PLAIN_DIFF
from git_pods.queueing import place, taken_ids
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
    verdict: str | None = None  # a review or blocked answer
    findings: tuple[str, ...] = ()
    ran: tuple[str, ...] = ()  # COMMAND: RESULT
    risks: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


RESULTS = ("passed", "failed", "error", "not-run")


def run(options: SubmitOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if options.patch_id is not None and not ids.is_patch_id(options.patch_id):
        raise UsageError(
            f"--patch-id {options.patch_id!r} is not a valid patch id", hint="e.g. patch_20250419_123456"
        )
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)
    head = _head(git)
    if options.verdict is not None and options.verdict not in VERDICTS:
        raise UsageError(
            f"--verdict {options.verdict!r}: unknown verdict", hint=f"one of: {', '.join(VERDICTS)}"
        )
    if options.verdict in ("changes-requested", "blocked") and not options.findings:
        raise UsageError(
            f"--verdict {options.verdict} needs a --finding: what to change, or what you need",
            hint=f"git pod-submit --verdict {options.verdict} --finding 'which separators count?'",
        )
    if options.verdict is None and (options.findings or options.ran):
        raise UsageError(
            "--finding and --ran belong to a review: pass --verdict too",
            hint="git pod-submit --verdict approved --ran 'pytest -q: passed'",
        )
    ran = [_ran(given) for given in options.ran]
    change = _diff_file(cwd, options.diff) if options.diff else _working_tree_diff(git, root, head)
    if not change.strip() and options.verdict is None:
        if options.diff:
            raise UsageError(f"{options.diff}: the diff is empty")
        raise UsageError(
            "nothing to submit: the working tree has no changes outside .patches/ and .logs/",
            hint="make the change first, or pass --diff FILE; a review or blocked answer that "
            "changes nothing: git pod-submit --verdict approved|changes-requested|blocked --finding TEXT",
        )
    trace = _document(cwd, options.trace, "thought-trace")
    changelog = _document(cwd, options.changelog, "changelog")
    task = options.task or trace.get("task_id") or changelog.get("task_id")
    if not isinstance(task, str) or not ids.is_task_id(task):
        raise UsageError(f"a valid task id is needed (got {task!r})", hint="pass --task F2.1")
    packet = ledger.peek(root, task)  # who holds the task, who sent it: defaults only
    pod = options.pod or trace.get("pod") or _holder(packet)
    if not isinstance(pod, str) or pod not in config.pods:
        said = (
            f"unknown pod {pod!r}" if pod else f"which pod did the work? {task} has no ledger here naming one"
        )
        raise UsageError(said, hint=f"pass --pod, one of: {', '.join(config.pods)}")
    if options.edit or (not options.summary and "summary" not in trace):
        trace, changelog = _edit(trace, changelog, options, pod, task)
    to = _handoff_target(options, config, pod, packet)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for _attempt in range(20):  # another submit may take the same second's id: take the next one
        patch_id = options.patch_id or attempts.fresh_patch_id(root, git)
        if patch_id.casefold() in taken_ids(root):
            raise UsageError(f"patch id {patch_id} is taken", hint="leave out --patch-id for a fresh one")
        files = _bundle(options, trace, changelog, change, patch_id, pod, task, head, now, ran, to)
        target = root / QUEUE_DIR / patch_id
        try:
            place(target, files)
            break
        except FileExistsError:
            if options.patch_id:
                raise UsageError(f"patch id {patch_id} is taken", hint="leave out --patch-id") from None
    else:  # pragma: no cover - twenty submits in one second
        raise UsageError("no free patch id this second; try again")

    def show(path: Path) -> str:
        return Path(os.path.relpath(path, cwd)).as_posix()

    found = check_bundle(in_folder(target, "queued"), config, show)
    code = worst_exit(found)
    if code:  # never leave a bundle in the queue that is known to be refused
        remove_tree(target)
    review = options.verdict if DIFF not in files else None
    _print(out, json_mode, code, show(target), patch_id, head, found, review)
    return code


def _ran(given: str) -> dict[str, str]:
    """--ran 'COMMAND: RESULT' as a review's ran entry."""
    command, sep, result = given.rpartition(":")
    if not sep or not command.strip() or result.strip() not in RESULTS:
        raise UsageError(
            f"--ran {given!r}: write COMMAND: RESULT",
            hint=f"RESULT is one of: {', '.join(RESULTS)}; e.g. --ran 'pytest -q: passed'",
        )
    return {"command": command.strip(), "result": result.strip()}


def _handoff_target(options: SubmitOptions, config: Config, pod: str, packet: dict[str, Any] | None) -> str:
    """The pod the handoff goes to: --to, else the pod's first next pod (a blocked answer: back to
    the pod that sent the task, else to itself); checked before writing."""
    allowed = config.handoff_targets(pod, options.verdict)
    default = allowed[0] if allowed else None
    if options.verdict == "blocked":
        default = (ledger.sender(packet) if packet else None) or pod
    to = options.to or default
    if to is None:
        raise UsageError(f"{pod} hands work to no pod in the config", hint="pass --to POD")
    if to not in config.pods:
        raise UsageError(f"--to {to}: unknown pod", hint=f"one of: {', '.join(config.pods)}")
    if allowed and to not in allowed:
        raise UsageError(f"{pod} may not hand off to {to}", hint=f"hand off to one of: {', '.join(allowed)}")
    return to


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
    index = Path(
        git.run(["rev-parse", "--path-format=absolute", "--git-path", "index"]).stdout.decode().strip()
    )
    with tempfile.TemporaryDirectory(prefix="pods-submit-", dir=folder) as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        if (
            index.is_file()
        ):  # a copy keeps skip-worktree and assume-unchanged: what git status hides stays out
            shutil.copyfile(index, env["GIT_INDEX_FILE"])
        elif head:
            git.run(["read-tree", head], env=env)
        spec = ["--", ".", f":(exclude){PATCHES_DIR}", f":(exclude){LOGS_DIR}"]
        git.run(["add", "-A", *spec], env=env)
        base = [head] if head else [EMPTY_TREE]
        return git.run([*PLAIN_DIFF, *base], env=env).stdout


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


def _holder(packet: dict[str, Any] | None) -> str | None:
    """The pod holding the task now, from its ledger (.pods/tasks/<TASK>.yaml), if there is one."""
    if packet is None or not isinstance(packet.get("pod"), str):
        return None
    from git_pods.handoffs import holder  # the receiver of its latest handoff, else the assignee

    return holder(packet)


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
        handle.write(header + yamlsafe.dump(template, width=80))
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
    trace: dict[str, Any],
    changelog: dict[str, Any],
    change: bytes,
    patch_id: str,
    pod: str,
    task: str,
    head: str | None,
    now: str,
    ran: list[dict[str, str]],
    to: str,
) -> dict[str, bytes]:
    summary = str(options.summary or trace.get("summary") or "")
    given = trace.get("steps") or []
    steps = list(options.steps) or ([given] if isinstance(given, str) else list(given)) or [summary]
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
    for key, values in (("assumptions", options.assumptions), ("risks", options.risks)):
        if values:
            made_trace[key] = [*(made_trace.get(key) or []), *values]
    if options.verdict is not None:
        review: dict[str, Any] = {"verdict": options.verdict}
        if options.findings:
            review["findings"] = list(options.findings)
        if ran:
            review["ran"] = ran
        made_trace["review"] = review
    answer_only = review_only(options.verdict, change)
    made_changelog = {
        **changelog,
        "patch_id": patch_id,
        "pod": pod,
        "task_id": task,
        "entries": _entries(options, changelog, summary),
    }
    trace_bytes = _dump(made_trace)
    changelog_bytes = _dump(made_changelog)
    digests = {
        DIFF: sha256_file(change),
        TRACE: sha256_file(trace_bytes),
        CHANGELOG: sha256_file(changelog_bytes),
    }
    if answer_only:
        digests = {TRACE: digests[TRACE]}
    handoff: dict[str, Any] = {
        "from": pod,
        "to": to,
        "reason": options.reason or _reason(options.verdict, summary, to),
        "related_patch": f"{patch_id}.diff",
        "task_id": task,
        "time": now,
        "digests": digests,
    }
    if head:
        handoff["base_commit"] = head
    if answer_only:  # a review or blocked answer that changes nothing: its trace and handoff
        return {TRACE: trace_bytes, HANDOFF: _dump(handoff)}
    return {TRACE: trace_bytes, CHANGELOG: changelog_bytes, HANDOFF: _dump(handoff), DIFF: change}


def _reason(verdict: str | None, summary: str, to: str) -> str:
    if verdict in ("blocked", "changes-requested"):
        return f"{VERDICT_LABELS[verdict]}: {summary} (see the findings)"
    return f"{summary} — ready for {to}"


def _dump(data: dict[str, Any]) -> bytes:
    return yamlsafe.dump(data).encode("utf-8")


def _print(
    out: TextIO,
    json_mode: bool,
    code: int,
    shown: str,
    patch_id: str,
    head: str | None,
    found: list[Violation],
    review: str | None = None,
) -> None:
    if json_mode:
        write_json(
            out,
            "submit",
            code,
            sorted(found, key=Violation.sort_key),
            patch_id=patch_id,
            queued=None if code else shown,
            base_commit=head,
        )
        return
    base = head[:12] if head else "none: the first commit"
    for item in sorted(found, key=Violation.sort_key):
        out.write(item.format_text() + "\n")
    if code:
        out.write(f"not queued: {patch_id} would be refused (base {base}); fix the change or the options\n")
        return
    out.write(f"queued {patch_id} in {shown} (base {base})\n")
    if review:
        out.write(
            f"a review ({review}) with no code change; git pod-promote records it on the task's branch\n"
        )
        return
    out.write("the change stays in your working tree; git pod-promote applies it on the task's branch\n")
