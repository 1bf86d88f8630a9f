"""Bundle consistency (GP2xx): the four files are complete, valid, and agree with each other and config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from git_pods import ids
from git_pods.bundle import (
    CHANGELOG,
    DIFF,
    FILES,
    HANDOFF,
    LOG_SCHEMAS,
    REVIEW_ONLY_NEEDS,
    TRACE,
    BundleFiles,
    review_only,
    sha256_file,
    verdict_of,
)
from git_pods.bundle import handoffs as read_handoffs
from git_pods.checks.artifact import Checked, check_file, read
from git_pods.checks.diff_rules import check_diff, path_rules, secrets_in
from git_pods.checks.rules import violation
from git_pods.checks.trailers import one_line_problems
from git_pods.config import Config, PodSpec
from git_pods.violation import Violation
from git_pods.yamlsafe import json_path

Show = Callable[[Path], str]


class _At(Protocol):
    def __call__(
        self,
        rule: str,
        message: str,
        name: str,
        path: tuple[str | int, ...],
        hint: str | None = None,
    ) -> Violation: ...


def check_bundle(bundle: BundleFiles, config: Config, show: Show, recount: bool = False) -> list[Violation]:
    """Everything wrong with one bundle, each problem once, at its file and line (recount: hunks
    are read by their lines, as `git apply --recount` reads them)."""
    checked = {
        name: check_file(path, show(path), LOG_SCHEMAS[name], config.yaml_max_bytes)
        for name, path in bundle.logs.items()
    }
    trace = checked.get(TRACE)
    trace_data = trace.doc.data if trace is not None and trace.doc is not None else None
    verdict = verdict_of(trace_data)
    raw_diff = read(bundle.diff, show(bundle.diff)) if bundle.diff is not None else None
    diff = raw_diff if isinstance(raw_diff, bytes) else None
    answer_only = bundle.files_dir is None and review_only(verdict, diff)
    out = _completeness(bundle, show, answer_only and not isinstance(raw_diff, Violation))
    for name, result in checked.items():
        out.extend(result.violations)
        if result.raw is not None:
            out.extend(secrets_in(result.raw.decode("utf-8", "replace"), show(bundle.logs[name])))
    # judge the policy even when other fields are wrong
    pod = config.pods.get(_text(trace_data, "pod") or "") if trace_data is not None else None
    contents = {name: c.raw for name, c in checked.items() if c.raw is not None}
    if isinstance(raw_diff, Violation):
        out.append(raw_diff)
    elif diff is not None and bundle.diff is not None:
        contents[DIFF] = diff
        if not answer_only:
            out.extend(check_diff(diff, show(bundle.diff), config, pod, recount))
    if bundle.files_dir is not None:
        out.extend(_whole_files(bundle, config, pod, show))
    out.extend(_agreement(bundle, checked, contents, config, verdict))
    return out


def _completeness(bundle: BundleFiles, show: Show, answer_only: bool) -> list[Violation]:
    """What is missing: a review answer that changes nothing needs only its trace and handoff."""
    out = []
    for name in LOG_SCHEMAS:
        if name not in bundle.logs and not (answer_only and name not in REVIEW_ONLY_NEEDS):
            expected = bundle.folder / name
            yml = expected.with_suffix(".yml")
            hint = f"rename {yml.name} to {name}" if yml.exists() else None
            out.append(violation("GP200", f"{name} is missing", file=show(expected), hint=hint))
    if bundle.diff is None and bundle.files_dir is None and not answer_only:
        if bundle.kind == "archived":
            out.append(
                violation(
                    "GP209",
                    f"logs without their diff {bundle.expected_diff.name}",
                    file=show(bundle.folder),
                )
            )
        else:
            out.append(
                violation(
                    "GP200",
                    f"{DIFF} (or a {FILES}/ folder of whole files) is missing",
                    file=show(bundle.expected_diff),
                    hint=f"a review or blocked answer that changes nothing has no {DIFF}: give "
                    f"{TRACE} a review: with its verdict (git pod-validate --explain GP200)",
                )
            )
    if bundle.diff is not None and bundle.files_dir is not None:
        out.append(
            violation(
                "GP210",
                f"both {DIFF} and {FILES}/ are present",
                file=show(bundle.folder),
            )
        )
    for path in bundle.extra:
        out.append(violation("GP211", f"unexpected {path.name} in the bundle", file=show(path)))
    return out


def _whole_files(bundle: BundleFiles, config: Config, pod: PodSpec | None, show: Show) -> list[Violation]:
    """A files/ folder: each file is judged by the same path rules as a diff's names."""
    assert bundle.files_dir is not None
    if not bundle.files_dir.is_dir() or bundle.files_dir.is_symlink():
        return [violation("GP210", f"{FILES} must be a folder", file=show(bundle.files_dir))]
    out = []
    files = 0
    for path in sorted(bundle.files_dir.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue  # folders are judged by the files in them
        inner = path.relative_to(bundle.files_dir).as_posix()
        if path.is_symlink():
            out.append(violation("GP210", f"{FILES}/{inner} is a symbolic link", file=show(path)))
            continue
        files += 1
        for rule, message in path_rules(inner, config, pod, allow_list=True):
            out.append(violation(rule, message, file=show(path)))
    if not out and not files:
        out.append(violation("GP200", f"{FILES}/ holds no files", file=show(bundle.files_dir)))
    return out


def _text(data: object, key: str) -> str | None:
    """A field's value when it is text; None when missing or of the wrong type (already reported)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _agreement(
    bundle: BundleFiles,
    checked: dict[str, Checked],
    contents: dict[str, bytes],
    config: Config,
    verdict: str | None,
) -> list[Violation]:
    """Cross-file rules over whatever loaded: a broken field is skipped, never guessed."""
    docs = {name: c.doc for name, c in checked.items() if c.doc is not None}
    out: list[Violation] = []

    def at(
        rule: str, message: str, name: str, path: tuple[str | int, ...], hint: str | None = None
    ) -> Violation:
        doc = docs[name]
        return violation(
            rule, message, hint=hint, file=doc.file, line=doc.line_of(path), path=json_path(path)
        )

    logs = [name for name in (TRACE, CHANGELOG) if name in docs]
    patch_id = bundle.location_id or next(
        (p for p in (_text(docs[n].data, "patch_id") for n in logs) if p), None
    )
    for name in logs:
        data = docs[name].data
        for key, valid in (
            ("patch_id", ids.is_patch_id),
            ("task_id", ids.is_task_id),
            ("pod", ids.is_pod_id),
        ):
            value = _text(data, key)
            reported = any(v.path == f"$.{key}" for v in checked[name].violations)
            if value is not None and not valid(value) and not reported:
                out.append(at("GP208", f"{value!r} is not a valid {key.replace('_', ' ')}", name, (key,)))
        value = _text(data, "patch_id")
        if value is not None and patch_id is not None and value != patch_id:
            where = "the bundle folder" if bundle.location_id else TRACE
            out.append(
                at(
                    "GP201",
                    f"patch_id {value!r} differs from {patch_id!r} ({where})",
                    name,
                    ("patch_id",),
                    f"set patch_id: {patch_id}",
                )
            )
        pod_name = _text(data, "pod")
        if pod_name is not None:
            out.extend(_known_pod(pod_name, config, name, ("pod",), at))
    trace = docs[TRACE].data if TRACE in docs else None
    if trace is not None:
        out.extend(one_line_problems(trace, docs[TRACE].file, docs[TRACE].line_of))
    pod, task = _text(trace, "pod"), _text(trace, "task_id")
    if CHANGELOG in docs and trace is not None:
        other = docs[CHANGELOG].data
        if pod and _text(other, "pod") not in (None, pod):
            out.append(
                at(
                    "GP202",
                    f"pod {_text(other, 'pod')!r} differs from the trace's {pod!r}",
                    CHANGELOG,
                    ("pod",),
                )
            )
        if task and _text(other, "task_id") not in (None, task):
            out.append(
                at(
                    "GP203",
                    f"task_id {_text(other, 'task_id')!r} differs from the trace's {task!r}",
                    CHANGELOG,
                    ("task_id",),
                )
            )
    if HANDOFF in docs and patch_id is not None:
        out.extend(_handoffs(contents, docs[HANDOFF].data, patch_id, pod, task, config, at, verdict))
    return out


def _handoffs(
    contents: dict[str, bytes],
    data: object,
    patch_id: str,
    pod: str | None,
    task: str | None,
    config: Config,
    at: _At,
    verdict: str | None,
) -> list[Violation]:
    out: list[Violation] = []
    entries = read_handoffs(data)
    listed = not isinstance(data, dict)  # a single mapping's keys sit at the top

    def here(entry_index: int, key: str) -> tuple[str | int, ...]:
        return (entry_index, key) if listed else (key,)

    named = [h for h in entries if h.related_patch is not None]
    if entries and not named:
        out.append(
            at(
                "GP204",
                "no handoff names this bundle in related_patch",
                HANDOFF,
                here(0, "from"),
                f"add related_patch: {patch_id}.diff",
            )
        )
    for handoff in entries:
        if handoff.related_patch is not None and ids.patch_id_of(handoff.related_patch) != patch_id:
            out.append(
                at(
                    "GP204",
                    f"related_patch {handoff.related_patch!r} does not name this bundle ({patch_id})",
                    HANDOFF,
                    here(handoff.index, "related_patch"),
                    f"set related_patch: {patch_id}.diff",
                )
            )
        if pod is not None and handoff.from_pod != pod:
            out.append(
                at(
                    "GP202",
                    f"handoff from {handoff.from_pod!r} but the trace's pod is {pod!r}",
                    HANDOFF,
                    here(handoff.index, "from"),
                )
            )
        if task is not None and handoff.task_id not in (None, task):
            out.append(
                at(
                    "GP203",
                    f"handoff task_id {handoff.task_id!r} differs from the trace's {task!r}",
                    HANDOFF,
                    here(handoff.index, "task_id"),
                )
            )
        for key, name in (("from", handoff.from_pod), ("to", handoff.to_pod)):
            out.extend(_known_pod(name, config, HANDOFF, here(handoff.index, key), at))
        sender = config.pods.get(handoff.from_pod)
        allowed_pods = config.handoff_targets(handoff.from_pod, verdict)
        if sender is not None and handoff.to_pod in config.pods and handoff.to_pod not in allowed_pods:
            allowed = ", ".join(allowed_pods) or "none"
            out.append(
                at(
                    "GP206",
                    f"{handoff.from_pod} may not hand off to {handoff.to_pod}",
                    HANDOFF,
                    here(handoff.index, "to"),
                    f"hand off to one of: {allowed} (or add {handoff.to_pod} to "
                    f"{handoff.from_pod}'s next in {config.source})",
                )
            )
        for name, expected in handoff.digests.items():
            out.extend(_digest(contents, name, expected, at, here(handoff.index, "digests") + (name,)))
    return out


def _digest(
    contents: dict[str, bytes],
    name: str,
    expected: str,
    at: _At,
    where: tuple[str | int, ...],
) -> list[Violation]:
    raw = contents.get(name)
    if raw is None:
        return []  # unreadable (reported already), or a files/ bundle with no patch.diff yet
    actual = sha256_file(raw)
    if actual == expected:
        return []
    return [
        at(
            "GP207",
            f"{name} does not match its digest (it is {actual[:19]}...)",
            HANDOFF,
            where,
            f"restore the {name} that was handed over, or set the digest to {actual}",
        )
    ]


def _known_pod(
    pod: str,
    config: Config,
    name: str,
    where: tuple[str | int, ...],
    at: _At,
) -> list[Violation]:
    if pod in config.pods:
        return []
    from difflib import get_close_matches

    close = get_close_matches(pod, list(config.pods), n=1)
    hint = (
        f"did you mean '{close[0]}'?" if close else f"known pods: {', '.join(config.pods)}"
    ) + f" (pods come from {config.source})"
    return [at("GP205", f"unknown pod {pod!r}", name, where, hint)]
