"""`git pod-report [KIND]`: velocity, burndown, retrospective and changelog from notes and history.

The history is read once (report/history.py); each report is computed for the window the options
name (a sprint of the config's calendar, --since/--until, or all time) and written as Markdown
with SVG charts (the default, into reports/ at the repository's top), as one self-contained HTML
page, or as JSON (to stdout unless --out names a folder). Warnings about unreadable notes or records
go to stderr (or the JSON's violations); they never fail the report.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, TextIO

from git_pods.checks.rules import violation
from git_pods.commands.output import write_json
from git_pods.config import Config, load_config
from git_pods.errors import ConfigError, UsageError
from git_pods.fsio import write_atomic
from git_pods.gitio.runner import Git, git_dir, remote_head, require_root
from git_pods.record import record
from git_pods.report import markdown as mdown
from git_pods.report.history import History, ReadWarning, read_history
from git_pods.report.journeys import with_journeys, without_superseded
from git_pods.report.jsondoc import as_json
from git_pods.report.logread import LogRead
from git_pods.report.metrics import TREND_SPRINTS, Burndown, Facts, Velocity, burndown, velocity
from git_pods.report.page import html_page
from git_pods.report.records import Entry, Records, reverts
from git_pods.report.retro import Retro, merge, retro, section_id
from git_pods.report.sprints import Window, parse_moment, sprint_window, window, zone
from git_pods.violation import Violation

KINDS = ("velocity", "burndown", "retro", "changelog", "all")
FORMATS = ("md", "html", "json")
FILES = {
    "velocity": "velocity.md",
    "burndown": "burndown.md",
    "retro": "retrospective.md",
    "changelog": "CHANGELOG.md",
}
NOW_ENV = "GIT_PODS_NOW"


@record
class Options:
    kind: str = "all"
    sprint: str | None = None
    since: str | None = None
    until: str | None = None
    out: str | None = None
    format: str = "md"
    json_mode: bool = False


@record
class Reports:
    """What one run computed: only the kinds asked for are set."""

    window: Window
    tz: tzinfo
    history: History
    velocity: Velocity | None = None
    burndown: Burndown | None = None
    retro: Retro | None = None
    releases: tuple[tuple[str, str | None, tuple[Entry, ...]], ...] | None = None
    missing: dict[str, str] | None = None


def run(options: Options, cwd: Path, out: TextIO, err: TextIO, started: LogRead | None = None) -> int:
    """Write or print the reports options ask for; started: the history's log, already running in cwd."""
    kind, fmt = _choice(options.kind, KINDS, "report"), _choice(options.format, FORMATS, "--format")
    number = _sprint(options.sprint)
    root = require_root(cwd)
    git = Git(root)
    config, problems = load_config(root)
    broken = [v for v in problems if v.rule == "GP602"]
    if broken:  # the default config would silently change the calendar and the pods
        first = next((v for v in problems if v.severity == "error"), broken[0])
        raise ConfigError(
            f".pods/config.yaml is not valid, so no report can follow its calendar: {first.message}",
            file=first.file,
            line=first.line,
            rule=first.rule,
            hint=f"git pod-validate .pods/config.yaml lists every problem; {first.hint or ''}".rstrip("; "),
        )
    now = _now()
    span = window(config.sprints, sprint=number, since=options.since, until=options.until, now=now)
    tz = zone(config.sprints.timezone) if config.sprints is not None else timezone.utc
    branch = default_branch(git, config)
    remote = config.remote or "origin"
    history = read_history(
        git, branch, config.release_tags, notes_ref=config.notes_ref, started=started, remote=remote
    )
    wanted = KINDS[:-1] if kind == "all" else (kind,)
    warnings = list(history.warnings)
    common = git_dir(root)
    if common is not None and (common / "shallow").exists():
        warnings.append(
            ReadWarning(
                "GP905",
                "this clone is shallow: commits before its boundary are missing, so counts may be low",
            )
        )
    reader = Records(git, history.default_tip, common / "pods" / "report-cache.json" if common else None)
    history = with_journeys(history, reader.ledgers(warnings))
    unfinished = [
        history.patches[p] for t in history.tasks.values() if t.completed_at is None for p in t.patches
    ]
    replaced = reader.superseded(unfinished, [])  # work redone before delivery (the retro warns)
    redone = {p for p in replaced if (old := history.patches.get(p)) is not None and old.delivered_at is None}
    history = without_superseded(history, redone)
    made = compute(reader, config, history, span, tz, now, wanted, warnings)
    reader.save()
    found = [*problems, *(_violation(w) for w in warnings)]  # the config's warnings (GP601), then ours
    if fmt == "json" and options.out is None:
        write_json(out, "report", 0, found, **document(made, wanted))
        return 0
    folder = Path(options.out) if options.out is not None else root / "reports"
    target = folder if folder.is_absolute() else cwd / folder
    written = write(target, made, wanted, fmt, root / "reports")
    shown = [_shown(p, cwd) for p in written]
    if options.json_mode:
        write_json(out, "report", 0, found, written=shown, **document(made, wanted))
        return 0
    for v in found:
        err.write(v.format_text() + "\n")
    for path in shown:
        out.write(f"wrote {path}\n")
    return 0


def compute(
    reader: Records,
    config: Config,
    history: History,
    span: Window,
    tz: tzinfo,
    now: datetime,
    wanted: Sequence[str],
    warnings: list[ReadWarning],
) -> Reports:
    facts = Facts(history, list(config.pods), now)
    values: dict[str, Any] = {}
    if "velocity" in wanted:
        trend: list[Window] = []
        if span.sprint is not None and config.sprints is not None:
            first = max(1, span.sprint - TREND_SPRINTS + 1)
            trend = [sprint_window(config.sprints, n) for n in range(first, span.sprint + 1)]
        values["velocity"] = velocity(facts, span, trend)
    if "burndown" in wanted:
        values["burndown"] = burndown(facts, span, tz)
    if "retro" in wanted:
        promoted = [p for p in history.patches.values() if p.promoted_at in span and p.commits]
        rework = reverts(reader.git, history.patches, history.revert_candidates, history.parents)
        values["retro"] = retro(facts, span, reader.superseded(promoted, warnings), rework)
    if "changelog" in wanted:
        values["releases"], values["missing"] = releases(reader, history, tz, warnings)
    return Reports(span, tz, history, **values)


def releases(
    reader: Records, history: History, tz: tzinfo, warnings: list[ReadWarning]
) -> tuple[tuple[tuple[str, str | None, tuple[Entry, ...]], ...], dict[str, str]]:
    """Accepted patches' changelog entries by the release tag that delivered them, newest first,
    with "Unreleased" (accepted, in no tag yet) on top."""
    accepted = [p for p in history.patches.values() if p.accepted_at is not None or p.tag is not None]
    before = len(warnings)
    entries = reader.changelog_entries(accepted, warnings)
    missing = {
        w.message.split("/", 2)[1]: w.message for w in warnings[before:] if w.message.startswith(".logs/")
    }
    groups: dict[str | None, list[Entry]] = {}
    for patch in sorted(
        accepted,
        key=lambda p: (p.accepted_at or p.delivered_at or datetime.min.replace(tzinfo=timezone.utc), p.id),
    ):
        groups.setdefault(patch.tag, []).extend(entries.get(patch.id, []))
    out: list[tuple[str, str | None, tuple[Entry, ...]]] = []
    if None in groups:
        out.append(("Unreleased", None, tuple(groups[None])))
    for tag in reversed(history.tags):
        if tag.name in groups:
            out.append((tag.name, tag.at.astimezone(tz).date().isoformat(), tuple(groups[tag.name])))
    return tuple(out), missing


def document(made: Reports, wanted: Sequence[str]) -> dict[str, object]:
    """The numbers behind every table, as the JSON output holds them."""
    doc: dict[str, object] = {
        "window": as_json(made.window),
        "timezone": str(made.tz),
        "default_branch": made.history.default_branch,
        "commits": made.history.commit_count,
    }
    names = {"velocity": "velocity", "burndown": "burndown", "retro": "retrospective"}
    for kind in wanted:
        if kind == "changelog":
            doc["changelog"] = {
                "releases": [
                    {"name": n, "date": d, "entries": as_json(list(e))} for n, d, e in made.releases or ()
                ],
                "missing": dict(sorted((made.missing or {}).items())),
            }
        else:
            doc[names[kind]] = as_json(getattr(made, kind))
    return doc


def write(folder: Path, made: Reports, wanted: Sequence[str], fmt: str, reports: Path) -> list[Path]:
    """Write the reports into folder; return the files written. reports is the default folder
    (reports/ at the top): never written through a link, and the HTML page shows the answers of
    its retrospective.md unless folder has its own."""
    if folder.is_symlink() and folder == reports:  # committed as a link: it could point anywhere
        raise UsageError(
            f"{folder} is a symbolic link; git pod-report does not write through it",
            rule="GP913",
            hint="remove the link, or name the folder to write into with --out DIR",
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file, not a folder", rule="GP913", hint="name a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file in the way, no permission, a read-only disk
        raise UsageError(
            f"cannot write the reports into {folder}: {err.strerror or err}",
            rule="GP913",
            hint="name a folder you may write to with --out DIR",
        ) from None
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        path = folder / name
        write_atomic(path, text.encode("utf-8"))
        written.append(path)

    if fmt == "json":
        put("report.json", json.dumps(document(made, wanted), indent=2, ensure_ascii=False) + "\n")
        return written
    answers = folder if fmt == "md" or (folder / FILES["retro"]).exists() else reports
    sections = markdown(made, wanted, answers, link_charts=fmt == "md")
    if fmt == "html":
        title = f"git-pods report: {mdown.span(made.window, made.tz)}"
        put("report.html", html_page(title, [(h, t, c) for _n, h, t, c in sections]))
        return written
    for name, _heading, text, charts in sections:
        put(name, text)
        for svg in charts:  # one chart per report, named after it: velocity.svg beside velocity.md
            put(name.replace(".md", ".svg"), svg)
    return written


def markdown(
    made: Reports, wanted: Sequence[str], folder: Path, *, link_charts: bool
) -> list[tuple[str, str, str, list[str]]]:
    """(file, heading, Markdown, charts) for each report asked for."""
    tz = made.tz
    out = []
    for kind in wanted:
        if kind == "velocity" and made.velocity is not None:
            chart = mdown.velocity_chart(made.velocity)
            text = mdown.velocity_md(made.velocity, tz, "velocity.svg" if link_charts else None)
            out.append((FILES[kind], "Velocity", text, [chart]))
        elif kind == "burndown" and made.burndown is not None:
            chart = mdown.burndown_chart(made.burndown)
            text = mdown.burndown_md(made.burndown, tz, "burndown.svg" if link_charts else None)
            out.append((FILES[kind], "Burndown", text, [chart]))
        elif kind == "retro" and made.retro is not None:
            path = folder / FILES[kind]
            existing = _read_text(path)
            facts = mdown.retro_facts_md(made.retro, tz)
            text = merge(existing, section_id(made.window), facts, made.retro.questions)
            out.append((FILES[kind], "Retrospective", text, []))
        elif kind == "changelog" and made.releases is not None:
            out.append((FILES[kind], "Changelog", mdown.changelog_md(made.releases, made.missing or {}), []))
    return out


def default_branch(git: Git, config: Config) -> str:
    """The config's default_branch; else origin's HEAD; else main, master or the current branch."""
    if config.default_branch:
        return config.default_branch
    named = remote_head(git, config.remote or "origin")
    if named:
        return named
    refs = git.run(
        ["for-each-ref", "--format=%(refname:short)", "refs/heads/main", "refs/heads/master"]
    ).stdout
    found = refs.decode("utf-8", "replace").split()
    if found:
        return "main" if "main" in found else found[0]
    head = git.run(["symbolic-ref", "-q", "--short", "HEAD"], check=False).stdout.decode("utf-8", "replace")
    return head.strip() or "main"


def _read_text(path: Path) -> str:
    """The retrospective as the team left it: never through a symbolic link (it could point at any
    file, and its text would be copied into the report), and refused rather than mangled when it
    is not UTF-8."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return ""
    except OSError as err:  # ELOOP: a link; EISDIR and the like
        why = "is a symbolic link" if path.is_symlink() else f"cannot be read ({err.strerror})"
        raise UsageError(
            f"{path} {why}; git pod-report neither follows nor replaces it",
            rule="GP913",
            hint="make it a plain file (or remove it), or write the reports elsewhere with --out DIR",
        ) from None
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(
            f"{path} is not UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}): "
            "its answers would be garbled",
            rule="GP913",
            hint="save it as UTF-8 and run the report again",
        ) from None


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value.lower() in allowed:  # --format HTML, Velocity: what was meant is plain
        return value.lower()
    if what == "report" and value.lower() == "retrospective":
        return "retro"
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(
        f"unknown {what} {value!r}", rule="GP913", hint=f"{hint}choose one of: {', '.join(allowed)}"
    )


def _sprint(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1 or not text.strip().isdigit():
        raise UsageError(
            f"--sprint {text!r} is not a sprint number", rule="GP912", hint="sprints count from 1: --sprint 3"
        )
    return number


def _now() -> datetime:
    """Now, or GIT_PODS_NOW (an ISO 8601 time, or a date) for reports that come out the same on
    every run; read as --since is (GP911 when it is neither)."""
    text = os.environ.get(NOW_ENV, "").strip()
    return parse_moment(text, timezone.utc, option=NOW_ENV) if text else datetime.now(timezone.utc)


def _violation(w: ReadWarning) -> Violation:
    return violation(w.rule, w.message, commit=w.commit, line=w.line)


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
