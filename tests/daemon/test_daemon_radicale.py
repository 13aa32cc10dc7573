"""`calsync daemon` against a real CalDAV server (Radicale, tests/fakes/radicale.py) beside an iCal
file: cycles converge, SIGTERM during writes is safe, and a server outage backs that calendar off
while the iCal calendar keeps syncing."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest

from calsync.samples.materialize import materialize
from tests.daemon.conftest import DaemonProcess, add_calendar, block_uids, run_cli, wait_for
from tests.fakes.radicale import PASSWORD, USER, DavCalendar, RadicaleServer

pytestmark = pytest.mark.slow
ENV = {"CALSYNC_TEST_DAV_PASSWORD": PASSWORD}


def _household(root: Path, dav_url: str) -> Path:
    """The sample household, with alex's blocks written to a CalDAV calendar instead of a file."""
    import datetime as dt

    config = materialize(root, dt.date.today())
    text = config.read_text()
    # alex's work calendar stays a read-only iCal file (the events); blocks go to CalDAV
    text = text.replace("        path: calendars/alex-work.ics\n        role: work\n        write: true\n",
                        "        path: calendars/alex-work.ics\n        role: work\n        write: false\n")
    config.write_text(text)
    add_calendar(config, "alex", "dav", [
        "source: caldav", f"url: {dav_url}", f"username: {USER}", "password_env: CALSYNC_TEST_DAV_PASSWORD",
        "role: work", "write: true", "timeout: 3", "retries: 0",
    ])
    return config


def _dav_keys(calendar: DavCalendar) -> list[bytes]:
    keys = []
    for body in calendar.resources().values():
        match = re.search(rb"X-CALSYNC-KEY:(\S+)", body)
        if match:
            keys.append(match.group(1))
    return keys


def test_cycles_against_radicale_converge_and_survive_sigterm(
    caldav_calendar: DavCalendar, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    config = _household(tmp_path / "home", caldav_calendar.url)
    daemon = DaemonProcess(config, "--interval", "1", env=ENV)
    daemons.append(daemon)
    status = daemon.wait_cycles(3, timeout=90)
    assert daemon.stop() == 0
    assert status["last_cycle"]["ok"] is True, status["last_cycle"]
    assert status["last_cycle"]["created"] == status["last_cycle"]["updated"] == 0
    keys = _dav_keys(caldav_calendar)
    assert keys and len(keys) == len(set(keys))
    assert block_uids(config.parent / "calendars" / "alex-work.ics") == []  # not writable: untouched
    assert_converged_dav(config)



@pytest.mark.parametrize("delay", [0.15, 0.3, 0.45])
def test_sigterm_while_writing_to_radicale_exits_0_and_the_next_start_converges(
    caldav_calendar: DavCalendar, tmp_path: Path, daemons: list[DaemonProcess], delay: float
) -> None:
    """A rule moves, so every family-dinner block is rewritten on both calendars; SIGTERM lands at
    different moments of that cycle. Exit 0, and the next start finishes the job without duplicates."""
    config = _household(tmp_path / "home", caldav_calendar.url)
    first = run_cli("sync", "--config", str(config), env=ENV, timeout=120)
    assert first.returncode == 0, first.stderr
    rules = config.parent / "rules" / "household.yaml"
    rules.write_text(rules.read_text().replace('time: "18:30-20:00"', 'time: "18:00-20:00"'))
    daemon = DaemonProcess(config, "--interval", "60", env=ENV)
    daemons.append(daemon)
    wait_for(lambda: daemon.status().get("state") == "syncing", 60, "the cycle to start")
    time.sleep(delay)
    daemon.signal(signal.SIGTERM)
    assert daemon.stop(timeout=20) == 0, daemon.log_text()
    again = run_cli("daemon", "--once", "--config", str(config), env=ENV, timeout=120)
    assert again.returncode == 0, again.stderr
    print(f"SIGTERM after {delay}s; the next run:", [line for line in again.stderr.splitlines() if "cycle 1:" in line])
    keys = _dav_keys(caldav_calendar)
    assert len(keys) == len(set(keys))
    assert_converged_dav(config)


def assert_converged_dav(config: Path) -> None:
    import json

    result = run_cli("plan", "--json", "--config", str(config), env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changes"] == []


def test_a_radicale_outage_backs_off_that_calendar_while_the_file_calendar_keeps_syncing(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    server = RadicaleServer(tmp_path / "radicale")
    server.start()
    try:
        url = server.make_calendar("outage")
        config = _household(tmp_path / "home", url)
        config.write_text(config.read_text() + "daemon:\n  backoff_max: 4\n")
        daemon = DaemonProcess(config, "--interval", "1", env=ENV)
        daemons.append(daemon)
        daemon.wait_cycles(1, timeout=90)
        before = _dav_keys(DavCalendar(server, url, "outage"))
        assert before
        server.stop()
        sam = config.parent / "calendars" / "sam-work.ics"
        sam_blocks = len(block_uids(sam))

        def backing_off() -> dict | None:
            cal = (daemon.status().get("calendars") or {}).get("alex/dav") or {}
            return cal if cal.get("consecutive_failures", 0) >= 2 and cal.get("skipped", 0) >= 1 else None

        cal = wait_for(backing_off, 90, "alex/dav to back off")
        assert "cannot reach" in cal["last_error"] or "refused" in cal["last_error"].lower(), cal["last_error"]
        status = daemon.status()
        assert status["calendars"]["sam/work"]["consecutive_failures"] == 0  # the file calendar keeps syncing
        assert len(block_uids(sam)) == sam_blocks  # and nothing was deleted while a read failed
        server.start()
        wait_for(lambda: ((daemon.status().get("calendars") or {}).get("alex/dav") or {}).get("consecutive_failures") == 0,
                 90, "alex/dav to recover")
        daemon.one_more_cycle(90)
        assert daemon.stop() == 0
        after = _dav_keys(DavCalendar(server, url, "outage"))
        assert sorted(after) == sorted(before) and len(after) == len(set(after))
        assert_converged_dav(config)
    finally:
        server.stop()
