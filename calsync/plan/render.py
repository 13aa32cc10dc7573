"""Showing a plan: the contract's JSON, and a readable table."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from calsync.model import Change
from calsync.plan.planner import Plan
from calsync.rules.outcome import Conflict


def _iso(value: dt.datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat()


def change_json(change: Change, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "action": change.action,
        "partner": change.ref.partner,
        "calendar": change.ref.calendar,
        "rule": change.rule,
        "key": change.key,
        "start": _iso(change.start, tz),
        "end": _iso(change.end, tz),
        "title": change.title,
        "reason": change.reason,
    }


def conflict_json(conflict: Conflict, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "partner": conflict.partner,
        "calendar": conflict.calendar,
        "rule": conflict.rule,
        "start": _iso(conflict.start, tz),
        "end": _iso(conflict.end, tz),
        "event": conflict.event,
    }


def plan_json(plan: Plan, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "changes": [change_json(c, tz) for c in plan.changes],
        "conflicts": [conflict_json(c, tz) for c in plan.conflicts],
        "unchanged": plan.unchanged,
        "released": [
            {"partner": r.ref.partner, "calendar": r.ref.calendar, "rule": r.rule, "key": r.key,
             "start": _iso(r.start, tz), "end": _iso(r.end, tz)}
            for r in plan.released
        ],
        "missed": [{"rule": m.rule, "partners": list(m.partners), "week": m.week, "reason": m.reason} for m in plan.missed],
        "failed": [{"partner": r.partner, "calendar": r.calendar, "error": e} for r, e in plan.failed.items()],
        "held": [{"partner": r.partner, "calendar": r.calendar, "reason": e} for r, e in plan.held.items()],
        "postponed": [change_json(c, tz) for c in plan.postponed],
        "safety_stop": plan.safety_stop or None,
        "warnings": plan.warnings,
        "notes": plan.notes,
    }


def _span(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    s, e = start.astimezone(tz), end.astimezone(tz)
    end_text = "24:00" if e.time() == dt.time(0) and e.date() > s.date() else e.strftime("%H:%M")
    if (e.date() - s.date()).days > 1 or (e.date() > s.date() and end_text != "24:00"):
        end_text = e.strftime("%a %d %b %H:%M")
    return f"{s:%a %d %b %H:%M}–{end_text}"


def plan_text(plan: Plan, tz: ZoneInfo, window_text: str, *, limit: int = 60) -> str:
    lines = [f"Plan for {window_text}"]
    if plan.changes:
        width = max(len(str(c.ref)) for c in plan.changes)
        rule_w = max(len(c.rule) for c in plan.changes)
        for change in plan.changes[:limit]:
            lines.append(f"  {change.action:<6}  {str(change.ref):<{width}}  {change.rule:<{rule_w}}  {_span(change.start, change.end, tz)}  \"{change.title}\"")
        if len(plan.changes) > limit:
            lines.append(f"  … and {len(plan.changes) - limit} more (use --json for all)")
    else:
        lines.append("  no changes: every calendar already matches the rules")
    if plan.conflicts:
        lines.append("")
        lines.append("Protected time already taken (calsync never moves these):")
        for c in plan.conflicts[:limit]:
            lines.append(f"  {c.partner}/{c.calendar}  {c.rule}  {_span(c.start, c.end, tz)}  \"{c.event}\"")
    if plan.released:
        lines.append("")
        lines.append("Released (you deleted these blocks; calsync leaves the time free):")
        for r in plan.released[:limit]:
            lines.append(f"  {r.ref}  {r.rule}  {_span(r.start, r.end, tz)}")
    if plan.notes:
        lines.append("")
        lines.append("Why things moved:")
        lines.extend(f"  {note}" for note in plan.notes[:limit])
    if plan.missed:
        lines.append("")
        lines.append("Rituals that found no time:")
        for m in plan.missed:
            lines.append(f"  {m.rule} ({', '.join(m.partners)}) {m.week}: {m.reason}")
    for ref, error in plan.failed.items():
        lines.append(f"\nNot read: {ref}: {error} (no changes there this run)")
    if plan.postponed:
        lines.append(f"\nPostponed: {len(plan.postponed)} deletions wait until every calendar can be read again")
    for ref, reason in plan.held.items():
        lines.append(f"\nHeld back: {ref}: {reason}")
    if plan.safety_stop:
        lines.append(f"\nStop: {plan.safety_stop}")
    counts = plan.counts()
    lines.append("")
    lines.append(
        f"Summary: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete, "
        f"{plan.unchanged} unchanged; {len(plan.conflicts)} conflicts, {len(plan.released)} released"
    )
    return "\n".join(lines)
