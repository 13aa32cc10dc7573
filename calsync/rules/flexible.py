"""Flexible rituals: place each occurrence where every participant is free, and keep it there.

A placement found on the calendars (calsync's own block from an earlier run) is kept while its
time stays free for everyone; only a new conflict moves it. New placements take the preferred
free start (earliest, latest or nearest a given time) on a 15-minute grid.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from calsync.model import CalendarRef
from calsync.model.identity import block_key
from calsync.model.window import merge_intervals, wall_time
from calsync.rules.outcome import Missed
from calsync.rules.schema import Ritual
from calsync.rules.targets import target_calendars
from calsync.rules.timespec import parse_clock, parse_duration

if TYPE_CHECKING:
    from calsync.rules.engine import _Builder

Interval = tuple[dt.datetime, dt.datetime]
STEP = dt.timedelta(minutes=15)


def _free(busy: list[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    return all(b_end <= start or b_start >= end for b_start, b_end in busy)


def _week_starts(builder: _Builder) -> list[dt.date]:
    tz = builder.inputs.tz
    first = builder.inputs.window.start.astimezone(tz).date()
    monday = first - dt.timedelta(days=first.weekday())
    last = (builder.inputs.window.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def _candidates(ritual: Ritual, week: dt.date, builder: _Builder, earliest: dt.datetime, length: dt.timedelta) -> list[Interval]:
    assert ritual.window is not None
    tz = builder.inputs.tz
    window = builder.inputs.window
    tr = ritual.window.range
    out: list[Interval] = []
    for offset in range(7):
        day = week + dt.timedelta(days=offset)
        if day.weekday() not in ritual.window.weekdays:
            continue
        day_start, day_end = wall_time(day, tr.start, tz), wall_time(day, tr.end, tz)
        start = day_start
        while start + length <= day_end:
            end = start + length
            if start >= earliest and end <= window.end:
                out.append((start, end))
            start += STEP
    prefer = ritual.prefer
    if prefer == "latest":
        out.reverse()
    elif prefer != "earliest":
        target = parse_clock(prefer)

        def distance(item: Interval) -> tuple[int, dt.datetime]:
            local = item[0].astimezone(tz)
            return (abs(local.hour * 60 + local.minute - target), item[0])

        out.sort(key=distance)
    return out


def place_flexible(builder: _Builder, ritual: Ritual) -> None:
    inputs = builder.inputs
    tz = inputs.tz
    length = dt.timedelta(minutes=ritual.minutes)
    shortest = dt.timedelta(minutes=parse_duration(ritual.min_duration)) if ritual.min_duration else length
    min_gap = dt.timedelta(minutes=parse_duration(ritual.min_gap)) if ritual.min_gap else None
    per_week = ritual.per_week or 1
    earliest = max(inputs.window.start, inputs.now)
    owned_by_key = {b.key: b for b in inputs.owned if not b.cancelled}

    busy: dict[str, list[Interval]] = {}
    invaders = {}
    for partner in ritual.who:
        invaders[partner] = builder.invaders(partner, "ritual")
        taken = [(o.start, o.end) for o in invaders[partner]]
        taken += [(p.start, p.end) for p in builder.result.protected if p.partner == partner and p.kind == "ritual"]
        busy[partner] = merge_intervals(taken)

    def everyone_free(start: dt.datetime, end: dt.datetime) -> bool:
        return all(_free(busy[p], start, end) for p in ritual.who)

    def previous(slot: str) -> Interval | None:
        for partner in ritual.who:
            for calendar in target_calendars(builder.cfg, partner, ritual):
                found = owned_by_key.get(block_key(builder.cfg.household, CalendarRef(partner, calendar), ritual.name, slot))
                if found is not None:
                    return (found.start, found.end)
        return None

    def fits_window(interval: Interval) -> bool:
        assert ritual.window is not None
        local = interval[0].astimezone(tz)
        if local.weekday() not in ritual.window.weekdays:
            return False
        tr = ritual.window.range
        return wall_time(local.date(), tr.start, tz) <= interval[0] and interval[1] <= wall_time(local.date(), tr.end, tz)

    for week in _week_starts(builder):
        iso = week.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        slots = [f"{label}#{n + 1}" for n in range(per_week)]
        placed: dict[str, Interval] = {}
        # 1. keep earlier placements that still work for everyone
        for slot in slots:
            prev = previous(slot)
            if prev is None or not inputs.window.overlaps(*prev):
                continue
            if prev[1] - prev[0] == length and fits_window(prev) and everyone_free(*prev):
                placed[slot] = prev
                for partner in ritual.who:
                    busy[partner] = merge_intervals([*busy[partner], prev])
            else:
                builder.result.notes.append(f"{ritual.name} {slot}: moved, its earlier time is no longer free for everyone")
        # 2. place the rest
        for slot in slots:
            if slot in placed:
                continue
            choice = None
            for want in ([length] if shortest == length else [length, shortest]):
                for start, end in _candidates(ritual, week, builder, earliest, want):
                    if not everyone_free(start, end):
                        continue
                    days = {s.astimezone(tz).date() for s, _ in placed.values()}
                    one_per_day = min_gap is None and per_week <= len(ritual.window.weekdays if ritual.window else [])
                    if one_per_day and start.astimezone(tz).date() in days:
                        continue
                    if min_gap is not None and any(abs(start - s) < min_gap for s, _ in placed.values()):
                        continue
                    choice = (start, end)
                    break
                if choice:
                    break
            if choice is None:
                if _candidates(ritual, week, builder, earliest, shortest):
                    builder.result.missed.append(
                        Missed(ritual.name, tuple(ritual.who), label, slot, "no time in the window where everyone is free")
                    )
                continue
            placed[slot] = choice
            for partner in ritual.who:
                busy[partner] = merge_intervals([*busy[partner], choice])
        for slot, interval in sorted(placed.items()):
            for partner in ritual.who:
                builder.protect(ritual, partner, "ritual", slot, interval, invaders[partner])

