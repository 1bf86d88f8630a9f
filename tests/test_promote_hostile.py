"""`git pod-promote` against hostile bundles: each is refused with its rule, kept (rejected or queued),
writes nothing outside the repository and reaches no commit, while a valid bundle next to it is promoted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from helpers import git
from promoting import bundle, code_tree, diff_of_change, events, pods_template, promote

BRANCH = "pods/F2.1"
BAD = "patch_bad"
GOOD = "patch_good"
MARK = "hostile-7f3a9c"  # every hostile change carries it, so no commit may hold it
# built at run time, so this file itself holds no secret-looking literal
AWS_KEY = "AKIA" + "Q7XK2M4N6P8R1T3V"
PRIVATE_KEY = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"
GITHUB_TOKEN = "ghp_" + "k3J9dQ2mX7vB4nL8pR1tY6wZ0aC5eF9gH2jK"


# --- making hostile bundles ----------------------------------------------------------------------------


def _new(path: str, *lines: str) -> str:
    """A git-style diff that creates path (written by hand: git would never diff such a change)."""
    body = lines or ("pwned", MARK)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{line}\n" for line in body)
    )


def _real(root: Path, change: Callable[[Path], None]) -> bytes:
    raw, _tree = diff_of_change(root, change)
    return raw


def _writes(path: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)

    return change


def _custom(root: Path, diff: str | bytes, pid: str = BAD, **files: bytes | str) -> Path:
    """A bundle whose logs are replaced as given (no handoff digests, so only the intended rule fires)."""
    folder = bundle(root, pid, diff, digests=False)
    for name, data in files.items():
        path = folder / f"{name}.yaml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return folder


def _trace(pid: str = BAD, extra: str = "") -> str:
    return f"patch_id: {pid}\npod: dev-pod\ntask_id: F2.1\nsummary: A change\nsteps:\n  - Made it\n{extra}"


def _changelog(pid: str = BAD, entries: str = "\n  - type: changed\n    description: A change\n") -> str:
    return f"patch_id: {pid}\npod: dev-pod\ntask_id: F2.1\nentries:{entries}"


BENIGN = _new("src/bad.py", f"X = '{MARK}'")

RESTRICTED_QA = 'next: [delivery-pod, dev-pod]\n    paths: ["tests/**"]'
OPEN_QA = 'next: [delivery-pod, dev-pod]\n    paths: ["**"]'


def _set_qa_paths(root: Path, old: str, new: str) -> None:
    config = root / ".pods/config.yaml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))


def _restrict_qa(root: Path) -> None:
    """The base commit lets qa-pod touch tests/** only (a human's change to the policy)."""
    _set_qa_paths(root, OPEN_QA, RESTRICTED_QA)
    git(root, "commit", "-q", "-am", "qa-pod may only touch tests")


@dataclass
class Hostile:
    code: int
    rule: str
    queue: Callable[[Path, Path], list[str]]  # (repo, outside) -> the paths the hostile change names
    prepare: Callable[[Path], None] | None = None  # commits on main before anything is queued
    count: int | None = None  # exactly this many violations of the rule (else at least one)
    patch_id: str = BAD
    check: Callable[[Path], None] | None = None  # what else must hold afterwards


def _queued(diff: str | bytes, paths: list[str], **options: str) -> Callable[[Path, Path], list[str]]:
    def make(root: Path, outside: Path) -> list[str]:
        bundle(root, BAD, diff, **options)
        return paths

    return make


def _abs_gnu(root: Path, outside: Path) -> list[str]:
    target = f"{outside}/abs.txt"
    bundle(root, BAD, f"--- /dev/null\n+++ {target}\n@@ -0,0 +1,2 @@\n+pwned\n+{MARK}\n")
    return [target, target.lstrip("/"), target.split("/", 2)[2]]


OCTAL_DOTDOT = (
    'diff --git "a/\\056\\056/outside/y" "b/\\056\\056/outside/y"\nnew file mode 100644\n'
    f'--- /dev/null\n+++ "b/\\056\\056/outside/y"\n@@ -0,0 +1 @@\n+{MARK}\n'
)
RENAME_OUT = (
    "diff --git a/README.md b/../outside/README.md\nsimilarity index 100%\n"
    "rename from README.md\nrename to ../outside/README.md\n"
)
PLUS_DIFFERS = (
    "diff --git a/src/parser.py b/src/parser.py\n--- a/src/parser.py\n+++ b/src/evil.py\n"
    f"@@ -1,2 +1,2 @@\n def parse(text):\n-    return [text]\n+    return ['{MARK}']\n"
)
LOGS_LINK = (  # .logs itself (not a file under it) becomes a link inside the repository
    "diff --git a/.logs b/.logs\nnew file mode 120000\n--- /dev/null\n+++ b/.logs\n"
    "@@ -0,0 +1 @@\n+src\n\\ No newline at end of file\n"
)
BINARY_NO_DATA = (
    "diff --git a/assets/blob.bin b/assets/blob.bin\nnew file mode 100644\n"
    "index 0000000..8e1a6b3\nBinary files /dev/null and b/assets/blob.bin differ\n"
)


def _pods_config(root: Path, outside: Path) -> list[str]:
    config = (root / ".pods/config.yaml").read_text()
    bundle(root, BAD, _real(root, _writes(".pods/config.yaml", f"{config}# {MARK}\n")))
    return []


def _qa_outside_paths(root: Path, outside: Path) -> list[str]:
    raw = _real(root, _writes("src/parser.py", f"def parse(text):\n    return ['{MARK}']\n"))
    bundle(root, BAD, raw, pod="qa-pod")
    return []


def _loosened_in_work_tree(root: Path, outside: Path) -> list[str]:
    found = _qa_outside_paths(root, outside)
    _set_qa_paths(root, RESTRICTED_QA, OPEN_QA)  # uncommitted: must not count
    return found


def _tip_restricts_head_allows(root: Path) -> None:
    """pods/F2.1 exists with the strict policy; main (HEAD) has since loosened it again."""
    _restrict_qa(root)
    git(root, "branch", BRANCH)
    _set_qa_paths(root, RESTRICTED_QA, OPEN_QA)
    git(root, "commit", "-q", "-am", "qa-pod may touch everything again")


def _link(path: str, target: str) -> Callable[[Path, Path], list[str]]:
    def make(root: Path, outside: Path) -> list[str]:
        bundle(root, BAD, _real(root, lambda r: (r / path).symlink_to(target)))
        return [path]

    return make


def _commit_link_to_src(root: Path) -> None:
    (root / "link").symlink_to("src")
    git(root, "add", "link")
    git(root, "commit", "-q", "-m", "link to src")


def _link_and_write_through(root: Path, outside: Path) -> list[str]:
    diff = (
        "diff --git a/alias b/alias\nnew file mode 120000\n--- /dev/null\n+++ b/alias\n"
        "@@ -0,0 +1 @@\n+src\n\\ No newline at end of file\n" + _new("alias/evil.py")
    )
    bundle(root, BAD, diff)
    return ["alias", "alias/evil.py", "src/evil.py"]


def _gitlink(root: Path, outside: Path) -> list[str]:
    sha = git(root, "rev-parse", "HEAD").strip()
    diff = (
        f"diff --git a/vendor/lib b/vendor/lib\nnew file mode 160000\nindex 0000000..{sha}\n"
        f"--- /dev/null\n+++ b/vendor/lib\n@@ -0,0 +1 @@\n+Subproject commit {sha}\n"
    )
    bundle(root, BAD, diff)
    return ["vendor/lib"]


def _gitmodules(root: Path, outside: Path) -> list[str]:
    text = f'[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/{MARK}.git\n'
    bundle(root, BAD, _real(root, _writes(".gitmodules", text)))
    return [".gitmodules"]


def _crlf_mangled(root: Path, outside: Path) -> list[str]:
    raw = _real(root, _writes("src/parser.py", f"def parse(text):\n    return ['{MARK}']\n"))
    assert b"\r" not in raw
    bundle(root, BAD, raw.replace(b"\n", b"\r\n"))
    return []


def _dotenv(root: Path, outside: Path) -> list[str]:
    bundle(root, BAD, _real(root, _writes(".env", f"DEBUG=1\nNAME={MARK}\n")))
    return [".env"]


def _secret_in_trace(root: Path, outside: Path) -> list[str]:
    _custom(root, BENIGN, thought_trace=_trace(extra=f"  - Used the token {GITHUB_TOKEN} to test\n"))
    return ["src/bad.py"]


def _digest_mismatch(root: Path, outside: Path) -> list[str]:
    folder = bundle(root, BAD, BENIGN)
    with (folder / "thought_trace.yaml").open("a") as trace:
        trace.write("  - A step added after the handoff was written\n")
    return ["src/bad.py"]


def _ids_disagree(root: Path, outside: Path) -> list[str]:
    _custom(root, BENIGN, changelog=_changelog("patch_other"))
    return ["src/bad.py"]


def _python_tag(name: str) -> Callable[[Path, Path], list[str]]:
    tag = '!!python/object/apply:os.system ["touch PWNED"]'

    def make(root: Path, outside: Path) -> list[str]:
        if name == "thought_trace":
            _custom(root, BENIGN, thought_trace=_trace(extra=f"x-run: {tag}\n"))
        else:
            _custom(root, BENIGN, changelog=_changelog(entries=f" {tag}\n"))
        return ["src/bad.py"]

    return make


ALIAS_BOMB = "".join(
    [
        f"patch_id: {BAD}\npod: dev-pod\ntask_id: F2.1\nsummary: boom\n",
        "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
        *(f"x-{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(8)),
        "steps: *i\n",
    ]
)


def _alias_bomb(root: Path, outside: Path) -> list[str]:
    _custom(root, BENIGN, thought_trace=ALIAS_BOMB)
    return ["src/bad.py"]


def _huge_log(root: Path, outside: Path) -> list[str]:
    entries = "\n  - type: changed\n    description: " + "x" * (2 * 1024 * 1024) + "\n"
    _custom(root, BENIGN, changelog=_changelog(entries=entries))
    return ["src/bad.py"]


def _not_utf8(root: Path, outside: Path) -> list[str]:
    entries = "\n  - type: changed\n    description: caf\xe9\n".encode("latin-1")
    _custom(root, BENIGN, changelog=_changelog(entries="").encode() + entries)
    return ["src/bad.py"]


def _broken_yaml(root: Path, outside: Path) -> list[str]:
    _custom(root, BENIGN, changelog=_changelog(entries=" [unclosed\n"))
    return ["src/bad.py"]


DUP_FIRST = _new("src/dup.py", "FIRST = 1")


def _promote_dup_first(root: Path) -> None:
    bundle(root, "patch_dup", DUP_FIRST)
    done = promote(root, "patch_dup")
    assert done.code == 0, done.text


def _dup_again(root: Path, outside: Path) -> list[str]:
    bundle(root, "patch_dup", _new("src/dup2.py"), summary="Another change under the same id")
    return ["src/dup2.py"]


def _dup_in_other_case(root: Path, outside: Path) -> list[str]:
    """Ids are unique ignoring case (macOS and Windows fold them): PATCH_DUP is patch_dup."""
    bundle(root, "PATCH_DUP", _new("src/dup2.py"), summary="Another change under the same id")
    return ["src/dup2.py", ".patches/PATCH_DUP.diff", ".logs/PATCH_DUP/thought_trace.yaml"]


def _first_dup_unchanged(root: Path) -> None:
    archived = git(root, "show", f"{BRANCH}:.patches/patch_dup.diff")
    assert archived == DUP_FIRST
    assert git(root, "show", f"{BRANCH}:src/dup.py") == "FIRST = 1\n"
    subjects = git(root, "log", "--format=%(trailers:key=Patch-Id,valueonly)", BRANCH, "--", ".patches")
    assert [s for s in subjects.split() if s] == [GOOD, "patch_dup"]


def _allowed_secret(root: Path, outside: Path) -> list[str]:
    """A marked fake next to a real key: the marker lets one line through, not the other."""
    bundle(
        root, BAD, _new("tests/fixture.py", f"FAKE = '{AWS_KEY}'  # pods:allow-secret", f"REAL = '{AWS_KEY}'")
    )
    return ["tests/fixture.py"]


def _linked_files(root: Path, outside: Path) -> list[str]:
    """Bundle files that are links: to a file outside and to /etc/passwd (never read, never moved through)."""
    folder = bundle(root, BAD, BENIGN)
    (folder / "patch.diff").unlink()
    (folder / "patch.diff").symlink_to(outside / "keep.txt")
    (folder / "handoff_log.yaml").unlink()
    (folder / "handoff_log.yaml").symlink_to("/etc/passwd")
    return ["src/bad.py"]


def _reason_is_a_link(root: Path, outside: Path) -> list[str]:
    """The bundle brings its own reason.yaml, a link to a file outside: promote's reason replaces the
    link and the file it pointed to is untouched."""
    folder = bundle(root, BAD, "")
    (folder / "reason.yaml").symlink_to(outside / "keep.txt")
    return []


def _reject_first(root: Path) -> None:
    bundle(root, BAD, "")
    done = promote(root, BAD)
    assert done.code == 1, done.text


def _earlier_rejection_kept(root: Path) -> None:
    earlier = root / ".patches/rejected" / f"{BAD}.1"
    assert (earlier / "patch.diff").read_bytes() == b""
    assert yaml.safe_load((earlier / "reason.yaml").read_bytes())["rule"] == "GP300"
    assert sorted(p.name for p in (root / ".patches/rejected").iterdir()) == [BAD, f"{BAD}.1"]


CASES = [
    pytest.param(Hostile(1, "GP301", _abs_gnu), id="absolute-gnu-header"),
    pytest.param(
        Hostile(1, "GP301", _queued(_new("../outside/x"), ["outside/x", "../outside/x"])), id="dotdot"
    ),
    pytest.param(
        Hostile(
            1,
            "GP301",
            _queued(_new(".git/hooks/pre-commit", "#!/bin/sh", "touch PWNED"), [".git/hooks/pre-commit"]),
        ),
        id="dot-git-hook",
    ),
    pytest.param(Hostile(1, "GP301", _queued(_new(".GIT/config"), [".GIT/config"])), id="dot-git-upper"),
    pytest.param(Hostile(1, "GP301", _queued(_new(".git./config"), [".git./config"])), id="dot-git-dot"),
    pytest.param(Hostile(1, "GP301", _queued(_new("git~1/config"), ["git~1/config"])), id="git-tilde-1"),
    pytest.param(
        Hostile(1, "GP301", _queued(OCTAL_DOTDOT, ["../outside/y", "outside/y"])), id="octal-dotdot"
    ),
    pytest.param(Hostile(1, "GP301", _queued(RENAME_OUT, ["../outside/README.md"])), id="rename-out"),
    pytest.param(
        Hostile(1, "GP302", _queued(_new(".patches/forged.diff"), [".patches/forged.diff"])),
        id="forge-patches",
    ),
    pytest.param(
        Hostile(1, "GP302", _queued(_new(".logs/x/thought_trace.yaml"), [".logs/x/thought_trace.yaml"])),
        id="forge-logs",
    ),
    pytest.param(Hostile(1, "GP302", _queued(LOGS_LINK, [".logs"])), id="logs-folder-as-symlink"),
    pytest.param(Hostile(1, "GP303", _pods_config), id="pods-config"),
    pytest.param(
        Hostile(
            1,
            "GP303",
            _queued(_new(".pre-commit-config.yaml", "repos: []", f"# {MARK}"), [".pre-commit-config.yaml"]),
        ),
        id="pre-commit-config",
    ),
    pytest.param(Hostile(1, "GP303", _qa_outside_paths, prepare=_restrict_qa), id="pod-outside-its-paths"),
    pytest.param(
        Hostile(1, "GP303", _loosened_in_work_tree, prepare=_restrict_qa), id="policy-loosened-in-work-tree"
    ),
    pytest.param(
        Hostile(1, "GP303", _qa_outside_paths, prepare=_tip_restricts_head_allows),
        id="policy-from-target-tip",
    ),
    pytest.param(Hostile(1, "GP304", _link("src/passwd", "/etc/passwd")), id="symlink-etc-passwd"),
    pytest.param(Hostile(1, "GP304", _link("src/out", "../../outside")), id="symlink-outside"),
    pytest.param(Hostile(1, "GP304", _link("src/hooks", "../.git/hooks")), id="symlink-into-git"),
    pytest.param(
        Hostile(
            1, "GP304", _queued(_new("link/x.py"), ["link/x.py", "src/x.py"]), prepare=_commit_link_to_src
        ),
        id="write-through-committed-symlink",
    ),
    pytest.param(Hostile(1, "GP304", _link_and_write_through), id="write-through-new-symlink"),
    pytest.param(Hostile(1, "GP305", _gitlink), id="gitlink"),
    pytest.param(Hostile(1, "GP305", _gitmodules), id="gitmodules"),
    pytest.param(Hostile(1, "GP306", _queued(PLUS_DIFFERS, ["src/evil.py"])), id="plus-name-differs"),
    pytest.param(Hostile(1, "GP307", _queued(BINARY_NO_DATA, ["assets/blob.bin"])), id="binary-without-data"),
    pytest.param(Hostile(1, "GP308", _crlf_mangled), id="crlf-mangled-diff"),
    pytest.param(
        Hostile(
            1,
            "GP309",
            _queued(_new("src/keys.py", f"AWS = '{AWS_KEY}'", PRIVATE_KEY, MARK), ["src/keys.py"]),
            count=2,
        ),
        id="secrets-in-diff",
    ),
    pytest.param(Hostile(1, "GP309", _allowed_secret, count=1), id="allow-marker-covers-its-line-only"),
    pytest.param(Hostile(1, "GP309", _secret_in_trace), id="secret-in-trace"),
    pytest.param(Hostile(1, "GP309", _dotenv), id="dotenv"),
    pytest.param(Hostile(1, "GP207", _digest_mismatch), id="digest-mismatch"),
    pytest.param(Hostile(1, "GP201", _ids_disagree), id="patch-ids-disagree"),
    pytest.param(Hostile(1, "GP205", _queued(BENIGN, ["src/bad.py"], pod="ghost-pod")), id="unknown-pod"),
    pytest.param(
        Hostile(1, "GP206", _queued(BENIGN, ["src/bad.py"], to="delivery-pod")), id="handoff-not-allowed"
    ),
    pytest.param(Hostile(1, "GP105", _python_tag("changelog")), id="python-tag-changelog"),
    pytest.param(Hostile(1, "GP105", _python_tag("thought_trace")), id="python-tag-trace"),
    pytest.param(Hostile(1, "GP104", _alias_bomb), id="alias-bomb"),
    pytest.param(Hostile(1, "GP102", _huge_log), id="2mb-log"),
    pytest.param(Hostile(1, "GP100", _not_utf8), id="log-not-utf8"),
    pytest.param(Hostile(1, "GP101", _broken_yaml), id="log-bad-yaml"),
    pytest.param(
        Hostile(
            1,
            "GP401",
            _dup_again,
            prepare=_promote_dup_first,
            patch_id="patch_dup",
            check=_first_dup_unchanged,
        ),
        id="id-already-promoted-other-content",
    ),
    pytest.param(
        Hostile(
            1,
            "GP401",
            _dup_in_other_case,
            prepare=_promote_dup_first,
            patch_id="PATCH_DUP",
            check=_first_dup_unchanged,
        ),
        id="id-already-promoted-in-other-case",
    ),
    pytest.param(Hostile(1, "GP300", _queued("", [])), id="empty-diff"),
    pytest.param(Hostile(1, "GP118", _linked_files), id="bundle-files-are-links"),
    pytest.param(Hostile(1, "GP300", _reason_is_a_link), id="own-reason-yaml-is-a-link"),
    pytest.param(
        Hostile(
            1,
            "GP300",
            _queued(f"Not a diff either {MARK}\n", []),
            prepare=_reject_first,
            check=_earlier_rejection_kept,
        ),
        id="same-id-rejected-twice",
    ),
    pytest.param(
        Hostile(1, "GP300", _queued(f"I changed the parser to be faster. {MARK}\n", [])), id="not-a-diff"
    ),
]


# --- what must hold for every one of them --------------------------------------------------------------


def _snapshot(top: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes | str]:
    """Every file (bytes) and link (its target) under top, by relative path."""
    out: dict[str, bytes | str] = {}
    if not top.exists():
        return out
    for here, folders, files in os.walk(top):
        rel = Path(here).relative_to(top).as_posix()
        folders[:] = [f for f in folders if f"{rel}/{f}".removeprefix("./") not in skip]
        for name in files + [f for f in folders if (Path(here) / f).is_symlink()]:
            path = Path(here) / name
            key = path.relative_to(top).as_posix()
            out[key] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return out


def _git_files(root: Path) -> dict[str, bytes | str]:
    """What a write into .git would change: its config, hooks and info files."""
    found = {f"hooks/{k}": v for k, v in _snapshot(root / ".git/hooks").items()}
    found.update({f"info/{k}": v for k, v in _snapshot(root / ".git/info").items()})
    found["config"] = (root / ".git/config").read_bytes()
    return found


def _refs(root: Path) -> dict[str, str]:
    listing = git(root, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ", 1) for line in listing.splitlines())


def _rev(root: Path, rev: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", rev], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or None


def _paths_in_history(root: Path) -> set[str]:
    found: set[str] = set()
    for commit in git(root, "rev-list", "--all").split():
        raw = subprocess.run(
            ["git", "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
        found.update(name.decode("utf-8", "surrogateescape") for name in raw.split(b"\0") if name)
    return found


def _grep_history(root: Path, text: str) -> list[str]:
    """Every file of every commit that holds text (git grep exits 1 when none does)."""
    commits = git(root, "rev-list", "--all").split()
    done = subprocess.run(
        ["git", "grep", "-a", "-l", "-F", text, *commits],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout.splitlines()


def _good_change(root: Path) -> None:
    (root / "src/good.py").write_text("def good():\n    return True\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One adopted repository per module (and worker); each case runs in its own copy."""
    return pods_template(tmp_path_factory)


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_bundle_is_refused_kept_and_harmless(template: Path, tmp_path: Path, case: Hostile) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine\n")
    if case.prepare is not None:
        case.prepare(root)
    good_raw, good_tree = diff_of_change(root, _good_change)
    bundle(root, GOOD, good_raw)
    hostile_paths = case.queue(root, outside)
    folder = root / ".patches/queue" / case.patch_id
    original = _snapshot(folder)
    assert set(original) >= {"patch.diff", "thought_trace.yaml", "changelog.yaml", "handoff_log.yaml"}

    head = git(root, "rev-parse", "HEAD").strip()
    tip_before = _rev(root, f"refs/heads/{BRANCH}")
    refs_before = _refs(root)
    outside_before = _snapshot(outside)
    assert outside_before == {"keep.txt": b"mine\n"}
    kept_aside = (".git", ".patches/queue", ".patches/rejected")
    work_tree_before = _snapshot(root, skip=kept_aside)
    git_dir_before = _git_files(root)

    result = promote(root, "--all")

    # refused with its rule and exit code; the valid bundle went on
    assert 1 <= result.code <= 4, result.text
    assert result.code == case.code, result.text
    reported = [line for line in result.out.splitlines() if f": {case.rule} " in line]
    assert len(reported) == case.count if case.count is not None else reported, result.text
    assert f"promoted {GOOD} -> {BRANCH} " in result.out, result.text
    assert "Traceback" not in result.text

    # only the task branch moved (and the notes), by exactly the valid bundle's commit
    after = _refs(root)
    moved = {ref for ref in set(after) | set(refs_before) if after.get(ref) != refs_before.get(ref)}
    assert moved <= {f"refs/heads/{BRANCH}", "refs/notes/pods"}, moved
    new_commits = git(root, "rev-list", f"{tip_before or head}..{BRANCH}").split()
    assert len(new_commits) == 1
    tip = new_commits[0]
    assert git(root, "rev-parse", f"{tip}^").strip() == (tip_before or head)
    assert git(root, "log", "-1", "--format=%(trailers:key=Patch-Id,valueonly)", tip).strip() == GOOD
    changed = git(root, "diff-tree", "-r", "--no-commit-id", "--name-only", f"{tip}^", tip).split()
    assert sorted(changed) == sorted(
        [
            "src/good.py",
            f".patches/{GOOD}.diff",
            f".logs/{GOOD}/changelog.yaml",
            f".logs/{GOOD}/handoff_log.yaml",
            f".logs/{GOOD}/thought_trace.yaml",
        ]
    )
    if tip_before is None:
        assert code_tree(root, tip) == code_tree(root, good_tree)

    # the hostile bundle is kept, byte for byte
    rejected = root / ".patches/rejected" / case.patch_id
    if case.code == 1:
        assert f"rejected {case.patch_id} -> .patches/rejected/{case.patch_id}/ (reason.yaml)" in result.out
        assert not folder.exists()
        kept = _snapshot(rejected)
        reason_raw = kept.pop("reason.yaml")
        assert kept == {k: v for k, v in original.items() if k != "reason.yaml"}
        assert isinstance(reason_raw, bytes)
        reason = yaml.safe_load(reason_raw)
        assert reason["rule"] == case.rule, reason
        assert reason["patch_id"] == case.patch_id
        assert reason["message"] and case.rule in [p["rule"] for p in reason["problems"]]
        # problems name the files where they are now, not the queue folder the bundle left
        assert f".patches/queue/{case.patch_id}" not in result.out, result.out
        stale = [p["file"] for p in reason["problems"] if p.get("file", "").startswith(".patches/queue/")]
        assert stale == [], stale
        noted = [json.loads(line) for line in events(root, tip_before or head)]
        assert any(
            e["event"] == "rejected" and e["patch"] == case.patch_id and e["rule"] == case.rule for e in noted
        ), noted
    else:
        assert f"{case.patch_id}: left in the queue" in result.out
        assert _snapshot(folder) == original
        assert not rejected.exists()

    # nothing written outside the repository, nor into the work tree or .git
    assert _snapshot(outside) == outside_before
    assert {p.name for p in tmp_path.iterdir()} <= {"home", "outside", "repo"}
    assert _snapshot(root, skip=kept_aside) == work_tree_before
    assert _git_files(root) == git_dir_before
    assert not list(tmp_path.rglob("PWNED")) and not (Path.cwd() / "PWNED").exists()

    # and no commit anywhere holds what the hostile diff wrote
    history = _paths_in_history(root)
    assert "src/good.py" in history and f".patches/{GOOD}.diff" in history  # the search does find things
    assert not [p for p in hostile_paths if p in history], hostile_paths
    assert _grep_history(root, "def good():") != []
    assert _grep_history(root, MARK) == []
    if case.check is not None:
        case.check(root)


def test_hostile_bundles_together_on_the_checked_out_task_branch(template: Path, tmp_path: Path) -> None:
    """Several hostile bundles in one run while pods/F2.1 is checked out: the working tree is brought
    up with the valid change only, and nothing lands outside or in .git."""
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine\n")
    git(root, "checkout", "-q", "-b", BRANCH)
    _commit_link_to_src(root)
    good_raw, _tree = diff_of_change(root, _good_change)
    bundle(root, GOOD, good_raw)
    bundle(root, "patch_a1", _real(root, lambda r: (r / "src/out").symlink_to("../../outside")))
    bundle(root, "patch_a2", _new(".git/hooks/post-checkout", "#!/bin/sh", "touch PWNED"))
    bundle(root, "patch_a3", _new("../outside/new.txt"))
    bundle(root, "patch_a4", _new("link/x.py"))
    _custom(
        root,
        BENIGN,
        "patch_a5",
        changelog=_changelog("patch_a5", ' !!python/object/apply:os.system ["touch PWNED"]\n'),
    )
    hooks = _git_files(root)
    before = git(root, "rev-parse", "HEAD").strip()

    result = promote(root, "--all", "--json")

    assert result.code == 1, result.text
    report = json.loads(result.out)
    assert report["ok"] is False and report["exit_code"] == 1
    status = {
        b["patch_id"]: (b["status"], b["exit_code"], [v["rule"] for v in b["violations"]][:1])
        for b in report["bundles"]
    }
    assert status == {
        "patch_a1": ("rejected", 1, ["GP304"]),
        "patch_a2": ("rejected", 1, ["GP301"]),
        "patch_a3": ("rejected", 1, ["GP301"]),
        "patch_a4": ("rejected", 1, ["GP304"]),
        "patch_a5": ("rejected", 1, ["GP105"]),
        GOOD: ("promoted", 0, []),
    }
    assert [b["patch_id"] for b in report["bundles"]] == [
        "patch_a1",
        "patch_a2",
        "patch_a3",
        "patch_a4",
        "patch_a5",
        GOOD,
    ]
    moved = {b["patch_id"]: b.get("moved_to") for b in report["bundles"] if b["status"] == "rejected"}
    rejected = ("patch_a1", "patch_a2", "patch_a3", "patch_a4", "patch_a5")
    assert moved == {p: f".patches/rejected/{p}/" for p in rejected}
    # the checked-out branch moved by one commit and the working tree followed, with the valid change only
    assert git(root, "rev-parse", "HEAD^").strip() == before
    assert git(root, "symbolic-ref", "HEAD").strip() == f"refs/heads/{BRANCH}"
    assert (root / "src/good.py").read_text() == "def good():\n    return True\n"
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""
    assert not (root / "src/out").exists() and not (root / "src/out").is_symlink()
    assert not (root / "src/x.py").exists() and _git_files(root) == hooks
    assert _snapshot(outside) == {"keep.txt": b"mine\n"}
    assert not list(tmp_path.rglob("PWNED"))
    assert sorted(p.name for p in (root / ".patches/queue").iterdir()) == [".gitkeep"]
    assert _grep_history(root, MARK) == []


def test_dry_run_with_a_hostile_bundle_moves_nothing(template: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    good_raw, _tree = diff_of_change(root, _good_change)
    bundle(root, GOOD, good_raw)
    bundle(root, BAD, _new(".patches/forged.diff"))
    queue = _snapshot(root / ".patches/queue")
    before = (git(root, "for-each-ref"), git(root, "count-objects", "-v"))

    result = promote(root, "--all", "--dry-run")

    assert result.code == 1, result.text
    lines = result.out.splitlines()
    assert lines[0] == f"would reject {BAD}"
    assert " GP302 " in lines[1]
    assert any(line.startswith(f"would promote {GOOD} -> {BRANCH}") for line in lines)
    assert lines[-1] == "2 bundles: 1 would reject, 1 would promote; dry run: nothing was changed"
    assert (git(root, "for-each-ref"), git(root, "count-objects", "-v")) == before
    assert _snapshot(root / ".patches/queue") == queue
    assert not (root / ".patches/rejected").exists()
