"""Per-partner, per-week metrics, exactly as the contract defines them. Pure functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from calsync.model import Occurrence
from calsync.model.window import clip, intersect, local_midnight, merge_intervals, total_hours

Interval = tuple[dt.datetime, dt.datetime]


def busy_work_intervals(occurrences: Iterable[Occurrence], partner: str, is_work: Callable[[Occurrence], bool]) -> list[Interval]:
    """Union of the partner's busy intervals on work calendars (an event on two calendars counts once)."""
    return merge_intervals((o.start, o.end) for o in occurrences if o.ref.partner == partner and o.busy and is_work(o))


def hours_in(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> float:
    return total_hours(clip(intervals, start, end))


def weekend_intervals(week_start: dt.date, tz: ZoneInfo) -> list[Interval]:
    saturday = week_start + dt.timedelta(days=5)
    return [(local_midnight(saturday, tz), local_midnight(saturday + dt.timedelta(days=2), tz))]


def overlap_hours(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    return total_hours(intersect(merge_intervals(a), merge_intervals(b)))


def travel_days(occurrences: Iterable[Occurrence], partner: str, is_travel: Callable[[Occurrence], bool], days: Sequence[dt.date], tz: ZoneInfo) -> int:
    """Days of the week on which the partner is away (any part of the day)."""
    away = merge_intervals((o.start, o.end) for o in occurrences if o.ref.partner == partner and not o.cancelled and is_travel(o))
    count = 0
    for day in days:
        start, end = local_midnight(day, tz), local_midnight(day + dt.timedelta(days=1), tz)
        if clip(away, start, end):
            count += 1
    return count


def round_hours(value: float) -> float:
    return round(value + 0.0, 2)
