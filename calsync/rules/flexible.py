"""Flexible rituals: place each occurrence where every participant is free, and keep it there.

Busy, for placing, is the participants' busy events (the report's definition, on every calendar)
plus the time other rituals and home duties hold; no-work zones are not busy (rituals belong there).

Stability: calsync's own block from an earlier run (found on the calendars, `RuleInputs.owned`) is
kept while it still fits (one that has already begun is always kept): same week, inside the window, a length the rule accepts, on a day nobody
is away or paused, and free for everyone. Every kept placement of every ritual is reserved before
anything new is placed, so placing one ritual never pushes another off its time. Only a new
conflict moves a ritual, and the move carries the reason (Block.reason, Evaluation.notes).

New placements try, in order, every start on a 15-minute grid inside the window (earliest, latest,
or nearest `prefer: HH:MM`), first at full length, then shorter down to `min_duration`. Occurrences
in a week keep `min_gap` between them, or by default one per day while the window has enough days.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from calsync.model import CalendarRef
from calsync.model.identity import block_key
from calsync.model.window import merge_intervals, wall_time
from calsync.rules import outcome as oc
from calsync.rules.outcome import Missed, week_label
from calsync.rules.schema import Ritual
from calsync.rules.targets import target_calendars
from calsync.rules.timespec import parse_clock

if TYPE_CHECKING:
    from calsync.rules.engine import _Builder

Interval = tuple[dt.datetime, dt.datetime]
STEP = dt.timedelta(minutes=15)


def _overlaps(busy: list[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) meets any interval of `busy` (merged: sorted and disjoint)."""
    index = bisect.bisect_right(busy, start, key=lambda iv: iv[1])  # first interval ending after start
    return index < len(busy) and busy[index][0] < end


def week_starts(builder: _Builder) -> list[dt.date]:
    tz = builder.tz
    first = builder.inputs.window.start.astimezone(tz).date()
    monday = first - dt.timedelta(days=first.weekday())
    last = (builder.inputs.window.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def preference(ritual: Ritual) -> str:
    return f"{ritual.prefer} time" if ritual.prefer in ("earliest", "latest") else f"time nearest {ritual.prefer}"


def everyone(who: Sequence[str]) -> str:
    if len(who) == 1:
        return f"{who[0]} is"
    if len(who) == 2:
        return f"both {who[0]} and {who[1]} are"
    return f"{', '.join(who[:-1])} and {who[-1]} are all"


def _span(interval: Interval, tz: dt.tzinfo) -> str:
    s, e = interval[0].astimezone(tz), interval[1].astimezone(tz)
    return f"{s:%a %d %b %H:%M}–{e:%H:%M}"


class _Placer:
    def __init__(self, builder: _Builder, rituals: Sequence[Ritual]) -> None:
        self.b = builder
        self.tz = builder.tz
        self.window = builder.inputs.window
        self.earliest = max(self.window.start, builder.inputs.now)
        self.rituals = list(rituals)
        self.owned = {o.key: o for o in builder.inputs.owned if not o.cancelled}
        partners = {p for r in self.rituals for p in r.who}
        # what each partner is doing, with a name for explanations
        self.labelled: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {}
        for partner in partners:
            items = [(o.start, o.end, f'"{o.summary or "(no title)"}" ({partner})') for o in builder.invaders(partner, "ritual")]
            items += [
                (p.start, p.end, f"{p.rule} ({partner})")
                for p in builder.result.protected
                if p.partner == partner and p.kind in ("ritual", "duty")
            ]
            self.labelled[partner] = items
        self.busy = {p: merge_intervals((s, e) for s, e, _ in items) for p, items in self.labelled.items()}
        self.placed: dict[tuple[str, str], Interval] = {}
        self._label_index: dict[str, tuple[int, list[tuple[dt.datetime, dt.datetime, str]], list[dt.datetime], dt.timedelta]] = {}

    # -- helpers ----------------------------------------------------------------------------------
    def reserve(self, ritual: Ritual, slot: str, interval: Interval) -> None:
        self.placed[(ritual.name, slot)] = interval
        for partner in ritual.who:
            self.labelled[partner].append((*interval, f"{ritual.name} ({partner})"))
            self.busy[partner] = merge_intervals([*self.busy[partner], interval])

    def _sorted_labels(self, partner: str) -> tuple[list[tuple[dt.datetime, dt.datetime, str]], list[dt.datetime], dt.timedelta]:
        """The partner's labelled intervals sorted, their starts and the longest one; kept until
        `reserve` adds to them (labelled lists only grow)."""
        items = self.labelled[partner]
        cached = self._label_index.get(partner)
        if cached is None or cached[0] != len(items):
            ordered = sorted(items)
            longest = max([dt.timedelta(0), *(end - start for start, end, _ in ordered)])
            cached = (len(items), ordered, [item[0] for item in ordered], longest)
            self._label_index[partner] = cached
        return cached[1], cached[2], cached[3]

    def blocker(self, ritual: Ritual, interval: Interval) -> str:
        """Name what takes this interval, or "" when everyone in the ritual is free."""
        for partner in ritual.who:
            if _overlaps(self.busy[partner], *interval):
                # the first overlapping item in sorted order, looked up among those that can overlap
                items, starts, longest = self._sorted_labels(partner)
                low = bisect.bisect_left(starts, interval[0] - longest)
                for start, end, label in items[low : bisect.bisect_left(starts, interval[1])]:
                    if start < interval[1] and end > interval[0]:
                        return label
                return f"({partner} is busy)"
        return ""

    def excluded(self, ritual: Ritual, day: dt.date) -> tuple[str, str]:
        """(kind, reason) when the ritual cannot happen on this day: ("pause"|"away", why), else ("", "")."""
        paused = self.b.season_pause(ritual.name, ritual.who, day)
        if paused:
            return "pause", paused
        if ritual.travel == "skip":
            away = self.b.away_partners(ritual.who, day)
            if away:
                return "away", f"{' and '.join(away)} {'is' if len(away) == 1 else 'are'} away on {day:%a %d %b}"
        return "", ""

    def window_days(self, ritual: Ritual, week: dt.date) -> list[dt.date]:
        assert ritual.window is not None
        return [week + dt.timedelta(days=i) for i in range(7) if (week + dt.timedelta(days=i)).weekday() in ritual.window.weekdays]

    def day_range(self, ritual: Ritual, day: dt.date) -> Interval:
        assert ritual.window is not None
        tr = ritual.window.range
        return wall_time(day, tr.start, self.tz), wall_time(day, tr.end, self.tz)

    def slots(self, ritual: Ritual, week: dt.date) -> list[str]:
        label = week_label(week)
        return [f"{label}#{n + 1}" for n in range(ritual.per_week or 1)]

    def previous(self, ritual: Ritual, slot: str) -> Interval | None:
        for partner in ritual.who:
            for calendar in target_calendars(self.b.cfg, partner, ritual):
                found = self.owned.get(block_key(self.b.cfg.household, CalendarRef(partner, calendar), ritual.name, slot))
                if found is not None:
                    return (found.start, found.end)
        return None

    def spacing_ok(self, ritual: Ritual, week: dt.date, interval: Interval, slot: str) -> bool:
        others = [iv for (name, s), iv in self.placed.items() if name == ritual.name and s != slot and s.startswith(week_label(week))]
        gap = ritual.gap_minutes
        if gap is None:
            # one a day; with more occurrences than days, as few a day as the count allows
            days = len(self.window_days(ritual, week)) or 1
            cap = -(-(ritual.per_week or 1) // days)
            day = interval[0].astimezone(self.tz).date()
            return sum(1 for s, _ in others if s.astimezone(self.tz).date() == day) < cap
        delta = dt.timedelta(minutes=gap)
        return all(interval[0] >= e + delta or interval[1] + delta <= s for s, e in others)

    # -- phase 1: keep earlier placements ---------------------------------------------------------
    def why_not_keep(self, ritual: Ritual, week: dt.date, interval: Interval) -> str:
        start, end = interval
        day = start.astimezone(self.tz).date()
        length = end - start
        if not (dt.timedelta(minutes=ritual.shortest_minutes) <= length <= dt.timedelta(minutes=ritual.minutes)):
            return f"its length no longer matches the rule ({ritual.duration})"
        if day not in self.window_days(ritual, week):
            return "its day is no longer in the ritual's window"
        lo, hi = self.day_range(ritual, day)
        if start < lo or end > hi:
            return f"its time is no longer inside the ritual's window ({ritual.window.time if ritual.window else ''})"
        if start < self.earliest:
            # one that has begun is history: it stays, whatever was added around it since
            for (name, _), (s, e) in self.placed.items():
                if name == ritual.name and s < end and e > start:
                    return f"it overlaps another {ritual.name}"
            return ""
        kind, why = self.excluded(ritual, day)
        if kind:
            return why
        taken = self.blocker(ritual, interval)
        if taken:
            return f"its time now overlaps {taken}"
        return ""

    # -- phase 2: new placements ------------------------------------------------------------------
    def candidates(self, ritual: Ritual, week: dt.date, length: dt.timedelta, skip_days: set[dt.date]) -> list[Interval]:
        out: list[Interval] = []
        for day in self.window_days(ritual, week):
            if day in skip_days:
                continue
            lo, hi = self.day_range(ritual, day)
            start = lo
            while start + length <= hi:
                end = start + length
                if start >= self.earliest and end <= self.window.end:
                    out.append((start, end))
                start += STEP
        prefer = ritual.prefer
        if prefer == "latest":
            out.sort(key=lambda iv: iv[0], reverse=True)
        elif prefer != "earliest":
            target = parse_clock(prefer)

            def distance(item: Interval) -> tuple[int, dt.datetime]:
                local = item[0].astimezone(self.tz)
                return (abs(local.hour * 60 + local.minute - target), item[0])

            out.sort(key=distance)
        return out

    def lengths(self, ritual: Ritual) -> list[dt.timedelta]:
        full, shortest = dt.timedelta(minutes=ritual.minutes), dt.timedelta(minutes=ritual.shortest_minutes)
        out = []
        length = full
        while length > shortest:
            out.append(length)
            length -= STEP
        out.append(shortest)
        return out

    def search(self, ritual: Ritual, week: dt.date, slot: str, skip_days: set[dt.date]) -> Interval | None:
        label = week_label(week)
        per_day: dict[dt.date, int] = {}
        for (name, other), (start, _) in self.placed.items():
            if name == ritual.name and other.startswith(label):
                day = start.astimezone(self.tz).date()
                per_day[day] = per_day.get(day, 0) + 1
        for length in self.lengths(ritual):
            options = self.candidates(ritual, week, length, skip_days)
            # spread out: days holding fewer occurrences first, the preference within each
            options.sort(key=lambda iv: per_day.get(iv[0].astimezone(self.tz).date(), 0))
            for interval in options:
                if not self.blocker(ritual, interval) and self.spacing_ok(ritual, week, interval, slot):
                    return interval
        return None

    def week_complete(self, ritual: Ritual, week: dt.date) -> bool:
        """Whether every day of the ritual's window this week lies inside the evaluated window."""
        days = self.window_days(ritual, week)
        return bool(days) and all(
            self.window.start <= self.day_range(ritual, d)[0] and self.day_range(ritual, d)[1] <= self.window.end for d in days
        )

    def run(self) -> None:
        weeks = week_starts(self.b)
        moved: dict[tuple[str, str], tuple[Interval, str]] = {}
        kept: set[tuple[str, str]] = set()
        for ritual in self.rituals:
            for week in weeks:
                for slot in self.slots(ritual, week):
                    prev = self.previous(ritual, slot)
                    if prev is None or not self.window.overlaps(*prev):
                        continue
                    why = self.why_not_keep(ritual, week, prev)
                    if why:
                        moved[(ritual.name, slot)] = (prev, why)
                    else:
                        self.reserve(ritual, slot, prev)
                        kept.add((ritual.name, slot))
        for ritual in self.rituals:
            for week in weeks:
                self.place_week(ritual, week, kept, moved)

    def place_week(self, ritual: Ritual, week: dt.date, kept: set[tuple[str, str]], moved: dict[tuple[str, str], tuple[Interval, str]]) -> None:
        b = self.b
        label = week_label(week)
        skip: dict[dt.date, tuple[str, str]] = {}
        for day in self.window_days(ritual, week):
            kind, why = self.excluded(ritual, day)
            if kind:
                skip[day] = (kind, why)
        # occurrences that fit only on days already over (before calsync held them) are not missed
        days = self.window_days(ritual, week)
        held = {iv[0].astimezone(self.tz).date() for (name, s), iv in self.placed.items() if name == ritual.name and s.startswith(label)}
        per_day = 1 if ritual.gap_minutes is not None else -(-(ritual.per_week or 1) // (len(days) or 1))
        lost = [per_day * sum(1 for d in days if self.day_range(ritual, d)[1] <= self.earliest and d not in held)]
        for slot in self.slots(ritual, week):
            key = (ritual.name, slot)
            if key in kept:
                interval = self.placed[key]
                b.decide(ritual, "ritual", ritual.who, interval[0].astimezone(self.tz).date(), label, slot, oc.KEPT,
                         "kept where an earlier run placed it", interval)
                continue
            choice = self.search(ritual, week, slot, set(skip))
            if choice is not None:
                self.reserve(ritual, slot, choice)
                day = choice[0].astimezone(self.tz).date()
                if key in moved:
                    old, why = moved[key]
                    reason = f"moved from {_span(old, self.tz)}: {why}"
                    b.result.notes.append(f"{ritual.name} {slot}: {reason}; now {_span(choice, self.tz)}")
                    b.decide(ritual, "ritual", ritual.who, day, label, slot, oc.MOVED, reason, choice)
                else:
                    b.decide(ritual, "ritual", ritual.who, day, label, slot, oc.PLACED,
                             f"the {preference(ritual)} where {everyone(ritual.who)} free", choice)
                continue
            self.unplaced(ritual, week, slot, skip, moved.get(key), lost)
        for slot in self.slots(ritual, week):
            key = (ritual.name, slot)
            if key not in self.placed:
                continue
            reason = ""
            if key in moved:
                reason = f"moved: {moved[key][1]}"
            for partner in ritual.who:
                b.protect(ritual, partner, "ritual", slot, self.placed[key], b.invaders(partner, "ritual"), reason=reason)

    def unplaced(self, ritual: Ritual, week: dt.date, slot: str, skip: dict[dt.date, tuple[str, str]],
                 was: tuple[Interval, str] | None, lost: list[int]) -> None:
        b = self.b
        label = week_label(week)
        prefix = f"its earlier time {_span(was[0], self.tz)} is gone ({was[1]}) and " if was else ""
        if not self.week_complete(ritual, week):
            b.decide(ritual, "ritual", ritual.who, None, label, slot, oc.PENDING,
                     prefix + "the evaluated time ends before this week's window does; later runs place it")
            return
        days = self.window_days(ritual, week)
        passed = [d for d in days if self.day_range(ritual, d)[1] <= self.earliest]
        if len(passed) == len(days):
            b.decide(ritual, "ritual", ritual.who, None, label, slot, oc.PASSED,
                     prefix + "the week's window was over before calsync held a time for it")
            return
        pauses = sorted({why for kind, why in skip.values() if kind == "pause"})
        aways = [f"{why}" for _, (kind, why) in sorted(skip.items()) if kind == "away"]
        if pauses and not aways:
            b.decide(ritual, "ritual", ritual.who, None, label, slot, oc.PAUSED, prefix + "; ".join(pauses))
            return
        if lost[0] > 0:
            lost[0] -= 1
            b.decide(ritual, "ritual", ritual.who, None, label, slot, oc.PASSED,
                     prefix + f"{len(passed)} of the week's days were over before calsync held a time for it, "
                     "and what is left of the week has no room")
            return
        assert ritual.window is not None
        free = f"no {ritual.min_duration or ritual.duration} slot on {', '.join(ritual.window.days)} {ritual.window.time} " \
               f"where {everyone(ritual.who)} free"
        if passed:
            free += f" in what is left of the week ({len(passed)} of its days had passed)"
        reason = prefix + "; ".join([*aways, *pauses, free])
        status = oc.AWAY if aways else oc.MISSED
        b.decide(ritual, "ritual", ritual.who, None, label, slot, status, reason)
        b.result.missed.append(Missed(ritual.name, tuple(ritual.who), label, slot, reason))


def place_flexible(builder: _Builder, rituals: Sequence[Ritual]) -> None:
    if rituals:
        _Placer(builder, rituals).run()

