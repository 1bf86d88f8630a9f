"""Likely secrets (private keys, cloud and forge tokens, webhook URLs) in text a bundle would commit.

Refused before they reach history: a secret in a commit stays in every clone. The patterns are
specific (a known prefix and length) so ordinary code rarely trips them; a line holding a
deliberate fake (a test fixture) is let through by a `pods:allow-secret` marker on that line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from git_pods.record import record

ALLOW_MARKER = "pods:allow-secret"

# (what it looks like, a pattern that starts with a plain literal: re then skips ahead to that
# literal in C, so a pass over a large diff costs milliseconds; word starts are checked by hand)
_KINDS = (
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("an AWS access key id", r"AKIA[0-9A-Z]{16}\b"),
    ("an AWS access key id", r"ASIA[0-9A-Z]{16}\b"),
    ("a GitHub token", r"gh[pousr]_[A-Za-z0-9]{36,}\b"),
    ("a GitHub token", r"github_pat_[A-Za-z0-9_]{40,}\b"),
    ("a GitLab token", r"glpat-[A-Za-z0-9_-]{20,}\b"),
    ("a Slack token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Slack webhook URL", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"),
    ("a Google API key", r"AIza[0-9A-Za-z_-]{35}\b"),
    ("a Stripe live key", r"sk_live_[0-9A-Za-z]{20,}\b"),
    ("a Stripe live key", r"rk_live_[0-9A-Za-z]{20,}\b"),
    ("an OpenAI or Anthropic API key", r"sk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}"),
    ("a JSON web token", r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a password in a URL", r"://[^/\s:@]{1,64}:[^/\s:@]{3,128}@[A-Za-z0-9.-]+"),
)
_PATTERNS = [(kind, re.compile(pattern)) for kind, pattern in _KINDS]
_WORD = re.compile(r"[A-Za-z0-9_]")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_PLACEHOLDER = re.compile(r"(?i)(example|placeholder|changeme|dummy|x{6,}|\*{4,}|<[a-z_ -]+>|\$\{)")

# Files whose very presence in a change is a likely secret, whatever they hold.
_SECRET_NAMES = re.compile(
    r"(?:^|/)(?:\.env(?:\.(?!example\b|sample\b|template\b|dist\b)[^/]+)?|id_(?:rsa|dsa|ecdsa|ed25519)"
    r"|[^/]+\.(?:pem|p12|pfx|key)|\.netrc|\.pgpass|credentials\.json)\Z",
    re.IGNORECASE,
)


@record
class Finding:
    """One likely secret: what it looks like and the (1-based) line of the text it is on."""

    kind: str
    line: int


def find(text: str, added_only: bool = False, headers: set[int] | None = None) -> Iterator[Finding]:
    """Likely secrets in text, by line; with added_only, only in a diff's added ('+') lines
    (headers: the line numbers of '+++ ' file headers, which look like added lines)."""
    found: dict[int, str] = {}
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            at = match.start()
            start = text.rfind("\n", 0, at) + 1
            if start in found:
                continue
            if kind == "a password in a URL":
                scheme = text[max(start, at - 32) : at].rsplit(" ", 1)[-1].rsplit('"', 1)[-1]
                credentials = match.group(0)[3:].rsplit("@", 1)[0]
                if not _SCHEME.search(scheme) or _PLACEHOLDER.search(credentials):
                    continue
            elif at > start and _WORD.match(text, at - 1) and not match.group(0).startswith("-"):
                continue  # inside a longer word: not the token's start
            end = text.find("\n", match.end())
            line_text = text[start : end if end != -1 else len(text)]
            if added_only and not line_text.startswith("+"):
                continue
            if ALLOW_MARKER not in line_text:
                found[start] = kind
    skip = headers if added_only and headers is not None else set()
    for start in sorted(found):
        number = text.count("\n", 0, start) + 1
        if number not in skip and not (added_only and headers is None and text.startswith("+++ ", start)):
            yield Finding(found[start], number)


def secret_name(path: str) -> bool:
    """Whether a file's name alone marks it as a likely secret (.env, private keys, .netrc...)."""
    return _SECRET_NAMES.search(path) is not None
