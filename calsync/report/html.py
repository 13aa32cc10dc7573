"""The report as one self-contained HTML file: inline CSS and an inline SVG chart, no external assets.

The chart shows each partner's work hours per week against the weekly limit, with overloaded
weeks shaded; below it, one card per week with the numbers and the suggestions. It reflows to a
single column on a phone.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from calsync.report.markdown import ROWS, STATUS, cell_text, limit_text
from calsync.report.text import person, week_range

COLOURS = ("#2f6db5", "#d9822b", "#3f9a62", "#8a5cb5", "#b5485d", "#5a6b7b")
CHART_W, CHART_H = 420, 240
PAD_L, PAD_R, PAD_T, PAD_B = 30, 8, 14, 40

CSS = """
:root { color-scheme: light; --ink: #1d2430; --muted: #5d6878; --line: #d9dee6; --bad: #c0392b; --bad-bg: #fdecea; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 780px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.45rem; margin: 0 0 4px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px; margin: 0 0 16px; }
.card.over { border-color: var(--bad); }
.chart svg { width: 100%; max-width: 600px; height: auto; display: block; margin: 0 auto; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: .9rem; color: var(--muted); margin-top: 8px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
h2 { font-size: 1.1rem; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.pill { font-size: .8rem; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: #e8edf3; color: var(--muted); }
.pill.bad { background: var(--bad-bg); color: var(--bad); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; min-width: 8.5em; }
td.bad { color: var(--bad); font-weight: 700; }
ul.tips { margin: 10px 0 0; padding-left: 20px; }
ul.tips li { margin: 4px 0; }
.ok { color: var(--muted); margin: 10px 0 0; }
.warn { background: var(--bad-bg); color: var(--bad); border-radius: 8px; padding: 8px 12px; margin: 0 0 16px; }
footer { color: var(--muted); font-size: .85rem; }
@media (max-width: 520px) { main { padding: 10px; } th, td { padding: 4px 5px; font-size: .88rem; } }
"""


def _chart(report: dict[str, Any], names: list[str]) -> str:
    weeks = report["weeks"]
    values = [p["work_hours"] for w in weeks for p in w["partners"].values()]
    limits = [w.get("thresholds", {}).get("weekly_work_hours") for w in weeks]
    top = max([10.0, *values, *(x for x in limits if x is not None)]) * 1.1
    top = float(int((top + 9) // 10 * 10))
    plot_w, plot_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B

    def y(value: float) -> float:
        return PAD_T + plot_h - value / top * plot_h

    parts = [
        f'<svg viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="Work hours per week and partner against the weekly limit" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">'
    ]
    step = 10 if top <= 60 else 20
    for tick in range(0, int(top) + 1, step):
        parts.append(f'<line x1="{PAD_L}" x2="{CHART_W - PAD_R}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e7ed"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#5d6878">{tick}</text>')
    group = plot_w / max(len(weeks), 1)
    label_every = max(1, -(-len(weeks) // 8))  # at most 8 week labels
    bar = min(30.0, group * 0.75 / max(len(names), 1))
    for index, week in enumerate(weeks):
        x0 = PAD_L + index * group
        over = any(p["overloaded"] for p in week["partners"].values())
        if over:
            parts.append(
                f'<rect class="over-week" x="{x0 + 2:.1f}" y="{PAD_T}" width="{group - 4:.1f}" height="{plot_h}" fill="#fdecea" rx="4"/>'
            )
        start = x0 + (group - bar * len(names)) / 2
        for n_index, name in enumerate(names):
            p = week["partners"].get(name)
            if p is None:
                continue
            bx = start + n_index * bar
            value = p["work_hours"]
            stroke = ' stroke="#c0392b" stroke-width="2"' if p["overloaded"] and bar >= 10 else ""
            parts.append(
                f'<rect class="bar" x="{bx + 1:.1f}" y="{y(value):.1f}" width="{bar - 2:.1f}" height="{y(0) - y(value):.1f}" '
                f'fill="{COLOURS[n_index % len(COLOURS)]}"{stroke} rx="2"><title>{escape(person(name))} {week["week"]}: {value:.1f} h</title></rect>'
            )
            if bar >= 14:
                parts.append(
                    f'<text x="{bx + bar / 2:.1f}" y="{y(value) - 4:.1f}" text-anchor="middle" font-size="11" fill="#1d2430">{value:.0f}</text>'
                )
        limit = limits[index]
        if limit is not None:
            parts.append(
                f'<line class="limit" x1="{x0 + 4:.1f}" x2="{x0 + group - 4:.1f}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" '
                f'stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/>'
            )
        if index % label_every:
            continue
        label = week["week"].split("-")[-1]
        monday = dt.date.fromisoformat(week["start"])
        parts.append(f'<text x="{x0 + group / 2:.1f}" y="{CHART_H - PAD_B + 16}" text-anchor="middle" fill="#1d2430">{label}</text>')
        parts.append(
            f'<text x="{x0 + group / 2:.1f}" y="{CHART_H - PAD_B + 30}" text-anchor="middle" fill="#5d6878" font-size="11">{monday:%d %b}</text>'
        )
    parts.append(f'<line x1="{PAD_L}" x2="{CHART_W - PAD_R}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#1d2430"/>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{escape(person(n))}</span>' for i, n in enumerate(names)
    )
    legend += '<span><i style="background:#c0392b;height:3px;vertical-align:3px"></i>weekly limit</span>'
    legend += '<span><i style="background:#fdecea;border:1px solid #c0392b"></i>overloaded week</span>'
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _week_card(week: dict[str, Any]) -> str:
    names = list(week["partners"])
    monday = dt.date.fromisoformat(week["start"])
    over = any(p["overloaded"] for p in week["partners"].values())
    pills = [f'<span class="pill">{escape(STATUS.get(week.get("status", ""), ""))}</span>']
    if week["collision"]:
        pills.append('<span class="pill bad">both overloaded</span>' if len(names) == 2 else '<span class="pill bad">all overloaded</span>')
    elif over:
        pills.append('<span class="pill bad">overloaded</span>')
    head = f"<h2>{escape(week['week'])} <span>{escape(week_range(monday))}</span> {''.join(pills)}</h2>"
    rows = [
        "<tr><th></th>"
        + "".join(f"<th>{escape(person(n))}{' ⚠' if week['partners'][n]['overloaded'] else ''}</th>" for n in names)
        + "<th>limit</th></tr>"
    ]
    for label, key, threshold in ROWS:
        cells = []
        for n in names:
            p = week["partners"][n]
            bad = threshold is not None and threshold in p["reasons"]
            attr = ' class="bad"' if bad else ""
            cells.append(f"<td{attr}>{escape(cell_text(key, p, week.get('status', '')))}</td>")
        rows.append(f"<tr><td>{escape(label)}</td>{''.join(cells)}<td>{escape(limit_text(week, threshold))}</td></tr>")
    table = f'<div class="scroll"><table>{"".join(rows)}</table></div>'
    tips = week.get("suggestions", [])
    if tips:
        body = '<ul class="tips">' + "".join(f"<li>{escape(s['text'])}</li>" for s in tips) + "</ul>"
    else:
        body = '<p class="ok">Nothing over the limits.</p>'
    return f'<section class="card{" over" if over else ""}">{head}{table}{body}</section>'


def report_html(report: dict[str, Any]) -> str:
    names: list[str] = []
    for week in report["weeks"]:
        for name in week["partners"]:
            if name not in names:
                names.append(name)
    meta = f"Time zone {escape(report['timezone'])}"
    if report.get("generated_at"):
        meta += f" · as of {dt.datetime.fromisoformat(report['generated_at']):%a %d %b %Y %H:%M}"
    warnings = "".join(
        f'<p class="warn">Not read: {escape(f["partner"])}/{escape(f["calendar"])}: {escape(f["error"])} — numbers are incomplete.</p>'
        for f in report.get("failed", [])
    )
    cards = "".join(_week_card(w) for w in report["weeks"])
    chart = f'<section class="card chart"><h2>Work hours per week</h2>{_chart(report, names)}</section>' if report["weeks"] else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Weekly load balance</title>"
        f"<style>{CSS}</style></head><body><main>"
        f'<h1>Weekly load balance</h1><p class="meta">{meta}</p>{warnings}{chart}{cards}'
        "<footer>Work is the union of busy events on work calendars (declined, free and all-day events do not count). "
        "Made by calsync.</footer>"
        "</main></body></html>\n"
    )
