"""SIGTERM during a calendar write: that calendar's write and its state records finish, the next
calendar is not started, the daemon exits 0, and the next run converges."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest

from calsync.config import load_config
from calsync.connectors.ics import IcsSource
from calsync.daemon.loop import Daemon, DaemonOptions
from calsync.daemon.signals import Control, StopRequested, handling
from calsync.errors import ExitStatus
from calsync.model import CalendarRef, Change
from calsync.state.store import Store
from calsync.sync import critical
from tests.daemon.conftest import assert_converged, block_uids


def test_a_stop_inside_a_critical_section_waits_for_its_end() -> None:
    control = Control()
    steps: list[str] = []
    with handling(control), pytest.raises(StopRequested):
        with critical.critical_section():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("write finished")
        steps.append("next calendar")  # never reached
    assert steps == ["write finished"]
    assert control.stop_signal == "SIGTERM"


def test_a_stop_outside_a_critical_section_is_immediate_and_sighup_only_asks_for_a_reload() -> None:
    control = Control()
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    with handling(control):
        os.kill(os.getpid(), signal.SIGHUP)
        assert control.take_reload() and not control.take_reload()
        with pytest.raises(StopRequested):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
    assert {sig: signal.getsignal(sig) for sig in before} == before  # the previous handlers are back


def test_sigterm_in_the_middle_of_a_calendar_write(household: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = IcsSource.apply
    applied: list[str] = []

    def apply_then_get_terminated(self: IcsSource, changes: Sequence[Change]) -> list:  # type: ignore[type-arg]
        if not applied:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives while this calendar is being written
        applied.append(str(self.ref))
        return original(self, changes)

    monkeypatch.setattr(IcsSource, "apply", apply_then_get_terminated)
    config = load_config(household, {})
    assert Daemon(config, {}, DaemonOptions(interval=60)).run() == ExitStatus.OK
    assert applied == ["alex/work"]  # the first calendar finished; the second never started
    calendars = household.parent / "calendars"
    written = block_uids(calendars / "alex-work.ics")
    assert written and block_uids(calendars / "sam-work.ics") == []
    store = Store.open(config.state_path)
    try:  # every block written was also recorded: the write and its records are one step
        assert sorted(r.remote_id for r in store.blocks(CalendarRef("alex", "work")).values()) == sorted(written)
    finally:
        store.close()
    monkeypatch.setattr(IcsSource, "apply", original)
    assert Daemon(load_config(household, {}), {}, DaemonOptions(once=True)).run() == ExitStatus.OK
    assert_converged(household)
