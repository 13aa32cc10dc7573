"""Small builders for test households."""

from __future__ import annotations

import textwrap
from pathlib import Path

ICS_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync tests//EN\r\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def vevent(uid: str, summary: str, start: str, end: str, extra: str = "") -> str:
    """A VEVENT with Europe/Berlin local times given as YYYYMMDDTHHMMSS."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T000000Z",
        f"SUMMARY:{summary}",
        f"DTSTART;TZID=Europe/Berlin:{start}",
        f"DTEND;TZID=Europe/Berlin:{end}",
    ]
    lines += [line for line in textwrap.dedent(extra).splitlines() if line.strip()]
    lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


def calendar(*events: str, extra_head: str = "") -> str:
    return ICS_HEAD + extra_head + "".join(events) + "END:VCALENDAR\r\n"


CONFIG = """\
timezone: Europe/Berlin
horizon_days: 28
state: state.db
rules: [rules/*.yaml]
partners:
  alex:
    emails: [alex@example.org]
    calendars:
      work:
        source: ics
        path: alex-work.ics
        role: work
        write: true
  sam:
    calendars:
      work:
        source: ics
        path: sam-work.ics
        role: work
        write: true
"""

# The two no-work zones most tests use (family dinner on weekdays, the whole weekend).
ZONES = """\
no_work_zones:
  - name: family-dinner
    who: [alex, sam]
    days: [mon, tue, wed, thu, fri]
    time: "18:30-20:00"
  - name: weekend
    who: [alex, sam]
    days: [sat, sun]
    time: "00:00-24:00"
"""

RULES = ZONES + """\
rituals:
  - name: breakfast
    who: [alex, sam]
    days: [mon, tue, wed, thu, fri]
    time: "07:15-07:45"
  - name: state-of-the-union
    who: [alex, sam]
    duration: 45m
    per_week: 1
    window: {days: [sun], time: "17:00-21:00"}
load:
  weekly_work_hours: 45
"""


def household(tmp: Path, *, config: str = CONFIG, rules: str = RULES, alex: str | None = None, sam: str | None = None) -> Path:
    """A two-partner household of iCal files in `tmp`; returns the calsync.yaml path."""
    write(tmp / "rules" / "household.yaml", rules)
    (tmp / "alex-work.ics").write_text(alex if alex is not None else calendar(), encoding="utf-8", newline="")
    (tmp / "sam-work.ics").write_text(sam if sam is not None else calendar(), encoding="utf-8", newline="")
    return write(tmp / "calsync.yaml", config)
