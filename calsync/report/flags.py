"""Flags on a week (overloaded, collision, imbalance) and a concrete suggestion for each.

Suggestions quote the week's own events and the household's rules: which event invades which
protected time, which ritual found no slot and where it could go, who is away and who is left
without an evening buffer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calsync.report.partner_week import DEFAULT_EVENING, PartnerWeek
from calsync.report.text import day_label, day_span, day_time, hours, people, person, quoted, window_days
from calsync.rules.schema import LoadThresholds, RuleSet

# (load: key, PartnerWeek attribute) in the order reasons are listed
THRESHOLDS: tuple[tuple[str, str], ...] = (
    ("weekly_work_hours", "work_hours"),
    ("evening_work_hours", "evening_work_hours"),
    ("weekend_work_hours", "weekend_work_hours"),
    ("off_hours_work_hours", "off_hours_work_hours"),
    ("protected_hours_invaded", "protected_hours_invaded"),
    ("travel_days", "travel_days"),
    ("rituals_missed", "rituals_missed"),
)
IMBALANCE_SHARE = 0.7  # one partner carrying this share or more of the week's home time or travel
IMBALANCE_MIN_HOME_HOURS = 3.0
IMBALANCE_MIN_TRAVEL_DAYS = 2


@dataclass
class Suggestion:
    flag: str  # overloaded | collision | imbalance
    text: str
    partner: str | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"flag": self.flag}
        if self.partner is not None:
            out["partner"] = self.partner
        if self.reason is not None:
            out["reason"] = self.reason
        out["text"] = self.text
        return out


@dataclass
class WeekFlags:
    reasons: dict[str, list[str]] = field(default_factory=dict)
    collision: bool = False
    imbalance: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


def reasons_for(week: PartnerWeek, load: LoadThresholds) -> list[str]:
    """Each threshold under `load:` the week exceeds (strictly above the limit)."""
    out = []
    for key, attr in THRESHOLDS:
        limit = getattr(load, key)
        if limit is not None and getattr(week, attr) > limit + 1e-9:
            out.append(key)
    return out


def _fmt_limit(value: float) -> str:
    return hours(value).removesuffix(" h") if isinstance(value, float) else str(value)


class _Writer:
    def __init__(self, rules: RuleSet, load: LoadThresholds, tz: dt.tzinfo, past: bool) -> None:
        self.rules = rules
        self.load = load
        self.tz = tz
        self.past = past

    def event(self, occ: Any) -> str:
        return f"{quoted(occ.summary)} ({day_time(occ.start, self.tz)})"

    def overloaded(self, week: PartnerWeek, reason: str, others: list[PartnerWeek]) -> str:
        who = person(week.partner)
        limit = getattr(self.load, reason)
        if reason == "weekly_work_hours":
            over = f"{hours(week.work_hours - limit)} over the {hours(limit)} limit"
            if self.past:
                text = f"{who} worked {hours(week.work_hours)}, {over}."
            else:
                text = f"{who}: {hours(week.work_hours)} of work booked, {over}."
            if week.longest is not None:
                d = week.longest
                text += (
                    f" {'The longest day was' if self.past else 'Lighten'} {day_label(d.date)} ({hours(d.hours)}, {d.first.astimezone(self.tz):%H:%M}–"
                    f"{d.last.astimezone(self.tz):%H:%M}){'' if self.past else ' first'}."
                )
            return text
        if reason == "evening_work_hours":
            start = self.load.evening_starts or DEFAULT_EVENING
            shown = week.evening_events[:2]
            events = ", ".join(self.event(o) for o, _ in shown)
            which = "it" if len(week.evening_events) == 1 else "one"
            return f"{who}: {hours(week.evening_work_hours)} of work after {start} (limit {hours(limit)}): {events}. Move {which} to the daytime."
        if reason == "weekend_work_hours":
            events = ", ".join(self.event(o) for o, _ in week.weekend_events[:2])
            return f"{who}: {hours(week.weekend_work_hours)} of weekend work, {events}. Take a weekday evening off in return."
        if reason == "off_hours_work_hours":
            return f"{who}: {hours(week.off_hours_work_hours)} of work outside working hours (limit {hours(limit)}): start later or stop earlier another day."
        if reason == "protected_hours_invaded":
            items = ", ".join(f"{self.event(i.event)} in {i.rule}" for i in week.invasions[:2])
            which = "it" if len(week.invasions) == 1 else "them"
            return f"{who}: {hours(week.protected_hours_invaded)} of work inside protected time: {items}. Move or decline {which}."
        if reason == "travel_days":
            text = f"{who} travels {day_span(week.travel_dates)} ({week.travel_days} days, limit {limit})"
            home = [o for o in others if o.partner != week.partner]
            if home:
                text += f": {people([o.partner for o in home])} {'is' if len(home) == 1 else 'are'} home alone those days; keep their evenings free of work."
            else:
                text += "; plan a quiet day after coming back."
            return text
        if reason == "rituals_missed":
            return self.missed_hint(week)
        return f"{who}: {reason} over the limit."

    def missed_hint(self, week: PartnerWeek) -> str:
        hints = []
        for m in week.missed[:2]:
            ritual = next((r for r in self.rules.rituals if r.name == m.rule), None)
            if ritual is not None and ritual.window is not None:
                window = f"{window_days(ritual.window.weekdays)} {ritual.window.time.replace('-', '–')}"
                both = "both " if len(m.partners) == 2 else ""
                hints.append(
                    f"{m.rule} found no time where {people(m.partners)} are {both}free ({window}): "
                    f"free {ritual.duration} there or widen its window."
                )
            else:
                hints.append(f"{m.rule} was missed: {m.reason}.")
        if week.released:
            n = week.released
            hints.append(f"{person(week.partner)} released {n} ritual{'s' if n != 1 else ''} by hand: book {'them' if n != 1 else 'it'} again or let it go on purpose.")
        return " ".join(hints)

    def collision(self, weeks: Mapping[str, PartnerWeek]) -> str:
        rituals: dict[str, dt.datetime] = {}
        for pw in weeks.values():
            for slot in pw.rituals:
                rituals.setdefault(slot.rule, slot.start)
        flexible = [r for r in self.rules.rituals if r.flexible]
        placed = [r.name for r in flexible if r.name in rituals]
        missed = [m.rule for pw in weeks.values() for m in pw.missed]
        if self.past:
            text = "Both were overloaded; next time" if len(weeks) == 2 else "Everyone was overloaded; next time"
        else:
            text = "Both overloaded" if len(weeks) == 2 else "Everyone is overloaded"
        parts = []
        if placed:
            parts.append(f"keep {placed[0]} ({day_time(rituals[placed[0]], self.tz)})")
            if len(placed) > 1:
                parts.append(f"move {placed[1]} to a lighter week")
        elif missed:
            ritual = next(r for r in self.rules.rituals if r.name == missed[0])
            parts.append(f"book {ritual.name} ({ritual.duration}) before anything else")
        else:
            fixed = next((r for r in self.rules.rituals if not r.flexible and r.name in rituals), None)
            if fixed is not None:
                parts.append(f"keep {fixed.name} ({window_days(fixed.weekdays)} {fixed.time})")
        invasions = sorted((i for pw in weeks.values() for i in pw.invasions), key=lambda i: -i.hours)
        if invasions:
            i = invasions[0]
            parts.append(f"move {self.event(i.event)} out of {i.rule}")
        else:
            heaviest = max(weeks.values(), key=lambda pw: pw.work_hours)
            if heaviest.longest is not None:
                parts.append(f"shorten {person(heaviest.partner)}'s {day_label(heaviest.longest.date)}")
        if not parts:
            parts.append("say no to one new commitment each")
        return f"{text}: " + "; ".join(parts) + "."

    def travel_imbalance(self, traveller: PartnerWeek, home: list[PartnerWeek]) -> str:
        who = person(traveller.partner)
        stay = people([h.partner for h in home])
        if self.past:
            text = f"{who} travelled {day_span(traveller.travel_dates)}: {stay} had no evening buffer"
        else:
            text = f"{who} travels {day_span(traveller.travel_dates)}: {stay} {'has' if len(home) == 1 else 'have'} no evening buffer"
        late = []
        for h in home:
            late += [o for o, _ in h.evening_events if o.start.astimezone(self.tz).date() in traveller.travel_dates]
            late += [i.event for i in h.invasions if i.event.start.astimezone(self.tz).date() in traveller.travel_dates]
        if late:
            first = min(late, key=lambda o: o.start)
            text += f"; move {self.event(first)}"
        return text + "."

    def home_imbalance(self, carrier: PartnerWeek, others: list[PartnerWeek], share: float, total: float) -> str:
        return (
            f"{person(carrier.partner)} carries {round(share * 100)}% of the week's home time "
            f"({hours(carrier.home_hours)} of {hours(total)}): {people([o.partner for o in others])} could take one of those evenings."
        )


def week_flags(
    weeks: Mapping[str, PartnerWeek], load: LoadThresholds | Mapping[str, LoadThresholds], rules: RuleSet, tz: dt.tzinfo, past: bool
) -> WeekFlags:
    """Flags for one week; `load` is one set of limits for everyone, or each partner's own (seasons)."""
    flags = WeekFlags()
    loads = {p: load for p in weeks} if isinstance(load, LoadThresholds) else dict(load)
    writers = {p: _Writer(rules, loads[p], tz, past) for p in weeks}
    partners = list(weeks.values())
    writer = writers[partners[0].partner] if partners else _Writer(rules, rules.load, tz, past)
    for pw in partners:
        flags.reasons[pw.partner] = reasons_for(pw, loads[pw.partner])
        for reason in flags.reasons[pw.partner]:
            flags.suggestions.append(Suggestion("overloaded", writers[pw.partner].overloaded(pw, reason, partners), pw.partner, reason))
    unique: dict[str, Suggestion] = {}
    for suggestion in flags.suggestions:
        unique.setdefault(suggestion.text, suggestion)
    flags.suggestions = list(unique.values())
    flags.collision = bool(partners) and all(flags.reasons[p.partner] for p in partners)
    if flags.collision and len(partners) > 1:
        flags.suggestions.append(Suggestion("collision", writer.collision(weeks)))
    if len(partners) > 1:
        total_travel = sum(p.travel_days for p in partners)
        for pw in partners:
            if pw.travel_days >= IMBALANCE_MIN_TRAVEL_DAYS and pw.travel_days / total_travel >= IMBALANCE_SHARE:
                home = [p for p in partners if p is not pw]
                flags.imbalance.append({"kind": "travel", "partner": pw.partner, "share": round(pw.travel_days / total_travel, 2), "days": pw.travel_days})
                flags.suggestions.append(Suggestion("imbalance", writer.travel_imbalance(pw, home), pw.partner, "travel"))
        total_home = sum(p.home_hours for p in partners)
        if total_home >= IMBALANCE_MIN_HOME_HOURS:
            for pw in partners:
                share = pw.home_hours / total_home
                if share >= IMBALANCE_SHARE:
                    others = [p for p in partners if p is not pw]
                    flags.imbalance.append({"kind": "home", "partner": pw.partner, "share": round(share, 2), "hours": round(pw.home_hours, 2)})
                    flags.suggestions.append(Suggestion("imbalance", writer.home_imbalance(pw, others, share, total_home), pw.partner, "home"))
    return flags
