"""Seasons: dated agreements that change thresholds and set rules aside for a while. Pure functions.

A season applies to the partners in its `who` on the days from `from` to `to` (inclusive, household
time zone). Its `load:` thresholds replace the general ones, key by key, in every ISO week the
season touches (any day of the week inside the season). Its `pause:` sets rules aside on the days
it covers (optionally only on some weekdays); a ritual shared by several partners is set aside when
any of them has it paused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from calsync.rules.schema import LoadThresholds, RuleSet, Season


def active_seasons(rules: RuleSet, partner: str, day: dt.date) -> list[Season]:
    return [s for s in rules.seasons if partner in s.who and s.covers(day)]


def week_seasons(rules: RuleSet, partner: str, week_start: dt.date) -> list[Season]:
    """Seasons for the partner that touch the ISO week containing `week_start`."""
    monday = week_start - dt.timedelta(days=week_start.weekday())
    sunday = monday + dt.timedelta(days=6)
    return [s for s in rules.seasons if partner in s.who and s.from_ <= sunday and s.to >= monday]


def effective_load(rules: RuleSet, partner: str, week_start: dt.date) -> LoadThresholds:
    """The `load:` thresholds in force for `partner` in the ISO week containing `week_start`."""
    merged = rules.load.model_dump(exclude_none=True)
    for season in week_seasons(rules, partner, week_start):
        if season.load is not None:
            merged.update(season.load.model_dump(exclude_none=True))
    return LoadThresholds(**merged)


def pausing_season(rules: RuleSet, rule: str, partners: Iterable[str], day: dt.date) -> Season | None:
    """The season (if any) that sets `rule` aside on `day` for one of `partners`."""
    for partner in partners:
        for season in active_seasons(rules, partner, day):
            for pause in season.pause:
                if pause.rule == rule and day.weekday() in pause.weekdays:
                    return season
    return None


def thresholds_by_partner(rules: RuleSet) -> Callable[[str, dt.date], LoadThresholds]:
    """`effective_load` as a function of (partner, week start), for the weekly report."""

    def thresholds(partner: str, week_start: dt.date) -> LoadThresholds:
        return effective_load(rules, partner, week_start)

    return thresholds
