"""Parsing of the small time notations used in rule files: days, HH:MM-HH:MM ranges, durations."""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_ALIASES: dict[str, tuple[str, ...]] = {
    "weekdays": DAY_NAMES[:5],
    "weekend": DAY_NAMES[5:],
    "daily": DAY_NAMES,
    "monday": ("mon",),
    "tuesday": ("tue",),
    "wednesday": ("wed",),
    "thursday": ("thu",),
    "friday": ("fri",),
    "saturday": ("sat",),
    "sunday": ("sun",),
}

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


@dataclass(frozen=True)
class TimeRange:
    """Wall-clock minutes since local midnight; end may be 1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


def parse_days(value: object) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) from a list of names; raises ValueError with a readable message."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError("days must be a list such as [mon, tue] or [weekdays]")
    days: set[int] = set()
    for item in value:
        name = str(item).strip().lower()
        if name in DAY_ALIASES:
            days.update(DAY_NAMES.index(d) for d in DAY_ALIASES[name])
        elif name[:3] in DAY_NAMES and len(name) == 3:
            days.add(DAY_NAMES.index(name))
        else:
            raise ValueError(f'day "{item}" is not one of {", ".join(DAY_NAMES)}, weekdays, weekend, daily')
    return tuple(sorted(days))


def parse_clock(value: str) -> int:
    m = _CLOCK.match(str(value))
    if not m:
        raise ValueError(f'time "{value}" is not HH:MM')
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f'time "{value}" is not HH:MM')
    return hours * 60 + minutes


def parse_range(value: object) -> TimeRange:
    text = str(value)
    m = _RANGE.match(text)
    if not m:
        raise ValueError(f'time "{text}" is not HH:MM-HH:MM')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f'time "{text}" is not HH:MM-HH:MM')
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(
            f'time "{text}" ends before it starts (for a zone past midnight, use two ranges, e.g. "22:00-24:00" and "00:00-06:00")'
        )
    return TimeRange(start, end)


def parse_duration(value: object, *, limit_minutes: int = 24 * 60) -> int:
    """Minutes from "45m", "1h", "1h30m", "2d", "90" (minutes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        text = str(value).strip().lower()
        m = _DURATION.match(text)
        if not text or not m or not (m.group(1) or m.group(2) or m.group(3)):
            raise ValueError(f'duration "{value}" is not like 45m, 1h or 1h30m')
        minutes = int(m.group(1) or 0) * 24 * 60 + int(m.group(2) or 0) * 60 + int(m.group(3) or 0)
    if minutes <= 0:
        raise ValueError(f'duration "{value}" must be longer than zero')
    if minutes > limit_minutes:
        limit = "a day" if limit_minutes == 24 * 60 else f"{limit_minutes // (24 * 60)} days"
        raise ValueError(f'duration "{value}" is longer than {limit}')
    return minutes
