"""What a promote works with and reports: its options, the repository as read, each bundle's outcome."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from git_pods.promote.build import NotApplied
from git_pods.promote.publish import Ident
from git_pods.record import field, record
from git_pods.violation import Violation

Status = Literal["promoted", "already", "rejected", "not-applied", "blocked"]
EXIT = {"promoted": 0, "already": 0, "rejected": 1, "not-applied": 4, "blocked": 3}


@record(frozen=False)
class Outcome:
    """What happened to one bundle."""

    patch_id: str
    status: Status
    branch: str | None = None
    commit: str | None = None
    violations: list[Violation] = field(default_factory=list)
    added: int = 0
    deleted: int = 0
    files: int = 0
    exit: int = 0
    failure: NotApplied | None = None
    attach: str | None = None  # the commit a rejected event is noted on
    pod: str | None = None
    task: str | None = None
    digest: str | None = None
    verdict: str | None = None  # a review answer's verdict (it changes no code)
    keep: bool = False  # its queue copy is tracked on the branch checked out here: left for the merge
    leaves_with_merge: bool = False  # ... and the branch's commit deletes it (it forked with the copy)
    found_at: str | None = None  # for "already": where its record is (the branch, or the commit it starts at)

    def __post_init__(self) -> None:
        if not self.exit:
            self.exit = EXIT[self.status]


@record
class Options:
    """What the promote was asked to do."""

    onto: str | None = None
    dry_run: bool = False
    three_way: bool = False
    recount: bool = False
    signoff: bool = False

    @property
    def apply_flags(self) -> list[str]:
        return [f for f, on in (("--3way", self.three_way), ("--recount", self.recount)) if on]


@record
class Repo:
    """The repository as read once at the start."""

    root: Path
    head: str | None  # HEAD's commit (None on an unborn branch)
    head_ref: str | None  # refs/heads/<branch> when HEAD is on a branch
    notes_ref: str
    notes_tip: str | None
    by: str
    ident: Ident
    objects: Path  # the object store (--dry-run writes into a private one beside it)
    protected: tuple[str, ...] = ()  # paths no bundle may write here (a hooks folder in the tree)


Show = Callable[[Path], str]
