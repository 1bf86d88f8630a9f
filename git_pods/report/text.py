"""Text from history made safe for the Markdown reports: one line, markup characters escaped."""

from __future__ import annotations

import hashlib
import re

_SPECIAL = re.compile(r"([\\`*{}\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]+")


def md(text: object) -> str:
    """Plain text safe in a Markdown table cell or line: one line, markup characters escaped, so a
    pod name or changelog line cannot break a table or put HTML into the forge's page."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def key(text: str) -> str:
    """A name as a stable marker key (letters, digits, `_.-`); a name that needed changing gets a
    short digest of itself, so two names never share a key."""
    safe = _UNSAFE_KEY.sub("-", text).strip("-")[:40]
    if safe == text:
        return safe
    return f"{safe or 'x'}-{hashlib.sha1(text.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
