"""The six schemas: well-formed, shipped in the package, and mapped to precise, actionable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from git_pods import schema
from git_pods.config import default_config_text, parse_config
from git_pods.yamlsafe import load
from helpers import CHANGELOG, HANDOFF, PATCH_ID, TRACE

TOP = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name", schema.SCHEMA_NAMES)
def test_schema_is_draft_2020_12_with_id_and_version(name: str) -> None:
    document = schema.load_schema(name)
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].endswith(f"/v1/{name}.schema.json")
    assert document["version"].split(".")[0] == "1" and len(document["version"].split(".")) == 3


def test_schemas_load_from_the_installed_package_and_match_the_sources() -> None:
    folder = schema.schema_dir()
    assert "site-packages" in str(folder), f"schemas loaded from {folder}, not the installed wheel"
    for name in schema.SCHEMA_NAMES:
        shipped = json.loads((folder / f"{name}.schema.json").read_text(encoding="utf-8"))
        source = json.loads((TOP / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert shipped == source, f"{name}: the installed schema differs from schemas/ (reinstall)"


def _check(text: str, name: str) -> list[tuple[str, int | None, str | None]]:
    doc = load(text.encode(), f"{name}.yaml")
    return [(v.rule, v.line, v.path) for v in schema.check(doc, name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (TRACE.format(patch_id=PATCH_ID), "thought-trace"),
        (CHANGELOG.format(patch_id=PATCH_ID), "changelog"),
        (HANDOFF.format(patch_id=PATCH_ID), "handoff-log"),
        # the seeds' prompt packet (workflow guide, step 1)
        (
            "pod: qa-pod\ntask_id: F2.1\ngoal: Add unit tests for symptom parser\ninput_files:\n"
            "  - src/models/agent/concussion_agent.py\n"
            "instructions: Focus on edge case symptoms and return-to-play stage transitions\n",
            "task-packet",
        ),
        # the seeds' handoff (workflow guide, step 7)
        (
            "from: qa-pod\nto: delivery-pod\nreason: Feature is tested and ready for release\n"
            "related_patch: patch_20250419_123456.diff\n",
            "handoff-log",
        ),
        (default_config_text().decode(), "pods-config"),
    ],
    ids=["trace", "changelog", "handoff", "seed-packet", "seed-handoff", "default-config"],
)
def test_smallest_bundle_seed_examples_and_default_config_validate(text: str, name: str) -> None:
    assert _check(text, name) == []


def test_a_full_trace_with_every_optional_field_validates() -> None:
    text = TRACE.format(patch_id=PATCH_ID) + (
        "assumptions: [Lists are short]\nrisks: [Unicode separators]\n"
        "alternatives:\n  - A regex\n  - {option: A grammar, rejected_because: too heavy}\n"
        "agent: claude-code\nmodel: claude-sonnet\nsupersedes: patch_20250418_000000\n"
        "transcript: https://example.com/t/1\ncreated: 2026-01-05T10:00:00Z\n"
        "base_commit: " + "a" * 40 + "\nx-team: parsers\n"
    )
    assert _check(text, "thought-trace") == []


def test_handoff_list_with_digests_and_acceptance_validates() -> None:
    text = (
        "- from: dev-pod\n  to: qa-pod\n  reason: r\n  related_patch: p1\n  task_id: F2.1\n"
        "  time: 2026-01-05 10:00:00+01:00\n  acceptance: [tests pass]\n"
        "  digests:\n    patch.diff: sha256:" + "0" * 64 + "\n"
    )
    assert _check(text, "handoff-log") == []


def test_unknown_key_gets_did_you_mean_and_extension_keys_pass() -> None:
    doc = load(TRACE.format(patch_id="p1").replace("summary:", "summay:").encode() + b"x-ok: 1\n", "t")
    found = schema.check(doc, "thought-trace")
    assert [(v.rule, v.line) for v in found] == [("GP110", 1), ("GP111", 4)]
    assert found[1].hint is not None and "did you mean 'summary'" in found[1].hint


def test_yaml11_boolean_and_number_where_text_is_expected() -> None:
    text = CHANGELOG.format(patch_id="p1").replace(
        "description: Symptom", "description: no\n    scope: 1.10\n    x-d: Symptom"
    )
    assert _check(text, "changelog") == [
        ("GP109", 6, "$.entries[0].description"),
        ("GP109", 7, "$.entries[0].scope"),
    ]


def test_wrong_types_enums_formats_and_empty_values() -> None:
    text = (
        "patch_id: p1\npod: dev-pod\ntask_id: F2.1\n"
        "entries:\n  - type: fixd\n    description:\n    breaking: maybe\n"
        "created: 2024-01-02\n"
    )
    assert _check(text, "changelog") == [
        ("GP113", 5, "$.entries[0].type"),
        ("GP115", 6, "$.entries[0].description"),
        ("GP112", 7, "$.entries[0].breaking"),
        ("GP114", 8, "$.created"),
    ]


def test_ids_that_break_the_grammar_are_gp208() -> None:
    text = "patch_id: ../evil\npod: Dev Pod\ntask_id: 2F\nsummary: s\nsteps: [a]\n"
    assert _check(text, "thought-trace") == [
        ("GP208", 1, "$.patch_id"),
        ("GP208", 2, "$.pod"),
        ("GP208", 3, "$.task_id"),
    ]


def test_empty_file_and_wrong_root_type() -> None:
    assert _check("# nothing\n", "changelog") == [("GP108", 1, None)]
    assert _check("- a\n- b\n", "changelog") == [("GP112", 1, "$")]


def test_metric_event_allows_unknown_keys_but_checks_known_ones() -> None:
    event = {
        "ts": "2026-01-05T10:00:00Z",
        "v": 1,
        "event": "promoted",
        "pod": "dev-pod",
        "task": "F2.1",
        "patch": "patch_20260105_100000",
        "by": "Ana <ana@example.com>",
        "added": 12,
        "deleted": 3,
        "files": 2,
        "from_the_future": True,
    }
    assert _check(json.dumps(event), "metric-event") == []
    event.update(added=-1, event="exploded")
    assert _check(json.dumps(event), "metric-event") == [("GP115", 1, "$.added"), ("GP113", 1, "$.event")]


def test_config_consistency_next_must_name_a_pod() -> None:
    raw = b"pods:\n  dev-pod:\n    next: [qa-pod]\n"
    config, found = parse_config(raw, ".pods/config.yaml")
    assert config is None
    assert [(v.rule, v.line, v.path) for v in found] == [("GP600", 3, "$.pods['dev-pod'].next[0]")]


def test_config_invalid_pod_name_and_unknown_policy_key() -> None:
    raw = b"pods:\n  Dev Pod: {}\npolicy:\n  enforse: [main]\n"
    _, found = parse_config(raw, ".pods/config.yaml")
    assert sorted((v.rule, v.line) for v in found) == [("GP111", 4), ("GP208", 2)]
