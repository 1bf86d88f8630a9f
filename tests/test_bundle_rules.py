"""Bundle consistency (GP2xx) through `git pod-validate`'s function: exit code, file, line, rule."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from git_pods.bundle import bundle_digest
from helpers import CHANGELOG, DIFF, HANDOFF, PATCH_ID, TRACE, queue, run_validate, write_bundle

Q = f".patches/queue/{PATCH_ID}"


def problems(repo: Path, *paths: str) -> tuple[int, list[tuple[str, str, int | None]]]:
    """Exit code and (rule, file, line) of every reported problem."""
    result = run_validate(repo, *paths)
    found = []
    for line in result.out.splitlines():
        if ": GP" in line and not line.startswith(" "):
            where, rest = line.split(": ", 1)
            file, _, number = where.partition(":")
            found.append((rest.split(" ", 1)[0], file, int(number) if number else None))
    return result.code, found


def test_valid_bundle_passes(repo: Path) -> None:
    queue(repo)
    result = run_validate(repo)
    assert (result.code, result.out) == (0, "ok: 1 item checked, no problems\n")


@pytest.mark.parametrize(
    "missing", ["thought_trace.yaml", "changelog.yaml", "handoff_log.yaml", "patch.diff"]
)
def test_incomplete_bundle_names_the_missing_file(repo: Path, missing: str) -> None:
    queue(repo, **{missing.replace(".", "__"): None})
    code, found = problems(repo)
    assert code == 1
    assert ("GP200", f"{Q}/{missing}", None) in found


def test_yml_instead_of_yaml_gets_a_rename_hint(repo: Path) -> None:
    folder = queue(repo)
    (folder / "changelog.yaml").rename(folder / "changelog.yml")
    result = run_validate(repo)
    assert result.code == 1
    assert "GP200 changelog.yaml is missing" in result.out
    assert "rename changelog.yml to changelog.yaml" in result.out


def test_patch_id_pod_and_task_must_agree(repo: Path) -> None:
    queue(
        repo,
        thought_trace__yaml=TRACE.format(patch_id="patch_other"),
        changelog__yaml=CHANGELOG.format(patch_id=PATCH_ID)
        .replace("dev-pod", "qa-pod")
        .replace("F2.1", "F3"),
    )
    code, found = problems(repo)
    assert code == 1
    assert ("GP201", f"{Q}/thought_trace.yaml", 1) in found
    assert ("GP202", f"{Q}/changelog.yaml", 2) in found
    assert ("GP203", f"{Q}/changelog.yaml", 3) in found


def test_handoff_must_name_the_bundle_and_come_from_its_pod(repo: Path) -> None:
    queue(repo, handoff_log__yaml="from: qa-pod\nto: delivery-pod\nreason: r\nrelated_patch: patch_x.diff\n")
    code, found = problems(repo)
    assert code == 1
    assert ("GP204", f"{Q}/handoff_log.yaml", 4) in found
    assert ("GP202", f"{Q}/handoff_log.yaml", 1) in found


def test_handoff_without_related_patch(repo: Path) -> None:
    queue(repo, handoff_log__yaml="from: dev-pod\nto: qa-pod\nreason: r\n")
    code, found = problems(repo)
    assert (code, found) == (1, [("GP204", f"{Q}/handoff_log.yaml", 1)])


def test_related_patch_may_be_the_bare_id(repo: Path) -> None:
    queue(repo, handoff_log__yaml=HANDOFF.format(patch_id=PATCH_ID).replace(".diff", ""))
    assert run_validate(repo).code == 0


def test_unknown_pod_and_disallowed_handoff(repo: Path) -> None:
    queue(repo, handoff_log__yaml=f"from: dev-pod\nto: delivery-pod\nreason: r\nrelated_patch: {PATCH_ID}\n")
    result = run_validate(repo)
    assert result.code == 1
    assert f"{Q}/handoff_log.yaml:2: GP206 dev-pod may not hand off to delivery-pod" in result.out
    assert "hand off to one of: qa-pod, research-pod" in result.out
    queue(repo, thought_trace__yaml=TRACE.format(patch_id=PATCH_ID).replace("dev-pod", "dev-pd"))
    _, found = problems(repo)
    assert ("GP205", f"{Q}/thought_trace.yaml", 2) in found
    assert "did you mean 'dev-pod'?" in run_validate(repo).out


def test_pods_come_from_the_repository_config(repo: Path) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").write_text("pods:\n  dev-pod:\n    next: [docs-pod]\n  docs-pod: {}\n")
    queue(repo)  # hands off to qa-pod, which this config does not have
    code, found = problems(repo)
    assert code == 1
    assert ("GP205", f"{Q}/handoff_log.yaml", 2) in found
    queue(repo, handoff_log__yaml=HANDOFF.format(patch_id=PATCH_ID).replace("qa-pod", "docs-pod"))
    assert run_validate(repo).code == 0


def test_invalid_config_is_reported_and_the_default_used(repo: Path) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").write_text("pods:\n  dev-pod:\n    nxt: [qa-pod]\n")
    queue(repo)
    code, found = problems(repo)
    assert code == 1
    assert ("GP111", ".pods/config.yaml", 3) in found
    assert ("GP602", ".pods/config.yaml", None) in found
    assert not [f for f in found if f[0] == "GP205"]  # the bundle is judged by the default pods


def test_digests_must_match_when_present(repo: Path) -> None:
    good = "sha256:" + hashlib.sha256(DIFF.encode()).hexdigest()
    text = HANDOFF.format(patch_id=PATCH_ID) + f"digests:\n  patch.diff: {good}\n"
    queue(repo, handoff_log__yaml=text)
    assert run_validate(repo).code == 0
    queue(repo, handoff_log__yaml=text, patch__diff=DIFF.replace("split", "rsplit"))
    code, found = problems(repo)
    assert (code, found) == (1, [("GP207", f"{Q}/handoff_log.yaml", 6)])


def test_folder_name_must_be_a_patch_id_and_unique_ignoring_case(repo: Path) -> None:
    queue(repo, "bad id")
    code, found = problems(repo)
    assert ("GP208", ".patches/queue/bad id", None) in found
    queue(repo, "Patch_1")
    queue(repo, "patch_1")
    code, found = problems(repo)
    assert code == 1
    assert [f for f in found if f[0] == "GP208" and "atch_1" in f[1]]


def test_patch_id_with_trailing_newline_is_refused(repo: Path) -> None:
    # jsonschema's Python regex `$` matches before a final newline: the full-match recheck must catch it
    queue(repo, thought_trace__yaml=TRACE.format(patch_id='"' + PATCH_ID + '\\n"'))
    code, found = problems(repo)
    assert code == 1
    assert ("GP208", f"{Q}/thought_trace.yaml", 1) in found


def test_whole_files_bundle_is_recognised(repo: Path) -> None:
    folder = queue(repo, patch__diff=None)
    (folder / "files/src").mkdir(parents=True)
    (folder / "files/src/parser.py").write_text("def parse(text):\n    return []\n")
    assert run_validate(repo).code == 0
    (folder / "patch.diff").write_text(DIFF)
    code, found = problems(repo)
    assert (code, found) == (1, [("GP210", Q, None)])


def test_whole_files_may_not_hold_links_or_write_the_archive(repo: Path) -> None:
    folder = queue(repo, patch__diff=None)
    (folder / "files/.logs/x").mkdir(parents=True)
    (folder / "files/.logs/x/changelog.yaml").write_text("forged")
    (folder / "files/evil").symlink_to("/etc/passwd")
    code, found = problems(repo)
    assert code == 1
    assert sorted(found) == [
        ("GP210", f"{Q}/files/evil", None),
        ("GP302", f"{Q}/files/.logs/x/changelog.yaml", None),
    ]


def test_unexpected_file_is_a_warning_only(repo: Path) -> None:
    (queue(repo) / "notes.txt").write_text("hi")
    result = run_validate(repo)
    assert result.code == 0
    assert f"{Q}/notes.txt: GP211 warning: unexpected notes.txt in the bundle" in result.out


def test_archived_bundles_and_orphans(repo: Path) -> None:
    write_bundle(repo / ".logs" / "patch_a", "patch_a", patch__diff=None)
    (repo / ".patches").mkdir(exist_ok=True)
    (repo / ".patches/patch_a.diff").write_text(DIFF)
    assert run_validate(repo).code == 0
    (repo / ".patches/patch_b.diff").write_text(DIFF)
    write_bundle(repo / ".logs" / "patch_c", "patch_c", patch__diff=None)
    code, found = problems(repo)
    assert code == 1
    assert ("GP209", ".patches/patch_b.diff", None) in found
    assert ("GP209", ".logs/patch_c", None) in found


def test_queued_copy_of_a_promoted_patch_is_a_warning(repo: Path) -> None:
    write_bundle(repo / ".logs" / PATCH_ID, patch__diff=None)
    (repo / f".patches/{PATCH_ID}.diff").parent.mkdir(exist_ok=True)
    (repo / f".patches/{PATCH_ID}.diff").write_text(DIFF)
    queue(repo)
    result = run_validate(repo)
    assert result.code == 0
    assert "GP212 warning" in result.out


def test_seeds_flat_layout_is_explained(repo: Path) -> None:
    (repo / ".patches/queue").mkdir(parents=True)
    (repo / ".patches/queue/patch_1.diff").write_text(DIFF)
    (repo / ".logs").mkdir()
    (repo / ".logs/changelog.yaml").write_text(CHANGELOG.format(patch_id="patch_1"))
    code, found = problems(repo)
    assert code == 1
    assert ("GP213", ".patches/queue/patch_1.diff", None) in found
    assert ("GP214", ".logs/changelog.yaml", None) in found


def test_task_ledger_name_and_pod(repo: Path) -> None:
    (repo / ".pods/tasks").mkdir(parents=True)
    (repo / ".pods/tasks/F2.1.yaml").write_text("pod: qa-pod\ntask_id: F2.1\ngoal: Test it\n")
    assert run_validate(repo).code == 0
    (repo / ".pods/tasks/F9.yaml").write_text("pod: ghost-pod\ntask_id: F2.2\ngoal: g\n")
    code, found = problems(repo)
    assert code == 1
    assert ("GP700", ".pods/tasks/F9.yaml", 2) in found
    assert ("GP205", ".pods/tasks/F9.yaml", 1) in found


def test_all_problems_are_listed_not_just_the_first(repo: Path) -> None:
    queue(repo, "patch_a", changelog__yaml="patch_id: patch_a\npod: dev-pod\ntask_id: F2.1\nentries: []\n")
    queue(repo, "patch_b", thought_trace__yaml="patch_id: patch_b\n")
    code, found = problems(repo)
    assert code == 1
    assert ("GP115", ".patches/queue/patch_a/changelog.yaml", 4) in found
    assert ("GP110", ".patches/queue/patch_b/thought_trace.yaml", 1) in found


def test_bundle_digest_matches_coreutils(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "b")
    names = ["changelog.yaml", "handoff_log.yaml", "patch.diff", "thought_trace.yaml"]
    shell = subprocess.run(
        f"sha256sum {' '.join(names)} | sha256sum",
        shell=True,
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = bundle_digest({n: (folder / n).read_bytes() for n in names})
    assert ours == "sha256:" + shell.stdout.split()[0]


def test_a_bundle_folder_outside_any_repository(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "downloads" / "b")
    result = run_validate(tmp_path, str(folder))
    assert (result.code, result.out) == (0, "ok: 1 item checked, no problems\n")
    result = run_validate(tmp_path, str(tmp_path / "downloads"))
    assert result.code == 0


def test_links_and_special_files_are_refused_without_being_read(repo: Path) -> None:
    folder = queue(repo, thought_trace__yaml=None, changelog__yaml=None, handoff_log__yaml=None)
    (folder / "thought_trace.yaml").symlink_to("/dev/zero")
    (folder / "changelog.yaml").symlink_to("missing.yaml")
    os.mkfifo(folder / "handoff_log.yaml")
    code, found = problems(repo)  # returns: a FIFO or /dev/zero would hang a naive reader
    assert code == 1
    assert {(rule, file) for rule, file, _ in found} == {
        ("GP118", f"{Q}/thought_trace.yaml"),
        ("GP118", f"{Q}/changelog.yaml"),
        ("GP118", f"{Q}/handoff_log.yaml"),
    }


def test_oversized_diff_is_refused_before_reading(repo: Path) -> None:
    folder = queue(repo)
    with open(folder / "patch.diff", "wb") as handle:
        handle.truncate(65 << 20)  # sparse: no disk used
    code, found = problems(repo)
    assert (code, found) == (1, [("GP102", f"{Q}/patch.diff", None)])


def test_whole_files_follow_the_same_path_policy_as_diffs(repo: Path) -> None:
    (repo / ".pods").mkdir()
    (repo / ".pods/config.yaml").write_text(
        "pods:\n  dev-pod:\n    next: [qa-pod]\n    paths: ['src/**']\n  qa-pod: {}\n"
    )
    folder = queue(repo, patch__diff=None)
    (folder / "files/.pods").mkdir(parents=True)
    (folder / "files/.pods/config.yaml").write_text("pods: {}\n")
    (folder / "files/docs").mkdir()
    (folder / "files/docs/readme.md").write_text("outside src/\n")
    (folder / "files/src").mkdir()
    (folder / "files/src/ok.py").write_text("ok = True\n")
    code, found = problems(repo)
    assert code == 1
    assert sorted(found) == [
        ("GP303", f"{Q}/files/.pods/config.yaml", None),
        ("GP303", f"{Q}/files/docs/readme.md", None),
    ]
    result = run_validate(repo)
    assert "pod 'dev-pod' may not change the protected policy file .pods/config.yaml" in result.out
    assert "pod 'dev-pod' may not change docs/readme.md" in result.out
