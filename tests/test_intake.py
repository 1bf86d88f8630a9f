"""`git pod-intake`: downloads into the queue, as the seeds' lead saves them, losing nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from helpers import CHANGELOG, DIFF, HANDOFF, PATCH_ID, TRACE, cli, git, rules_of

QUEUED = Path(".patches/queue") / PATCH_ID


def seeds_download(folder: Path, patch_id: str = PATCH_ID, **names: str) -> list[Path]:
    """The seeds' four downloads (step 2 of the workflow guide), names overridable."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        names.get("trace", "thought_trace.yaml"): TRACE.format(patch_id=patch_id),
        names.get("changelog", "changelog.yaml"): CHANGELOG.format(patch_id=patch_id),
        names.get("handoff", "handoff_log.yaml"): HANDOFF.format(patch_id=patch_id),
        names.get("diff", f"{patch_id}.diff"): DIFF,
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in files]


def queued_bytes(repo: Path, patch_id: str = PATCH_ID) -> dict[str, bytes]:
    folder = repo / ".patches/queue" / patch_id
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_seeds_downloads_are_queued_and_removed(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    seeds_download(downloads)
    (downloads / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    assert f"{PATCH_ID}: queued" in result.out
    assert queued_bytes(repo) == {
        "changelog.yaml": CHANGELOG.format(patch_id=PATCH_ID).encode(),
        "handoff_log.yaml": HANDOFF.format(patch_id=PATCH_ID).encode(),
        "patch.diff": DIFF.encode(),
        "thought_trace.yaml": TRACE.format(patch_id=PATCH_ID).encode(),
    }
    assert sorted(p.name for p in downloads.iterdir()) == ["holiday.jpg"]  # only ours removed
    assert cli(repo, "validate").code == 0
    assert not [p for p in (repo / ".patches/queue").iterdir() if p.name.startswith(".intake-")]


def test_browser_suffixes_added_txt_and_identical_copies(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(
        downloads, trace="thought_trace (1).yaml", changelog="changelog.yaml.txt", diff=f"{PATCH_ID} (2).diff"
    )
    (downloads / "handoff_log (3).yaml").write_text(HANDOFF.format(patch_id=PATCH_ID))  # the same, twice
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    assert set(queued_bytes(repo)) == {
        "changelog.yaml",
        "handoff_log.yaml",
        "patch.diff",
        "thought_trace.yaml",
    }
    assert list(downloads.iterdir()) == []


def test_two_bundles_and_a_zip(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    other = "patch_20250420_090000"
    seeds_download(downloads)
    staging = tmp_path / "zipped"
    made = seeds_download(staging, other)
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        for path in made:
            archive.write(path, f"bundle/{path.name}")
    result = cli(repo, "intake", str(downloads), "--json")
    document = json.loads(result.out)
    assert result.code == 0, result.text
    assert {b["patch_id"]: b["status"] for b in document["bundles"]} == {PATCH_ID: "queued", other: "queued"}
    assert queued_bytes(repo, other)["patch.diff"] == DIFF.encode()
    assert list(downloads.iterdir()) == []


def test_markdown_logs_with_front_matter_become_yaml(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    (downloads / "thought_trace.yaml").unlink()
    (downloads / "changelog.yaml").unlink()
    (downloads / "thought_trace.md").write_text(
        "---\n" + TRACE.format(patch_id=PATCH_ID) + "---\n\n# Why\n\nThe parser split on commas only.\n"
    )
    (downloads / "changelog.md").write_text(
        "---\n" + CHANGELOG.format(patch_id=PATCH_ID) + "---\nMore detail.\n"
    )
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    queued = queued_bytes(repo)
    assert b"x-markdown: |\n  # Why\n" in queued["thought_trace.yaml"]
    assert b"body: |\n  More detail.\n" in queued["changelog.yaml"]
    assert cli(repo, "validate").code == 0


def test_ambiguous_candidates_are_refused_listing_them_and_nothing_moves(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    (downloads / "changelog (1).yaml").write_text(
        CHANGELOG.format(patch_id=PATCH_ID).replace("added", "fixed")
    )
    before = sorted(p.name for p in downloads.iterdir())
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1
    assert rules_of(result) == ["GP215"]
    assert "changelog (1).yaml" in result.out and "changelog.yaml" in result.out
    assert sorted(p.name for p in downloads.iterdir()) == before
    assert not (repo / QUEUED).exists()


def test_an_incomplete_set_is_refused_and_kept(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    (downloads / "handoff_log.yaml").unlink()
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1
    assert rules_of(result) == ["GP216"]
    assert "missing handoff_log.yaml" in result.out
    assert len(list(downloads.iterdir())) == 3


def test_an_invalid_bundle_is_queued_and_its_problems_shown(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    (downloads / "changelog.yaml").write_text(CHANGELOG.format(patch_id=PATCH_ID).replace("added", "fixd"))
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1
    assert "GP113" in rules_of(result)
    assert f"{QUEUED.as_posix()}/changelog.yaml" in result.out
    assert (repo / QUEUED / "changelog.yaml").is_file()  # queued, so it can be fixed or rejected


def test_a_different_bundle_already_queued_is_never_overwritten(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    assert cli(repo, "intake", str(downloads)).code == 0
    seeds_download(downloads)
    (downloads / f"{PATCH_ID}.diff").write_text(DIFF.replace("return", "yield"))
    result = cli(repo, "intake", str(downloads))  # another answer: another attempt, side by side
    assert result.code == 0, result.text
    assert f"{PATCH_ID}-2: queued as another attempt at {PATCH_ID}" in result.out
    assert queued_bytes(repo)["patch.diff"] == DIFF.encode()
    attempt = repo / ".patches/queue" / f"{PATCH_ID}-2"
    assert (attempt / "patch.diff").read_text() == DIFF.replace("return", "yield")
    assert list(downloads.iterdir()) == []
    seeds_download(downloads)  # the same answer again: taken as done
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0 and "already queued" in result.out
    assert list(downloads.iterdir()) == []


def test_dry_run_changes_nothing(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    result = cli(repo, "intake", str(downloads), "--dry-run")
    assert result.code == 0 and "would queue" in result.out
    assert len(list(downloads.iterdir())) == 4
    assert not (repo / ".patches").exists()


def test_the_configured_downloads_folder_and_wrong_uses(repo: Path, tmp_path: Path) -> None:
    result = cli(repo, "intake")
    assert result.code == 2 and "pods.downloads" in result.err
    result = cli(repo, "intake", str(tmp_path / "nope"))
    assert result.code == 2 and "no such folder" in result.err
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    git(repo, "config", "pods.downloads", str(downloads))
    assert cli(repo, "intake").code == 0
    assert (repo / QUEUED / "patch.diff").is_file()


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe not utf-8", b"---\nno closing fence\n", b"just text, no front matter\n"],
    ids=["not UTF-8", "unclosed front matter", "no front matter"],
)
def test_unreadable_markdown_logs_are_reported_and_kept(repo: Path, tmp_path: Path, content: bytes) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    (downloads / "changelog.yaml").unlink()
    (downloads / "changelog.md").write_bytes(content)
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1
    assert {"GP100", "GP101"} & set(rules_of(result)) and "GP216" in rules_of(result)
    assert (downloads / "changelog.md").read_bytes() == content
    assert "Traceback" not in result.text


def test_a_hostile_zip_writes_nothing_outside_the_queue(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    downloads.mkdir()
    staging = tmp_path / "zipped"
    made = seeds_download(staging)
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        for path in made:
            archive.write(path, f"../../{path.name}")  # zip-slip names
        archive.writestr("/etc/evil.diff", "x")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli(repo, "intake", str(downloads))
    assert "Traceback" not in result.text
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not Path("/etc/evil.diff").exists()
    assert (repo / QUEUED / "patch.diff").read_bytes() == DIFF.encode()  # contents taken, names ignored
    assert (downloads / "answer.zip").exists()  # a member belongs to no bundle: the zip stays


def _commit_parser(repo: Path) -> str:
    (repo / "src").mkdir()
    (repo / "src/parser.py").write_text("def parse(text):\n    return [text]\n")
    (repo / "run.sh").write_text("#!/bin/sh\necho old\n")
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return git(repo, "rev-parse", "HEAD").strip()


def test_whole_files_in_a_zip_become_a_diff_against_the_base(repo: Path, tmp_path: Path) -> None:
    base = _commit_parser(repo)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    trace = TRACE.format(patch_id=PATCH_ID) + f"base_commit: {base}\n"
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        archive.writestr("thought_trace.yaml", trace)
        archive.writestr("changelog.yaml", CHANGELOG.format(patch_id=PATCH_ID))
        archive.writestr("handoff_log.yaml", HANDOFF.format(patch_id=PATCH_ID))
        archive.writestr("files/src/parser.py", "def parse(text):\n    return text.split(',')\n")
        archive.writestr("files/docs/new.md", "# New\n")
        archive.writestr("files/run.sh", "#!/bin/sh\necho new\n")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    diff = (repo / QUEUED / "patch.diff").read_text()
    assert "+    return text.split(',')" in diff and "new file mode 100644" in diff
    assert "old mode" not in diff  # run.sh keeps its executable mode
    assert not (repo / QUEUED / "files").exists()
    git(repo, "apply", "--check", str(QUEUED / "patch.diff"))  # applies to the base
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # index and tree untouched


@pytest.mark.parametrize(
    ("member", "base", "why"),
    [("files/../escape.py", None, "GP219"), ("files/src/a.py", "deadbeef" * 5, "GP219")],
    ids=["a path out of the repository", "a base commit the clone lacks"],
)
def test_whole_files_that_cannot_become_a_diff_are_refused(
    repo: Path, tmp_path: Path, member: str, base: str | None, why: str
) -> None:
    _commit_parser(repo)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    trace = TRACE.format(patch_id=PATCH_ID) + (f"base_commit: {base}\n" if base else "")
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        archive.writestr("thought_trace.yaml", trace)
        archive.writestr("changelog.yaml", CHANGELOG.format(patch_id=PATCH_ID))
        archive.writestr("handoff_log.yaml", HANDOFF.format(patch_id=PATCH_ID))
        archive.writestr(member, "x = 1\n")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1, result.text
    assert why in rules_of(result)
    assert (downloads / "answer.zip").exists()
    assert not (repo / QUEUED).exists()


def test_a_scratch_folder_left_by_an_interrupted_intake_is_cleaned_and_ignored(
    repo: Path, tmp_path: Path
) -> None:
    stale = repo / ".patches/queue" / f".intake-{PATCH_ID}-99999"
    stale.mkdir(parents=True)
    (stale / "thought_trace.yaml").write_text("half written")
    assert cli(repo, "validate").code == 0  # an interrupted intake's scratch is not a bundle
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    assert cli(repo, "intake", str(downloads)).code == 0
    assert not stale.exists()
    assert (repo / QUEUED / "thought_trace.yaml").read_text() == TRACE.format(patch_id=PATCH_ID)


def test_the_record_itself_is_never_taken_in(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    assert cli(repo, "intake", str(downloads)).code == 0
    before = queued_bytes(repo)
    result = cli(repo, "intake", str(repo / QUEUED))
    assert result.code == 2 and "never the record" in result.err
    assert queued_bytes(repo) == before


def test_a_zip_is_kept_unless_every_member_was_taken(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    downloads.mkdir()
    made = seeds_download(tmp_path / "zipped")
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        for path in made:
            archive.write(path, path.name)
        archive.writestr("taxes.pdf", b"%PDF")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    assert (repo / QUEUED / "patch.diff").is_file()
    assert (downloads / "answer.zip").exists()


def test_unreadable_zips_are_reported_and_the_rest_goes_on(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    with zipfile.ZipFile(downloads / "broken.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("changelog.yaml", "x" * 5000)
    raw = bytearray((downloads / "broken.zip").read_bytes())
    raw[60:80] = b"\xff" * 20  # corrupt the compressed data
    (downloads / "broken.zip").write_bytes(bytes(raw))
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1 and "GP101" in rules_of(result) and "Traceback" not in result.text
    assert (repo / QUEUED / "patch.diff").is_file()
    assert (downloads / "broken.zip").exists()


def test_a_zips_own_diff_and_an_old_flat_diff_are_ambiguous(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    downloads.mkdir()
    (downloads / f"{PATCH_ID}.diff").write_text(DIFF.replace("return", "yield"))  # an older answer
    made = seeds_download(tmp_path / "zipped", diff="patch.diff")
    with zipfile.ZipFile(downloads / "answer.zip", "w") as archive:
        for path in made:
            archive.write(path, path.name)
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1 and rules_of(result) == ["GP215"]
    assert not (repo / QUEUED).exists()


def test_ids_with_digits_and_browser_copy_names(repo: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    seeds_download(downloads, "fix-12", changelog="changelog.yaml (1).txt", diff="fix-12.diff (2).txt")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 0, result.text
    assert (repo / ".patches/queue/fix-12/patch.diff").read_text() == DIFF


def test_whole_files_from_two_answers_or_over_a_folder_are_refused(repo: Path, tmp_path: Path) -> None:
    _commit_parser(repo)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    for name, content in (("v1.zip", "one\n"), ("v2.zip", "two\n")):
        with zipfile.ZipFile(downloads / name, "w") as archive:
            archive.writestr("thought_trace.yaml", TRACE.format(patch_id=PATCH_ID))
            archive.writestr("changelog.yaml", CHANGELOG.format(patch_id=PATCH_ID))
            archive.writestr("handoff_log.yaml", HANDOFF.format(patch_id=PATCH_ID))
            archive.writestr("files/a.txt", content)
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1 and "GP215" in rules_of(result)
    assert len(list(downloads.iterdir())) == 2
    (downloads / "v2.zip").unlink()
    with zipfile.ZipFile(downloads / "v1.zip", "a") as archive:
        archive.writestr("files/src", "not a folder\n")
    result = cli(repo, "intake", str(downloads))
    assert result.code == 1 and "GP219" in rules_of(result) and "folder src/" in result.out
    assert git(repo, "status", "--porcelain") == ""


def test_a_live_runs_scratch_and_other_ids_scratch_are_left_alone(repo: Path, tmp_path: Path) -> None:
    import os

    queue = repo / ".patches/queue"
    live = queue / f".intake-{PATCH_ID}-{os.getpid()}"
    other = queue / f".intake-{PATCH_ID}-b-99999"
    for folder in (live, other):
        folder.mkdir(parents=True)
        (folder / "x").write_text("in progress")
    downloads = tmp_path / "dl"
    seeds_download(downloads)
    assert cli(repo, "intake", str(downloads)).code == 0
    assert live.exists() and other.exists()
