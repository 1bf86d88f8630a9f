"""Webhook notices: a real HTTP receiver on 127.0.0.1 proves what is sent; failures only warn."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from git_pods.config import Config, parse_config
from git_pods.webhooks import Delivery, notify

SECRET = "T0DO0SECRET/B0DO0SECRET/ZZsecretZZ"
PROMOTED = {
    "ts": "2026-01-05T10:00:00Z",
    "v": 1,
    "event": "promoted",
    "pod": "dev-pod",
    "task": "F2.1",
    "patch": "patch_20260105_100000",
    "by": "Ana <ana@example.com>",
    "added": 12,
    "deleted": 3,
    "files": 2,
    "branch": "pods/F2.1",
}
REJECTED = {
    "ts": "2026-01-05T10:00:01Z",
    "v": 1,
    "event": "rejected",
    "pod": "dev-pod",
    "task": "F2.2",
    "patch": "patch_20260105_100001",
    "by": "Ana <ana@example.com>",
    "rule": "GP301",
}
HANDED_OFF = {
    "ts": "2026-01-05T10:00:02Z",
    "v": 1,
    "event": "handed-off",
    "from": "dev-pod",
    "to": "qa-pod",
    "task": "F2.1",
    "patch": "patch_20260105_100000",
    "by": "Ana <ana@example.com>",
}
ASSIGNED = {"ts": "2026-01-05T09:00:00Z", "v": 1, "event": "assigned", "pod": "dev-pod", "task": "F2.1"}
PROMOTED_LINE = "dev-pod's patch_20260105_100000 (task F2.1) promoted on pods/F2.1 (+12 -3, 2 files) in demo"
REJECTED_LINE = "dev-pod's patch_20260105_100001 (task F2.2) rejected (GP301) in demo"
HANDOFF_LINE = "task F2.1 handed off from dev-pod to qa-pod with patch_20260105_100000 in demo"


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers as told."""

    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/services/" + SECRET) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def _handler(receiver: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            me = receiver[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            me.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if me.delay:
                me.release.wait(me.delay)
            if me.drip:  # a byte now and then: no socket timeout ever fires, only the time budget helps
                for byte in b"HTTP/1.1 200 OK\r\n" * 12:  # about 40 s
                    if me.release.wait(0.2):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            self.send_response(me.status)
            for name, value in me.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(me.answer)))
            self.end_headers()
            self.wfile.write(me.answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping must not hold up the test's end

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client gave up on a slow answer: expected here


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []
    server = _Server(("127.0.0.1", 0), _handler(holder))
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    holder[0].release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours proxy variables; the receiver is local and tests never use the network."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def config_with(webhooks: str) -> Config:
    text = "pods:\n  dev-pod: {}\n  qa-pod: {}\nwebhooks:\n" + webhooks
    config, found = parse_config(text.encode(), ".pods/config.yaml")
    assert config is not None, found
    return config


ONE = config_with("  - url_env: CHAT_URL\n    name: team chat\n")


def dead_url() -> str:
    """A port nobody listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/services/{SECRET}"


def run(
    config: Config, events: list[dict[str, Any]], env: dict[str, str], **kw: Any
) -> tuple[list[Delivery], str]:
    err = io.StringIO()
    deliveries = notify(config, events, repo="demo", err=err, env=env, **kw)
    text = err.getvalue()
    shown = text + repr(deliveries)
    for url in filter(None, env.values()):  # URLs are secrets: not the URL, its host and port, its path
        assert url not in shown
        assert SECRET not in shown
        netloc = urlsplit(url).netloc if url.isascii() and "[" not in url else ""
        assert not netloc or netloc not in shown
    return deliveries, text


def test_posts_one_slack_message_with_the_runs_events(receiver: Receiver) -> None:
    deliveries, err = run(ONE, [PROMOTED, ASSIGNED, REJECTED], {"CHAT_URL": receiver.url()})

    assert deliveries == [Delivery("team chat", "sent", "HTTP 200")]
    assert err == ""
    [request] = receiver.requests
    assert request["path"] == "/services/" + SECRET
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"].startswith("git-pods/")
    assert json.loads(request["body"]) == {"text": f"{PROMOTED_LINE}\n{REJECTED_LINE}"}


def test_json_format_adds_the_raw_events(receiver: Receiver) -> None:
    config = config_with("  - url_env: CHAT_URL\n    format: json\n")

    deliveries, _ = run(config, [HANDED_OFF], {"CHAT_URL": receiver.url()})

    assert deliveries == [Delivery("CHAT_URL", "sent", "HTTP 200")]
    assert json.loads(receiver.requests[0]["body"]) == {
        "text": HANDOFF_LINE,
        "repo": "demo",
        "events": [HANDED_OFF],
    }


def test_events_filter_chooses_what_each_target_gets(receiver: Receiver) -> None:
    config = config_with(
        "  - url_env: HANDOFFS\n    events: [handed-off]\n"
        "  - url_env: DEFAULTS\n"
        "  - url_env: ASSIGNMENTS\n    events: [assigned]\n"
        "  - url_env: UNSET_BUT_IDLE\n    events: [delivered]\n"
    )
    env = {
        "HANDOFFS": receiver.url("/handoffs"),
        "DEFAULTS": receiver.url("/defaults"),
        "ASSIGNMENTS": receiver.url("/assignments"),
    }

    deliveries, err = run(config, [PROMOTED, HANDED_OFF, ASSIGNED], env)

    assert [d.status for d in deliveries] == ["sent", "sent", "sent", "skipped"]
    assert deliveries[3] == Delivery("UNSET_BUT_IDLE", "skipped", "no events for this target")
    assert err == ""  # a target with nothing to hear about is not a problem, set or not
    bodies = {r["path"]: json.loads(r["body"])["text"] for r in receiver.requests}
    assert bodies == {
        "/handoffs": HANDOFF_LINE,
        "/defaults": f"{PROMOTED_LINE}\n{HANDOFF_LINE}",
        "/assignments": "task F2.1 assigned to dev-pod in demo",
    }


def test_nothing_to_send_without_webhooks_or_events(receiver: Receiver) -> None:
    config, _ = parse_config(b"pods:\n  dev-pod: {}\n", ".pods/config.yaml")
    assert config is not None
    assert run(config, [PROMOTED], {})[0] == []
    deliveries, err = run(ONE, [ASSIGNED, {"no": "event"}, "junk"], {"CHAT_URL": receiver.url()})  # type: ignore[list-item]
    assert deliveries == [Delivery("team chat", "skipped", "no events for this target")]
    assert (receiver.requests, err) == ([], "")


@pytest.mark.parametrize("value", [None, ""])
def test_unset_variable_skips_with_a_notice_naming_it(receiver: Receiver, value: str | None) -> None:
    env = {} if value is None else {"CHAT_URL": value}

    deliveries, err = run(ONE, [PROMOTED], env)

    assert deliveries == [Delivery("team chat", "skipped", "$CHAT_URL is not set", "GP810")]
    assert err == (
        ".pods/config.yaml: GP810 warning: webhook 'team chat': $CHAT_URL is not set; skipped "
        "($.webhooks[0]); fix: set the variable named in the message (e.g. a CI secret), or remove the "
        "target from webhooks\n"
    )
    assert receiver.requests == []


def test_reads_the_process_environment_by_default(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_URL", receiver.url())
    err = io.StringIO()

    assert notify(ONE, [PROMOTED], repo="demo", err=err) == [Delivery("team chat", "sent", "HTTP 200")]
    assert len(receiver.requests) == 1


def test_dead_port_warns_and_returns_quickly() -> None:
    started = time.monotonic()

    deliveries, err = run(ONE, [PROMOTED], {"CHAT_URL": dead_url()}, timeout=5.0)

    assert time.monotonic() - started < 5.0  # refused at once, not after the timeout
    assert deliveries == [Delivery("team chat", "failed", "connection refused", "GP812")]
    assert err.startswith(
        ".pods/config.yaml: GP812 warning: webhook 'team chat' ($CHAT_URL): connection refused; not delivered"
    )
    assert err.count("\n") == 1


def test_slow_receiver_is_abandoned_after_the_timeout(receiver: Receiver) -> None:
    receiver.delay = 30.0
    started = time.monotonic()

    deliveries, err = run(ONE, [PROMOTED], {"CHAT_URL": receiver.url()}, timeout=0.5)

    assert time.monotonic() - started < 20.0  # it did not wait for the receiver's answer
    assert deliveries == [Delivery("team chat", "failed", "no answer within 0.5s", "GP813")]
    assert " GP813 warning: webhook 'team chat' ($CHAT_URL): no answer within 0.5s" in err
    assert len(receiver.requests) == 1  # sent once, never retried


def test_a_trickling_receiver_is_abandoned_within_the_budget(receiver: Receiver) -> None:
    receiver.drip = True
    started = time.monotonic()

    deliveries, err = run(ONE, [PROMOTED], {"CHAT_URL": receiver.url()}, timeout=0.5)

    assert time.monotonic() - started < 20.0  # the trickle lasts 40 s; the budget is what stopped it
    assert deliveries == [Delivery("team chat", "failed", "no answer within 0.5s", "GP813")]
    assert "GP813 warning" in err


def test_a_dead_target_does_not_stop_the_others(receiver: Receiver) -> None:
    receiver.delay = 30.0
    fast: list[Receiver] = []
    server = _Server(("127.0.0.1", 0), _handler(fast))
    fast.append(Receiver(server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = config_with("  - url_env: SLOW\n  - url_env: DEAD\n  - url_env: FAST\n")
    try:
        env = {"SLOW": receiver.url(), "DEAD": dead_url(), "FAST": fast[0].url("/fast")}
        started = time.monotonic()
        deliveries, err = run(config, [PROMOTED], env, timeout=0.5)
        assert time.monotonic() - started < 20.0
    finally:
        server.shutdown()
        server.server_close()

    assert [(d.name, d.status, d.rule) for d in deliveries] == [
        ("SLOW", "failed", "GP813"),
        ("DEAD", "failed", "GP812"),
        ("FAST", "sent", None),
    ]
    assert [line.split(" warning:")[0] for line in err.splitlines()] == [
        ".pods/config.yaml: GP813",
        ".pods/config.yaml: GP812",
    ]


@pytest.mark.parametrize(
    ("status", "answer", "detail"),
    [
        (500, b"internal error", "HTTP 500"),
        (404, b"no_service", "HTTP 404 (no_service)"),
        (403, b"invalid_token", "HTTP 403 (invalid_token)"),
        (400, ("echo " + "x" * 10).encode(), "HTTP 400"),  # an answer that is not a Slack code stays out
    ],
)
def test_http_errors_warn(receiver: Receiver, status: int, answer: bytes, detail: str) -> None:
    receiver.status, receiver.answer = status, answer

    deliveries, err = run(ONE, [PROMOTED], {"CHAT_URL": receiver.url()})

    assert deliveries == [Delivery("team chat", "failed", detail, "GP814")]
    assert f"GP814 warning: webhook 'team chat' ($CHAT_URL): {detail}; not delivered" in err
    assert len(receiver.requests) == 1


def test_an_answer_echoing_the_url_is_not_shown(receiver: Receiver) -> None:
    receiver.status, receiver.answer = 404, receiver.url().encode()

    deliveries, _ = run(ONE, [PROMOTED], {"CHAT_URL": receiver.url()})

    assert deliveries == [Delivery("team chat", "failed", "HTTP 404", "GP814")]


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.status, receiver.answer = 302, b""
    receiver.headers = {"Location": receiver.url("/elsewhere")}

    deliveries, _ = run(ONE, [PROMOTED], {"CHAT_URL": receiver.url()})

    assert deliveries == [Delivery("team chat", "failed", "HTTP 302 (a redirect, not followed)", "GP814")]
    assert [r["path"] for r in receiver.requests] == ["/services/" + SECRET]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "is not an http:// or https:// URL"),
        ("FILE:///etc/passwd", "is not an http:// or https:// URL"),
        ("ftp://127.0.0.1/" + SECRET, "is not an http:// or https:// URL"),
        ("javascript:alert(1)//" + SECRET, "is not an http:// or https:// URL"),
        ("hooks.slack.com/services/" + SECRET, "is not an http:// or https:// URL"),
        ("garbage " + SECRET, "holds spaces, control or non-ASCII characters"),
        ("https://hooks.example/\n" + SECRET, "holds spaces, control or non-ASCII characters"),
        ("https://hööks.example/" + SECRET, "holds spaces, control or non-ASCII characters"),
        ("http:///" + SECRET, "has no host"),
        ("https://user:pw@hooks.example/" + SECRET, "carries a user name or password"),
        ("http://127.0.0.1:99999/" + SECRET, "is not a URL"),
        ("http://[::1/" + SECRET, "is not a URL"),
        ("https://hooks.example/" + "x" * 5000, "is longer than 4096 characters"),
    ],
)
def test_hostile_urls_are_refused_without_being_shown(receiver: Receiver, url: str, why: str) -> None:
    deliveries, err = run(ONE, [PROMOTED], {"CHAT_URL": url})

    assert deliveries == [Delivery("team chat", "refused", f"$CHAT_URL {why}", "GP811")]
    assert err.startswith(
        f".pods/config.yaml: GP811 warning: webhook 'team chat': $CHAT_URL {why}; nothing sent"
    )
    assert "etc/passwd" not in err
    assert receiver.requests == []


def test_slack_control_sequences_are_escaped(receiver: Receiver) -> None:
    hostile = {
        "event": "promoted",
        "pod": "dev-pod",
        "task": "<!channel>",
        "patch": "<@U024BE7LH>&<#C123|general>",
        "branch": "pods/x\n<!here> fake second line\r\n\x1b[31m",
    }

    deliveries, _ = run(ONE, [hostile], {"CHAT_URL": receiver.url()})

    assert deliveries[0].status == "sent"
    text = json.loads(receiver.requests[0]["body"])["text"]
    assert text == (
        "dev-pod's &lt;@U024BE7LH&gt;&amp;&lt;#C123|general&gt; (task &lt;!channel&gt;) promoted on "
        "pods/x &lt;!here&gt; fake second line [31m in demo"
    )
    assert "<" not in text and ">" not in text and "\n" not in text


def test_the_repository_name_is_escaped_too(receiver: Receiver) -> None:
    err = io.StringIO()
    notify(ONE, [REJECTED], repo="<!everyone> repo", err=err, env={"CHAT_URL": receiver.url()})

    text = json.loads(receiver.requests[0]["body"])["text"]
    assert text.endswith("rejected (GP301) in &lt;!everyone&gt; repo")


def test_a_big_run_is_one_message_with_a_bounded_length(receiver: Receiver) -> None:
    events = [dict(PROMOTED, patch=f"patch_{n:03d}") for n in range(100)]

    deliveries, _ = run(ONE, events, {"CHAT_URL": receiver.url()})

    assert deliveries[0].status == "sent"
    [request] = receiver.requests
    lines = json.loads(request["body"])["text"].splitlines()
    assert len(lines) == 40
    assert lines[0].startswith("dev-pod's patch_000 ")
    assert lines[-1] == "... and 61 more events (git pod-report has them all)"


def test_importing_does_not_load_the_http_client() -> None:
    """Promote imports this module on every run; urllib.request is paid only when a target is posted to."""
    code = (
        "import sys, git_pods.webhooks; print('urllib.request' in sys.modules, 'http.client' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
