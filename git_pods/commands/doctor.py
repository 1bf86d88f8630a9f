"""`git pod-doctor`: is this clone set up the way git-pods needs? Each problem with its fix."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import TextIO

from git_pods import __version__
from git_pods.checks.rules import violation
from git_pods.commands.init import hooks_folder, hooks_path_set
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.install import framework, native, notes
from git_pods.record import field, record
from git_pods.schema import SCHEMA_NAMES, load_schema, validator
from git_pods.violation import Violation, worst_exit

MIN_GIT = (2, 31)


@record(frozen=False)
class Report:
    """What the doctor saw: one line per check, and the problems with their fixes."""

    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (status, area, detail)
    problems: list[Violation] = field(default_factory=list)

    def ok(self, area: str, detail: str) -> None:
        """A passed check; not shown for an area that already has a problem."""
        if not any(a == area and status != "ok" for status, a, _ in self.checks):
            self.checks.append(("ok", area, detail))

    def bad(self, area: str, found: Violation) -> None:
        self.checks.append(("warn" if found.severity == "warning" else "FAIL", area, found.message))
        self.problems.append(found)


def run(cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    report = Report()
    _git_version(report)
    root = require_root(cwd)
    git = Git(root)
    config = _config(root, report)
    _schemas(report)
    folder = hooks_folder(git)
    if framework.uses_framework(root) and not hooks_path_set(git):
        _framework_hooks(root, folder, report)
        _native_hooks(folder, report, framework.NATIVE_BESIDE)  # the framework cannot run these
    else:
        _native_hooks(folder, report, tuple(native.HOOKS))
    _notes(git, config, report, str((git_dir(root) or root / ".git") / "config"))
    _remotes(git, config, report)
    code = worst_exit(report.problems)
    _print(report, out, json_mode, code)
    return code


def _git_version(report: Report) -> None:
    text = Git(Path.cwd()).run(["--version"], check=False).stdout.decode("utf-8", "replace")
    match = re.search(r"(\d+)\.(\d+)", text)
    version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if version < MIN_GIT:
        report.bad("git", violation("GP610", f"{text.strip() or 'git'} is older than 2.31"))
    else:
        report.ok("git", text.strip())


def _config(root: Path, report: Report) -> Config:
    config, found = load_config(root)
    for item in found:
        report.bad("config", item)
    if not found:
        report.ok("config", f"{config.source}: {len(config.pods)} pods")
    return config


def _schemas(report: Report) -> None:
    from jsonschema.exceptions import SchemaError

    try:
        for name in SCHEMA_NAMES:
            validator(name).check_schema(load_schema(name))
    except (OSError, ValueError, KeyError, SchemaError) as exc:  # a damaged installation
        report.bad("schemas", violation("GP613", f"the schemas cannot be loaded: {exc}"))
        return
    report.ok("schemas", f"{len(SCHEMA_NAMES)} schemas load and are valid")


def _native_hooks(folder: Path, report: Report, names: tuple[str, ...]) -> None:
    pythons: dict[str, str | None] = {}
    for name in names:
        hook_id = native.HOOKS[name]
        area = f"{name} hook"
        found = native.inspect(folder, name)
        shown = str(found.path)
        if found.kind == "missing":
            report.bad(area, violation("GP603", f"no {name} hook in {folder}", file=shown))
            continue
        if found.kind != "ours":
            what = "the pre-commit framework's" if found.kind == "framework" else "another tool's"
            report.bad(
                area,
                violation(
                    "GP603",
                    f"{shown} is {what} hook, not git-pods' ({hook_id} does not run)",
                    file=shown,
                    hint="git pod-init (keeps that hook and runs it first)",
                ),
            )
            continue
        if not native.executable(found.path):
            report.bad(
                area, violation("GP604", f"{shown} is not executable", file=shown, hint=f"chmod +x {shown}")
            )
        python = found.python or ""
        if python not in pythons:
            pythons[python] = _version_of(python)
        installed = pythons[python]
        if installed is None:
            report.bad(
                area, violation("GP605", f"{shown} runs {python}, which cannot import git_pods", file=shown)
            )
            continue
        chained = "GIT_PODS_CHAINED=1" in found.text
        if chained and (found.chained is None or not native.executable(found.chained)):
            backup = folder / f"{name}{native.CHAINED_SUFFIX}"
            effect = (
                "it does not run (git-pods only warns after the fact)"
                if name in native.AFTER_THE_FACT
                else f"the {name} hook fails until it is back"
            )
            report.bad(
                area,
                violation(
                    "GP607",
                    f"the chained hook {backup} is missing or not executable: {effect}",
                    file=str(backup),
                ),
            )
        if found.text != native.render(name, python, chained):
            report.bad(
                area,
                violation(
                    "GP606", f"{shown} differs from the hook git-pods {__version__} installs", file=shown
                ),
            )
        report.ok(area, f"{hook_id}: runs {python} (git-pods {installed})" + (", chained" if chained else ""))


def _version_of(python: str) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", "import git_pods; print(git_pods.__version__)"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _framework_hooks(root: Path, folder: Path, report: Report) -> None:
    try:
        listed = framework.hook_ids((root / framework.CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, framework.EditRefused) as exc:
        report.bad("framework", violation("GP611", f"{framework.CONFIG_FILE} cannot be read: {exc}"))
        return
    missing_ids = sorted(set(framework.HOOK_TYPES) - listed)
    if missing_ids:
        report.bad(
            "framework",
            violation(
                "GP611", f"{framework.CONFIG_FILE} lacks {', '.join(missing_ids)}", file=framework.CONFIG_FILE
            ),
        )
    missing_types = sorted(set(framework.HOOK_TYPES.values()) - framework.installed_types(folder))
    if missing_types:
        report.bad(
            "framework",
            violation(
                "GP611",
                f"the framework's hook is not installed for {', '.join(missing_types)} in {folder}",
                file=framework.CONFIG_FILE,
                hint="pre-commit install " + " ".join(f"--hook-type {t}" for t in missing_types),
            ),
        )
    if not missing_ids and not missing_types:
        report.ok("framework", f"{framework.CONFIG_FILE} lists the git-pods hooks; pre-commit installed them")


def _notes(git: Git, config: Config, report: Report, config_file: str) -> None:
    remotes = notes.remotes(git)
    missing = [s for s in notes.wanted(config.notes_ref, remotes) if s.value not in notes.values(git, s.key)]
    for setting in missing:
        message = f"{setting.key} lacks {setting.value}: {_without(setting.key)}"
        report.bad("notes", violation("GP608", message, file=config_file))
    for remote in remotes:
        for refspec in notes.values(git, f"remote.{remote}.push"):
            if "refs/notes/" in refspec:
                report.bad(
                    "notes",
                    violation(
                        "GP609",
                        f"remote.{remote}.push = {refspec} makes a plain git push push only notes",
                        file=config_file,
                        hint=f"git config --unset remote.{remote}.push '{refspec}'",
                    ),
                )
    if not missing:
        report.ok(
            "notes",
            f"{config.notes_ref}: rewriteRef, cat_sort_uniq merges, fetch from {len(remotes)} remote(s)",
        )


def _remotes(git: Git, config: Config, report: Report) -> None:
    """Each remote's notes as last seen (no network: the tracking ref git pod-sync keeps) and the
    forge CLI that git pod-promote --push would use for it."""
    from git_pods.gitio.objects import read_objects
    from git_pods.sync import tracking_ref

    remotes = notes.remotes(git)
    if not remotes:
        report.ok("remotes", "none yet (git pod-sync and --push need one)")
        return
    tips = read_objects(git, [config.notes_ref, *(tracking_ref(r, config.notes_ref) for r in remotes)])
    mine = tips[config.notes_ref]
    for remote in remotes:
        seen = tips[tracking_ref(remote, config.notes_ref)]
        if mine is not None and (seen is None or seen.sha != mine.sha):
            found = violation(
                "GP800",
                f"this clone has notes {remote} was last seen without"
                if seen
                else f"notes never synced with {remote}",
                hint=f"git pod-sync {remote}",
            )
            report.bad("remotes", found)
        url = git.run(["remote", "get-url", remote], check=False).stdout.decode("utf-8", "replace").lower()
        cli = "gh" if "github" in url else "glab" if "gitlab" in url else None
        if cli and shutil.which(cli) is None:
            report.bad(
                "remotes",
                violation(
                    "GP801",
                    f"{remote} is on {'GitHub' if cli == 'gh' else 'GitLab'} but {cli} is not installed: "
                    "git pod-promote --push writes the pull request's body to a file instead",
                    hint=f"install {cli} and log in ({cli} auth login)",
                ),
            )
    report.ok("remotes", f"{', '.join(remotes)}: notes in sync as last seen")


def _without(key: str) -> str:
    """What goes wrong without the setting."""
    if key == "notes.rewriteRef":
        return "amend and rebase leave the notes on the old commits"
    if key.startswith("notes."):
        return "notes written in two clones conflict when merged"
    return "a plain git fetch does not bring the remote's notes"


def _print(report: Report, out: TextIO, json_mode: bool, code: int) -> None:
    if json_mode:
        checks = [{"status": s.lower(), "area": a, "detail": d} for s, a, d in report.checks]
        write_json(out, "doctor", code, report.problems, checks=checks)
        return
    for status, area, detail in report.checks:
        out.write(f"{status:<4}  {area}: {detail}\n")
    if report.problems:
        out.write("\n")
        for item in report.problems:
            out.write(item.format_text() + "\n")
    errors = sum(v.severity == "error" for v in report.problems)
    out.write(
        f"\n{errors} problem{'s' if errors != 1 else ''} found\n" if errors else "\nno problems found\n"
    )
