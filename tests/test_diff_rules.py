"""Diff safety and path policy (GP3xx): real git diffs of every kind pass; hostile and broken ones do not."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from git_pods.checks.diff_rules import check_diff
from git_pods.config import default_config, parse_config
from helpers import DIFF, PATCH_ID, git, queue, run_validate


def _rules(
    raw: str | bytes, pod: str | None = None, config_yaml: bytes | None = None
) -> list[tuple[str, int | None]]:
    config = default_config()
    if config_yaml is not None:
        parsed, found = parse_config(config_yaml, "c.yaml")
        assert parsed is not None, found
        config = parsed
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    spec = config.pods[pod] if pod else None
    return [(v.rule, v.line) for v in check_diff(data, "patch.diff", config, spec)]


def _refused_by_validate(repo: Path, text: str, rule: str, line: int | None) -> None:
    """The same diff queued in a bundle: the command exits 1 naming file, line and rule."""
    queue(repo, patch__diff=text)
    result = run_validate(repo)
    assert result.code == 1
    where = f"patch.diff:{line}" if line else "patch.diff"
    assert f".patches/queue/{PATCH_ID}/{where}: {rule} " in result.out


@pytest.fixture
def every_kind_of_change(repo: Path) -> bytes:
    """A staged change holding every kind of change git can diff, as `git diff --cached --binary -M`."""
    (repo / "old.txt").write_text("a\nb\nc\n")
    (repo / "gone.txt").write_text("bye\n")
    (repo / "script.sh").write_text("echo hi\n")
    (repo / "blob.bin").write_bytes(bytes(range(256)))
    (repo / "crlf.txt").write_bytes(b"one\r\ntwo\r\n")
    (repo / "latin1.txt").write_bytes(b"caf\xe9\n")
    (repo / "link").symlink_to("old.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "mv", "old.txt", "renamed.txt")
    (repo / "renamed.txt").write_text("a\nb\nc\nd\n")
    (repo / "gone.txt").unlink()
    os.chmod(repo / "script.sh", 0o755)
    (repo / "blob.bin").write_bytes(bytes(range(255, -1, -1)))
    (repo / "crlf.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    (repo / "latin1.txt").write_bytes(b"caf\xe9 cr\xe8me\n")
    (repo / "no newline.txt").write_text("end")
    (repo / "café ünï.txt").write_text("x\n")
    (repo / "empty").write_text("")
    (repo / "src").mkdir()
    (repo / "src" / "rel").symlink_to("../renamed.txt")
    git(repo, "add", "-A")
    return subprocess.run(
        ["git", "-c", "core.quotePath=true", "diff", "--cached", "--binary", "-M", "--no-color"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout


def test_every_kind_of_real_git_change_passes(every_kind_of_change: bytes) -> None:
    assert b"rename from" in every_kind_of_change and b"GIT binary patch" in every_kind_of_change
    assert _rules(every_kind_of_change, "dev-pod") == []


def test_format_patch_mail_around_the_diff_passes(repo: Path) -> None:
    (repo / "f.txt").write_text("a\n")
    git(repo, "add", "f.txt")
    git(repo, "commit", "-qm", "add f")
    mail = subprocess.run(
        ["git", "format-patch", "-1", "--stdout"], cwd=repo, capture_output=True, check=True
    ).stdout
    assert mail.rstrip().splitlines()[-2] == b"-- "
    assert _rules(mail) == []


BROKEN = [
    ("empty", "  \n", "GP300", None),
    ("not a diff", "hello world\n", "GP300", None),
    ("hunk too short", "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n", "GP310", 3),
    ("hunk too long", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n", "GP310", 6),
    ("orphan hunk", "@@ -1 +1 @@\n-a\n+b\n", "GP300", 1),
    ("header without hunk", "diff --git a/x b/x\n--- a/x\n+++ b/x\n", "GP300", 4),
    ("crlf download", DIFF.replace("\n", "\r\n"), "GP308", 1),
    (
        "binary without data",
        "diff --git a/b b/b\nindex 1..2 100644\nBinary files a/b and b/b differ\n",
        "GP307",
        1,
    ),
]


@pytest.mark.parametrize(("text", "rule", "line"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_diffs(repo: Path, text: str, rule: str, line: int | None) -> None:
    assert _rules(text) == [(rule, line)]
    _refused_by_validate(repo, text, rule, line)


def _new_file(path: str, body: str = "+x\n", mode: str = "100644", plus: str | None = None) -> str:
    count = sum(line.startswith("+") for line in body.splitlines())
    return (
        f"diff --git a/{path} b/{path}\nnew file mode {mode}\n--- /dev/null\n"
        f"+++ b/{plus or path}\n@@ -0,0 +1,{count} @@\n{body}"
    )


HOSTILE = [
    (
        "gnu absolute path",
        "--- /etc/passwd\t2020-01-01\n+++ /etc/passwd\t2020-01-01\n@@ -1 +1 @@\n-a\n+b\n",
        "GP301",
    ),
    ("dot-dot", _new_file("../outside.txt"), "GP301"),
    ("into .git", _new_file(".git/hooks/pre-commit"), "GP301"),
    ("into .GIT. disguised", _new_file("a/.GIT./config"), "GP301"),
    ("8.3 short name", _new_file("GIT~1/config"), "GP301"),
    (
        "quoted dot-dot",
        'diff --git "a/..\\057x" "b/..\\057x"\nnew file mode 100644\n--- /dev/null\n'
        '+++ "b/..\\057x"\n@@ -0,0 +1 @@\n+x\n',
        "GP301",
    ),
    ("forged archive", _new_file(".logs/patch_1/changelog.yaml"), "GP302"),
    ("forged diff", _new_file(".patches/patch_1.diff"), "GP302"),
    ("policy file", _new_file(".pods/config.yaml"), "GP303"),
    ("pre-commit config", _new_file(".pre-commit-config.yaml"), "GP303"),
    ("symlink out", _new_file("lnk", "+/etc/passwd\n\\ No newline at end of file\n", "120000"), "GP304"),
    ("symlink climbing out", _new_file("a/lnk", "+../../x\n", "120000"), "GP304"),
    (
        "gitlink",
        "diff --git a/sub b/sub\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n"
        "+++ b/sub\n@@ -0,0 +1 @@\n+Subproject commit 1234567\n",
        "GP305",
    ),
    (".gitmodules", _new_file(".gitmodules"), "GP305"),
    ("names disagree", _new_file("safe.txt", plus="other.txt"), "GP306"),
    (
        "traditional prefix hiding the archive",
        "--- /dev/null\n+++ x/.logs/p/changelog.yaml\n@@ -0,0 +1 @@\n+a\n",
        "GP302",
    ),
    ("capitalised policy folder", _new_file(".Pods/config.yaml"), "GP303"),
    (
        "copy into the archive",
        "diff --git a/README b/README\nsimilarity index 100%\ncopy from README\n"
        "copy to .logs/p/changelog.yaml\n",
        "GP302",
    ),
    (
        "existing symlink repointed",
        "diff --git a/link b/link\nindex 100b938..91bf449 120000\n--- a/link\n"
        "+++ b/link\n@@ -1 +1 @@\n-README\n+../../../etc/passwd\n",
        "GP304",
    ),
]


def test_text_after_a_binary_patch_is_still_read(every_kind_of_change: bytes) -> None:
    smuggled = every_kind_of_change + (
        b"--- /dev/null\n+++ b/.pods/config.yaml\n@@ -0,0 +1 @@\n+pods: {evil: {may_touch_policy: true}}\n"
    )
    found = _rules(smuggled, "dev-pod")
    assert [rule for rule, _ in found] == ["GP303"]


def test_binary_patch_header_without_data_is_broken() -> None:
    assert _rules("diff --git a/x b/x\nGIT binary patch\n") == [("GP300", 2)]
    assert _rules("diff --git a/x b/x\nGIT binary patch\nliteral 5\nzcmV\n") == [("GP300", 3)]


def test_huge_hunk_counts_are_a_syntax_error_not_a_crash() -> None:
    assert _rules("--- a/x\n+++ b/x\n@@ -1," + "1" * 5000 + " +1 @@\n-a\n+b\n") == [("GP300", 3)]


@pytest.mark.parametrize(("text", "rule"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_diffs_are_refused(repo: Path, text: str, rule: str) -> None:
    found = _rules(text, "dev-pod")
    assert rule in [r for r, _ in found], found
    assert all(line == 1 for _, line in found)
    _refused_by_validate(repo, text, rule, 1)


def test_pod_path_policy_from_the_config() -> None:
    config = b"pods:\n  qa-pod:\n    paths: ['tests/**']\n  wow-pod:\n    may_touch_policy: true\n"
    assert _rules(_new_file("tests/test_x.py"), "qa-pod", config) == []
    assert _rules(_new_file("src/x.py"), "qa-pod", config) == [("GP303", 1)]
    assert _rules(_new_file(".pods/config.yaml"), "wow-pod", config) == []
    assert _rules(_new_file(".patches/x.diff"), "wow-pod", config) == [("GP302", 1)]


def test_non_utf8_diff_content_is_read_not_crashed() -> None:
    raw = b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-caf\xe9\n+caf\xe8\n"
    assert _rules(raw) == []
