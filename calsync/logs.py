"""Logging, configured once by the CLI: stderr, levels, optional JSON lines, secrets redacted."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

from calsync.connectors.redact import RedactingFilter

REDACTOR = RedactingFilter()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = REDACTOR.redact(self.formatException(record.exc_info))
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


def redact_all(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """Every string inside `value` (dicts, lists) redacted, for status files and status output;
    values under a key in `keep` are calsync's own wording and stay as they are."""
    if isinstance(value, str):
        return REDACTOR.redact(value)
    if isinstance(value, dict):
        return {k: v if k in keep else redact_all(v, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v, keep) for v in value]
    return value


def register_secrets(secrets: list[str]) -> None:
    """Redact these values (passwords, tokens) wherever they would appear in a log line."""
    for secret in secrets:
        REDACTOR.add_secret(secret)


def configure(level: str = "warning", *, json_lines: bool = False, stream: TextIO | None = None) -> None:
    root = logging.getLogger("calsync")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(REDACTOR)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.WARNING))
    root.propagate = False
    _configure_libraries(handler)


def _configure_libraries(calsync_handler: logging.Handler) -> None:
    """Warnings from libraries (googleapiclient, urllib3, caldav, ...) go through the same redacting
    handler; without this Python's last-resort handler would print them unredacted."""
    top = logging.getLogger()
    for handler in list(top.handlers):
        if getattr(handler, "_calsync", False):
            top.removeHandler(handler)
    library = logging.StreamHandler(getattr(calsync_handler, "stream", sys.stderr))
    library.addFilter(REDACTOR)
    library.setFormatter(calsync_handler.formatter)
    library.setLevel(logging.WARNING)
    library._calsync = True  # type: ignore[attr-defined]
    top.addHandler(library)
    if top.level == logging.NOTSET or top.level > logging.WARNING:
        top.setLevel(logging.WARNING)
