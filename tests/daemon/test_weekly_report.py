"""The weekly report on a schedule: written once per slot, mailed through SMTP, caught up after a
short outage, never repeated after a restart."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from calsync.config import load_config
from calsync.config.models import ReportScheduleConfig
from calsync.daemon import weekly_report
from calsync.daemon.loop import Daemon, DaemonOptions
from calsync.errors import ExitStatus
from tests.daemon.fake_smtp import FakeSmtp

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PASSWORD = "smtp-Pa55word-for-tests"


def test_slots_are_household_wall_time() -> None:
    schedule = ReportScheduleConfig(day="mon", time="07:00")
    thursday = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
    assert weekly_report.last_slot(schedule, thursday, BERLIN) == dt.datetime(2026, 11, 23, 7, 0, tzinfo=BERLIN)
    assert weekly_report.next_slot(schedule, thursday, BERLIN) == dt.datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)
    monday_early = dt.datetime(2026, 11, 30, 6, 59, tzinfo=BERLIN)
    assert weekly_report.last_slot(schedule, monday_early, BERLIN).day == 23
    # across the spring DST change the slot stays at 07:00 local time
    spring = dt.datetime(2027, 3, 29, 8, 0, tzinfo=BERLIN)
    assert weekly_report.last_slot(schedule, spring, BERLIN).utcoffset() == dt.timedelta(hours=2)


def test_due_once_per_slot_with_a_one_day_catch_up() -> None:
    schedule = ReportScheduleConfig(day="mon", time="07:00")
    slot = dt.datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)
    assert weekly_report.due(schedule, slot, BERLIN, None) == slot
    assert weekly_report.due(schedule, slot + dt.timedelta(hours=5), BERLIN, None) == slot  # caught up
    assert weekly_report.due(schedule, slot + dt.timedelta(hours=5), BERLIN, slot) is None  # already done
    assert weekly_report.due(schedule, slot + dt.timedelta(days=2), BERLIN, None) is None  # too late: wait


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp(PASSWORD)
    yield server
    server.close()


def _with_report(config: Path, port: int) -> None:
    config.write_text(
        config.read_text()
        + f"""daemon:
  report:
    day: mon
    time: "07:00"
    path: reports/{{week}}.md
    email: [alex@example.org, sam@example.net]
  smtp:
    host: 127.0.0.1
    port: {port}
    security: none
    username: calsync
    password_env: CALSYNC_SMTP_PASSWORD
    from: calsync@example.org
"""
    )


def _offset_to(config_tz: dt.tzinfo, when: dt.datetime) -> dt.timedelta:
    return when - dt.datetime.now(config_tz)


def test_the_daemon_writes_and_mails_the_report_once(household: Path, smtp: FakeSmtp) -> None:
    _with_report(household, smtp.port)
    config = load_config(household, {})
    env = {"CALSYNC_SMTP_PASSWORD": PASSWORD}
    schedule = config.file.daemon.report
    assert schedule is not None
    slot = weekly_report.last_slot(schedule, dt.datetime.now(BERLIN), BERLIN)
    at = slot + dt.timedelta(minutes=30)
    options = DaemonOptions(once=True, now_offset=_offset_to(BERLIN, at))
    assert Daemon(config, env, options).run() == ExitStatus.OK
    week = slot.date().isocalendar()
    report = household.parent / "reports" / f"{week.year}-W{week.week:02d}.md"
    assert report.exists() and "alex" in report.read_text().lower()
    assert smtp.received.auth == [("calsync", PASSWORD)]
    assert len(smtp.received.messages) == 1
    sender, rcpts, data = smtp.received.messages[0]
    assert sender == "calsync@example.org" and rcpts == ["alex@example.org", "sam@example.net"]
    assert f"Subject: calsync weekly report {week.year}-W{week.week:02d}" in data
    # a restart in the same week does not send it again
    assert Daemon(load_config(household, {}), env, DaemonOptions(once=True, now_offset=_offset_to(BERLIN, at + dt.timedelta(hours=1)))).run() == 0
    assert len(smtp.received.messages) == 1


def test_a_failed_send_is_reported_and_retried(household: Path, smtp: FakeSmtp) -> None:
    _with_report(household, smtp.port)
    config = load_config(household, {})
    schedule = config.file.daemon.report
    assert schedule is not None
    slot = weekly_report.last_slot(schedule, dt.datetime.now(BERLIN), BERLIN)
    options = DaemonOptions(once=True, now_offset=_offset_to(BERLIN, slot + dt.timedelta(minutes=5)))
    wrong = Daemon(config, {"CALSYNC_SMTP_PASSWORD": "wrong-password"}, options)
    assert wrong.run() == ExitStatus.OK  # the sync itself went fine
    assert "535" in wrong.report["last_error"]
    assert wrong.metrics.get("calsync_report_failures_total") == 1
    assert smtp.received.messages == []
    right = Daemon(load_config(household, {}), {"CALSYNC_SMTP_PASSWORD": PASSWORD}, options)
    assert right.run() == ExitStatus.OK
    assert len(smtp.received.messages) == 1 and right.report["last_error"] is None
