"""A strict reader of unified diffs: every file a diff changes, its names and modes, hunk counts exact.

unidiff is lenient where models go wrong (it drops lines past a hunk's stated count), so
validation reads the structure itself, in one pass, with the line of everything it reports.
"""

from __future__ import annotations

import re

from git_pods.record import field, record

_HUNK = re.compile(r"@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@")
_BINARY_BLOCK = re.compile(r"(literal|delta) \d+\Z")
_EXTENDED = (
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "index ",
)
_NAMED = {
    "rename from ": "rename_from",
    "rename to ": "rename_to",
    "copy from ": "copy_from",
    "copy to ": "copy_to",
}
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class DiffSyntaxError(Exception):
    """The text is not a diff git could apply; `line` is where reading stopped."""

    def __init__(self, message: str, line: int | None, crlf: bool = False, counts: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.crlf = crlf
        self.counts = counts  # wrong hunk counts: `git apply --recount` would read it


@record(frozen=False)
class FileChange:
    """One file's change as the diff states it (names as `git apply -p1` reads them)."""

    line: int
    git_old: str | None = None
    git_new: str | None = None
    minus: str | None = None
    plus: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    copy_from: str | None = None
    copy_to: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    index_mode: str | None = None
    binary: bool = False
    binary_data: bool = False
    added: list[str] = field(default_factory=list)
    hunks: int = 0
    hunk_starts: list[int] = field(default_factory=list)  # each hunk's first old line, for messages
    plus_line: int | None = None  # the line of the '+++ ' header (not an added line)
    binary_blocks: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (line, size, base85)
    binary_kinds: list[str] = field(default_factory=list)  # literal or delta, one per block
    index_new: str | None = None  # the post-image blob id the `index` line names
    raw: list[str] = field(default_factory=list)

    def name(self, written: str) -> str | None:
        """The path `git apply -p1` writes for a name as written; the raw form is kept too."""
        text = written[: _quoted_end(written) + 1] if written.startswith('"') else written.split("\t", 1)[0]
        text = unquote(text)
        if text == "/dev/null":
            return None
        self.raw.append(text)
        if text.startswith("/") or "/" not in text:
            return text  # absolute (refused later) or nothing to strip
        return text.split("/", 1)[1]

    @property
    def paths(self) -> list[str]:
        """The paths the change touches, as `git apply -p1` reads them."""
        names = (
            self.git_old,
            self.git_new,
            self.minus,
            self.plus,
            self.rename_from,
            self.rename_to,
            self.copy_from,
            self.copy_to,
        )
        return list(dict.fromkeys(n for n in names if n is not None))

    @property
    def all_names(self) -> list[str]:
        """The paths plus every name as written, so no spelling escapes the deny rules."""
        return list(dict.fromkeys([*self.paths, *self.raw]))

    @property
    def is_symlink(self) -> bool:
        return self.new_mode == "120000" or (self.new_mode is None and self.index_mode == "120000")

    @property
    def target(self) -> str | None:
        """The path the change writes (None for a deletion)."""
        if self.plus is not None:
            return self.plus
        if self.rename_to is not None:
            return self.rename_to
        if self.copy_to is not None:
            return self.copy_to
        if self.new_mode == "deleted":
            return None
        return self.git_new

    @property
    def modes(self) -> list[str]:
        return [m for m in (self.old_mode, self.new_mode, self.index_mode) if m]


def unquote(name: str) -> str:
    """git's C-style quoting ("a/caf\\303\\251") back to text; other names unchanged."""
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1 : i + 4].isdigit() and len(body[i + 1 : i + 4]) == 3:
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_ESCAPES.get(body[i + 1 : i + 2], ord(body[i + 1 : i + 2] or "\\")))
            i += 2
    return out.decode("utf-8", "surrogateescape")


def _quoted_end(text: str) -> int:
    """The index of the quote closing a C-quoted name that starts at text[0]."""
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i
        else:
            i += 1
    return len(text) - 1


def _git_header(change: FileChange, rest: str) -> None:
    """Names from `diff --git a/x b/x`, quoted or not (unquoted names may hold spaces)."""
    if rest.startswith('"'):
        end = _quoted_end(rest)
        old, new = rest[: end + 1], rest[end + 2 :]
    else:
        half = (len(rest) - 1) // 2
        if rest[half : half + 1] == " " and rest[half + 1 :].startswith("b/"):
            old, new = rest[:half], rest[half + 1 :]
        else:
            old, _, new = rest.partition(" b/")
            new = "b/" + new if new else ""
    change.git_old = change.name(old)
    change.git_new = change.name(new) if new else None


def scan(text: str, recount: bool = False) -> list[FileChange]:
    """Every file change in the diff; DiffSyntaxError at the first line that breaks the format.

    With recount, a hunk runs to the last line that can belong to it, whatever its @@ header
    says (what `git apply --recount` does)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileChange] = []
    current: FileChange | None = None
    in_header = False
    i = 0
    while i < len(lines):
        line = lines[i]
        number = i + 1
        if line.startswith(("diff --git ", "--- ", "+++ ", "@@ ")) and line.endswith("\r"):
            raise DiffSyntaxError("the diff's lines end in CRLF", number, crlf=True)
        if line.startswith("diff --git "):
            current = FileChange(line=number)
            _git_header(current, line[len("diff --git ") :])
            files.append(current)
            in_header = True
            i += 1
        elif line.startswith("--- ") and (current is None or not in_header or current.minus):
            current = FileChange(line=number)
            files.append(current)
            in_header = True
        elif in_header and current is not None and line.startswith(_EXTENDED):
            _extended(current, line)
            i += 1
        elif in_header and current is not None and line.startswith("--- "):
            if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
                raise DiffSyntaxError("a '--- ' line is not followed by '+++ '", number + 1)
            current.minus = current.name(line[4:])
            current.plus = current.name(lines[i + 1][4:])
            current.plus_line = i + 2
            i = (_recounted if recount else _hunks)(lines, i + 2, current)
            in_header = False
        elif in_header and current is not None and line.startswith("Binary files "):
            current.binary = True
            i += 1
        elif in_header and current is not None and line.startswith("GIT binary patch"):
            current.binary = True
            i = _binary(lines, i + 1, current)
            in_header = False
        elif line.startswith("@@"):
            raise DiffSyntaxError("a hunk (@@) with no file header before it", number)
        else:  # e-mail headers, commit message, signature: text around the diff
            i += 1
    if not files:
        raise DiffSyntaxError("no file changes found: this is not a unified diff", None)
    return files


def _binary(lines: list[str], i: int, change: FileChange) -> int:
    """Read `literal N` / `delta N` blocks (base85 lines, each ended by a blank line) to their end."""
    blocks = 0
    while i < len(lines) and _BINARY_BLOCK.match(lines[i]):
        start = i
        i += 1
        while i < len(lines) and lines[i] != "":
            if not lines[i][:1].isalpha():
                raise DiffSyntaxError("a binary patch line that is not base85 data", i + 1)
            i += 1
        if i >= len(lines):
            raise DiffSyntaxError(f"the binary block starting at line {start + 1} is not ended", start + 1)
        size = int(lines[start].split(" ", 1)[1])
        change.binary_blocks.append((start + 1, size, lines[start + 1 : i]))
        change.binary_kinds.append(lines[start].split(" ", 1)[0])
        i += 1  # the blank line closing the block
        blocks += 1
    if blocks == 0:
        raise DiffSyntaxError("'GIT binary patch' with no literal or delta data after it", i)
    change.binary_data = True
    return i


def _extended(change: FileChange, line: str) -> None:
    key, _, value = line.partition(" ")
    if line.startswith(("old mode ", "new mode ")):
        setattr(change, f"{key}_mode", value.split(" ", 1)[1])
    elif line.startswith("new file mode "):
        change.old_mode, change.new_mode = None, line.rsplit(" ", 1)[1]
    elif line.startswith("deleted file mode "):
        change.old_mode, change.new_mode = line.rsplit(" ", 1)[1], "deleted"
    elif line.startswith(tuple(_NAMED)):
        prefix = next(p for p in _NAMED if line.startswith(p))
        name = unquote(line[len(prefix) :])  # no a/ b/ prefix on these lines
        setattr(change, _NAMED[prefix], name)
        change.raw.append(name)
    elif line.startswith("index "):
        parts = line.split(" ")
        change.index_mode = parts[2] if len(parts) > 2 else None
        change.index_new = parts[1].partition("..")[2] or None if len(parts) > 1 else None


def _hunks(lines: list[str], i: int, change: FileChange) -> int:
    """Read hunks from line i with their exact counts; return the index after the last."""
    collect = change.is_symlink
    while i < len(lines) and lines[i].startswith("@@"):
        header = _HUNK.match(lines[i])
        if header is None:
            raise DiffSyntaxError(f"malformed hunk header {lines[i][:40]!r}", i + 1)
        start = i + 1
        old = int(header.group(2)) if header.group(2) is not None else 1
        new = int(header.group(4)) if header.group(4) is not None else 1
        i += 1
        change.hunks += 1
        change.hunk_starts.append(int(header.group(1)))
        while old > 0 or new > 0:
            if i >= len(lines):
                raise DiffSyntaxError(_short(start, old, new), start, counts=True)
            body = lines[i]
            tag = body[:1]
            if tag in (" ", ""):
                old, new = old - 1, new - 1
            elif tag == "-":
                old -= 1
            elif tag == "+":
                new -= 1
                if collect:
                    change.added.append(body[1:])
            elif tag != "\\":
                raise DiffSyntaxError(_short(start, old, new), i + 1, counts=True)
            if old < 0 or new < 0:
                raise DiffSyntaxError(
                    f"the hunk starting at line {start} has more lines than its @@ header "
                    "says (wrong hunk counts)",
                    i + 1,
                    counts=True,
                )
            i += 1
        while i < len(lines) and lines[i].startswith("\\"):
            i += 1
    if change.hunks == 0:
        raise DiffSyntaxError("a ---/+++ file header with no hunk after it", i + 1)
    if i < len(lines) and _stray(lines[i]):
        raise DiffSyntaxError(
            f"line {i + 1} continues the hunk past the line count its @@ header says (wrong hunk counts)",
            i + 1,
            counts=True,
        )
    return i


def _recounted(lines: list[str], i: int, change: FileChange) -> int:
    """Hunks read by their lines, not their counts: a hunk ends at the first line that is not
    context, '+', '-' or '\\', or at the next file's header."""
    while i < len(lines) and lines[i].startswith("@@"):
        header = _HUNK.match(lines[i])
        if header is None:
            raise DiffSyntaxError(f"malformed hunk header {lines[i][:40]!r}", i + 1)
        change.hunks += 1
        change.hunk_starts.append(int(header.group(1)))
        i += 1
        while i < len(lines) and lines[i][:1] in (" ", "+", "-", "\\"):
            body = lines[i]
            if body.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
                break
            if body.startswith("+") and change.is_symlink:
                change.added.append(body[1:])
            i += 1
    if change.hunks == 0:
        raise DiffSyntaxError("a ---/+++ file header with no hunk after it", i + 1)
    return i


def binary_content(size: int, data_lines: list[str], limit: int = 64 << 20) -> bytes | None:
    """The bytes of a `literal`/`delta` block (base85 lines, each led by its length, zlib inside);
    None when they do not decode. At most limit bytes are inflated (a zip bomb stays small)."""
    import base64
    import zlib

    packed = bytearray()
    try:
        for line in data_lines:
            length = ord(line[0]) - (ord("A") - 1 if line[0] <= "Z" else ord("a") - 27)
            packed += base64.b85decode(line[1:])[:length]
        return zlib.decompressobj().decompress(bytes(packed), min(size, limit) or limit)
    except (ValueError, zlib.error):
        return None


def _stray(line: str) -> bool:
    """A hunk line after the hunk ended; `-- ` alone opens a format-patch signature."""
    if line.startswith(("+", " ")):
        return True
    return line.startswith("-") and not line.startswith("--- ") and line != "-- "


def _short(start: int, old: int, new: int) -> str:
    return (
        f"the hunk starting at line {start} ends early: {old} old and {new} new lines missing "
        "(wrong hunk counts, or a truncated diff)"
    )
