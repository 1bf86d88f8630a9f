"""The man pages: one roff page (section 1) per git-pod-<verb>, rendered from that verb's click command.

`git pod-<verb> --help` never reaches the program (git runs `man git-pod-<verb>`), so the
pages are generated from the same help text `-h` prints and shipped under share/man/man1.
Rendering is deterministic (no dates): regenerating gives identical bytes, and
`python -m git_pods.cli.manpage --check DIR` proves the committed pages are current.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from typer._click.core import Command, Context
from typer.core import TyperArgument, TyperOption

from git_pods import __version__
from git_pods.errors import ExitCode

VERBS: tuple[str, ...] = (
    "init",
    "assign",
    "submit",
    "status",
    "intake",
    "promote",
    "handoff",
    "reject",
    "requeue",
    "close",
    "validate",
    "verify",
    "report",
    "sync",
    "doctor",
)

EXIT_STATUS: dict[ExitCode, str] = {
    ExitCode.OK: "Success.",
    ExitCode.VIOLATION: "A policy violation or an invalid artifact.",
    ExitCode.USAGE: "A usage or configuration error.",
    ExitCode.REPO_STATE: (
        "The repository's state: not a repository, missing or shallow history, a lock held."
    ),
    ExitCode.PATCH_DOES_NOT_APPLY: "A patch does not apply.",
    ExitCode.INTERNAL: (
        "An internal error (a bug in git-pods). A crash log is written under the repository's "
        "git folder (pods/crash-*.log), else under the temporary folder, and its path is printed."
    ),
}
INTERRUPTED = "Interrupted (Ctrl-C)."

REGENERATE = "make man"
VERBATIM_MARK = "\b"  # click's no-rewrap marker: a line holding only \b before a paragraph
_METAVAR = re.compile(r"([A-Z][A-Z0-9_.]*[A-Z0-9_]|[A-Z])")


def page_name(verb: str) -> str:
    """The page's file name: git-pod-<verb>.1."""
    return f"git-pod-{verb}.1"


def command_for(verb: str) -> Command:
    """The verb's click command, importing its typer app only now."""
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}; expected one of: {', '.join(VERBS)}")
    module = importlib.import_module(f"git_pods.cli.{verb}")
    app = getattr(module, "app", None)
    if not isinstance(app, typer.Typer):
        raise TypeError(f"git_pods.cli.{verb} has no typer app named 'app'")
    return typer.main.get_command(app)


# -- roff escaping ---------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text safe inside a roff line: backslashes, hyphens as minus, quotes that copy and paste."""
    text = "".join(ch for ch in text if ch == "\t" or ch >= " ")
    return text.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq").replace("`", "\\(ga")


def _line(text: str) -> str:
    """One escaped input line that roff never reads as a request (a leading '.' or "'")."""
    escaped = _escape(text)
    return "\\&" + escaped if escaped.startswith((".", "'")) else escaped


def _bold(text: str) -> str:
    return f"\\fB{_escape(text)}\\fR"


def _italic(text: str) -> str:
    return f"\\fI{_escape(text)}\\fR"


def _with_metavars(text: str) -> str:
    """Escape usage text, setting the upper-case metavars (PATH, A..B) in italics."""
    parts = _METAVAR.split(text)
    return "".join(_italic(part) if index % 2 else _escape(part) for index, part in enumerate(parts))


def _quoted(text: str) -> str:
    """A macro argument in double quotes (a quote inside becomes roff's \\(dq)."""
    return '"' + _escape(text).replace('"', "\\(dq") + '"'


# -- help text as paragraphs -----------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[bool, list[str]]]:
    """Split help text as click does: blank lines part paragraphs; a \\b line marks one verbatim."""
    text = inspect.cleandoc(text.split("\f", 1)[0])
    result: list[tuple[bool, list[str]]] = []
    lines: list[str] = []
    for raw in [*text.splitlines(), ""]:
        if raw.strip():
            lines.append(raw.rstrip())
        elif lines:
            verbatim = lines[0].strip() == VERBATIM_MARK
            result.append((verbatim, lines[1:] if verbatim else [line.strip() for line in lines]))
            lines = []
    return [(verbatim, body) for verbatim, body in result if body]


def _render_paragraphs(
    paragraphs: Sequence[tuple[bool, list[str]]], first: str = ".PP", between: str = ".PP"
) -> list[str]:
    """Filled paragraphs opened by `first` then `between` ('' for none); verbatim ones in .nf/.fi."""
    out: list[str] = []
    for index, (verbatim, body) in enumerate(paragraphs):
        opener = between if index else first
        if opener:
            out.append(opener)
        if verbatim:
            out += [".nf", *(_line(line) if line.strip() else "\\&" for line in body), ".fi"]
        else:
            out += [_line(line) for line in body]
    return out


def _is_heading(body: list[str], word: str) -> bool:
    return len(body) == 1 and body[0].rstrip(":").strip().lower() == word


def _is_exit_note(body: list[str]) -> bool:
    return body[0].lower().startswith("exit codes:")


# -- sections --------------------------------------------------------------------------------


def _context(verb: str, command: Command) -> Context:
    return command.context_class(command, info_name=f"git pod-{verb}", **command.context_settings)


def _join_flags(opts: Sequence[str]) -> list[str]:
    """Flags as click orders them: short prefixes first, else in declaration order."""
    return sorted(opts, key=lambda opt: len(opt) - len(opt.lstrip("-/")))


def _option_entry(ctx: Context, option: TyperOption) -> list[str]:
    flags = ", ".join(_bold(flag) for flag in _join_flags(option.opts))
    if not option.is_flag and not option.count:
        metavar = option.display_type_rich(ctx=ctx)
        if metavar:
            flags += " " + _italic(metavar)
    if option.secondary_opts:
        flags += ", " + ", ".join(_bold(flag) for flag in _join_flags(option.secondary_opts))
    record = option.get_help_record(ctx)
    help_text = record[1] if record else ""
    return [".TP", flags, *_render_paragraphs(_paragraphs(help_text), first="", between=".IP")]


def _argument_entry(argument: TyperArgument) -> list[str]:
    name = _italic(argument.metavar or argument.name.upper())
    if argument.nargs != 1:
        name += "..."
    help_text = argument.help or ""
    if argument.required:
        help_text = f"{help_text}  [required]" if help_text else "[required]"
    return [".TP", name, *_render_paragraphs(_paragraphs(help_text), first="", between=".IP")]


def render(verb: str) -> str:
    """The roff source of git-pod-<verb>(1), identical bytes for identical help."""
    command = command_for(verb)
    ctx = _context(verb, command)
    name = f"git-pod-{verb}"
    help_paragraphs = _paragraphs(command.help or "")
    summary = " ".join(help_paragraphs[0][1]) if help_paragraphs else ""
    epilog = _paragraphs(command.epilog or "")
    examples = [p for p in epilog if not _is_heading(p[1], "examples") and not _is_exit_note(p[1])]
    exit_notes = [p for p in epilog if _is_exit_note(p[1])]

    out = [
        f".\\\" {name}(1): generated by git_pods.cli.manpage from the command's help; do not edit.",
        f'.\\" Regenerate with: {REGENERATE}',
        f".TH {_quoted(name.upper())} 1 {_quoted(__version__)} {_quoted('git-pods')} "
        f"{_quoted('Git Pods Manual')}",
        ".nh",  # never hyphenate: names and flags must read (and copy) whole
        ".ad l",
        ".SH NAME",
        f"{_escape(name)} \\- {_escape(summary)}",
        ".SH SYNOPSIS",
        f"{_bold(f'git pod-{verb}')} {_with_metavars(' '.join(command.collect_usage_pieces(ctx)))}",
    ]
    if help_paragraphs[1:]:
        out += [".SH DESCRIPTION", *_render_paragraphs(help_paragraphs[1:], first="")]
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    out.append(".SH OPTIONS")
    for param in params:
        if isinstance(param, TyperArgument):
            out += _argument_entry(param)
    for param in params:
        if isinstance(param, TyperOption):
            out += _option_entry(ctx, param)
    if examples:
        out += [".SH EXAMPLES", *_render_paragraphs(examples, first="")]
    out.append('.SH "EXIT STATUS"')
    for code in ExitCode:
        out += [".TP", f"\\fB{int(code)}\\fR", _line(EXIT_STATUS[code])]
    out += [".TP", "\\fB130\\fR", _line(INTERRUPTED)]
    if exit_notes:
        out += _render_paragraphs(exit_notes)
    out.append(".SH SEE ALSO")
    others = [f"git-pod-{other}" for other in VERBS if other != verb]
    out += [f".BR {_escape(other)} (1)," for other in others]
    out.append(".BR git (1)")
    return "\n".join(out) + "\n"


# -- the command line ------------------------------------------------------------------------


def write_all(outdir: Path) -> list[Path]:
    """Write every verb's page into outdir; return the paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for verb in VERBS:
        path = outdir / page_name(verb)
        path.write_bytes(render(verb).encode("utf-8"))
        written.append(path)
    return written


def stale_pages(outdir: Path) -> list[Path]:
    """The pages under outdir that are missing or differ from what render() gives now."""
    stale = []
    for verb in VERBS:
        path = outdir / page_name(verb)
        try:
            current = path.read_bytes()
        except OSError:
            stale.append(path)
            continue
        if current != render(verb).encode("utf-8"):
            stale.append(path)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m git_pods.cli.manpage [--check] OUTDIR`: write the pages, or check they are current."""
    parser = argparse.ArgumentParser(
        prog="python -m git_pods.cli.manpage",
        description="Render the git-pod-<verb>(1) man pages from the commands' help.",
    )
    parser.add_argument("outdir", type=Path, metavar="OUTDIR", help="the folder for git-pod-<verb>.1")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing every page that is missing or differs",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    outdir: Path = args.outdir
    if args.check:
        stale = stale_pages(outdir)
        for path in stale:
            sys.stderr.write(f"{path}: out of date with the command's help\n")
        if stale:
            sys.stderr.write(f"run `{REGENERATE}` to regenerate the man pages\n")
            return 1
        return 0
    for path in write_all(outdir):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
