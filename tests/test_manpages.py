"""The man pages: current with the commands' help, complete, and found by `git pod-<verb> --help`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from git_pods.cli import _shell, manpage
from git_pods.errors import ExitCode

MAN_DIR = Path(__file__).resolve().parents[1] / "man" / "man1"
SECTIONS = (".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", '.SH "EXIT STATUS"')
SCRIPTS = {
    "init", "assign", "submit", "status", "intake", "promote", "handoff",
    "reject", "requeue", "close", "validate", "verify", "report", "sync", "doctor",
}  # fmt: skip


def flags_of(verb: str) -> list[str]:
    """Every option flag the verb's command accepts, the help option included."""
    command = manpage.command_for(verb)
    flags = list(_shell.CONTEXT["help_option_names"])
    for param in command.params:
        if isinstance(param, typer.core.TyperOption) and not param.hidden:
            flags += param.opts + param.secondary_opts
    return flags


def test_every_verb_has_a_page() -> None:
    assert set(manpage.VERBS) == SCRIPTS
    assert len(manpage.VERBS) == 15
    pages = {path.name for path in MAN_DIR.glob("git-pod-*.1")}
    assert pages == {manpage.page_name(verb) for verb in manpage.VERBS}


@pytest.mark.parametrize("verb", manpage.VERBS)
def test_committed_page_matches_the_help(verb: str) -> None:
    path = MAN_DIR / manpage.page_name(verb)
    assert path.is_file(), f"{path} is missing: run `make man`"
    assert path.read_text(encoding="utf-8") == manpage.render(verb), (
        f"{path} differs from the command's help: run `make man` and commit the pages"
    )


@pytest.mark.parametrize("verb", manpage.VERBS)
def test_page_has_the_sections_and_every_flag(verb: str) -> None:
    text = (MAN_DIR / manpage.page_name(verb)).read_text(encoding="utf-8")
    lines = text.splitlines()
    for section in SECTIONS:
        assert section in lines, f"{verb}: no {section}"
    assert lines.index(".SH NAME") < lines.index(".SH SYNOPSIS") < lines.index(".SH OPTIONS")
    assert f"git\\-pod\\-{verb} \\- " in text
    options = text.split(".SH OPTIONS", 1)[1].split("\n.SH ", 1)[0]
    for flag in flags_of(verb):
        assert f"\\fB{flag.replace('-', chr(92) + '-')}\\fR" in options, f"{verb}: {flag} not in OPTIONS"


def test_exit_status_lists_every_contract_code() -> None:
    text = manpage.render("validate")
    exit_status = text.split('.SH "EXIT STATUS"', 1)[1].split("\n.SH ", 1)[0]
    assert set(manpage.EXIT_STATUS) == set(ExitCode)
    for code in ExitCode:
        assert f".TP\n\\fB{int(code)}\\fR\n" in exit_status


def test_render_is_deterministic_and_escapes_roff() -> None:
    text = manpage.render("promote")
    assert text == manpage.render("promote")
    assert '.TH "GIT\\-POD\\-PROMOTE" 1 ' in text
    # a help line starting with '.' must not become a roff request
    assert "\n\\&.patches/<ID>.diff" in text
    # the examples stay verbatim, without click's \b marker
    examples = text.split(".SH EXAMPLES\n", 1)[1]
    assert examples.startswith(".nf\n  git pod\\-promote \\-\\-all\n")
    assert "\b" not in text


def test_render_refuses_an_unknown_verb() -> None:
    with pytest.raises(ValueError, match="unknown verb"):
        manpage.render("frobnicate")


def test_check_mode_reports_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert manpage.main([str(tmp_path)]) == 0
    assert manpage.main(["--check", str(tmp_path)]) == 0
    stale = tmp_path / "git-pod-sync.1"
    stale.write_text(stale.read_text(encoding="utf-8") + ".PP\nedited by hand\n", encoding="utf-8")
    (tmp_path / "git-pod-doctor.1").unlink()
    capsys.readouterr()
    assert manpage.main(["--check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "git-pod-sync.1" in err
    assert "git-pod-doctor.1" in err
    assert "git-pod-init.1" not in err
    assert "make man" in err


def test_installed_page_is_found_by_git_help(tmp_path: Path) -> None:
    installed = Path(sys.prefix) / "share" / "man" / "man1" / "git-pod-validate.1"
    assert installed.is_file(), f"{installed} missing: the wheel's shared-data did not install the pages"
    if shutil.which("man") is None:
        pytest.skip("the `man` program is not installed, so `git pod-validate --help` cannot show a page")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"MANPATH", "GIT_DIR", "GIT_WORK_TREE"}}
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)]),
        MANPAGER="cat",
        PAGER="cat",
        MANWIDTH="80",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    subprocess.run(["git", "init", "-q"], cwd=repo, env=env, check=True)
    result = subprocess.run(
        ["git", "pod-validate", "--help"],
        check=False,
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    shown = re.sub(r"\x1b\[[0-9;]*m", "", re.sub(r".\x08", "", result.stdout))
    assert "git-pod-validate" in shown
    assert "EXIT STATUS" in shown
    assert "--explain" in shown
