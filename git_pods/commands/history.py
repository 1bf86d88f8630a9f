"""The post-commit and post-rewrite hooks: metric events that follow pod work through commits made
by hand, bypassed hooks, amend, rebase, cherry-pick and squash merges (DESIGN §6, §7).

Both run after git has done its work, so they never fail it: every problem is a warning (GP620-
GP624) and the exit code is 0. Reads are batched (one `git diff-tree`, one `git cat-file --batch`,
one `git grep` over the notes tree when events must be found on other commits); all that is
written goes into one notes commit, moved in with a compare-and-swap (gitio/notes).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from git_pods.checks.rules import violation
from git_pods.errors import GitFailed, GitPodsError
from git_pods.gitio import notes
from git_pods.gitio.prefetch import amending, start
from git_pods.gitio.runner import Git
from git_pods.gitio.staged import marks_for, message_key, pod_trailers
from git_pods.ids import is_patch_id, is_pod_id, is_task_id
from git_pods.record import record

RECORD_PATHS = (".pods", ".patches", ".logs")
CONFIG_PATH = ".pods/config.yaml"
POD_WORK_KEYS = ("pod", "patch-id", "pod-bundle")  # checks.trailers.POD_WORK_KEYS, without its imports
COMMIT_HOOKS = ("pod-bundle", "pod-commit-msg")  # the hooks a commit can skip
_ARCHIVED = re.compile(r"\.patches/([^/]+)\.diff")
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_NOTES_REF = re.compile(rb"(?m)^notes_ref:[ \t]*(['\"]?)(refs/notes/[A-Za-z0-9._/-]+)\1[ \t]*(?:#.*)?\r?$")
_HEAD_FORMAT = "--format=%H%x00%P%x00%T%x00%cn <%ce>%x00%(trailers:only,unfold)%x00"


@record
class Head:
    """The commit post-commit looks at, and the record paths it changes against its first parent."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    by: str  # the committer, "Name <email>"
    trailers: Mapping[str, list[str]]
    changes: Mapping[str, str]  # path under .pods/.patches/.logs -> A, M, D or T

    @property
    def archived(self) -> list[str]:
        """Patch ids whose `.patches/<ID>.diff` this commit adds."""
        found = (_ARCHIVED.fullmatch(path) for path, status in self.changes.items() if status == "A")
        return [m[1] for m in found if m is not None and is_patch_id(m[1])]


def post_commit(cwd: Path, err: TextIO, env: Mapping[str, str]) -> int:
    """Record a hand commit's `promoted` events, a bypass of the commit hooks, and the events of
    patches a cherry-pick or squash merge brings (copied from their first commit). Always 0."""
    skip = _skip_names(env)
    if "pod-post-commit" in skip:
        return 0
    try:
        _post_commit(cwd, err, skip)
    except GitPodsError as exc:
        _failed(err, exc, "the commit is made; its events are not recorded")
    return 0


def post_rewrite(cwd: Path, how: str, lines: Sequence[str], err: TextIO, env: Mapping[str, str]) -> int:
    """After amend or rebase: each new commit holds its old commit's events (git copies them when
    notes.rewriteRef is set; otherwise this does) and a `rewritten` event naming the old. Always 0."""
    if "pod-post-rewrite" in _skip_names(env):
        return 0
    try:
        _post_rewrite(cwd, how, lines, err)
    except GitPodsError as exc:
        _failed(err, exc, "the rewrite is done; the events stay on the old commits")
    return 0


def _post_commit(cwd: Path, err: TextIO, skip: set[str]) -> None:
    read = _read_head(cwd)
    if read is None:  # no commit yet (run by hand in a new repository): nothing to record
        return
    gitdir, common, head = read
    action, old = _action(gitdir, head.sha)
    if action in ("rebase", "revert"):  # a rebase: post-rewrite's work; a revert promotes nothing
        return
    archived = head.archived
    claimed = [p for p in head.trailers.get("patch-id", []) if is_patch_id(p)]
    patches = list(dict.fromkeys([*archived, *claimed]))
    bypasses = [] if action == "cherry-pick" else _bypasses(common, head, skip)  # picks run no hooks
    for hook, way in bypasses:
        shown = f"SKIP={hook}" if way == "skip" else "--no-verify, or the hook is not installed"
        _warn(err, "GP620", f"{hook} did not check this commit ({shown}); recorded as bypass-detected")
    if action == "amend" and old is None:  # the amended commit is unknown: leave its events to post-rewrite
        patches = []
    if len(head.parents) > 1:  # a merge: the bundles' own commits, and their events, stay in its history
        patches = []
    if not patches and not bypasses:
        return
    git = Git(cwd, inherit=True)
    extra = [f"{head.sha}:{CONFIG_PATH}"]
    extra += [f"{head.sha}:.patches/{p}.diff" for p in archived]
    extra += [f"{head.sha}:.logs/{p}/thought_trace.yaml" for p in archived]
    watched = [head.sha, *([old] if old else [])]
    snapshot, found = notes.read(git, notes.NOTES_REF, watched, extra)
    ref = _notes_ref(found[extra[0]])
    if ref != notes.NOTES_REF:
        snapshot, _ = notes.read(git, ref, watched)
    _report_garbled(err, snapshot, watched)
    done = notes.patches_named(snapshot.lines(head.sha)) | (
        notes.patches_named(snapshot.lines(old)) if old else set()
    )
    todo = [p for p in patches if p not in done]
    homes = _homes(git, snapshot, todo, {head.sha, *([old] if old else [])})
    how = "cherry-pick" if action == "cherry-pick" or (gitdir / "CHERRY_PICK_HEAD").exists() else "squash"
    now = _now()
    relinked: dict[str, list[bytes]] = {}
    for patch, (origin, lines) in homes.items():
        event = {"ts": now, "v": 1, "event": "rewritten", "how": how, "commit": origin, "patch": patch}
        relinked[patch] = [*lines, notes.event_line({**event, "by": head.by})]
    promoted = {  # a pick whose events are not here (notes not fetched) is no hand promotion
        p: notes.event_line(_promoted(git, p, found, head, now))
        for p in archived
        if p in todo and p not in homes and how != "cherry-pick"
    }
    bypass_lines = {
        hook: notes.event_line(
            {"ts": now, "v": 1, "event": "bypass-detected", "hook": hook, "how": way}
            | ({"patches": patches} if patches else {})
            | {"by": head.by}
        )
        for hook, way in bypasses
    }

    def plan(snap: notes.Snapshot) -> dict[str, list[bytes]]:
        events = [e for e in map(notes.parse_event, snap.lines(head.sha)) if e is not None]
        named = notes.patches_named(snap.lines(head.sha))
        flagged = {e.get("hook") for e in events if e.get("event") == "bypass-detected"}
        out = [line for p, lines in relinked.items() if p not in named for line in lines]
        out += [line for p, line in promoted.items() if p not in named]
        out += [line for hook, line in bypass_lines.items() if hook not in flagged]
        return {head.sha: out} if out else {}

    first = snapshot if snapshot.ref == ref else None
    message = "git-pods: post-commit events"
    notes.append(git, ref, [head.sha], plan, message=message, ident=head.by, first=first, common=common)


def _post_rewrite(cwd: Path, how: str, lines: Sequence[str], err: TextIO) -> None:
    if how not in ("amend", "rebase"):
        _warn(err, "GP624", f"post-rewrite got {how!r}; git passes amend or rebase")
        return
    pairs: list[tuple[str, str]] = []
    unread = 0
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and _HEX.fullmatch(parts[0]) and _HEX.fullmatch(parts[1]):
            pairs.append((parts[0], parts[1]))
        elif line.strip():
            unread += 1
    if unread:
        _warn(err, "GP624", f"{unread} line{'s' if unread != 1 else ''} on stdin are not `<old> <new>`")
    if not pairs:
        return
    git = Git(cwd, inherit=True)
    where = git.run(["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"]).stdout
    gitdir, common = (Path(p) for p in where.decode("utf-8", "surrogateescape").splitlines()[:2])
    if how == "amend" and ((gitdir / "rebase-merge").is_dir() or (gitdir / "rebase-apply").is_dir()):
        return  # an amend inside a rebase (squash, fixup, edit): the rebase's own list covers it
    olds = list(dict.fromkeys(old for old, _ in pairs))
    news = list(dict.fromkeys(new for _, new in pairs))
    extra = [f"HEAD:{CONFIG_PATH}", *news]
    snapshot, found = notes.read(git, notes.NOTES_REF, [*olds, *news], extra)
    ref = _notes_ref(found[extra[0]])
    if ref != notes.NOTES_REF:
        snapshot, _ = notes.read(git, ref, [*olds, *news])
    _report_garbled(err, snapshot, olds)
    by = {new: _committer(found[new]) for new in news}
    now = _now()

    def plan(snap: notes.Snapshot) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {}
        for old, new in pairs:
            copied = snap.lines(old)
            if not copied:
                continue  # nothing to carry: an ordinary commit stays without a note
            there = [e for e in map(notes.parse_event, snap.lines(new)) if e is not None]
            lines = out.setdefault(new, [])
            lines += copied
            if any(e.get("event") == "rewritten" and e.get("commit") == old for e in there):
                continue
            event: dict[str, object] = {"ts": now, "v": 1, "event": "rewritten", "how": how, "commit": old}
            named = sorted(notes.patches_named(copied))
            if len(named) == 1:
                event["patch"] = named[0]
            elif named:
                event["patches"] = named
            if by[new]:
                event["by"] = by[new]
            lines.append(notes.event_line(event))
        return {new: lines for new, lines in out.items() if lines}

    ident = next((b for b in by.values() if b), None)
    first = snapshot if snapshot.ref == ref else None
    message = f"git-pods: post-rewrite ({how}), {len(pairs)} commit{'s' if len(pairs) != 1 else ''}"
    notes.append(git, ref, [*olds, *news], plan, message=message, ident=ident, first=first, common=common)


def _read_head(cwd: Path) -> tuple[Path, Path, Head] | None:
    """The git folders and HEAD, from two git processes running side by side; None when HEAD is
    unborn."""
    dirs = start(["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"], cwd)
    args = ["diff-tree", "-r", "-z", "--no-renames", "--name-status", "--root", "--always"]
    args += ["--diff-merges=first-parent", _HEAD_FORMAT, "HEAD", "--", *RECORD_PATHS]
    show = start(args, cwd)
    where, where_err = dirs.communicate()
    raw, raw_err = show.communicate()
    if dirs.returncode != 0:
        raise GitFailed(
            ["git", "rev-parse", "--git-dir"], dirs.returncode, where_err.decode("utf-8", "replace")
        )
    if show.returncode != 0 and b"bad revision 'HEAD'" in raw_err:
        return None
    if show.returncode != 0:
        raise GitFailed(["git", *args], show.returncode, raw_err.decode("utf-8", "replace"))
    gitdir, common = where.decode("utf-8", "surrogateescape").splitlines()[:2]
    tokens = raw.split(b"\0")
    sha, parents, tree, by, trailers = (t.decode("utf-8", "surrogateescape") for t in tokens[:5])
    changes: dict[str, str] = {}
    rest = tokens[5:]
    i = 0
    while i + 1 < len(rest):
        status = rest[i].strip().decode("ascii", "replace")
        if not status:
            i += 1
            continue
        changes[rest[i + 1].decode("utf-8", "surrogateescape")] = status[:1]
        i += 2
    head = Head(sha, tuple(parents.split()), tree, by, pod_trailers(trailers), changes)
    return Path(gitdir), Path(common), head


def _action(gitdir: Path, head: str) -> tuple[str, str | None]:
    """What made HEAD (commit, amend with the amended commit, cherry-pick, revert, rebase), from
    the rebase folders and the last line of HEAD's reflog; without a reflog, from git's state files."""
    if (gitdir / "rebase-merge").is_dir() or (gitdir / "rebase-apply").is_dir():
        return "rebase", None
    last = _last_line(gitdir / "logs" / "HEAD")
    fields = last.split("\t", 1)
    parts = fields[0].split(" ", 2)
    if len(fields) == 2 and len(parts) == 3 and parts[1] == head:
        message = fields[1]
        for prefix, action in (("cherry-pick", "cherry-pick"), ("revert", "revert"), ("rebase", "rebase")):
            if message.startswith(prefix):
                return action, None
        if message.startswith("commit (amend)"):
            return "amend", parts[0]
        return "commit", None
    if (gitdir / "CHERRY_PICK_HEAD").exists():
        return "cherry-pick", None
    if (gitdir / "REVERT_HEAD").exists():
        return "revert", None
    return ("amend", None) if amending() else ("commit", None)


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - 65536))
            tail = handle.read()
    except OSError:
        return ""
    lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
    return lines[-1].decode("utf-8", "surrogateescape")


def _bypasses(common: Path, head: Head, skip: set[str]) -> list[tuple[str, str]]:
    """(hook, how) for each commit hook that should have checked this commit and did not.

    pre-commit marks the tree it checked when pod files are staged; commit-msg marks the tree plus
    the message's pod trailers when the commit archives a bundle or claims pod work. No mark: the
    hook did not run (`--no-verify`); a `skipped` mark, or SKIP naming it: it was skipped."""
    wanted = []
    if head.changes:
        wanted.append(("pod-bundle", head.tree))
    if head.archived or any(head.trailers.get(key) for key in POD_WORK_KEYS):
        wanted.append(("pod-commit-msg", message_key(head.tree, head.trailers)))
    out = []
    for hook, key in wanted:
        statuses = [status for hook_id, status in marks_for(common, key) if hook_id == hook]
        if not statuses:
            out.append((hook, "skip" if hook in skip else "no-verify"))
        elif statuses[-1] == "skipped":
            out.append((hook, "skip"))
    seen = {hook for hook, _ in out}
    out += [(hook, "skip") for hook in COMMIT_HOOKS if hook in skip and hook not in seen]
    return out


def _homes(
    git: Git, snapshot: notes.Snapshot, todo: Sequence[str], exclude: set[str]
) -> dict[str, tuple[str, list[bytes]]]:
    """For each patch whose events live on another commit: that commit (the one that holds its
    promoted event and is no re-link itself, when there are several) and its lines for the patch."""
    if not todo or snapshot.tip is None:
        return {}
    found = notes.find_lines(git, snapshot.tip, [f'"patch":"{p}"' for p in todo])
    wanted = set(todo)
    by_patch: dict[str, dict[str, list[tuple[bytes, dict[str, Any]]]]] = {}
    for commit, lines in found.items():
        if commit in exclude:
            continue
        for line in lines:
            event = notes.parse_event(line)
            patch = event.get("patch") if event is not None else None
            if event is not None and isinstance(patch, str) and patch in wanted:
                by_patch.setdefault(patch, {}).setdefault(commit, []).append((line, event))
    homes = {}
    for patch, commits in by_patch.items():
        kinds = {commit: {e.get("event") for _, e in entries} for commit, entries in commits.items()}
        origin = min(("promoted" not in k, "rewritten" in k, c) for c, k in kinds.items())[2]
        lines = [line for line, e in commits[origin] if e.get("event") != "rewritten"]
        if lines:
            homes[patch] = (origin, list(dict.fromkeys(lines)))
    return homes


def _promoted(git: Git, patch: str, found: Mapping[str, Any], head: Head, now: str) -> dict[str, object]:
    """The `promoted` event of a bundle a commit archives by hand: pod and task from its trace,
    sizes from its diff (git's numstat, as promote counts them)."""
    event: dict[str, object] = {"ts": now, "v": 1, "event": "promoted"}
    trace = found.get(f"{head.sha}:.logs/{patch}/thought_trace.yaml")
    data = _yaml_mapping(trace.data) if trace is not None else {}
    pods, tasks = head.trailers.get("pod", []), head.trailers.get("task", [])
    pod = data.get("pod", pods[0] if len(pods) == 1 else None)
    task = data.get("task_id", tasks[0] if len(tasks) == 1 else None)
    if isinstance(pod, str) and is_pod_id(pod):
        event["pod"] = pod
    if isinstance(task, str) and is_task_id(task):
        event["task"] = task
    event |= {"patch": patch, "by": head.by}
    diff = found.get(f"{head.sha}:.patches/{patch}.diff")
    if diff is not None:
        event |= dict(zip(("added", "deleted", "files"), _sizes(git, diff.data), strict=True))
    event["how"] = "hand-commit"
    return event


def _sizes(git: Git, diff: bytes) -> tuple[int, int, int]:
    done = git.run(["apply", "--numstat", "-z", "--allow-empty", "-"], input=diff, check=False)
    added = deleted = files = 0
    if done.returncode != 0:
        return 0, 0, 0
    for entry in done.stdout.split(b"\0"):
        parts = entry.split(b"\t", 2)
        if len(parts) == 3 and not parts[2].startswith((b".patches/", b".logs/")):
            files += 1
            added += int(parts[0]) if parts[0].isdigit() else 0  # "-" for binary
            deleted += int(parts[1]) if parts[1].isdigit() else 0
    return added, deleted, files


def _yaml_mapping(raw: bytes) -> dict[str, Any]:
    from git_pods.yamlsafe import YamlProblems, load  # only a hand commit archiving a bundle pays

    try:
        data = load(raw, "thought_trace.yaml").data
    except YamlProblems:
        return {}
    return data if isinstance(data, dict) else {}


def _notes_ref(config: Any) -> str:
    """The config's notes_ref, read without loading YAML when it is written plainly (as always)."""
    raw = getattr(config, "data", None)
    if not raw or b"notes_ref" not in raw:
        return notes.NOTES_REF
    found = _NOTES_REF.search(raw)
    if found is not None:
        return found[2].decode("ascii")
    value = _yaml_mapping(raw).get("notes_ref")
    return value if isinstance(value, str) and value.startswith("refs/notes/") else notes.NOTES_REF


def _committer(obj: Any) -> str | None:
    data = getattr(obj, "data", b"")
    for line in data.split(b"\n"):
        if not line:
            break  # the headers end at the first blank line
        if line.startswith(b"committer "):
            text = line[len(b"committer ") :].decode("utf-8", "replace")
            return text[: text.rfind(">") + 1] or None
    return None


def _report_garbled(err: TextIO, snapshot: notes.Snapshot, commits: Sequence[str]) -> None:
    for commit in commits:
        bad = sum(notes.parse_event(line) is None for line in snapshot.lines(commit))
        if bad:
            _warn(
                err,
                "GP623",
                f"{bad} line{'s' if bad != 1 else ''} of this commit's note in {snapshot.ref} "
                "are not events; left as they are",
                commit=commit,
            )


def _skip_names(env: Mapping[str, str]) -> set[str]:
    return {part.strip() for part in env.get("SKIP", "").split(",") if part.strip().startswith("pod-")}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _warn(err: TextIO, rule: str, message: str, commit: str | None = None) -> None:
    err.write(violation(rule, message, file="git-pods", commit=commit).format_text() + "\n")


def _failed(err: TextIO, exc: GitPodsError, outcome: str) -> None:
    rule = "GP622" if isinstance(exc, notes.NotesBroken) else "GP621"
    found = violation(rule, f"{exc.message.strip()}; {outcome}", file="git-pods", hint=exc.hint)
    err.write(found.format_text() + "\n")
