"""One occurrence of a calendar event, normalised to the household time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class CalendarRef:
    """A partner's calendar, by the names used in calsync.yaml."""

    partner: str
    calendar: str

    def __str__(self) -> str:
        return f"{self.partner}/{self.calendar}"


@dataclass(frozen=True)
class Occurrence:
    """An event occurrence as calsync sees it.

    `start`/`end` are aware datetimes in the household zone. All-day events keep their dates in
    `start_date`/`end_date` (end exclusive) and span local midnights in `start`/`end`; they are
    never counted as hours.
    """

    ref: CalendarRef
    uid: str
    recurrence_id: str
    start: dt.datetime
    end: dt.datetime
    summary: str = ""
    all_day: bool = False
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    cancelled: bool = False
    transparent: bool = False
    declined: bool = False
    tentative: bool = False
    categories: tuple[str, ...] = field(default_factory=tuple)
    location: str = ""

    @property
    def busy(self) -> bool:
        """The report's definition of busy: timed, confirmed, opaque, not declined."""
        return not (self.all_day or self.cancelled or self.transparent or self.declined)

    @property
    def identity(self) -> tuple[str, str]:
        """Same event seen on two calendars (a shared invitation) has the same identity."""
        return (self.uid, self.recurrence_id)
