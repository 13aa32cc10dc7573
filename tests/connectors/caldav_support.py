"""Helpers for the CalDAV tests: a household on a Radicale calendar, run through the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from calsync.cli import main
from calsync.config.models import CaldavCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.caldav import CaldavSource
from calsync.connectors.caldav.transport import RetryPolicy
from calsync.model import CalendarRef
from calsync.state.store import Store

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)  # a Thursday
PASSWORD_ENV = "CALSYNC_TEST_DAV_PASSWORD"
PASSWORD = "s3cret-dav-password"
REF = CalendarRef("alex", "home")

RULES = """\
no_work_zones:
  - name: dinner
    who: [alex]
    days: [mon, tue, wed, thu, fri]
    time: "18:30-20:00"
rituals:
  - name: breakfast
    who: [alex]
    days: [mon, tue, wed, thu, fri]
    time: "07:15-07:45"
"""


def no_sleep_policy(config: CaldavCalendar) -> RetryPolicy:
    return RetryPolicy(retries=config.retries, base_delay=0.0, max_delay=0.0, sleep=lambda _s: None)


def source_for(url: str, store: Store | None = None, *, calendar: str | None = None, write: bool = True,
               env: dict[str, str] | None = None, **extra: object) -> CaldavSource:
    store = store or Store.memory()
    config = CaldavCalendar(
        source="caldav", url=url, calendar=calendar, username="alice", password_env=PASSWORD_ENV, write=write, **extra  # type: ignore[arg-type]
    )
    ctx = SourceContext(
        ref=REF, tz=BERLIN, household="test", base_dir=Path("."), cache=store.cache(REF),
        env={PASSWORD_ENV: PASSWORD} if env is None else env,
    )
    return CaldavSource(config, ctx, policy=no_sleep_policy(config))


@dataclass
class CliHousehold:
    """calsync.yaml + rules in a temp folder, alex's writable calendar on the CalDAV server."""

    root: Path
    url: str
    capsys: pytest.CaptureFixture[str]
    rules: str = RULES
    horizon_days: int = 7
    extra_calendar: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def write(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "rules.yaml").write_text(self.rules)
        (self.root / "calsync.yaml").write_text(
            f"""timezone: Europe/Berlin
horizon_days: {self.horizon_days}
household: caldav-test
state: state.db
rules: [rules.yaml]
partners:
  alex:
    calendars:
      home:
        source: caldav
        url: {self.url}
        username: alice
        password_env: {PASSWORD_ENV}
        role: personal
        write: true
        timeout: 5
{self.extra_calendar}"""
        )

    def run(self, command: str, *args: str, now: dt.datetime = NOW) -> tuple[int, str, str]:
        self.write()
        self.capsys.readouterr()
        env = {PASSWORD_ENV: PASSWORD, "HOME": str(self.root), "XDG_STATE_HOME": str(self.root / "xdg")}
        env.update(self.env)
        code = main([command, "--config", str(self.root / "calsync.yaml"), "--now", now.isoformat(), *args], env)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def sync(self, now: dt.datetime = NOW, *args: str) -> tuple[int, dict[str, object], str]:
        code, out, err = self.run("sync", "--json", *args, now=now)
        return code, json.loads(out), err

    def plan(self, now: dt.datetime = NOW) -> tuple[int, dict[str, object]]:
        code, out, _ = self.run("plan", "--json", now=now)
        return code, json.loads(out)


def event(uid: str, start: str, end: str, summary: str, *extra: str) -> str:
    """A VCALENDAR with one VEVENT; start/end are iCalendar property values with parameters."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//calsync//EN", "BEGIN:VEVENT",
        f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"DTSTART{start}", f"DTEND{end}", f"SUMMARY:{summary}",
        *extra, "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
