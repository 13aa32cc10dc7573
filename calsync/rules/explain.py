"""`calsync explain --date DATE`: for one day, each partner's busy time, the rules that apply, and
why each block was or was not placed.

`explain_day` is pure (it reads an Evaluation and the occurrences); `run_explain` reads the
calendars over the ISO week containing the day (flexible rituals are placed per week) and
evaluates the rules exactly as `plan` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from calsync.config.models import Config
from calsync.model import Occurrence, Window
from calsync.model.window import clip, local_midnight, merge_intervals, total_hours
from calsync.rules import outcome as oc
from calsync.rules.outcome import Evaluation, week_label
from calsync.rules.schema import HomeDuty, RuleSet
from calsync.rules.seasons import active_seasons
from calsync.rules.travel import calendar_role, is_travel_event

KIND_NAMES = {"no_work": "no-work zone", "ritual": "ritual", "recovery": "recovery", "duty": "home duty"}


@dataclass
class RuleLine:
    rule: str
    kind: str
    status: str
    reason: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    calendars: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@dataclass
class PartnerDay:
    partner: str
    busy: list[tuple[dt.datetime, dt.datetime, str, str]] = field(default_factory=list)  # start, end, summary, calendar
    busy_hours: float = 0.0
    work_hours: float = 0.0
    away: bool = False
    away_events: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    rules: list[RuleLine] = field(default_factory=list)


def _rule_partners(rules: RuleSet, name: str) -> list[str]:
    for rule in rules.all_rules():
        if rule.name == name:
            return [rule.who] if isinstance(rule, HomeDuty) else list(rule.who)
    return []


def explain_day(
    day: dt.date,
    tz: ZoneInfo,
    config: Config,
    occurrences: Sequence[Occurrence],
    evaluation: Evaluation,
) -> list[PartnerDay]:
    """What happened on `day` for every partner, from an evaluation that covers the day's ISO week."""
    rules = config.rules
    start, end = local_midnight(day, tz), local_midnight(day + dt.timedelta(days=1), tz)
    week = week_label(day)
    out = []
    for partner in config.file.partners:
        info = PartnerDay(partner)
        seen: set[tuple[str, str, str]] = set()
        busy, work = [], []
        for occ in sorted(occurrences, key=lambda o: (o.start, o.summary)):
            if occ.ref.partner != partner or not occ.busy or not (occ.start < end and occ.end > start):
                continue
            ident = (occ.uid, occ.recurrence_id, occ.start.isoformat())
            if occ.uid and ident in seen:
                continue
            seen.add(ident)
            info.busy.append((occ.start, occ.end, occ.summary or "(no title)", occ.ref.calendar))
            busy.append((occ.start, occ.end))
            if calendar_role(config.file, occ) == "work":
                work.append((occ.start, occ.end))
        info.busy_hours = round(total_hours(clip(merge_intervals(busy), start, end)), 2)
        info.work_hours = round(total_hours(clip(merge_intervals(work), start, end)), 2)
        info.away = day in evaluation.travel.get(partner, [])
        if info.away:
            role_of = {o.ref: calendar_role(config.file, o) for o in occurrences}
            info.away_events = sorted({
                o.summary or "(no title)" for o in occurrences
                if o.ref.partner == partner and o.start < end and o.end > start
                and is_travel_event(o, rules.travel, role_of[o.ref])
            })
        for season in active_seasons(rules, partner, day):
            parts = []
            if season.load is not None:
                parts += [f"{k} {v:g}" for k, v in season.load.model_dump(exclude_none=True).items()]
            parts += [f"pauses {p.rule}" + (f" on {', '.join(p.days)}" if p.days else "") for p in season.pause]
            text = f"{season.name} ({season.from_}–{season.to}): {'; '.join(parts)}"
            info.seasons.append(text + (f" — {season.note}" if season.note else ""))
        shown: set[tuple[str, str, str]] = set()
        for decision in evaluation.decisions:
            shifted_away = decision.status == oc.SHIFTED and partner in _rule_partners(rules, decision.rule)[:1]
            if partner not in decision.partners and not shifted_away:
                continue
            on_day = decision.day == day
            week_level = decision.day is None and decision.week == week and _window_has(rules, decision.rule, day)
            if not (on_day or week_level):
                continue
            if decision.day is None:
                if (decision.rule, decision.status, decision.reason) in shown:
                    continue
                shown.add((decision.rule, decision.status, decision.reason))
            if shifted_away and partner not in decision.partners:
                line = RuleLine(decision.rule, decision.kind, "shifted away", decision.reason, decision.start, decision.end)
            else:
                line = RuleLine(decision.rule, decision.kind, decision.status, decision.reason, decision.start, decision.end)
            if partner in decision.partners and decision.status in (oc.PLACED, oc.KEPT, oc.MOVED, oc.SHIFTED):
                line.calendars = sorted({
                    b.ref.calendar for b in evaluation.blocks
                    if b.ref.partner == partner and b.rule == decision.rule and b.start < end and b.end > start
                })
                line.conflicts = [
                    f'"{c.event}" {c.start.astimezone(tz):%H:%M}–{c.end.astimezone(tz):%H:%M} ({c.calendar})'
                    for c in evaluation.conflicts
                    if c.partner == partner and c.rule == decision.rule and c.start < end and c.end > start
                ]
            info.rules.append(line)
        for ritual in rules.rituals:
            applies = ritual.flexible and partner in ritual.who and _window_has(rules, ritual.name, day)
            if applies and not any(line.rule == ritual.name for line in info.rules):
                other = [d for d in evaluation.decisions if d.rule == ritual.name and d.week == week]
                where = ", ".join(f"{d.start.astimezone(tz):%a %H:%M}" for d in other if d.start) or "nowhere"
                info.rules.append(RuleLine(ritual.name, "ritual", "elsewhere", f"this week it is placed {where}"))
        for rule in rules.recovery:
            if partner in rule.who and not any(line.rule == rule.name for line in info.rules):
                info.rules.append(RuleLine(rule.name, "recovery", "not earned", "no long day or trip end gave recovery for today"))
        out.append(info)
    return out


def _window_has(rules: RuleSet, name: str, day: dt.date) -> bool:
    for ritual in rules.rituals:
        if ritual.name == name and ritual.window is not None:
            return day.weekday() in ritual.window.weekdays
    return False


def _hm(value: dt.datetime | None, tz: ZoneInfo, day: dt.date) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz)
    if local.date() > day and local.time() == dt.time(0):
        return "24:00"
    return f"{local:%H:%M}" if local.date() == day else f"{local:%a %H:%M}"


def explain_text(day: dt.date, tz: ZoneInfo, partners: Sequence[PartnerDay]) -> str:
    lines = [f"Explain {day:%a %d %b %Y} (week {week_label(day)}, {tz.key})"]
    for info in partners:
        lines.append("")
        lines.append(f"{info.partner}")
        lines.append(f"  busy: {info.busy_hours:g} h ({info.work_hours:g} h on work calendars)")
        for start, end, summary, calendar in info.busy:
            lines.append(f"    {_hm(start, tz, day)}–{_hm(end, tz, day)}  {summary}  [{calendar}]")
        if info.away:
            lines.append(f"  away: yes ({', '.join(info.away_events) or 'travel'})")
        for season in info.seasons:
            lines.append(f"  season: {season}")
        lines.append("  rules:")
        if not info.rules:
            lines.append("    none apply today")
        width = max((len(r.rule) for r in info.rules), default=0)
        for r in info.rules:
            span = f"{_hm(r.start, tz, day)}–{_hm(r.end, tz, day)}" if r.start and r.end else ""
            text = f"    {r.rule:<{width}}  {KIND_NAMES.get(r.kind, r.kind):<12}  {r.status:<12}  {span:<11}  {r.reason}"
            if r.calendars:
                text += f" → {', '.join(r.calendars)}"
            lines.append(text.rstrip())
            for conflict in r.conflicts:
                lines.append(f"      already there: {conflict}")
    return "\n".join(lines)


def explain_json(day: dt.date, tz: ZoneInfo, partners: Sequence[PartnerDay]) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "date": day.isoformat(),
        "week": week_label(day),
        "timezone": tz.key,
        "partners": {
            info.partner: {
                "busy_hours": info.busy_hours,
                "work_hours": info.work_hours,
                "busy": [{"start": iso(s), "end": iso(e), "event": t, "calendar": c} for s, e, t, c in info.busy],
                "away": info.away,
                "away_events": info.away_events,
                "seasons": info.seasons,
                "rules": [
                    {"rule": r.rule, "kind": r.kind, "status": r.status, "reason": r.reason, "start": iso(r.start),
                     "end": iso(r.end), "calendars": r.calendars, "conflicts": r.conflicts}
                    for r in info.rules
                ],
            }
            for info in partners
        },
    }


def run_explain(config: Config, day: dt.date, now: dt.datetime, env: Mapping[str, str] | None = None) -> tuple[list[PartnerDay], dict[str, str]]:
    """Read the week containing `day`, evaluate, explain. Returns the explanation and failed reads."""
    from calsync.service import Household

    tz = config.tz
    monday = day - dt.timedelta(days=day.weekday())
    window = Window(local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7), tz))
    with Household.open(config, env) as household:
        reads = household.read(window)
        evaluation = household.evaluate(reads, now)
    failed = {str(ref): error for ref, error in reads.failed.items()}
    return explain_day(day, tz, config, reads.occurrences, evaluation), failed


def flexible_summary(evaluation: Evaluation, tz: ZoneInfo) -> list[str]:
    """One line per flexible-ritual week: where it went, or why it did not."""
    lines = []
    for d in evaluation.decisions:
        if d.kind != "ritual" or "#" not in d.slot:
            continue
        where = f"{d.start.astimezone(tz):%a %d %b %H:%M}–{d.end.astimezone(tz):%H:%M}" if d.start and d.end else ""
        lines.append(f"  {d.rule} {d.slot}: {d.status} {where}".rstrip() + f" ({d.reason})")
    return lines
