"""The terminal table: one block per week, readable at 80 columns; colour only when asked (a TTY)."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from calsync.report.text import hours, person, week_range

WIDTH = 80
BAR = 10  # characters for the weekly limit
TREND_ARROWS = {"up": "↑", "down": "↓", "steady": "→"}
STATUS = {"past": "done", "current": "this week", "upcoming": "forecast"}

# (header, partner key, width, threshold key flagged in reasons)
COLUMNS: tuple[tuple[str, str, int, str | None], ...] = (
    ("eve", "evening_work_hours", 5, "evening_work_hours"),
    ("wkend", "weekend_work_hours", 6, "weekend_work_hours"),
    ("off", "off_hours_work_hours", 5, "off_hours_work_hours"),
    ("prot", "protected_hours_invaded", 5, "protected_hours_invaded"),
    ("mtgs", "meetings", 5, None),
    ("trav", "travel_days", 5, "travel_days"),
    ("rit", "rituals_placed", 4, None),
    ("miss", "rituals_missed", 5, "rituals_missed"),
)


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def red(self, text: str) -> str:
        return self._wrap("1;31", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _bar(value: float, limit: float | None) -> str:
    scale = limit or 45.0
    filled = min(value / scale, 1.0) * BAR
    full = int(filled)
    text = "█" * full
    eighths = int((filled - full) * 8)
    if full < BAR and eighths:
        text += " ▏▎▍▌▋▊▉"[eighths]
    text = text.ljust(BAR, "·")
    return text + ("+" if limit is not None and value > limit else " ")


def _limits(limits: dict[str, Any]) -> list[str]:
    names = {
        "weekly_work_hours": "work/week",
        "evening_work_hours": "evenings",
        "weekend_work_hours": "weekend",
        "off_hours_work_hours": "off-hours",
        "protected_hours_invaded": "in protected time",
    }
    parts = [f"{hours(float(limits[k]))} {label}" for k, label in names.items() if k in limits]
    if "travel_days" in limits:
        parts.append(f"{limits['travel_days']} travel days")
    if "rituals_missed" in limits:
        parts.append(f"{limits['rituals_missed']} missed rituals")
    return parts


def _header() -> str:
    cells = ["  " + "".ljust(8), "work h".rjust(5), " " + "".ljust(BAR + 1)]
    cells += [h.rjust(w) for h, _, w, _ in COLUMNS]
    cells.append("  trend")
    return "".join(cells).rstrip()


def _row(name: str, p: dict[str, Any], limit: float | None, style: _Style) -> str:
    reasons = set(p["reasons"])
    mark = "!" if p["overloaded"] else " "
    cells = [style.red(mark) + " " + style.bold(person(name)[:7].ljust(7)) + " "]
    work = f"{p['work_hours']:.1f}".rjust(5)
    cells.append(style.red(work) if "weekly_work_hours" in reasons else work)
    bar = _bar(p["work_hours"], limit)
    cells.append(" " + (style.red(bar) if "weekly_work_hours" in reasons else bar))
    for _, key, width, reason in COLUMNS:
        text = _num(p.get(key, 0)).rjust(width)
        cells.append(style.red(text) if reason in reasons else text)
    trend = p.get("trend", {}).get("direction", "steady")
    cells.append("  " + TREND_ARROWS.get(trend, " ").center(5))
    return "".join(cells).rstrip()


def _pack(items: list[str], first: str, rest: str) -> list[str]:
    """Comma-separated items on as few lines as fit, never breaking inside an item."""
    lines: list[str] = []
    current = first
    for index, item in enumerate(items):
        piece = item + ("," if index < len(items) - 1 else "")
        if current.strip() and len(current) + 1 + len(piece) > WIDTH and current not in (first, rest):
            lines.append(current)
            current = rest + piece
        else:
            current += ("" if current in (first, rest) else " ") + piece
    if items:
        lines.append(current)
    return lines


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [first]


def report_table(report: dict[str, Any], color: bool = False) -> str:
    style = _Style(color)
    generated = report.get("generated_at")
    title = f"Weekly load balance · {report['timezone']}"
    if generated:
        title += f" · as of {dt.datetime.fromisoformat(generated):%a %d %b %Y %H:%M}"
    out = [style.bold(title)]
    first_limits = report["weeks"][0].get("thresholds", {}) if report["weeks"] else {}
    out.extend(_pack(_limits(first_limits), "Limits: ", "  ") or ["No load: limits set"])
    for week in report["weeks"]:
        out.append("")
        monday = dt.date.fromisoformat(week["start"])
        status = STATUS.get(week.get("status", ""), "")
        head = f"{week['week']}  {week_range(monday)}"
        tail = ""
        if week["collision"]:
            tail = "BOTH OVERLOADED" if len(week["partners"]) == 2 else "ALL OVERLOADED"
        elif any(p["overloaded"] for p in week["partners"].values()):
            tail = "overloaded"
        left = f"{head}  {status}"
        pad = max(1, WIDTH - len(left) - len(tail))
        out.append(style.bold(head) + "  " + style.dim(status) + (" " * pad + style.red(tail) if tail else ""))
        if week.get("thresholds", {}) != first_limits:
            out.extend(style.dim(line) for line in _pack(_limits(week.get("thresholds", {})), "  Limits this week: ", "    "))
        out.append(style.dim(_header()))
        limit = week.get("thresholds", {}).get("weekly_work_hours")
        for name, p in week["partners"].items():
            out.append(_row(name, p, limit, style))
        for suggestion in week.get("suggestions", []):
            for line in _wrap(suggestion["text"], "  → ", "    "):
                out.append(style.yellow(line))
    out.append("")
    out.extend(
        _wrap(
            "! overloaded. work h: union of busy events on work calendars; the bar fills at the weekly limit, "
            "+ above it. eve: after the evening starts; wkend: Sat–Sun; off: outside working hours; "
            "prot: inside no-work zones; mtgs: work events; trav: travel days; rit/miss: rituals placed/missed; "
            "trend: against the 3 weeks before.",
            "",
            "",
        )
    )
    for failed in report.get("failed", []):
        out.extend(_wrap(f"Not read: {failed['partner']}/{failed['calendar']}: {failed['error']} (numbers are incomplete)", "", "  "))
    return "\n".join(out)
