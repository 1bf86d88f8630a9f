"""The notes settings in the repository's own config (never the global one).

`notes.rewriteRef` (`refs/notes/pods*`) keeps events on amend and rebase;
`notes.<name>.mergeStrategy=cat_sort_uniq` merges concurrent writers' one-event-per-line notes;
a fetch refspec per remote brings the remote's notes into `refs/notes/remotes/<remote>/<name>`
(a tracking ref, never the local one). Both are globs (`refs/notes/pods*`): the exact names make
every amend warn and every plain fetch fail until the notes ref exists.
"""

from __future__ import annotations

from git_pods.gitio.runner import Git
from git_pods.install.steps import Step
from git_pods.record import record

MERGE_STRATEGY = "cat_sort_uniq"


@record
class Setting:
    """One config value git-pods needs; `multi` values are added beside others, never replacing."""

    key: str
    value: str
    multi: bool


def wanted(notes_ref: str, remotes: list[str]) -> list[Setting]:
    name = notes_ref.removeprefix("refs/notes/")
    out = [
        # A glob again: an exact ref that does not exist yet makes every amend and rebase warn.
        Setting("notes.rewriteRef", f"{notes_ref}*", multi=True),
        Setting(f"notes.{name}.mergeStrategy", MERGE_STRATEGY, multi=False),
    ]
    # A glob: an exact refspec makes every `git fetch` fail while the remote has no notes yet.
    refspec = "+{ref}*:refs/notes/remotes/{remote}/{name}*"
    out += [
        Setting(f"remote.{r}.fetch", refspec.format(ref=notes_ref, remote=r, name=name), True)
        for r in remotes
    ]
    return out


def remotes(git: Git) -> list[str]:
    return git.run(["remote"]).stdout.decode("utf-8", "surrogateescape").split()


def values(git: Git, key: str) -> list[str]:
    done = git.run(["config", "--local", "--get-all", key], check=False)
    return done.stdout.decode("utf-8", "surrogateescape").splitlines() if done.returncode == 0 else []


def apply(git: Git, settings: list[Setting]) -> tuple[list[Step], list[dict[str, str | None]]]:
    """Set what is missing; returns the steps and what was changed (with earlier values)."""
    steps, changed = [], []
    for setting in settings:
        present = values(git, setting.key)
        if setting.value in present:
            steps.append(Step("git config", f"{setting.key}={setting.value}", "unchanged"))
            continue
        if setting.multi:
            git.run(["config", "--local", "--add", setting.key, setting.value])
            previous = None
        else:
            git.run(["config", "--local", setting.key, setting.value])
            previous = present[-1] if present else None
        detail = f"was {previous}" if previous else ""
        steps.append(Step("git config", f"{setting.key}={setting.value}", "set", detail))
        changed.append(
            {
                "key": setting.key,
                "value": setting.value,
                "previous": previous,
                "multi": "1" if setting.multi else "",
            }
        )
    return steps, changed


def revert(git: Git, changed: list[dict[str, str | None]]) -> list[Step]:
    """Undo what apply changed, value by value; a value someone changed since is left alone."""
    steps = []
    for entry in reversed(changed):
        key, value, previous = str(entry["key"]), str(entry["value"]), entry.get("previous")
        present = values(git, key)
        if value not in present:
            steps.append(Step("git config", f"{key}={value}", "absent"))
            continue
        if entry.get("multi"):
            git.run(["config", "--local", "--fixed-value", "--unset", key, value])
            steps.append(Step("git config", f"{key}={value}", "removed"))
        elif previous:
            git.run(["config", "--local", key, previous])
            steps.append(Step("git config", f"{key}={value}", "restored", f"back to {previous}"))
        else:
            git.run(["config", "--local", "--unset", key])
            steps.append(Step("git config", f"{key}={value}", "removed"))
    return steps
