"""Webhook notices: a run's metric events posted as Slack-compatible JSON, never changing the run's outcome.

Each target in the config's `webhooks` gets at most one POST per run (the run's events batched in
one message), all targets in parallel within one time budget, never retried. Every failure is a
one-line warning (GP810-GP814) and a `Delivery` record; none is raised. The URL is a secret read
from the environment variable the target names: it is never printed, logged or written anywhere,
and messages name the variable instead.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TextIO
from urllib.parse import urlsplit

from git_pods import __version__
from git_pods.checks.rules import violation
from git_pods.record import record

if TYPE_CHECKING:
    import urllib.error
    import urllib.request
    from email.message import Message
    from typing import IO

    from git_pods.config import Config, Webhook

Status = Literal["sent", "skipped", "refused", "failed"]

DEFAULT_EVENTS = ("promoted", "rejected", "handed-off")
MAX_LINES = 40  # a 100-bundle promote still makes one readable chat message
MAX_VALUE = 200
MAX_URL = 4096
_GRACE = 0.25  # lets a socket timeout report itself before the budget runs out
_MAX_ANSWER = 64 * 1024
_SLACK_ERROR = re.compile(r"[a-z][a-z_]{0,63}")  # Slack's answers: invalid_token, no_service, ...


@record
class Delivery:
    """What happened to one webhook target in one run; `detail` never holds the URL."""

    name: str
    status: Status
    detail: str
    rule: str | None = None


@record
class _Job:
    index: int
    url: str
    body: bytes


def notify(
    config: Config,
    events: Sequence[Mapping[str, object]],
    *,
    repo: str,
    err: TextIO,
    env: Mapping[str, str] | None = None,
    timeout: float = 3.0,
) -> list[Delivery]:
    """Post the run's events to every webhook target; one Delivery per target, in config order.

    Returns within about `timeout` seconds whatever the targets do; warnings go to `err`.
    """
    source: Mapping[str, str] = os.environ if env is None else env
    done: dict[int, Delivery] = {}
    jobs: list[_Job] = []
    for index, hook in enumerate(config.webhooks):
        name = _printable(hook.name or hook.url_env)
        wanted = set(hook.events or DEFAULT_EVENTS)
        chosen = [e for e in events if isinstance(e, Mapping) and e.get("event") in wanted]
        if not chosen:
            done[index] = Delivery(name, "skipped", "no events for this target")
            continue
        variable = _printable(hook.url_env)
        url = source.get(hook.url_env, "")
        if not url:
            done[index] = Delivery(name, "skipped", f"${variable} is not set", "GP810")
            continue
        refused = _refusal(url)
        if refused:
            done[index] = Delivery(name, "refused", f"${variable} {refused}", "GP811")
            continue
        jobs.append(_Job(index, url, _body(hook, chosen, repo)))
    if jobs:
        for job, (status, detail, rule) in _send_all(jobs, timeout):
            hook = config.webhooks[job.index]
            done[job.index] = Delivery(
                _printable(hook.name or hook.url_env), status, _scrub(detail, job.url), rule
            )
    deliveries = [done[index] for index in range(len(config.webhooks))]
    for index, delivery in enumerate(deliveries):
        if delivery.rule is not None:
            err.write(_warning(config, index, delivery) + "\n")
    return deliveries


def _message(events: Sequence[Mapping[str, object]], repo: str) -> str:
    """The `text` of a notice: one line per event, escaped for Slack."""
    lines = [_describe(event, _value(repo)) for event in events]
    if len(lines) > MAX_LINES:
        rest = len(lines) - (MAX_LINES - 1)
        lines = [*lines[: MAX_LINES - 1], f"... and {rest} more events (git pod-report has them all)"]
    return _slack_escape("\n".join(lines))


def _slack_escape(text: str) -> str:
    """Slack's escaping: `&`, `<` and `>` only, so `<!channel>` or `<@U123>` shows as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _body(hook: Webhook, events: list[Mapping[str, object]], repo: str) -> bytes:
    payload: dict[str, object] = {"text": _message(events, repo)}
    if hook.format == "json":
        payload["repo"] = repo
        payload["events"] = [dict(event) for event in events]
    return json.dumps(payload, default=str).encode("ascii")


def _describe(event: Mapping[str, object], repo: str) -> str:
    kind, pod, task, patch = (_value(event.get(key)) for key in ("event", "pod", "task", "patch"))
    subject = _subject(pod, task, patch)
    if kind == "promoted":
        line = f"{subject} promoted" + _part(" on ", event.get("branch")) + _part(" as ", _short(event))
        numbers = [event.get(key) for key in ("added", "deleted", "files")]
        if all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            line += f" (+{numbers[0]} -{numbers[1]}, {numbers[2]} files)"
    elif kind == "rejected":
        line = f"{subject} rejected" + _part(" for ", event.get("branch"))
        line += f" ({_value(event.get('rule'))})" if event.get("rule") else ""
    elif kind == "handed-off":
        line = f"task {task or '?'} handed off" + _part(" from ", event.get("from"))
        line += _part(" to ", event.get("to")) + _part(" with ", patch)
    elif kind == "assigned":
        line = f"task {task or '?'} assigned" + _part(" to ", pod)
    elif kind == "bypass-detected":
        line = f"hook {_value(event.get('hook')) or '?'} bypassed" + _part(" (", event.get("how"), ")")
        line += _part(" by ", pod)
    elif kind == "rewritten":
        line = f"{subject} rewritten" + _part(" (", event.get("how"), ")")
    else:
        line = f"{subject} {kind or 'event'}"
    return f"{line} in {repo}"


def _subject(pod: str, task: str, patch: str) -> str:
    if patch:
        who = f"{pod}'s {patch}" if pod else patch
        return f"{who} (task {task})" if task else who
    if task:
        return f"task {task}" + (f" ({pod})" if pod else "")
    return pod or "a pod"


def _short(event: Mapping[str, object]) -> str:
    return _value(event.get("commit"))[:12]


def _part(before: str, value: object, after: str = "") -> str:
    text = _value(value)
    return f"{before}{text}{after}" if text else ""


def _value(value: object) -> str:
    """A field as one short line: control characters (line breaks too) cannot fake more lines."""
    if value is None:
        return ""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _printable(text: str) -> str:
    """Config text for a terminal: no escape sequences."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _refusal(url: str) -> str | None:
    """Why the URL is not sent to, in words that never quote it."""
    if len(url) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        return "holds spaces, control or non-ASCII characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here, not at connect time
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http:// or https:// URL"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "carries a user name or password"
    return None


def _send_all(jobs: list[_Job], timeout: float) -> list[tuple[_Job, tuple[Status, str, str | None]]]:
    """All POSTs in parallel; a target still busy when the budget is spent is left behind."""
    import threading

    results: dict[int, tuple[Status, str, str | None]] = {}

    def work(job: _Job) -> None:
        results[job.index] = _post(job.url, job.body, timeout)

    threads = [
        threading.Thread(target=work, args=(job,), name=f"git-pods-webhook-{job.index}", daemon=True)
        for job in jobs
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + _GRACE
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    finished = dict(results)  # a late answer after this point is ignored
    late: tuple[Status, str, str | None] = ("failed", f"no answer within {timeout:g}s", "GP813")
    return [(job, finished.get(job.index, late)) for job in jobs]


def _post(url: str, body: bytes, timeout: float) -> tuple[Status, str, str | None]:
    # Imported here: urllib.request pulls in http.client, email and ssl, which a run without
    # webhook targets (most runs) should not pay for.
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """A webhook that redirects is misconfigured; following it could send the body elsewhere."""

        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: IO[bytes],
            code: int,
            msg: str,
            headers: Message,
            newurl: str,
        ) -> None:
            return None

    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": f"git-pods/{__version__}"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            answer.read(_MAX_ANSWER)
            return "sent", f"HTTP {answer.status}", None
    except urllib.error.HTTPError as exc:
        return "failed", _http_error(exc), "GP814"
    except urllib.error.URLError as exc:
        return _failure(exc.reason, timeout)
    except Exception as exc:  # a notice must never change the outcome of the run that sent it
        return _failure(exc, timeout)


def _http_error(exc: urllib.error.HTTPError) -> str:
    import http.client

    detail = f"HTTP {exc.code}"
    if 300 <= exc.code < 400:
        return detail + " (a redirect, not followed)"
    try:
        said = exc.read(200).decode("ascii", "replace").strip()
    except (OSError, http.client.HTTPException):  # the error page is only a hint
        said = ""
    finally:
        exc.close()
    return detail + (f" ({said})" if _SLACK_ERROR.fullmatch(said) else "")


def _failure(reason: object, timeout: float) -> tuple[Status, str, str | None]:
    """A failed connection in fixed words: exception texts can quote the host or URL."""
    import http.client
    import socket
    import ssl

    if isinstance(reason, TimeoutError):
        return "failed", f"no answer within {timeout:g}s", "GP813"
    if isinstance(reason, ConnectionRefusedError):
        what = "connection refused"
    elif isinstance(reason, socket.gaierror):
        what = "host name did not resolve"
    elif isinstance(reason, ssl.SSLError):
        what = "TLS failed (certificate or protocol)"
    elif isinstance(reason, (http.client.HTTPException, ConnectionError)):
        what = f"the connection broke ({type(reason).__name__})"
    elif isinstance(reason, OSError) and reason.strerror:
        what = f"connection failed ({reason.strerror})"
    else:
        what = f"connection failed ({type(reason).__name__})"
    return "failed", what, "GP812"


def _scrub(detail: str, url: str) -> str:
    """Belt and braces: whatever built the detail, the URL and its host never leave this module."""
    host = urlsplit(url).hostname or ""
    for secret in (url, host):
        if secret and secret in detail:
            detail = detail.replace(secret, "<url>")
    return detail


def _warning(config: Config, index: int, delivery: Delivery) -> str:
    """One line: where in the config, the rule, what happened, and the fix."""
    assert delivery.rule is not None
    variable = _printable(config.webhooks[index].url_env)
    who = f"webhook '{delivery.name}'" + (f" (${variable})" if delivery.status == "failed" else "")
    outcome = {"skipped": "skipped", "refused": "nothing sent"}.get(delivery.status, "not delivered")
    found = violation(
        delivery.rule,
        f"{who}: {delivery.detail}; {outcome}",
        file=config.source,
        path=f"$.webhooks[{index}]",
    )
    return f"{found.file}: {found.rule} warning: {found.message} ({found.path}); fix: {found.hint}"
