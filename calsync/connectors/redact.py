"""Keep secrets out of logs and messages: URL credentials, query tokens, bearer tokens."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r'(?i)("?(?:access_token|refresh_token|client_secret|password|token)"?\s*[:=]\s*"?)[^",&\s]+'),
    re.compile(r"(?i)(https?://)[^/@\s:]+:[^/@\s]+@"),
]
_URL = re.compile(r"(?i)\b(?:https?|webcal)://[^\s'\"<>]+")


def _redact_segment(segment: str) -> str:
    """A path segment that looks like a token (long, letters and digits) is hidden; its extension stays."""
    stem, dot, ext = segment.rpartition(".")
    if not dot or len(ext) > 5:
        stem, dot, ext = segment, "", ""
    if len(stem) >= 16 and re.search(r"\d", stem) and re.search(r"[A-Za-z]", stem):
        return "***" + dot + ext
    return segment


def redact_url(url: str) -> str:
    """Drop user info, hide query values and long path tokens (private feed URLs embed secrets)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "&".join(f"{quote(k)}=***" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    segments = [_redact_segment(seg) for seg in parts.path.split("/")]
    return urlunsplit((parts.scheme, host, "/".join(segments), query, ""))


def redact(text: str, extra_secrets: list[str] | None = None) -> str:
    for secret in sorted(extra_secrets or [], key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


class RedactingFilter(logging.Filter):
    """Installed on calsync's log handlers: every message passes through `redact`."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = list(secrets or [])

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg = redact(message, self.secrets)
        record.args = ()
        if record.exc_info and not record.exc_text:
            # Tracebacks carry messages too (a URL with a token, a password in an argument).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True
