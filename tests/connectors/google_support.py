"""Builders for Google source tests: sources and households pointed at the fake server."""

from __future__ import annotations

import datetime as dt
import json
import os
import textwrap
import zoneinfo
from pathlib import Path
from typing import Any

from calsync.config.models import GoogleCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.google.client import RetryPolicy
from calsync.connectors.google.connector import GoogleSource
from calsync.model import Block, CalendarRef, Window
from calsync.model.identity import block_key
from calsync.state.store import SourceCache
from tests.fakes.google_server import FakeGoogle, token_file_info
from tests.helpers import ZONES

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
REF = CalendarRef("alex", "work")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
WINDOW = Window(dt.datetime(2026, 11, 26, tzinfo=TZ), dt.datetime(2026, 12, 24, tzinfo=TZ))


def no_sleep_policy() -> RetryPolicy:
    """Backoff that records its delays instead of sleeping."""
    policy = RetryPolicy()
    policy.sleep = lambda seconds: None
    return policy


def write_token(path: Path, fake: FakeGoogle, **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(token_file_info(fake, **kwargs)))
    os.chmod(path, 0o600)
    return path


class SourceMaker:
    """Fresh GoogleSources over one fake calendar that share one cache (as successive runs do)."""

    def __init__(self, fake: FakeGoogle, tmp: Path, *, calendar_id: str = "primary", emails: tuple[str, ...] = (),
                 write: bool = True, **config: Any) -> None:
        self.fake = fake
        self.tmp = tmp
        self.cache = SourceCache(None, str(REF))
        self.policy = no_sleep_policy()
        self.emails = emails
        write_token(tmp / "alex-google.json", fake)
        self.config = GoogleCalendar(
            source="google", token="alex-google.json", api_endpoint=fake.api_endpoint, calendar_id=calendar_id,
            role="work", write=write, **config,
        )
        fake.calendars.setdefault(calendar_id, {})

    def __call__(self) -> GoogleSource:
        ctx = SourceContext(ref=REF, tz=TZ, household="home", base_dir=self.tmp, cache=self.cache, emails=self.emails)
        return GoogleSource(self.config, ctx, retry=self.policy)


def timed(summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A user event with Europe/Berlin wall times 'YYYY-MM-DDTHH:MM'."""
    event = {
        "summary": summary,
        "start": {"dateTime": dt.datetime.fromisoformat(start).replace(tzinfo=TZ).isoformat(), "timeZone": "Europe/Berlin"},
        "end": {"dateTime": dt.datetime.fromisoformat(end).replace(tzinfo=TZ).isoformat(), "timeZone": "Europe/Berlin"},
    }
    event.update(extra)
    return event


def blocks(count: int, rule: str = "focus", hours: int = 1, title: str = "Busy") -> list[Block]:
    out = []
    for i in range(count):
        start = dt.datetime(2026, 11, 26, 12, 0, tzinfo=TZ) + dt.timedelta(hours=4 * i)
        out.append(Block(block_key("home", REF, rule, str(i)), REF, rule, "no_work", start, start + dt.timedelta(hours=hours), title))
    return out


RULES = ZONES


def household(tmp: Path, fake: FakeGoogle, *, rules: str = RULES, sam_calendar: str = "sam@example.org",
              horizon_days: int = 28, extra_alex: str = "") -> Path:
    """calsync.yaml with two partners whose work calendars are Google calendars on the fake."""
    fake.calendars.setdefault(sam_calendar, {})
    write_token(tmp / "secrets" / "alex-google.json", fake)
    write_token(tmp / "secrets" / "sam-google.json", fake)
    (tmp / "rules").mkdir(exist_ok=True)
    (tmp / "rules" / "household.yaml").write_text(rules)
    config = f"""\
    timezone: Europe/Berlin
    horizon_days: {horizon_days}
    state: state.db
    rules: [rules/household.yaml]
    partners:
      alex:
        emails: [alex@example.org]
        calendars:
          work:
            source: google
            calendar_id: primary
            token: secrets/alex-google.json
            client_secrets: secrets/client.json
            api_endpoint: {fake.api_endpoint}
            role: work
            write: true
{textwrap.indent(extra_alex, " " * 12) if extra_alex else ""}
      sam:
        calendars:
          work:
            source: google
            calendar_id: {sam_calendar}
            token: secrets/sam-google.json
            api_endpoint: {fake.api_endpoint}
            role: work
            write: true
    """
    path = tmp / "calsync.yaml"
    path.write_text(textwrap.dedent(config))
    return path


# -- fixtures (imported by the test modules) --------------------------------------------------
import pytest  # noqa: E402

from tests.fakes.google_server import fake_google  # noqa: E402


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with fake_google(page_size=7) as server:
        yield server


@pytest.fixture
def make(fake: FakeGoogle, tmp_path: Path) -> SourceMaker:
    return SourceMaker(fake, tmp_path)
