"""calsync end to end (`calsync.cli.main`) with both partners' work calendars on the fake Google server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calsync.cli import main
from calsync.connectors.google import client as gclient
from calsync.state.store import Store
from tests.connectors import google_support
from tests.connectors.google_support import household, no_sleep_policy, timed
from tests.fakes.google_server import FakeGoogle

fake = google_support.fake  # the fixture

NOW = "2026-11-26T09:00"
SAM = "sam@example.org"


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> gclient.RetryPolicy:
    policy = no_sleep_policy()
    monkeypatch.setattr(gclient, "DEFAULT_RETRY", policy)
    return policy


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main([*args, "--now", NOW])
    captured = capsys.readouterr()
    try:
        data = json.loads(captured.out)
    except ValueError:
        data = {}
    return code, data, captured.err


def http_counts(fake: FakeGoogle) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in fake.http_requests():
        counts[r.op] = counts.get(r.op, 0) + 1
    return counts


def test_sync_creates_blocks_and_a_second_sync_costs_one_list_per_calendar(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = household(tmp_path, fake)
    fake.page_size = 250  # pagination has its own tests; here every answer fits one page
    user = fake.put_event(timed("Client dinner", "2026-11-27T19:00", "2026-11-27T21:30"))
    code, planned, _ = run(capsys, "plan", "--json", "--config", str(cfg))
    assert code == 0 and fake.writes() == []
    assert planned["conflicts"][0]["event"] == "Client dinner"
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0, err
    assert result["created"] == len(planned["changes"]) > 0 and result["failed"] == []
    assert len(fake.tagged("primary")) + len(fake.tagged(SAM)) == result["created"]
    for write in fake.writes():
        assert write.tagged_target is True and write.query["sendUpdates"] == ["none"]
    assert fake.events()[user["id"]]["etag"] == user["etag"]  # the user's event untouched

    fake.reset_log()
    code, again, _ = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0 and again["created"] == again["updated"] == again["deleted"] == 0
    assert again["unchanged"] == result["created"]
    assert fake.writes() == []
    lists = [r for r in fake.http_requests() if r.op == "list"]
    assert sorted(r.calendar for r in lists) == ["primary", SAM]  # one request per calendar
    assert all("syncToken" in r.query for r in lists)
    assert len(fake.http_requests()) == 2


def test_a_crash_between_insert_and_state_write_converges(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = household(tmp_path, fake)
    calls = {"n": 0}
    original = Store.record_block

    def crash_after_five(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt("killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record_block", crash_after_five)
    assert main(["sync", "--config", str(cfg), "--now", NOW]) == 1  # "aborted"
    monkeypatch.setattr(Store, "record_block", original)
    written = len(fake.tagged("primary"))
    assert written > 5  # the whole batch reached Google, the state only holds five
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0, err
    code, plan, _ = run(capsys, "plan", "--json", "--config", str(cfg))
    assert plan["changes"] == []
    keys = [e["extendedProperties"]["private"]["calsyncKey"] for e in fake.tagged("primary").values()]
    assert len(keys) == len(set(keys)) == written  # no duplicates


def test_injected_rate_limits_are_retried_and_succeed(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str], _fast_retries: gclient.RetryPolicy
) -> None:
    cfg = household(tmp_path, fake)
    fake.fail("403rate", op="insert", in_batch=True, times=4)
    fake.fail("429", op="list", times=1)
    fake.fail("500", op="batch", times=1)
    fake.fail("drop", op="list", times=2)
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0, err
    assert result["failed"] == [] and result["created"] > 0
    assert all(f.times == 0 for f in fake.faults)
    assert _fast_retries.slept


def test_a_410_triggers_one_full_read(tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    assert run(capsys, "sync", "--json", "--config", str(cfg))[0] == 0
    fake.expire_sync_tokens()
    fake.reset_log()
    code, result, _ = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0 and result["created"] == result["deleted"] == 0 and fake.writes() == []
    for calendar in ("primary", SAM):
        lists = [r for r in fake.requests if r.op == "list" and r.calendar == calendar]
        assert (lists[0].status, "syncToken" in lists[0].query) == (410, True)
        full = lists[1:]
        assert all(r.status == 200 and "syncToken" not in r.query for r in full)
        assert len([r for r in full if "pageToken" not in r.query]) == 2  # the window, and calsync's own events


def test_a_revoked_token_exits_1_with_the_fix_and_deletes_nothing(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = household(tmp_path, fake)
    assert run(capsys, "sync", "--json", "--config", str(cfg))[0] == 0
    before = {cal: len(fake.tagged(cal)) for cal in ("primary", SAM)}
    # alex's refresh token is revoked, and the rules now want nothing at all
    (tmp_path / "rules" / "household.yaml").write_text("no_work_zones: []\n")
    info = json.loads((tmp_path / "secrets" / "alex-google.json").read_text())
    info.update(token="stale", expiry="2020-01-01T00:00:00Z", refresh_token="revoked-refresh")
    (tmp_path / "secrets" / "alex-google.json").write_text(json.dumps(info))
    fake.reset_log()
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 1
    [failure] = result["failed"]
    assert failure["partner"] == "alex" and failure["calendar"] == "work"
    assert "run `calsync auth google --partner alex --calendar work` again" in failure["error"]
    assert fake.writes() == []  # no deletions anywhere while a calendar could not be read
    assert {cal: len(fake.tagged(cal)) for cal in ("primary", SAM)} == before
    code = main(["sync", "--config", str(cfg), "--now", NOW])
    assert code == 1
    assert "calsync auth google --partner alex --calendar work" in capsys.readouterr().err


def test_request_counts_for_a_100_block_first_sync_and_a_no_change_cycle(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    """Prints the numbers the README quotes (no timing assertions)."""
    rules = "no_work_zones:\n" + "".join(
        f'  - name: zone-{i}\n    who: [alex]\n    days: [mon, tue, wed, thu, fri, sat, sun]\n    time: "{h:02d}:00-{h:02d}:30"\n'
        for i, h in enumerate((12, 14, 16, 18))
    )
    cfg = household(tmp_path, fake, rules=rules, horizon_days=25)
    fake.page_size = 250  # Google's default page size
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0, err
    first = http_counts(fake)
    calls = len([r for r in fake.requests if r.batch and r.op != "batch"])
    fake.reset_log()
    assert run(capsys, "sync", "--json", "--config", str(cfg))[0] == 0
    second = http_counts(fake)
    print(f"\nfirst sync: {result['created']} blocks, HTTP requests {first}, {calls} calls inside batches")
    print(f"no-change cycle: HTTP requests {second} (2 calendars)")
    assert result["created"] == 100
    assert first == {"list": 4, "batch": 2}  # per calendar: window + own events; 100 inserts in 2 batches
    assert second == {"list": 2}


def test_a_rule_may_ask_for_focus_time_with_a_busy_fallback(
    tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    """focusTime only where Google allows it (primary calendar here); elsewhere a normal busy event."""
    fake.status_events = True
    rules = (
        "no_work_zones:\n  - name: family-dinner\n    who: [alex, sam]\n    days: [mon, tue, wed, thu, fri]\n"
        '    time: "18:30-20:00"\n    event_type: focusTime\n'
    )
    cfg = household(tmp_path, fake, rules=rules)
    code, result, err = run(capsys, "sync", "--json", "--config", str(cfg))
    assert code == 0, err
    assert {e.get("eventType") for e in fake.tagged("primary").values()} == {"focusTime"}
    sam = fake.tagged(SAM).values()
    assert sam and {e.get("eventType", "default") for e in sam} == {"default"}
    assert all(e["transparency"] == "opaque" for e in sam)
    rejected = [r for r in fake.api_requests("insert") if r.calendar == SAM and r.status == 400]
    assert rejected and len({r.batch for r in rejected}) == 1  # one batch learnt it; the calendar remembers
    fake.reset_log()
    assert run(capsys, "sync", "--json", "--config", str(cfg))[0] == 0
    assert fake.writes() == []


def test_tokens_never_reach_the_logs(tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    info = json.loads((tmp_path / "secrets" / "alex-google.json").read_text())
    info.update(token="stale", expiry="2020-01-01T00:00:00Z")  # forces a refresh at the fake
    (tmp_path / "secrets" / "alex-google.json").write_text(json.dumps(info))
    code = main(["sync", "--config", str(cfg), "--now", NOW, "--log-level", "debug"])
    err = capsys.readouterr().err
    assert code == 0, err
    refreshed = json.loads((tmp_path / "secrets" / "alex-google.json").read_text())["token"]
    for secret in ("fake-refresh-0", "fake-client-secret", "fake-access-0", refreshed):
        assert secret not in err
