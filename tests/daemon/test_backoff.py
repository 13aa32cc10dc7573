"""Per-calendar backoff: a failing calendar is tried less often, never more rarely than backoff_max."""

from __future__ import annotations

import datetime as dt

from calsync.daemon.backoff import Backoff

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def test_delays_double_up_to_the_maximum() -> None:
    backoff = Backoff(interval=60, maximum=600)
    assert [backoff.delay(n) for n in range(0, 7)] == [0, 60, 120, 240, 480, 600, 600]


def test_the_first_failure_waits_only_the_regular_interval_then_calendars_are_skipped() -> None:
    backoff = Backoff(interval=60, maximum=3600)
    backoff.failure("a/work", "HTTP 503", T0)
    assert backoff.skip_reasons(["a/work", "b/work"], T0 + dt.timedelta(seconds=1)) == {}
    backoff.failure("a/work", "HTTP 503", T0)
    reasons = backoff.skip_reasons(["a/work", "b/work"], T0 + dt.timedelta(seconds=60))
    assert list(reasons) == ["a/work"]
    assert "2 failures" in reasons["a/work"] and "HTTP 503" in reasons["a/work"]
    assert backoff.calendars["a/work"].skipped == 1
    assert backoff.skip_reasons(["a/work"], T0 + dt.timedelta(seconds=121)) == {}


def test_success_resets_the_count() -> None:
    backoff = Backoff(interval=10, maximum=100)
    for _ in range(5):
        backoff.failure("a/work", "boom", T0)
    assert backoff.seconds_until_retry("a/work", T0) == 100
    health = backoff.success("a/work", T0)
    assert health.consecutive_failures == 0 and health.retry_at is None
    assert health.last_error == "boom"  # history stays visible
    assert backoff.seconds_until_retry("a/work", T0) == 0
