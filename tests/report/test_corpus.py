"""The contract's JSON holds on real-world calendars (../shared/corpus/ics; skipped when absent).

Each file is one partner's work calendar; the report covers the two weeks from the file's first
event. Broken files must give a `failed` entry and exit 1, never a crash or made-up numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from calsync.cli import main
from tests.conftest import SHARED


def _corpus() -> Path:
    """../shared/corpus/ics next to the checkout (or a worktree of it)."""
    for base in (SHARED, *(parent / "shared" for parent in Path(__file__).resolve().parents)):
        if (base / "corpus" / "ics").is_dir():
            return base / "corpus" / "ics"
    return SHARED / "corpus" / "ics"


CORPUS = _corpus()
FILES = sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else []
FIRST_DATE = re.compile(rb"^DTSTART[^:\r\n]*:(\d{8})", re.MULTILINE)
CONTRACT = {
    "work_hours": float,
    "overloaded": bool,
    "reasons": list,
    "weekend_work_hours": float,
    "protected_hours_invaded": float,
    "travel_days": int,
    "rituals_placed": int,
    "rituals_missed": int,
}

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not FILES, reason="../shared/corpus/ics is not available"),
]


def _household(tmp_path: Path, ics: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(
        "no_work_zones:\n  - {name: evenings, who: [alex], days: [daily], time: '19:00-24:00'}\n"
        "rituals:\n  - {name: breakfast, who: [alex], days: [weekdays], time: '07:15-07:45'}\n"
        "load:\n  weekly_work_hours: 40\n  evening_work_hours: 5\n",
        encoding="utf-8",
    )
    config = tmp_path / "calsync.yaml"
    config.write_text(
        "timezone: Europe/Berlin\nstate: state.db\nrules: [rules.yaml]\npartners:\n"
        f"  alex:\n    calendars:\n      work: {{source: ics, path: '{ics}', role: work}}\n"
        "  sam:\n    calendars:\n      home: {source: ics, path: empty.ics, role: work, write: true}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("ics", FILES, ids=[f.name for f in FILES])
def test_contract_json_on_real_world_calendar(tmp_path: Path, ics: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = FIRST_DATE.search(ics.read_bytes())
    start = dt.datetime.strptime(found.group(1).decode(), "%Y%m%d").date() if found else dt.date(2026, 11, 26)
    start = max(start, dt.date(1971, 1, 1))
    config = _household(tmp_path, ics)
    status = main(
        ["report", "--config", str(config), "--now", f"{start.isoformat()}T12:00", "--from", start.isoformat(), "--weeks", "2", "--format", "json"],
        {},
    )
    captured = capsys.readouterr()
    assert status in (0, 1), captured.err
    data = json.loads(captured.out)
    assert data["timezone"] == "Europe/Berlin"
    assert len(data["weeks"]) == 2
    if status == 1:
        assert data["failed"] and data["failed"][0]["calendar"] == "work"
    for week in data["weeks"]:
        assert re.fullmatch(r"\d{4}-W\d{2}", week["week"])
        assert dt.date.fromisoformat(week["start"]).weekday() == 0
        assert week["collision"] == all(p["overloaded"] for p in week["partners"].values())
        for partner in week["partners"].values():
            for key, kind in CONTRACT.items():
                assert isinstance(partner[key], kind), (key, partner[key])
            assert 0.0 <= partner["weekend_work_hours"] <= partner["work_hours"] <= week["hours_in_week"]
            assert partner["protected_hours_invaded"] <= partner["work_hours"]
            assert partner["overloaded"] == bool(partner["reasons"])
