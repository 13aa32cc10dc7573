"""Typed models of calsync.yaml. Unknown keys are errors; secrets are never stored here."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from calsync.rules.schema import DaysTime, RuleSet

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


class WorkingHours(DaysTime):
    """When a partner normally works; work outside it counts as off-hours work in the report."""

    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    time: str = Field("09:00-18:00", description='Wall-clock range "HH:MM-HH:MM" in the household time zone')


class PartnerConfig(_Strict):
    emails: list[str] = Field(default_factory=list)
    calendars: dict[str, CalendarConfig] = Field(..., min_length=1)
    working_hours: WorkingHours | None = Field(
        None, description="Normal working hours (default for the report: mon-fri 09:00-18:00)"
    )


class SafetyConfig(_Strict):
    max_deletes: int = Field(100, ge=0, description="A run deleting more blocks than this stops and asks for --force")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")


def parse_seconds(value: object) -> float:
    """Seconds from 300, "300", "30s", "5m", "1h" or "1d"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _SECONDS.match(str(value).lower())
    if not match:
        raise ValueError(f'"{value}" is not a duration such as 300, 30s, 5m or 1h')
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2) or "s"]


Seconds = Annotated[float, BeforeValidator(parse_seconds)]


class ReportScheduleConfig(_Strict):
    """When and where the daemon writes the weekly report."""

    day: Weekday = "mon"
    time: str = Field("07:00", description="HH:MM, household time zone")
    path: str = Field("reports/{week}.html", description="Relative to calsync.yaml; {week} becomes e.g. 2026-W49")
    format: Literal["table", "markdown", "json", "html"] | None = Field(None, description="Default: from the file suffix")
    weeks: int = Field(4, ge=1, le=52)
    email: list[str] = Field(default_factory=list, description="Recipients; needs daemon.smtp")

    @field_validator("time")
    @classmethod
    def _clock(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(f'time "{value}" is not HH:MM (00:00-23:59)')
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @property
    def file_format(self) -> str:
        if self.format:
            return self.format
        suffix = Path(self.path).suffix.lower()
        return {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json"}.get(suffix, "table")


class SmtpConfig(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: str = Field(..., min_length=1)
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(None, description="Environment variable holding the SMTP password")
    sender: str = Field(..., alias="from", min_length=3)
    timeout: float = Field(30.0, gt=0, le=600)


class HealthConfig(_Strict):
    file: str | None = Field(None, description="Status file (default: next to the state database)")
    listen: str | None = Field(None, description="HOST:PORT for /healthz and /metrics, e.g. 127.0.0.1:9464")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f'listen "{value}" is not HOST:PORT (e.g. 127.0.0.1:9464)')
        return value


class LogConfig(_Strict):
    format: Literal["text", "json"] = "text"
    level: Literal["debug", "info", "warning", "error"] = "info"


class DaemonConfig(_Strict):
    """`calsync daemon` settings (all optional)."""

    interval: Seconds = Field(300.0, ge=1, description="Seconds between syncs (or 30s, 5m, 1h)")
    jitter: float = Field(0.1, ge=0, le=0.5, description="Each wait varies by up to this fraction of the interval")
    backoff_max: Seconds = Field(3600.0, ge=1, description="Longest wait before a failing calendar is tried again")
    watch: bool = Field(True, description="Reload when calsync.yaml or a rule file changes")
    report: ReportScheduleConfig | None = None
    smtp: SmtpConfig | None = None
    health: HealthConfig = HealthConfig()
    log: LogConfig = LogConfig()

    @model_validator(mode="after")
    def _email_needs_smtp(self) -> DaemonConfig:
        if self.report is not None and self.report.email and self.smtp is None:
            raise ValueError("report.email needs an smtp: section (host, from, ...)")
        return self


class ConfigFile(_Strict):
    """calsync.yaml as written."""

    timezone: str
    horizon_days: int = Field(28, ge=1, le=366)
    household: str = Field("household", min_length=1, description="Name mixed into block ids")
    state: str | None = None
    rules: list[str] = Field(default_factory=list)
    partners: dict[str, PartnerConfig] = Field(..., min_length=1)
    safety: SafetyConfig = SafetyConfig()
    daemon: DaemonConfig = DaemonConfig()

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
