"""`git pod-sync [REMOTE]`: fetch the remote's notes, merge them into the local ones, push the union."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from git_pods.commands.output import write_json
from git_pods.config import load_config
from git_pods.gitio.runner import Git, git_dir, require_root
from git_pods.sync import summary, sync


def run(remote: str | None, cwd: Path, out: TextIO, json_mode: bool = False, push: bool = True) -> int:
    root = require_root(cwd)
    git = Git(root)
    config, _problems = load_config(root)
    name = remote or config.remote or "origin"
    done = sync(git, git_dir(root) or root / ".git", name, config.notes_ref, push=push)
    if json_mode:
        write_json(out, "sync", 0, [], **summary(done))
        return 0
    if done.fetched is None and done.local is None:
        out.write(f"no notes here or on {name} yet: nothing to sync\n")
    elif done.merged and done.fetched == done.local:
        out.write(f"took the notes of {done.merged} commit(s) from {name}\n")
    elif done.merged:
        out.write(f"merged the notes of {done.merged} commit(s) from {name}\n")
    else:
        out.write(f"nothing new in {name}'s notes\n")
    if done.pushed and done.local and done.local != done.fetched:
        out.write(f"pushed {done.ref} to {name} ({done.local[:12]})\n")
    elif done.local and done.local == done.fetched:
        out.write(f"{name} and this clone hold the same notes ({done.local[:12]})\n")
    elif not push and done.local:
        out.write(f"not pushed (--no-push); {name} holds {(done.fetched or 'no notes')[:12]}\n")
    return 0
