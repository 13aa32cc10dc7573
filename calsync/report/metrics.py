"""Interval arithmetic behind the report's numbers. Pure functions; time comes in as arguments.

Every interval is an aware datetime pair; hours are real elapsed time (measured in UTC), and days
are local dates in the household time zone, so a DST week has 167 or 169 hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from calsync.model import Occurrence
from calsync.model.window import clip, intersect, local_midnight, merge_intervals, total_hours, wall_time

Interval = tuple[dt.datetime, dt.datetime]
DAY = dt.timedelta(days=1)
NIGHT_ENDS = 6 * 60  # an evening runs until 06:00 the next morning


def busy_events(occurrences: Iterable[Occurrence], partner: str, keep: Callable[[Occurrence], bool]) -> list[Occurrence]:
    """The partner's busy occurrences that `keep` accepts; an event seen on two calendars once."""
    seen: set[tuple[str, str, dt.datetime, dt.datetime]] = set()
    out = []
    for occ in sorted(occurrences, key=lambda o: (o.start, o.end, o.ref)):
        if occ.ref.partner != partner or not occ.busy or not keep(occ):
            continue
        ident = (occ.uid, occ.recurrence_id, occ.start, occ.end)
        if occ.uid and ident in seen:
            continue
        seen.add(ident)
        out.append(occ)
    return out


def union(occurrences: Iterable[Occurrence]) -> list[Interval]:
    return merge_intervals((o.start, o.end) for o in occurrences)


def busy_work_intervals(occurrences: Iterable[Occurrence], partner: str, is_work: Callable[[Occurrence], bool]) -> list[Interval]:
    """Union of the partner's busy intervals on work calendars (an event on two calendars counts once)."""
    return union(busy_events(occurrences, partner, is_work))


def hours_in(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> float:
    return total_hours(clip(intervals, start, end))


def overlap_hours(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    return total_hours(intersect(merge_intervals(a), merge_intervals(b)))


def week_days(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


def week_bounds(monday: dt.date, tz: ZoneInfo) -> Interval:
    return local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7), tz)


def weekend_intervals(week_start: dt.date, tz: ZoneInfo) -> list[Interval]:
    saturday = week_start + dt.timedelta(days=5)
    return [(local_midnight(saturday, tz), local_midnight(saturday + dt.timedelta(days=2), tz))]


def daily_intervals(days: Iterable[dt.date], weekdays: Sequence[int], start_min: int, end_min: int, tz: ZoneInfo) -> list[Interval]:
    """The wall-clock range [start_min, end_min) on each of `days` whose weekday is in `weekdays`.

    `end_min` may pass 1440 to run into the next day (an evening until 06:00).
    """
    out = []
    for day in days:
        if day.weekday() not in weekdays:
            continue
        start = wall_time(day, start_min, tz)
        if end_min > 24 * 60:
            end = wall_time(day + DAY, end_min - 24 * 60, tz)
        else:
            end = wall_time(day, end_min, tz)
        if end > start:
            out.append((start, end))
    return merge_intervals(out)


def evening_intervals(monday: dt.date, evening_start: int, tz: ZoneInfo) -> list[Interval]:
    """Every evening touching the week: from `evening_start` until 06:00 the next morning."""
    days = [monday - DAY, *week_days(monday)]
    return daily_intervals(days, range(7), evening_start, 24 * 60 + NIGHT_ENDS, tz)  # type: ignore[arg-type]


def outside(intervals: Sequence[Interval], allowed: Sequence[Interval]) -> list[Interval]:
    """The parts of merged `intervals` not covered by `allowed`."""
    out: list[Interval] = []
    allowed = merge_intervals(allowed)
    for start, end in intervals:
        cursor = start
        for a_start, a_end in allowed:
            if a_end <= cursor or a_start >= end:
                continue
            if a_start > cursor:
                out.append((cursor, a_start))
            cursor = max(cursor, a_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


@dataclass(frozen=True)
class Day:
    date: dt.date
    hours: float
    first: dt.datetime
    last: dt.datetime


def longest_day(work: Sequence[Interval], monday: dt.date, tz: ZoneInfo) -> Day | None:
    """The local day of the week with the most work hours (the earliest on a tie)."""
    best: Day | None = None
    for day in week_days(monday):
        pieces = clip(work, local_midnight(day, tz), local_midnight(day + DAY, tz))
        if not pieces:
            continue
        hours = total_hours(pieces)
        if best is None or hours > best.hours + 1e-9:
            best = Day(day, hours, pieces[0][0], pieces[-1][1])
    return best


def touched_days(intervals: Sequence[Interval], days: Sequence[dt.date], tz: ZoneInfo) -> list[dt.date]:
    """The local days any interval touches (an all-day event's exclusive end is not a day)."""
    merged = merge_intervals(intervals)
    return [d for d in days if clip(merged, local_midnight(d, tz), local_midnight(d + DAY, tz))]


def travel_days(occurrences: Iterable[Occurrence], partner: str, is_travel: Callable[[Occurrence], bool], days: Sequence[dt.date], tz: ZoneInfo) -> int:
    """Days of the week on which the partner is away (any part of the day)."""
    away = [(o.start, o.end) for o in occurrences if o.ref.partner == partner and not o.cancelled and is_travel(o)]
    return len(touched_days(away, days, tz))


def round_hours(value: float) -> float:
    return round(value + 0.0, 2)
