"""Report formats: snapshots of table and markdown, 80 columns, colour only when asked, self-contained HTML.

Snapshots live in tests/report/snapshots/; after an intended change, regenerate them with
`UPDATE_SNAPSHOTS=1 pytest tests/report/test_render.py` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from calsync.report.render import render
from tests.report.household import NOW, calendar, event, report_for, write_household
from tests.report.test_flags import RULES, long_days

SNAPSHOTS = Path(__file__).parent / "snapshots"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three weeks: a calm one behind us, a collision with travel this week, a forecast with an invasion."""
    root = tmp_path_factory.mktemp("render")
    alex = [
        event("a-weekly", "20261102T090000", "20261102T170000", "Planning", extra="RRULE:FREQ=WEEKLY;BYDAY=MO,TU"),
        *long_days("a", range(2, 5)),
        event("a-dinner", "20261203T190000", "20261203T213000", "Client dinner with Nordwind"),
        event("a-sat", "20261212T100000", "20261212T140000", "Release weekend on-call"),
    ]
    sam = [
        event("s-weekly", "20261102T093000", "20261102T173000", "Studio", extra="RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH"),
        event("s-ny", "20261202T123000", "20261202T140000", "New York team sync", tz="America/New_York"),
        event("s-fri", "20261204T080000", "20261204T200000", "Pitch day"),
    ]
    trips = calendar(event("trip", "20261209", "20261211", "Lisbon workshop"))
    home = calendar(event("kita", "20261130T150000", "20261130T170000", "Kita pickup"), event("kita2", "20261202T150000", "20261202T170000", "Kita pickup"))
    config = write_household(
        root,
        {
            "alex": {"work": ("work", calendar(*alex))},
            "sam": {"work": ("work", calendar(*sam)), "trips": ("travel", trips), "home": ("shared", home)},
        },
        rules=RULES,
    )
    return report_for(config, dt.datetime(2026, 12, 2, 9, 0, tzinfo=NOW.tzinfo), dt.date(2026, 11, 23), weeks=3)


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}: run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


def test_table_snapshot(sample: dict[str, Any]) -> None:
    check_snapshot("report.table.txt", render(sample, "table") + "\n")


def test_markdown_snapshot(sample: dict[str, Any]) -> None:
    check_snapshot("report.md", render(sample, "markdown"))


def test_table_fits_80_columns_with_and_without_colour(sample: dict[str, Any]) -> None:
    for color in (False, True):
        text = ANSI.sub("", render(sample, "table", color=color))
        assert max(len(line) for line in text.splitlines()) <= 80


def test_colour_only_when_asked(sample: dict[str, Any]) -> None:
    plain = render(sample, "table")
    coloured = render(sample, "table", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31m" in coloured  # overloaded numbers in red
    assert ANSI.sub("", coloured) == plain


def test_json_keeps_the_contract_keys(sample: dict[str, Any]) -> None:
    data = json.loads(render(sample, "json"))
    assert data["timezone"] == "Europe/Berlin"
    for week in data["weeks"]:
        assert re.fullmatch(r"\d{4}-W\d{2}", week["week"])
        assert dt.date.fromisoformat(week["start"]).weekday() == 0
        assert isinstance(week["collision"], bool)
        for p in week["partners"].values():
            assert isinstance(p["work_hours"], float) and isinstance(p["weekend_work_hours"], float)
            assert isinstance(p["protected_hours_invaded"], float)
            assert isinstance(p["overloaded"], bool) and isinstance(p["reasons"], list)
            assert isinstance(p["travel_days"], int) and isinstance(p["rituals_placed"], int)
            assert isinstance(p["rituals_missed"], int)
            assert p["overloaded"] == bool(p["reasons"])
        assert week["collision"] == all(p["overloaded"] for p in week["partners"].values())


def test_html_is_one_self_contained_file(sample: dict[str, Any]) -> None:
    page = render(sample, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<svg" in page and "<style>" in page
    # no external assets: no scripts, stylesheets, images or fonts fetched from anywhere
    assert "<script" not in page and "<link" not in page and "<img" not in page and "@import" not in page
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page)
    assert "url(" not in page
    # one bar per partner per week, the weekly limit drawn, overloaded weeks shaded
    assert page.count('class="bar"') == 6
    assert page.count('class="limit"') == 3
    assert page.count('class="over-week"') == sum(
        1 for w in sample["weeks"] if any(p["overloaded"] for p in w["partners"].values())
    )


def test_html_escapes_event_titles(tmp_path: Path) -> None:
    config = write_household(
        tmp_path,
        {"alex": {"work": ("work", calendar(event("x", "20261130T190000", "20261130T230000", "<script>alert(1)</script>")))}},
        rules="load:\n  evening_work_hours: 1\n",
    )
    page = render(report_for(config, NOW, dt.date(2026, 11, 30)), "html")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_table_names_limits_that_differ_in_a_week(sample: dict[str, Any]) -> None:
    """A season may change the limits for some weeks: the table says so under that week's title."""
    changed = json.loads(json.dumps(sample))
    changed["weeks"][1]["thresholds"] = {"weekly_work_hours": 30.0}
    lines = render(changed, "table").splitlines()
    assert lines.count("  Limits this week: 30 h work/week") == 1
    title = next(i for i, line in enumerate(lines) if line.startswith(changed["weeks"][1]["week"]))
    assert lines[title + 1] == "  Limits this week: 30 h work/week"
