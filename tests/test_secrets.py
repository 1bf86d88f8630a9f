"""Likely secrets (GP309): each kind found on its line, look-alikes and marked fakes let through."""

from __future__ import annotations

import pytest

from git_pods.secrets import find, secret_name

FOUND = [
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    ("key = 'AKIA" + "Q3EGZ7BV2LMNP4XD'", "an AWS access key id"),
    ("token: ghp_" + "a" * 36, "a GitHub token"),
    ("pat = github_pat_" + "B" * 40, "a GitHub token"),
    ("glpat-" + "x1" * 10, "a GitLab token"),
    ("xoxb-1234567890-abcdef", "a Slack token"),
    ("https://hooks.slack.com/services/T0000/B0000/" + "Z" * 24, "a Slack webhook URL"),
    ("AIza" + "S" * 35, "a Google API key"),
    ("sk_live_" + "4" * 24, "a Stripe live key"),
    ("OPENAI_API_KEY=sk-proj-" + "q" * 40, "an OpenAI or Anthropic API key"),
    (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "a JSON web token",
    ),
    ("DATABASE_URL = 'postgres://admin:hunter22@db.internal/app'", "a password in a URL"),
]

LET_THROUGH = [
    "see https://docs.example.org/setup and http://localhost:8080/",
    "url = 'postgres://user:changeme@db/app'  # a placeholder password",
    "url = 'https://user:${TOKEN}@github.com/org/repo'",
    "the mask is tasks-ant-" + "x" * 40,  # 'sk-' inside a longer word
    "AKIA" + "Q3EGZ7BV2LMNP4XD" + "Q",  # longer than an access key id
    "fixture = 'AKIA" + "Q3EGZ7BV2LMNP4XD'  # pods:allow-secret",
    "-----BEGIN PUBLIC KEY-----",
]


@pytest.mark.parametrize(("line", "kind"), FOUND)
def test_each_kind_is_found_on_its_line(line: str, kind: str) -> None:
    text = "first line\n" + line + "\nlast line\n"
    assert [(f.kind, f.line) for f in find(text)] == [(kind, 2)]


@pytest.mark.parametrize("line", LET_THROUGH)
def test_look_alikes_and_marked_fakes_pass(line: str) -> None:
    assert list(find(line + "\n")) == []


def test_in_a_diff_only_added_lines_count() -> None:
    secret = "AKIA" + "Q3EGZ7BV2LMNP4XD"
    diff = f"--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n {secret}\n-{secret}\n+{secret}\n"
    assert [f.line for f in find(diff, added_only=True)] == [6]
    assert [f.line for f in find(diff)] == [4, 5, 6]


def test_one_finding_per_line() -> None:
    line = "AKIA" + "Q3EGZ7BV2LMNP4XD " + "ghp_" + "a" * 36
    assert len(list(find(line))) == 1


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (".env", True),
        ("config/.env.production", True),
        (".env.example", False),
        (".env.sample", False),
        ("deploy/id_ed25519", True),
        ("certs/server.pem", True),
        ("tls/private.key", True),
        ("src/keyboard.py", False),
        ("docs/env.md", False),
        ("home/.netrc", True),
    ],
)
def test_file_names_that_hold_secrets(path: str, secret: bool) -> None:
    assert secret_name(path) is secret
