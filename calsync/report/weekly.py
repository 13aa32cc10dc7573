"""Build the weekly load-balance report: a plain dict in the contract's JSON shape."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from calsync.model import Occurrence, Window
from calsync.model.window import local_midnight, wall_time
from calsync.report.metrics import (
    busy_work_intervals,
    hours_in,
    overlap_hours,
    round_hours,
    travel_days,
    weekend_intervals,
)

if TYPE_CHECKING:
    from calsync.rules.outcome import Evaluation
    from calsync.service import Household, Reads


def report_window(now: dt.datetime, tz: dt.tzinfo, from_date: dt.date | None, weeks: int) -> Window:
    first = from_date or now.astimezone(tz).date()
    monday = first - dt.timedelta(days=first.weekday())
    return Window(local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7 * weeks), tz))  # type: ignore[arg-type]


def _zone_intervals(household: Household, partner: str, start: dt.date, end: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    tz = household.config.tz
    out = []
    day = start
    while day < end:
        for zone in household.config.rules.no_work_zones:
            if partner in zone.who and day.weekday() in zone.weekdays:
                out.append((wall_time(day, zone.range.start, tz), wall_time(day, zone.range.end, tz)))
        day += dt.timedelta(days=1)
    return out


def build_report(household: Household, now: dt.datetime, from_date: dt.date | None = None, weeks: int = 4) -> tuple[dict[str, Any], Reads]:
    tz = household.config.tz
    window = report_window(now, tz, from_date, weeks)
    reads = household.read(window)
    evaluation = household.evaluate(reads, now)
    return report_from(household, now, window, reads.occurrences, evaluation, reads), reads


def report_from(
    household: Household,
    now: dt.datetime,
    window: Window,
    occurrences: list[Occurrence],
    evaluation: Evaluation,
    reads: Reads | None = None,
) -> dict[str, Any]:
    cfg = household.config
    tz = cfg.tz
    partners = cfg.file.partners
    load = cfg.rules.load

    def role(o: Occurrence) -> str:
        return partners[o.ref.partner].calendars[o.ref.calendar].role if o.ref.calendar in partners[o.ref.partner].calendars else ""

    released = {(r.ref.partner, r.rule, r.start) for r in household.store.all_blocks() if r.released}
    ritual_names = {r.name for r in cfg.rules.rituals}
    weeks_out = []
    monday = window.start.astimezone(tz).date()
    while local_midnight(monday, tz) < window.end:
        w_start, w_end = local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7), tz)
        iso = monday.isocalendar()
        entry: dict[str, Any] = {
            "week": f"{iso.year}-W{iso.week:02d}",
            "start": monday.isoformat(),
            "status": "past" if w_end <= now else ("current" if w_start <= now else "upcoming"),
            "collision": False,
            "partners": {},
        }
        for partner in partners:
            work = busy_work_intervals(occurrences, partner, lambda o: role(o) == "work")
            work_hours = hours_in(work, w_start, w_end)
            weekend = overlap_hours([i for i in work if i[0] < w_end and i[1] > w_start], weekend_intervals(monday, tz))
            zones = _zone_intervals(household, partner, monday, monday + dt.timedelta(days=7))
            invaded = overlap_hours([(max(s, w_start), min(e, w_end)) for s, e in work if s < w_end and e > w_start], zones)
            days = [monday + dt.timedelta(days=i) for i in range(7)]
            travel = travel_days(occurrences, partner, lambda o: role(o) == "travel", days, tz)
            placed_slots = {
                (p.rule, p.slot.split("#")[0], p.start)
                for p in evaluation.protected
                if p.partner == partner and p.kind == "ritual" and w_start <= p.start < w_end
            }
            placed = {(rule, slot) for rule, slot, start in placed_slots if (partner, rule, start) not in released}
            released_count = len({(rule, start) for (p, rule, start) in released if p == partner and rule in ritual_names and w_start <= start < w_end})
            missed = sum(
                1 for m in evaluation.missed if partner in m.partners and m.week == entry["week"]
            ) + released_count
            reasons = []
            if load.weekly_work_hours is not None and work_hours > load.weekly_work_hours:
                reasons.append("weekly_work_hours")
            if load.weekend_work_hours is not None and weekend > load.weekend_work_hours:
                reasons.append("weekend_work_hours")
            if load.protected_hours_invaded is not None and invaded > load.protected_hours_invaded:
                reasons.append("protected_hours_invaded")
            if load.travel_days is not None and travel > load.travel_days:
                reasons.append("travel_days")
            if load.rituals_missed is not None and missed > load.rituals_missed:
                reasons.append("rituals_missed")
            entry["partners"][partner] = {
                "work_hours": round_hours(work_hours),
                "overloaded": bool(reasons),
                "reasons": reasons,
                "weekend_work_hours": round_hours(weekend),
                "protected_hours_invaded": round_hours(invaded),
                "travel_days": travel,
                "rituals_placed": len(placed),
                "rituals_missed": missed,
            }
        entry["collision"] = bool(partners) and all(p["overloaded"] for p in entry["partners"].values())
        weeks_out.append(entry)
        monday += dt.timedelta(days=7)
    report: dict[str, Any] = {"timezone": cfg.file.timezone, "weeks": weeks_out}
    if reads is not None and reads.failed:
        report["failed"] = [{"partner": r.partner, "calendar": r.calendar, "error": e} for r, e in reads.failed.items()]
    return report
