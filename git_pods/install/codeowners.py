"""The CODEOWNERS file `git pod-init --codeowners` writes from the config's pods: each pod's path
globs with its owners, so the forge asks them to approve changes there.

Where: an existing CODEOWNERS is the one the forge reads, so git-pods updates its own file where
it is and never writes a second one beside someone else's. With none, `.github/CODEOWNERS` in a
repository that looks GitHub-only (a `.github/` folder, no `.gitlab/` or `.gitlab-ci.yml`), else
`CODEOWNERS` at the top, which GitHub and GitLab both read.

What: a path's owners are the owners of every pod that may change it. The forges give a path
the owners of the last line that matches it, so lines go from broad to narrow, and each line
also names the owners of the pods whose globs cover it (`**`, or a folder it lies in).
"""

from __future__ import annotations

import re
from pathlib import Path

from git_pods import __version__
from git_pods.bundle import sha256_file
from git_pods.checks.rules import violation
from git_pods.config import CONFIG_PATH, Config
from git_pods.install import ci
from git_pods.install.scaffold import inside
from git_pods.install.steps import Step
from git_pods.record import record
from git_pods.violation import Violation

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")  # forges' order
DOCS = "https://github.com/git-pods/git-pods/blob/main/docs/pull-requests.md"
_UNSAFE = re.compile(r"[\s\[\]{}\\]")  # read differently by GitHub and GitLab, or not at all
_OWNER = re.compile(
    r"@@?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*|[^@\s]+@[^@\s]+\.[^@\s]+"
)


@record
class Rule:
    """One glob of the config and the pods that may change what it matches."""

    glob: str
    patterns: tuple[str, ...]
    pods: tuple[str, ...]


def patterns(glob: str) -> tuple[str, ...] | None:
    """The CODEOWNERS patterns matching exactly the paths the glob matches (`*` within a folder,
    `**` across folders, anchored at the top); None when CODEOWNERS cannot say it."""
    glob = glob + "**" if glob.endswith("/") else glob
    if glob in ("**", "**/*", "**/**"):
        return ("*",)
    segments = glob.split("/")
    if _UNSAFE.search(glob) or "" in segments or any(s in (".", "..") for s in segments):
        return None
    alternatives = [""]
    for index, segment in enumerate(segments):
        sep = "" if index == 0 else "/"
        if segment == "**" or "**" not in segment:
            options = [segment]
        elif segment.startswith("**") and segment.count("**") == 1:
            options = ["**/*" + segment[2:]]  # `**x` is x at the end of a name at any depth
        else:  # each inner `**` stays in the name (`*`) or crosses folders (`*/**/*`)
            options = [""]
            for piece_index, piece in enumerate(segment.split("**")):
                joins = [""] if piece_index == 0 else ["*", "*/**/*"]
                options = [f"{o}{j}{piece}" for o in options for j in joins]
        alternatives = [f"{a}{sep}{o}" for a in alternatives for o in options]
    return tuple(a if a.startswith("**/") else "/" + a for a in alternatives)


def _depth(glob: str) -> int:
    """How many leading folder names the glob spells out (more: narrower)."""
    depth = 0
    for segment in glob.split("/"):
        if "*" in segment or "?" in segment:
            break
        depth += 1
    return depth


def _prefix(glob: str) -> str | None:
    """The folder a `folder/**` glob owns, when it is a plain name."""
    glob = glob + "**" if glob.endswith("/") else glob
    if glob.endswith("/**") and not any(c in glob[:-3] for c in "*?"):
        return glob[:-2]
    return None


def covers(wide: str, narrow: str) -> bool:
    """Whether every path narrow matches is one wide matches (told only for the plain cases)."""
    folder = _prefix(wide)
    return wide == narrow or wide in ("**", "**/*") or (folder is not None and narrow.startswith(folder))


def rules(config: Config) -> tuple[list[Rule], list[Violation]]:
    """The globs of the pods that have owners, broad ones first, and the problems met."""
    found: list[Violation] = []
    by_glob: dict[str, list[str]] = {}
    for pod in config.pods.values():
        if not pod.owners:
            found.append(
                violation(
                    "GP817", f"pod {pod.id} has no owners: no CODEOWNERS lines for it", file=CONFIG_PATH
                )
            )
            continue
        for glob in pod.paths:
            key = glob + "**" if glob.endswith("/") else glob
            by_glob.setdefault(key, [])
            if pod.id not in by_glob[key]:
                by_glob[key].append(pod.id)
    made: list[Rule] = []
    for glob, pods in by_glob.items():
        translated = patterns(glob)
        if translated is None:
            message = f"path glob {glob!r} of {', '.join(pods)} cannot be written in CODEOWNERS; left out"
            found.append(violation("GP818", message, file=CONFIG_PATH))
            continue
        made.append(Rule(glob, translated, tuple(pods)))
    made.sort(key=lambda r: (r.patterns != ("*",), _depth(r.glob), _prefix(r.glob) is None))
    return made, found


def _owners(config: Config, rule: Rule, every: list[Rule]) -> list[str]:
    owners: list[str] = []
    for other in every:
        if other is rule or covers(other.glob, rule.glob):
            for pod in other.pods:
                owners += [o for o in config.pods[pod].owners if o not in owners]
    return owners


def render(config: Config) -> tuple[str | None, list[Violation]]:
    """The file as this release writes it from the config (None when no pod has usable owners)."""
    made, found = rules(config)
    lines: list[tuple[str, str, str]] = []
    for rule in made:
        owners: list[str] = []
        for owner in _owners(config, rule, made):
            if _OWNER.fullmatch(owner):
                owners.append(owner)
            elif not any(v.rule == "GP819" and repr(owner) in v.message for v in found):
                message = f"owner {owner!r} is not @name, @org/team or an email; left out"
                found.append(violation("GP819", message, file=CONFIG_PATH))
        if owners:
            comment = f"# {', '.join(rule.pods)}: {rule.glob}"
            lines += [(comment, pattern, " ".join(owners)) for pattern in rule.patterns]
    if not lines:
        return None, found
    width = max(len(pattern) for _c, pattern, _o in lines)
    body = [
        f"# From the pods' paths and owners in {CONFIG_PATH}: a path's owners are the owners of every pod",
        "# that may change it. The last line matching a path decides, so broad lines come first.",
    ]
    last = None
    for comment, pattern, named in lines:
        if comment != last:
            body += ["", comment]
            last = comment
        body.append(f"{pattern.ljust(width)}  {named}")
    header = (
        f"# CODEOWNERS, written by `git pod-init --codeowners` (git-pods {__version__}).\n"
        f"# Explained in {DOCS}\n"
    )
    return ci.with_digest(header, "\n".join(body) + "\n"), found


def target(root: Path) -> str:
    """Where the file goes (see the module's docstring)."""
    existing = [p for p in LOCATIONS if (root / p).exists() or (root / p).is_symlink()]
    for relative in existing:
        path = root / relative
        if path.is_file() and not path.is_symlink():
            text = path.read_bytes().decode("utf-8", "replace")
            if ci.state(text, "") != "foreign":
                return relative
    if existing:
        return existing[0]
    github_only = (root / ".github").is_dir() and not any(
        (root / name).exists() for name in (".gitlab", ci.GITLAB_CI)
    )
    return LOCATIONS[0] if github_only else "CODEOWNERS"


def write(root: Path, config: Config, problems: list[Violation]) -> tuple[list[Step], dict[str, str]]:
    """Write or update CODEOWNERS; returns the steps and {path: digest} of what was written."""
    if config.source != CONFIG_PATH:  # load_config fell back to the default
        why = "is invalid (git pod-validate .pods/config.yaml)" if problems else "is missing"
        return [Step("codeowners", CONFIG_PATH, "refused", f"the config {why}; CODEOWNERS not written")], {}
    wanted, found = render(config)
    steps = [Step("codeowners", CONFIG_PATH, "skipped", f"{v.rule}: {v.message}") for v in found]
    relative = target(root)
    if wanted is None:
        steps.append(
            Step(
                "codeowners",
                relative,
                "note",
                f"no pod lists owners in {CONFIG_PATH}: nothing to write (owners: ['@org/team'])",
            )
        )
        return steps, {}
    path = inside(root, relative)
    if path is not None and path.is_file() and not path.is_symlink():
        text = path.read_bytes().decode("utf-8", "replace")
        if ci.state(text, wanted) == "foreign":
            lines = wanted.split(ci.DIGEST_PREFIX, 1)[1].split("\n", 1)[1]
            return steps + [_foreign(relative, lines)], {}
    step = ci.write_managed(root, relative, wanted, "owners from the pods' paths and owners")
    return steps + [step], ({relative: sha256_file(wanted.encode("utf-8"))} if step.changed else {})


def _foreign(relative: str, lines: str) -> Step:
    rules_only = [line for line in lines.splitlines() if line and not line.startswith("#")]
    return Step(
        "codeowners",
        relative,
        "kept",
        "not written by git pod-init, and it is the file the forge reads: left alone; add these lines "
        "to it, or move it away and run git pod-init --codeowners again:\n" + "\n".join(rules_only),
    )
