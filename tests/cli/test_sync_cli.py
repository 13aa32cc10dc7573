"""The commands end to end on iCal files: contract JSON shapes, exit codes, safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calsync.cli import main
from tests.fakes.feed_server import feed_server
from tests.helpers import CONFIG, calendar, household, vevent

NOW = "2026-11-30T08:00"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def alex_calendar() -> str:
    return calendar(
        vevent("dinner@x", "Client dinner", "20261201T190000", "20261201T213000"),
        vevent("standup@x", "Standup", "20261130T091500", "20261130T093000", "RRULE:FREQ=DAILY;COUNT=10"),
    )


def test_plan_json_has_the_contract_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, alex=alex_calendar())
    code, data = run_json(capsys, "plan", "--json", "--config", str(cfg), "--now", NOW)
    assert code == 0
    assert data["changes"] and data["conflicts"]
    change = data["changes"][0]
    assert set(change) >= {"action", "partner", "calendar", "rule", "key", "start", "end", "title"}
    assert change["action"] == "create"
    dinner = [c for c in data["changes"] if c["rule"] == "family-dinner" and c["start"].startswith("2026-11-30")]
    assert dinner[0]["start"] == "2026-11-30T18:30:00+01:00" and dinner[0]["end"] == "2026-11-30T20:00:00+01:00"
    [conflict] = [c for c in data["conflicts"] if c["rule"] == "family-dinner"]
    assert conflict == {
        "partner": "alex", "calendar": "work", "rule": "family-dinner",
        "start": "2026-12-01T19:00:00+01:00", "end": "2026-12-01T21:30:00+01:00", "event": "Client dinner",
    }


def test_plan_writes_nothing_and_sync_does_what_plan_showed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, alex=alex_calendar())
    before = (tmp_path / "alex-work.ics").read_bytes()
    _, planned = run_json(capsys, "plan", "--json", "--config", str(cfg), "--now", NOW)
    assert (tmp_path / "alex-work.ics").read_bytes() == before
    code, synced = run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    assert code == 0
    assert synced == {"created": len(planned["changes"]), "updated": 0, "deleted": 0, "unchanged": 0, "failed": []}
    code, again = run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    assert again["created"] == again["updated"] == again["deleted"] == 0 and again["unchanged"] == len(planned["changes"])
    text = (tmp_path / "alex-work.ics").read_bytes()
    assert before[:-len(b"END:VCALENDAR\r\n")] in text  # the user's events are kept byte for byte


def test_a_stale_horizon_day_moves_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path)
    run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    _, next_day = run_json(capsys, "plan", "--json", "--config", str(cfg), "--now", "2026-12-01T08:00")
    assert {c["action"] for c in next_day["changes"]} == {"create"}  # only the new last day of the horizon
    assert {c["start"][:10] for c in next_day["changes"]} == {"2026-12-28"}


@pytest.mark.parametrize("breakage", ["missing", "garbage", "http500"])
def test_a_calendar_that_cannot_be_read_makes_sync_exit_1_and_delete_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: str
) -> None:
    with feed_server() as (url, feed):
        feed.body = calendar(vevent("m@x", "Meeting", "20261201T100000", "20261201T110000")).encode()
        config = CONFIG + f"""      feed:
        source: ics
        url: {url}/private/sam-token-0123456789abcdef.ics
        role: work
      home:
        source: ics
        path: sam-home.ics
        role: personal
"""
        cfg = household(tmp_path, config=config)
        (tmp_path / "sam-home.ics").write_text(calendar())
        code, first = run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
        assert code == 0 and first["created"] > 0
        # remove every rule, then break one calendar: nothing may be deleted anywhere
        (tmp_path / "rules" / "household.yaml").write_text("no_work_zones: []\n")
        before = {p: (tmp_path / p).read_bytes() for p in ("alex-work.ics", "sam-work.ics")}
        if breakage == "missing":
            (tmp_path / "sam-home.ics").rename(tmp_path / "elsewhere.ics")
        elif breakage == "garbage":
            (tmp_path / "sam-work.ics").write_text("<html>oops</html>")
            before["sam-work.ics"] = (tmp_path / "sam-work.ics").read_bytes()
        else:
            feed.status = 500
        code, result = run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
        assert code == 1
        assert result["deleted"] == 0 and result["failed"]
        assert {p: (tmp_path / p).read_bytes() for p in before} == before
        assert "0123456789abcdef" not in json.dumps(result)


def test_feed_is_revalidated_with_etag_and_not_downloaded_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with feed_server() as (url, feed):
        feed.body = calendar(vevent("m@x", "Meeting", "20261201T100000", "20261201T110000")).encode()
        config = CONFIG + f"""      feed:
        source: ics
        url: {url}/feed.ics
        role: work
"""
        cfg = household(tmp_path, config=config)
        main(["sync", "--config", str(cfg), "--now", NOW])
        main(["sync", "--config", str(cfg), "--now", NOW])
        capsys.readouterr()
        assert len(feed.requests) == 2
        assert "if-none-match" not in feed.requests[0]
        assert feed.requests[1]["if-none-match"].startswith('"')


def test_deletion_safety_limit_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, config=CONFIG + "safety:\n  max_deletes: 5\n")
    run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    (tmp_path / "rules" / "household.yaml").write_text("no_work_zones: []\n")
    before = (tmp_path / "alex-work.ics").read_bytes()
    code = main(["sync", "--config", str(cfg), "--now", NOW])
    captured = capsys.readouterr()
    assert code == 1 and "--force" in captured.err
    assert (tmp_path / "alex-work.ics").read_bytes() == before
    code, result = run_json(capsys, "sync", "--json", "--force", "--config", str(cfg), "--now", NOW)
    assert code == 0 and result["deleted"] > 5


def test_user_deleted_block_is_released_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path)
    run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    _, planned = run_json(capsys, "plan", "--json", "--config", str(cfg), "--now", NOW)
    assert planned["changes"] == []
    from calsync.connectors.ics_text import split_calendar

    path = tmp_path / "alex-work.ics"
    split = split_calendar(path.read_bytes().decode(), "x")
    victim = next(c for c in split.components if "SUMMARY:Busy" in c.text and "2026120" in c.text)
    path.write_bytes(path.read_bytes().replace(victim.text.encode(), b""))
    code, planned = run_json(capsys, "plan", "--json", "--config", str(cfg), "--now", NOW)
    assert code == 0 and planned["changes"] == [] and len(planned["released"]) == 1
    run_json(capsys, "sync", "--json", "--config", str(cfg), "--now", NOW)
    assert victim.text.encode() not in path.read_bytes()


def test_bad_now_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path)
    assert main(["plan", "--config", str(cfg), "--now", "next tuesday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


def test_report_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, alex=alex_calendar())
    code, data = run_json(capsys, "report", "--format", "json", "--config", str(cfg), "--now", NOW)
    assert code == 0
    assert data["timezone"] == "Europe/Berlin" and len(data["weeks"]) == 4
    week = data["weeks"][0]
    assert (week["week"], week["start"], week["collision"]) == ("2026-W49", "2026-11-30", False)
    alex = week["partners"]["alex"]
    for key in ("work_hours", "overloaded", "reasons", "weekend_work_hours", "protected_hours_invaded", "travel_days", "rituals_placed", "rituals_missed"):
        assert key in alex
    assert alex["work_hours"] == pytest.approx(2.5 + 7 * 0.25)
    # 19:00-20:00 inside the dinner zone, and the weekend's two standups
    assert alex["protected_hours_invaded"] == pytest.approx(1.5)
    assert alex["weekend_work_hours"] == pytest.approx(0.5)
    assert alex["overloaded"] is False and alex["reasons"] == []


def test_state_file_is_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path)
    main(["sync", "--config", str(cfg), "--now", NOW])
    assert (tmp_path / "state.db").stat().st_mode & 0o077 == 0
