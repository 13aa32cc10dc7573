"""Signals for a long-running process: SIGTERM/SIGINT stop, SIGHUP reloads.

A stop request raises `StopRequested` at once, unless a calendar write is in progress (a critical
section, see calsync.sync.critical): then it is deferred until that calendar's write and its state
records are done. Reads and waits are simply abandoned, which is safe: nothing was written yet.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from calsync.sync import critical

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequested(BaseException):  # noqa: N818 - a control-flow signal, not an error
    """Raised in the main thread to end the daemon; BaseException so `except Exception` lets it pass."""

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame


class Control:
    """What the signal handlers asked for."""

    def __init__(self) -> None:
        self.stop_signal: str | None = None
        self.reload_requested = False

    def _raise_stop(self) -> None:
        raise StopRequested(self.stop_signal or "stop")

    def on_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is not None:
            return  # already stopping: a repeated signal must not interrupt the clean-up
        self.stop_signal = signal.Signals(signum).name
        if critical.active():
            critical.defer(self._raise_stop)
            return
        self._raise_stop()

    def on_reload(self, signum: int, frame: FrameType | None) -> None:
        self.reload_requested = True

    def take_reload(self) -> bool:
        requested, self.reload_requested = self.reload_requested, False
        return requested


@contextmanager
def handling(control: Control) -> Iterator[Control]:
    """Install the handlers for the duration of the block, then restore the previous ones."""
    previous: dict[signal.Signals, Any] = {}
    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, control.on_stop)
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, control.on_reload)
    try:
        yield control
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
