"""Build the weekly load-balance report: a plain dict in the contract's JSON shape (plus more keys).

`build_report(household, now, ...)` reads the calendars and evaluates the rules; `compute_report`
is the pure part (occurrences and rule outcomes in, report out) that tests and other callers (the
daemon) can run on anything they already hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from calsync.config.models import ConfigFile
from calsync.model import Occurrence, Window
from calsync.model.window import local_midnight, total_hours
from calsync.report.flags import week_flags
from calsync.report.metrics import round_hours, week_bounds
from calsync.report.partner_week import PartnerData, PartnerWeek, measure_week, partner_data
from calsync.report.seams import ReportSeams, default_seams
from calsync.report.text import week_label
from calsync.rules.outcome import Missed, Protected
from calsync.rules.schema import LoadThresholds, RuleSet

if TYPE_CHECKING:
    from calsync.service import Household, Reads

TREND_WEEKS = 4  # the week itself and the three before it
TREND_STEADY = 0.1  # within 10% of the previous weeks' average is steady


def first_monday(now: dt.datetime, tz: ZoneInfo, from_date: dt.date | None) -> dt.date:
    first = from_date or now.astimezone(tz).date()
    return first - dt.timedelta(days=first.weekday())


def report_window(now: dt.datetime, tz: ZoneInfo, from_date: dt.date | None, weeks: int) -> Window:
    """The weeks shown: Monday 00:00 of the week containing `from_date` (or now), `weeks` weeks long."""
    monday = first_monday(now, tz, from_date)
    return Window(local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7 * weeks), tz))


def read_window(now: dt.datetime, tz: ZoneInfo, from_date: dt.date | None, weeks: int) -> Window:
    """The report window plus the weeks before it that the trend looks back on."""
    monday = first_monday(now, tz, from_date) - dt.timedelta(days=7 * (TREND_WEEKS - 1))
    return Window(local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7 * (weeks + TREND_WEEKS - 1)), tz))


@dataclass
class ReportInputs:
    """Everything the report is a function of."""

    config: ConfigFile
    rules: RuleSet
    now: dt.datetime
    first_monday: dt.date
    weeks: int
    occurrences: Sequence[Occurrence]
    protected: Sequence[Protected] = ()
    missed: Sequence[Missed] = ()
    released: set[tuple[str, str, dt.datetime]] = field(default_factory=set)
    failed: list[dict[str, str]] = field(default_factory=list)
    seams: ReportSeams | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)


def build_report(
    household: Household,
    now: dt.datetime,
    from_date: dt.date | None = None,
    weeks: int = 4,
    *,
    seams: ReportSeams | None = None,
) -> tuple[dict[str, Any], Reads]:
    """Read every calendar, evaluate the rules and report `weeks` weeks from the week of `from_date` (or now)."""
    cfg = household.config
    tz = cfg.tz
    reads = household.read(read_window(now, tz, from_date, weeks))
    evaluation = household.evaluate(reads, now)
    released = {(r.ref.partner, r.rule, r.start) for r in household.store.all_blocks() if r.released}
    failed = [{"partner": r.partner, "calendar": r.calendar, "error": e} for r, e in reads.failed.items()]
    inputs = ReportInputs(
        config=cfg.file,
        rules=cfg.rules,
        now=now,
        first_monday=first_monday(now, tz, from_date),
        weeks=weeks,
        occurrences=reads.occurrences,
        protected=evaluation.protected,
        missed=evaluation.missed,
        released=released,
        failed=failed,
        seams=seams,
    )
    return compute_report(inputs), reads


def _status(monday: dt.date, tz: ZoneInfo, now: dt.datetime) -> str:
    start, end = week_bounds(monday, tz)
    if end <= now:
        return "past"
    return "current" if start <= now else "upcoming"


def _trend(history: list[float]) -> dict[str, Any]:
    *before, this = history
    average = sum(before) / len(before) if before else this
    if abs(this - average) <= max(TREND_STEADY * average, 1.0):
        direction = "steady"
    else:
        direction = "up" if this > average else "down"
    return {"work_hours": [round_hours(h) for h in history], "direction": direction}


def _partner_json(pw: PartnerWeek, reasons: list[str], tz: ZoneInfo, trend: list[float]) -> dict[str, Any]:
    longest = None
    if pw.longest is not None:
        longest = {
            "date": pw.longest.date.isoformat(),
            "hours": round_hours(pw.longest.hours),
            "first": pw.longest.first.astimezone(tz).strftime("%H:%M"),
            "last": pw.longest.last.astimezone(tz).strftime("%H:%M"),
        }
    return {
        # the contract's keys
        "work_hours": round_hours(pw.work_hours),
        "overloaded": bool(reasons),
        "reasons": reasons,
        "weekend_work_hours": round_hours(pw.weekend_work_hours),
        "protected_hours_invaded": round_hours(pw.protected_hours_invaded),
        "travel_days": pw.travel_days,
        "rituals_placed": pw.rituals_placed,
        "rituals_missed": pw.rituals_missed,
        # more
        "rituals_kept": pw.rituals_kept,
        "meetings": pw.meetings,
        "evening_work_hours": round_hours(pw.evening_work_hours),
        "off_hours_work_hours": round_hours(pw.off_hours_work_hours),
        "home_hours": round_hours(pw.home_hours),
        "travel_dates": [d.isoformat() for d in pw.travel_dates],
        "longest_day": longest,
        "trend": _trend(trend),
    }


def _shared_load(loads: dict[str, LoadThresholds], household: LoadThresholds) -> LoadThresholds:
    """The week's limits: the partners' own when they agree, else the household's `load:`."""
    values = list(loads.values())
    return values[0] if values and all(v == values[0] for v in values) else household


def compute_report(inputs: ReportInputs) -> dict[str, Any]:
    cfg, rules, tz, now = inputs.config, inputs.rules, inputs.tz, inputs.now
    seams = inputs.seams or default_seams(cfg, rules)
    data: dict[str, PartnerData] = {
        p: partner_data(cfg, inputs.occurrences, p, seams.travel(inputs.occurrences, p)) for p in cfg.partners
    }
    history_start = inputs.first_monday - dt.timedelta(days=7 * (TREND_WEEKS - 1))
    hours_by_week: dict[tuple[str, dt.date], float] = {}
    weeks_out = []
    for index in range(TREND_WEEKS - 1 + inputs.weeks):
        monday = history_start + dt.timedelta(days=7 * index)
        loads = {p: seams.thresholds(p, monday) for p in data}
        load = _shared_load(loads, rules.load)
        measured = {
            p: measure_week(d, rules, loads[p], monday, tz, now, inputs.protected, inputs.missed, inputs.released)
            for p, d in data.items()
        }
        for p, pw in measured.items():
            hours_by_week[(p, monday)] = pw.work_hours
        if monday < inputs.first_monday:
            continue
        status = _status(monday, tz, now)
        flags = week_flags(measured, loads, rules, tz, past=status == "past")
        start, end = week_bounds(monday, tz)
        partners_json = {}
        for p, pw in measured.items():
            trend = [hours_by_week[(p, monday - dt.timedelta(days=7 * k))] for k in range(TREND_WEEKS - 1, -1, -1)]
            partners_json[p] = _partner_json(pw, flags.reasons[p], tz, trend)
            if loads[p] != load:  # a season changes this partner's limits this week
                partners_json[p]["thresholds"] = loads[p].model_dump(exclude_none=True)
        weeks_out.append(
            {
                "week": week_label(monday),
                "start": monday.isoformat(),
                "status": status,
                "hours_in_week": round_hours(total_hours([(start, end)])),
                "collision": flags.collision,
                "imbalance": flags.imbalance,
                "thresholds": load.model_dump(exclude_none=True),
                "partners": partners_json,
                "suggestions": [s.as_json() for s in flags.suggestions],
            }
        )
    report: dict[str, Any] = {
        "timezone": cfg.timezone,
        "generated_at": now.isoformat(timespec="seconds"),
        "weeks": weeks_out,
    }
    if inputs.failed:
        report["failed"] = inputs.failed
    return report
