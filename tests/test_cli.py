"""The installed executables, end to end: help, exit codes, JSON, hostile input, crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from git_pods.cli.manpage import VERBS
from helpers import BIN, CHANGELOG, PATCH_ID, TRACE, cli, crash_log_of, crash_validate, queue, rules_of


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_is_installed_and_answers_dash_h(repo: Path, verb: str) -> None:
    assert (BIN / f"git-pod-{verb}").exists()
    result = cli(repo, verb, "-h", via_git=True)  # `git pod-x -h` reaches the program
    assert result.code == 0, result.err
    assert f"Usage: git pod-{verb}" in result.out
    assert "--json" in result.out
    assert "Examples:" in result.out


def test_valid_repository_exits_0(repo: Path) -> None:
    queue(repo)
    result = cli(repo, "validate", via_git=True)
    assert (result.code, result.out) == (0, "ok: 1 item checked, no problems\n")


def test_violations_exit_1_naming_file_line_rule_and_fix(repo: Path) -> None:
    queue(repo, changelog__yaml=CHANGELOG.format(patch_id=PATCH_ID).replace("added", "fixd"))
    result = cli(repo, "validate")
    assert result.code == 1
    assert f".patches/queue/{PATCH_ID}/changelog.yaml:5: GP113 'fixd' is not allowed here" in result.out
    assert "    fix: did you mean 'fixed'?" in result.out
    assert result.out.endswith("1 error in 1 item checked\n")


def test_json_output_has_the_contract_shape(repo: Path) -> None:
    queue(repo, thought_trace__yaml=TRACE.format(patch_id=PATCH_ID).replace("summary:", "summay:"))
    result = cli(repo, "validate", "--json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["ok"] is False and document["exit_code"] == 1 and document["items"] == 1
    allowed = {"rule", "severity", "message", "hint", "file", "line", "path", "commit"}
    for violation in document["violations"]:
        assert set(violation) <= allowed
        assert {"rule", "severity", "message"} <= set(violation)
    assert {(v["rule"], v["line"], v.get("path")) for v in document["violations"]} == {
        ("GP110", 1, "$"),
        ("GP111", 4, "$.summay"),
    }


def test_paths_files_and_folders(repo: Path, tmp_path: Path) -> None:
    folder = queue(repo)
    assert cli(repo, "validate", str(folder)).code == 0
    assert cli(repo, "validate", str(folder / "changelog.yaml")).code == 0
    assert cli(folder, "validate", "changelog.yaml", "thought_trace.yaml").out.startswith("ok: 2 items")
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    result = cli(tmp_path, "validate", "notes.yaml")
    assert result.code == 2
    assert "cannot tell which schema applies; pass --schema" in result.err
    result = cli(tmp_path, "validate", "--schema", "changelog", "notes.yaml")
    assert result.code == 1
    assert rules_of(result) == ["GP110", "GP110", "GP110", "GP110", "GP111"]
    assert "notes.yaml:1: GP110 missing required key 'entries'" in result.out
    assert "notes.yaml:1: GP111 unknown key 'a'" in result.out


def test_stdin_with_schema(repo: Path) -> None:
    result = cli(repo, "validate", "--schema", "changelog", "-", stdin=b"patch_id: p\n")
    assert result.code == 1
    assert "<stdin>:1: GP110 missing required key 'pod'" in result.out
    assert cli(repo, "validate", "-").code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schema", "nope"], "unknown schema 'nope'"),
        (["--bogus"], "No such option"),
        (["missing.yaml"], "missing.yaml: no such file or folder"),
        (["--explain", "GP999"], "unknown rule 'GP999'"),
        (["--explain"], "requires an argument"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: list[str], message: str) -> None:
    result = cli(repo, "validate", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.text


def test_largest_exit_code_wins_across_items(repo: Path) -> None:
    folder = queue(repo, changelog__yaml="patch_id: x\n")
    result = cli(repo, "validate", str(folder), "missing.yaml")
    assert result.code == 2
    assert f".patches/queue/{PATCH_ID}/changelog.yaml:1: GP110 missing required key 'pod'" in result.out
    assert "missing.yaml: no such file or folder" in result.err


def test_outside_a_repository_is_exit_3(tmp_path: Path) -> None:
    result = cli(tmp_path, "validate")
    assert result.code == 3
    assert "is not inside a git repository" in result.err


def test_explain_prints_meaning_and_fix() -> None:
    result = cli(Path.cwd(), "validate", "--explain", "gp301")
    assert result.code == 0
    assert result.out.startswith("GP301: unsafe path in diff")
    assert "How to fix:" in result.out
    listing = cli(Path.cwd(), "validate", "--explain", "all")
    assert listing.code == 0 and "GP208  invalid id" in listing.out
    document = json.loads(cli(Path.cwd(), "validate", "--explain", "GP104", "--json").out)
    assert document["rule"] == "GP104" and document["fix"]


HOSTILE_FILES = {
    "broken": b"patch_id: [unclosed\n",
    "wrong types": b"patch_id: 5\npod: [a]\ntask_id: {}\nsummary: 1.5\nsteps: text\n",
    "yaml11": b"patch_id: p\npod: dev-pod\ntask_id: F1\nsummary: no\nsteps: [on, off]\ncreated: 2024-01-02\n",
    "alias": b"patch_id: &a p\npod: *a\n",
    "python tag": b"patch_id: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "invalid utf-8": b"patch_id: p\xff\xfe\n",
    "duplicate": b"patch_id: a\npatch_id: b\n",
    "binary": bytes(range(256)),
    "over budget": b"summary: '" + b"x" * (1 << 20) + b"'\n",
    "empty": b"",
}


@pytest.mark.parametrize("raw", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_hostile_artifacts_exit_1_with_file_line_and_rule_never_a_traceback(repo: Path, raw: bytes) -> None:
    queue(repo, thought_trace__yaml=raw)
    result = cli(repo, "validate", "--json")
    assert result.code == 1
    assert "Traceback" not in result.text
    document = json.loads(result.out)
    ours = [
        v
        for v in document["violations"]
        if v["file"].endswith("thought_trace.yaml") and v["rule"].startswith("GP1")
    ]
    assert ours, document
    assert all(v["line"] >= 1 for v in ours if v["rule"] != "GP102")  # over budget: not read


def test_an_unexpected_error_is_exit_5_with_a_crash_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = crash_validate(repo, monkeypatch, capsys)
    assert code == 5
    assert "internal error (a bug in git-pods" in err and "RuntimeError: simulated bug" in err
    assert "Traceback" not in err
    log = crash_log_of(err)
    assert log.parent == repo / ".git" / "pods"
    assert "simulated bug" in log.read_text() and "Traceback" in log.read_text()


def test_an_empty_repository_says_there_is_nothing_to_validate(repo: Path) -> None:
    result = cli(repo, "validate")
    assert (result.code, result.out) == (
        0,
        "nothing to validate: no .pods/, .patches/ or .logs/ in this repository yet\n",
    )


def test_output_order_is_stable(repo: Path) -> None:
    queue(repo, thought_trace__yaml="patch_id: p1\n")
    runs = {cli(repo, "validate").out for _ in range(3)}
    assert len(runs) == 1
    assert [line.split("'")[1] for line in runs.pop().splitlines() if "GP110" in line] == [
        "pod",
        "steps",
        "summary",
        "task_id",
    ]


@pytest.mark.parametrize("verb", ["init", "doctor", "validate"])
def test_setup_verbs_outside_a_repository_exit_3_and_touch_nothing(tmp_path: Path, verb: str) -> None:
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    result = cli(folder, verb)
    assert result.code == 3
    assert f"git pod-{verb}: error: {folder} is not inside a git repository" in result.err
    assert "git init" in result.err  # the fix
    as_json = cli(folder, verb, "--json")
    document = json.loads(as_json.out)
    assert as_json.code == 3 and document["exit_code"] == 3 and document["ok"] is False
    assert "not inside a git repository" in document["errors"][0]["message"]
    assert list(folder.iterdir()) == []
