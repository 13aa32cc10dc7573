"""`calsync daemon` as a real process over iCal-file calendars: cycles, signals, locking, reloads,
backoff. Each test says which promise of "run it for months" it protects."""

from __future__ import annotations

import http.server
import json
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.conftest import DaemonProcess, add_calendar, assert_converged, block_uids, run_cli, wait_for

pytestmark = pytest.mark.slow


def test_several_cycles_converge_and_stop_cleanly(household: Path, daemons: list[DaemonProcess]) -> None:
    """The daemon writes the blocks once, then every later cycle writes nothing; SIGTERM exits 0."""
    daemon = DaemonProcess(household, "--interval", "1")
    daemons.append(daemon)
    status = daemon.wait_cycles(3)
    assert daemon.stop() == 0
    cycles = [r for r in daemon.log_records() if re.match(r"cycle \d+: ", r["message"])]
    assert len(cycles) >= 3
    assert "0 created, 0 updated, 0 deleted" not in cycles[0]["message"]
    for record in cycles[1:]:
        assert "0 created, 0 updated, 0 deleted" in record["message"], record
    assert status["last_cycle"]["ok"] is True
    assert any("stopped cleanly" in r["message"] for r in daemon.log_records())
    assert json.loads(Path(f"{household.parent / 'state.db'}.status.json").read_text())["state"] == "stopped"
    assert len(block_uids(household.parent / "calendars" / "alex-work.ics")) > 0
    assert_converged(household)


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.3, 0.6])
def test_sigterm_during_the_first_cycle_exits_0_and_the_next_start_converges(
    household: Path, daemons: list[DaemonProcess], delay: float
) -> None:
    """SIGTERM at different moments of the first (writing) cycle: exit 0 promptly, and the next run
    finishes the job with no duplicates and no orphans."""
    daemon = DaemonProcess(household, "--interval", "60")
    daemons.append(daemon)
    wait_for(lambda: daemon.status().get("state") in ("syncing", "sleeping"), 30, "the first cycle to start")
    time.sleep(delay)
    daemon.signal(signal.SIGTERM)
    assert daemon.stop(timeout=10) == 0, daemon.log_text()
    again = run_cli("daemon", "--once", "--config", str(household))
    assert again.returncode == 0, again.stderr
    assert_converged(household)


class _SlowFeed(http.server.BaseHTTPRequestHandler):
    """An iCal feed on loopback that takes `delay` seconds to answer."""

    delay = 20.0
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests.append(self.path)
        time.sleep(self.delay)
        body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_feed() -> Iterator[str]:
    _SlowFeed.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowFeed)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.ics"
    server.shutdown()
    server.server_close()


def test_sigterm_while_a_read_hangs_exits_0_within_seconds(
    household: Path, daemons: list[DaemonProcess], slow_feed: str
) -> None:
    """A slow calendar does not hold a stop hostage: nothing was written yet, so the read is abandoned."""
    add_calendar(household, "alex", "holidays", ["source: ics", f"url: {slow_feed}", "role: personal"])
    daemon = DaemonProcess(household, "--interval", "60")
    daemons.append(daemon)
    wait_for(lambda: _SlowFeed.requests, 30, "the daemon to start reading the slow feed")
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.stop(timeout=10) == 0, daemon.log_text()
    print(f"stopped {time.monotonic() - started:.2f}s after SIGTERM during a read")
    assert block_uids(household.parent / "calendars" / "alex-work.ics") == []  # stopped before writing


def test_a_second_instance_refuses_to_start_and_a_stale_lock_is_recovered(
    household: Path, daemons: list[DaemonProcess]
) -> None:
    """One writer per state: a second daemon or a manual sync is refused while the first runs;
    after the first is killed with SIGKILL (no clean-up) the next start takes over."""
    first = DaemonProcess(household, "--interval", "60")
    daemons.append(first)
    first.wait_cycles(1)
    second = run_cli("daemon", "--once", "--config", str(household))
    assert second.returncode == 1
    assert f"in use by calsync daemon (PID {first.proc.pid}" in second.stderr
    manual = run_cli("sync", "--config", str(household))
    assert manual.returncode == 1
    assert "in use by calsync daemon" in manual.stderr
    status = run_cli("status", "--config", str(household))
    assert f"daemon: running, calsync daemon (PID {first.proc.pid}" in status.stdout
    assert run_cli("status", "--check", "--config", str(household)).returncode == 0  # running and healthy
    first.kill()  # SIGKILL: the lock file still names the dead process
    assert str(first.proc.pid) in (household.parent / "state.db.lock").read_text()
    third = DaemonProcess(household, "--interval", "60")
    daemons.append(third)
    third.wait_cycles(1)
    assert any("recovered a stale lock" in r["message"] for r in third.log_records())
    assert third.stop() == 0
    assert_converged(household)


def test_an_invalid_rule_edit_keeps_the_old_rules_in_force_and_is_reported(
    household: Path, daemons: list[DaemonProcess]
) -> None:
    """A typo must never drop protection: the blocks stay, the error is logged and shown by status;
    the next valid edit takes effect."""
    rules = household.parent / "rules" / "household.yaml"
    daemon = DaemonProcess(household, "--interval", "1")
    daemons.append(daemon)
    daemon.wait_cycles(1)
    alex = household.parent / "calendars" / "alex-work.ics"
    sam = household.parent / "calendars" / "sam-work.ics"
    blocks_before = len(block_uids(alex))
    sam_before = len(block_uids(sam))
    assert blocks_before > 0 and sam_before > 0
    original = rules.read_text()
    rules.write_text(original.replace('time: "18:30-20:00"', 'time: "18:30-25:00"'))
    status = wait_for(lambda: (daemon.status().get("config") or {}).get("errors") and daemon.status(), 30, "the rejected edit")
    assert any("household.yaml" in e and "18:30-25:00" in e for e in status["config"]["errors"]), status["config"]
    done = status["last_cycle"]["number"]
    later = daemon.wait_cycles(done + 2)
    assert later["last_cycle"]["ok"] is True
    assert later["last_cycle"]["deleted"] == 0 and later["last_cycle"]["created"] == 0
    assert len(block_uids(alex)) == blocks_before
    shown = run_cli("status", "--config", str(household))
    assert "rejected configuration edit" in shown.stdout and "18:30-25:00" in shown.stdout
    errors = [r for r in daemon.log_records() if r["level"] == "error" and "not reloaded" in r["message"]]
    assert errors and "household.yaml" in errors[0]["message"]
    # A valid edit is picked up: dropping the breakfast ritual removes its blocks.
    start = original.index("  - name: breakfast")
    end = original.index("  # A flexible slot")
    rules.write_text(original[:start] + original[end:])
    wait_for(lambda: not (daemon.status().get("config") or {}).get("errors") and daemon.status()["metrics"].get("calsync_config_reloads_total"), 30, "the valid reload")
    # both partners' calendars: a stop between the two calendar writes would leave sam's for the next run
    wait_for(
        lambda: len(block_uids(alex)) < blocks_before and len(block_uids(sam)) < sam_before, 30, "breakfast blocks to be removed"
    )
    daemon.one_more_cycle()
    assert daemon.stop() == 0
    assert_converged(household)


def test_a_failing_calendar_backs_off_while_the_others_keep_syncing(
    household: Path, daemons: list[DaemonProcess]
) -> None:
    """A broken calendar is retried less and less often; the other calendars get their blocks;
    once it is fixed it recovers."""
    text = household.read_text()
    household.write_text(text + "daemon:\n  backoff_max: 3\n")
    personal = household.parent / "calendars" / "sam-personal.ics"
    good = personal.read_text()
    personal.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART:garbage\nEND:VEVENT\n")
    daemon = DaemonProcess(household, "--interval", "1")
    daemons.append(daemon)

    def backing_off() -> dict | None:
        cal = (daemon.status().get("calendars") or {}).get("sam/personal") or {}
        return cal if cal.get("skipped", 0) >= 1 and cal.get("consecutive_failures", 0) >= 2 else None

    cal = wait_for(backing_off, 60, "sam/personal to back off")
    assert "VCALENDAR" in cal["last_error"]
    status = daemon.status()
    assert status["calendars"]["alex/work"]["consecutive_failures"] == 0
    assert status["metrics"]['calsync_calendar_failures_total{calendar="sam/personal"}'] >= 2
    assert len(block_uids(household.parent / "calendars" / "alex-work.ics")) > 0
    assert len(block_uids(household.parent / "calendars" / "sam-work.ics")) > 0
    skipped = [r for r in daemon.log_records() if "sam/personal: skipped, backing off" in r["message"]]
    assert skipped
    shown = run_cli("status", "--config", str(household))
    assert "sam/personal" in shown.stdout and "backing off after" in shown.stdout
    personal.write_text(good)
    wait_for(lambda: ((daemon.status().get("calendars") or {}).get("sam/personal") or {}).get("consecutive_failures") == 0, 60, "recovery")
    daemon.one_more_cycle()
    assert daemon.stop() == 0
    assert_converged(household)


def test_sighup_reloads(household: Path, daemons: list[DaemonProcess]) -> None:
    """SIGHUP re-reads the configuration even when file watching is off."""
    household.write_text(household.read_text() + "daemon:\n  watch: false\n")
    daemon = DaemonProcess(household, "--interval", "1")
    daemons.append(daemon)
    daemon.wait_cycles(1)
    daemon.signal(signal.SIGHUP)
    wait_for(lambda: daemon.status().get("metrics", {}).get("calsync_config_reloads_total"), 30, "a reload")
    assert any("reloaded (SIGHUP)" in r["message"] for r in daemon.log_records())
    assert daemon.stop() == 0


def test_health_endpoint_and_metrics_of_a_running_daemon(household: Path, daemons: list[DaemonProcess]) -> None:
    """A supervisor can probe /healthz and scrape /metrics on loopback."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    household.write_text(household.read_text() + f'daemon:\n  health: {{listen: "127.0.0.1:{port}"}}\n')
    daemon = DaemonProcess(household, "--interval", "1")
    daemons.append(daemon)
    daemon.wait_cycles(2)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["health"] == "ok"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    syncs = next(line for line in metrics.splitlines() if line.startswith("calsync_syncs_total "))
    assert float(syncs.split()[1]) >= 2
    assert 'calsync_owned_blocks{calendar="alex/work"}' in metrics
    assert daemon.stop() == 0


def test_log_format_comes_from_the_config_unless_given_on_the_command_line(household: Path) -> None:
    household.write_text(household.read_text() + "daemon:\n  log: {format: json, level: info}\n")
    result = run_cli("daemon", "--once", "--config", str(household))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(r["message"].startswith("cycle 1:") for r in records)
    assert all(r["level"] != "debug" for r in records)
    text = run_cli("daemon", "--once", "--log-level", "warning", "--config", str(household))
    assert text.returncode == 0 and text.stderr == ""  # nothing to warn about; info suppressed
