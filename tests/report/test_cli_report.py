"""`calsync report` and `calsync demo` end to end: formats, --output, --from/--weeks, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from calsync.cli import main
from calsync.samples.demo import run_demo
from tests.report.household import calendar, event, write_household

NOW = "2026-11-26T09:00"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    assert run_demo(root, NOW, lines.append, lines.append, {}) == 0
    return root / "calsync.yaml"


def test_json_report_on_the_demo_keeps_the_contract(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--config", str(demo), "--now", NOW, "--format", "json"], {}) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["timezone"] == "Europe/Berlin"
    assert [w["week"] for w in data["weeks"]] == ["2026-W48", "2026-W49", "2026-W50", "2026-W51"]
    assert [w["status"] for w in data["weeks"]] == ["current", "upcoming", "upcoming", "upcoming"]
    contract = {
        "work_hours", "overloaded", "reasons", "weekend_work_hours", "protected_hours_invaded",
        "travel_days", "rituals_placed", "rituals_missed",
    }
    for week in data["weeks"]:
        assert {"week", "start", "collision", "partners"} <= set(week)
        assert set(week["partners"]) == {"alex", "sam"}
        for p in week["partners"].values():
            assert contract <= set(p)
    # the sample week (W49) is the one where both are stretched
    w49 = data["weeks"][1]
    assert w49["collision"] is True
    assert "evening_work_hours" in w49["partners"]["alex"]["reasons"]
    assert w49["suggestions"]


def test_from_and_weeks_choose_the_weeks(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--config", str(demo), "--now", NOW, "--format", "json", "--from", "2026-12-09", "--weeks", "2"], {}) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(w["week"], w["start"]) for w in data["weeks"]] == [("2026-W50", "2026-12-07"), ("2026-W51", "2026-12-14")]


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "html"])
def test_output_writes_the_file(demo: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--config", str(demo), "--now", NOW, "--format", fmt, "--output", str(out)], {}) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\x1b[" not in text
    if fmt == "json":
        assert json.loads(text)["weeks"]
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<svg" in text


def test_table_is_the_default_and_has_no_colour_off_a_terminal(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--config", str(demo), "--now", NOW], {}) == 0
    out = capsys.readouterr().out
    assert out.startswith("Weekly load balance · Europe/Berlin")
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_bad_format_and_bad_from_are_usage_errors(demo: Path) -> None:
    assert main(["report", "--config", str(demo), "--format", "pdf"], {}) == 2
    assert main(["report", "--config", str(demo), "--from", "next week"], {}) == 2


def test_unreadable_calendar_exits_1_and_says_numbers_are_incomplete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_household(
        tmp_path,
        {"alex": {"work": ("work", calendar(event("a", "20261130T090000", "20261130T100000")))}, "sam": {"work": ("work", calendar())}},
    )
    broken = tmp_path / "cal" / "sam-work.ics"
    broken.write_text("this is not a calendar", encoding="utf-8")
    assert main(["report", "--config", str(config), "--now", NOW, "--format", "json"], {}) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["failed"][0]["partner"] == "sam" and data["failed"][0]["calendar"] == "work"
    assert main(["report", "--config", str(config), "--now", NOW], {}) == 1
    assert "Not read: sam/work" in capsys.readouterr().out


def test_demo_ends_with_a_report_readable_at_a_glance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path / "d"), "--now", NOW], {}) == 0
    out = capsys.readouterr().out
    report = out[out.index("== 3. report") : out.index("Look around")]
    assert "Weekly load balance · Europe/Berlin" in report
    assert "BOTH OVERLOADED" in report
    assert max(len(ANSI.sub("", line)) for line in report.splitlines()) <= 80


def test_output_to_an_unwritable_place_is_a_runtime_failure(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["report", "--config", str(demo), "--now", NOW, "--output", str(blocker / "report.txt")], {}) == 1
    assert "cannot write the report to" in capsys.readouterr().err


def test_write_report_is_callable_without_the_cli(demo: Path, tmp_path: Path) -> None:
    """What the daemon calls weekly: state + calendars in, a file out, replaced atomically."""
    import datetime as dt

    from calsync.config import load_config
    from calsync.report.output import write_report
    from calsync.service import Household
    from tests.conftest import BERLIN

    target = tmp_path / "weekly" / "report.html"
    with Household.open(load_config(demo, {})) as household:
        data, reads = write_report(household, dt.datetime(2026, 11, 26, 9, tzinfo=BERLIN), target, "html", weeks=2)
    assert not reads.failed
    assert [w["week"] for w in data["weeks"]] == ["2026-W48", "2026-W49"]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temp files left behind
