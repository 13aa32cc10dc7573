"""calsync against the real-world calendars in ../shared/corpus/ics (skipped when absent).

Good files give numbers through the real CLI; broken ones give a clear error naming the file;
nothing crashes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zoneinfo
from pathlib import Path

import pytest

from calsync.cli import main
from calsync.errors import ParseError
from calsync.model import CalendarRef, Window
from calsync.recurrence import expand_calendar, parse_calendar
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "ics"
FILES = sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else []
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not FILES, reason="../shared/corpus/ics is not available"),
]


def first_timed_week(path: Path) -> dt.date | None:
    cal = parse_calendar(path.read_bytes(), path.name)
    logging.disable(logging.WARNING)
    try:
        result = expand_calendar(cal, Window(dt.datetime(1995, 1, 1, tzinfo=BERLIN), dt.datetime(2035, 1, 1, tzinfo=BERLIN)), BERLIN, CalendarRef("a", "work"))
    finally:
        logging.disable(logging.NOTSET)
    timed = sorted(o.start for o in result.occurrences if o.busy and o.end > o.start)
    return timed[0].date() if timed else None


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_calendar(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        start = first_timed_week(path)
    except ParseError as exc:
        assert path.name in str(exc)
        config = tmp_path / "calsync.yaml"
        config.write_text(
            f"timezone: Europe/Berlin\nstate: state.db\npartners:\n  alex:\n    calendars:\n      work: {{source: ics, path: '{path}', role: work}}\n"
        )
        assert main(["report", "--format", "json", "--config", str(config), "--now", "2026-11-30T08:00"]) == 1
        assert path.name in capsys.readouterr().err
        return
    config = tmp_path / "calsync.yaml"
    config.write_text(
        "timezone: Europe/Berlin\nstate: state.db\nrules: [rules.yaml]\npartners:\n  alex:\n    calendars:\n"
        f"      work: {{source: ics, path: '{path}', role: work}}\n"
        "      blocks: {source: ics, path: blocks.ics, role: work, write: true}\n"
    )
    (tmp_path / "rules.yaml").write_text(
        "no_work_zones:\n  - {name: evenings, who: [alex], days: [weekdays], time: '19:00-24:00'}\nload: {weekly_work_hours: 40}\n"
    )
    when = start or dt.date(2026, 11, 30)
    code = main(["report", "--format", "json", "--weeks", "2", "--from", when.isoformat(), "--config", str(config), "--now", f"{when}T08:00"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    hours = [w["partners"]["alex"]["work_hours"] for w in data["weeks"]]
    assert all(isinstance(h, float) and 0 <= h <= 168 for h in hours)
    if start is not None:
        assert hours[0] > 0
    code = main(["sync", "--json", "--config", str(config), "--now", f"{when}T08:00"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["failed"] == []
