"""Report formats: json (the contract), a terminal table, markdown."""

from __future__ import annotations

import json
from typing import Any


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def _rows(report: dict[str, Any]) -> list[list[str]]:
    rows = []
    for week in report["weeks"]:
        for index, (name, p) in enumerate(week["partners"].items()):
            flag = "OVERLOADED" if p["overloaded"] else ""
            if p["reasons"]:
                flag += " (" + ", ".join(p["reasons"]) + ")"
            rows.append([
                (week["week"] + (" *both*" if week["collision"] else "")) if index == 0 else "",
                name,
                f"{p['work_hours']:.1f}",
                f"{p['weekend_work_hours']:.1f}",
                f"{p['protected_hours_invaded']:.1f}",
                str(p["travel_days"]),
                f"{p['rituals_placed']}/{p['rituals_missed']}",
                flag,
            ])
    return rows


HEADERS = ["week", "partner", "work h", "weekend h", "invaded h", "travel d", "rituals ok/missed", "flags"]


def report_table(report: dict[str, Any]) -> str:
    rows = _rows(report)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]
    out = [f"Weekly load balance ({report['timezone']})", ""]
    out.append("  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    for row in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for failed in report.get("failed", []):
        out.append(f"\nNot read: {failed['partner']}/{failed['calendar']}: {failed['error']} (numbers are incomplete)")
    return "\n".join(out)


def report_markdown(report: dict[str, Any]) -> str:
    rows = _rows(report)
    out = [f"# Weekly load balance ({report['timezone']})", ""]
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("|" + "|".join("---" for _ in HEADERS) + "|")
    for row in rows:
        out.append("| " + " | ".join(c or " " for c in row) + " |")
    return "\n".join(out) + "\n"


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return report_json(report)
    if fmt == "markdown":
        return report_markdown(report)
    return report_table(report)
