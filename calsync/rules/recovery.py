"""Recovery time: which days earn a recovery slot, and why. Pure functions.

A day earns recovery when the partner's busy work time on it (the union of busy events on work
calendars, clipped to the local day, in real elapsed hours) exceeds `work_hours_over`, when work runs
past `work_ends_after`, or, with `travel: true`, when it is the last day of a trip. The slot falls
on that day (`same_day`) or the next (`next_day`), only on the rule's `days`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from calsync.model.window import clip, local_midnight, merge_intervals, total_hours, wall_time
from calsync.rules.schema import Recovery
from calsync.rules.travel import trip_ends

Interval = tuple[dt.datetime, dt.datetime]


def long_day_reason(rule: Recovery, work: Sequence[Interval], day: dt.date, tz: ZoneInfo) -> str:
    """Why `day` counts as a long day under this rule, or "" when it does not."""
    day_start, day_end = local_midnight(day, tz), local_midnight(day + dt.timedelta(days=1), tz)
    pieces = merge_intervals(clip(work, day_start, day_end))  # clip first: the same pieces, far less work
    if not pieces:
        return ""
    trigger = rule.after
    hours = total_hours(pieces)
    if trigger.work_hours_over is not None and hours > trigger.work_hours_over:
        return f"{hours:.1f} h of work on {day:%a %d %b} (over {trigger.work_hours_over:g} h)"
    limit = trigger.ends_after_minutes
    if limit is not None:
        last = max(end for _, end in pieces)
        if last > wall_time(day, limit, tz):
            shown = "24:00" if last == day_end else f"{last.astimezone(tz):%H:%M}"
            return f"work until {shown} on {day:%a %d %b} (after {trigger.work_ends_after})"
    return ""


def recovery_days(
    rule: Recovery, work: Sequence[Interval], away: set[dt.date], days: Sequence[dt.date], tz: ZoneInfo
) -> list[tuple[dt.date, str]]:
    """The days (among `days`, and the one before the first when the slot is next_day) whose
    recovery slot the rule earns, each with the reason; sorted, one entry per slot day."""
    if not days:
        return []
    shift = dt.timedelta(days=1 if rule.slot == "next_day" else 0)
    candidates = sorted(set(days) | {days[0] - shift})
    reasons: dict[dt.date, list[str]] = {}
    wanted = set(days)
    # only intervals that can reach into a day matter for it: look them up by start, once sorted
    ordered = sorted(w for w in work if w[1] > w[0])
    starts = [w[0] for w in ordered]
    longest = max((end - start for start, end in ordered), default=dt.timedelta(0))
    for day in candidates:
        slot_day = day + shift
        if slot_day not in wanted or slot_day.weekday() not in rule.weekdays:
            continue
        day_start, day_end = local_midnight(day, tz), local_midnight(day + dt.timedelta(days=1), tz)
        near = ordered[bisect.bisect_left(starts, day_start - longest) : bisect.bisect_left(starts, day_end)]
        why = long_day_reason(rule, near, day, tz)
        if why:
            reasons.setdefault(slot_day, []).append(why)
    if rule.after.travel:
        for end in trip_ends(away):
            slot_day = end + shift
            if slot_day in wanted and slot_day.weekday() in rule.weekdays:
                reasons.setdefault(slot_day, []).append(f"back from a trip on {end:%a %d %b}")
    return [(day, "recovery after " + "; ".join(why)) for day, why in sorted(reasons.items())]
