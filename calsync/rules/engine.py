"""Evaluate protection rules over a window: the blocks calsync wants, conflicts, missed rituals.

Pure: everything (time, calendars already read, earlier placements) comes in as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from calsync.config.models import ConfigFile
from calsync.model import Block, CalendarRef, Occurrence, OwnedBlock, Window
from calsync.model.identity import block_key
from calsync.model.window import merge_intervals, wall_time
from calsync.rules.flexible import place_flexible
from calsync.rules.outcome import Conflict, Evaluation, Protected
from calsync.rules.schema import NoWorkZone, Ritual, RuleSet
from calsync.rules.targets import presentation, target_calendars

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
        cal = self.config.partners.get(occ.ref.partner)
        if cal and occ.ref.calendar in cal.calendars:
            return cal.calendars[occ.ref.calendar].role
        return "personal"


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


def _fixed_intervals(days: Sequence[int], minutes: tuple[int, int], window: Window, tz: ZoneInfo) -> list[tuple[dt.date, Interval]]:
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


class _Builder:
    def __init__(self, inputs: RuleInputs) -> None:
        self.inputs = inputs
        self.result = Evaluation()
        self.cfg = inputs.config
        self._invaders: dict[tuple[str, bool], list[Occurrence]] = {}

    def invaders(self, partner: str, kind: str) -> list[Occurrence]:
        """The partner's busy occurrences that can invade a rule of this kind (computed once per
        evaluation: every rule asks for them, and there are thousands)."""
        work_only = kind == "no_work"
        key = (partner, work_only)
        if key not in self._invaders:
            roles = {"work"} if work_only else None
            self._invaders[key] = busy_occurrences(self.inputs.occurrences, partner, roles, self.inputs.role)
        return self._invaders[key]

    def protect(self, rule: NoWorkZone | Ritual, partner: str, kind: str, slot: str, interval: Interval, invaders: list[Occurrence]) -> None:
        start, end = interval
        hits = [o for o in invaders if o.start < end and o.end > start]
        for occ in hits:
            if rule.conflict != "block":
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
                title, visibility = presentation(self.cfg, partner, calendar, rule)
                self.result.blocks.append(
                    Block(
                        key=block_key(self.cfg.household, ref, rule.name, piece_slot),
                        ref=ref,
                        rule=rule.name,
                        kind="no_work" if kind == "no_work" else "ritual",
                        start=p_start,
                        end=p_end,
                        title=title,
                        description=f"Protected time kept by calsync (rule: {rule.name}).",
                        visibility=visibility,  # type: ignore[arg-type]
                        slot=piece_slot,
                    )
                )

    def fixed(self, rule: NoWorkZone | Ritual, kind: str) -> None:
        tr = rule.range
        for partner in rule.who:
            invaders = self.invaders(partner, kind)
            for day, interval in _fixed_intervals(rule.weekdays, (tr.start, tr.end), self.inputs.window, self.inputs.tz):
                self.protect(rule, partner, kind, day.isoformat(), interval, invaders)


def evaluate(inputs: RuleInputs) -> Evaluation:
    builder = _Builder(inputs)
    for zone in inputs.rules.no_work_zones:
        builder.fixed(zone, "no_work")
    for ritual in inputs.rules.rituals:
        if not ritual.flexible:
            builder.fixed(ritual, "ritual")
    for ritual in inputs.rules.rituals:
        if ritual.flexible:
            place_flexible(builder, ritual)
    return builder.result
