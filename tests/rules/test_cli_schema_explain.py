"""`calsync schema`, the shipped example rules, `calsync explain`, and a moved ritual seen through `plan`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from calsync.cli import main
from calsync.config import load_config
from calsync.rules.jsonschema import SCHEMA_COMMENT, SCHEMA_FILE, rules_schema, schema_text
from calsync.samples.materialize import materialize
from tests.helpers import household, vevent
from tests.rules.support import WALK

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "rules" / "household.yaml"
SAMPLE = ROOT / "calsync" / "samples" / "household.yaml"


def test_schema_command_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == rules_schema()
    shipped = (ROOT / "rules" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text(), "rules/calsync-rules.schema.json is stale: run `calsync schema --output rules/calsync-rules.schema.json`"
    assert (ROOT / "calsync" / "samples" / SCHEMA_FILE).read_text(encoding="utf-8") == shipped
    jsonschema.Draft202012Validator.check_schema(rules_schema())


def test_example_rules_are_the_demo_rules_and_reference_the_schema() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == SAMPLE.read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT


def test_example_rules_use_every_rule_kind_and_pass_the_json_schema() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert set(data) == set(rules_schema()["properties"])  # every top-level section is used
    assert any("duration" in r for r in data["rituals"]) and any("days" in r for r in data["rituals"])
    # YAML 1.2 editors read dates as strings
    for season in data["seasons"]:
        season["from"], season["to"] = str(season["from"]), str(season["to"])
    jsonschema.validate(data, rules_schema())
    bad = {"rituals": [{"name": "x", "who": ["alex"], "days": ["someday"], "time": "7-8"}]}
    assert len(list(jsonschema.Draft202012Validator(rules_schema()).iter_errors(bad))) >= 2


def test_the_demo_household_loads_with_the_example_rules(tmp_path: Path) -> None:
    config = load_config(materialize(tmp_path, __import__("datetime").date(2026, 11, 26)))
    assert {r.name for r in config.rules.all_rules()} >= {"family-dinner", "state-of-the-union", "evening-walk", "slow-morning", "groceries"}
    assert (tmp_path / "rules" / SCHEMA_FILE).exists()
    assert config.rules.seasons[0].from_.isoformat() == "2026-12-07"


def test_explain_a_day_of_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    path = materialize(tmp_path, dt.date(2026, 11, 26))
    assert main(["explain", "--config", str(path), "--now", "2026-11-26T09:00", "--date", "2026-12-09"]) == 0
    text = capsys.readouterr().out
    assert "Explain Wed 09 Dec 2026" in text
    assert "away: yes (Flight BER → LIS, Trip: client workshop in Lisbon)" in text
    assert "groceries" in text and "alex covers" in text
    assert 'season "launch" sets it aside' in text
    assert main(["explain", "--config", str(path), "--now", "2026-11-26T09:00", "--date", "2026-12-09", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sam = data["partners"]["sam"]
    assert sam["away"] is True and sam["work_hours"] > 8
    breakfast = next(r for r in sam["rules"] if r["rule"] == "breakfast")
    assert (breakfast["status"], breakfast["reason"]) == ("away", "sam is away on Wed 09 Dec")
    assert main(["explain", "--config", str(path), "--date", "09.12.2026"]) == 2


def add_event(path: Path, event: str) -> None:
    """A user adds an event to a calendar that already holds calsync's blocks."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("END:VCALENDAR", event.rstrip("\r\n") + "\r\nEND:VCALENDAR", 1), encoding="utf-8", newline="")


def test_plan_after_sync_moves_one_ritual_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = household(tmp_path, rules=WALK)
    now = "2026-11-30T08:00"
    assert main(["sync", "--config", str(path), "--now", now]) == 0
    capsys.readouterr()
    # an unrelated new event: nothing to do
    add_event(tmp_path / "sam-work.ics", vevent("u1", "Standup", "20261201T090000", "20261201T091500"))
    assert main(["plan", "--json", "--config", str(path), "--now", now]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []
    # a conflict on the walk's time: the walk moves, on both calendars, and says why
    add_event(tmp_path / "sam-work.ics", vevent("u2", "Climbing", "20261206T173000", "20261206T190000"))
    assert main(["plan", "--json", "--config", str(path), "--now", now]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(c["action"], c["partner"], c["rule"], c["start"]) for c in plan["changes"]] == [
        ("update", "alex", "walk", "2026-12-06T19:00:00+01:00"),
        ("update", "sam", "walk", "2026-12-06T19:00:00+01:00"),
    ]
    assert all('"Climbing" (sam)' in c["reason"] for c in plan["changes"])
    assert plan["notes"] and "moved from Sun 06 Dec 18:00–19:00" in plan["notes"][0]
    assert main(["plan", "--config", str(path), "--now", now]) == 0
    assert "Why things moved:" in capsys.readouterr().out


def test_a_weekly_ritual_held_on_monday_is_not_placed_again_on_thursday(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = WALK.replace("days: [sun]", "days: [mon, thu]").replace('"18:00"', "earliest")
    path = household(tmp_path, rules=rules)
    assert main(["sync", "--config", str(path), "--now", "2026-11-30T08:00"]) == 0
    capsys.readouterr()
    assert "SUMMARY:Busy" in (tmp_path / "alex-work.ics").read_text(encoding="utf-8")
    assert main(["plan", "--json", "--config", str(path), "--now", "2026-12-03T08:00"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [c for c in plan["changes"] if c["start"].startswith("2026-12-03")] == []
    assert plan["missed"] == [] and plan["released"] == []
