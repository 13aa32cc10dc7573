"""Report formats: json (the contract), table (terminal), markdown (a shared note), html (one file)."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("table", "markdown", "json", "html")


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def render(report: dict[str, Any], fmt: str, *, color: bool = False) -> str:
    """The report in `fmt`; `color` adds ANSI colours to the table (only for a terminal)."""
    if fmt == "json":
        return report_json(report)
    if fmt == "markdown":
        from calsync.report.markdown import report_markdown

        return report_markdown(report)
    if fmt == "html":
        from calsync.report.html import report_html

        return report_html(report)
    from calsync.report.table import report_table

    return report_table(report, color=color)
