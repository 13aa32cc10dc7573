"""Secrets never reach logs or messages."""

from __future__ import annotations

import io
import logging

from calsync import logs
from calsync.connectors.redact import redact, redact_url


def test_feed_url_tokens_and_credentials_are_hidden() -> None:
    url = "https://alex:s3cret@calendar.example.com/ical/alex%40example.org/private-0a1b2c3d4e5f6a7b8c9d/basic.ics?token=abc123"
    shown = redact_url(url)
    assert "s3cret" not in shown and "0a1b2c3d4e5f6a7b8c9d" not in shown and "abc123" not in shown
    assert shown == "https://calendar.example.com/ical/alex%40example.org/***/basic.ics?token=***"


def test_free_text_is_scrubbed() -> None:
    text = 'refresh failed: {"refresh_token": "1//0gAbCdEf", "access_token": "ya29.XyZ"} Authorization: Bearer ya29.XyZ'
    cleaned = redact(text, ["hunter2"])
    assert "1//0gAbCdEf" not in cleaned and "ya29.XyZ" not in cleaned
    assert redact("password is hunter2", ["hunter2"]) == "password is ***"


def test_log_records_are_redacted() -> None:
    stream = io.StringIO()
    logs.configure("info", stream=stream)
    logs.REDACTOR.add_secret("correct-horse-battery")
    log = logging.getLogger("calsync.test")
    log.warning("fetching %s with %s", "https://example.org/cal/0123456789abcdefXYZ.ics", "correct-horse-battery")
    output = stream.getvalue()
    assert "correct-horse-battery" not in output and "0123456789abcdefXYZ" not in output
    assert "https://example.org/cal/***.ics" in output
