"""The fast verdict (jsonschema-rs, what the hooks use) agrees with the reference (jsonschema).

Only "valid" is trusted from the fast validator, so the dangerous disagreement is a document
it passes and the reference refuses. Every valid fixture is mutated systematically (each key
dropped, each value replaced by wrong types and wrong forms, unknown and x- keys added) and
both validators must give the same verdict on every variant.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from git_pods import schema
from git_pods.config import default_config_text
from git_pods.yamlsafe import load
from helpers import CHANGELOG, HANDOFF, PATCH_ID, TRACE

DIGEST = "sha256:" + "a" * 64
RICH = {
    "thought-trace": {
        "patch_id": PATCH_ID,
        "pod": "dev-pod",
        "task_id": "F2.1.3",
        "summary": "Parse lists",
        "steps": ["Read", "Wrote"],
        "assumptions": ["Input is UTF-8"],
        "risks": ["Large lists"],
        "alternatives": ["A regex"],
        "agent": "codex-cli",
        "model": "gpt-5",
        "supersedes": "patch_20250101_000000",
        "created": "2026-01-05T10:00:00Z",
        "base_commit": "0123456789abcdef0123456789abcdef01234567",
        "transcript": "https://example.com/t/1",
        "x-team": {"any": ["thing"]},
    },
    "changelog": {
        "patch_id": PATCH_ID,
        "pod": "qa-pod",
        "task_id": "BUG-7",
        "title": "Parser",
        "body": "Longer text",
        "created": "2026-01-05T10:00:00+02:00",
        "entries": [
            {"type": "fixed", "description": "Empty lists", "breaking": True},
            {"type": "tests", "description": "Edge cases"},
        ],
    },
    "handoff-log": [
        {
            "from": "dev-pod",
            "to": "qa-pod",
            "reason": "Done",
            "related_patch": f"{PATCH_ID}.diff",
            "task_id": "F2.1",
            "time": "2026-01-05T10:00:00Z",
            "acceptance": ["parses a, b"],
            "digests": {"patch.diff": DIGEST, "thought_trace.yaml": DIGEST, "changelog.yaml": DIGEST},
        }
    ],
    "task-packet": {
        "pod": "qa-pod",
        "task_id": "F2.1",
        "goal": "Add tests",
        "input_files": ["src/a.py"],
        "instructions": "Edge cases",
        "created": "2026-01-05T10:00:00Z",
        "base_commit": "0123456789abcdef0123456789abcdef01234567",
    },
    "metric-event": {
        "ts": "2026-01-05T10:00:00Z",
        "v": 1,
        "event": "promoted",
        "pod": "dev-pod",
        "task": "F2.1",
        "patch": PATCH_ID,
        "by": "Ana <ana@example.com>",
        "added": 12,
        "deleted": 3,
        "files": 2,
    },
}
EVENTS = [  # the other shapes of metric-event (1.1): a re-link and a bypass
    {
        "ts": "2026-01-05T10:00:00Z",
        "v": 1,
        "event": "rewritten",
        "how": "cherry-pick",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "patch": PATCH_ID,
        "by": "Ana <ana@example.com>",
    },
    {
        "ts": "2026-01-05T10:00:00Z",
        "v": 1,
        "event": "bypass-detected",
        "hook": "pod-bundle",
        "how": "no-verify",
        "patches": [PATCH_ID, "patch_20250419_000000"],
        "by": "Ana <ana@example.com>",
    },
]
WRONG: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    " ",
    "\x1c",
    "\x1f\t",
    "\u00a0",
    "\u3000x",
    "x" * 300,
    "has space",
    "../etc/passwd",
    "/abs",
    "2026-13-01T00:00:00Z",
    "2026-01-05",
    "sha256:xyz",
    [],
    [None],
    {},
    {"k": 1},
]


def _valid_documents() -> Iterator[tuple[str, Any]]:
    yield "thought-trace", load(TRACE.format(patch_id=PATCH_ID).encode(), "t").data
    yield "changelog", load(CHANGELOG.format(patch_id=PATCH_ID).encode(), "c").data
    yield "handoff-log", load(HANDOFF.format(patch_id=PATCH_ID).encode(), "h").data
    yield "pods-config", load(default_config_text(), "config").data
    yield from RICH.items()
    yield from (("metric-event", event) for event in EVENTS)


def _variants(value: Any) -> Iterator[Any]:
    """value itself, then one change at a time, at every depth."""
    yield value
    if isinstance(value, dict):
        for key in value:
            dropped = {k: v for k, v in value.items() if k != key}
            yield dropped
            for inner in _variants(value[key]):
                if inner is not value[key]:
                    yield {**value, key: inner}
            for wrong in WRONG:
                yield {**value, key: wrong}
        yield {**value, "unknown_key": 1}
        yield {**value, "x-extension": [1, 2]}
    elif isinstance(value, list):
        yield []
        yield [*value, *value]  # duplicates, for uniqueItems
        for index, item in enumerate(value):
            for inner in _variants(item):
                changed = copy.copy(value)
                changed[index] = inner
                yield changed


def _corpus() -> list[tuple[str, Any]]:
    out = []
    for name, document in _valid_documents():
        out += [(name, variant) for variant in _variants(document)]
    return out


CORPUS = _corpus()


def test_the_corpus_holds_both_verdicts_for_every_schema() -> None:
    verdicts: dict[str, set[bool]] = {}
    for name, document in CORPUS:
        verdicts.setdefault(name, set()).add(schema.validator(name).is_valid(document))
    assert set(verdicts) == set(schema.SCHEMA_NAMES)
    assert all(found == {True, False} for found in verdicts.values()), verdicts
    assert len(CORPUS) > 2000


@pytest.mark.parametrize("name", schema.SCHEMA_NAMES)
def test_fast_and_reference_validators_agree(name: str) -> None:
    fast = schema.fast_validator(name)
    assert fast is not None, "jsonschema-rs is a dependency; the hooks need it for speed"
    reference = schema.validator(name)
    disagree = [
        (fast.is_valid(document), document)
        for schema_name, document in CORPUS
        if schema_name == name and fast.is_valid(document) != reference.is_valid(document)
    ]
    assert not disagree, f"{len(disagree)} disagreements, first: {disagree[0]}"
