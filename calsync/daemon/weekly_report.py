"""The weekly report on a schedule: to a file, and optionally by email through SMTP.

A report is due at `daemon.report.day`/`time` (household time zone). The last slot written is kept
in the state, so a restart neither repeats nor skips one; a slot missed while the daemon was down
is caught up if the daemon is back within a day (later, it waits for the next slot).
A failed write or send is retried on the next cycle, within that same day.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from calsync.config.models import ReportScheduleConfig, SmtpConfig
from calsync.errors import CalsyncError

if TYPE_CHECKING:
    from calsync.service import Household

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CATCH_UP = dt.timedelta(days=1)
STATE_KEY = ("_daemon", "report_last_slot")


class ReportError(CalsyncError):
    """The weekly report could not be written or sent."""


def last_slot(schedule: ReportScheduleConfig, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The most recent scheduled time at or before `now`."""
    local = now.astimezone(tz)
    hour, minute = (int(x) for x in schedule.time.split(":"))
    days_back = (local.weekday() - DAYS.index(schedule.day)) % 7
    day = local.date() - dt.timedelta(days=days_back)
    slot = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if slot > local:
        day -= dt.timedelta(days=7)
        slot = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return slot


def next_slot(schedule: ReportScheduleConfig, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    previous = last_slot(schedule, now, tz)
    day = previous.date() + dt.timedelta(days=7)
    return dt.datetime(day.year, day.month, day.day, previous.hour, previous.minute, tzinfo=tz)


def due(schedule: ReportScheduleConfig, now: dt.datetime, tz: dt.tzinfo, done: dt.datetime | None) -> dt.datetime | None:
    """The slot to write now, or None."""
    slot = last_slot(schedule, now, tz)
    if done is not None and done >= slot:
        return None
    if now - slot > CATCH_UP:
        return None
    return slot


def report_path(schedule: ReportScheduleConfig, base_dir: Path, slot: dt.datetime) -> Path:
    iso = slot.date().isocalendar()
    name = schedule.path.format(week=f"{iso.year}-W{iso.week:02d}", date=slot.date().isoformat())
    path = Path(name).expanduser()
    return path if path.is_absolute() else base_dir / path


def send_email(smtp: SmtpConfig, env: Mapping[str, str], recipients: list[str], subject: str, text: str, html: str | None) -> None:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    password = env.get(smtp.password_env, "") if smtp.password_env else ""
    if smtp.password_env and not password:
        raise ReportError(f"smtp.password_env: the environment variable {smtp.password_env} is not set")
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise ReportError(f"sending the weekly report through {smtp.host}:{smtp.port} failed: {exc}") from None


def write_report(household: Household, now: dt.datetime, slot: dt.datetime, env: Mapping[str, str]) -> Path:
    """Build, render, write and (if configured) mail the report for `slot`; returns the file."""
    from calsync.report.output import write_report as write_report_file
    from calsync.report.render import render

    config = household.config
    daemon = config.file.daemon
    schedule = daemon.report
    assert schedule is not None
    fmt = schedule.file_format
    path = report_path(schedule, config.base_dir, slot)
    data, reads = write_report_file(household, now, path, fmt, weeks=schedule.weeks)
    if reads.failed:
        log.warning("weekly report: %d calendars could not be read; the report is incomplete", len(reads.failed))
    log.info("weekly report written to %s", path)
    if schedule.email:
        assert daemon.smtp is not None
        iso = slot.date().isocalendar()
        subject = f"calsync weekly report {iso.year}-W{iso.week:02d}"
        plain = render(data, "markdown" if fmt == "markdown" else "table")
        html = render(data, "html") if fmt == "html" else None
        send_email(daemon.smtp, env, schedule.email, subject, plain, html)
        log.info("weekly report sent to %d recipients", len(schedule.email))
    return path


def load_done(household: Household) -> dt.datetime | None:
    raw = household.store.cache_get(*STATE_KEY)
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw.decode())
    except ValueError:
        return None


def save_done(household: Household, slot: dt.datetime) -> None:
    household.store.cache_put(*STATE_KEY, slot.isoformat().encode())
