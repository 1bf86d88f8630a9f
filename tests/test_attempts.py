"""Several answers to one prompt: a second answer whose patch id is taken (queued with other
content, promoted, rejected) is taken in as another attempt `<id>-2`, status shows the attempts
side by side, promote takes only the one the lead names and moves the others to rejected/ as not
chosen. No answer is a dead end and none is lost."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from helpers import cli, git
from promoting import bundle, pods_repo, promote

FIRST = "patch_20260105_100000"
SECOND = f"{FIRST}-2"
THIRD = f"{FIRST}-3"


def diff(text: str) -> str:
    return (
        "diff --git a/src/parser.py b/src/parser.py\n--- a/src/parser.py\n+++ b/src/parser.py\n"
        f"@@ -1,2 +1,2 @@\n def parse(text):\n-    return [text]\n+    return {text}\n"
    )


def download(folder: Path, patch_id: str, body: str, summary: str) -> Path:
    """A chat answer saved flat into a downloads folder, its handoff digests true."""
    made = bundle(folder.parent / "scratch", patch_id, diff(body), summary=summary)
    folder.mkdir(parents=True, exist_ok=True)
    for path in made.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture
def assigned(repo: Path) -> Path:
    root = pods_repo(repo)
    assert cli(root, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Split lists").code == 0
    return root


def test_a_second_answer_to_a_queued_prompt_is_another_attempt(assigned: Path, tmp_path: Path) -> None:
    assert cli(assigned, "intake", str(download(tmp_path / "a", FIRST, "text.split(',')", "Split"))).code == 0
    done = cli(assigned, "intake", str(download(tmp_path / "b", FIRST, "text.split()", "Split on spaces")))
    assert done.code == 0, done.text
    assert (
        f"{SECOND}: queued as another attempt at {FIRST} (that id is queued with other content)" in done.out
    )
    folder = assigned / ".patches/queue" / SECOND
    trace = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    assert (trace["patch_id"], trace["attempt_of"]) == (SECOND, FIRST)
    assert yaml.safe_load((folder / "changelog.yaml").read_text())["patch_id"] == SECOND
    handoff = yaml.safe_load((folder / "handoff_log.yaml").read_text())
    assert handoff["related_patch"] == f"{SECOND}.diff"
    digest = "sha256:" + hashlib.sha256((folder / "thought_trace.yaml").read_bytes()).hexdigest()
    assert handoff["digests"]["thought_trace.yaml"] == digest  # kept true after the rename
    assert cli(assigned, "validate").code == 0
    assert not list((tmp_path / "b").iterdir())  # taken in: the downloads are gone, nothing lost
    status = cli(assigned, "status").out
    assert f"  {FIRST}  dev-pod  F2.1  valid" in status
    assert f"  {SECOND}  dev-pod  F2.1  another attempt at {FIRST}  valid" in status


def test_promote_all_asks_the_lead_to_pick_then_rejects_the_others_as_not_chosen(
    assigned: Path, tmp_path: Path
) -> None:
    for name, body in (("a", "text.split(',')"), ("b", "text.split()"), ("c", "[t for t in text]")):
        assert (
            cli(assigned, "intake", str(download(tmp_path / name, FIRST, body, f"Answer {name}"))).code == 0
        )
    queued = sorted(p.name for p in (assigned / ".patches/queue").iterdir() if p.name.startswith("patch"))
    assert queued == [FIRST, SECOND, THIRD]
    held = promote(assigned, "--all")
    assert held.code == 2, held.text
    assert "GP406" in held.text and f"3 attempts at {FIRST} are queued" in held.text
    assert "pods/F2.1" not in git(assigned, "branch", "--list", "pods/*")
    both = promote(assigned, FIRST, SECOND)
    assert both.code == 2 and "GP406" in both.text
    done = promote(assigned, SECOND)
    assert done.code == 0, done.text
    for other in (FIRST, THIRD):
        assert f"{other} -> .patches/rejected/{other}/ (GP405 not chosen: {SECOND} was promoted" in done.out
        reason = yaml.safe_load((assigned / ".patches/rejected" / other / "reason.yaml").read_text())
        assert reason["rule"] == "GP405"
        assert (assigned / ".patches/rejected" / other / "patch.diff").is_file()
    assert not [p for p in (assigned / ".patches/queue").iterdir() if p.name.startswith("patch")]
    assert "return text.split()" in git(assigned, "show", "pods/F2.1:src/parser.py")


def test_an_answer_with_a_promoted_id_is_another_attempt_and_status_says_so(
    assigned: Path, tmp_path: Path
) -> None:
    bundle(assigned, FIRST, diff("text.split(',')"))
    assert promote(assigned, FIRST).code == 0
    # the very same files again: already promoted, the downloads go
    again = download(tmp_path / "same", FIRST, "text.split(',')", "Change the parser")
    same = cli(assigned, "intake", str(again), "--json")
    assert same.code == 0, same.text
    assert json.loads(same.out)["bundles"][0]["status"] == "already-promoted"
    # another answer: a new attempt, not a dead end
    other = download(tmp_path / "other", FIRST, "text.split()", "Another try")
    done = cli(assigned, "intake", str(other), "--json")
    assert done.code == 0, done.text
    [item] = json.loads(done.out)["bundles"]
    assert item == {
        "patch_id": SECOND,
        "status": "queued",
        "sources": sorted(p for p in item["sources"]),
        "attempt_of": FIRST,
        "first_answer": "promoted on pods/F2.1",
    }
    status = json.loads(cli(assigned, "status", "--json").out)["queue"]
    assert status == [
        {"patch_id": SECOND, "pod": "dev-pod", "task": "F2.1", "problems": 0, "attempt_of": FIRST}
    ]


def test_an_answer_with_a_rejected_id_is_another_attempt(assigned: Path, tmp_path: Path) -> None:
    bundle(assigned, FIRST, diff("text.split(',')"))
    assert cli(assigned, "reject", FIRST, "--reason", "wrong separator").code == 0
    done = cli(assigned, "intake", str(download(tmp_path / "b", FIRST, "text.split()", "Retry")))
    assert done.code == 0, done.text
    assert f"{SECOND}: queued as another attempt at {FIRST} (that id is rejected)" in done.out
    assert (assigned / ".patches/rejected" / FIRST).is_dir()


def test_a_trace_in_flow_style_still_names_its_attempt(assigned: Path, tmp_path: Path) -> None:
    bundle(assigned, FIRST, diff("text.split(',')"))
    folder = download(tmp_path / "b", FIRST, "text.split()", "Retry")
    data = yaml.safe_load((folder / "thought_trace.yaml").read_text())
    (folder / "thought_trace.yaml").write_text(yaml.safe_dump(data, default_flow_style=True))
    handoff = yaml.safe_load((folder / "handoff_log.yaml").read_text())
    handoff.pop("digests")
    (folder / "handoff_log.yaml").write_text(yaml.safe_dump(handoff))
    done = cli(assigned, "intake", str(folder))
    assert done.code == 0, done.text
    trace = yaml.safe_load((assigned / ".patches/queue" / SECOND / "thought_trace.yaml").read_text())
    assert (trace["patch_id"], trace["attempt_of"]) == (SECOND, FIRST)


def test_a_fresh_patch_id_is_never_one_a_task_branch_holds(
    assigned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two steps in one second (a scripted loop): the next prompt's id must not be the id just
    promoted on pods/F2.1, which the working tree (on main) does not show."""
    import time as clock

    from git_pods import attempts
    from git_pods.gitio.runner import Git

    frozen = clock.gmtime(1_767_607_200)  # 2026-01-05 10:00:00 UTC: FIRST's second
    monkeypatch.setattr("git_pods.queueing.time.gmtime", lambda *_: frozen)
    bundle(assigned, FIRST, diff("text.split(',')"))
    assert promote(assigned, FIRST).code == 0
    assert not (assigned / ".patches" / f"{FIRST}.diff").exists()  # only on the task branch
    assert attempts.fresh_patch_id(assigned, Git(assigned)) == f"{FIRST}_2"


def test_whole_files_in_a_files_folder_beside_the_logs_are_taken_in(assigned: Path, tmp_path: Path) -> None:
    """An answer written as files/<path> in the downloads folder (as the prompt allows), not
    zipped: the files become the diff, never silently dropped."""
    downloads = download(tmp_path / "dl", FIRST, "text.split(',')", "Whole files")
    (downloads / "patch.diff").unlink()
    (downloads / "files/src").mkdir(parents=True)
    (downloads / "files/src/parser.py").write_text("def parse(text):\n    return text.split(',')\n")
    handoff = yaml.safe_load((downloads / "handoff_log.yaml").read_text())
    handoff.pop("digests")
    (downloads / "handoff_log.yaml").write_text(yaml.safe_dump(handoff))
    done = cli(assigned, "intake", str(downloads))
    assert done.code == 0, done.text
    queued = (assigned / ".patches/queue" / FIRST / "patch.diff").read_text()
    assert "+    return text.split(',')" in queued
    assert list(downloads.iterdir()) == []  # every file taken in, the files/ folder too
    assert promote(assigned, FIRST).code == 0


def test_whole_files_with_no_base_in_the_trace_are_diffed_against_the_packets_base(
    assigned: Path, tmp_path: Path
) -> None:
    """A qa answer of whole files whose trace names no base: the diff is made against the branch
    tip its prompt gave (the packet's base_commit), so it applies to pods/F2.1, not to main."""
    bundle(assigned, FIRST, diff("text.split(',')"))
    assert promote(assigned, FIRST).code == 0
    assert cli(assigned, "assign", "--from", FIRST).code == 0  # qa-pod, based on pods/F2.1's tip
    downloads = tmp_path / "dl"
    (downloads / "files/src").mkdir(parents=True)
    (downloads / "files/src/parser.py").write_text("def parse(text):\n    return text.split(';')\n")
    qa = "patch_20260105_110000"
    (downloads / "thought_trace.yaml").write_text(
        f"patch_id: {qa}\npod: qa-pod\ntask_id: F2.1\nsummary: Semicolons\nsteps:\n  - Changed it\n"
    )
    (downloads / "changelog.yaml").write_text(
        f"patch_id: {qa}\npod: qa-pod\ntask_id: F2.1\nentries:\n  - type: fixed\n"
        "    description: Semicolons\n"
    )
    (downloads / "handoff_log.yaml").write_text(
        f"from: qa-pod\nto: delivery-pod\nreason: Done\nrelated_patch: {qa}\n"
    )
    assert cli(assigned, "intake", str(downloads)).code == 0
    queued = (assigned / ".patches/queue" / qa / "patch.diff").read_text()
    assert (
        "-    return {text.split(',')}" in queued.replace("[", "{").replace("]", "}")
        or "text.split(',')" in queued
    )
    done = promote(assigned, qa)
    assert done.code == 0, done.text
    assert (
        git(assigned, "show", "pods/F2.1:src/parser.py") == "def parse(text):\n    return text.split(';')\n"
    )
