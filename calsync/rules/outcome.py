"""What evaluating the rules produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from calsync.model import Block, Occurrence

# Decision statuses: what happened to one rule on one day (or one flexible slot in one week).
PLACED = "placed"  # blocked as the rule says
KEPT = "kept"  # a flexible ritual stays where an earlier run put it
MOVED = "moved"  # a flexible ritual left its earlier time (the reason says why)
MISSED = "missed"  # no time found: counted in the report
PAUSED = "paused"  # a season sets the rule aside: not counted as missed
AWAY = "away"  # a participant travels that day
SHIFTED = "shifted"  # a home duty moved to the covering partner
PENDING = "pending"  # the horizon ends before the week does: tried again on later runs
PASSED = "passed"  # the week's window was over before calsync held it (no block found): not counted


@dataclass(frozen=True)
class Protected:
    """A protected interval for one partner, before it is written to calendars."""

    partner: str
    rule: str
    kind: str  # no_work | ritual | recovery | duty
    slot: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Conflict:
    """A user's busy event overlapping a partner's protected time. Never moved or deleted."""

    partner: str
    calendar: str
    rule: str
    start: dt.datetime
    end: dt.datetime
    event: str
    occurrence: Occurrence | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Missed:
    """A ritual occurrence that could not be placed."""

    rule: str
    partners: tuple[str, ...]
    week: str
    slot: str
    reason: str


@dataclass(frozen=True)
class ShiftedDuty:
    """A home duty its usual partner cannot do because they are away. `to` is None when nobody can cover."""

    rule: str
    day: dt.date
    week: str
    start: dt.datetime
    end: dt.datetime
    from_partner: str
    to_partner: str | None
    reason: str


@dataclass(frozen=True)
class Decision:
    """Why a rule did or did not block time: one per rule, partner group and day (or flexible slot)."""

    rule: str
    kind: str
    partners: tuple[str, ...]
    day: dt.date | None
    week: str
    slot: str
    status: str
    reason: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class RitualTally:
    placed: int
    missed: int
    paused: int


def week_label(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


@dataclass
class Evaluation:
    protected: list[Protected] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    shifted: list[ShiftedDuty] = field(default_factory=list)
    travel: dict[str, list[dt.date]] = field(default_factory=dict)  # travel days per partner in the window

    def rituals(self, partner: str, week: str) -> RitualTally:
        """Ritual occurrences (fixed and flexible) placed, missed and paused for a partner in an ISO week."""
        placed = missed = paused = 0
        for d in self.decisions:
            if d.kind != "ritual" or partner not in d.partners or d.week != week:
                continue
            if d.status in (PLACED, KEPT, MOVED):
                placed += 1
            elif d.status in (MISSED, AWAY):
                missed += 1
            elif d.status == PAUSED:
                paused += 1
        return RitualTally(placed, missed, paused)

    def shifted_in(self, week: str) -> list[ShiftedDuty]:
        return [s for s in self.shifted if s.week == week]

    def on_day(self, day: dt.date) -> list[Decision]:
        return [d for d in self.decisions if d.day == day]
