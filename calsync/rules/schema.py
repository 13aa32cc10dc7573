"""The rule language: pydantic models of `rules/*.yaml`.

Fields keep the user's notation ("18:30-20:00", [mon, tue], "45m"); validators check it and the
properties give the parsed values. Unknown keys are errors: a typo must never disable protection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from calsync.rules.timespec import (
    DAY_ALIASES,
    DAY_NAMES,
    TimeRange,
    parse_clock,
    parse_days,
    parse_duration,
    parse_range,
)

ConflictPolicy = Literal["flag", "skip", "block"]
VisibilityName = Literal["default", "public", "private"]
EventTypeName = Literal["busy", "focusTime", "outOfOffice"]
AutoDecline = Literal["none", "all", "new"]
TravelPolicy = Literal["skip", "keep"]

DAYS_DESCRIPTION = "Days: mon tue wed thu fri sat sun, or weekdays, weekend, daily"
TIME_DESCRIPTION = 'Wall-clock range "HH:MM-HH:MM" in the household time zone; 24:00 is the end of the day'


_DAY_WORDS = [*DAY_NAMES, *DAY_ALIASES]
_DAY_ITEM = {"type": "string", "enum": [*_DAY_WORDS, *(w.capitalize() for w in _DAY_WORDS)]}


def _days_json(schema: dict[str, Any]) -> None:
    """Editors: days are a list of day words, or a single one."""
    nullable = any(part.get("type") == "null" for part in schema.get("anyOf", []))
    for key in ("type", "items", "anyOf"):
        schema.pop(key, None)
    schema["anyOf"] = [{"type": "array", "items": _DAY_ITEM, "minItems": 1}, _DAY_ITEM] + ([{"type": "null"}] if nullable else [])


RANGE_JSON: dict[str, Any] = {"pattern": r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$", "examples": ["18:30-20:00"]}
CLOCK_JSON: dict[str, Any] = {"pattern": r"^\s*\d{1,2}:\d{2}\s*$", "examples": ["09:30"]}
DURATION_JSON: dict[str, Any] = {"pattern": r"^\s*(\d+\s*d)?\s*(\d+\s*h)?\s*(\d+\s*m(in)?)?\s*$", "examples": ["45m", "1h30m"]}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Presentation(_Strict):
    """How a rule's blocks look on calendars, and what happens where the user's events already sit."""

    title: str | None = Field(
        None, min_length=1, description="Title of the blocks on personal and shared calendars (default: the rule's name)"
    )
    work_title: str | None = Field(
        None, min_length=1, description='Title of the blocks on work calendars, which colleagues may see (default: "Busy")'
    )
    visibility: VisibilityName | None = Field(
        None, description="default | public | private (default: private on work calendars, default elsewhere)"
    )
    calendars: list[str] | None = Field(
        None, description="Calendar names to write blocks to (default: every writable work calendar of the partner, else every writable one)"
    )
    conflict: ConflictPolicy = Field(
        "flag",
        description="Where a user's busy event already sits: flag (block and list the event), skip (leave that part unblocked), block (block without listing)",
    )
    event_type: EventTypeName = Field(
        "busy",
        description="Google Calendar event type: busy, focusTime or outOfOffice (where the account supports it; else a busy event)",
    )
    auto_decline: AutoDecline = Field(
        "none", description="focusTime/outOfOffice only: decline invitations that collide: none, all, or new (only new ones)"
    )
    decline_message: str | None = Field(None, description="Message sent with automatic declines")

    @model_validator(mode="after")
    def _decline_needs_type(self) -> Presentation:
        if self.auto_decline != "none" and self.event_type == "busy":
            raise ValueError("auto_decline needs event_type: focusTime or outOfOffice (Google declines only for those)")
        if self.decline_message is not None and self.auto_decline == "none":
            raise ValueError("decline_message needs auto_decline: all or new")
        return self


def _check_days(value: object) -> list[str]:
    parse_days(value)
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _check_optional_clock(value: object) -> str | None:
    if value is None:
        return None
    parse_clock(str(value))
    return str(value)


def _check_range(value: object) -> str:
    parse_range(value)
    return str(value)


class DaysTime(_Strict):
    """A weekly slot: `days` and a wall-clock `time` range."""

    days: list[str] = Field(..., description=DAYS_DESCRIPTION, json_schema_extra=_days_json)
    time: str = Field(..., description=TIME_DESCRIPTION, json_schema_extra=RANGE_JSON)

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: _check_days(v)))
    _v_time = field_validator("time", mode="before")(classmethod(lambda cls, v: _check_range(v)))

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days)

    @property
    def range(self) -> TimeRange:
        return parse_range(self.time)


class NoWorkZone(Presentation, DaysTime):
    """Time kept free of work: blocked on the partners' calendars, work events there are conflicts."""

    name: str = Field(..., min_length=1)
    who: list[str] = Field(..., description="Partners this zone protects")


class RitualWindow(DaysTime):
    """Where a flexible ritual may be placed."""


class Ritual(Presentation):
    """A fixed slot (`days` + `time`) or a flexible one (`duration`, `per_week`, `window`)."""

    name: str = Field(..., min_length=1)
    who: list[str] = Field(..., description="Partners who share the ritual; a flexible one goes where all are free")
    days: list[str] | None = Field(None, description="Fixed ritual: " + DAYS_DESCRIPTION, json_schema_extra=_days_json)
    time: str | None = Field(None, description="Fixed ritual: " + TIME_DESCRIPTION, json_schema_extra=RANGE_JSON)
    duration: str | None = Field(None, description='Flexible ritual: length, e.g. "45m" or "1h30m"', json_schema_extra=DURATION_JSON)
    per_week: int | None = Field(None, ge=1, le=21, description="Flexible ritual: occurrences per ISO week")
    window: RitualWindow | None = Field(None, description="Flexible ritual: the days and time range it may go in")
    prefer: str = Field(
        "earliest",
        description='Flexible ritual: earliest | latest | "HH:MM" (nearest this start time)',
        json_schema_extra={"anyOf": [{"enum": ["earliest", "latest"]}, {"type": "string", **CLOCK_JSON}]},
    )
    min_gap: str | None = Field(
        None,
        description='Flexible ritual: minimum free time between two occurrences in a week, e.g. "20h" or "2d" '
        "(default: at most one a day when the window has enough days)",
        json_schema_extra=DURATION_JSON,
    )
    min_duration: str | None = Field(
        None, description="Flexible ritual: accept a shorter slot of at least this length rather than none",
        json_schema_extra=DURATION_JSON,
    )
    travel: TravelPolicy = Field(
        "skip", description="skip: not placed on a day when any of `who` is away (default); keep: placed anyway"
    )

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: None if v is None else _check_days(v)))
    _v_time = field_validator("time", mode="before")(classmethod(lambda cls, v: None if v is None else _check_range(v)))

    @field_validator("duration", "min_duration", mode="before")
    @classmethod
    def _v_duration(cls, value: object) -> object:
        if value is not None:
            parse_duration(value)
            return str(value)
        return None

    @field_validator("min_gap", mode="before")
    @classmethod
    def _v_gap(cls, value: object) -> object:
        if value is not None:
            parse_duration(value, limit_minutes=7 * 24 * 60)
            return str(value)
        return None

    @field_validator("prefer", mode="before")
    @classmethod
    def _v_prefer(cls, value: object) -> str:
        text = str(value)
        if text not in ("earliest", "latest"):
            try:
                parse_clock(text)
            except ValueError:
                raise ValueError(f'prefer "{text}" is not earliest, latest or HH:MM') from None
        return text

    @model_validator(mode="after")
    def _fixed_or_flexible(self) -> Ritual:
        fixed = self.days is not None or self.time is not None
        flexible = any(v is not None for v in (self.duration, self.per_week, self.window))
        if fixed and flexible:
            raise ValueError(
                f'ritual "{self.name}": use either days+time (a fixed slot) or duration+per_week+window (a flexible one), not both'
            )
        if fixed and (self.days is None or self.time is None):
            raise ValueError(f'ritual "{self.name}": a fixed ritual needs both days and time')
        if not fixed and not flexible:
            raise ValueError(f'ritual "{self.name}": needs days+time or duration+per_week+window')
        if fixed:
            extras = [k for k in ("min_gap", "min_duration") if getattr(self, k) is not None]
            if self.prefer != "earliest":
                extras.append("prefer")
            if extras:
                raise ValueError(f'ritual "{self.name}": {", ".join(extras)} only apply to flexible rituals')
        if flexible:
            missing = [k for k in ("duration", "per_week", "window") if getattr(self, k) is None]
            if missing:
                raise ValueError(f'ritual "{self.name}": a flexible ritual also needs {", ".join(missing)}')
            assert self.window is not None and self.duration is not None
            length = self.window.range.end - self.window.range.start
            shortest = parse_duration(self.min_duration) if self.min_duration else parse_duration(self.duration)
            if self.min_duration and shortest > parse_duration(self.duration):
                raise ValueError(
                    f'ritual "{self.name}": min_duration {self.min_duration} is longer than duration {self.duration}'
                )
            if shortest > length:
                raise ValueError(
                    f'ritual "{self.name}": duration {self.min_duration or self.duration} does not fit in window {self.window.time}'
                )
        return self

    @property
    def flexible(self) -> bool:
        return self.duration is not None

    @property
    def weekdays(self) -> tuple[int, ...]:
        assert self.days is not None
        return parse_days(self.days)

    @property
    def range(self) -> TimeRange:
        assert self.time is not None
        return parse_range(self.time)

    @property
    def minutes(self) -> int:
        assert self.duration is not None
        return parse_duration(self.duration)

    @property
    def shortest_minutes(self) -> int:
        return parse_duration(self.min_duration) if self.min_duration else self.minutes

    @property
    def gap_minutes(self) -> int | None:
        return parse_duration(self.min_gap, limit_minutes=7 * 24 * 60) if self.min_gap else None


class RecoveryTrigger(_Strict):
    """What earns a recovery slot. Any one trigger is enough."""

    work_hours_over: float | None = Field(
        None, gt=0, le=24, description="A day with more than this many hours of busy work time (real elapsed hours)"
    )
    work_ends_after: str | None = Field(None, description='A day whose work runs past this wall-clock time, e.g. "20:00"', json_schema_extra=CLOCK_JSON)
    travel: bool = Field(False, description="The last day of a trip (see travel:)")

    @field_validator("work_ends_after", mode="before")
    @classmethod
    def _v_clock(cls, value: object) -> object:
        return _check_optional_clock(value)

    @model_validator(mode="after")
    def _something(self) -> RecoveryTrigger:
        if self.work_hours_over is None and self.work_ends_after is None and not self.travel:
            raise ValueError("after: needs work_hours_over, work_ends_after or travel: true")
        return self

    @property
    def ends_after_minutes(self) -> int | None:
        return parse_clock(self.work_ends_after) if self.work_ends_after else None


class Recovery(Presentation):
    """Rest after a long day or a trip, blocked for the partner who earned it."""

    name: str = Field(..., min_length=1)
    who: list[str] = Field(..., description="Partners this rule watches; each earns recovery on their own")
    after: RecoveryTrigger
    slot: Literal["next_day", "same_day"] = Field(
        "next_day", description="next_day: the recovery slot is on the following day (a slow morning); same_day: that evening"
    )
    time: str = Field(..., description="The recovery slot: " + TIME_DESCRIPTION, json_schema_extra=RANGE_JSON)
    days: list[str] | None = Field(None, description="Only place recovery on these days (default: every day). " + DAYS_DESCRIPTION, json_schema_extra=_days_json)

    _v_time = field_validator("time", mode="before")(classmethod(lambda cls, v: _check_range(v)))
    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: None if v is None else _check_days(v)))

    @property
    def range(self) -> TimeRange:
        return parse_range(self.time)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days) if self.days else tuple(range(7))


class HomeDuty(Presentation):
    """A recurring job at home that one partner normally does; while they travel it shifts to `cover`."""

    name: str = Field(..., min_length=1)
    who: str = Field(..., description="The partner who normally does it")
    cover: str | None = Field(None, description="Who takes over while `who` is away (default: the other partner of two)")
    days: list[str] = Field(..., description=DAYS_DESCRIPTION, json_schema_extra=_days_json)
    time: str = Field(..., description=TIME_DESCRIPTION, json_schema_extra=RANGE_JSON)

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: _check_days(v)))
    _v_time = field_validator("time", mode="before")(classmethod(lambda cls, v: _check_range(v)))

    @model_validator(mode="after")
    def _cover_is_other(self) -> HomeDuty:
        if self.cover is not None and self.cover == self.who:
            raise ValueError(f'home duty "{self.name}": cover must be another partner than who')
        return self

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days)

    @property
    def range(self) -> TimeRange:
        return parse_range(self.time)


class TravelDetection(_Strict):
    """Which events mean a partner is away. Events on calendars with `role: travel` always do."""

    keywords: list[str] = Field(
        default_factory=list, description="Words in an event's title (case-insensitive, whole words), e.g. flight, trip"
    )
    categories: list[str] = Field(default_factory=list, description="iCalendar CATEGORIES (case-insensitive), e.g. Travel")
    all_day_only: bool = Field(False, description="Only all-day events match keywords and categories")
    who: list[str] | None = Field(None, description="Partners to watch (default: everyone)")

    @field_validator("keywords", "categories")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        for item in value:
            if not str(item).strip():
                raise ValueError("an empty word matches nothing; remove it")
        return value


class SeasonPause(_Strict):
    """A rule that does not apply during a season (on some days, or on all)."""

    rule: str = Field(..., min_length=1, description="Name of a no-work zone, ritual, recovery rule or home duty")
    days: list[str] | None = Field(None, description="Only on these days (default: every day). " + DAYS_DESCRIPTION, json_schema_extra=_days_json)

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: None if v is None else _check_days(v)))

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days) if self.days else tuple(range(7))


class LoadThresholds(_Strict):
    """A week above any threshold is overloaded; each exceeded threshold is named in `reasons`."""

    weekly_work_hours: float | None = Field(None, gt=0, le=168, description="Hours of work in an ISO week")
    weekend_work_hours: float | None = Field(None, ge=0, le=48, description="Hours of work on Saturday and Sunday")
    protected_hours_invaded: float | None = Field(None, ge=0, description="Hours of work inside no-work zones")
    travel_days: int | None = Field(None, ge=0, le=7, description="Days away in a week")
    rituals_missed: int | None = Field(None, ge=0, description="Ritual occurrences that found no time in a week")

    evening_work_hours: float | None = Field(None, ge=0, le=42, description="Work after evening_starts, summed over the week")
    off_hours_work_hours: float | None = Field(None, ge=0, le=168, description="Work outside the partner's working_hours")
    evening_starts: str | None = Field(
        None, description='When the evening begins, "HH:MM" (report default 19:00)', json_schema_extra=CLOCK_JSON
    )

    @field_validator("evening_starts", mode="before")
    @classmethod
    def _v_evening(cls, value: object) -> object:
        return _check_optional_clock(value)


class Season(_Strict):
    """A dated agreement that changes thresholds and rules for some partners for a while."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(..., min_length=1)
    from_: dt.date = Field(..., alias="from", description="First day (YYYY-MM-DD), household time zone")
    to: dt.date = Field(..., description="Last day, inclusive (YYYY-MM-DD)")
    who: list[str] = Field(..., description="Partners the season is about")
    load: LoadThresholds | None = Field(None, description="Thresholds that replace load: for these partners in weeks the season touches")
    pause: list[SeasonPause] = Field(default_factory=list, description='Rules set aside: a name, or {rule: NAME, days: [...]}')
    note: str | None = Field(None, description="What you agreed, shown by calsync explain")

    @field_validator("pause", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"rule": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _dates(self) -> Season:
        if self.to < self.from_:
            raise ValueError(f'season "{self.name}": to ({self.to}) is before from ({self.from_})')
        if (self.to - self.from_).days > 366:
            raise ValueError(f'season "{self.name}": lasts more than a year; make it a rule instead')
        if self.load is None and not self.pause:
            raise ValueError(f'season "{self.name}": changes nothing (give it load: or pause:)')
        return self

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day <= self.to


class RuleFile(_Strict):
    """One rules/*.yaml file."""

    no_work_zones: list[NoWorkZone] = Field(default_factory=list, description="Time kept free of work")
    rituals: list[Ritual] = Field(default_factory=list, description="Time together, fixed or flexible")
    recovery: list[Recovery] = Field(default_factory=list, description="Rest after long days and trips")
    home_duties: list[HomeDuty] = Field(default_factory=list, description="Jobs at home that shift while their owner travels")
    travel: TravelDetection | None = Field(None, description="How calsync recognises time away")
    seasons: list[Season] = Field(default_factory=list, description="Dated agreements that override thresholds and rules")
    load: LoadThresholds | None = Field(None, description="When a week counts as overloaded")


AnyRule = NoWorkZone | Ritual | Recovery | HomeDuty


class RuleSet(BaseModel):
    """Every rule file merged: what the engine evaluates."""

    model_config = ConfigDict(frozen=True)

    no_work_zones: tuple[NoWorkZone, ...] = ()
    rituals: tuple[Ritual, ...] = ()
    recovery: tuple[Recovery, ...] = ()
    home_duties: tuple[HomeDuty, ...] = ()
    travel: TravelDetection = TravelDetection()
    seasons: tuple[Season, ...] = ()
    load: LoadThresholds = LoadThresholds()

    def names(self) -> list[str]:
        return [r.name for r in self.all_rules()]

    def all_rules(self) -> list[AnyRule]:
        return [*self.no_work_zones, *self.rituals, *self.recovery, *self.home_duties]
