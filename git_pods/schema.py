"""The artifact schemas: load them from the package, validate documents, map errors to lines and fixes."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from git_pods.checks.rules import violation
from git_pods.violation import Violation
from git_pods.yamlsafe import PathKey, YamlDoc, json_path

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from jsonschema import Draft202012Validator, FormatChecker, ValidationError
    from referencing import Registry


class _At(Protocol):
    def __call__(
        self,
        rule: str,
        message: str,
        hint: str | None = None,
        where: PathKey = ...,
    ) -> Violation: ...


# "has a character that is not white space", written so Python's re and ECMA-262 (jsonschema-rs)
# agree: Python's \s also matches \x1c-\x1f, which ECMA-262's does not.
NOT_BLANK = r"[^\s\x1c-\x1f]"

SCHEMA_NAMES = (
    "task-packet",
    "thought-trace",
    "changelog",
    "handoff-log",
    "pods-config",
    "metric-event",
)

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z"
)
_PY_TYPES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "text",
    list: "a list",
    dict: "a mapping",
    type(None): "null (empty)",
}
_JSON_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def schema_dir() -> Traversable | Path:
    """The installed package's schemas/, or the source checkout's top-level schemas/."""
    packaged = Path(__file__).resolve().parent / "schemas"  # not importlib.resources: 2 ms on hooks
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"  # pragma: no cover - editable checkout


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema document called name (e.g. 'thought-trace')."""
    if name not in SCHEMA_NAMES:
        raise KeyError(name)
    text = (schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource

    resources_ = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in SCHEMA_NAMES]
    return Registry().with_resources(resources_)


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time, the form `date-time` means (anything not text is the type check's business)."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    from datetime import datetime  # here: most documents hold no times, and hooks count milliseconds

    try:
        datetime.fromisoformat(value[:19].replace("t", "T").replace(" ", "T"))
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """A calendar date written YYYY-MM-DD."""
    if not isinstance(value, str):
        return True
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


_FORMATS = {"date-time": is_date_time, "date": is_date}


def _formats() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, test in _FORMATS.items():
        checker.checks(name)(test)
    return checker


@cache
def validator(name: str) -> Draft202012Validator:
    """The reference validator, reused (40x faster than jsonschema.validate per document).

    jsonschema is imported here, not at start-up: it costs 9x bare Python to import, and the
    hooks only need it to explain a document the fast verdict found invalid.
    """
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), registry=_registry(), format_checker=_formats())


class _Verdict(Protocol):
    def is_valid(self, instance: Any) -> bool: ...


@cache
def fast_validator(name: str) -> _Verdict | None:
    """jsonschema-rs for a quick valid/invalid verdict, or None where it is not installed.

    Only "valid" is trusted from it; an invalid document is explained by the reference
    validator, so messages never depend on which one ran (tests prove the two agree).
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - no wheel for this platform
        return None
    verdict: _Verdict = jsonschema_rs.Draft202012Validator(
        load_schema(name), formats=_FORMATS, validate_formats=True
    )
    return verdict


def check(doc: YamlDoc, name: str) -> list[Violation]:
    """Every schema violation in doc, each with its line, JSON path, rule id and fix."""
    if doc.data is None:
        return [violation("GP108", "the file is empty", file=doc.file, line=1)]
    fast = fast_validator(name)
    if fast is not None and fast.is_valid(doc.data):
        return []
    out: list[Violation] = []
    for error in validator(name).iter_errors(doc.data):
        out.extend(_explain(error, doc))
    return sorted(set(out), key=lambda v: (v.line or 0, v.path or "", v.rule, v.message))


def _explain(error: ValidationError, doc: YamlDoc) -> list[Violation]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        return _explain(best_match(error.context), doc)
    path: PathKey = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        path = path + (error.instance,)  # a bad key: point at the key, not its mapping
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}

    def at(rule: str, message: str, hint: str | None = None, where: PathKey = path) -> Violation:
        return violation(
            rule, message, hint=hint, file=doc.file, line=doc.line_of(where), path=json_path(where)
        )

    if kind == "required":
        key = _quoted_name(error.message)
        props = schema.get("properties", {})
        about = props.get(key, {}).get("description") if isinstance(props, dict) else None
        hint = f"add `{key}:`" + (f" ({about})" if about else "")
        return [at("GP110", f"missing required key '{key}'", hint)]
    if kind in ("additionalProperties", "unevaluatedProperties"):
        return [
            at("GP111", f"unknown key '{key}'", _did_you_mean(key, schema), path + (key,))
            for key in _unexpected(error.instance, schema)
        ]
    if kind == "type":
        return [_type_error(error, doc, path, at)]
    if kind in ("enum", "const"):
        allowed = schema.get("enum") or [schema.get("const")]
        shown = ", ".join(str(a) for a in allowed)
        from difflib import get_close_matches

        close = get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {shown}"
        return [at("GP113", f"{_show(error.instance)} is not allowed here (allowed: {shown})", hint)]
    if kind in ("pattern", "maxLength", "minLength", "format") and "x-rule" in schema:
        return [at(schema["x-rule"], f"{_show(error.instance)} is not valid here", _expected(schema))]
    if kind == "pattern" and schema.get("pattern") == NOT_BLANK:
        return [at("GP115", "the value is empty", "write some text")]
    if kind in ("pattern", "format"):
        return [at("GP114", f"{_show(error.instance)} does not have the required form", _expected(schema))]
    if kind in (
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "minProperties",
        "uniqueItems",
    ):
        empty = error.instance in ("", [], {})
        return [at("GP115", _bounds_message(error), "add at least one item" if empty else _expected(schema))]
    return [at("GP116", error.message)]


def _type_error(error: ValidationError, doc: YamlDoc, path: PathKey, at: _At) -> Violation:
    wanted = error.validator_value
    wanted_list = wanted if isinstance(wanted, list) else [wanted]
    wanted_text = " or ".join(_JSON_TYPES.get(str(w), str(w)) for w in wanted_list)
    surprise = doc.surprises.get(path)
    if error.instance is None and (surprise is None or not surprise.text):
        return at("GP115", "the value is empty", f"write {wanted_text} here")
    if surprise is not None and "string" in wanted_list:
        shown = surprise.text
        return at(
            "GP109",
            f"'{shown}' was read as {surprise.read_as}, not text",
            f"quote it: '{surprise.text}'",
        )
    got = _PY_TYPES.get(type(error.instance), type(error.instance).__name__)
    return at("GP112", f"expected {wanted_text}, found {got}", None)


def _unexpected(instance: object, schema: dict[str, Any]) -> list[str]:
    if not isinstance(instance, dict):
        return []
    known = set(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return sorted(key for key in instance if key not in known and not any(p.search(key) for p in patterns))


def _did_you_mean(key: str, schema: dict[str, Any]) -> str:
    known = sorted(schema.get("properties", {}))
    from difflib import get_close_matches

    close = get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? (keys starting with x- are free for extensions)"
    return f"known keys: {', '.join(known)}; prefix your own keys with x-"


def _expected(schema: dict[str, Any]) -> str | None:
    about = schema.get("description")
    if not isinstance(about, str):
        return None
    return "expected " + about[0].lower() + about[1:]


def _quoted_name(message: str) -> str:
    match = re.match(r"'([^']*)'", message)
    return match.group(1) if match else message


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _bounds_message(error: ValidationError) -> str:
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind == "minLength" and isinstance(value, str) and not value:
        return "the value is empty"
    if kind == "minItems" and isinstance(value, list) and not value:
        return "the list is empty"
    words = {
        "minLength": f"shorter than {limit} characters",
        "maxLength": f"longer than {limit} characters",
        "minItems": f"fewer than {limit} items",
        "maxItems": f"more than {limit} items",
        "minimum": f"less than {limit}",
        "maximum": f"more than {limit}",
        "minProperties": f"fewer than {limit} entries",
        "uniqueItems": "listed more than once",
    }
    return f"{_show(value)} is {words[str(kind)]}"
