"""Regressions for the review of `git pod-verify` and pod-pre-push: each test is a way a tampered
history got past verify (or an honest one was refused) before the fix."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from git_pods.bundle import bundle_digest
from helpers import cli, git
from promoting import bundle, pods_repo

D1 = (
    "diff --git a/src/a.py b/src/a.py\nnew file mode 100644\n--- /dev/null\n+++ b/src/a.py\n@@ -0,0 +1,2 @@\n"
)
D1 += "+x = 1\n+y = 2\n"


def _hand_commit(root: Path, pid: str, diff: str | bytes, *, extra: str = "") -> str:
    """Archive a bundle around diff by hand and commit whatever code is staged with it, with the
    right trailers, skipping the hooks (what verify exists to catch)."""
    folder = bundle(root, pid, diff)
    files = {
        name: (folder / name).read_bytes() for name in ("changelog.yaml", "handoff_log.yaml", "patch.diff")
    }
    files["thought_trace.yaml"] = (folder / "thought_trace.yaml").read_bytes()
    (root / ".logs" / pid).mkdir(parents=True)
    for name in ("thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"):
        (root / ".logs" / pid / name).write_bytes(files[name])
    (root / ".patches" / f"{pid}.diff").write_bytes(files["patch.diff"])
    for name in files:
        (folder / name).unlink()
    folder.rmdir()
    git(root, "add", "-A", ".patches", ".logs")
    digest = bundle_digest(files)
    message = f"hand {pid}\n\n{extra}Pod: dev-pod\nTask: F2.1\nPatch-Id: {pid}\nPod-Bundle: {digest}\n"
    git(root, "commit", "-q", "--no-verify", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def _verify(root: Path, rev_range: str) -> tuple[int, list[tuple[str, str]]]:
    done = cli(root, "verify", "--range", rev_range, "--json")
    assert done.code in (0, 1), done.text
    data = json.loads(done.out)
    return done.code, [(v["commit"][:12], v["rule"]) for v in data["violations"]]


def _squash_policy(root: Path) -> None:
    config = root / ".pods/config.yaml"
    config.write_text(config.read_text().replace("\npolicy:\n", "\npolicy:\n  squash_merge: [main]\n"))
    git(root, "commit", "-q", "-am", "main receives squash merges")


def test_a_path_holding_byte_x01_hides_nothing(repo: Path) -> None:
    root = pods_repo(repo)
    (root / "src/a.py").write_text("x = 1\ny = 2\nevil()\n")
    (root / ".logs").mkdir(exist_ok=True)
    (root / ".logs/a\x01x").write_text("")
    git(root, "add", "-A")
    bad = _hand_commit(root, "p1", D1)
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 1 and (bad[:12], "GP501") in found


def test_a_trailer_holding_byte_x01_hides_no_claim(repo: Path) -> None:
    root = pods_repo(repo)
    git(
        root,
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-m",
        "x\n\nX-Note: a\x01b\nPod: dev-pod\nPatch-Id: p77",
    )
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 1 and (git(root, "rev-parse", "HEAD")[:12], "GP222") in found


def test_a_commit_line_inside_an_archived_diff_vouches_for_no_other_commit(repo: Path) -> None:
    root = pods_repo(repo)
    (root / "src/b.py").write_text("evil = 1\n")
    git(root, "add", "src/b.py")
    benign = "diff --git a/src/b.py b/src/b.py\nnew file mode 100644\n--- /dev/null\n+++ b/src/b.py\n"
    evil_commit = _hand_commit(root, "pB", benign + "@@ -0,0 +1 @@\n+benign = 1\n")
    real = git(root, "diff-tree", "-p", "--binary", "-M", "--format=", evil_commit, "--", "src")
    undo = "diff --git a/src/b.py b/src/b.py\ndeleted file mode 100644\n--- a/src/b.py\n+++ /dev/null\n"
    undo += "@@ -1 +0,0 @@\n-evil = 1\n"
    _hand_commit(root, "pA", f"{undo}commit {evil_commit}\n{real.lstrip()}")
    code, found = _verify(root, "HEAD~2..HEAD")
    assert code == 1 and (evil_commit[:12], "GP501") in found


def test_a_hunk_moved_to_an_identical_block_is_caught(repo: Path) -> None:
    root = pods_repo(repo)
    block = "a\nb\nc\nX=1\nd\ne\nf\n"
    (root / "cfg.txt").write_text(block + "sep\n" + block)
    git(root, "add", "cfg.txt")
    git(root, "commit", "-q", "-m", "cfg")
    lines = (root / "cfg.txt").read_text().splitlines(keepends=True)
    lines[3] = "X=2\n"
    (root / "cfg.txt").write_text("".join(lines))
    archived = git(root, "diff")
    lines[3], lines[11] = "X=1\n", "X=2\n"
    (root / "cfg.txt").write_text("".join(lines))
    git(root, "add", "cfg.txt")
    bad = _hand_commit(root, "p5", archived)
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 1 and found == [(bad[:12], "GP501")]


def test_binary_data_that_is_not_the_blob_its_index_line_names(repo: Path) -> None:
    root = pods_repo(repo)
    shown, shipped = b"AAAA\0reviewed-content\n", b"BBBB\0shipped-content\n"
    (root / "img.bin").write_bytes(shown)
    git(root, "add", "-N", "img.bin")
    diff = subprocess.run(
        ["git", "diff", "--binary", "--full-index", "img.bin"], cwd=root, capture_output=True, check=True
    ).stdout
    git(root, "rm", "-q", "--cached", "img.bin")
    good = git(root, "hash-object", "img.bin").strip()
    (root / "img.bin").write_bytes(shipped)
    evil = git(root, "hash-object", "-w", "img.bin").strip()
    git(root, "add", "img.bin")
    bad = _hand_commit(root, "pb", diff.replace(good.encode(), evil.encode()))
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 1 and (bad[:12], "GP311") in found


def test_squash_leniency_is_for_the_targets_first_parent_line_only(repo: Path) -> None:
    root = pods_repo(repo)
    _squash_policy(root)
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    (root / "src/a.py").write_text("x = 1\ny = 2\nevil()\n")
    git(root, "add", "src/a.py")
    bad = _hand_commit(root, "p1", D1)
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "--no-edit", "feature")
    code, found = _verify(root, f"{base}..main")
    assert code == 1 and (bad[:12], "GP501") in found


def _two_promotes(root: Path, *, human_between: bool, series: bool) -> None:
    (root / "f.txt").write_text("a1\na2\na3\na4\n")
    git(root, "add", "f.txt")
    git(root, "commit", "-q", "-m", "f")

    def diff_of(old: str, new: str) -> str:
        path = root / "f.txt"
        path.write_text(path.read_text().replace(old, new))
        out = git(root, "diff")
        git(root, "add", "f.txt")
        return out

    if series:
        first, second = diff_of("a1", "A1"), diff_of("a2", "A2")
        git(root, "reset", "-q", "--hard")
        bundle(root, "zz_first", first)
        bundle(root, "aa_second", second)
        (root / ".patches/queue/series").write_text("zz_first\naa_second\n")
        assert cli(root, "promote", "--all").code == 0
        return
    first = diff_of("a1", "A1")
    git(root, "reset", "-q", "--hard")
    bundle(root, "p1", first)
    assert cli(root, "promote", "--all").code == 0
    git(root, "checkout", "-q", "pods/F2.1")
    if human_between:
        (root / "f.txt").write_text((root / "f.txt").read_text().replace("a2", "human2"))
        git(root, "commit", "-q", "-am", "human fix")
    second = diff_of("a3", "A3")
    git(root, "reset", "-q", "--hard")
    git(root, "checkout", "-q", "main")
    bundle(root, "p2", second)
    assert cli(root, "promote", "--all").code == 0


def _forge_squash(root: Path) -> str:
    """What a forge's squash merge makes: one commit on main, the branch's trailers kept in order."""
    git(root, "merge", "-q", "--squash", "pods/F2.1")
    trailers = git(root, "log", "--reverse", "--format=%(trailers:only,unfold)", "main..pods/F2.1")
    message = "F2.1 (#1)\n\n" + "\n".join(line for line in trailers.splitlines() if line.strip()) + "\n"
    tree = git(root, "write-tree").strip()
    commit = subprocess.run(
        ["git", "commit-tree", tree, "-p", "main"],
        cwd=root,
        input=message,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git(root, "reset", "-q", "--hard", commit)
    return commit


def test_a_squash_with_a_human_fix_between_promotes_is_a_warning(repo: Path) -> None:
    root = pods_repo(repo)
    _squash_policy(root)
    _two_promotes(root, human_between=True, series=False)
    squash = _forge_squash(root)
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 0 and found == [(squash[:12], "GP502")]


def test_a_squash_of_bundles_promoted_in_series_order_passes(repo: Path) -> None:
    root = pods_repo(repo)
    _squash_policy(root)
    _two_promotes(root, human_between=False, series=True)
    _forge_squash(root)
    assert _verify(root, "HEAD~1..HEAD") == (0, [])


def test_pre_push_does_not_trust_another_remotes_branches(repo: Path, tmp_path: Path) -> None:
    root = pods_repo(repo)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(origin), str(fork))
    git(fork, "checkout", "-q", "-b", "feature")
    (fork / "src").mkdir(exist_ok=True)
    (fork / "src/a.py").write_text("x = 1\ny = 2\nevil()\n")
    git(fork, "add", "src/a.py")
    bad = _hand_commit(fork, "p1", D1)
    git(root, "remote", "add", "fork", str(fork))
    git(root, "fetch", "-q", "fork")
    git(root, "checkout", "-q", "-b", "feature", "fork/feature")
    done = subprocess.run(
        ["git", "push", "origin", "feature"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0 and bad[:12] in done.stderr


@pytest.mark.parametrize("object_format", ["sha256"])
def test_promote_and_verify_in_a_sha256_repository(tmp_path: Path, object_format: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", f"--object-format={object_format}", "-b", "main")
    pods_repo(root)
    bundle(root, "p1", D1)
    done = cli(root, "promote", "--all", "--onto", "main")
    assert done.code == 0, done.text
    assert len(git(root, "rev-parse", "HEAD").strip()) == 64
    assert _verify(root, "HEAD~1..HEAD") == (0, [])
    assert os.path.isfile(root / ".patches/p1.diff")


def test_a_hand_edit_wearing_a_promoted_commits_trailers_is_caught(repo: Path) -> None:
    root = pods_repo(repo)
    bundle(root, "p1", D1)
    assert cli(root, "promote", "--all", "--onto", "main").code == 0
    trailers = git(root, "log", "-1", "--format=%(trailers:only,unfold)")
    (root / "src/a.py").write_text("x = 1\ny = 2\nevil()\n")
    git(root, "commit", "-q", "--no-verify", "-am", f"Tweak\n\n{trailers}")
    code, found = _verify(root, "HEAD~1..HEAD")
    assert code == 1 and (git(root, "rev-parse", "HEAD")[:12], "GP222") in found
