"""Small wording helpers shared by the suggestions and the renderers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def person(name: str) -> str:
    return name[:1].upper() + name[1:]


def people(names: Sequence[str]) -> str:
    names = [person(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def hours(value: float) -> str:
    """4.0 → "4 h", 2.5 → "2.5 h", 0.25 → "0.25 h"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} h"


def clock(value: dt.datetime, tz: dt.tzinfo) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def day_time(value: dt.datetime, tz: dt.tzinfo) -> str:
    local = value.astimezone(tz)
    return f"{DAY_ABBR[local.weekday()]} {local:%H:%M}"


def day_label(day: dt.date) -> str:
    return f"{DAY_ABBR[day.weekday()]} {day:%d %b}"


def day_span(days: Sequence[dt.date]) -> str:
    """Consecutive days as a range ("Tue–Thu"), others listed ("Mon, Wed")."""
    days = sorted(days)
    if not days:
        return ""
    runs: list[list[dt.date]] = [[days[0]]]
    for day in days[1:]:
        if (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = DAY_ABBR[run[0].weekday()], DAY_ABBR[run[-1].weekday()]
        parts.append(first if len(run) == 1 else f"{first}–{last}")
    return ", ".join(parts)


def quoted(summary: str) -> str:
    summary = summary.strip() or "(no title)"
    if len(summary) > 40:
        summary = summary[:39] + "…"
    return f"“{summary}”"


def week_label(monday: dt.date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_range(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    if monday.month == sunday.month:
        return f"{monday:%d}–{sunday:%d %b %Y}"
    if monday.year == sunday.year:
        return f"{monday:%d %b}–{sunday:%d %b %Y}"
    return f"{monday:%d %b %Y}–{sunday:%d %b %Y}"


def window_days(weekdays: Sequence[int]) -> str:
    """Weekday numbers as "Mon–Fri", "Sun", "Sat–Sun" or "Mon, Wed"."""
    monday = dt.date(2024, 1, 1)  # a Monday
    return day_span([monday + dt.timedelta(days=d) for d in weekdays])
