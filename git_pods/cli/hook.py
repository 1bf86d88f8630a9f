"""git-pods-hook: the lean entry the installed hooks and the pre-commit framework run (no typer here).

A hook runs on every commit, so this module imports only what the hook in question needs,
and only after the shell pre-filter in the installed hook found pod files staged.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

USAGE = """usage: git-pods-hook pre-commit
       git-pods-hook commit-msg MESSAGE_FILE
       git-pods-hook pre-push [REMOTE URL]   (git's ref lines on stdin, or the pre-commit
                                             framework's PRE_COMMIT_* range)
       git-pods-hook post-commit
       git-pods-hook post-rewrite amend|rebase   (git's `<old> <new>` lines on stdin)

Runs the git-pods checks for one git hook (pod-bundle, pod-commit-msg, pod-pre-push) on what
is staged or pushed, or records metric events after a commit or rewrite (pod-post-commit,
pod-post-rewrite: these only warn, and always exit 0). The hooks that `git pod-init` installs
and the pre-commit framework call it; to check files by hand, use `git pod-validate`.
"""


AFTER = {"post-commit": "the commit is made", "post-rewrite": "the rewrite is done"}  # never fail these


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run one hook's checks and exit with the contract's code; a bug is exit 5 with a crash log."""
    gc.disable()  # a short-lived process: the cycle collector only slows the imports down
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        _exit(0)
    _exit(_run(args))


def _exit(code: int) -> NoReturn:
    """Flush and leave without the interpreter's teardown: it costs a hook 6-10 ms, and by now
    every child is reaped, every file closed and the scratch copy removed."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _run(args: list[str]) -> int:
    after = AFTER.get(args[0]) if args else None
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("git-pods: interrupted\n")
        return 0 if after else 130
    except Exception as exc:
        from git_pods.errors import GitPodsError

        level = "warning" if after else "error"
        if isinstance(exc, GitPodsError):
            where = f"{exc.file}: " if exc.file else ""
            sys.stderr.write(f"git-pods-hook: {level}: {where}{exc.message}\n")
            if exc.hint:
                sys.stderr.write(f"    fix: {exc.hint}\n")
            return 0 if after else int(exc.exit_code)
        from git_pods import __version__
        from git_pods.crash import write_crash_log

        log = write_crash_log("git-pods-hook", args)
        sys.stderr.write(
            f"git-pods-hook: {level}: internal error (a bug in git-pods {__version__}): "
            f"{type(exc).__name__}: {exc}\n"
            + (f"    crash log: {log}\n" if log else "")
            + (
                f"    {after}; its metric events may be missing\n"
                if after
                else "    to commit anyway: SKIP=pod-bundle,pod-commit-msg git commit ... (recorded)\n"
            )
        )
        return 0 if after else 5


def _dispatch(args: list[str]) -> int:
    from git_pods.gitio import prefetch

    cwd = Path.cwd()
    wanted = args == ["pre-commit"] or (len(args) == 2 and args[0] == "commit-msg")
    early = prefetch.start_for(args[0], cwd) if wanted else None  # git works while Python imports
    try:
        if args == ["pre-commit"] and early is not None:
            from git_pods.gitio.staged import read_staged

            staged = read_staged(cwd, early=early)
            if not staged.changes:  # the framework runs this on every commit: decide before the imports
                return 0
            from git_pods.commands import hook

            return hook.pre_commit(cwd, sys.stderr, os.environ, early, staged)
        if early is not None:
            from git_pods.commands import hook

            return hook.commit_msg(cwd, Path(args[1]), sys.stderr, os.environ, early)
    finally:
        if early is not None:
            early.close()
    if args[:1] == ["pre-push"]:
        from git_pods.commands import verify

        remote = args[1] if len(args) > 1 else "the remote"
        return verify.pre_push(cwd, remote, sys.stdin.read().splitlines(), sys.stderr, os.environ)
    if args == ["post-commit"]:
        from git_pods.commands import history

        return history.post_commit(cwd, sys.stderr, os.environ)
    if args[:1] == ["post-rewrite"]:
        from git_pods.commands import history

        how = args[1] if len(args) == 2 else " ".join(args[1:])
        lines = sys.stdin.buffer.read().decode("ascii", "replace").splitlines()
        return history.post_rewrite(cwd, how, lines, sys.stderr, os.environ)
    sys.stderr.write(USAGE)
    return 2


if __name__ == "__main__":
    main()
