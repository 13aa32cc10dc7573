"""Daemon test helpers: a sample household of iCal files, and `python -m calsync daemon` processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from calsync.samples.materialize import materialize

PROJECT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy; fail the test (not hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class DaemonProcess:
    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.log = config.parent / f"daemon-{time.monotonic_ns()}.log"
        self._log_handle = self.log.open("wb")
        full_env = {**os.environ, **(env or {})}
        full_env["PYTHONPATH"] = str(PROJECT) + os.pathsep + full_env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "calsync", "daemon", "--config", str(config), "--log-json", "--log-level", "debug", *args],
            stdout=subprocess.PIPE,
            stderr=self._log_handle,
            cwd=config.parent,
            env=full_env,
        )

    def status(self) -> dict[str, Any]:
        path = Path(f"{self.config.parent / 'state.db'}.status.json")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return data if data.get("pid") == self.proc.pid else {}  # not a previous daemon's file

    def cycles_done(self) -> int:
        cycle = self.status().get("last_cycle") or {}
        return int(cycle.get("number") or 0)

    def wait_cycles(self, n: int, timeout: float = 60.0) -> dict[str, Any]:
        wait_for(lambda: self.cycles_done() >= n or self.proc.poll() is not None, timeout, f"{n} daemon cycles")
        assert self.proc.poll() is None, f"daemon exited early with {self.proc.returncode}:\n{self.log_text()}"
        return self.status()

    def one_more_cycle(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for a whole cycle that started after now, so a stop cannot fall between the
        calendar writes of the cycle a test just observed."""
        return self.wait_cycles(self.cycles_done() + 2, timeout)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log_handle.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log_handle.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
        return out


@pytest.fixture
def household(tmp_path: Path) -> Path:
    """The sample household (iCal files, two partners) moved to the current week; returns calsync.yaml."""
    return materialize(tmp_path / "home", dt.date.today())


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Daemons started by a test; any still running at the end are killed."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill()


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(PROJECT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "calsync", *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout
    )


def block_uids(ics: Path) -> list[str]:
    """UIDs of calsync's blocks in an iCal file (duplicates kept, so tests can find them)."""
    import icalendar

    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    return [str(c["UID"]) for c in cal.walk("VEVENT") if c.get("X-CALSYNC-KEY")]


def assert_converged(config: Path) -> dict[str, Any]:
    """A plan finds nothing to do and no calendar holds a block twice."""
    for ics in (config.parent / "calendars").glob("*.ics"):
        uids = block_uids(ics)
        assert len(uids) == len(set(uids)), f"duplicate blocks in {ics.name}"
    result = run_cli("plan", "--json", "--config", str(config))
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["changes"] == [], plan["changes"][:3]
    return plan


def add_calendar(config: Path, partner: str, name: str, lines: list[str]) -> None:
    """Add a calendar to a partner in calsync.yaml (right under that partner's `calendars:`)."""
    text = config.read_text()
    marker = f"  {partner}:\n"
    head, _, tail = text.partition(marker)
    body_lines = tail.splitlines(keepends=True)
    # insert right after "    calendars:" of that partner
    index = next(i for i, line in enumerate(body_lines) if line.strip() == "calendars:") + 1
    entry = [f"      {name}:\n"] + [f"        {line}\n" for line in lines]
    config.write_text(head + marker + "".join(body_lines[:index] + entry + body_lines[index:]))
