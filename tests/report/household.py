"""Hand-built households for report tests: calsync.yaml, one rule file and small iCal calendars."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from calsync.config import load_config
from calsync.report import build_report
from calsync.service import Household
from tests.conftest import BERLIN
from tests.helpers import ZONES

RULES = ZONES + """\
rituals:
  - name: breakfast
    who: [alex, sam]
    days: [mon, tue, wed, thu, fri]
    time: "07:15-07:45"
load:
  weekly_work_hours: 45
"""


def event(uid: str, start: str, end: str, summary: str = "", tz: str | None = "Europe/Berlin", extra: str = "") -> str:
    """A VEVENT; `start`/`end` are iCal date-times (20261130T090000) or dates (20261130)."""

    def prop(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        if value.endswith("Z") or tz is None:
            return f"{name}:{value}"
        return f"{name};TZID={tz}:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"SUMMARY:{summary or uid}", prop("DTSTART", start), prop("DTEND", end)]
    lines += [line for line in textwrap.dedent(extra).strip().splitlines() if line.strip()]
    lines.append("END:VEVENT")
    return "\n".join(lines)


def calendar(*events: str) -> str:
    body = "\n".join(events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//calsync tests//EN\n{body}\nEND:VCALENDAR\n".replace("\n", "\r\n")


def write_household(
    root: Path,
    calendars: dict[str, dict[str, tuple[str, str]]],
    rules: str = RULES,
    partner_extra: dict[str, str] | None = None,
) -> Path:
    """calendars: partner -> name -> (role, ics text). Returns the calsync.yaml path."""
    (root / "cal").mkdir(parents=True, exist_ok=True)
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "household.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    lines = ["timezone: Europe/Berlin", "state: state.db", "rules: [rules/household.yaml]", "partners:"]
    emails = {"alex": "alex@example.org", "sam": "sam@example.net"}
    for partner, cals in calendars.items():
        lines.append(f"  {partner}:")
        lines.append(f"    emails: [{emails.get(partner, partner + '@example.com')}]")
        for extra in (partner_extra or {}).get(partner, "").strip().splitlines():
            lines.append("    " + extra)
        lines.append("    calendars:")
        for name, (role, text) in cals.items():
            path = root / "cal" / f"{partner}-{name}.ics"
            path.write_text(text, encoding="utf-8", newline="")
            lines += [f"      {name}:", "        source: ics", f"        path: cal/{path.name}", f"        role: {role}"]
            if role == "work":
                lines.append("        write: true")
    config = root / "calsync.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def report_for(
    config: Path, now: dt.datetime, from_date: dt.date | None = None, weeks: int = 1, **kwargs: Any
) -> dict[str, Any]:
    with Household.open(load_config(config, {})) as household:
        data, reads = build_report(household, now, from_date, weeks, **kwargs)
    assert not reads.failed, reads.failed
    return data


def week(data: dict[str, Any], label: str) -> dict[str, Any]:
    return next(w for w in data["weeks"] if w["week"] == label)


NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
