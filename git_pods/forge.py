"""Pull and merge requests for pushed task branches: the body made from the bundles promoted on
the branch, opened or updated through the forge's own CLI (gh, glab), else written to a file
with the forge's compare URL. The CLI never prompts, and no credential is ever printed."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlsplit

from git_pods.bundle import CHANGELOG, HANDOFF, LOGS_DIR, TRACE, review_lines, verdict_of
from git_pods.checks.rules import violation
from git_pods.errors import RepoStateError
from git_pods.fsio import write_atomic
from git_pods.gitio.objects import read_objects
from git_pods.gitio.runner import Git, git_dir
from git_pods.record import record
from git_pods.sync import NO_PROMPT as GIT_NO_PROMPT
from git_pods.violation import Violation
from git_pods.yamlsafe import YamlProblems, load

TRAILER_KEYS = ("pod", "task", "patch-id", "pod-bundle", "pod-review", "assisted-by")
BODY_LIMIT = 60_000  # GitHub refuses bodies over 65,536 characters
TIMEOUT = 120
PR_DIR = "pods/pr"
CLI = {"github": "gh", "gitlab": "glab"}
# Never a prompt: gh, glab and any git they run fail instead of asking (and have no terminal).
NO_PROMPT = {
    **GIT_NO_PROMPT,  # git's own part: no terminal prompt, no askpass, no credential manager UI
    "GH_PROMPT_DISABLED": "1",
    "GH_NO_UPDATE_NOTIFIER": "1",
    "GH_SPINNER_DISABLED": "1",
    "GLAB_NO_PROMPT": "true",
    "NO_PROMPT": "true",
    "GH_PAGER": "cat",
    "PAGER": "cat",
    "NO_COLOR": "1",
}
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")


@record
class Remote:
    """Where a remote lives on the web: its forge (github, gitlab, or None), host and project."""

    forge: str | None
    host: str
    project: str  # OWNER/REPO, or GROUP/SUBGROUP/REPO on GitLab

    def compare_url(self, branch: str, base: str) -> str | None:
        """The page that opens a request for branch into base, filled in; None off a known forge."""
        web = f"https://{self.host}/{self.project}"
        if self.forge == "github":
            return f"{web}/compare/{quote(base, safe='/')}...{quote(branch, safe='/')}?expand=1"
        if self.forge == "gitlab":
            return (
                f"{web}/-/merge_requests/new?merge_request[source_branch]={quote(branch, safe='/')}"
                f"&merge_request[target_branch]={quote(base, safe='/')}"
            )
        return None


@record
class Description:
    """A request's title, body and labels, from the bundles promoted on the branch."""

    title: str
    body: str
    labels: tuple[str, ...]
    trailers: tuple[str, ...]


@record
class ForgeResult:
    """What open_or_update did: `created` or `updated` a request, or `written` its body only."""

    action: str
    forge: str | None
    url: str | None  # the request, or (written) the page that opens one by hand
    body_file: Path
    title: str
    labels: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    lines: tuple[str, ...] = ()  # what was printed, for a caller that prints them itself

    @property
    def status(self) -> str:
        return self.action

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"action": self.action, "forge": self.forge, "title": self.title}
        out.update(url=self.url, body_file=str(self.body_file), labels=list(self.labels))
        out["violations"] = [v.to_json() for v in self.violations]
        return out


class _Failed(Exception):
    """The forge's CLI failed; the message is safe to print."""


def scrub(text: str) -> str:
    """text without the user:password@ of any URL in it."""
    return _USERINFO.sub(r"\1", text)


def parse_remote(url: str, env: Mapping[str, str]) -> Remote | None:
    """A remote URL (https, ssh, scp form) as host and project; None for a local path."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("https", "http", "ssh", "git", "git+ssh", "ssh+git"):
            return None
        host = (parts.hostname or "").lower()
        if parts.scheme.lower().startswith("http") and parts.port:
            host = f"{host}:{parts.port}"  # a web port is part of the web address; an ssh one is not
        path = parts.path
    else:
        scp = re.fullmatch(r"(?:[^@/:]+@)?([^@/:]+):(?!/)(.+)", url)
        if scp is None:
            return None
        host, path = scp.group(1).lower(), scp.group(2)
    project = path.strip("/").removesuffix(".git").strip("/")
    if not host or not project or any(part in ("", ".", "..") for part in project.split("/")):
        return None
    host = "github.com" if host == "ssh.github.com" else host
    return Remote(_forge_of(host.split(":")[0], env), host, project)


def _forge_of(host: str, env: Mapping[str, str]) -> str | None:
    def named(variable: str) -> str:
        value = env.get(variable, "").strip().lower()
        return (urlsplit(value).hostname or "") if "://" in value else value.split("/")[0].split(":")[0]

    if host == "github.com" or host == named("GH_HOST"):
        return "github"
    if host == "gitlab.com" or host in (named("GITLAB_HOST"), named("GL_HOST")) or host.startswith("gitlab."):
        return "gitlab"
    return None


def describe(git: Git, branch: str, base: str) -> Description:
    """Title, body, labels and trailers from the commits on base..branch that carry a Patch-Id
    (their archived logs read from the branch's tip in one batch)."""
    args = ["log", "--reverse", "-z", "--no-show-signature", "--format=%H%x00%(trailers:only,unfold)"]
    raw = git.run([*args, f"{base}..{branch}", "--"]).stdout.decode("utf-8", "replace")
    trailers: list[str] = []
    patch_ids: list[str] = []
    for text in raw.split("\0")[1::2]:
        mine = [line for line in text.splitlines() if _key(line) in TRAILER_KEYS]
        ids = [line.partition(":")[2].strip() for line in mine if _key(line) == "patch-id"]
        if ids:
            trailers += mine
            patch_ids += [i for i in ids if i not in patch_ids]
    specs = [f"{branch}:{LOGS_DIR}/{pid}/{name}" for pid in patch_ids for name in (TRACE, CHANGELOG, HANDOFF)]
    found = read_objects(git, specs)

    def doc(pid: str, name: str) -> Any:
        obj = found.get(f"{branch}:{LOGS_DIR}/{pid}/{name}")
        try:
            return load(obj.data, f"{LOGS_DIR}/{pid}/{name}").data if obj is not None else None
        except YamlProblems:
            return None

    logs = [(pid, doc(pid, TRACE), doc(pid, CHANGELOG), doc(pid, HANDOFF)) for pid in patch_ids]
    pods = _values(trailers, "pod")
    tasks = _values(trailers, "task")
    title = _title(tasks, logs, branch)
    criteria = _acceptance(git, base, tasks)
    body = _body(branch, base, tasks, logs, trailers, full=True, criteria=criteria)
    if len(body) > BODY_LIMIT:
        body = _body(branch, base, tasks, logs, trailers, full=False, criteria=criteria)
    return Description(title, body, tuple(f"pod:{pod}" for pod in pods), tuple(trailers))


def pr_body(git: Git, branch: str, base: str) -> str:
    """The request's body: per promoted bundle its summary, steps, risks, changelog and handoff;
    its last paragraph is exactly the commits' trailers, so a squash merge keeps them."""
    return describe(git, branch, base).body


def _key(line: str) -> str:
    return line.partition(":")[0].strip().lower()


def _values(trailers: Sequence[str], key: str) -> list[str]:
    out: list[str] = []
    for line in trailers:
        value = line.partition(":")[2].strip()
        if _key(line) == key and value and value not in out:
            out.append(value)
    return out


def _line(value: Any) -> str:
    """One line of text: a log's value can hold line breaks, which would reshape the body (a
    `---` line ends what git reads trailers from)."""
    return " ".join(str(value).split()) if value is not None else ""


def _title(tasks: list[str], logs: list[tuple[str, Any, Any, Any]], branch: str) -> str:
    first = ""
    for _pid, trace, changelog, _handoff in logs[:1]:
        entries = [e for e in _dict(changelog).get("entries") or [] if isinstance(e, dict)]
        first = _line(
            _dict(changelog).get("title")
            or (entries[0].get("description") if entries else None)
            or _dict(trace).get("summary")
        )
    task = ", ".join(tasks[:3]) + (", ..." if len(tasks) > 3 else "")
    title = f"{task}: {first}" if task and first else first or task or branch
    return title if len(title) <= 120 else title[:117].rstrip() + "..."


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _acceptance(git: Git, base: str, tasks: list[str]) -> list[str]:
    """The tasks' acceptance criteria, from their ledgers as the base branch has them."""
    from git_pods.ledger import path_of
    from git_pods.prompting import acceptance_of

    specs = {task: f"{base}:{path_of(task)}" for task in tasks}
    found = read_objects(git, specs.values())
    out: list[str] = []
    for task, spec in specs.items():
        obj = found.get(spec)
        try:
            data = load(obj.data, path_of(task)).data if obj is not None else None
        except YamlProblems:
            data = None
        named = len(tasks) > 1  # with several tasks, each criterion says whose it is
        out += [f"{task}: {_line(i)}" if named else _line(i) for i in acceptance_of(_dict(data))]
    return out


def _body(
    branch: str,
    base: str,
    tasks: list[str],
    logs: list[tuple[str, Any, Any, Any]],
    trailers: list[str],
    full: bool,
    criteria: Sequence[str] = (),
) -> str:
    if not logs:
        return f"No bundle promoted by git-pods on `{branch}` since `{base}`.\n"
    count = f"{len(logs)} bundle{'s' if len(logs) != 1 else ''}"
    task = f"task{'s' if len(tasks) != 1 else ''} {', '.join(tasks)}"
    parts = [f"{count} promoted by git-pods on `{branch}` for {task}."]
    if criteria:
        parts.append("Acceptance criteria:\n" + "\n".join(f"- [ ] {item}" for item in criteria))
    for pid, trace, changelog, handoff in logs:
        parts += _section(pid, _dict(trace), _dict(changelog), handoff, full)
    if not full:
        parts.append(f"The logs are shortened to fit; each bundle's are in `{LOGS_DIR}/<patch id>/`.")
    parts.append(
        "Squash merges: keep the lines below as the last paragraph of the message; git pod-verify reads them."
    )
    parts.append("\n".join(trailers))
    return "\n\n".join(parts) + "\n"


def _section(
    pid: str, trace: dict[str, Any], changelog: dict[str, Any], handoff: Any, full: bool
) -> list[str]:
    pod = _line(trace.get("pod") or changelog.get("pod"))
    out = [f"### {pid}" + (f" · {pod}" if pod else "")]
    if trace.get("summary"):
        out.append(f"**{_line(trace['summary'])}**")
    if not full:
        return out
    steps = [s.get("step", "") if isinstance(s, dict) else s for s in trace.get("steps") or []]
    if steps:
        out.append("Steps:\n" + "\n".join(f"{n}. {_line(s)}" for n, s in enumerate(steps, 1)))
    if trace.get("risks"):
        out.append("Risks:\n" + "\n".join(f"- {_line(r)}" for r in trace["risks"]))
    entries = [e for e in changelog.get("entries") or [] if isinstance(e, dict)]
    if entries:
        out.append(
            "Changelog:\n"
            + "\n".join(
                f"- {_line(e.get('type', 'changed'))}: {_line(e.get('description'))}"
                + (" **(breaking)**" if e.get("breaking") else "")
                for e in entries
            )
        )
    verdict = verdict_of(trace)
    if verdict is not None:
        out.append("\n".join([f"Review: {verdict}", *review_lines(trace)]))
    handoffs = [h for h in (handoff if isinstance(handoff, list) else [handoff]) if isinstance(h, dict)]
    for item in handoffs:
        out.append(
            f"Handoff: {_line(item.get('from'))} → {_line(item.get('to'))}: {_line(item.get('reason'))}"
        )
    return out


def body_path(common: Path, branch: str) -> Path:
    """Where the body is kept: <git-common-dir>/pods/pr/<branch, / as ->.md."""
    return common / PR_DIR / (branch.replace("/", "-") + ".md")


def open_or_update(
    git: Git,
    root: Path,
    remote: str,
    branch: str,
    base: str,
    out: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> ForgeResult:
    """Open the pull/merge request of a pushed branch into base, or update the body of the one
    open for it; when no forge CLI can, write the body to a file and print the page to open it.
    What it says goes to out, and into the result's lines either way. env is the CLI's
    environment (this process's by default); the forge is never prompted."""
    result = _open_or_update(git, root, remote, branch, base, env)
    if out is not None:
        out.write("".join(f"{line}\n" for line in result.lines))
    return result


def _open_or_update(
    git: Git, root: Path, remote: str, branch: str, base: str, env: Mapping[str, str] | None
) -> ForgeResult:
    environ = dict(os.environ if env is None else env)
    found = git.run(["remote", "get-url", "--", remote], check=False)
    url = found.stdout.decode("utf-8", "replace").strip() if found.returncode == 0 else ""
    where = parse_remote(url, environ) if url else None
    description = describe(git, branch, _range_base(git, remote, base))
    common = git_dir(root)
    if common is None:  # pragma: no cover - git found the remote in this repository
        raise RepoStateError(f"{root} is not inside a git repository")
    path = body_path(common, branch)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, description.body.encode("utf-8"))
    if where is None or where.forge is None:
        why = f"remote {remote} is not on a forge git-pods knows" if url else f"no remote named {remote}"
        return _fallback(where, branch, base, description, path, why)
    program = CLI[where.forge]
    cli = shutil.which(program, path=environ.get("PATH", os.defpath))
    if cli is None:
        return _fallback(where, branch, base, description, path, f"{program} not found on PATH")
    run_env = {**environ, **NO_PROMPT}
    try:
        if where.forge == "github":
            action, link, problems = _github(cli, where, branch, base, description, path, run_env)
        else:
            action, link, problems = _gitlab(cli, where, branch, base, description, run_env)
    except _Failed as exc:
        return _fallback(where, branch, base, description, path, str(exc))
    kind = "pull request" if where.forge == "github" else "merge request"
    lines = [f"{kind}: {action} " + (f"{link} " if link else "") + f"({branch} -> {base})"]
    lines += [f"    warning: {p.message} ({p.rule}; fix: {p.hint})" for p in problems]
    return ForgeResult(
        action, where.forge, link, path, description.title, description.labels, tuple(problems), tuple(lines)
    )


def _range_base(git: Git, remote: str, base: str) -> str:
    """The remote's copy of base when there is one (what the request compares against)."""
    tracking = f"refs/remotes/{remote}/{base}"
    found = read_objects(git, [tracking, base])
    if found.get(tracking) is not None:
        return tracking
    if found.get(base) is None:
        raise RepoStateError(
            f"the base branch {base} is not in this repository",
            hint=f"fetch it first: git fetch {remote} {base}",
        )
    return base


def _fallback(
    where: Remote | None, branch: str, base: str, text: Description, path: Path, why: str
) -> ForgeResult:
    link = where.compare_url(branch, base) if where is not None else None
    kind = "merge request" if where is not None and where.forge == "gitlab" else "pull request"
    problem = violation("GP815", f"{kind} not opened for {branch}: {scrub(why)}")
    lines = [f"{kind}: {problem.message.removeprefix(kind + ' ')} ({problem.rule})"]
    lines += [f"    title: {text.title}", f"    body:  {path}"] + ([f"    open:  {link}"] if link else [])
    forge = where.forge if where else None
    return ForgeResult("written", forge, link, path, text.title, text.labels, (problem,), tuple(lines))


def _run(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """Run the CLI with no terminal and no input; its output, or _Failed saying why."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=dict(env),
            timeout=TIMEOUT,
            start_new_session=True,  # no controlling terminal: nothing can ask for a password
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _Failed(f"{Path(argv[0]).name} {argv[1]} {argv[2]} took over {TIMEOUT} s") from None
    except OSError as exc:
        raise _Failed(f"{Path(argv[0]).name} could not run: {exc.strerror}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise _Failed(f"{Path(argv[0]).name} {argv[1]} {argv[2]} failed (exit {done.returncode}): {said[-1]}")
    return done.stdout.decode("utf-8", "replace")


def _json(text: str, what: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text or "[]")
    except ValueError:
        raise _Failed(f"{what} did not answer in JSON") from None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _github(
    cli: str, where: Remote, branch: str, base: str, text: Description, path: Path, env: Mapping[str, str]
) -> tuple[str, str | None, list[Violation]]:
    repo = f"{where.host}/{where.project}"  # the host too: GH_HOST may name another one
    asked = ["--head", branch, "--state", "open", "--json", "number,url,isCrossRepository"]
    listed = _run([cli, "pr", "list", "--repo", repo, *asked], env)
    mine = [pr for pr in _json(listed, "gh pr list") if not pr.get("isCrossRepository")]  # never a fork's
    if mine:
        number, link = str(mine[0].get("number")), mine[0].get("url")
        _run([cli, "pr", "edit", number, "--repo", repo, "--body-file", str(path)], env)
        action = "updated"
    else:
        made = _run(
            [cli, "pr", "create", "--repo", repo, "--base", base, "--head", branch]
            + ["--title", text.title, "--body-file", str(path)],
            env,
        )
        urls = re.findall(r"https?://\S+", made)
        link = urls[-1] if urls else None
        number, action = link or branch, "created"
    if not text.labels:
        return action, link, []
    adding = [cli, "pr", "edit", number, "--repo", repo]
    adding += [arg for label in text.labels for arg in ("--add-label", label)]
    try:
        _run(adding, env)
    except _Failed:
        for label in text.labels:  # gh adds only labels that exist
            make = [cli, "label", "create", label, "--repo", repo, "--color", "5319E7"]
            with contextlib.suppress(_Failed):  # there already, or not ours to make: the retry says
                _run([*make, "--description", f"Work of {label.split(':', 1)[1]} (git-pods)"], env)
        try:
            _run(adding, env)
        except _Failed as exc:
            said = f"labels {', '.join(text.labels)} not added: {scrub(str(exc))}"
            return action, link, [violation("GP816", said)]
    return action, link, []


def _gitlab(
    cli: str, where: Remote, branch: str, base: str, text: Description, env: Mapping[str, str]
) -> tuple[str, str | None, list[Violation]]:
    repo = f"https://{where.host}/{where.project}"
    listed = _run([cli, "mr", "list", "--repo", repo, "--source-branch", branch, "-F", "json"], env)
    mine = [
        mr
        for mr in _json(listed, "glab mr list")
        if mr.get("source_project_id") == mr.get("target_project_id")  # never a fork's
    ]
    labels = [",".join(text.labels)] if text.labels else []  # GitLab creates labels it lacks
    if mine:
        iid, link = str(mine[0].get("iid")), mine[0].get("web_url")
        args = ["--description", text.body] + (["--label", *labels] if labels else [])
        _run([cli, "mr", "update", iid, "--repo", repo, *args], env)
        return "updated", link, []
    args = ["--title", text.title, "--description", text.body] + (["--label", *labels] if labels else [])
    target = ["--source-branch", branch, "--target-branch", base]
    made = _run([cli, "mr", "create", "--repo", repo, *target, *args, "--yes"], env)
    urls = re.findall(r"https?://\S+", made)
    return "created", urls[-1] if urls else None, []
