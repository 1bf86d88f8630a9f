"""`git pod-status`: the daily view: the queue, rejected bundles and why, open tasks and which pod
holds each since when, and what is promoted on task branches but not yet merged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO

from git_pods import handoffs, ids, ledger
from git_pods.bundle import QUEUE_DIR, REJECTED_DIR, bundle_folders, in_folder
from git_pods.checks.bundle_rules import check_bundle
from git_pods.commands.output import write_json
from git_pods.config import load_config
from git_pods.errors import GitPodsError
from git_pods.gitio.runner import Git, require_root
from git_pods.priorwork import task_branch_refs
from git_pods.promote.plan import queue_order, read_candidate
from git_pods.yamlsafe import YamlProblems, load


def run(cwd: Path, out: TextIO, json_mode: bool = False) -> int:
    root = require_root(cwd)
    git = Git(root)
    config, _ = load_config(root)

    def show(path: Path) -> str:
        return Path(os.path.relpath(path, root)).as_posix()

    unmerged, digests, squashed = _unmerged(git)
    promoted_on = {patch: branch for branch, patches in unmerged.items() for patch in patches}
    folders = queue_order(root)
    leaves, merged = _queue_copies(git, [f.name for f in folders], promoted_on)
    queue = []
    for folder in folders:
        candidate = read_candidate(folder)
        errors = [v for v in check_bundle(in_folder(folder, "queued"), config, show) if v.severity == "error"]
        item: dict[str, Any] = {"patch_id": folder.name, "pod": candidate.pod, "task": candidate.task}
        item["problems"] = len(errors)
        if candidate.review_only:
            item["review"] = candidate.verdict
        if candidate.attempt_of:
            item["attempt_of"] = candidate.attempt_of
        other = folder.name in digests and candidate.digest not in (None, digests[folder.name])
        if folder.name in promoted_on and other:  # the same id, another answer: not this one
            item["same_id_promoted_on"] = promoted_on[folder.name]
        elif folder.name in promoted_on:
            item["promoted_on"] = promoted_on[folder.name]
            item["copy_leaves_with_merge"] = folder.name in leaves
        elif folder.name in merged:
            item["merged"] = True
        queue.append(item)
    rejected = [_rejected(folder) for folder in bundle_folders(root / REJECTED_DIR)]
    tasks = [_task(path, config.yaml_max_bytes) for path in sorted((root / ledger.TASKS_DIR).glob("*.yaml"))]
    if json_mode:
        write_json(
            out,
            "status",
            0,
            [],
            queue=queue,
            rejected=rejected,
            tasks=tasks,
            unmerged=unmerged,
            merged=squashed,
        )
        return 0
    out.write(f"queue ({len(queue)}):\n")
    for item in queue:
        verdict = (
            "valid"
            if not item["problems"]
            else f"{item['problems']} problem(s): git pod-validate {QUEUE_DIR}/{item['patch_id']}"
        )
        remove = f"git rm -r -q {QUEUE_DIR}/{item['patch_id']} && git commit"
        if "promoted_on" in item and item["copy_leaves_with_merge"]:
            verdict = f"promoted on {item['promoted_on']}; the queue copy leaves when it is merged"
        elif "promoted_on" in item:
            verdict = f"promoted on {item['promoted_on']}; after merging it, remove the queue copy: {remove}"
        elif item.get("merged"):
            verdict = f"promoted and merged; the queue copy is left over: {remove}"
        elif "same_id_promoted_on" in item:
            verdict = (
                f"NOT promoted: its id is taken on {item['same_id_promoted_on']} by other content; take it "
                f"in as another attempt (mv {QUEUE_DIR}/{item['patch_id']} /tmp/ && git pod-intake /tmp/"
                f"{item['patch_id']}) or git pod-reject {item['patch_id']} --reason TEXT"
            )
        kind = f"  review: {item['review']}" if item.get("review") else ""
        kind += f"  another attempt at {item['attempt_of']}" if item.get("attempt_of") else ""
        out.write(f"  {item['patch_id']}  {item['pod'] or '?'}  {item['task'] or '?'}{kind}  {verdict}\n")
    out.write(f"rejected ({len(rejected)}):\n")
    for item in rejected:
        out.write(
            f"  {item['patch_id']}  {item.get('rule') or '?'}  {item.get('message') or 'no reason.yaml'}\n"
        )
    open_tasks = [t for t in tasks if not t.get("closed")]
    out.write(f"tasks ({len(open_tasks)}):\n")
    for item in open_tasks:
        out.write(f"  {item['task']}  held by {item['holder']} since {item['since']}  {item['goal']}\n")
    closed = [t for t in tasks if t.get("closed")]
    if closed:
        out.write(f"closed ({len(closed)}):\n")
        for item in closed:
            out.write(f"  {item['task']}  {item['closed']} since {item['since']}  {item['goal']}\n")
    out.write(f"promoted, not merged into HEAD ({sum(len(v) for v in unmerged.values())}):\n")
    for branch, patches in unmerged.items():
        out.write(f"  {branch}: {', '.join(patches)}\n")
    if squashed:
        out.write(
            f"merged into HEAD by Patch-Id (squash, cherry-pick) ({sum(map(len, squashed.values()))}):\n"
        )
        for branch, patches in squashed.items():
            done = " (all of it: git branch -D " + branch + ")" if branch not in unmerged else ""
            out.write(f"  {branch}: {', '.join(patches)}{done}\n")
    return 0


def _rejected(folder: Path) -> dict[str, Any]:
    item: dict[str, Any] = {"patch_id": folder.name}
    try:
        data = load((folder / "reason.yaml").read_bytes(), "reason.yaml").data
    except (OSError, YamlProblems):
        data = None
    if isinstance(data, dict):
        item.update({k: data[k] for k in ("rule", "message", "file", "line", "rejected") if k in data})
    return item


def _task(path: Path, max_bytes: int) -> dict[str, Any]:
    try:
        data = ledger.load(path.read_bytes(), path.name, max_bytes)
    except (GitPodsError, OSError) as exc:  # one broken ledger must not hide the others
        return {"task": path.stem, "holder": "?", "since": "?", "goal": f"(not valid: {exc})"}
    assert data is not None
    ended = handoffs.closed(data)
    if ended is not None:
        return {
            "task": data["task_id"],
            "holder": None,
            "closed": str(ended.get("state", "done")),
            "since": str(ended.get("time", "?"))[:19] + "Z",
            "goal": data["goal"],
        }
    who = handoffs.holder(data)
    since = data.get("created", "?")
    for entry in handoffs.since_assignment(data, "handed-off"):
        if entry.get("to") == who:
            since = entry.get("time", since)
    return {
        "task": data["task_id"],
        "holder": who,
        "since": str(since)[:19] + "Z" if since != "?" else "?",
        "goal": data["goal"],
    }


def _queue_copies(git: Git, queued: list[str], promoted_on: dict[str, str]) -> tuple[set[str], set[str]]:
    """Which queue copies leave with the merge of their task branch (the branch's promote commit
    deleted them: they were there where it forked), and which are already archived in HEAD."""
    from git_pods.gitio.objects import read_objects

    bases: dict[str, str] = {}
    for branch in set(promoted_on.values()):
        done = git.run(["merge-base", "HEAD", branch], check=False)
        if done.returncode == 0:
            bases[branch] = done.stdout.decode().strip()
    specs = {p: f"{bases[b]}:{QUEUE_DIR}/{p}" for p, b in promoted_on.items() if b in bases}
    archived = {p: f"HEAD:.patches/{p}.diff" for p in queued if p not in promoted_on}
    found = read_objects(git, [*specs.values(), *archived.values()])
    leaves = {p for p, spec in specs.items() if found.get(spec) is not None}
    merged = {p for p, spec in archived.items() if found.get(spec) is not None}
    return leaves, merged


def _unmerged(git: Git) -> tuple[dict[str, list[str]], dict[str, str], dict[str, list[str]]]:
    """Patch ids on pods/* branches that HEAD does not contain, by branch; the Pod-Bundle digest of
    each; and, by branch, those HEAD holds all the same under their Patch-Id (a squash merge, a
    cherry-pick: merged, though the branch's commits are not)."""
    branches = [ref.removeprefix("refs/heads/") for ref in task_branch_refs(git)]
    if not branches:
        return {}, {}, {}
    head = git.run(["rev-parse", "-q", "--verify", "HEAD"], check=False).stdout.decode().strip()
    fields = "%(trailers:key=Patch-Id,valueonly,separator=%x2C)%x00"
    fields += "%(trailers:key=Pod-Bundle,valueonly,separator=%x2C)"
    args = ["log", "--source", f"--format=%S%x00{fields}", *branches]
    done = git.run([*args, f"^{head}"] if head else args)
    out: dict[str, list[str]] = {}
    digests: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        source, _, rest = line.partition("\0")
        patches, _, bundles = rest.partition("\0")
        named = [p.strip() for p in patches.split(",")]
        sums = [b.strip() for b in bundles.split(",")]
        for n, patch in enumerate(named):
            if ids.is_patch_id(patch):
                out.setdefault(source.removeprefix("refs/heads/"), []).insert(0, patch)
                if n < len(sums) and sums[n]:
                    digests.setdefault(patch, sums[n])
    in_head: set[str] = set()
    if head and out:
        grep = [
            "--regexp-ignore-case",
            "--grep=^Patch-Id:",
            "--format=%(trailers:key=Patch-Id,valueonly,separator=%x2C)",
        ]
        listed = git.run(["log", *grep, head]).stdout.decode("utf-8", "replace")
        in_head = {p.strip() for line in listed.splitlines() for p in line.split(",") if p.strip()}
    merged = {b: [p for p in patches if p in in_head] for b, patches in out.items()}
    merged = {b: patches for b, patches in merged.items() if patches}
    left = {b: [p for p in patches if p not in in_head] for b, patches in out.items()}
    return {b: patches for b, patches in left.items() if patches}, digests, merged
