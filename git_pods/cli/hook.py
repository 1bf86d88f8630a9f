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
       git-pods-hook pre-push [REMOTE URL]   (git's ref lines on stdin)
       git-pods-hook post-commit | post-rewrite   (declared; not implemented yet)

Runs the git-pods checks for one git hook (pod-bundle, pod-commit-msg) on what is staged.
The hooks that `git pod-init` installs and the pre-commit framework call it; to check
files by hand, use `git pod-validate`.
"""


LATER = {"post-commit": "pod-post-commit", "post-rewrite": "pod-post-rewrite"}


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
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("git-pods: interrupted\n")
        return 130
    except Exception as exc:
        from git_pods.errors import GitPodsError

        if isinstance(exc, GitPodsError):
            where = f"{exc.file}: " if exc.file else ""
            sys.stderr.write(f"git-pods-hook: error: {where}{exc.message}\n")
            if exc.hint:
                sys.stderr.write(f"    fix: {exc.hint}\n")
            return int(exc.exit_code)
        from git_pods import __version__
        from git_pods.crash import write_crash_log

        log = write_crash_log("git-pods-hook", args)
        sys.stderr.write(
            f"git-pods-hook: internal error (a bug in git-pods {__version__}): {type(exc).__name__}: {exc}\n"
            + (f"    crash log: {log}\n" if log else "")
            + "    to commit anyway: SKIP=pod-bundle,pod-commit-msg git commit ... (recorded)\n"
        )
        return 5


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
        return verify.pre_push(cwd, remote, sys.stdin.read().splitlines(), sys.stderr)
    if args[:1] and args[0] in LATER:
        sys.stderr.write(f"git-pods: {LATER[args[0]]} checks nothing yet in this release\n")
        return 0
    sys.stderr.write(USAGE)
    return 2


if __name__ == "__main__":
    main()
