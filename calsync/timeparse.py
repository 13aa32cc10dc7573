"""Parsing --now and --from values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from calsync.errors import UsageError


def parse_now(value: str | None, tz: ZoneInfo) -> dt.datetime:
    """ISO 8601 date or datetime; a value without an offset is household time."""
    if not value:
        return dt.datetime.now(tz)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f'--now "{value}" is not an ISO 8601 date or time (e.g. 2026-11-30T08:00)') from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def parse_date(value: str | None, option: str = "--from") -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f'{option} "{value}" is not a date (YYYY-MM-DD)') from None
