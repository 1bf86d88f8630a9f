"""Adoption through the pre-commit framework: the git-pods hooks in `.pre-commit-config.yaml`,
and the framework's own hook scripts installed for every hook type they need.

The config is edited as text at the positions YAML's parser reports, so the team's comments
and layout stay as they were; the result is parsed again before anything is written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from git_pods import __version__
from git_pods.fsio import write_atomic
from git_pods.gitio.runner import clean_env
from git_pods.install.native import FRAMEWORK_MARK
from git_pods.install.steps import Step

CONFIG_FILE = ".pre-commit-config.yaml"
HOOKS_REPO = "https://github.com/git-pods/git-pods"
# The git-pods hooks the framework runs, with their hook types. post-rewrite is not among them:
# the framework gives that hook no stdin (git's <old> <new> lines), so git pod-init installs it
# natively beside the framework's scripts (NATIVE_BESIDE).
HOOK_TYPES = {
    "pod-bundle": "pre-commit",
    "pod-commit-msg": "commit-msg",
    "pod-pre-push": "pre-push",
    "pod-post-commit": "post-commit",
}
NATIVE_BESIDE = ("post-rewrite",)
COMMENT = "# git-pods: bundles, trailers and pushes checked (git pod-init --uninstall removes this)"

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


class EditRefused(Exception):
    """The config's layout is one this editor does not change; the user adds the lines by hand."""


def uses_framework(root: Path) -> bool:
    return (root / CONFIG_FILE).is_file()


def block(url: str, rev: str, indent: str, eol: str = "\n") -> str:
    lines = [COMMENT, f"- repo: {url}", f"  rev: {rev}", "  hooks:"]
    lines += [f"  - id: {hook_id}" for hook_id in HOOK_TYPES]
    return "".join(f"{indent}{line}{eol}" for line in lines)


def manual(url: str, rev: str) -> str:
    """What to add by hand when the file's layout is one the editor leaves alone."""
    types = ", ".join(dict.fromkeys(["pre-commit", *HOOK_TYPES.values()]))
    return (
        "under repos:\n"
        + block(url, rev, "  ")
        + f"and at the top level:\ndefault_install_hook_types: [{types}]\n"
        f"then: pre-commit install --hook-type {' --hook-type '.join(dict.fromkeys(HOOK_TYPES.values()))}"
    )


def _compose(text: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise EditRefused(f"{CONFIG_FILE} is not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(node, yaml.MappingNode):
        raise EditRefused(f"{CONFIG_FILE} is not a mapping")
    return node


def _value(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def hook_ids(text: str) -> set[str]:
    """The hook ids the config lists (every repo)."""
    repos = _value(_compose(text), "repos")
    found: set[str] = set()
    for item in repos.value if isinstance(repos, yaml.SequenceNode) else ():
        hooks = _value(item, "hooks") if isinstance(item, yaml.MappingNode) else None
        for hook in hooks.value if isinstance(hooks, yaml.SequenceNode) else ():
            hook_id = _value(hook, "id") if isinstance(hook, yaml.MappingNode) else None
            if isinstance(hook_id, yaml.ScalarNode):
                found.add(hook_id.value)
    return found


def with_hooks(text: str, url: str, rev: str) -> str:
    """The config text with the git-pods hooks it lacks and their hook types in
    `default_install_hook_types`, so a teammate's plain `pre-commit install` sets up all of them.

    A config that already lists some git-pods hooks (an earlier release's) gains the others in
    that repo's `hooks:` list, at its rev; otherwise the git-pods repo is appended to `repos:`."""
    root = _compose(text)
    repos = _value(root, "repos")
    if not isinstance(repos, yaml.SequenceNode):
        raise EditRefused(f"{CONFIG_FILE} has no repos: list")
    if repos.flow_style and repos.value:
        raise EditRefused(f"{CONFIG_FILE} writes repos: as a [flow] list")
    eol = "\r\n" if "\r\n" in text else "\n"  # the file's own line endings
    ours = _our_hooks(repos)
    if ours is not None:
        missing = [hook_id for hook_id in HOOK_TYPES if hook_id not in hook_ids(text)]
        if ours.flow_style:
            raise EditRefused(f"{CONFIG_FILE} writes the git-pods repo's hooks: as a [flow] list")
        indent = " " * ours.start_mark.column
        at = _line_end(text, _last_end(ours))
        lead = "" if at == 0 or text[at - 1] == "\n" else eol
        text = text[:at] + lead + "".join(f"{indent}- id: {hook_id}{eol}" for hook_id in missing) + text[at:]
    elif repos.value:
        indent = " " * repos.start_mark.column
        at = _line_end(text, repos.value[-1].end_mark.index)
        lead = "" if at == 0 or text[at - 1] == "\n" else eol  # a last line without its newline
        text = text[:at] + lead + block(url, rev, indent, eol) + text[at:]
    else:  # repos: []
        start, end = repos.start_mark.index, repos.end_mark.index
        rest = text[end:]
        newline = rest.find("\n")
        tail = "" if newline < 0 else rest[newline + 1 :]
        comment = rest[: newline if newline >= 0 else len(rest)].rstrip("\r")
        text = text[:start] + comment.strip() + eol + block(url, rev, "", eol) + tail
    root = _compose(text)
    types = _value(root, "default_install_hook_types")
    key_end = next(k.end_mark.index for k, v in root.value if v is types) if types is not None else 0
    wanted_types = list(dict.fromkeys(["pre-commit", *HOOK_TYPES.values()]))
    if types is None:
        lead = "" if text.endswith("\n") else eol
        text = text + lead + f"default_install_hook_types: [{', '.join(wanted_types)}]{eol}"
    elif isinstance(types, yaml.SequenceNode):
        present = [n.value for n in types.value if isinstance(n, yaml.ScalarNode)]
        merged = list(dict.fromkeys([*present, *wanted_types]))
        if merged != present:
            if types.flow_style or not types.value:
                end = types.end_mark.index
            else:  # a block list ends where the next token starts: keep what follows its last item
                end = types.value[-1].end_mark.index
            text = text[:key_end] + f": [{', '.join(merged)}]" + text[end:]  # from the key's colon
    else:
        raise EditRefused(f"{CONFIG_FILE}'s default_install_hook_types is not a list")
    if not set(HOOK_TYPES) <= hook_ids(text):
        raise EditRefused("the edited config did not read back as expected")
    return text


def _our_hooks(repos: yaml.SequenceNode) -> yaml.SequenceNode | None:
    """The hooks: list of the repo that already lists a git-pods hook, if one does."""
    known = {*HOOK_TYPES, "pod-verify", "pod-post-rewrite"}
    for item in repos.value:
        hooks = _value(item, "hooks") if isinstance(item, yaml.MappingNode) else None
        if not isinstance(hooks, yaml.SequenceNode):
            continue
        for hook in hooks.value:
            hook_id = _value(hook, "id") if isinstance(hook, yaml.MappingNode) else None
            if isinstance(hook_id, yaml.ScalarNode) and hook_id.value in known:
                return hooks
    return None


def _last_end(node: yaml.Node) -> int:
    """Where a block node's last scalar ends (a block collection's own end mark lies at the next
    token, past any comment lines that follow it)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return int(node.end_mark.index)


def _line_end(text: str, index: int) -> int:
    """The index just after the line holding index (the last item may end mid-line)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def executable() -> str | None:
    """The framework's `pre-commit`, next to this Python first (the git-pods[pre-commit] extra)."""
    here = Path(sys.executable).parent
    for name in ("pre-commit", "pre-commit.exe"):
        if (here / name).is_file():
            return str(here / name)
    return shutil.which("pre-commit")


def installed_types(hooks_dir: Path) -> set[str]:
    """The hook types whose script in hooks_dir is the framework's."""
    found = set()
    for hook_type in set(HOOK_TYPES.values()):
        path = hooks_dir / hook_type
        try:
            if FRAMEWORK_MARK in path.read_text(encoding="utf-8", errors="replace"):
                found.add(hook_type)
        except OSError:
            continue
    return found


def run(root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    tool = executable()
    if tool is None:
        raise FileNotFoundError("pre-commit")
    env = clean_env({"PRE_COMMIT_COLOR": "never"})
    return subprocess.run([tool, *args], cwd=root, capture_output=True, text=True, env=env, check=False)


def install_types(root: Path, hooks_dir: Path) -> tuple[list[Step], list[str]]:
    """`pre-commit install -t …` for the types not yet the framework's; returns those installed."""
    needed = sorted(set(HOOK_TYPES.values()) - installed_types(hooks_dir))
    if not needed:
        return [Step("framework hooks", ", ".join(sorted(set(HOOK_TYPES.values()))), "unchanged")], []
    args = ["install"]
    for hook_type in needed:
        args += ["--hook-type", hook_type]
    done = run(root, args)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        return [
            Step(
                "framework hooks",
                ", ".join(needed),
                "problem",
                detail[-1] if detail else "pre-commit install failed",
            )
        ], []
    return [Step("framework hooks", ", ".join(needed), "installed", "through pre-commit install")], needed


def uninstall_types(root: Path, types: list[str]) -> list[Step]:
    if not types:
        return []
    args = ["uninstall"]
    for hook_type in types:
        args += ["--hook-type", hook_type]
    try:
        done = run(root, args)
    except FileNotFoundError:
        return [Step("framework hooks", ", ".join(types), "problem", "pre-commit is no longer installed")]
    status = "removed" if done.returncode == 0 else "problem"
    return [
        Step("framework hooks", ", ".join(types), status, "" if status == "removed" else done.stderr.strip())
    ]


def default_rev() -> str:
    return f"v{__version__}"


def write_text(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))
