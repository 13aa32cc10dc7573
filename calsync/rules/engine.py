"""Evaluate protection rules over a window: the blocks calsync wants, conflicts, missed rituals.

Pure: everything (time, calendars already read, earlier placements) comes in as arguments.
Order: travel days first (they decide which rituals and duties can happen), then no-work zones,
fixed rituals, home duties and recovery, and last the flexible rituals, which go around all of
those and around the partners' own busy events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from calsync.config.models import ConfigFile
from calsync.model import Block, CalendarRef, Occurrence, OwnedBlock, Window
from calsync.model.identity import block_key, owner_id
from calsync.model.window import merge_intervals, wall_time
from calsync.rules import outcome as oc
from calsync.rules.flexible import place_flexible
from calsync.rules.outcome import Conflict, Decision, Evaluation, Missed, Protected, week_label
from calsync.rules.recovery import recovery_days
from calsync.rules.schema import AnyRule, HomeDuty, NoWorkZone, Recovery, Ritual, RuleSet
from calsync.rules.seasons import pausing_season
from calsync.rules.targets import presentation, target_calendars
from calsync.rules.travel import calendar_role, travel_day_set

Interval = tuple[dt.datetime, dt.datetime]


@dataclass
class RuleInputs:
    """Everything the rules look at."""

    config: ConfigFile
    rules: RuleSet
    window: Window
    now: dt.datetime
    tz: ZoneInfo
    occurrences: Sequence[Occurrence]
    owned: Sequence[OwnedBlock] = ()
    roles: Mapping[CalendarRef, str] = field(default_factory=dict)

    def role(self, occ: Occurrence) -> str:
        if occ.ref in self.roles:
            return self.roles[occ.ref]
        return calendar_role(self.config, occ) or "personal"


def busy_occurrences(occurrences: Sequence[Occurrence], partner: str, roles: set[str] | None, role_of) -> list[Occurrence]:  # type: ignore[no-untyped-def]
    """A partner's busy occurrences, each event counted once even when seen on two calendars."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for occ in occurrences:
        if occ.ref.partner != partner or not occ.busy:
            continue
        if roles is not None and role_of(occ) not in roles:
            continue
        ident = (occ.uid, occ.recurrence_id, occ.start.isoformat())
        if occ.uid and ident in seen:
            continue
        seen.add(ident)
        out.append(occ)
    return out


def fixed_intervals(days: Sequence[int], minutes: tuple[int, int], window: Window, tz: ZoneInfo) -> list[tuple[dt.date, Interval]]:
    out = []
    for day in window.days(tz):
        if day.weekday() not in days:
            continue
        start = wall_time(day, minutes[0], tz)
        end = wall_time(day, minutes[1], tz)
        if end > start and window.overlaps(start, end):
            out.append((day, (start, end)))
    return out


def _subtract(interval: Interval, busy: list[Interval]) -> list[Interval]:
    pieces = [interval]
    for b_start, b_end in busy:
        next_pieces = []
        for start, end in pieces:
            if b_end <= start or b_start >= end:
                next_pieces.append((start, end))
                continue
            if b_start > start:
                next_pieces.append((start, b_start))
            if b_end < end:
                next_pieces.append((b_end, end))
        pieces = next_pieces
    return pieces


def day_text(day: dt.date) -> str:
    return f"{day:%a %d %b}"


class _Builder:
    def __init__(self, inputs: RuleInputs) -> None:
        self.inputs = inputs
        self.result = Evaluation()
        self.cfg = inputs.config
        self.rules = inputs.rules
        self.tz = inputs.tz
        self.away: dict[str, set[dt.date]] = {
            p: travel_day_set(inputs.occurrences, p, self.cfg, self.rules, self.tz) for p in self.cfg.partners
        }
        window_days = set(inputs.window.days(self.tz))
        self.result.travel = {p: sorted(d for d in days if d in window_days) for p, days in self.away.items()}
        self._invaders: dict[tuple[str, bool], list[Occurrence]] = {}

    # -- facts ------------------------------------------------------------------------------------
    def invaders(self, partner: str, kind: str) -> list[Occurrence]:
        """Busy events that invade this kind of protected time: work events for no-work zones and
        recovery, every busy event for rituals and home duties."""
        work_only = kind in ("no_work", "recovery")
        key = (partner, work_only)
        if key not in self._invaders:
            roles = {"work"} if work_only else None
            self._invaders[key] = busy_occurrences(self.inputs.occurrences, partner, roles, self.inputs.role)
        return self._invaders[key]

    def away_partners(self, partners: Sequence[str], day: dt.date) -> list[str]:
        return [p for p in partners if day in self.away.get(p, set())]

    def season_pause(self, rule: str, partners: Sequence[str], day: dt.date) -> str:
        season = pausing_season(self.rules, rule, partners, day)
        return f'season "{season.name}" sets it aside ({season.from_}–{season.to})' if season else ""

    def decide(self, rule: AnyRule, kind: str, partners: Sequence[str], day: dt.date | None, week: str, slot: str,
               status: str, reason: str, interval: Interval | None = None) -> None:
        start, end = interval if interval else (None, None)
        self.result.decisions.append(Decision(rule.name, kind, tuple(partners), day, week, slot, status, reason, start, end))

    # -- writing blocks ---------------------------------------------------------------------------
    def protect(self, rule: AnyRule, partner: str, kind: str, slot: str, interval: Interval, invaders: list[Occurrence],
                *, reason: str = "", note: str = "") -> None:
        start, end = interval
        hits = [o for o in invaders if o.start < end and o.end > start]
        if rule.conflict != "block":
            for occ in hits:
                self.result.conflicts.append(
                    Conflict(partner, occ.ref.calendar, rule.name, occ.start, occ.end, occ.summary or "(no title)", occ)
                )
        pieces = [interval]
        if rule.conflict == "skip" and hits:
            pieces = _subtract(interval, merge_intervals((o.start, o.end) for o in hits))
        for index, (p_start, p_end) in enumerate(pieces):
            piece_slot = slot if len(pieces) == 1 and pieces[0] == interval else f"{slot}#{index}"
            self.result.protected.append(Protected(partner, rule.name, kind, piece_slot, p_start, p_end))
            for calendar in target_calendars(self.cfg, partner, rule):
                ref = CalendarRef(partner, calendar)
                look = presentation(self.cfg, partner, calendar, rule, rule.name)
                description = f"Protected time kept by calsync (rule: {rule.name})."
                if note:
                    description += f" {note}"
                self.result.blocks.append(
                    Block(
                        key=block_key(self.cfg.household, ref, rule.name, piece_slot),
                        owner=owner_id(self.cfg.household, ref),
                        ref=ref,
                        rule=rule.name,
                        kind=kind,  # type: ignore[arg-type]
                        start=p_start,
                        end=p_end,
                        title=look.title,
                        description=description,
                        visibility=look.visibility,  # type: ignore[arg-type]
                        event_type=look.event_type,
                        slot=piece_slot,
                        auto_decline=look.auto_decline,
                        decline_message=look.decline_message,
                        reason=reason,
                    )
                )

    # -- rule kinds -------------------------------------------------------------------------------
    def zone(self, zone: NoWorkZone) -> None:
        tr = zone.range
        for partner in zone.who:
            invaders = self.invaders(partner, "no_work")
            for day, interval in fixed_intervals(zone.weekdays, (tr.start, tr.end), self.inputs.window, self.tz):
                week = week_label(day)
                paused = self.season_pause(zone.name, [partner], day)
                if paused:
                    self.decide(zone, "no_work", [partner], day, week, day.isoformat(), oc.PAUSED, paused, interval)
                    continue
                self.protect(zone, partner, "no_work", day.isoformat(), interval, invaders)
                self.decide(zone, "no_work", [partner], day, week, day.isoformat(), oc.PLACED, "no-work zone", interval)

    def fixed_ritual(self, ritual: Ritual) -> None:
        tr = ritual.range
        for day, interval in fixed_intervals(ritual.weekdays, (tr.start, tr.end), self.inputs.window, self.tz):
            week, slot = week_label(day), day.isoformat()
            paused = self.season_pause(ritual.name, ritual.who, day)
            if paused:
                self.decide(ritual, "ritual", ritual.who, day, week, slot, oc.PAUSED, paused, interval)
                continue
            away = self.away_partners(ritual.who, day) if ritual.travel == "skip" else []
            if away:
                reason = f"{' and '.join(away)} {'is' if len(away) == 1 else 'are'} away on {day_text(day)}"
                self.decide(ritual, "ritual", ritual.who, day, week, slot, oc.AWAY, reason, interval)
                self.result.missed.append(Missed(ritual.name, tuple(ritual.who), week, slot, reason))
                continue
            for partner in ritual.who:
                self.protect(ritual, partner, "ritual", slot, interval, self.invaders(partner, "ritual"))
            self.decide(ritual, "ritual", ritual.who, day, week, slot, oc.PLACED, "fixed ritual", interval)

    def duty(self, duty: HomeDuty) -> None:
        tr = duty.range
        partners = list(self.cfg.partners)
        cover = duty.cover or (next(p for p in partners if p != duty.who) if len(partners) == 2 else None)
        for day, interval in fixed_intervals(duty.weekdays, (tr.start, tr.end), self.inputs.window, self.tz):
            week, slot = week_label(day), day.isoformat()
            paused = self.season_pause(duty.name, [duty.who], day)
            if paused:
                self.decide(duty, "duty", [duty.who], day, week, slot, oc.PAUSED, paused, interval)
                continue
            if day not in self.away.get(duty.who, set()):
                self.protect(duty, duty.who, "duty", slot, interval, self.invaders(duty.who, "duty"))
                self.decide(duty, "duty", [duty.who], day, week, slot, oc.PLACED, f"{duty.who}'s home duty", interval)
                continue
            if cover is not None and day not in self.away.get(cover, set()):
                reason = f"{duty.who} is away on {day_text(day)}; {cover} covers"
                self.result.shifted.append(oc.ShiftedDuty(duty.name, day, week, *interval, duty.who, cover, reason))
                self.protect(duty, cover, "duty", slot, interval, self.invaders(cover, "duty"),
                             reason=reason, note=f"Covering for {duty.who}, who is away.")
                self.decide(duty, "duty", [cover], day, week, slot, oc.SHIFTED, reason, interval)
            else:
                reason = f"{duty.who} is away on {day_text(day)} and nobody can cover"
                self.result.shifted.append(oc.ShiftedDuty(duty.name, day, week, *interval, duty.who, None, reason))
                self.decide(duty, "duty", [duty.who], day, week, slot, oc.MISSED, reason, interval)

    def recovery(self, rule: Recovery) -> None:
        window = self.inputs.window
        for partner in rule.who:
            work = [(o.start, o.end) for o in self.invaders(partner, "recovery")]
            earned = recovery_days(rule, work, self.away.get(partner, set()), list(window.days(self.tz)), self.tz)
            for day, why in earned:
                interval = (wall_time(day, rule.range.start, self.tz), wall_time(day, rule.range.end, self.tz))
                if not window.overlaps(*interval):
                    continue
                week, slot = week_label(day), day.isoformat()
                paused = self.season_pause(rule.name, [partner], day)
                if paused:
                    self.decide(rule, "recovery", [partner], day, week, slot, oc.PAUSED, paused, interval)
                    continue
                self.protect(rule, partner, "recovery", slot, interval, self.invaders(partner, "recovery"), reason=why)
                self.decide(rule, "recovery", [partner], day, week, slot, oc.PLACED, why, interval)


def evaluate(inputs: RuleInputs) -> Evaluation:
    builder = _Builder(inputs)
    for zone in inputs.rules.no_work_zones:
        builder.zone(zone)
    for ritual in inputs.rules.rituals:
        if not ritual.flexible:
            builder.fixed_ritual(ritual)
    for duty in inputs.rules.home_duties:
        builder.duty(duty)
    for rule in inputs.rules.recovery:
        builder.recovery(rule)
    place_flexible(builder, [r for r in inputs.rules.rituals if r.flexible])
    return builder.result
