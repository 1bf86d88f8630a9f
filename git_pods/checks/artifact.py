"""One artifact file: read it, load its YAML safely, check it against its schema."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from git_pods.checks.rules import violation
from git_pods.record import field, record
from git_pods.schema import check
from git_pods.violation import Violation
from git_pods.yamlsafe import DEFAULT_MAX_BYTES, YamlDoc, YamlProblems, load

_BY_NAME = {
    "thought_trace.yaml": "thought-trace",
    "changelog.yaml": "changelog",
    "handoff_log.yaml": "handoff-log",
}


@record
class Checked:
    """A checked artifact: its document when it loaded, and what is wrong with it."""

    doc: YamlDoc | None
    violations: list[Violation] = field(default_factory=list)
    raw: bytes | None = None  # what was read, so digests need no second read

    @property
    def valid(self) -> bool:
        return self.doc is not None and not any(v.severity == "error" for v in self.violations)


def schema_for(path: Path) -> str | None:
    """Which schema a file's name and place say it follows ('diff' for diffs)."""
    name = path.name.lower()
    if name.endswith(".yml"):
        name = name[:-4] + ".yaml"
    if name in _BY_NAME:
        return _BY_NAME[name]
    parent = path.parent
    if name == "config.yaml" and parent.name == ".pods":
        return "pods-config"
    if name.endswith(".yaml") and parent.name == "tasks" and parent.parent.name == ".pods":
        return "task-packet"
    if name.endswith((".jsonl", ".ndjson")):
        return "metric-event"
    if name.endswith((".diff", ".patch")):
        return "diff"
    return None


DIFF_MAX_BYTES = 64 << 20  # a diff this large is not a pod's patch; refuse before reading it


def read(path: Path, shown: str, limit: int = DIFF_MAX_BYTES) -> bytes | Violation:
    """A regular file's bytes, at most limit of them; otherwise the violation saying why not.

    Links and special files are refused without being opened: a bundle file linked to
    /dev/zero or a FIFO must not hang a hook.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return violation(
                "GP118",
                f"a symbolic link (to {os.readlink(path)}), not a file",
                file=shown,
                hint="replace the link with the file itself",
            )
        if stat.S_ISDIR(info.st_mode):
            return violation("GP118", "a folder where a file was expected", file=shown)
        if not stat.S_ISREG(info.st_mode):
            return violation("GP118", "a special file (device, socket or pipe), not a file", file=shown)
        if info.st_size > limit:
            return violation(
                "GP102", f"file is {info.st_size:,} bytes, over the {limit:,}-byte limit", file=shown
            )
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return violation("GP118", f"cannot read the file: {exc.strerror}", file=shown)
    if len(data) > limit:
        return violation("GP102", f"file grew past the {limit:,}-byte limit while read", file=shown)
    return data


_CHECKED: dict[tuple[bytes, str, str, int], Checked] = {}
_CHECKED_KEPT = 256


def check_bytes(raw: bytes, shown: str, schema: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Checked:
    """Load and schema-check one YAML artifact's bytes. The same bytes under the same name are
    checked once per process (verify reads a trace for its checks and again for its trailers)."""
    key = (raw, shown, schema, max_bytes)
    known = _CHECKED.get(key)
    if known is not None:
        return known
    try:
        doc = load(raw, shown, max_bytes)
    except YamlProblems as problems:
        result = Checked(None, problems.violations, raw)
    else:
        result = Checked(doc, check(doc, schema), raw)
    if len(_CHECKED) >= _CHECKED_KEPT:
        _CHECKED.clear()
    _CHECKED[key] = result
    return result


def check_file(path: Path, shown: str, schema: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Checked:
    raw = read(path, shown, max_bytes)
    if isinstance(raw, Violation):
        return Checked(None, [raw])
    return check_bytes(raw, shown, schema, max_bytes)


def check_events(raw: bytes, shown: str) -> list[Violation]:
    """Metric events: one compact JSON object per line, each valid against metric-event."""
    out: list[Violation] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            out.append(violation("GP119", f"not JSON: {exc}", file=shown, line=number))
            continue
        except RecursionError:
            out.append(violation("GP119", "JSON nested too deeply", file=shown, line=number))
            continue
        if not isinstance(data, dict):
            out.append(violation("GP119", "a JSON value that is not an object", file=shown, line=number))
            continue
        doc = YamlDoc(data=data, file=shown, lines={(): number})
        out.extend(check(doc, "metric-event"))
    return out
