"""`git pod-verify` against tampering: each trick is caught and named by commit and rule; squash
merges of bundles pass, and on a squash-merge target human edits are reported, not refused. The
fast path (patch ids) never accepts what the exact path (applying the diffs) would refuse."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from helpers import cli, git
from promoting import bundle, diff_of_change, pods_repo


@pytest.fixture
def promoted(repo: Path) -> Path:
    """Two bundles promoted onto pods/F2.1 (different files), then merged into main."""
    root = pods_repo(repo)
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    raw, _ = diff_of_change(root, lambda r: (r / "docs.md").write_text("# Docs\n\nParsing lists.\n"))
    bundle(root, "patch_2", raw, summary="Document the parser")
    assert cli(root, "promote", "--all").code == 0
    return root


def _start(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def _head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()[:12]


def _verify(root: Path, start: str, *extra: str) -> tuple[int, list[tuple[str, str]], dict[str, object]]:
    result = cli(root, "verify", "--range", f"{start}..HEAD", "--json", *extra)
    assert result.code in (0, 1), result.text
    data = json.loads(result.out)
    found = [(v["commit"][:12], v["rule"]) for v in data["violations"]]
    return result.code, found, data


def _trailers(root: Path, rev_range: str) -> str:
    lines = git(root, "log", "--reverse", "--format=%(trailers:only,unfold)", rev_range)
    return "\n".join(line for line in lines.splitlines() if line.strip())


def _squash(root: Path, branch: str, extra: str = "") -> None:
    """git merge --squash of branch into main, committed with both bundles' trailers (hooks run)."""
    git(root, "merge", "-q", "--squash", branch)
    if extra:
        (root / "README.md").write_text(extra)
        git(root, "add", "README.md")
    message = f"Squash {branch}\n\n{_trailers(root, f'main..{branch}')}\n"
    done = git(root, "commit", "-q", "-m", message)
    assert done is not None


def test_an_archive_deleted_later_is_caught(promoted: Path) -> None:
    git(promoted, "merge", "-q", "--no-edit", "pods/F2.1")
    start = _start(promoted)
    git(promoted, "rm", "-q", "-r", ".logs/patch_1", ".patches/patch_1.diff")
    git(promoted, "commit", "-q", "--no-verify", "-m", "tidy up")
    code, found, data = _verify(promoted, start)
    assert code == 1
    assert (_head(promoted), "GP500") in found
    messages = [v["message"] for v in data["violations"]]  # type: ignore[union-attr]
    assert any("deleted" in m and "patch_1" in m for m in messages), messages


def test_an_archive_edited_later_is_caught(promoted: Path) -> None:
    git(promoted, "merge", "-q", "--no-edit", "pods/F2.1")
    start = _start(promoted)
    trace = promoted / ".logs/patch_2/thought_trace.yaml"
    trace.write_text(trace.read_text().replace("Made the change", "Made a better change"))
    git(promoted, "commit", "-q", "--no-verify", "-am", "polish the record")
    code, found, _data = _verify(promoted, start)
    assert code == 1 and sorted(found) == [(_head(promoted), "GP207"), (_head(promoted), "GP500")]


def test_an_archive_forged_by_hand_is_caught(promoted: Path) -> None:
    """A hand-made archive whose handoff digests do not match, and whose trailers are copied from
    another bundle: both named."""
    start = _start(promoted)
    raw, _ = diff_of_change(promoted, lambda r: (r / "EVIL.md").write_text("x\n"))
    folder = bundle(promoted, "patch_9", raw)
    (promoted / "EVIL.md").write_text("x\n")
    (promoted / ".logs/patch_9").mkdir(parents=True)
    for name in ("thought_trace.yaml", "changelog.yaml"):
        shutil.copy(folder / name, promoted / ".logs/patch_9" / name)
    handoff = (folder / "handoff_log.yaml").read_text()
    forged = re.sub(r"(patch\.diff: sha256:)[0-9a-f]{64}", r"\g<1>" + "0" * 64, handoff)
    (promoted / ".logs/patch_9/handoff_log.yaml").write_text(forged)
    shutil.copy(folder / "patch.diff", promoted / ".patches/patch_9.diff")
    shutil.rmtree(folder)
    git(promoted, "add", "-A")
    message = "Forged\n\n" + _trailers(promoted, "HEAD~1..HEAD")  # the last bundle's trailers
    git(promoted, "commit", "-q", "--no-verify", "-m", message)
    code, found, _data = _verify(promoted, start)
    assert code == 1
    rules = {rule for commit, rule in found if commit == _head(promoted)}
    assert "GP207" in rules  # the handoff digest
    assert rules & {"GP220", "GP221", "GP222"}  # trailers that do not match what it archives


def test_trailers_without_a_bundle_are_caught(promoted: Path) -> None:
    start = _start(promoted)
    (promoted / "src/parser.py").write_text("def parse(t):\n    return 'pod work?'\n")
    git(
        promoted,
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "Sneak\n\nPod: dev-pod\nTask: F2.1\nPatch-Id: patch_77",
    )
    code, found, _data = _verify(promoted, start)
    assert code == 1 and (_head(promoted), "GP222") in found


def test_a_ledger_handoff_whose_digest_does_not_match_is_caught(promoted: Path) -> None:
    git(promoted, "merge", "-q", "--no-edit", "pods/F2.1")
    assert cli(promoted, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse").code == 0
    handoff = cli(promoted, "handoff", "--to", "qa-pod", "--reason", "Test it", "--patch", "patch_1")
    assert handoff.code == 0, handoff.text
    start = _start(promoted)
    assert _verify(promoted, f"{start}~2")[0] == 0  # the real handoff matches the archive
    ledger = promoted / ".pods/tasks/F2.1.yaml"
    text = ledger.read_text()
    tampered = re.sub(r"(patch\.diff: sha256:)[0-9a-f]{64}", r"\g<1>" + "1" * 64, text)
    assert tampered != text
    ledger.write_text(tampered)
    git(promoted, "commit", "-q", "--no-verify", "-am", "edit the ledger")
    code, found, data = _verify(promoted, start)
    assert code == 1 and found == [(_head(promoted), "GP503")], data


def test_a_squash_merge_of_two_bundles_passes(promoted: Path) -> None:
    start = _start(promoted)
    _squash(promoted, "pods/F2.1")
    assert git(promoted, "rev-list", "--count", f"{start}..HEAD").strip() == "1"
    code, found, data = _verify(promoted, start)
    assert code == 0 and found == [], data
    assert data["pod_commits"] == 1


def test_a_squash_merge_of_two_bundles_on_one_file_passes(repo: Path) -> None:
    """The second diff only applies after the first: patch ids cannot agree, applying them can."""
    root = pods_repo(repo)
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    assert cli(root, "promote", "patch_1").code == 0
    git(root, "checkout", "-q", "pods/F2.1")
    raw, _ = diff_of_change(
        root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return [t]\n")
    )
    git(root, "checkout", "-q", "main")
    bundle(root, "patch_2", raw)
    assert cli(root, "promote", "patch_2").code == 0
    start = _start(root)
    _squash(root, "pods/F2.1")
    code, found, data = _verify(root, start)
    assert code == 0 and found == [], data


def test_human_edits_in_a_squash_merge(promoted: Path) -> None:
    """Refused (GP501) on an ordinary branch; a warning (GP502) where the policy says main receives
    squash merges."""
    start = _start(promoted)
    _squash(promoted, "pods/F2.1", extra="# demo\n\nReviewed.\n")
    code, found, _data = _verify(promoted, start)
    assert code == 1 and found == [(_head(promoted), "GP501")]

    git(promoted, "reset", "-q", "--hard", start)
    config = promoted / ".pods/config.yaml"
    config.write_text(config.read_text().replace("\npolicy:\n", "\npolicy:\n  squash_merge: [main]\n"))
    git(promoted, "commit", "-q", "-am", "main receives squash merges")
    start = _start(promoted)
    _squash(promoted, "pods/F2.1", extra="# demo\n\nReviewed.\n")
    code, found, data = _verify(promoted, start)
    assert code == 0 and found == [(_head(promoted), "GP502")], data
    (warning,) = data["violations"]  # type: ignore[misc]
    assert warning["severity"] == "warning" and "README.md" in warning["message"]


@pytest.mark.parametrize(
    ("name", "tamper"),
    [
        ("a mode change", lambda r: os.chmod(r / "src/parser.py", 0o755)),
        ("whitespace", lambda r: (r / "src/parser.py").write_text("def parse(t):\n\treturn t\n")),
        ("an empty file", lambda r: (r / "src/__init__.py").write_text("")),
    ],
)
def test_what_patch_ids_overlook_is_still_caught(promoted: Path, name: str, tamper: object) -> None:
    """Patch ids ignore modes and empty files, and (unless verbatim) whitespace: the commit is
    redone with the tamper folded in, and must be refused."""
    git(promoted, "checkout", "-q", "pods/F2.1")
    message = git(promoted, "log", "-1", "--format=%B", "HEAD~1")
    git(promoted, "reset", "-q", "--hard", "HEAD~2")
    git(promoted, "checkout", "-q", "pods/F2.1@{1}~1", "--", ".")
    start = _start(promoted)
    tamper(promoted)  # type: ignore[operator]
    git(promoted, "add", "-A")
    git(promoted, "commit", "-q", "--no-verify", "-m", message)
    code, found, data = _verify(promoted, start)
    assert code == 1 and found == [(_head(promoted), "GP501")], (name, data)


def test_a_diff_made_with_other_options_still_passes(repo: Path) -> None:
    """A pod's diff without -M and with more context: the patch ids differ, the exact way agrees."""
    root = pods_repo(repo)
    (root / "src/old.py").write_text("".join(f"line {i}\n" for i in range(30)))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a module")

    def change(r: Path) -> None:
        (r / "src/old.py").rename(r / "src/new.py")

    change(root)
    git(root, "add", "-A")
    raw = git(root, "diff", "--cached", "--no-renames", "-U10").encode()
    git(root, "reset", "-q", "--hard", "HEAD")
    bundle(root, "patch_1", raw)
    start = _start(root)
    assert cli(root, "promote", "patch_1", "--onto", "main").code == 0
    code, found, data = _verify(root, start)
    assert code == 0 and found == [], data


def test_annotations_for_ci(promoted: Path) -> None:
    start = _start(promoted)
    git(promoted, "commit", "-q", "--no-verify", "--allow-empty", "-m", "claim\n\nPatch-Id: patch_none")
    github = cli(promoted, "verify", "--range", f"{start}..HEAD", "--annotate", "github")
    assert github.code == 1
    assert re.search(r"^::error title=GP222::[0-9a-f]{12}: Patch-Id: patch_none", github.out, re.M), (
        github.out
    )
    gitlab = cli(promoted, "verify", "--range", f"{start}..HEAD", "--annotate", "gitlab")
    assert gitlab.code == 1
    (issue,) = json.loads((promoted / "gl-code-quality-report.json").read_text())
    assert issue["check_name"] == "GP222" and issue["severity"] == "major"
    assert issue["location"]["path"] == "."  # the commit message is no file to mark
    assert len(issue["fingerprint"]) == 64
    wrong = cli(promoted, "verify", "--range", f"{start}..HEAD", "--annotate", "jenkins")
    assert wrong.code == 2 and "github or gitlab" in wrong.err


def test_all_leaves_out_notes_and_scratch_refs(promoted: Path) -> None:
    """--all is every branch, tag and remote-tracking branch: not refs/notes/pods nor a stash."""
    count = int(git(promoted, "rev-list", "--count", "--branches", "--tags", "--remotes").strip())
    (promoted / "README.md").write_text("# stashed\n")
    git(promoted, "stash", "-q")
    data = json.loads(cli(promoted, "verify", "--all", "--json").out)
    assert data["ok"] and data["commits"] == count, data


@pytest.mark.parametrize("bad", ["--all", "-x..y", " "])
def test_a_range_that_is_not_a_range_is_exit_2(promoted: Path, bad: str) -> None:
    result = cli(promoted, "verify", f"--range={bad}")
    assert result.code == 2, result.text


def test_honest_promoted_commits_take_the_fast_path(promoted: Path, tmp_path: Path) -> None:
    """Promote's own commits archive git's own diff of the change: no diff is applied, no index is
    built, and the number of git processes does not grow with the commits."""
    import subprocess

    from helpers import BIN

    start = git(promoted, "rev-list", "--max-parents=0", "HEAD").strip()
    trace = tmp_path / "trace"
    env = dict(os.environ, GIT_TRACE=str(trace))
    done = subprocess.run(
        [str(BIN / "git-pod-verify"), "--range", f"{start}..pods/F2.1"],
        cwd=promoted,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    calls = re.findall(r"trace: built-in: git (\S+)", trace.read_text())
    assert "apply" not in calls and "read-tree" not in calls, calls
    assert calls.count("diff-tree") == 2 and len(calls) <= 14, calls  # never one per commit


def test_many_commits_judged_in_parallel_say_what_one_at_a_time_says(repo: Path) -> None:
    """Past 200 commits with pod work the judging is spread over forked workers: the report is the
    same, in history order, as verifying the same commits in small ranges (judged in-process)."""
    import subprocess

    from helpers import CHANGELOG, DIFF, HANDOFF, TRACE

    root = pods_repo(repo)
    stream = []
    bad = []
    for n in range(240):
        pid = f"patch_{n:03d}"
        files = {
            "thought_trace.yaml": TRACE.format(patch_id=pid),
            "changelog.yaml": CHANGELOG.format(patch_id=pid),
            "handoff_log.yaml": HANDOFF.format(patch_id=pid),
            "patch.diff": DIFF if n % 37 else "not a diff\n",
        }
        if n % 37 == 0:
            bad.append(n)
        stream.append(f"commit refs/heads/main\ncommitter T <t@example.com> {1700000000 + n} +0000\n")
        message = f"queue {pid}\n".encode()
        stream.append(f"data {len(message)}\n{message.decode()}")
        if n == 0:
            stream.append(f"from {git(root, 'rev-parse', 'HEAD').strip()}\n")
        for name, text in files.items():
            data = text.encode()
            stream.append(f"M 100644 inline .patches/queue/{pid}/{name}\ndata {len(data)}\n{text}")
        stream.append("\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(stream).encode(), check=True)
    start = git(root, "rev-list", "--max-parents=0", "HEAD").strip()

    whole = cli(root, "verify", "--range", f"{start}..main", "--json")
    assert whole.code == 1, whole.err
    everything = json.loads(whole.out)
    assert everything["pod_commits"] >= 240
    commits = git(root, "rev-list", "--reverse", f"{start}..main").split()
    pieces = []
    for at in range(0, len(commits), 100):
        lower = commits[at - 1] if at else start
        upper = commits[min(at + 99, len(commits) - 1)]
        piece = json.loads(cli(root, "verify", "--range", f"{lower}..{upper}", "--json").out)
        pieces += piece["violations"]
    assert everything["violations"] == pieces
    named = {v["file"].split("/")[2] for v in pieces if v["rule"] == "GP300"}
    assert named == {f"patch_{n:03d}" for n in bad}
