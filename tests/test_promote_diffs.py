"""`git pod-promote` against real diffs: whatever change git diffed, the promoted commit makes the same tree.

Each diff is made by git from a real change in the same repository (`diff_of_change`), queued as a
bundle, promoted by the installed executable, and the commit's code tree is compared with the tree
the change itself made; the archived `.patches/<ID>.diff` must be the queued bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import git
from promoting import (
    bundle,
    code_tree,
    diff_of_change,
    events,
    patch_ids_in_history,
    pods_template,
    promote,
    refs,
)

Change = Callable[[Path], None]
BRANCH = "pods/F2.1"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One adopted repository per module (and worker); each test promotes in its own copy."""
    return pods_template(tmp_path_factory, core_autocrlf="false", core_fileMode="true")


@pytest.fixture
def pods(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


def _bytes(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout


def _tree_diff(root: Path, old: str, new: str, *options: str) -> bytes:
    """git's own diff between two trees (or commits), as a pod's tool would write it."""
    return _bytes(
        root,
        "-c",
        "core.quotePath=false",
        "diff",
        "--binary",
        "--no-color",
        "--no-ext-diff",
        *options,
        old,
        new,
    )


def _commit_base(root: Path, change: Change, message: str = "base change") -> None:
    """A human's commit on main: what the base looks like before the pod's change."""
    change(root)
    git(root, "add", "-A", "--", ".", ":!.patches")
    git(root, "commit", "-q", "-m", message)


def _write(path: str, data: bytes | str) -> Change:
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    return change


def _both(*changes: Change) -> Change:
    def change(root: Path) -> None:
        for one in changes:
            one(root)

    return change


def _queue_files(root: Path) -> dict[str, bytes]:
    queue = root / ".patches/queue"
    return {p.relative_to(queue).as_posix(): p.read_bytes() for p in sorted(queue.rglob("*")) if p.is_file()}


def _assert_promoted(root: Path, raw: bytes, tree: str, patch_id: str = "patch_1") -> str:
    """The bundle is one commit on pods/F2.1 whose code tree is the change's, archive byte-identical."""
    head = git(root, "rev-parse", "HEAD").strip()
    result = promote(root, "--all")
    assert result.code == 0, result.text
    assert f"promoted {patch_id} -> {BRANCH} " in result.out
    assert result.out.endswith("1 bundle: 1 promoted\n"), result.out
    commit = git(root, "rev-parse", BRANCH).strip()
    assert f" {commit[:12]} (" in result.out
    assert git(root, "rev-parse", f"{BRANCH}^").strip() == head
    assert code_tree(root, BRANCH) == code_tree(root, tree)
    assert code_tree(root, BRANCH) != code_tree(root, head)
    assert _bytes(root, "cat-file", "blob", f"{BRANCH}:.patches/{patch_id}.diff") == raw
    assert patch_ids_in_history(root) == [patch_id]
    assert not (root / ".patches/queue" / patch_id).exists()
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    return result.out


# --- every kind of change git can diff ---------------------------------------------------------------

LONG = "".join(f"line {n}: the quick brown fox jumps over the lazy dog\n" for n in range(1, 21))
BLOB = bytes(range(256)) * 8
SCRIPT = "#!/bin/sh\necho hello\n"


def _rm(path: str) -> Change:
    return lambda root: (root / path).unlink()


def _mv(old: str, new: str, edit: Callable[[bytes], bytes] | None = None) -> Change:
    def change(root: Path) -> None:
        data = (root / old).read_bytes()
        (root / old).unlink()
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        (root / new).write_bytes(edit(data) if edit else data)

    return change


def _chmod(path: str, mode: int) -> Change:
    return lambda root: os.chmod(root / path, mode)


def _symlink(path: str, target: str) -> Change:
    def change(root: Path) -> None:
        link = root / path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)

    return change


def _flip(data: bytes) -> bytes:
    return data[:100] + bytes(255 - b for b in data[100:140]) + data[140:] + b"\x00tail"


# (id, what the base commit holds first (or None), the pod's change, what the diff must contain)
KINDS: list[tuple[str, Change | None, Change, bytes]] = [
    (
        "modify",
        None,
        _write("src/parser.py", "def parse(text):\n    return text.split(',')\n"),
        b"@@ -1,2 +1,2 @@",
    ),
    ("new-file", None, _write("src/tokens.py", "TOKENS = []\n"), b"new file mode 100644"),
    ("delete", None, _rm("README.md"), b"deleted file mode 100644"),
    ("rename", _write("src/long.py", LONG), _mv("src/long.py", "lib/long.py"), b"similarity index 100%"),
    (
        "rename-with-edit",
        _write("src/long.py", LONG),
        _mv("src/long.py", "lib/moved.py", lambda d: d.replace(b"line 10:", b"line ten:")),
        b"rename to lib/moved.py",
    ),
    ("binary-added", None, _write("assets/logo.bin", BLOB), b"GIT binary patch\nliteral "),
    (
        "binary-changed",
        _write("assets/logo.bin", BLOB),
        lambda root: (root / "assets/logo.bin").write_bytes(_flip(BLOB)),
        b"GIT binary patch\ndelta ",
    ),
    ("mode-exec", _write("bin/run.sh", SCRIPT), _chmod("bin/run.sh", 0o755), b"new mode 100755"),
    (
        "mode-and-content",
        _write("bin/run.sh", SCRIPT),
        _both(_write("bin/run.sh", SCRIPT + "echo bye\n"), _chmod("bin/run.sh", 0o755)),
        b"old mode 100644",
    ),
    (
        "mode-off",
        _both(_write("bin/x.sh", SCRIPT), _chmod("bin/x.sh", 0o755)),
        _chmod("bin/x.sh", 0o644),
        b"new mode",
    ),
    ("crlf-new", None, _write("win/notes.txt", b"first\r\nsecond\r\n"), b"+first\r\n"),
    (
        "crlf-edit",
        _write("win/notes.txt", b"first\r\nsecond\r\n"),
        _write("win/notes.txt", b"first\r\n2nd\r\n"),
        b"-second\r\n",
    ),
    ("non-ascii-spaced", None, _write("src/café menu.txt", "crème brûlée\n"), "b/src/café menu.txt".encode()),
    (
        "non-ascii-rename",
        _write("src/café menu.txt", LONG),
        _mv("src/café menu.txt", "docs/naïve plan.txt"),
        "rename to docs/naïve plan.txt".encode(),
    ),
    ("symlink-added", None, _symlink("src/current", "parser.py"), b"new file mode 120000"),
    (
        "symlink-retarget",
        _symlink("src/current", "parser.py"),
        _symlink("src/current", "../README.md"),
        b"+../README.md",
    ),
    ("symlink-to-folder", None, _symlink("lib", "src"), b"new file mode 120000"),
    ("no-final-newline-new", None, _write("src/raw.txt", "no newline"), b"\\ No newline at end of file"),
    ("no-final-newline-edit", None, _write("README.md", "# demo"), b"\\ No newline at end of file"),
    ("empty-new", None, _write("src/__init__.py", b""), b"new file mode 100644"),
    ("made-empty", None, _write("README.md", b""), b"-# demo"),
    ("quote-in-name", None, _write('src/say "hi".txt', "hi\n"), b'"b/src/say \\"hi\\".txt"'),
    ("backslash-in-name", None, _write("src/back\\slash.txt", "x\n"), b'"b/src/back\\\\slash.txt"'),
    ("tab-in-name", None, _write("src/tab\there.txt", "x\n"), b'"b/src/tab\\there.txt"'),
    ("name-looks-like-header", None, _write("a b/c d.txt", "x\n"), b"diff --git a/a b/c d.txt b/a b/c d.txt"),
    (
        "rename-spaced",
        _write("old dir/my file.txt", LONG),
        _mv("old dir/my file.txt", "new dir/my file.txt"),
        b"rename from old dir/my file.txt",
    ),
    (
        "lines-that-look-like-headers",
        _write("db/schema.sql", "SELECT 1;\n-- old comment\n---\nSELECT 2;\n"),
        _write("db/schema.sql", "SELECT 1;\n++ new counter\n+++ b/evil\nSELECT 2;\n"),
        b"\n--- old comment\n----\n+++ new counter\n++++ b/evil\n",
    ),
    (
        "symlink-deleted",
        _symlink("src/current", "parser.py"),
        _rm("src/current"),
        b"deleted file mode 120000",
    ),
    (
        "file-becomes-symlink",
        _write("src/alias.txt", "text\n"),
        _both(_rm("src/alias.txt"), _symlink("src/alias.txt", "parser.py")),
        b"new file mode 120000",
    ),
    ("empty-deleted", _write("src/empty.txt", b""), _rm("src/empty.txt"), b"deleted file mode 100644"),
    ("latin-1-new", None, _write("legacy/menu.txt", b"caf\xe9 cr\xe8me br\xfbl\xe9e\n"), b"+caf\xe9"),
    (
        "latin-1-edit",
        _write("legacy/menu.txt", b"caf\xe9\n"),
        _write("legacy/menu.txt", b"th\xe9\n"),
        b"-caf\xe9",
    ),
    (
        "many-folders",
        _write("docs/guide.md", "# guide\n"),
        _both(
            _write("src/parser.py", "def parse(text):\n    return text.split()\n"),
            _write("tests/test_parser.py", "def test_parse():\n    assert True\n"),
            _write("docs/guide.md", "# guide\n\nRun it.\n"),
            _write("deep/nested/folder/data.json", '{"a": 1}\n'),
            _rm("README.md"),
            _write(".github/workflows/ci.yml", "on: push\n"),
        ),
        b"diff --git a/tests/test_parser.py",
    ),
]


@pytest.mark.parametrize(("base", "change", "marker"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_a_real_diff_is_promoted_to_exactly_the_tree_it_makes(
    pods: Path, base: Change | None, change: Change, marker: bytes
) -> None:
    if base is not None:
        _commit_base(pods, base)
    raw, tree = diff_of_change(pods, change)
    assert marker in raw, raw  # the diff really is of the kind this case is about
    bundle(pods, "patch_1", raw)
    _assert_promoted(pods, raw, tree)
    (event,) = events(pods, BRANCH)
    assert json.loads(event)["patch"] == "patch_1"


def test_promoted_line_counts_what_the_diff_changed(pods: Path) -> None:
    def change(root: Path) -> None:
        (root / "src/parser.py").write_text("def parse(text):\n    return text.split(',')\n")
        (root / "src/extra.py").write_text("A = 1\nB = 2\nC = 3\n")
        (root / "README.md").unlink()

    raw, tree = diff_of_change(pods, change)
    bundle(pods, "patch_1", raw)
    out = _assert_promoted(pods, raw, tree)
    assert "(+4 -2 in 3 files)" in out


def test_a_copy_is_promoted(pods: Path) -> None:
    _commit_base(pods, _write("src/long.py", LONG))
    _raw, tree = diff_of_change(pods, _write("lib/copy.py", LONG.replace("line 3:", "line three:")))
    raw = _tree_diff(pods, "HEAD", tree, "-C", "--find-copies-harder")
    assert b"copy from src/long.py\ncopy to lib/copy.py\n" in raw
    bundle(pods, "patch_1", raw)
    _assert_promoted(pods, raw, tree)
    assert _bytes(pods, "show", f"{BRANCH}:src/long.py") == LONG.encode()


# --- several bundles in one run ------------------------------------------------------------------------


def test_bundles_of_one_task_chain_in_queue_order(pods: Path) -> None:
    first = _write("src/parser.py", "def parse(text):\n    return text.split(',')\n")
    second = _write("src/parser.py", "def parse(text):\n    return [t.strip() for t in text.split(',')]\n")
    raw1, tree1 = diff_of_change(pods, first)
    _raw, tree2 = diff_of_change(pods, _both(first, second, _write("src/more.py", "X = 1\n")))
    raw2 = _tree_diff(pods, tree1, tree2, "-M")
    head = git(pods, "rev-parse", "HEAD").strip()
    # the later id is queued first on disk: queue order is the ids' order, not the folders' age
    bundle(pods, "patch_20250419_000002", raw2, summary="Strip the tokens")
    bundle(pods, "patch_20250419_000001", raw1, summary="Split on commas")
    result = promote(pods, "--all")
    assert result.code == 0, result.text
    lines = result.out.splitlines()
    assert lines[0].startswith(f"promoted patch_20250419_000001 -> {BRANCH} ")
    assert lines[1].startswith(f"promoted patch_20250419_000002 -> {BRANCH} ")
    assert lines[2] == "2 bundles: 2 promoted"
    tip = git(pods, "rev-parse", BRANCH).strip()
    parent = git(pods, "rev-parse", f"{BRANCH}^").strip()
    assert git(pods, "rev-parse", f"{BRANCH}~2").strip() == head
    assert git(pods, "rev-list", "--count", f"{head}..{BRANCH}").strip() == "2"
    assert f" {parent[:12]} (" in lines[0] and f" {tip[:12]} (" in lines[1]
    assert code_tree(pods, parent) == code_tree(pods, tree1)
    assert code_tree(pods, tip) == code_tree(pods, tree2)
    trailer = "%(trailers:key=Patch-Id,valueonly)"
    assert git(pods, "log", "-1", f"--format={trailer}", parent).strip() == "patch_20250419_000001"
    assert git(pods, "log", "-1", f"--format={trailer}", tip).strip() == "patch_20250419_000002"
    assert git(pods, "log", "-1", "--format=%s", parent).strip() == "Split on commas"
    assert _bytes(pods, "cat-file", "blob", f"{tip}:.patches/patch_20250419_000001.diff") == raw1
    assert _bytes(pods, "cat-file", "blob", f"{tip}:.patches/patch_20250419_000002.diff") == raw2
    assert [json.loads(e)["patch"] for e in events(pods, parent)] == ["patch_20250419_000001"]
    assert [json.loads(e)["patch"] for e in events(pods, tip)] == ["patch_20250419_000002"]
    assert _queue_files(pods) == {".gitkeep": b""}


def test_bundles_of_two_tasks_go_to_two_branches_in_one_run(pods: Path) -> None:
    raw1, tree1 = diff_of_change(pods, _write("src/parser.py", "def parse(text):\n    return []\n"))
    raw2, tree2 = diff_of_change(pods, _write("docs/usage.md", "# usage\n"))
    head = git(pods, "rev-parse", "HEAD").strip()
    main_before = git(pods, "rev-parse", "main").strip()
    bundle(pods, "patch_1", raw1, task="F2.1")
    bundle(pods, "patch_2", raw2, task="BUG-7", pod="qa-pod")
    result = promote(pods, "--all", "--json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["command"] == "promote" and report["ok"] is True and report["exit_code"] == 0
    assert report["dry_run"] is False and report["violations"] == []
    found = {b["patch_id"]: b for b in report["bundles"]}
    assert [b["patch_id"] for b in report["bundles"]] == ["patch_1", "patch_2"]
    one, two = found["patch_1"], found["patch_2"]
    assert (one["status"], one["branch"], one["exit_code"]) == ("promoted", BRANCH, 0)
    assert (two["status"], two["branch"], two["exit_code"]) == ("promoted", "pods/BUG-7", 0)
    assert one["commit"] == git(pods, "rev-parse", BRANCH).strip()
    assert two["commit"] == git(pods, "rev-parse", "pods/BUG-7").strip()
    assert (two["pod"], two["task"]) == ("qa-pod", "BUG-7")
    for branch, tree, raw, patch_id in (
        (BRANCH, tree1, raw1, "patch_1"),
        ("pods/BUG-7", tree2, raw2, "patch_2"),
    ):
        assert git(pods, "rev-parse", f"{branch}^").strip() == head
        assert code_tree(pods, branch) == code_tree(pods, tree)
        assert _bytes(pods, "cat-file", "blob", f"{branch}:.patches/{patch_id}.diff") == raw
    # each branch holds its own bundle only
    assert git(pods, "ls-tree", "--name-only", f"{BRANCH}:.patches").split() == ["patch_1.diff", "queue"]
    assert git(pods, "ls-tree", "--name-only", "pods/BUG-7:.patches").split() == ["patch_2.diff", "queue"]
    assert git(pods, "rev-parse", "main").strip() == main_before
    assert patch_ids_in_history(pods) == ["patch_1", "patch_2"]


# --- when the diff does not fit the branch -------------------------------------------------------------


def test_a_patch_whose_base_changed_is_not_applied_and_stays_queued(pods: Path) -> None:
    raw, _tree = diff_of_change(
        pods, _write("src/parser.py", "def parse(text):\n    return text.split(',')\n")
    )
    _commit_base(pods, _write("src/parser.py", "def parse(text, sep=','):\n    return [text]\n"))
    folder = bundle(pods, "patch_1", raw)
    queued = _queue_files(pods)
    before = refs(pods)
    result = promote(pods, "--all")
    assert result.code == 4, result.text
    assert result.out.startswith("not applied patch_1: left in the queue\n"), result.out
    assert " GP400 " in result.out
    assert "src/parser.py" in result.out and "hunk 1" in result.out
    assert "    git looked for these lines in src/parser.py:\n" in result.out
    assert "    | def parse(text):\n    |     return [text]\n" in result.out
    assert result.out.endswith("1 bundle: 1 not applied\n")
    assert refs(pods) == before
    assert _queue_files(pods) == queued and folder.is_dir()
    assert not (pods / ".patches/rejected").exists()
    assert git(pods, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_patch_whose_base_changed_reports_itself_in_json(pods: Path) -> None:
    raw, _tree = diff_of_change(
        pods, _write("src/parser.py", "def parse(text):\n    return text.split(',')\n")
    )
    _commit_base(pods, _write("src/parser.py", "def parse(text, sep=','):\n    return [text]\n"))
    bundle(pods, "patch_1", raw)
    result = promote(pods, "--all", "--json")
    assert result.code == 4, result.text
    report = json.loads(result.out)
    assert report["ok"] is False and report["exit_code"] == 4
    (item,) = report["bundles"]
    assert (item["patch_id"], item["status"], item["exit_code"]) == ("patch_1", "not-applied", 4)
    assert [v["rule"] for v in item["violations"]] == ["GP400"]
    assert item["failure"]["file"] == "src/parser.py" and item["failure"]["hunk"] == 1
    assert item["failure"]["expected"] == "def parse(text):\n    return [text]"


WRONG_COUNTS = """\
diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -1,1 +1,4 @@
 # demo
+
+Usage: run the parser
"""


def test_wrong_hunk_counts_need_recount(pods: Path) -> None:
    _raw, tree = diff_of_change(pods, _write("README.md", "# demo\n\nUsage: run the parser\n"))
    bundle(pods, "patch_1", WRONG_COUNTS)
    queued = _queue_files(pods)
    before = refs(pods)
    result = promote(pods, "--all")
    assert result.code == 4, result.text
    assert result.out.startswith("not applied patch_1: left in the queue\n"), result.out
    assert " GP310 " in result.out and "--recount" in result.out
    assert refs(pods) == before and _queue_files(pods) == queued
    again = promote(pods, "--all", "--recount")
    assert again.code == 0, again.text
    assert f"promoted patch_1 -> {BRANCH} " in again.out and "(+2 -0 in 1 file)" in again.out
    assert code_tree(pods, BRANCH) == code_tree(pods, tree)
    assert _bytes(pods, "show", f"{BRANCH}:README.md") == b"# demo\n\nUsage: run the parser\n"
    assert _bytes(pods, "cat-file", "blob", f"{BRANCH}:.patches/patch_1.diff") == WRONG_COUNTS.encode()


TABLE = "".join(f"row {n}\n" for n in range(1, 13))


def test_three_way_merges_a_patch_whose_context_changed(pods: Path) -> None:
    _commit_base(pods, _write("src/table.txt", TABLE))
    raw, _tree = diff_of_change(pods, _write("src/table.txt", TABLE.replace("row 6\n", "row six\n")))
    assert b"index " in raw and b"@@ -3,7 +3,7 @@" in raw  # full index line: the preimage blob is here
    _commit_base(pods, _write("src/table.txt", TABLE.replace("row 3\n", "row three\n")), "edit row 3")
    merged = TABLE.replace("row 3\n", "row three\n").replace("row 6\n", "row six\n")
    _raw, expected_tree = diff_of_change(pods, _write("src/table.txt", merged))
    bundle(pods, "patch_1", raw)
    plain = promote(pods, "--all")
    assert plain.code == 4, plain.text
    assert "src/table.txt" in plain.out and "hunk 1" in plain.out and "--3way" in plain.out
    assert "    | row 3\n" in plain.out
    three_way = promote(pods, "--all", "--3way")
    assert three_way.code == 0, three_way.text
    assert f"promoted patch_1 -> {BRANCH} " in three_way.out
    assert _bytes(pods, "show", f"{BRANCH}:src/table.txt") == merged.encode()
    assert code_tree(pods, BRANCH) == code_tree(pods, expected_tree)
    assert _bytes(pods, "cat-file", "blob", f"{BRANCH}:.patches/patch_1.diff") == raw
    assert git(pods, "status", "--porcelain") == ""


def test_a_failed_three_way_leaves_nothing_behind_for_the_next_bundle(pods: Path) -> None:
    """A conflicting --3way fails (the bundle stays queued); the next bundle of the task is built on a
    clean index: no conflict stages or markers reach its commit."""
    _commit_base(pods, _write("src/table.txt", TABLE))
    raw1, _tree = diff_of_change(pods, _write("src/table.txt", TABLE.replace("row 6\n", "row six\n")))
    _commit_base(pods, _write("src/table.txt", TABLE.replace("row 6\n", "row 6 (edited)\n")), "conflict")
    raw2, tree2 = diff_of_change(pods, _write("docs/table.md", "# the table\n"))
    bundle(pods, "patch_1", raw1)
    bundle(pods, "patch_2", raw2)
    result = promote(pods, "--all", "--3way")
    assert result.code == 4, result.text
    assert result.out.startswith("not applied patch_1: left in the queue\n"), result.out
    assert "src/table.txt" in result.out and " GP400 " in result.out
    assert f"promoted patch_2 -> {BRANCH} " in result.out
    assert result.out.endswith("2 bundles: 1 not applied, 1 promoted\n")
    assert code_tree(pods, BRANCH) == code_tree(pods, tree2)
    assert (
        _bytes(pods, "show", f"{BRANCH}:src/table.txt")
        == TABLE.replace("row 6\n", "row 6 (edited)\n").encode()
    )
    assert git(pods, "rev-parse", f"{BRANCH}^").strip() == git(pods, "rev-parse", "HEAD").strip()
    assert patch_ids_in_history(pods) == ["patch_2"]
    assert (pods / ".patches/queue/patch_1/patch.diff").read_bytes() == raw1


def test_dry_run_changes_nothing(pods: Path) -> None:
    raw, _tree = diff_of_change(
        pods, _write("src/parser.py", "def parse(text):\n    return text.split(',')\n")
    )
    bundle(pods, "patch_1", raw)
    queued = _queue_files(pods)
    before = (refs(pods), git(pods, "count-objects", "-v"), git(pods, "status", "--porcelain"))
    result = promote(pods, "--all", "--dry-run")
    assert result.code == 0, result.text
    assert result.out.startswith(f"would promote patch_1 -> {BRANCH}"), result.out
    assert result.out.endswith("1 bundle: 1 would promote; dry run: nothing was changed\n")
    assert (refs(pods), git(pods, "count-objects", "-v"), git(pods, "status", "--porcelain")) == before
    assert _queue_files(pods) == queued
    assert events(pods, "HEAD") == [] and patch_ids_in_history(pods) == []
    assert "refs/heads/pods/" not in refs(pods) and "refs/notes/" not in refs(pods)
    # and the real run afterwards still works
    assert promote(pods, "--all").code == 0
