"""Per-calendar backoff: a calendar that keeps failing is tried less often; the others carry on.

After n consecutive failures a calendar waits min(interval * 2**(n-1), backoff_max) before its
next try. While it waits it is skipped, which counts as a failed read: nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class CalendarHealth:
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    retry_at: dt.datetime | None = None
    skipped: int = 0

    def as_json(self) -> dict[str, object]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "last_success_at": iso(self.last_success_at),
            "retry_at": iso(self.retry_at),
            "skipped": self.skipped,
        }


class Backoff:
    def __init__(self, interval: float, maximum: float) -> None:
        self.interval = interval
        self.maximum = maximum
        self.calendars: dict[str, CalendarHealth] = {}

    def _get(self, ref: str) -> CalendarHealth:
        return self.calendars.setdefault(ref, CalendarHealth())

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(self.interval * 2 ** min(failures - 1, 30), self.maximum))

    def waiting(self, ref: str, now: dt.datetime) -> bool:
        health = self.calendars.get(ref)
        return bool(health and health.retry_at and now < health.retry_at)

    def skip_reasons(self, refs: list[str], now: dt.datetime) -> dict[str, str]:
        """Calendars to leave out of this cycle, with the reason recorded as their failed read."""
        out: dict[str, str] = {}
        for ref in refs:
            if self.waiting(ref, now):
                health = self.calendars[ref]
                health.skipped += 1
                assert health.retry_at is not None
                out[ref] = (
                    f"backing off after {health.consecutive_failures} failures until "
                    f"{health.retry_at.isoformat(timespec='seconds')} (last error: {health.last_error})"
                )
        return out

    def failure(self, ref: str, error: str, now: dt.datetime) -> CalendarHealth:
        health = self._get(ref)
        health.consecutive_failures += 1
        health.last_error = error
        health.last_error_at = now
        # The regular cycle already waits one interval; back off only from the second failure.
        extra = self.delay(health.consecutive_failures)
        health.retry_at = now + dt.timedelta(seconds=extra) if health.consecutive_failures > 1 else None
        return health

    def success(self, ref: str, now: dt.datetime) -> CalendarHealth:
        health = self._get(ref)
        health.consecutive_failures = 0
        health.retry_at = None
        health.last_success_at = now
        return health

    def seconds_until_retry(self, ref: str, now: dt.datetime) -> float:
        health = self.calendars.get(ref)
        if not health or not health.retry_at:
            return 0.0
        return max(0.0, (health.retry_at - now).total_seconds())
