"""Bring the many shapes of iCalendar times into the household time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def to_household(value: dt.date | dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Dates become local midnight; floating times are read in the household zone."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=tz)
        return value.astimezone(tz)
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=tz)


def ident(value: object) -> str:
    """A stable text form of a RECURRENCE-ID (or DTSTART) value: UTC for zoned times."""
    raw = getattr(value, "dt", value)
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is not None:
            return raw.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return raw.strftime("%Y%m%dT%H%M%S")
    if isinstance(raw, dt.date):
        return raw.strftime("%Y%m%d")
    return str(raw)


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
