"""Travel detection: which events mean a partner is away, and on which days. Pure functions.

An event means "away" when it sits on a calendar with `role: travel`, or when `travel:` in the
rules matches it by keyword (a whole word of its title, case-insensitive) or by category. Cancelled
and declined events never count; all-day events do (a trip is usually one), and so do transparent
ones (all-day trips are often marked free).

A travel day is a local date (household time zone) on which any part of the partner's time away
falls. The report calls `away_intervals` / `travel_days`; the engine uses `travel_day_set`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

from calsync.config.models import ConfigFile
from calsync.model import Occurrence
from calsync.model.window import local_midnight, merge_intervals
from calsync.rules.schema import RuleSet, TravelDetection

Interval = tuple[dt.datetime, dt.datetime]


@lru_cache(maxsize=64)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def calendar_role(config: ConfigFile, occ: Occurrence) -> str:
    partner = config.partners.get(occ.ref.partner)
    if partner is None or occ.ref.calendar not in partner.calendars:
        return ""
    return partner.calendars[occ.ref.calendar].role


def is_travel_event(occ: Occurrence, detection: TravelDetection, role: str) -> bool:
    """Whether this one occurrence means its partner is away."""
    if occ.cancelled or occ.declined:
        return False
    if role == "travel":
        return True
    if detection.all_day_only and not occ.all_day:
        return False
    wanted = {c.strip().lower() for c in detection.categories}
    if wanted and any(c.strip().lower() in wanted for c in occ.categories):
        return True
    pattern = _keyword_pattern(tuple(detection.keywords))
    return bool(pattern and pattern.search(occ.summary or ""))


def watches(detection: TravelDetection, partner: str) -> bool:
    return detection.who is None or partner in detection.who


def away_intervals(occurrences: Sequence[Occurrence], partner: str, config: ConfigFile, rules: RuleSet) -> list[Interval]:
    """The partner's time away, merged. Calendars with `role: travel` always count, whoever `who` names."""
    detection = rules.travel
    out = []
    for occ in occurrences:
        if occ.ref.partner != partner:
            continue
        role = calendar_role(config, occ)
        if role != "travel" and not watches(detection, partner):
            continue
        if is_travel_event(occ, detection, role):
            out.append((occ.start, occ.end))
    return merge_intervals(out)


def days_of(intervals: Iterable[Interval], tz: ZoneInfo) -> set[dt.date]:
    """Every local date that some part of an interval falls on (the end is exclusive)."""
    days: set[dt.date] = set()
    for start, end in intervals:
        day = start.astimezone(tz).date()
        while local_midnight(day, tz) < end:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def travel_day_set(occurrences: Sequence[Occurrence], partner: str, config: ConfigFile, rules: RuleSet, tz: ZoneInfo) -> set[dt.date]:
    return days_of(away_intervals(occurrences, partner, config, rules), tz)


def travel_days(
    occurrences: Sequence[Occurrence], partner: str, config: ConfigFile, rules: RuleSet, days: Iterable[dt.date], tz: ZoneInfo
) -> list[dt.date]:
    """Which of `days` are travel days for the partner (sorted)."""
    away = travel_day_set(occurrences, partner, config, rules, tz)
    return sorted(d for d in set(days) if d in away)


def trip_ends(away_days: set[dt.date]) -> list[dt.date]:
    """The last day of each run of consecutive travel days."""
    return sorted(d for d in away_days if d + dt.timedelta(days=1) not in away_days)


def travel_seam(config: ConfigFile, rules: RuleSet) -> Callable[[Sequence[Occurrence], str], list[Interval]]:
    """`away_intervals` in the shape of the report's `ReportSeams.travel`."""

    def travel(occurrences: Sequence[Occurrence], partner: str) -> list[Interval]:
        return away_intervals(occurrences, partner, config, rules)

    return travel
