"""Likely secrets (private keys, cloud and forge tokens, webhook URLs) in text a bundle would commit.

Refused before they reach history: a secret in a commit stays in every clone. The patterns are
specific (a known prefix and length) so ordinary code rarely trips them; a line holding a
deliberate fake (a test fixture) is let through by a `pods:allow-secret` marker on that line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from git_pods.record import record

ALLOW_MARKER = "pods:allow-secret"

# (what it looks like, the literal it cannot match without, a pattern that starts with a plain
# literal: re then skips ahead to it in C, so a pass over a large diff costs milliseconds; word
# starts are checked by hand). A pattern is compiled only when its literal is in the text, so
# the hooks pay nothing for the kinds a bundle does not contain.
_KINDS = (
    ("a private key", "PRIVATE KEY", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("an AWS access key id", "AKIA", r"AKIA[0-9A-Z]{16}\b"),
    ("an AWS access key id", "ASIA", r"ASIA[0-9A-Z]{16}\b"),
    ("a GitHub token", "gh", r"gh[pousr]_[A-Za-z0-9]{36,}\b"),
    ("a GitHub token", "github_pat_", r"github_pat_[A-Za-z0-9_]{40,}\b"),
    ("a GitLab token", "glpat-", r"glpat-[A-Za-z0-9_-]{20,}\b"),
    ("a Slack token", "xox", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Slack webhook URL", "hooks.slack.com", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"),
    ("a Google API key", "AIza", r"AIza[0-9A-Za-z_-]{35}\b"),
    ("a Stripe live key", "sk_live_", r"sk_live_[0-9A-Za-z]{20,}\b"),
    ("a Stripe live key", "rk_live_", r"rk_live_[0-9A-Za-z]{20,}\b"),
    ("an OpenAI or Anthropic API key", "sk-", r"sk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}"),
    ("a JSON web token", "eyJ", r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a password in a URL", "://", r"://[^/\s:@]{1,64}:[^/\s:@]{3,128}@[A-Za-z0-9.-]+"),
)
_URL_KIND = "a password in a URL"
_SCHEME = r"[a-z][a-z0-9+.-]*\Z"
_PLACEHOLDER = r"(?i)(example|placeholder|changeme|dummy|x{6,}|\*{4,}|<[a-z_ -]+>|\$\{)"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Files whose very presence in a change is a likely secret, whatever they hold.
_SECRET_NAMES = (
    r"(?i)(?:^|/)(?:\.env(?![._-](?:example|sample|template|dist)\Z)[^/]*|id_(?:rsa|dsa|ecdsa|ed25519)"
    r"|[^/]+\.(?:pem|p12|pfx|key|ppk|keystore|jks)|\.netrc|\.pgpass|\.npmrc|\.pypirc|\.git-credentials"
    r"|credentials\.json)\Z"
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
    for kind, literal, source in _KINDS:
        if literal not in text:
            continue
        for match in _compiled(source).finditer(text):
            at = match.start()
            start = text.rfind("\n", 0, at) + 1
            if start in found:
                continue
            if kind == _URL_KIND:
                scheme = text[max(start, at - 32) : at].rsplit(" ", 1)[-1].rsplit('"', 1)[-1]
                credentials = match.group(0)[3:].rsplit("@", 1)[0]
                if not _compiled(_SCHEME).search(scheme) or _compiled(_PLACEHOLDER).search(credentials):
                    continue
            elif at > start and (text[at - 1].isalnum() or text[at - 1] == "_") and match.group(0)[0] != "-":
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
    return _compiled(_SECRET_NAMES).search(path) is not None
