"""One writer per state: an advisory file lock next to the state database.

The lock is `fcntl.flock` on `<state>.lock`, which also records who holds it (PID, role, since).
The kernel drops a flock when its process dies, so a lock left by a crash is never "stuck": the
next start takes it, overwrites the stale record and logs that it recovered it. The file itself is
never deleted (deleting a lock file another process has open would let two writers in).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from calsync.errors import StateError

log = logging.getLogger(__name__)


ATTEMPTS = 20  # about a second of retries while the lock is held without a record


def lock_path(state_path: Path) -> Path:
    return Path(f"{state_path}.lock")


class LockHeld(StateError):
    """Another calsync process is writing to this state."""

    def __init__(self, path: Path, holder: dict[str, Any] | None) -> None:
        self.path = path
        self.holder = holder or {}
        who = describe_holder(self.holder)
        super().__init__(
            f"the state {str(path).removesuffix('.lock')} is in use by {who}; only one calsync may write to it at a time "
            "(stop the daemon, or wait for the running sync to finish)"
        )


def describe_holder(holder: dict[str, Any]) -> str:
    if not holder.get("pid"):
        return "another calsync process"
    text = f"calsync {holder.get('role', '?')} (PID {holder['pid']}"
    if holder.get("since"):
        text += f", since {holder['since']}"
    return text + ")"


def _read_record(fd: int) -> dict[str, Any] | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class StateLock:
    """Exclusive, non-blocking; use as a context manager or acquire()/release()."""

    def __init__(self, path: Path, role: str) -> None:
        self.path = Path(path)
        self.role = role
        self._fd: int | None = None
        self.recovered: dict[str, Any] | None = None  # the stale record found when acquiring

    def acquire(self) -> StateLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        for attempt in range(ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_record(fd)
                if (holder and _alive(holder.get("pid"))) or attempt == ATTEMPTS - 1:
                    os.close(fd)
                    raise LockHeld(self.path, holder) from None
                # No live holder on record: `calsync status` peeking for a moment, or a writer
                # that is just starting; try again shortly.
                time.sleep(0.05)
            except OSError as exc:
                os.close(fd)
                raise StateError(f"cannot lock {self.path}: {exc}") from None
        previous = _read_record(fd)
        if previous and previous.get("pid"):
            # Whoever wrote this record no longer holds the lock: it crashed or was killed.
            self.recovered = previous
            log.warning("recovered a stale lock left by %s", describe_holder(previous))
        record = {"pid": os.getpid(), "role": self.role, "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)  # an empty record means "released cleanly"
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> StateLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def current_holder(path: Path) -> dict[str, Any] | None:
    """Who holds the lock now (None when nobody does). Never takes the lock for long."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_record(fd) or {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def state_lock(state_path: Path, role: str) -> Iterator[StateLock]:
    with StateLock(lock_path(state_path), role) as lock:
        yield lock
