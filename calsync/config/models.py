"""Typed models of calsync.yaml. Unknown keys are errors; secrets are never stored here."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from calsync.rules.schema import RuleSet
from calsync.rules.timespec import TimeRange, parse_days, parse_range

Role = Literal["work", "personal", "shared", "travel"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CalendarBase(_Strict):
    role: Role = "personal"
    write: bool = False
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds before a request is given up")


class IcsCalendar(_CalendarBase):
    source: Literal["ics"]
    path: str | None = None
    url: str | None = None
    max_bytes: int = Field(50_000_000, gt=0, description="Refuse feeds larger than this")

    @model_validator(mode="after")
    def _one_location(self) -> IcsCalendar:
        if (self.path is None) == (self.url is None):
            raise ValueError("an ics calendar needs exactly one of path or url")
        if self.url is not None:
            if not self.url.startswith(("http://", "https://", "webcal://")):
                raise ValueError(f'url "{self.url}" must start with http://, https:// or webcal://')
            if self.write:
                raise ValueError("an ics feed url is read-only: write: true needs a local path")
        return self


class CaldavCalendar(_CalendarBase):
    source: Literal["caldav"]
    url: str
    username: str | None = None
    password_env: str | None = Field(None, description="Environment variable holding the password")
    calendar: str | None = Field(None, description="Calendar name, when url is a principal or home URL")
    ca_bundle: str | None = Field(None, description="PEM file of CA certificates to trust (TLS stays verified)")
    auth: Literal["auto", "basic", "digest"] = Field(
        "auto", description="HTTP authentication; auto answers the server's challenge (one extra request per run)"
    )
    retries: int = Field(3, ge=0, le=10, description="Retries after a transient failure (timeout, 5xx, 429)")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f'url "{value}" must start with http:// or https://')
        return value


class GoogleCalendar(_CalendarBase):
    source: Literal["google"]
    calendar_id: str = "primary"
    token: str = Field(..., description="Authorized-user token file (mode 0600)")
    client_secrets: str | None = None
    api_endpoint: str | None = Field(
        None, description="Calendar API root including /calendar/v3/ (a proxy or a test server)"
    )
    event_type: Literal["default", "focusTime", "outOfOffice"] = Field(
        "default",
        description="Google event type for blocks; focusTime/outOfOffice need a Workspace primary calendar "
        "(calsync falls back to a normal busy event where they are not supported)",
    )
    auto_decline: bool = Field(
        False, description="With focusTime/outOfOffice blocks: let Google decline new conflicting invitations"
    )

    @field_validator("api_endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f'api_endpoint "{value}" must start with http:// or https://')
        return value


CalendarConfig = Annotated[IcsCalendar | CaldavCalendar | GoogleCalendar, Field(discriminator="source")]


class WorkingHours(_Strict):
    """When a partner normally works; work outside it counts as off-hours work in the report."""

    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    time: str = Field("09:00-18:00", description='Wall-clock range "HH:MM-HH:MM" in the household time zone')

    @field_validator("days", mode="before")
    @classmethod
    def _v_days(cls, value: object) -> list[str]:
        parse_days(value)
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

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


class PartnerConfig(_Strict):
    emails: list[str] = Field(default_factory=list)
    calendars: dict[str, CalendarConfig] = Field(..., min_length=1)
    working_hours: WorkingHours | None = Field(
        None, description="Normal working hours (default for the report: mon-fri 09:00-18:00)"
    )


class SafetyConfig(_Strict):
    max_deletes: int = Field(100, ge=0, description="A run deleting more blocks than this stops and asks for --force")


class ConfigFile(_Strict):
    """calsync.yaml as written."""

    timezone: str
    horizon_days: int = Field(28, ge=1, le=366)
    household: str = Field("household", min_length=1, description="Name mixed into block ids")
    state: str | None = None
    rules: list[str] = Field(default_factory=list)
    partners: dict[str, PartnerConfig] = Field(..., min_length=1)
    safety: SafetyConfig = SafetyConfig()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'unknown time zone "{value}" (use an IANA name such as Europe/Berlin)') from None
        return value


class Config(BaseModel):
    """The loaded, validated configuration with paths resolved and rules merged."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: Path
    file: ConfigFile
    rules: RuleSet
    rule_files: tuple[Path, ...]
    state_path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.file.timezone)

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path
