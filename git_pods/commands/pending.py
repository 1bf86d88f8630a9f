"""Verbs of the contract that a later release fills in: they refuse honestly, never fake success."""

from __future__ import annotations

from git_pods import __version__
from git_pods.errors import NotImplementedYet

PLANNED = {
    "report": "metrics and reports",
}


def run(verb: str) -> int:
    """Refuse with exit 2, saying what is not there yet and what works today."""
    raise NotImplementedYet(
        f"git pod-{verb} is not implemented yet in git-pods {__version__} (planned with {PLANNED[verb]})",
        hint="git pod-validate works today; see README.md for what each release adds",
    )
