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

import yaml

from git_pods.bundle import CHANGELOG, DIFF, HANDOFF, TRACE
from git_pods.checks.rules import violation
from git_pods.config import Config
from git_pods.errors import UsageError
from git_pods.gitio.runner import Git
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
        size = path.stat().st_size
        if size > budget:
            over = (
                f"{relative} alone is {size:,} bytes (about {size // 4:,} tokens); the budget is {budget:,}"
            )
            refused.append(violation("GP704", over, file=relative))
            continue
        content = path.read_bytes()
        if relative not in allow:
            hit = next(iter(find(_text(content))), None)
            what = (
                "is named like a file of secrets"
                if secret_name(relative)
                else (f"holds what looks like {hit.kind} (line {hit.line})" if hit is not None else None)
            )
            if what is not None:
                refused.append(
                    violation(
                        "GP703",
                        f"{relative} {what}; its content is not shown",
                        file=relative,
                        hint=f"leave it out, or --allow-secret {relative} if it holds no real secret",
                    )
                )
                continue
        state = states.get(relative) or ("ignored" if relative in ignored else None)
        base = head[:12] if head else "no commit yet"
        where = f"at commit {base}" if state is None else f"{state} (working tree, based on {base})"
        files.append(InputFile(relative, content, where))
    return files, refused


def _inside(name: str, cwd: Path, root: Path, top: Path, what: str = "--input-file") -> str | Violation:
    """The file's real path relative to the repository's top (every check is made on that: a
    link anywhere along the way is followed first), or GP701 when it is or leads outside."""
    if any(ord(c) < 32 or 0xDC80 <= ord(c) <= 0xDCFF for c in name):
        raise UsageError(f"{what} {name!r}: control characters or bytes that are not UTF-8 in the name")
    if os.path.isabs(name) or name.startswith("~"):
        return violation("GP701", f"{name} is an absolute path", file=name)
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
    if any(
        part.lower().rstrip(". ") in (".git",) or part.lower().startswith("git~")
        for part in relative.split("/")
    ):
        return violation("GP701", f"{name} is inside a .git folder", file=name)
    return relative


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


def render(
    template: str,
    ledger_path: str,
    packet: dict[str, Any],
    inputs: Sequence[InputFile],
    patch_id: str,
    to_pod: str,
) -> str:
    """The whole prompt, by concatenation only."""
    parts = [template.rstrip("\n"), ""]
    parts += [f"=== TASK PACKET ({ledger_path}) ===", _yaml(packet).rstrip("\n"), ""]
    if inputs:
        parts.append("=== INPUT FILES ===")
        for item in inputs:
            text = item.content.decode("utf-8", "replace")
            fence = _fence(text)
            parts += [f"--- {item.path} ({item.where}) ---", fence, text.rstrip("\n"), fence, ""]
    parts += [answer_format(packet, patch_id, to_pod)]
    return "\n".join(parts)


def answer_format(packet: dict[str, Any], patch_id: str, to_pod: str) -> str:
    """How to answer: the four files, the patch id, the base commit, the smallest valid bundle."""
    pod, task = packet["pod"], packet["task_id"]
    base = packet.get("base_commit", "the repository's first commit (there is none yet)")
    ids = {"patch_id": patch_id, "pod": pod, "task_id": task}
    trace = {**ids, "summary": "<one line: what the patch does>"}
    trace["steps"] = ["<what you read>", "<what you changed and why>"]
    changelog = {**ids, "entries": [{"type": "changed", "description": "<what changed, for the changelog>"}]}
    handoff = {"from": pod, "to": to_pod, "reason": "<what the next pod should do>"}
    handoff["related_patch"] = f"{patch_id}.diff"
    return "\n".join(
        [
            "=== HOW TO ANSWER ===",
            f"Answer with one patch bundle named {patch_id}: four files.",
            f"- {DIFF}: a unified diff against commit {base} (as `git diff --binary` writes it).",
            "  Where an exact diff is hard, send whole files instead: files/<path> with each changed",
            "  file's full new content; they are turned into the diff for you.",
            f"- {TRACE}: your reasoning (summary, steps; assumptions, risks, agent and model if known).",
            f"- {CHANGELOG}: the changelog entries (types: added, changed, fixed, removed, deprecated,",
            "  security, docs, tests).",
            f"- {HANDOFF}: who takes the task next and why.",
            f"Use the patch id {patch_id} in every file. The smallest valid bundle for this task:",
            "",
            f"# {TRACE}",
            _yaml(trace).rstrip("\n"),
            f"# {CHANGELOG}",
            _yaml(changelog).rstrip("\n"),
            f"# {HANDOFF}",
            _yaml(handoff).rstrip("\n"),
            "",
        ]
    )


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in the text, so it cannot be closed early."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)
