"""A pod's prompt: its template, the task packet, the input files read safely, and how to answer.

Nothing is substituted: every piece is placed as written, so braces, `$`, `${...}`, `$(...)`
and template syntax in a goal or a file reach the pod literally and never run or expand.
Input files are checked before a byte of them is read into the prompt: inside the repository
(no absolute paths, no '..', no links leading out), not ignored by git, not likely secrets.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from git_pods import ledger, yamlsafe
from git_pods.bundle import CHANGELOG, DIFF, HANDOFF, TRACE
from git_pods.checks.rules import violation
from git_pods.config import Config
from git_pods.errors import UsageError
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git
from git_pods.priorwork import EarlierPatch
from git_pods.record import record
from git_pods.secrets import find, secret_name
from git_pods.violation import Violation

DEFAULT_BUDGET = 256 << 10
BUILTIN = "generic_pod.txt"


@record
class InputFile:
    """A file read into the prompt: its repository path, content and which state it was read in."""

    path: str
    content: bytes
    where: str


def template_for(git: Git, root: Path, config: Config, pod: str) -> tuple[str, str | None]:
    """The pod's template text, and a notice when the built-in one stands in for a missing file.

    A template is read like an input file: inside the repository, outside any .git folder,
    not ignored, no likely secrets (a config could point it at a key file)."""
    spec = config.pods.get(pod)
    name = spec.prompt if spec and spec.prompt else f"prompts/{pod.replace('-', '_')}.txt"
    path = root / name
    if path.exists() or path.is_symlink():
        files, refused = read_inputs(git, root, root, [name], [], None)
        if refused:
            problem = refused[0]
            raise UsageError(
                f"the prompt template of {pod} is refused: {problem.rule} {problem.message}",
                hint="point the pod's prompt in .pods/config.yaml at a plain template in prompts/",
                file=name,
                rule=problem.rule,
            )
        return files[0].content.decode("utf-8", "replace"), None
    builtin = Path(__file__).resolve().parent / "data" / "prompts" / BUILTIN
    notice = f"no template at {name}: the built-in working procedure is used (git pod-init writes them)"
    return builtin.read_text("utf-8"), notice


def read_inputs(
    git: Git,
    root: Path,
    cwd: Path,
    given: Sequence[str],
    allowed: Sequence[str],
    head: str | None,
    budget: int = DEFAULT_BUDGET,
) -> tuple[list[InputFile], list[Violation]]:
    """The input files, or why each refused one is refused (its content is never shown)."""
    found: list[tuple[str, Path]] = []
    refused: list[Violation] = []
    top = root.resolve()
    for name in given:
        relative = _inside(name, cwd, root, top)
        if isinstance(relative, Violation):
            refused.append(relative)
            continue
        found.append((relative, root / relative))
    allow = {_normal(a, cwd, root) for a in allowed}
    ignored = _ignored(git, [r for r, _ in found])
    states = _states(git, [r for r, _ in found])
    files: list[InputFile] = []
    for relative, path in found:
        if relative in ignored and relative not in allow:
            refused.append(violation("GP702", f"{relative} is ignored by git", file=relative))
            continue
        too_big = _over_budget(relative, path.stat().st_size, budget)
        if too_big is not None:
            refused.append(too_big)
            continue
        content = path.read_bytes()
        secret = None if relative in allow else _secret(relative, content)
        if secret is not None:
            refused.append(secret)
            continue
        state = states.get(relative) or ("ignored" if relative in ignored else None)
        base = head[:12] if head else "no commit yet"
        where = f"at commit {base}" if state is None else f"{state} (working tree, based on {base})"
        files.append(InputFile(relative, content, where))
    return files, refused


def read_at(
    git: Git,
    root: Path,
    cwd: Path,
    given: Sequence[str],
    allowed: Sequence[str],
    commit: str,
    shown: str,
    budget: int = DEFAULT_BUDGET,
) -> tuple[list[InputFile], list[Violation], list[str]]:
    """The input files as commit has them (the task branch tip, shown as e.g. `pods/F2.1`), the
    refused ones, and the names commit does not have. Names are checked as read_inputs checks
    them, on the path itself (the file may exist only on the branch); links are refused."""
    wanted: list[str] = []
    refused: list[Violation] = []
    for name in given:
        relative = _lexical(name, cwd, root)
        if isinstance(relative, Violation):
            refused.append(relative)
        elif relative not in wanted:
            wanted.append(relative)
    allow = {_normal(a, cwd, root) for a in allowed}
    modes = _modes(git, commit, wanted)
    blobs = read_objects(git, [f"{commit}:{r}" for r in wanted if modes.get(r, "").startswith("100")])
    files: list[InputFile] = []
    missing: list[str] = []
    where = f"as {shown} has it, commit {commit[:12]}"
    for relative in wanted:
        mode = modes.get(relative)
        if mode is None:
            missing.append(relative)
            continue
        if mode == "120000":
            refused.append(violation("GP701", f"{relative} is a symbolic link in {shown}", file=relative))
            continue
        obj = blobs.get(f"{commit}:{relative}")
        if obj is None:
            missing.append(relative)  # a folder or a submodule: no file to show
            continue
        problem = _over_budget(relative, len(obj.data), budget)
        if problem is None and relative not in allow:
            problem = _secret(relative, obj.data)
        if problem is not None:
            refused.append(problem)
            continue
        files.append(InputFile(relative, obj.data, where))
    return files, refused, missing


def _secret(relative: str, content: bytes) -> Violation | None:
    """GP703 when a file is named like secrets or holds what looks like one (never shown)."""
    hit = next(iter(find(_text(content))), None)
    what = (
        "is named like a file of secrets"
        if secret_name(relative)
        else (f"holds what looks like {hit.kind} (line {hit.line})" if hit is not None else None)
    )
    if what is None:
        return None
    return violation(
        "GP703",
        f"{relative} {what}; its content is not shown",
        file=relative,
        hint=f"leave it out, or --allow-secret {relative} if it holds no real secret",
    )


def _lexical(name: str, cwd: Path, root: Path) -> str | Violation:
    """A name as a path from the repository's top, judged on its text alone (for files read
    from a commit): no absolute paths, no climbing out, nothing in a .git folder."""
    absolute = _absolute(name, "--input-file")
    if absolute is not None:
        return absolute
    try:
        inside = cwd.resolve().relative_to(root.resolve())
    except ValueError:
        inside = Path()
    relative = os.path.normpath((inside / name).as_posix()).replace(os.sep, "/")
    if relative == ".." or relative.startswith("../") or relative == ".":
        return violation("GP701", f"{name} climbs out with '..'", file=name)
    return _in_git_folder(name, relative) or relative


def _absolute(name: str, what: str) -> Violation | None:
    """GP701 for an absolute name; a usage error for one no file can have."""
    if any(ord(c) < 32 or 0xDC80 <= ord(c) <= 0xDCFF for c in name):
        raise UsageError(f"{what} {name!r}: control characters or bytes that are not UTF-8 in the name")
    if os.path.isabs(name) or name.startswith("~"):
        return violation("GP701", f"{name} is an absolute path", file=name)
    return None


def _in_git_folder(name: str, relative: str) -> Violation | None:
    """GP701 when a path from the top runs through a .git folder, in any case or disguise."""
    parts = relative.split("/")
    if any(part.lower().rstrip(". ") == ".git" or part.lower().startswith("git~") for part in parts):
        return violation("GP701", f"{name} is inside a .git folder", file=name)
    return None


def _over_budget(relative: str, size: int, budget: int) -> Violation | None:
    """GP704 when one file alone is larger than the prompt's budget."""
    if size <= budget:
        return None
    over = f"{relative} alone is {size:,} bytes (about {size // 4:,} tokens); the budget is {budget:,}"
    return violation("GP704", over, file=relative)


def _modes(git: Git, commit: str, paths: list[str]) -> dict[str, str]:
    """The tree mode of each path at commit (absent: not there)."""
    if not paths:
        return {}
    done = git.run(["--literal-pathspecs", "ls-tree", "-z", commit, "--", *paths], check=False)
    out = {}
    for entry in done.stdout.split(b"\0"):
        head, _, name = entry.partition(b"\t")
        if name:
            out[name.decode("utf-8", "surrogateescape")] = head.split(b" ")[0].decode("ascii")
    return out


def _inside(name: str, cwd: Path, root: Path, top: Path, what: str = "--input-file") -> str | Violation:
    """The file's real path relative to the repository's top (every check is made on that: a
    link anywhere along the way is followed first), or GP701 when it is or leads outside."""
    absolute = _absolute(name, what)
    if absolute is not None:
        return absolute
    path = cwd / name
    climbs = ".." in Path(name).parts
    if climbs and top not in path.resolve().parents:  # '..' from a subfolder may stay inside
        return violation("GP701", f"{name} climbs out with '..'", file=name)
    if not (path.exists() or path.is_symlink()):
        raise UsageError(f"{what} {name}: no such file", hint="name a file in the repository")
    real = path.resolve()
    if real != top and top not in real.parents:
        return violation("GP701", f"{name} leads outside the repository (a symbolic link)", file=name)
    if not real.is_file():
        raise UsageError(f"{what} {name}: not a file", hint="name a file, not a folder")
    relative = real.relative_to(top).as_posix()
    return _in_git_folder(name, relative) or relative


def _normal(name: str, cwd: Path, root: Path) -> str:
    """An --allow-secret name as the real path the checks use."""
    try:
        return (cwd / name).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return name


def _text(content: bytes) -> str:
    """Content as text for the secret scan: UTF-16 with a byte-order mark decoded as such."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", "replace")
    return content.decode("utf-8", "replace").replace("\x00", "")


def _ignored(git: Git, paths: list[str]) -> set[str]:
    if not paths:
        return set()
    request = "".join(f"{p}\0" for p in paths).encode("utf-8", "surrogateescape")
    done = git.run(["check-ignore", "--stdin", "-z"], input=request, check=False)  # no pathspec magic here
    return {p.decode("utf-8", "surrogateescape") for p in done.stdout.split(b"\0") if p}


def _states(git: Git, paths: list[str]) -> dict[str, str]:
    """Input files that differ from HEAD: 'modified' or 'untracked'."""
    if not paths:
        return {}
    done = git.run(
        ["--literal-pathspecs", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths],
        check=False,
    )
    out = {}
    for entry in done.stdout.split(b"\0"):
        if len(entry) > 3:
            code = entry[:2].decode("ascii", "replace")
            out[entry[3:].decode("utf-8", "surrogateescape")] = "untracked" if code == "??" else "modified"
    return out


@record
class WorkSoFar:
    """What came before on the task branch, as the prompt shows it."""

    branch: str
    tip: str
    patches: tuple[EarlierPatch, ...]
    diffs: frozenset[str]  # the patch ids whose diffs are shown
    changed: tuple[InputFile, ...]  # files the patches changed, as the tip has them
    notes: tuple[str, ...]  # what was left out, and how to get it


def render(
    template: str,
    ledger_path: str,
    packet: dict[str, Any],
    inputs: Sequence[InputFile],
    patch_id: str,
    to_pod: str,
    work: WorkSoFar | None = None,
) -> str:
    """The whole prompt, by concatenation only."""
    parts = [template.rstrip("\n"), ""]
    parts += [f"=== TASK PACKET ({ledger_path}) ===", _yaml(packet).rstrip("\n"), ""]
    if work is None and not packet.get("from_handoff"):
        parts += ["This is the task's first assignment: no handoff sent it and no earlier work exists.", ""]
    checklist = acceptance_of(packet)
    if checklist:
        parts.append("=== ACCEPTANCE (your answer is judged against each of these) ===")
        parts += [f"- [ ] {item}" for item in checklist] + [""]
    if work is not None:
        parts += _work_so_far(work)
    if inputs:
        parts.append("=== INPUT FILES ===")
        parts += _files(inputs)
    if work is not None and work.changed:
        parts.append(f"=== FILES THE TASK HAS CHANGED, AS {work.branch} HAS THEM ===")
        parts += _files(work.changed)
    if work is not None and work.notes:
        parts.append("=== LEFT OUT OF THIS PROMPT (ask the lead, or run the command shown) ===")
        parts += [f"- {note}" for note in work.notes] + [""]
    parts += [answer_format(packet, patch_id, to_pod)]
    return "\n".join(parts)


def acceptance_of(packet: dict[str, Any]) -> list[str]:
    """The task's acceptance criteria, then those the handoff added, without repeats."""
    items: list[str] = []
    for value in (packet.get("acceptance"), (packet.get("from_handoff") or {}).get("acceptance")):
        for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            text = str(item).strip()
            if text and text not in items:
                items.append(text)
    return items


def _work_so_far(work: WorkSoFar) -> list[str]:
    count = len(work.patches)
    parts = [f"=== WORK SO FAR ON {work.branch} (commit {work.tip[:12]}) ==="]
    if not count:
        parts += ["The branch holds no promoted patch of this task yet.", ""]
        return parts
    reviews = sum(1 for p in work.patches if p.review_only)
    changes = count - reviews
    told = [f"{changes} patch{'es' if changes != 1 else ''}"] if changes else []
    told += [f"{reviews} review{'s' if reviews != 1 else ''}"] if reviews else []
    parts += [
        f"{' and '.join(told)} of this task, oldest first. Your change goes on top of",
        f"all of them: base it on {work.branch} at {work.tip}.",
        "",
    ]
    for patch in work.patches:
        kind = "review (no code change)" if patch.review_only else "commit"
        parts.append(f"--- {patch.patch_id} by {patch.pod or 'a pod'}: {kind} {patch.commit[:12]} ---")
        parts.append(f"subject: {patch.subject}")
        if patch.summary and patch.summary != patch.subject:
            parts.append(f"summary: {patch.summary}")
        parts += _listed("changelog", patch.changes)
        parts += _listed("risks the pod named", patch.risks)
        if patch.verdict:
            parts.append(f"review: {patch.verdict}")
            parts += [f"  {line}" for line in patch.review]
        if patch.handoff:
            parts.append(f"handed over {patch.handoff}")
        parts += _listed("checked at the handoff", patch.acceptance)
        if patch.changed:
            parts.append("files changed: " + ", ".join(patch.changed))
        if patch.patch_id in work.diffs:
            text = patch.diff.decode("utf-8", "replace")
            fence = _fence(text)
            parts += ["diff:", fence + "diff", text.rstrip("\n"), fence]
        elif not patch.review_only:  # a review archives no diff
            parts.append(f"diff: left out (see below; git show {patch.commit[:12]})")
        parts.append("")
    return parts


def _listed(title: str, items: Sequence[str]) -> list[str]:
    return [f"{title}:", *(f"  - {item}" for item in items)] if items else []


def _files(files: Sequence[InputFile]) -> list[str]:
    parts = []
    for item in files:
        if b"\0" in item.content:
            binary = f"(a binary file of {len(item.content):,} bytes)"
            parts += [f"--- {item.path} ({item.where}) ---", binary, ""]
            continue
        text = item.content.decode("utf-8", "replace")
        fence = _fence(text)
        parts += [f"--- {item.path} ({item.where}) ---", fence, text.rstrip("\n"), fence, ""]
    return parts


def answer_format(packet: dict[str, Any], patch_id: str, to_pod: str) -> str:
    """How to answer: a change (four files), a review, or a blocked answer; the patch id, the base
    commit, and the smallest valid answer of each kind."""
    pod, task = packet["pod"], packet["task_id"]
    base = packet.get("base_commit", "the repository's first commit (there is none yet)")
    if packet.get("branch") and packet.get("base_commit"):
        base = f"{base}, the tip of {packet['branch']} (the work so far)"
    handed_by = ledger.sender(packet)
    sender = handed_by or pod
    ids = {"patch_id": patch_id, "pod": pod, "task_id": task}
    trace = {**ids, "summary": "<what the patch does, within 72 characters (the commit subject)>"}
    trace["steps"] = ["<what you read>", "<what you changed and why>"]
    changelog = {**ids, "entries": [{"type": "changed", "description": "<what changed, for the changelog>"}]}
    handoff = {"from": pod, "to": to_pod, "reason": "<what the next pod should do>"}
    handoff["related_patch"] = f"{patch_id}.diff"
    # the commit subject opens with the verdict ("Changes requested: " at most): 72 - 19 = 53
    review = {**ids, "summary": "<what you found, in one line within 50 characters>"}
    review["steps"] = ["<what you read and ran>"]
    review["review"] = {
        "verdict": "approved",
        "findings": ["<what you found, if anything>"],
        "ran": [{"command": "<the command you ran>", "result": "passed"}],
    }
    blocked = {**ids, "summary": "<why you cannot do the task, within 50 characters>"}
    blocked["steps"] = ["<what you tried>"]
    blocked["review"] = {"verdict": "blocked", "findings": ["<what you need: a file, a decision, access>"]}
    blocked_to = {"from": pod, "to": sender, "reason": "<what would unblock the task>"}
    blocked_to["related_patch"] = patch_id
    verdict_to = {**handoff, "related_patch": patch_id}
    back = (
        f"back to {sender}, who sent it (or to yourself, {pod}, for the lead to reassign)"
        if handed_by
        else f"to yourself ({pod}): no pod sent you this task, so the lead reads your findings and "
        "reassigns it"
    )
    return "\n".join(
        [
            "=== HOW TO ANSWER ===",
            f"Answer with one bundle named {patch_id}, of one of three kinds. Use the patch id {patch_id}",
            "in every file; handoff_log.yaml's related_patch names it (a change's as "
            f"{patch_id}.diff, though",
            f"the diff file itself is always called {DIFF}). The files are YAML: put a value in double",
            'quotes when it holds ": " or " #", or starts with a character such as [ { * & ! | > \' " % @ `.',
            "",
            "1. A CHANGE (code, tests, docs): four files.",
            f"- {DIFF}: a unified diff against commit {base} (as `git diff --binary` writes it).",
            "  Where an exact diff is hard, send whole files instead: files/<path> with each changed",
            "  file's full new content; they are turned into the diff for you.",
            f"- {TRACE}: your reasoning (summary, steps; assumptions, risks, agent and model if known).",
            "  A review that also changes code adds review: to it, as in 2.",
            f"- {CHANGELOG}: the changelog entries (types: added, changed, fixed, removed, deprecated,",
            "  security, docs, tests).",
            f"- {HANDOFF}: who takes the task next and why.",
            "The smallest valid change:",
            "",
            *_example((TRACE, trace), (CHANGELOG, changelog), (HANDOFF, handoff)),
            "",
            f"2. A REVIEW WITH NO CODE CHANGE: {TRACE} with review: (verdict approved, or",
            f"changes-requested with findings saying what to change), and {HANDOFF}; no {DIFF}, no",
            f"{CHANGELOG}. List in ran: each command you ran and its result (passed, failed, error,",
            "not-run); if you could run nothing, say so in findings and leave ran out.",
            "The smallest valid review:",
            "",
            *_example((TRACE, review), (HANDOFF, verdict_to)),
            "",
            "3. BLOCKED (you cannot do the task as given: a document, decision or access it needs is",
            f"missing): {TRACE} with review: verdict blocked and findings saying exactly what you need,",
            f"and {HANDOFF} handing the task {back}; no diff, no changelog. The smallest valid one:",
            "",
            *_example((TRACE, blocked), (HANDOFF, blocked_to)),
            "",
        ]
    )


def _example(*files: tuple[str, dict[str, Any]]) -> list[str]:
    """An answer's files, each under a `# <file name>` line, as the pod should write them."""
    return [line for name, data in files for line in (f"# {name}", _yaml(data).rstrip("\n"))]


def _yaml(data: Any) -> str:
    return yamlsafe.dump(data)


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in the text, so it cannot be closed early."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)
