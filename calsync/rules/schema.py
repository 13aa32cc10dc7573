"""The rule language: pydantic models of `rules/*.yaml`.

Fields keep the user's notation ("18:30-20:00", [mon, tue], "45m"); validators check it and the
properties give the parsed values. Unknown keys are errors: a typo must never disable protection.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from calsync.rules.timespec import TimeRange, parse_clock, parse_days, parse_duration, parse_range

ConflictPolicy = Literal["flag", "skip", "block"]
VisibilityName = Literal["default", "public", "private"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Presentation(_Strict):
    """How a rule's blocks look on calendars (shared by every rule kind)."""

    title: str | None = Field(None, description="Title of the blocks (default: neutral on work calendars)")
    visibility: VisibilityName | None = Field(
        None, description="default: private on work calendars, default elsewhere"
    )
    calendars: list[str] | None = Field(
        None, description="Calendar names to write blocks to (default: every writable calendar of the partner)"
    )
    conflict: ConflictPolicy = Field(
        "flag", description="flag: block and report invading events; skip: leave occupied parts free; block: block silently"
    )


def _check_days(value: object) -> list[str]:
    parse_days(value)
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class NoWorkZone(Presentation):
    name: str = Field(..., min_length=1)
    who: list[str] = Field(..., description="Partners this zone protects")
    days: list[str]
    time: str = Field(..., description='Wall-clock range "HH:MM-HH:MM"; 24:00 is the end of the day')

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: _check_days(v)))

    @field_validator("time", mode="before")
    @classmethod
    def _v_time(cls, value: object) -> str:
        parse_range(value)
        return str(value)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days)

    @property
    def range(self) -> TimeRange:
        return parse_range(self.time)


class RitualWindow(_Strict):
    days: list[str]
    time: str

    _v_days = field_validator("days", mode="before")(classmethod(lambda cls, v: _check_days(v)))

    @field_validator("time", mode="before")
    @classmethod
    def _v_time(cls, value: object) -> str:
        parse_range(value)
        return str(value)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_days(self.days)

    @property
    def range(self) -> TimeRange:
        return parse_range(self.time)


class Ritual(Presentation):
    """A fixed slot (`days` + `time`) or a flexible one (`duration`, `per_week`, `window`)."""

    name: str = Field(..., min_length=1)
    who: list[str]
    days: list[str] | None = None
    time: str | None = None
    duration: str | None = Field(None, description='Length of a flexible ritual, e.g. "45m"')
    per_week: int | None = Field(None, ge=1, le=21)
    window: RitualWindow | None = None
    prefer: str = Field("earliest", description='earliest | latest | "HH:MM"')
    min_gap: str | None = Field(None, description='Minimum gap between occurrences in a week, e.g. "20h"')
    min_duration: str | None = Field(None, description="Accept a shorter slot of at least this length rather than none")

    @field_validator("days", mode="before")
    @classmethod
    def _v_days(cls, value: object) -> object:
        return None if value is None else _check_days(value)

    @field_validator("time", mode="before")
    @classmethod
    def _v_time(cls, value: object) -> object:
        if value is not None:
            parse_range(value)
            return str(value)
        return None

    @field_validator("duration", "min_gap", "min_duration", mode="before")
    @classmethod
    def _v_duration(cls, value: object) -> object:
        if value is not None:
            parse_duration(value)
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
        if flexible:
            missing = [k for k in ("duration", "per_week", "window") if getattr(self, k) is None]
            if missing:
                raise ValueError(f'ritual "{self.name}": a flexible ritual also needs {", ".join(missing)}')
            assert self.window is not None and self.duration is not None
            length = self.window.range.end - self.window.range.start
            if parse_duration(self.duration) > length and self.min_duration is None:
                raise ValueError(
                    f'ritual "{self.name}": duration {self.duration} does not fit in window {self.window.time}'
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


class LoadThresholds(_Strict):
    """A week above any threshold is overloaded; each exceeded threshold is named in `reasons`."""

    weekly_work_hours: float | None = Field(None, gt=0, le=168)
    weekend_work_hours: float | None = Field(None, ge=0, le=48)
    protected_hours_invaded: float | None = Field(None, ge=0)
    travel_days: int | None = Field(None, ge=0, le=7)
    rituals_missed: int | None = Field(None, ge=0)
    evening_work_hours: float | None = Field(None, ge=0, le=42, description="Work after evening_starts, summed over the week")
    off_hours_work_hours: float | None = Field(None, ge=0, le=168, description="Work outside the partner's working_hours")
    evening_starts: str | None = Field(None, description='When the evening begins, "HH:MM" (report default 19:00)')

    @field_validator("evening_starts", mode="before")
    @classmethod
    def _v_evening(cls, value: object) -> object:
        if value is not None:
            parse_clock(str(value))
            return str(value)
        return None


class RuleFile(_Strict):
    """One rules/*.yaml file."""

    no_work_zones: list[NoWorkZone] = Field(default_factory=list)
    rituals: list[Ritual] = Field(default_factory=list)
    load: LoadThresholds | None = None


class RuleSet(BaseModel):
    """Every rule file merged: what the engine evaluates."""

    model_config = ConfigDict(frozen=True)

    no_work_zones: tuple[NoWorkZone, ...] = ()
    rituals: tuple[Ritual, ...] = ()
    load: LoadThresholds = LoadThresholds()

    def names(self) -> list[str]:
        return [r.name for r in self.no_work_zones] + [r.name for r in self.rituals]
