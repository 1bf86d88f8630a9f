"""The CI definitions `git pod-init --ci` writes: GitHub Actions workflows or GitLab CI jobs that
run the pre-commit hooks and `git pod-verify` over what each push or pull/merge request brings,
and promote bundles pushed to the default branch's queue (`git pod-promote --all --push`).

Each written file opens with a digest of its own body. While the digest matches, the file is as
git-pods wrote it, and a later release may replace it; once someone edits it, it is theirs and is
left alone (as is any file git-pods did not write). CODEOWNERS is written the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from git_pods import __version__
from git_pods.bundle import sha256_file
from git_pods.fsio import write_atomic
from git_pods.install.scaffold import inside
from git_pods.install.steps import Step
from git_pods.record import record

DIGEST_PREFIX = "# git-pods-digest: "
GITLAB_CI = ".gitlab-ci.yml"
DOCS = "https://github.com/git-pods/git-pods/blob/main/docs/ci.md"


@record
class CiFile:
    """One CI definition file: where it goes, which packaged template, what to call it."""

    path: str
    template: str
    title: str
    about: str


@record
class Forge:
    """One forge's CI definitions; the first file runs git pod-verify."""

    name: str
    files: tuple[CiFile, ...]

    @property
    def path(self) -> str:
        return self.files[0].path


FORGES = {
    "github": Forge(
        "github",
        (
            CiFile(
                ".github/workflows/git-pods.yml",
                "github.yml",
                "GitHub Actions workflow",
                "GitHub Actions workflow: git pod-verify on pushes and reviews",
            ),
            CiFile(
                ".github/workflows/git-pods-promote.yml",
                "github-promote.yml",
                "GitHub Actions promote workflow",
                "GitHub Actions workflow: bundles pushed to the default branch's queue become pull requests",
            ),
        ),
    ),
    "gitlab": Forge(
        "gitlab",
        (
            CiFile(
                ".gitlab/git-pods.yml",
                "gitlab.yml",
                "GitLab CI jobs",
                "GitLab CI jobs: git pod-verify on pushes and reviews; queued bundles become merge requests",
            ),
        ),
    ),
}


def render(forge: Forge, item: CiFile | None = None) -> str:
    """The file as this release writes it (the forge's first file unless item names another)."""
    item = item or forge.files[0]
    folder = Path(__file__).resolve().parent.parent / "data" / "ci"
    body = (folder / item.template).read_text(encoding="utf-8").replace("@VERSION@", __version__)
    header = (
        f"# The git-pods {item.title}, written by `git pod-init --ci {forge.name}`"
        f" (git-pods {__version__}).\n"
        f"# Explained in {DOCS}\n"
    )
    return with_digest(header, body)


def with_digest(header: str, body: str) -> str:
    """header, the lines saying how git pod-init treats the file, its digest line, then body."""
    return (
        header
        + "# git pod-init replaces this file while the digest below matches it; once edited, the file is\n"
        "# yours and git pod-init leaves it alone.\n" + DIGEST_PREFIX + _digest(body) + "\n" + body
    )


def _digest(body: str) -> str:
    return sha256_file(body.replace("\r\n", "\n").encode("utf-8"))  # a CRLF checkout is no edit


def state(text: str, wanted: str) -> str:
    """current (as this release writes it), ours (as an earlier release wrote it, unedited),
    edited (written by git-pods, changed since) or foreign."""
    if text.replace("\r\n", "\n") == wanted:
        return "current"
    match = re.search(rf"(?m)^{re.escape(DIGEST_PREFIX)}(\S+)[ \t]*\r?\n", text)
    if match is None:
        return "foreign"
    return "ours" if _digest(text[match.end() :]) == match.group(1) else "edited"


def write(root: Path, name: str) -> tuple[list[Step], dict[str, str]]:
    """Write the forge's CI definitions when missing or unedited older ones; returns the steps and
    {path: digest} of the files written (for --uninstall)."""
    forge = FORGES[name]
    steps: list[Step] = []
    written: dict[str, str] = {}
    for item in forge.files:
        wanted = render(forge, item)
        step = write_managed(root, item.path, wanted, item.about)
        steps.append(step)
        if step.changed:
            written[item.path] = sha256_file(wanted.encode("utf-8"))
    if name == "gitlab":
        include_step, include_written = _gitlab_include(root, forge.path)
        steps.append(include_step)
        written.update(include_written)
    return steps, written


def write_managed(root: Path, relative: str, wanted: str, about: str) -> Step:
    """Create the file, or replace one git-pods wrote and nobody edited; leave any other alone."""
    path = inside(root, relative)
    if path is None:
        return Step("file", relative, "problem", "outside the repository or through a link; not written")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return Step("file", relative, "kept", "not a regular file; left alone")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, wanted.encode("utf-8"), 0o644)
        return Step("file", relative, "created", about)
    found = state(path.read_bytes().decode("utf-8", "replace"), wanted)
    if found == "current":
        return Step("file", relative, "unchanged", about)
    if found == "ours":
        write_atomic(path, wanted.encode("utf-8"))
        return Step("file", relative, "updated", f"{about}; as git-pods {__version__} writes it")
    why = "edited since git pod-init wrote it" if found == "edited" else "not written by git pod-init"
    return Step(
        "file",
        relative,
        "kept",
        f"{why}: left alone (to get the current one, move it away and run git pod-init again; see {DOCS})",
    )


INCLUDE_TEXT = "include:\n  - local: {path}\n"


def _gitlab_include(root: Path, job: str) -> tuple[Step, dict[str, str]]:
    """GitLab runs only .gitlab-ci.yml: a missing one is created to include the job; an existing
    one is never edited (its layout, anchors and includes are the team's), only checked."""
    path = inside(root, GITLAB_CI)
    wanted = (
        "# GitLab CI: the git-pods job, written by git pod-init --ci gitlab;"
        " add the project's own jobs here.\n" + INCLUDE_TEXT.format(path=job)
    )
    if path is None or path.is_symlink() or (path.exists() and not path.is_file()):
        return Step("file", GITLAB_CI, "note", f"not a regular file; include {job} from it by hand"), {}
    if not path.exists():
        write_atomic(path, wanted.encode("utf-8"), 0o644)
        return Step("file", GITLAB_CI, "created", f"includes {job}"), {
            GITLAB_CI: sha256_file(wanted.encode("utf-8"))
        }
    text = path.read_bytes().decode("utf-8", "replace")
    if includes(text, job):
        return Step("file", GITLAB_CI, "unchanged", f"includes {job}"), {}
    has_include = re.search(r"(?m)^include[ \t]*:", text) is not None
    how = (
        f"under its include: list add\n  - local: {job}"
        if has_include
        else "add at the top level\n" + INCLUDE_TEXT.format(path=job).rstrip("\n")
    )
    return Step("gitlab ci", GITLAB_CI, "note", f"not edited; for GitLab to run the git-pods job, {how}"), {}


def includes(text: str, job: str) -> bool:
    """Whether .gitlab-ci.yml names the job's file outside a comment (`- local: ...` or a string)."""
    return any(job in line.split("#", 1)[0] for line in text.splitlines())
