"""One partner's week: every metric of the report, and the details the suggestions quote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from calsync.config.models import ConfigFile, WorkingHours
from calsync.model import Occurrence
from calsync.model.window import clip, intersect, merge_intervals, total_hours
from calsync.report.metrics import (
    Day,
    Interval,
    busy_events,
    daily_intervals,
    evening_intervals,
    hours_in,
    longest_day,
    outside,
    touched_days,
    union,
    week_bounds,
    week_days,
    weekend_intervals,
)
from calsync.rules.outcome import Missed, Protected
from calsync.rules.schema import LoadThresholds, RuleSet
from calsync.rules.timespec import parse_clock

DEFAULT_WORKING_HOURS = WorkingHours()
DEFAULT_EVENING = "19:00"
HOME_ROLES = ("personal", "shared")


@dataclass(frozen=True)
class Invasion:
    """A work event inside protected time (a no-work zone)."""

    event: Occurrence
    rule: str
    hours: float


@dataclass(frozen=True)
class RitualSlot:
    rule: str
    start: dt.datetime
    end: dt.datetime
    kept: bool | None  # None: not over yet


@dataclass
class PartnerWeek:
    partner: str
    monday: dt.date
    work_hours: float = 0.0
    weekend_work_hours: float = 0.0
    evening_work_hours: float = 0.0
    off_hours_work_hours: float = 0.0
    protected_hours_invaded: float = 0.0
    home_hours: float = 0.0
    meetings: int = 0
    travel_dates: list[dt.date] = field(default_factory=list)
    rituals: list[RitualSlot] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    released: int = 0
    longest: Day | None = None
    invasions: list[Invasion] = field(default_factory=list)
    evening_events: list[tuple[Occurrence, float]] = field(default_factory=list)
    weekend_events: list[tuple[Occurrence, float]] = field(default_factory=list)

    @property
    def travel_days(self) -> int:
        return len(self.travel_dates)

    @property
    def rituals_placed(self) -> int:
        return len(self.rituals)

    @property
    def rituals_kept(self) -> int:
        return sum(1 for r in self.rituals if r.kept)

    @property
    def rituals_missed(self) -> int:
        return len(self.missed) + self.released


@dataclass(frozen=True)
class PartnerData:
    """A partner's calendars over the whole report window, computed once."""

    partner: str
    work_events: list[Occurrence]
    work: list[Interval]
    home: list[Interval]
    any_busy: list[Interval]
    travel: list[Interval]
    working_hours: WorkingHours


def partner_data(config: ConfigFile, occurrences: Sequence[Occurrence], partner: str, travel: list[Interval]) -> PartnerData:
    calendars = config.partners[partner].calendars

    def role(o: Occurrence) -> str:
        cal = calendars.get(o.ref.calendar)
        return cal.role if cal is not None else ""

    work_events = busy_events(occurrences, partner, lambda o: role(o) == "work")
    home_events = busy_events(occurrences, partner, lambda o: role(o) in HOME_ROLES)
    every = busy_events(occurrences, partner, lambda o: True)
    return PartnerData(
        partner=partner,
        work_events=work_events,
        work=union(work_events),
        home=union(home_events),
        any_busy=union(every),
        travel=merge_intervals(travel),
        working_hours=config.partners[partner].working_hours or DEFAULT_WORKING_HOURS,
    )


def zone_intervals(rules: RuleSet, partner: str, monday: dt.date, tz: ZoneInfo) -> list[tuple[str, Interval]]:
    """The partner's no-work zones touching the week (the day before too: a zone may pass midnight)."""
    days = [monday - dt.timedelta(days=1), *week_days(monday)]
    out = []
    for zone in rules.no_work_zones:
        if partner in zone.who:
            for interval in daily_intervals(days, zone.weekdays, zone.range.start, zone.range.end, tz):
                out.append((zone.name, interval))
    return out


def _event_overlaps(events: Sequence[Occurrence], windows: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> list[tuple[Occurrence, float]]:
    merged = merge_intervals(clip(windows, start, end))
    out = []
    for occ in events:
        if occ.end <= start or occ.start >= end:
            continue
        hours = total_hours(intersect([(max(occ.start, start), min(occ.end, end))], merged))
        if hours > 0:
            out.append((occ, hours))
    return sorted(out, key=lambda item: (-item[1], item[0].start))


def measure_week(
    data: PartnerData,
    rules: RuleSet,
    load: LoadThresholds,
    monday: dt.date,
    tz: ZoneInfo,
    now: dt.datetime,
    protected: Sequence[Protected],
    missed: Sequence[Missed],
    released: set[tuple[str, str, dt.datetime]],
) -> PartnerWeek:
    start, end = week_bounds(monday, tz)
    week = PartnerWeek(data.partner, monday)
    work = clip(data.work, start, end)
    week.work_hours = total_hours(work)

    weekend = weekend_intervals(monday, tz)
    week.weekend_work_hours = total_hours(intersect(work, weekend))
    week.weekend_events = _event_overlaps(data.work_events, weekend, start, end)

    evening_start = parse_clock(load.evening_starts or DEFAULT_EVENING)
    evenings = evening_intervals(monday, evening_start, tz)
    week.evening_work_hours = total_hours(intersect(work, merge_intervals(clip(evenings, start, end))))
    week.evening_events = _event_overlaps(data.work_events, evenings, start, end)

    wh = data.working_hours
    office = daily_intervals(week_days(monday), wh.weekdays, wh.range.start, wh.range.end, tz)
    week.off_hours_work_hours = total_hours(outside(work, office))

    zones = zone_intervals(rules, data.partner, monday, tz)
    week.protected_hours_invaded = total_hours(intersect(work, merge_intervals(clip([i for _, i in zones], start, end))))
    for name in dict.fromkeys(n for n, _ in zones):
        windows = [i for n, i in zones if n == name]
        for occ, hours in _event_overlaps(data.work_events, windows, start, end):
            week.invasions.append(Invasion(occ, name, hours))
    week.invasions.sort(key=lambda inv: (-inv.hours, inv.event.start))

    week.home_hours = hours_in(data.home, start, end)
    week.meetings = sum(1 for o in data.work_events if start <= o.start < end)
    week.travel_dates = touched_days(data.travel, week_days(monday), tz)
    week.longest = longest_day(work, monday, tz)

    seen: set[tuple[str, str, dt.datetime]] = set()
    for p in sorted(protected, key=lambda p: p.start):
        if p.partner != data.partner or p.kind != "ritual" or not (start <= p.start < end):
            continue
        ident = (p.rule, p.slot.split("#")[0], p.start)
        if ident in seen or (data.partner, p.rule, p.start) in released:
            continue
        seen.add(ident)
        kept = None
        if p.end <= now:
            kept = not clip(data.any_busy, p.start, p.end)
        week.rituals.append(RitualSlot(p.rule, p.start, p.end, kept))
    iso = monday.isocalendar()
    label = f"{iso.year}-W{iso.week:02d}"
    week.missed = [m for m in missed if data.partner in m.partners and m.week == label]
    ritual_names = {r.name for r in rules.rituals}
    week.released = len({(rule, s) for (p, rule, s) in released if p == data.partner and rule in ritual_names and start <= s < end})
    return week
