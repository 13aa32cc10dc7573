"""`calsync status`: per calendar the last sync, errors, blocks owned and token expiry, also when
the daemon is not running or a rule file is broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calsync.cli import main
from tests.daemon.conftest import add_calendar


def test_before_any_sync(household: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--config", str(household)], {}) == 0
    out = capsys.readouterr().out
    assert "No state yet" in out and "daemon: not running" in out
    assert "alex/work: last sync never; 0 blocks owned" in out
    assert main(["status", "--check", "--config", str(household)], {}) == 1  # no daemon: unhealthy


def test_after_a_sync(household: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(household)], {}) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(household)], {}) == 0
    data = json.loads(capsys.readouterr().out)
    alex = next(c for c in data["calendars"] if c["calendar"] == "alex/work")
    assert alex["last_success"] and alex["blocks_owned"] > 0 and alex["last_error"] is None
    assert data["last_run"]["command"] == "sync" and data["last_run"]["ok"] == 1
    assert data["daemon"]["running"] is False and data["daemon"]["lock"] is None
    assert main(["status", "--config", str(household)], {}) == 0
    assert "last run: sync at" in capsys.readouterr().out


def test_token_expiry_and_problems(household: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secrets = household.parent / "secrets"
    secrets.mkdir()
    token = secrets / "alex.json"
    token.write_text(json.dumps({"token": "abcd-access", "refresh_token": "efgh-refresh", "expiry": "2026-11-26T10:00:00Z"}))
    token.chmod(0o644)
    add_calendar(household, "alex", "google", ["source: google", "token: secrets/alex.json"])
    assert main(["status", "--config", str(household)], {}) == 0
    out = capsys.readouterr().out
    assert "2026-11-26 10:00 UTC" in out  # the access token's expiry
    assert "should be 600" in out
    assert "abcd-access" not in out and "efgh-refresh" not in out
    token.write_text(json.dumps({"token": "abcd-access"}))
    assert main(["status", "--config", str(household)], {}) == 0
    assert "no refresh token" in capsys.readouterr().out
    token.unlink()
    assert main(["status", "--config", str(household)], {}) == 0
    assert "no token: run `calsync auth google --partner alex --calendar google`" in capsys.readouterr().out


def test_a_broken_rule_file_still_shows_the_state(household: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(household)], {}) == 0
    rules = household.parent / "rules" / "household.yaml"
    rules.write_text(rules.read_text().replace("days: [sat, sun]", "days: [caturday]"))
    assert main(["status", "--config", str(household)], {}) == 0
    out = capsys.readouterr().out
    assert "configuration problem:" in out and "caturday" in out
    assert "blocks owned" in out
    assert main(["validate", "--config", str(household)], {}) == 2
