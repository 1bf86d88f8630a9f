"""Safe YAML for pod artifacts: one document, no aliases, standard tags, no duplicate keys, lines kept."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from git_pods.checks.rules import violation
from git_pods.record import field, record
from git_pods.violation import Violation

try:  # the C loader is 7x faster; pure-Python builds of PyYAML lack it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 1 << 20
MAX_DEPTH = 64

PathKey = tuple[str | int, ...]

_T = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = _T + "str", _T + "null", _T + "bool", _T + "int", _T + "float"
_TIMESTAMP, _MAP, _SEQ, _MERGE = _T + "timestamp", _T + "map", _T + "seq", _T + "merge"
# Numbers YAML 1.1 (PyYAML) and YAML 1.2 tools read differently: octal-looking 0755, base 60
# (1:30), binary 0b11, digit separators (1_000).
_AMBIGUOUS_NUMBER = re.compile(r"[-+]?(0[0-9_]+|0b[01_]+|[0-9][0-9_]*:[0-9:._]*|[0-9._]*_[0-9._]*)\Z")
_RESOLVER = yaml.resolver.Resolver()
_NESTING_EVENTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_DEEP_INDENT = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH // 2 - 1}}}", re.MULTILINE)
_SCALAR_NAMES = {_BOOL: "a boolean", _INT: "a number", _FLOAT: "a number", _NULL: "null"}


@record
class Surprise:
    """A plain scalar that YAML 1.1 read as something other than the text written."""

    text: str
    read_as: str


@record
class YamlDoc:
    """A loaded document: plain JSON-like data plus the line of every value."""

    data: Any
    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)
    surprises: dict[PathKey, Surprise] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the value at path, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while True:
            if probe in self.lines:
                return self.lines[probe]
            if not probe:
                return None
            probe = probe[:-1]


class YamlProblems(Exception):
    """The file could not be loaded safely; carries every problem found."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


def json_path(path: PathKey) -> str:
    """`$.entries[0].type` for ('entries', 0, 'type')."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += "[" + repr(part) + "]"
    return out


class _Dumper(yaml.SafeDumper):
    """Writes a value that two places share twice, never as an anchor and alias: everything
    git-pods writes is read back by load(), which refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any, width: int = 100) -> str:
    """YAML as git-pods writes it: keys in order, Unicode as itself, no aliases."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=width)


def decode(raw: bytes, file: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Bytes to text, refusing files over the budget and bytes that are not UTF-8."""
    if len(raw) > max_bytes:
        raise YamlProblems(
            [
                violation(
                    "GP102",
                    f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit",
                    file=file,
                )
            ]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblems(
            [
                violation(
                    "GP100",
                    f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid UTF-8",
                    file=file,
                    line=line,
                )
            ]
        ) from None


def load(raw: bytes, file: str, max_bytes: int = DEFAULT_MAX_BYTES) -> YamlDoc:
    """Load one artifact; raise YamlProblems listing everything that makes it unsafe to use."""
    text = decode(raw, file, max_bytes)
    may_nest_deep = _may_nest_deep(text)
    try:
        if may_nest_deep:
            _refuse_deep(text, file, _Loader)
        node = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError) as exc:
        # libyaml's own limits vary by release (0.2.5 recursed until the stack broke, the one in
        # PyYAML 6.0.4 stops at 1,000 levels with a scanner error): whatever it says, a document
        # nested past our limit is GP117, decided by the pure-Python parser, which has no limit
        if may_nest_deep or isinstance(exc, RecursionError):
            _refuse_deep(text, file, yaml.SafeLoader, fail_quietly=True)
        raise YamlProblems([_load_error(exc, text, file)]) from None
    if node is None:
        return YamlDoc(data=None, file=file)
    return _Builder(file, text).build(node)


def _load_error(exc: yaml.YAMLError | RecursionError, text: str, file: str) -> Violation:
    """The one violation for a document PyYAML could not read."""
    if isinstance(exc, RecursionError):
        return violation("GP117", f"nested more than {MAX_DEPTH} levels deep", file=file)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        rule = "GP104" if "alias" in problem else "GP101"
        return violation(rule, f"YAML: {problem}", file=file, line=mark.line + 1 if mark else None)
    # ReaderError: control characters and the like
    position = getattr(exc, "position", None)
    line = text[:position].count("\n") + 1 if isinstance(position, int) else None
    reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
    return violation("GP101", f"YAML: {reason}", file=file, line=line)


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T) :] if tag.startswith(_T) else tag


def _may_nest_deep(text: str) -> bool:
    """Whether the text could nest past MAX_DEPTH: more brackets than that, or a line whose
    indentation and block indicators (`- - - x`) are long enough for it (each level of block
    nesting moves right by at least one column every second level)."""
    return text.count("[") + text.count("{") > MAX_DEPTH or _DEEP_INDENT.search(text) is not None


def _refuse_deep(text: str, file: str, loader: type[Any], fail_quietly: bool = False) -> None:
    """Refuse nesting past MAX_DEPTH before composing: libyaml's composer recurses on the C stack
    (a 50 KB line of '[' or of '- ' crashes the process), while its parser is iterative and safe
    to walk. With fail_quietly, a document that does not parse is left to the caller's error."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, _NESTING_EVENTS):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    message = f"nested more than {MAX_DEPTH} levels deep"
                    raise YamlProblems([violation("GP117", message, file=file, line=line)])
            elif isinstance(event, _CLOSING_EVENTS):
                depth -= 1
    except yaml.YAMLError:
        if not fail_quietly:
            raise


class _Builder:
    """Walks a composed node tree into plain data, noting lines and refusing what is unsafe."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.lines: dict[PathKey, int] = {}
        self.surprises: dict[PathKey, Surprise] = {}
        self.problems: list[Violation] = []
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, root: Node) -> YamlDoc:
        self.lines[()] = root.start_mark.line + 1
        data = self._value(root, (), 0)
        if self.problems:
            raise YamlProblems(self.problems)
        return YamlDoc(data=data, file=self.file, lines=self.lines, surprises=self.surprises)

    def _problem(self, rule: str, message: str, node: Node) -> None:
        self.problems.append(violation(rule, message, file=self.file, line=node.start_mark.line + 1))

    def _value(self, node: Node, path: PathKey, depth: int) -> Any:
        if id(node) in self.seen:
            self._alias(node)
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self._problem("GP117", f"nested more than {MAX_DEPTH} levels deep", node)
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._problem("GP105", f"tag {_tag_name(node.tag)} is not allowed", node)
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self._value(item, path + (index,), depth + 1))
            return items
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            self._problem("GP105", f"tag {_tag_name(node.tag)} is not allowed", node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                what = "merge key <<" if key_node.tag == _MERGE else "a key that is a list or mapping"
                self._problem("GP107", f"{what} is not allowed", key_node)
                continue
            if key_node.tag not in (_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP):
                self._problem("GP105", f"tag {_tag_name(key_node.tag)} is not allowed on a key", key_node)
                continue
            key = key_node.value  # as written: `no:` is the key 'no', never False
            key_line = key_node.start_mark.line + 1
            if key in out:
                first = self.lines.get(path + (key,))
                self._problem(
                    "GP103",
                    f"key '{key}' appears again (first on line {first})",
                    key_node,
                )
                continue
            self.lines[path + (key,)] = key_line
            out[key] = self._value(value_node, path + (key,), depth + 1)
        return out

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        if tag == _TIMESTAMP:
            return text  # kept as written (YAML 1.2 reads it as text; schemas check the form)
        if tag not in _SCALAR_NAMES:
            self._problem("GP105", f"tag {_tag_name(tag)} is not allowed", node)
            return None
        # unquoted and resolved from its text, not tagged by hand (C loader style "", Python None)
        implicit = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        plain = not node.style and implicit == tag
        if tag in (_INT, _FLOAT) and plain and _AMBIGUOUS_NUMBER.match(text):
            self._problem("GP106", f"'{_clip(text)}' is a number in YAML 1.1 but text in YAML 1.2", node)
            return None
        try:
            value = self.constructor.construct_object(node)
        except (ValueError, yaml.YAMLError):  # bad explicit tags, numbers past Python's digit limit
            if plain:
                self._problem("GP106", f"'{_clip(text)}' cannot be read as a number", node)
            else:
                self._problem("GP105", f"'{_clip(text)}' is not a valid {tag.rsplit(':', 1)[-1]}", node)
            return None
        if plain:
            self.surprises[path] = Surprise(text=text, read_as=_SCALAR_NAMES[tag])
        return value

    def _alias(self, node: Node) -> None:
        """Report the first alias where it is written, not where its anchor is."""
        if any(p.rule == "GP104" for p in self.problems):
            return
        line = node.start_mark.line + 1
        for event in yaml.parse(self.text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                line = event.start_mark.line + 1
                break
        self.problems.append(
            violation(
                "GP104",
                "aliases (*name) are not allowed",
                file=self.file,
                line=line,
            )
        )
