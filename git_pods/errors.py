"""The error tree: every failure a user can meet, with the contract's exit code and a fix hint."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The contract's exit codes (DESIGN §4)."""

    OK = 0
    VIOLATION = 1
    USAGE = 2
    REPO_STATE = 3
    PATCH_DOES_NOT_APPLY = 4
    INTERNAL = 5


class GitPodsError(Exception):
    """A failure with a message a person can act on; subclasses fix the exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.rule = rule


class UsageError(GitPodsError):
    """The command line asks for something that cannot be done as written."""

    exit_code = ExitCode.USAGE


class Refused(GitPodsError):
    """A policy refuses what was asked (exit 1, like a hook blocking)."""

    exit_code = ExitCode.VIOLATION


class ConfigError(GitPodsError):
    """A configuration that cannot be used (bad option value, unreadable config)."""

    exit_code = ExitCode.USAGE


class GitNotFound(ConfigError):
    """git itself cannot be run."""


class RepoStateError(GitPodsError):
    """The repository is not in a state the command can work in."""

    exit_code = ExitCode.REPO_STATE


class NotARepo(RepoStateError):
    """The command needs a git repository and there is none here."""


class PatchDoesNotApply(GitPodsError):
    """A diff that does not apply to its base."""

    exit_code = ExitCode.PATCH_DOES_NOT_APPLY


class GitFailed(GitPodsError):
    """git itself failed in a way no domain error explains: carries the command and its stderr."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        shown = " ".join(args)
        super().__init__(
            f"git failed (exit {returncode}): {shown}\n{stderr.strip()}",
            hint="this is unexpected; rerun with GIT_TRACE=1 to see what git did",
        )
        self.args_run = args
        self.returncode = returncode
        self.stderr = stderr
