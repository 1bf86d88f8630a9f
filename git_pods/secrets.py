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

_KINDS = (
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Slack webhook URL", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("a Stripe live key", r"\b[rs]k_live_[0-9A-Za-z]{20,}\b"),
    ("an OpenAI or Anthropic API key", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}"),
    ("a JSON web token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a password in a URL", r"[a-z][a-z0-9+.-]*://[^/\s:@]{1,64}:[^/\s:@]{3,128}@[A-Za-z0-9.-]+"),
)
_ANY = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern) in enumerate(_KINDS)))
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


def find(text: str, added_only: bool = False) -> Iterator[Finding]:
    """Likely secrets in text; with added_only, only in a diff's added ('+') lines.

    One combined pattern over the whole text: the cost is a single regex pass, so a
    100,000-line diff is scanned in milliseconds."""
    for match in _ANY.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line_text = text[start : end if end != -1 else len(text)]
        if added_only and not (line_text.startswith("+") and not line_text.startswith("+++ ")):
            continue
        if ALLOW_MARKER in line_text:
            continue
        kind = next(_KINDS[int(name[1:])][0] for name, value in match.groupdict().items() if value)
        if kind == "a password in a URL" and _PLACEHOLDER.search(
            match.group(0).split("://", 1)[1].rsplit("@", 1)[0]
        ):
            continue
        yield Finding(kind, text.count("\n", 0, match.start()) + 1)


def secret_name(path: str) -> bool:
    """Whether a file's name alone marks it as a likely secret (.env, private keys, .netrc...)."""
    return _SECRET_NAMES.search(path) is not None
