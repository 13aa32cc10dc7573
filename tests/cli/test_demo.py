"""`calsync demo`: the main job on the bundled sample household, with no accounts or network."""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.cli import main


def test_demo_plans_syncs_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--now", "2026-11-26T09:00"]) == 0
    out = capsys.readouterr().out
    assert "Client dinner with Nordwind" in out  # the invaded family dinner is named
    assert "family-dinner" in out
    assert "A second plan now finds 0 changes" in out
    assert "Weekly load balance" in out and "2026-W49" in out
    work = (tmp_path / "demo" / "calendars" / "alex-work.ics").read_text()
    assert "X-CALSYNC-KEY" in work and "UID:alex-standup@example.org" in work


def test_demo_sample_rules_match_the_example_rules() -> None:
    root = Path(__file__).resolve().parents[2]
    bundled = root / "calsync" / "samples" / "household.yaml"
    assert bundled.read_text() == (root / "rules" / "household.yaml").read_text()


def test_demo_shifts_sample_weeks_to_next_week() -> None:
    import datetime as dt

    from calsync.samples.materialize import shift_calendar

    text = "BEGIN:VEVENT\r\nDTSTAMP:20261101T090000Z\r\nDTSTART;TZID=Europe/Berlin:20261201T190000\r\nEXDATE:20261202T091500Z,20261203T091500Z\r\nEND:VEVENT\r\n"
    shifted = shift_calendar(text, 14)
    assert "DTSTART;TZID=Europe/Berlin:20261215T190000" in shifted
    assert "EXDATE:20261216T091500Z,20261217T091500Z" in shifted
    assert "DTSTAMP:20261101T090000Z" in shifted  # only event times move
    assert dt.date(2026, 12, 15).weekday() == dt.date(2026, 12, 1).weekday()
