"""The files `git pod-init` writes into a work tree: config, prompt templates, queue, .gitattributes.

Files are written only where nothing is; each written file's digest is recorded, so
`--uninstall` removes only what git-pods wrote, unchanged and never committed.
"""

from __future__ import annotations

import os
from pathlib import Path

from git_pods.bundle import QUEUE_DIR, sha256_file
from git_pods.config import CONFIG_PATH, Config, default_config_text
from git_pods.install.steps import Step

ATTRIBUTES = ".gitattributes"
ATTRIBUTE_LINES = (
    "# git-pods: promoted records are generated, and never converted (their digests must hold)",
    ".patches/** linguist-generated=true gitlab-generated=true -text",
    ".logs/** linguist-generated=true gitlab-generated=true -text",
)
KEEP_FILE = f"{QUEUE_DIR}/.gitkeep"


def prompt_template(pod_id: str, description: str) -> bytes:
    """The packaged template for a default pod; the generic one, introduced by the pod's own
    description, for any other."""
    folder = Path(__file__).resolve().parent.parent / "data" / "prompts"
    specific = folder / f"{pod_id.replace('-', '_')}.txt"
    if specific.is_file():
        return specific.read_bytes()
    intro = f"POD: {pod_id}\n" + (f"ROLE: {description}\n" if description else "") + "\n"
    return intro.encode("utf-8") + (folder / "generic_pod.txt").read_bytes()


def inside(root: Path, relative: str) -> Path | None:
    """root/relative when it stays inside root without passing through a link; else None."""
    path = root / relative
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts:
        return None
    probe = root
    for part in parts[:-1]:
        probe = probe / part
        if probe.is_symlink():
            return None
    return path


def write_files(root: Path, config: Config) -> tuple[list[Step], dict[str, str]]:
    """Create what is missing; report what was kept. Returns the steps and {path: digest} written."""
    wanted: list[tuple[str, bytes, str]] = [(CONFIG_PATH, default_config_text(), "the five default pods")]
    for pod in config.pods.values():
        if pod.prompt:
            wanted.append(
                (pod.prompt, prompt_template(pod.id, pod.description), f"{pod.id}'s working procedure")
            )
    wanted.append((KEEP_FILE, b"", "keeps the queue folder in git"))
    steps: list[Step] = []
    written: dict[str, str] = {}
    for relative, data, about in wanted:
        path = inside(root, relative)
        if path is None:
            steps.append(
                Step("file", relative, "problem", "outside the repository or through a link; not written")
            )
            continue
        if path.exists() or path.is_symlink():
            steps.append(Step("file", relative, "kept", "already there"))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:  # never over a file that appeared meanwhile
            handle.write(data)
        written[relative] = sha256_file(data)
        steps.append(Step("file", relative, "created", about))
    return steps, written


def add_attributes(root: Path) -> tuple[Step, list[str]]:
    """Append the lines .gitattributes lacks; returns the lines added (for uninstall)."""
    path = root / ATTRIBUTES
    if path.is_symlink():
        return Step("file", ATTRIBUTES, "problem", "is a symbolic link; add the lines by hand"), []
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in ATTRIBUTE_LINES if line not in present]
    if not missing:
        return Step("file", ATTRIBUTES, "unchanged", "git-pods lines already there"), []
    eol = "\r\n" if "\r\n" in text else "\n"  # the file's own line endings
    prefix = "" if not text or text.endswith("\n") else eol
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(prefix + eol.join(missing) + eol)
    return Step(
        "file", ATTRIBUTES, "updated" if text else "created", ".patches/** and .logs/**: generated, -text"
    ), missing


def remove_attributes(root: Path, lines: list[str], tracked: bool) -> Step:
    path = root / ATTRIBUTES
    if not lines or not path.is_file() or path.is_symlink():
        return Step("file", ATTRIBUTES, "absent")
    if tracked:
        return Step(
            "file", ATTRIBUTES, "kept", "committed to the repository; remove the git-pods lines in a commit"
        )
    text = path.read_bytes().decode("utf-8")
    kept = [line for line in text.splitlines(keepends=True) if line.rstrip("\r\n") not in lines]
    if not any(line.strip() for line in kept):
        path.unlink()
        return Step("file", ATTRIBUTES, "removed")
    path.write_bytes("".join(kept).encode("utf-8"))  # every other byte as it was, line endings too
    return Step("file", ATTRIBUTES, "restored", "git-pods lines removed")


def remove_files(root: Path, written: dict[str, str], tracked: set[str]) -> list[Step]:
    """Remove files init created, when unchanged and never committed; keep anything else."""
    steps = []
    for relative, known in sorted(written.items()):
        path = inside(root, relative)
        if path is None or not path.is_file() or path.is_symlink():
            steps.append(Step("file", relative, "absent"))
            continue
        if relative in tracked:
            steps.append(
                Step("file", relative, "kept", "tracked by git (staged or committed); remove it with git rm")
            )
            continue
        if sha256_file(path.read_bytes()) != known:
            steps.append(Step("file", relative, "kept", "changed since git pod-init wrote it"))
            continue
        path.unlink()
        _prune(root, path.parent)
        steps.append(Step("file", relative, "removed"))
    return steps


def _prune(root: Path, folder: Path) -> None:
    """Remove folders left empty, up to (not including) the work tree's top."""
    while folder != root and root in folder.parents:
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = folder.parent
