"""git-pod-init: the typer shell for `git pod-init` (adopt git-pods in this repository)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from git_pods.cli import _shell
from git_pods.commands import init as command

app = _shell.new_app()

HELP = """Adopt git-pods in this repository: config, prompts, queue, notes config and hooks.

Writes what is missing: .pods/config.yaml (the five default pods, their handoff graph and path
policy), prompts/<pod>.txt (each pod's working procedure), .patches/queue/ and the .gitattributes
lines; sets notes.rewriteRef, the notes merge strategy and a notes fetch refspec per remote in
this repository's config (never the global one); installs the pre-commit, commit-msg, pre-push,
post-commit and post-rewrite hooks into the effective hooks folder (core.hooksPath too), keeping
any hook already there and running it first. In a repository that uses the pre-commit framework
(.pre-commit-config.yaml), it adds the git-pods hooks to that file and installs them through
`pre-commit install` instead; post-rewrite stays a native hook there (the framework gives it
none of git's input), and the framework's pre-push checks only the first pushed ref.

--ci github writes .github/workflows/git-pods.yml and git-pods-promote.yml; --ci gitlab writes
.gitlab/git-pods.yml and creates .gitlab-ci.yml to include it, or says which line to add to an
existing one. Both run the pre-commit hooks (where the repository uses the framework) and git
pod-verify over what each push or pull/merge request brings, and git pod-promote --all --push
when a push to the default branch adds bundles to .patches/queue/. A CI file someone edited, or
did not get from git-pods, is left alone; an unedited one from an earlier release is replaced.

--codeowners writes CODEOWNERS from the pods' paths and owners in .pods/config.yaml: where one
already is, else .github/CODEOWNERS in a GitHub-only repository, else CODEOWNERS at the top. A
path's owners are those of every pod that may change it; pods without owners are skipped, and a
CODEOWNERS someone edited or wrote is left alone, in the same way as the CI files.

Running it again changes nothing and says so; --uninstall restores what was there (files it
created are removed only when unchanged and never committed)."""

EXAMPLES = """Examples:

\b
  git pod-init                  # adopt, or repair after husky/lefthook replaced the hooks
  git pod-init --ci github      # also write the GitHub Actions workflows (--ci gitlab: GitLab CI)
  git pod-init --codeowners     # also write CODEOWNERS from the pods' owners
  git pod-init --json           # what was done, as data
  git pod-init --uninstall      # remove the hooks and settings, restore chained hooks
  git pod-init --hooks-repo https://git.example.com/mirror/git-pods --hooks-rev v0.2.0"""


@app.command(help=HELP, epilog=EXAMPLES)
def init(
    uninstall: Annotated[
        bool,
        typer.Option("--uninstall", help="Remove what git pod-init installed and restore what was there."),
    ] = False,
    hooks_repo: Annotated[
        str | None,
        typer.Option(
            "--hooks-repo",
            metavar="URL",
            help="Pre-commit framework only: where the framework fetches the git-pods hooks "
            f"(default {command.framework.HOOKS_REPO}).",
            show_default=False,
        ),
    ] = None,
    hooks_rev: Annotated[
        str | None,
        typer.Option(
            "--hooks-rev",
            metavar="REV",
            help="Pre-commit framework only: the tag or commit of --hooks-repo (default: this release).",
            show_default=False,
        ),
    ] = None,
    ci: Annotated[
        str | None,
        typer.Option(
            "--ci",
            metavar="FORGE",
            help="Also write the CI definitions running git pod-verify and the server-side promote: "
            "github (.github/workflows/git-pods.yml, git-pods-promote.yml) or gitlab "
            "(.gitlab/git-pods.yml, included from .gitlab-ci.yml).",
            show_default=False,
        ),
    ] = None,
    codeowners: Annotated[
        bool,
        typer.Option(
            "--codeowners",
            help="Also write CODEOWNERS (.github/CODEOWNERS or CODEOWNERS) from the pods' paths and owners.",
        ),
    ] = False,
    json_mode: _shell.JsonOption = False,
) -> None:
    options = command.InitOptions(
        uninstall=uninstall, ci=ci, codeowners=codeowners, hooks_repo=hooks_repo, hooks_rev=hooks_rev
    )
    raise typer.Exit(command.run(options, Path.cwd(), sys.stdout, json_mode))


def main() -> NoReturn:
    _shell.main(app, "init")
