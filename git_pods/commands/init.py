"""`git pod-init`: adopt git-pods in a repository, idempotently, and `--uninstall` to undo it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

from git_pods.commands.output import write_json
from git_pods.config import load_config
from git_pods.errors import ExitCode, RepoStateError, UsageError
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.install import ci, codeowners, framework, native, notes, scaffold, state
from git_pods.install.steps import Step
from git_pods.record import record


@record
class InitOptions:
    """What `git pod-init` was asked to do."""

    uninstall: bool = False
    ci: str | None = None
    codeowners: bool = False
    hooks_repo: str | None = None
    hooks_rev: str | None = None
    python: str | None = None  # the interpreter the hooks name; this one by default


def run(options: InitOptions, cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    if options.ci is not None and options.ci not in ci.FORGES:
        raise UsageError(
            f"--ci {options.ci}: no such forge",
            hint=f"use one of: {', '.join(ci.FORGES)} (git pod-init --ci github)",
        )
    if (options.hooks_repo or options.hooks_rev) and options.uninstall:
        raise UsageError("--hooks-repo and --hooks-rev do not go with --uninstall")
    if options.ci is not None and options.uninstall:
        raise UsageError(
            "--ci does not go with --uninstall",
            hint="git pod-init --uninstall alone removes the CI files it wrote, unless changed or committed",
        )
    if options.codeowners and options.uninstall:
        raise UsageError(
            "--codeowners does not go with --uninstall",
            hint="git pod-init --uninstall alone removes the CODEOWNERS it wrote unless changed or committed",
        )
    root = require_root(cwd)
    common = git_dir(root)
    if common is None:  # pragma: no cover - require_root found a work tree
        raise RepoStateError("no git folder found")
    git = Git(root)
    steps = _uninstall(root, common, git) if options.uninstall else _install(root, common, git, options)
    code = max((_code(s) for s in steps), default=0)
    _report(steps, out, json_mode, options.uninstall, code, (root, cwd))
    return code


def hooks_folder(git: Git) -> Path:
    """The effective hooks folder: core.hooksPath (husky, lefthook) or the git folder's hooks/."""
    done = git.run(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
    return Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))


def hooks_path_set(git: Git) -> bool:
    return git.run(["config", "core.hooksPath"], check=False).returncode == 0


def _install(root: Path, common: Path, git: Git, options: InitOptions) -> list[Step]:
    record = state.load(common)
    config, _problems = load_config(root)
    steps, written = scaffold.write_files(root, config)
    if options.ci is not None:
        ci_steps, ci_written = ci.write(root, options.ci)
        steps += ci_steps
        written.update(ci_written)
    if options.codeowners:
        owners_config, problems = load_config(root)  # the config now on disk
        owner_steps, owner_written = codeowners.write(root, owners_config, problems)
        steps += owner_steps
        written.update(owner_written)
    record.setdefault("files", {}).update(written)
    attributes, added = scaffold.add_attributes(root)
    steps.append(attributes)
    record["attributes"] = list(dict.fromkeys([*record.get("attributes", []), *added]))
    config, _problems = load_config(root)  # the config now on disk decides the notes ref
    config_steps, changed = notes.apply(git, notes.wanted(config.notes_ref, notes.remotes(git)))
    steps += config_steps
    record["config"] = [*record.get("config", []), *changed]
    if not notes.remotes(git):
        steps.append(
            Step(
                "git config",
                "remote notes",
                "later",
                "no remote yet: run git pod-init again after adding one",
            )
        )
    folder = hooks_folder(git)
    record["hooks_dir"] = str(folder)
    python = options.python or sys.executable
    if framework.uses_framework(root) and not hooks_path_set(git):
        steps += _install_framework(root, folder, options, record, python)
    else:
        if framework.uses_framework(root):
            steps.append(
                Step(
                    "framework hooks",
                    framework.CONFIG_FILE,
                    "skipped",
                    "pre-commit will not install while core.hooksPath is set; native hooks installed instead",
                )
            )
        steps += [native.install(folder, name, python) for name in native.HOOKS]
        steps += _hooks_folder_notes(root, common, folder)
    state.save(common, record)
    return steps


def _hooks_folder_notes(root: Path, common: Path, folder: Path) -> list[Step]:
    """Say so when core.hooksPath puts the hooks where more than this clone sees them."""
    resolved = folder.resolve()
    if root.resolve() in resolved.parents and common.resolve() not in resolved.parents:
        return [
            Step(
                "hooks folder",
                str(folder),
                "note",
                "inside the work tree (core.hooksPath): the hooks written there name this machine's "
                "Python; keep them out of commits",
            )
        ]
    if common.resolve() not in resolved.parents and resolved != common.resolve() / "hooks":
        return [
            Step(
                "hooks folder",
                str(folder),
                "note",
                "outside this repository (core.hooksPath): every repository using that folder now runs "
                "the git-pods hooks, and --uninstall removes them for all of them",
            )
        ]
    return []


def _install_framework(
    root: Path, folder: Path, options: InitOptions, record: dict[str, Any], python: str
) -> list[Step]:
    """The framework runs the hooks it can run completely (pre-commit, commit-msg, post-commit)
    and pre-push, whose git-pods hook then sees only the first pushed ref (the framework reads
    git's ref lines and passes one range on); post-rewrite stays native, because the framework
    gives that hook none of git's <old> <new> lines. A framework script already installed for
    post-rewrite is chained by the native hook."""
    path = root / framework.CONFIG_FILE
    before = path.read_text(encoding="utf-8")
    url = options.hooks_repo or framework.HOOKS_REPO
    rev = options.hooks_rev or framework.default_rev()
    steps: list[Step] = []
    try:
        listed = framework.hook_ids(before)
        missing = [hook_id for hook_id in framework.HOOK_TYPES if hook_id not in listed]
        if not missing:
            steps.append(
                Step("framework config", framework.CONFIG_FILE, "unchanged", "lists the git-pods hooks")
            )
        else:
            after = framework.with_hooks(before, url, rev)
            framework.write_text(path, after)
            earlier = record.get("framework") or {}
            # An earlier init's edit, extended now: --uninstall goes back to before the first one.
            first = earlier.get("before") if earlier.get("after") == before else before
            record["framework"] = {"before": first, "after": after}
            added = len(missing) == len(framework.HOOK_TYPES)
            detail = f"git-pods hooks from {url} @ {rev}" if added else f"added {', '.join(missing)}"
            steps.append(Step("framework config", framework.CONFIG_FILE, "updated", detail))
    except framework.EditRefused as exc:  # nothing changed: the native hooks stay as they are
        return [
            Step(
                "framework config",
                framework.CONFIG_FILE,
                "refused",
                f"{exc}; add by hand:\n{framework.manual(url, rev)}",
            )
        ]
    legacy = (native.drop_legacy(folder, name) for name in native.HOOKS)
    steps += [step for step in legacy if step is not None]
    steps += [native.install(folder, name, python) for name in framework.NATIVE_BESIDE]
    if framework.executable() is None:
        steps.append(
            Step(
                "framework hooks",
                "pre-commit",
                "missing",
                "the pre-commit framework is not installed: pip install 'git-pods[pre-commit]', "
                "then git pod-init again",
            )
        )
        return steps
    theirs = [name for name in native.HOOKS if name in framework.HOOK_TYPES.values()]
    steps += [s for s in (native.uninstall(folder, name) for name in theirs) if s.changed]  # theirs now
    installed, types = framework.install_types(root, folder)
    steps += installed
    record["framework_types"] = sorted({*record.get("framework_types", []), *types})
    return steps


def _uninstall(root: Path, common: Path, git: Git) -> list[Step]:
    record = state.load(common)
    folder = Path(record["hooks_dir"]) if record.get("hooks_dir") else hooks_folder(git)
    steps = [native.uninstall(folder, name) for name in native.HOOKS]
    steps += framework.uninstall_types(root, list(record.get("framework_types", [])))
    steps += _restore_framework_config(root, record.get("framework"), _committed(git, framework.CONFIG_FILE))
    steps += notes.revert(git, list(record.get("config", [])))
    files = dict(record.get("files", {}))
    listed = git.run(["--literal-pathspecs", "ls-files", "-z", "--", *files]).stdout if files else b""
    tracked = set(listed.decode("utf-8", "surrogateescape").split("\0"))
    added = list(record.get("attributes", []))
    committed = (_committed(git, scaffold.ATTRIBUTES) or "").splitlines()
    steps.append(scaffold.remove_attributes(root, added, any(line in committed for line in added)))
    steps += scaffold.remove_files(root, files, tracked)
    state.clear(common)
    return steps


def _committed(git: Git, path: str) -> str | None:
    """The file's text in HEAD, or None when HEAD lacks it (or there is no HEAD yet)."""
    done = git.run(["show", f"HEAD:{path}"], check=False)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _restore_framework_config(root: Path, saved: dict[str, str] | None, committed: str | None) -> list[Step]:
    """Put the framework config back as it was, unless the edit was committed or changed since."""
    if not saved:
        return []
    path = root / framework.CONFIG_FILE
    if not path.is_file():
        return [Step("framework config", framework.CONFIG_FILE, "absent")]
    current = path.read_text(encoding="utf-8")
    if current == saved["after"] and committed != saved["after"]:
        framework.write_text(path, saved["before"])
        return [Step("framework config", framework.CONFIG_FILE, "restored", "as it was before git pod-init")]
    why = "committed to the repository" if committed == current else "changed since git pod-init edited it"
    return [
        Step(
            "framework config", framework.CONFIG_FILE, "kept", f"{why}: remove the git-pods entry in a commit"
        )
    ]


def _code(step: Step) -> int:
    if step.status == "problem":
        return int(ExitCode.REPO_STATE)
    if step.status in ("missing", "refused"):
        return int(ExitCode.USAGE)
    return 0


def _report(
    steps: list[Step], out: TextIO, json_mode: bool, uninstall: bool, code: int, where: tuple[Path, Path]
) -> None:
    root, cwd = where
    changed = [s for s in steps if s.changed]
    if json_mode:
        steps_json = [s.to_json() for s in steps]
        write_json(out, "init", code, uninstall=uninstall, changed=bool(changed), steps=steps_json)
        return
    width = max((len(s.status) for s in steps), default=0)
    for step in steps:
        if step.status in ("unchanged", "absent") or (
            step.status == "kept" and step.detail == "already there"
        ):
            continue  # the JSON lists them; people want what changed
        detail = f" ({step.detail})" if step.detail and "\n" not in step.detail else ""
        out.write(f"{step.status.ljust(width)}  {step.what}: {step.target}{detail}\n")
        if "\n" in step.detail:
            out.write("".join(f"    {line}\n" for line in step.detail.splitlines()))
    if not changed and code == 0:
        out.write(
            "nothing to undo: git-pods is not installed here\n"
            if uninstall
            else "git-pods is already set up here; nothing changed\n"
        )
    elif not uninstall and code == 0:
        files = [_relative(s.target, root, cwd) for s in changed if s.what in ("file", "framework config")]
        out.write("git-pods is set up.\n")
        if files:
            out.write(
                "Commit the scaffold so the team shares it:\n"
                f"    git add {' '.join(_shell_word(f) for f in files)} && git commit -m 'Adopt git-pods'\n"
            )


def _relative(target: str, root: Path, cwd: Path) -> str:
    """A root-relative path as seen from where the command was typed (a subfolder, maybe)."""
    return Path(os.path.relpath(root / target, cwd)).as_posix()


def _shell_word(text: str) -> str:
    safe = all(c.isalnum() or c in "._-/+" for c in text)
    return text if safe else "'" + text.replace("'", "'\\''") + "'"
