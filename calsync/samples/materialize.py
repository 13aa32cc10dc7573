"""Write the sample household into a folder, with its calendars moved to the current week.

The sample calendars are written for the week of REFERENCE_MONDAY; every date inside their events
is shifted by whole weeks so that week becomes next week (weekday and wall time kept).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from importlib import resources
from pathlib import Path

from calsync.rules.jsonschema import SCHEMA_FILE

REFERENCE_MONDAY = dt.date(2026, 11, 30)
CALENDARS = ("alex-work.ics", "sam-work.ics", "sam-personal.ics")
_SHIFTED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_RULE_DATE = re.compile(r"^(\s*(?:from|to):\s*)(\d{4}-\d{2}-\d{2})", re.MULTILINE)
_STAMP = re.compile(r"(\d{8})(T\d{6}Z?)?")


def _shift_line(line: str, days: int) -> str:
    name, sep, value = line.partition(":")
    if not sep or name.split(";")[0].upper() not in _SHIFTED:
        return line

    def shift(match: re.Match[str]) -> str:
        day = dt.datetime.strptime(match.group(1), "%Y%m%d").date() + dt.timedelta(days=days)
        return day.strftime("%Y%m%d") + (match.group(2) or "")

    return name + sep + _STAMP.sub(shift, value)


def shift_calendar(text: str, days: int) -> str:
    out = []
    in_event = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip().upper()
        if stripped == "BEGIN:VEVENT":
            in_event = True
        elif stripped == "END:VEVENT":
            in_event = False
        out.append(_shift_line(line, days) if in_event else line)
    return "".join(out)


def shift_rule_dates(text: str, days: int) -> str:
    """Move the seasons' `from:` / `to:` dates by the same whole weeks as the calendars."""

    def shift(match: re.Match[str]) -> str:
        day = dt.date.fromisoformat(match.group(2)) + dt.timedelta(days=days)
        return match.group(1) + day.isoformat()

    return _RULE_DATE.sub(shift, text)


def materialize(target: Path, today: dt.date) -> Path:
    """Create the demo household in `target`; returns the path of its calsync.yaml."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    days = (next_monday - REFERENCE_MONDAY).days
    samples = resources.files("calsync.samples")
    (target / "calendars").mkdir(parents=True, exist_ok=True)
    (target / "rules").mkdir(parents=True, exist_ok=True)
    for name in CALENDARS:
        text = samples.joinpath(name).read_text(encoding="utf-8")
        (target / "calendars" / name).write_text(shift_calendar(text, days), encoding="utf-8", newline="")
    rules = shift_rule_dates(samples.joinpath("household.yaml").read_text(encoding="utf-8"), days)
    (target / "rules" / "household.yaml").write_text(rules, encoding="utf-8")
    (target / "rules" / SCHEMA_FILE).write_text(samples.joinpath(SCHEMA_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    config = target / "calsync.yaml"
    config.write_text(samples.joinpath("calsync.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return config


def remove(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
