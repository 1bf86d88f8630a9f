"""Downloaded bundle files: recognise them (browser suffixes, an added .txt, zips, Markdown logs),
read the patch id each one names, and group them into bundles, refusing ambiguous sets."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from git_pods import ids
from git_pods.bundle import CHANGELOG, DIFF, FILES, HANDOFF, TRACE, needed_files, verdict_of
from git_pods.checks.rules import violation
from git_pods.record import record
from git_pods.violation import Violation
from git_pods.yamlsafe import YamlProblems, load

MAX_FILE = 64 << 20  # a download this large is no pod's answer
MAX_ZIP_MEMBERS = 200
_SUFFIX = re.compile(r"^(?P<stem>.*?)(?: ?\(\d{1,3}\))?(?P<ext>\.(?:ya?ml|md|diff|patch))$", re.I)
_COPY = re.compile(r" ?\(\d{1,3}\)$")  # a browser's second copy: "changelog (1).yaml", "x.diff (1).txt"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S)
KINDS = {"thought_trace": TRACE, "changelog": CHANGELOG, "handoff_log": HANDOFF}
_WHOLE_FILE = re.compile(r"(?:^|/)files/(?P<path>.+)$")


@record
class Download:
    """One downloaded file (or zip member): where it came from, what it is, its bytes."""

    source: Path  # the file in the downloads folder (the zip, for a member)
    member: str  # the zip member's name, or ""
    name: str  # as downloaded; for a whole file, its path in the repository
    kind: str  # thought_trace.yaml, changelog.yaml, handoff_log.yaml, patch.diff, or files (a whole file)
    data: bytes
    patch_id: str | None  # the id the file names; None when it names none

    @property
    def shown(self) -> str:
        return f"{self.source.name}:{self.member}" if self.member else self.source.name


@record
class Group:
    """The files of one patch id, kind by kind (a kind with several different candidates is ambiguous)."""

    patch_id: str
    files: dict[str, list[Download]]

    def missing(self) -> list[str]:
        if FILES in self.files:
            needed: tuple[str, ...] = (TRACE, CHANGELOG, HANDOFF)
        else:
            diffs = self.files.get(DIFF)
            needed = needed_files(self.verdict(), diffs[0].data if diffs else None)
        return [kind for kind in needed if kind not in self.files]

    def verdict(self) -> str | None:
        """The trace's review verdict: a review answer that changes nothing needs no diff."""
        traces = self.files.get(TRACE, [])
        if len({d.data for d in traces}) != 1:
            return None
        try:
            return verdict_of(load(traces[0].data, TRACE).data)
        except YamlProblems:
            return None

    def sources(self) -> set[Path]:
        return {d.source for found in self.files.values() for d in found}

    def ambiguous(self) -> dict[str, list[Download]]:
        found = {k: v for k, v in self.files.items() if k != FILES and len({d.data for d in v}) > 1}
        whole = self.files.get(FILES, [])
        if whole and DIFF in self.files:
            found[f"{DIFF} or {FILES}/"] = [*self.files[DIFF], *whole[:1]]
        if len({d.source for d in whole}) > 1:  # two answers of whole files for one id
            found[f"{FILES}/"] = whole
        return found

    def whole_files(self) -> dict[str, bytes]:
        return {d.name: d.data for d in self.files.get(FILES, [])}


def kind_of(name: str) -> tuple[str, bool] | None:
    """The bundle file a downloaded name stands for, and whether it is a Markdown log."""
    base = _untxt(name.rsplit("/", 1)[-1])
    match = _SUFFIX.match(base)
    if match is None:
        return None
    stem, ext = match.group("stem").lower(), match.group("ext").lower()
    if ext in (".diff", ".patch"):
        return DIFF, False
    if stem in KINDS and ext in (".yaml", ".yml"):
        return KINDS[stem], False
    if stem in ("thought_trace", "changelog") and ext == ".md":
        return KINDS[stem], True
    return None


def diff_id(name: str) -> str | None:
    """`patch_20250419_123456.diff` (maybe `patch_… (1).diff`) names its patch id; `patch.diff` none."""
    base = _untxt(name.rsplit("/", 1)[-1])
    match = _SUFFIX.match(base)
    stem = match.group("stem") if match else ""
    return stem if stem != "patch" and ids.is_patch_id(stem) else None


def _untxt(base: str) -> str:
    """Drop the `.txt` a browser adds, and the copy number it puts before it."""
    return _COPY.sub("", base[:-4]) if base.lower().endswith(".txt") else base


def from_markdown(raw: bytes, kind: str, shown: str) -> bytes:
    """A Markdown log with YAML front matter (the seeds' form) as the bundle's YAML file."""
    text = raw.decode("utf-8")
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ValueError(f"{shown}: a Markdown log needs YAML front matter between --- lines")
    head = match.group("yaml")
    body = match.group("body").strip("\r\n").rstrip()
    if not body:
        return (head.rstrip() + "\n").encode("utf-8")
    key = "body" if kind == CHANGELOG else "x-markdown"
    if re.search(rf"(?m)^{re.escape(key)}\s*:", head):
        return (head.rstrip() + "\n").encode("utf-8")
    block = "".join(f"  {line}\n" if line else "\n" for line in body.splitlines())
    return (head.rstrip() + f"\n{key}: |\n{block}").encode("utf-8")


def _named_id(kind: str, data: bytes, name: str) -> str | None:
    if kind == DIFF:
        return diff_id(name)
    try:
        doc = load(data, name)
    except YamlProblems:
        return None
    value: Any = doc.data
    if kind == HANDOFF:
        first = value[0] if isinstance(value, list) and value else value
        related = first.get("related_patch") if isinstance(first, dict) else None
        return ids.patch_id_of(related) if isinstance(related, str) else None
    found = value.get("patch_id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def scan(folder: Path) -> tuple[list[Download], list[Violation], set[Path]]:
    """Every recognisable download in folder (zips opened), what could not be read, and the zips
    holding anything not taken in (those are never removed)."""
    found: list[Download] = []
    problems: list[Violation] = []
    keep: set[Path] = set()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.is_symlink():
            continue
        if path.suffix.lower() == ".zip":
            found_zip, zip_problems, taken = _zip(path)
            found += found_zip
            problems += zip_problems
            if not taken:
                keep.add(path)
            continue
        kind = kind_of(path.name)
        if kind is None:
            continue
        if path.stat().st_size > MAX_FILE:
            problems.append(violation("GP102", f"{path.name} is over {MAX_FILE >> 20} MiB", file=str(path)))
            continue
        made = _download(path, "", path.name, kind, path.read_bytes(), problems)
        if made is not None:
            found.append(made)
    found += _whole_files_folder(folder / FILES, problems)
    return found, problems, keep


def _whole_files_folder(top: Path, problems: list[Violation]) -> list[Download]:
    """An answer's files/<path> written as a folder beside its logs (an agent, or a chat answer
    saved by hand): each regular file is a whole file at its repository path. Links are refused."""
    if not top.is_dir() or top.is_symlink():
        return []
    out: list[Download] = []
    total = 0
    for path in sorted(top.rglob("*")):
        inner = path.relative_to(top).as_posix()
        if path.is_symlink():  # the folder is left whole where it is: nothing of it is taken
            problems.append(
                violation(
                    "GP210",
                    f"{FILES}/{inner} is a symbolic link; nothing of {FILES}/ was taken in",
                    file=str(path),
                    hint="replace the link with the file itself, then run git pod-intake again",
                )
            )
            return []
        if not path.is_file():
            continue
        total += path.stat().st_size
        if total > MAX_FILE or len(out) >= MAX_ZIP_MEMBERS:
            limit = f"{MAX_ZIP_MEMBERS} files or {MAX_FILE >> 20} MiB"
            problems.append(
                violation(
                    "GP102",
                    f"{FILES}/ holds more than {limit}: too much to be one answer",
                    file=str(top),
                    hint="send the change as patch.diff, or only the files it changes",
                )
            )
            return []
        out.append(Download(top, inner, inner, FILES, path.read_bytes(), None))
    return out


def _download(
    source: Path, member: str, name: str, kind: tuple[str, bool], raw: bytes, problems: list[Violation]
) -> Download | None:
    what, markdown = kind
    shown = f"{source.name}:{member}" if member else source.name
    if what == FILES:
        return Download(source, member, name, what, raw, None)
    try:
        data = from_markdown(raw, what, shown) if markdown else raw
    except (UnicodeDecodeError, ValueError) as exc:
        problems.append(
            violation("GP100" if isinstance(exc, UnicodeDecodeError) else "GP101", str(exc), file=shown)
        )
        return None
    return Download(source, member, name, what, data, _named_id(what, data, name))


def _zip(path: Path) -> tuple[list[Download], list[Violation], bool]:
    """A zip's bundle files, its problems, and whether every member was taken (else it stays)."""
    found: list[Download] = []
    problems: list[Violation] = []
    total = 0
    too_many = violation("GP102", f"{path.name} holds over {MAX_ZIP_MEMBERS} files", file=str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                return [], [too_many], False
            for member in members:
                whole = _WHOLE_FILE.search(member.filename)
                kind = kind_of(member.filename) if whole is None else (FILES, False)
                if kind is None:
                    continue
                total += member.file_size
                if member.file_size > MAX_FILE or total > MAX_FILE:
                    problems.append(violation("GP102", f"{member.filename} is too large", file=str(path)))
                    continue
                with archive.open(member) as handle:
                    raw = handle.read(MAX_FILE + 1)
                if len(raw) > MAX_FILE:  # the member's stated size lied (a zip bomb)
                    problems.append(violation("GP102", f"{member.filename} is too large", file=str(path)))
                    continue
                name = whole.group("path") if whole is not None else member.filename
                made = _download(path, member.filename, name, kind, raw, problems)
                if made is not None:
                    found.append(made)
            taken = len(found) == len(members)
    except (
        zipfile.BadZipFile,
        OSError,
        RuntimeError,
        NotImplementedError,
        EOFError,
        ValueError,
        zlib.error,
    ) as exc:
        # corrupt, encrypted or oddly compressed: reported and kept; the other downloads go on
        return [], [violation("GP101", f"{path.name} is not a readable zip ({exc})", file=str(path))], False
    return found, problems, taken


def groups(downloads: list[Download]) -> Iterator[Group]:
    """Downloads by patch id. A diff that names no id joins the one group whose logs lack a diff."""
    by_id: dict[str, dict[str, list[Download]]] = {}
    loose: list[Download] = []
    for item in downloads:
        if item.patch_id is None:
            loose.append(item)
            continue
        by_id.setdefault(item.patch_id, {}).setdefault(item.kind, []).append(item)
    for item in loose:
        # a file from a zip belongs to the bundle that zip's logs name (a conflict shows as ambiguous)
        wanting = sorted({d.patch_id for d in downloads if d.source == item.source and d.patch_id})
        if not (item.member and wanting):  # a loose diff, or a files/ folder: the one set lacking it
            lacking = DIFF if item.kind == FILES else item.kind
            wanting = [pid for pid, files in by_id.items() if lacking not in files]
        if len(wanting) == 1:
            by_id[wanting[0]].setdefault(item.kind, []).append(item)
    for patch_id in sorted(by_id):
        yield Group(patch_id, by_id[patch_id])


def unplaced(downloads: list[Download], placed: list[Group]) -> list[Download]:
    """Downloads that ended in no group (no id, and no single group to join)."""
    used = {id(d) for g in placed for found in g.files.values() for d in found}
    return [d for d in downloads if id(d) not in used]
