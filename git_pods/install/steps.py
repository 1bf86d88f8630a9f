"""One thing `git pod-init` did or found, for the text and JSON reports and for `--uninstall`."""

from __future__ import annotations

from git_pods.record import record

CHANGED = frozenset({"created", "updated", "installed", "chained", "set", "added", "removed", "restored"})


@record
class Step:
    """A step: what (hook, file, config), its target, what happened, and a detail for people."""

    what: str
    target: str
    status: str  # created, updated, unchanged, kept, installed, chained, set, added, removed, restored, ...
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.status in CHANGED

    def to_json(self) -> dict[str, str]:
        out = {"what": self.what, "target": self.target, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        return out
