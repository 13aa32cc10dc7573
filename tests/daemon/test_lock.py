"""One writer per state: the lock file next to the state database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from calsync.daemon.lock import LockHeld, StateLock, current_holder, lock_path


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    """Two writers at once are impossible, and the refusal says who holds the state."""
    path = lock_path(tmp_path / "state.db")
    with StateLock(path, "daemon"):
        assert current_holder(path)["pid"] == os.getpid()
        # flock is per open file description: a second StateLock in this process is refused too
        with pytest.raises(LockHeld) as refused:
            StateLock(path, "sync").acquire()
        assert refused.value.holder["role"] == "daemon"
        assert f"PID {os.getpid()}" in str(refused.value)
        assert refused.value.exit_status == 1
    assert current_holder(path) is None
    with StateLock(path, "sync") as again:
        assert again.recovered is None  # released cleanly before: nothing stale to recover


def test_a_lock_left_by_a_dead_process_is_recovered(tmp_path: Path) -> None:
    """A crash leaves the lock file naming a dead PID; the kernel dropped the flock, so the next
    start takes it over and reports what it found."""
    path = lock_path(tmp_path / "state.db")
    code = (
        "import os, sys\n"
        "from calsync.daemon.lock import StateLock\n"
        f"StateLock({str(path)!r}, 'daemon').acquire()\n"
        "os._exit(9)  # die holding the lock, with no clean-up\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    stale = json.loads(path.read_text())
    assert stale["role"] == "daemon" and stale["pid"] != os.getpid()
    assert current_holder(path) is None
    lock = StateLock(path, "daemon").acquire()
    try:
        assert lock.recovered == stale
        assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        lock.release()


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "sub" / "state.db")
    with StateLock(path, "sync"):
        assert (path.stat().st_mode & 0o077) == 0


def test_a_short_peek_by_status_does_not_refuse_a_starting_writer(tmp_path: Path) -> None:
    """`calsync status` holds a shared lock for an instant; a daemon starting right then waits for it
    instead of refusing (it would otherwise fail to start because someone looked at it)."""
    import fcntl
    import threading

    path = lock_path(tmp_path / "state.db")
    path.write_text(json.dumps({"pid": 999999999, "role": "daemon", "since": "earlier"}))  # stale, from a crash
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    timer = threading.Timer(0.2, lambda: os.close(fd))
    timer.start()
    try:
        with StateLock(path, "daemon") as lock:
            assert lock.recovered and lock.recovered["pid"] == 999999999
    finally:
        timer.join()
