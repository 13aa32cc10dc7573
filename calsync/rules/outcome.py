"""What evaluating the rules produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from calsync.model import Block, Occurrence


@dataclass(frozen=True)
class Protected:
    """A protected interval for one partner, before it is written to calendars."""

    partner: str
    rule: str
    kind: str  # no_work | ritual
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


@dataclass
class Evaluation:
    protected: list[Protected] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
