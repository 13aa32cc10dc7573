"""Time windows and intervals in the household time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of aware datetimes."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Window needs aware datetimes")
        if self.end < self.start:
            raise ValueError("Window ends before it starts")

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return start < self.end and end > self.start

    def contains_start(self, start: dt.datetime) -> bool:
        return self.start <= start < self.end

    def days(self, tz: ZoneInfo) -> Iterator[dt.date]:
        """Every local date the window touches."""
        day = self.start.astimezone(tz).date()
        last = (self.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
        while day <= last:
            yield day
            day += dt.timedelta(days=1)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def wall_time(day: dt.date, minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The aware datetime for a wall-clock time on a local date; 24:00 is midnight at the day's end.

    A wall time that does not exist (inside a spring-forward gap) resolves forward, one that occurs
    twice (fall-back) resolves to its first occurrence, as calendar applications do.
    """
    if minutes >= 24 * 60:
        return local_midnight(day + dt.timedelta(days=1), tz)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    aware = naive.replace(tzinfo=tz, fold=0)
    # A non-existent wall time does not round-trip through UTC: move it past the gap.
    # With fold=0 a gap time takes the offset from before the change, which lands after the gap.
    roundtrip = aware.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != naive:
        return roundtrip
    return aware


def horizon(now: dt.datetime, tz: ZoneInfo, days: int) -> Window:
    """From the start of today (household time) for `days` days."""
    today = now.astimezone(tz).date()
    return Window(local_midnight(today, tz), local_midnight(today + dt.timedelta(days=days), tz))


def merge_intervals(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Union of intervals, sorted and merged (touching intervals merge)."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(
    intervals: Iterable[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    out = []
    for s, e in intervals:
        s2, e2 = max(s, start), min(e, end)
        if s2 < e2:
            out.append((s2, e2))
    return out


def total_hours(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> float:
    """Real elapsed hours (measured in UTC, so DST nights count what they really last)."""
    seconds = sum((e.astimezone(UTC) - s.astimezone(UTC)).total_seconds() for s, e in intervals)
    return seconds / 3600.0


def intersect(
    a: list[tuple[dt.datetime, dt.datetime]], b: list[tuple[dt.datetime, dt.datetime]]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Intersection of two merged, sorted interval lists."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
