"""One real calendar configured under both partners (a shared family calendar): each entry
manages only its own blocks, so neither deletes the other's (regression)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calsync.cli import main
from tests.helpers import calendar, write

CONFIG = """\
timezone: Europe/Berlin
state: state.db
rules: [rules.yaml]
partners:
  alex:
    calendars:
      family: {source: ics, path: family.ics, role: shared, write: true}
  sam:
    calendars:
      family: {source: ics, path: family.ics, role: shared, write: true}
"""
RULES = """\
rituals:
  - name: breakfast
    who: [alex, sam]
    days: [weekdays]
    time: "07:15-07:45"
"""


def test_both_partners_blocks_live_side_by_side_in_one_calendar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "calsync.yaml", CONFIG)
    write(tmp_path / "rules.yaml", RULES)
    (tmp_path / "family.ics").write_text(calendar())
    args = ["sync", "--json", "--config", str(tmp_path / "calsync.yaml"), "--now", "2026-11-30T06:00"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["created"] == 40 and first["deleted"] == 0  # 20 weekdays, once per partner
    for _ in range(2):  # the second run parses the file, the third reads the parse cache in the state
        assert main(args) == 0
        again = json.loads(capsys.readouterr().out)
        assert again == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 40, "failed": []}
    text = (tmp_path / "family.ics").read_text()
    assert text.count("X-CALSYNC-OWNER:household:alex/family") == 20
    assert text.count("X-CALSYNC-OWNER:household:sam/family") == 20


def test_a_visibility_change_rewrites_the_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "calsync.yaml", CONFIG)
    write(tmp_path / "rules.yaml", RULES)
    (tmp_path / "family.ics").write_text(calendar())
    args = ["sync", "--json", "--config", str(tmp_path / "calsync.yaml"), "--now", "2026-11-30T06:00"]
    main(args)
    capsys.readouterr()
    assert "CLASS:" not in (tmp_path / "family.ics").read_text()  # default visibility on a shared calendar
    write(tmp_path / "rules.yaml", RULES + "    visibility: private\n")
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["updated"] == 40 and result["created"] == result["deleted"] == 0
    assert (tmp_path / "family.ics").read_text().count("CLASS:PRIVATE") == 40
    main(args)
    assert json.loads(capsys.readouterr().out)["unchanged"] == 40
