"""The report as Markdown, to paste into a shared note: one section per week, a table, the flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from calsync.report.text import hours, person, week_range

STATUS = {"past": "done", "current": "this week", "upcoming": "forecast"}
TREND = {"up": "↑", "down": "↓", "steady": "→"}

# (row label, partner key, threshold key)
ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("Work", "work_hours", "weekly_work_hours"),
    ("Evenings", "evening_work_hours", "evening_work_hours"),
    ("Weekend", "weekend_work_hours", "weekend_work_hours"),
    ("Off-hours", "off_hours_work_hours", "off_hours_work_hours"),
    ("In protected time", "protected_hours_invaded", "protected_hours_invaded"),
    ("Meetings", "meetings", None),
    ("Travel days", "travel_days", "travel_days"),
    ("Rituals kept / placed", "rituals_kept", None),
    ("Rituals missed", "rituals_missed", "rituals_missed"),
    ("Longest day", "longest_day", None),
    ("Trend (4 weeks)", "trend", None),
)


def cell_text(key: str, p: dict[str, Any], status: str) -> str:
    value: Any = p.get(key)
    if key == "rituals_kept":
        placed = p["rituals_placed"]
        return f"{value} / {placed}" if status != "upcoming" else f"– / {placed}"
    if key == "longest_day":
        if not value:
            return "–"
        day = dt.date.fromisoformat(value["date"])
        return f"{day:%a} {hours(value['hours'])}, {value['first']}–{value['last']}"
    if key == "trend":
        if not value:
            return "–"
        series = " · ".join(f"{h:.0f}" for h in value["work_hours"])
        return f"{TREND.get(value['direction'], '')} {series}"
    if isinstance(value, float):
        return hours(value)
    return str(value)


def limit_text(week: dict[str, Any], key: str | None) -> str:
    if key is None or key not in week.get("thresholds", {}):
        return ""
    value = week["thresholds"][key]
    return str(value) if key in ("travel_days", "rituals_missed") else hours(float(value))


def report_markdown(report: dict[str, Any]) -> str:
    out = ["# Weekly load balance", ""]
    line = f"Time zone {report['timezone']}"
    if report.get("generated_at"):
        line += f" · as of {dt.datetime.fromisoformat(report['generated_at']):%a %d %b %Y %H:%M}"
    out += [line, ""]
    for failed in report.get("failed", []):
        out.append(f"> **Not read:** {failed['partner']}/{failed['calendar']}: {failed['error']} — numbers are incomplete.")
        out.append("")
    for week in report["weeks"]:
        monday = dt.date.fromisoformat(week["start"])
        title = f"## {week['week']} · {week_range(monday)} · {STATUS.get(week.get('status', ''), '')}"
        if week["collision"]:
            title += " · ⚠ both overloaded" if len(week["partners"]) == 2 else " · ⚠ all overloaded"
        elif any(p["overloaded"] for p in week["partners"].values()):
            title += " · ⚠ overloaded"
        out += [title, ""]
        names = list(week["partners"])
        header = ["", *(person(n) + (" ⚠" if week["partners"][n]["overloaded"] else "") for n in names), "limit"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|---|" + "---:|" * len(names) + "---:|")
        for label, key, threshold in ROWS:
            cells = []
            for n in names:
                p = week["partners"][n]
                text = cell_text(key, p, week.get("status", ""))
                if threshold in p["reasons"]:
                    text = f"**{text}**"
                cells.append(text)
            out.append(f"| {label} | " + " | ".join(cells) + f" | {limit_text(week, threshold)} |")
        out.append("")
        suggestions = week.get("suggestions", [])
        if suggestions:
            for s in suggestions:
                out.append(f"- {s['text']}")
        else:
            out.append("- Nothing over the limits.")
        out.append("")
    out.append(
        "*Work* is the union of busy events on work calendars (declined, free and all-day events do not count); "
        "*evenings* run from the evening start until 06:00; *off-hours* is work outside each partner's working hours; "
        "*in protected time* is work inside no-work zones. Bold numbers are over the limit."
    )
    return "\n".join(out) + "\n"
