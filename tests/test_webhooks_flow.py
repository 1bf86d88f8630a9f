"""Webhooks from the real commands: `git pod-promote` and `git pod-handoff` post their events to a
receiver on 127.0.0.1; a target that is down only warns and changes nothing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

from helpers import BIN, git
from promoting import bundle, diff_of_change, pods_repo


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return


def _serve() -> tuple[HTTPServer, str]:
    _Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"  # nothing listens there any more


def _with_webhook(root: Path) -> None:
    config = root / ".pods/config.yaml"
    config.write_text(config.read_text() + "webhooks:\n  - name: team chat\n    url_env: TEAM_HOOK\n")
    git(root, "commit", "-q", "-am", "tell the team")


def _run(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TEAM_HOOK=url)
    return subprocess.run(
        [str(BIN / f"git-pod-{args[0]}"), *args[1:]],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_promote_and_handoff_post_their_events(repo: Path) -> None:
    root = pods_repo(repo)
    _with_webhook(root)
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    bundle(root, "patch_2", "not a diff\n")
    server, url = _serve()
    try:
        done = _run(root, url, "promote", "--all")
        assert done.returncode == 1, done.stderr  # patch_2 rejected
        assert len(_Receiver.bodies) == 1
        text = str(_Receiver.bodies[0]["text"])
        assert "patch_1" in text and "promoted" in text and "patch_2" in text and "rejected" in text
        assert cli_ok(_run(root, url, "assign", "--to", "dev-pod", "--task", "F2.1", "--goal", "Parse"))
        done = _run(root, url, "handoff", "--to", "qa-pod", "--reason", "Test it", "--task", "F2.1")
        assert done.returncode == 0, done.stderr
        assert len(_Receiver.bodies) == 2 and "qa-pod" in str(_Receiver.bodies[1]["text"])
        assert url not in done.stdout + done.stderr
    finally:
        server.shutdown()


def cli_ok(done: subprocess.CompletedProcess[str]) -> bool:
    return done.returncode == 0


def test_a_dead_target_changes_nothing(repo: Path) -> None:
    root = pods_repo(repo)
    _with_webhook(root)
    raw, _ = diff_of_change(root, lambda r: (r / "src/parser.py").write_text("def parse(t):\n    return t\n"))
    bundle(root, "patch_1", raw)
    url = _dead_url()
    done = _run(root, url, "promote", "--all")
    assert done.returncode == 0, done.stderr
    assert "promoted patch_1" in done.stdout
    assert "team chat" in done.stderr and url not in done.stderr
    assert git(root, "rev-parse", "--verify", "pods/F2.1").strip()
