"""Purpose-built histories for the report tests, written by one `git fast-import` stream: commits at
chosen times on chosen branches (merges too), pod commits carrying trailers and their records
(.patches/<ID>.diff, .logs/<ID>/*.yaml), metric-event notes and release tags."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from helpers import git

CONFIG = """\
version: 1
pods:
  dev-pod:
    next: [qa-pod]
  qa-pod:
    next: [dev-pod]
  research-pod:
    next: [dev-pod]
sprints:
  start: '2026-01-05'
  length_days: 14
  timezone: Europe/Berlin
default_branch: main
"""


def ts(text: str) -> int:
    """'2026-01-05 09:00' (UTC) as epoch seconds."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).timestamp())


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(kind: str, when: str | int, **keys: object) -> str:
    seconds = ts(when) if isinstance(when, str) else when
    return json.dumps({"ts": iso(seconds), "v": 1, "event": kind, **keys}, separators=(",", ":"))


def _data(raw: bytes | str) -> bytes:
    data = raw.encode() if isinstance(raw, str) else raw
    return b"data %d\n%s\n" % (len(data), data)


def records(
    patch: str, pod: str, task: str, entries: list[dict[str, object]], supersedes: str = ""
) -> dict[str, str]:
    """A promoted patch's archive as its pod commit adds it."""
    trace = f"patch_id: {patch}\npod: {pod}\ntask_id: {task}\nsummary: work on {task}\nsteps:\n  - did it\n"
    if supersedes:
        trace += f"supersedes: {supersedes}\n"
    lines = [f"patch_id: {patch}", f"pod: {pod}", f"task_id: {task}", "entries:"]
    for entry in entries:
        lines.append(f"  - type: {entry['type']}")
        lines.append(f"    description: {json.dumps(entry['description'])}")
        if entry.get("breaking"):
            lines.append("    breaking: true")
    return {
        f".patches/{patch}.diff": f"--- a/src/{patch}.txt\n+++ b/src/{patch}.txt\n@@ -0,0 +1 @@\n+{patch}\n",
        f".logs/{patch}/thought_trace.yaml": trace,
        f".logs/{patch}/changelog.yaml": "\n".join(lines) + "\n",
        f".logs/{patch}/handoff_log.yaml": f"from: {pod}\nto: qa-pod\nreason: done\nrelated_patch: {patch}\n",
        f"src/{patch}.txt": f"{patch}\n",
    }


def trailers(pod: str, task: str, *patches: str) -> str:
    return f"\n\nPod: {pod}\nTask: {task}\n" + "".join(f"Patch-Id: {p}\n" for p in patches)


class Stream:
    """Build a history in memory, then import it in one go; marks name commits until then."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.notes: dict[int, list[str]] = {}
        self.tips: dict[str, int] = {}
        self.marks = 0
        self.last = 0

    def commit(
        self,
        branch: str,
        message: str,
        when: str | int,
        files: dict[str, str] | None = None,
        *,
        merge: int | None = None,
        start: int | None = None,
        notes: tuple[str, ...] = (),
    ) -> int:
        self.marks += 1
        mark = self.marks
        seconds = ts(when) if isinstance(when, str) else when
        self.last = max(self.last, seconds)
        self.out += b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark)
        self.out += b"committer Test <t@example.com> %d +0000\n" % seconds + _data(message)
        parent = start if start is not None else self.tips.get(branch)
        if parent is not None:
            self.out += b"from :%d\n" % parent
        if merge is not None:
            self.out += b"merge :%d\n" % merge
        for path, text in (files or {}).items():
            self.out += b"M 644 inline %s\n" % path.encode() + _data(text)
        self.out += b"\n"
        self.tips[branch] = mark
        if notes:
            self.notes.setdefault(mark, []).extend(notes)
        return mark

    def promote(
        self,
        branch: str,
        subject: str,
        when: str,
        pod: str,
        task: str,
        patch: str,
        entries: list[dict[str, object]],
        lines: tuple[int, int],
        *,
        start: int | None = None,
        supersedes: str = "",
        before: tuple[str, ...] = (),
        after: tuple[str, ...] = (),
    ) -> int:
        """A promoted pod commit: trailers, its archived records, and its `promoted` event (between
        the events before and after it in the same note)."""
        added, deleted = lines
        promoted = event(
            "promoted", when, pod=pod, task=task, patch=patch, added=added, deleted=deleted, files=1
        )
        return self.commit(
            branch,
            subject + trailers(pod, task, patch),
            when,
            records(patch, pod, task, entries, supersedes),
            start=start,
            notes=(*before, promoted, *after),
        )

    def tag(self, name: str, mark: int, when: str | None = None) -> None:
        """A lightweight tag, or an annotated one dated when."""
        if when is None:
            self.out += b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), mark)
            return
        self.out += b"tag %s\nfrom :%d\n" % (name.encode(), mark)
        self.out += b"tagger Test <t@example.com> %d +0000\n" % ts(when) + _data(f"Release {name}")

    def run(self, root: Path) -> dict[int, str]:
        """Import into root (an empty repository); return mark -> commit id."""
        out = bytearray(self.out)
        if self.notes:
            out += b"commit refs/notes/pods\ncommitter Test <t@example.com> %d +0000\n" % self.last
            out += _data("notes")
            for mark, lines in sorted(self.notes.items()):
                out += b"N inline :%d\n" % mark + _data("\n".join(lines) + "\n")
            out += b"\n"
        marks = root / ".git" / "test-marks"
        subprocess.run(
            ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
            cwd=root,
            input=bytes(out),
            check=True,
        )
        found = {}
        for line in marks.read_text().splitlines():
            mark, sha = line.split()
            found[int(mark[1:])] = sha
        return found


# -- the story test_report.py tells (its docstring says what happens when) -----------------------

NOW = "2026-01-16T12:00:00Z"


def story(root: Path) -> dict[str, int]:
    s = Stream()
    m0 = s.commit(
        "main",
        "Adopt git-pods",
        "2026-01-02 08:00",
        {".pods/config.yaml": CONFIG, "README.md": "demo\n"},
        notes=(
            event("assigned", "2026-01-05 09:00", pod="dev-pod", task="F1.1", by="Lead"),
            event("assigned", "2026-01-05 10:00", pod="dev-pod", task="F1.2", by="Lead"),
            event("assigned", "2026-01-06 09:00", pod="research-pod", task="F2.1", by="Lead"),
            event(
                "rejected", "2026-01-07 14:00", pod="research-pod", task="F2.1", patch="patch_r", rule="GP301"
            ),
        ),
    )
    parser = [{"type": "added", "description": "Symptom parser"}]
    a = s.promote(
        "pods/F1.1",
        "Parse symptoms",
        "2026-01-06 10:00",
        "dev-pod",
        "F1.1",
        "patch_a",
        parser,
        (10, 2),
        start=m0,
    )
    m1 = s.commit("main", "Merge pods/F1.1", "2026-01-07 12:00", merge=a)
    s.tag("v1.0", m1, "2026-01-09 09:00")
    trimmed = [{"type": "changed", "description": "Lists are trimmed"}]
    handoff = event(
        "handed-off",
        "2026-01-08 11:00",
        task="F1.2",
        to="qa-pod",
        patch="patch_b",
        by="Lead",
        **{"from": "dev-pod"},
    )
    qa_assigned = event("assigned", "2026-01-08 11:05", pod="qa-pod", task="F1.2", by="Lead")
    s.promote(
        "pods/F1.2",
        "Symptom lists",
        "2026-01-08 09:00",
        "dev-pod",
        "F1.2",
        "patch_b",
        trimmed,
        (5, 1),
        start=m1,
        after=(handoff, qa_assigned),
    )
    edge_cases = [{"type": "tests", "description": "Edge cases | <b>pipes</b>"}]
    s.promote(
        "pods/F1.2", "Tests for lists", "2026-01-10 11:00", "qa-pod", "F1.2", "patch_c", edge_cases, (20, 0)
    )
    squash_files = {
        **records("patch_b", "dev-pod", "F1.2", trimmed),
        **records("patch_c", "qa-pod", "F1.2", edge_cases),
    }
    m2 = s.commit(
        "main",
        "F1.2 (#2)\n\nPod: dev-pod\nTask: F1.2\nPatch-Id: patch_b\nPatch-Id: patch_c\n",
        "2026-01-12 15:00",
        squash_files,
    )
    s.tag("v1.1", m2, "2026-01-14 10:00")
    findings = [{"type": "docs", "description": "Findings"}]
    s.promote(
        "pods/F2.1",
        "Research notes",
        "2026-01-13 16:00",
        "research-pod",
        "F2.1",
        "patch_d",
        findings,
        (7, 0),
        start=m1,
    )
    m3 = s.commit(
        "main",
        "Hand fix",
        "2026-01-13 09:00",
        {"README.md": "fixed\n"},
        notes=(
            event("bypass-detected", "2026-01-13 09:00", hook="pod-bundle", how="no-verify", by="Lead"),
            "not an event",
            event("assigned", "2026-01-13 12:00", pod="dev-pod", task="F1.3", by="Lead"),
        ),
    )
    rework = [
        {"type": "fixed", "description": "Parser keeps order"},
        {"type": "changed", "description": "parse() returns a tuple", "breaking": True},
    ]
    e = s.promote(
        "main",
        "Rework the parser",
        "2026-01-14 08:00",
        "dev-pod",
        "F1.3",
        "patch_e",
        rework,
        (3, 3),
        supersedes="patch_a",
    )
    export = [{"type": "added", "description": "Export"}]
    f31 = event("assigned", "2026-01-19 09:00", pod="dev-pod", task="F3.1", by="Lead")
    g = s.promote(
        "main", "Next sprint", "2026-01-20 10:00", "dev-pod", "F3.1", "patch_g", export, (1, 0), before=(f31,)
    )
    marks = s.run(root)
    git(root, "checkout", "-q", "main")
    return {"m0": marks[m0], "m3": marks[m3], "e": marks[e], "g": marks[g]}
