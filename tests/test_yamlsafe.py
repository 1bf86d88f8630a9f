"""The safe YAML loader: what it refuses, where it says the problem is, and what it keeps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from git_pods.yamlsafe import YamlProblems, dump, load
from helpers import PATCH_ID, queue, run_validate

HOSTILE = [
    # (name, bytes, rule, line)
    ("duplicate key", b"a: 1\nb: 2\na: 3\n", "GP103", 3),
    ("alias", b"a: &x [1, 2]\nb: *x\n", "GP104", 2),
    ("alias bomb", b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\n", "GP104", 2),
    ("undefined alias", b"a: *nope\n", "GP104", 1),
    ("python tag", b"a: !!python/object/apply:os.system [ls]\n", "GP105", 1),
    ("custom tag", b"a: !secret value\n", "GP105", 1),
    ("binary tag", b"a: !!binary aGVsbG8=\n", "GP105", 1),
    ("set tag", b"s: !!set {a, b}\n", "GP105", 1),
    ("bad explicit int", b"a: !!int twelve\n", "GP105", 1),
    ("octal-looking number", b"mode: 0755\n", "GP106", 1),
    ("sexagesimal number", b"time: 1:30\n", "GP106", 1),
    ("merge key", b"base: {a: 1}\nx:\n  <<: {a: 2}\n", "GP107", 3),
    ("complex key", b"? [a, b]\n: 1\n", "GP107", 1),
    ("broken yaml", b"a: [1, 2\nb: 3\n", "GP101", 2),
    ("tab indentation", b"a:\n\tb: 1\n", "GP101", 2),
    ("two documents", b"a: 1\n---\nb: 2\n", "GP101", 2),
    ("control character", b"a: \x07\n", "GP101", 1),
    ("latin-1 bytes", b"a: ok\nb: caf\xe9\n", "GP100", 2),
    ("utf-16", "a: 1\n".encode("utf-16"), "GP100", 1),
    ("deep nesting", b"a: " + b"[" * 200 + b"]" * 200 + b"\n", "GP117", 1),
    ("nesting deep enough to crash libyaml", b"x-a: " + b"[" * 50000 + b"\n", "GP117", 1),
    # libyaml 0.2.5 (PyYAML <= 6.0.3) crashed the process on these; 6.0.4's stops at 1,000 levels
    ("block sequences deep enough to crash libyaml", b"x:\n" + b"- " * 100000 + b"a\n", "GP117", 2),
    ("indentation past libyaml's limit", b"".join(b" " * i + b"k:\n" for i in range(1200)), "GP117", 65),
    ("flow mappings past libyaml's limit", b"x: " + b"{a: " * 30000 + b"\n", "GP117", 1),
    ("broken yaml before deep nesting", b"a: [1, 2\nb: 3\nc: " + b"[" * 2000 + b"]" * 2000, "GP101", 2),
    ("base-60 float", b"x: 1:30.5\n", "GP106", 1),
    ("binary number", b"x: 0b1110\n", "GP106", 1),
    ("digit separators", b"x: 1_4\n", "GP106", 1),
    ("number past python's digit limit", b"x: " + b"1" * 5000 + b"\n", "GP106", 1),
    ("huge base-60 number", b"x: " + b"1" * 5000 + b":00\n", "GP106", 1),
]


@pytest.mark.parametrize(("raw", "rule", "line"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_yaml_is_refused_with_rule_and_line(repo: Path, raw: bytes, rule: str, line: int) -> None:
    with pytest.raises(YamlProblems) as caught:
        load(raw, "x.yaml")
    first = caught.value.violations[0]
    assert (first.rule, first.file, first.line) == (rule, "x.yaml", line)
    assert first.hint
    queue(repo, changelog__yaml=raw)  # and through the command: exit code, file, line, rule
    result = run_validate(repo)
    assert result.code == 1
    assert f".patches/queue/{PATCH_ID}/changelog.yaml:{line}: {rule} " in result.out


def test_over_budget_file_is_refused_before_parsing() -> None:
    raw = b"a: " + b"x" * 2048 + b"\n"
    with pytest.raises(YamlProblems) as caught:
        load(raw, "big.yaml", max_bytes=1024)
    assert caught.value.violations[0].rule == "GP102"
    assert "1,024" in caught.value.violations[0].message


def test_default_budget_is_one_mebibyte() -> None:
    raw = b"a: '" + b"x" * (1 << 20) + b"'\n"
    with pytest.raises(YamlProblems) as caught:
        load(raw, "big.yaml")
    assert caught.value.violations[0].rule == "GP102"


def test_alias_bomb_is_refused_fast() -> None:
    levels = [b"l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    levels += [b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 9) + b"]" for i in range(1, 9)]
    started = time.perf_counter()
    with pytest.raises(YamlProblems) as caught:
        load(b"\n".join(levels) + b"\n", "bomb.yaml")
    assert caught.value.violations[0].rule == "GP104"
    assert time.perf_counter() - started < 5  # a walked bomb takes minutes; refused, it is instant


def test_every_duplicate_is_reported_not_just_the_first() -> None:
    with pytest.raises(YamlProblems) as caught:
        load(b"a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", "d.yaml")
    assert [(v.rule, v.line) for v in caught.value.violations] == [("GP103", 2), ("GP103", 5)]
    assert "first on line 1" in caught.value.violations[0].message


def test_values_lines_and_yaml11_reads_are_kept() -> None:
    doc = load(b"\xef\xbb\xbfa: 1\nb:\n  - no\n  - 'no'\nc: 2024-01-02\nno: key\n", "ok.yaml")
    assert doc.data == {"a": 1, "b": [False, "no"], "c": "2024-01-02", "no": "key"}
    assert doc.lines[("b", 0)] == 3
    assert doc.line_of(("b", 1)) == 4
    assert doc.line_of(("missing", "deeper")) == 1
    assert doc.surprises[("b", 0)].text == "no"
    assert ("b", 1) not in doc.surprises  # quoted: text, no surprise


def test_empty_document_loads_as_none() -> None:
    assert load(b"# only a comment\n", "e.yaml").data is None


def test_what_git_pods_writes_has_no_aliases_and_loads_back() -> None:
    shared = ["an empty list parses to []"]
    text = dump({"acceptance": shared, "history": [{"acceptance": shared}]})
    assert "&" not in text and "*" not in text
    assert load(text.encode(), "x.yaml").data == {"acceptance": shared, "history": [{"acceptance": shared}]}
