"""Pure parts of the Google client: endpoints, batch URI, backoff bounds, error classification."""

from __future__ import annotations

import json

import httplib2
from googleapiclient.errors import HttpError

from calsync.connectors.google import events as gev
from calsync.connectors.google.client import RetryPolicy, batch_uri, is_retryable, normalise_endpoint


def http_error(status: int, reason: str = "", headers: dict[str, str] | None = None) -> HttpError:
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    body = {"error": {"code": status, "message": "m", "errors": [{"reason": reason}] if reason else []}}
    return HttpError(resp, json.dumps(body).encode())


def test_batch_requests_go_to_the_configured_origin_not_googles() -> None:
    """googleapiclient's own batch URI ignores api_endpoint; calsync builds it from the endpoint."""
    assert batch_uri(None) == "https://www.googleapis.com/batch/calendar/v3"
    assert batch_uri("http://127.0.0.1:8080/calendar/v3/") == "http://127.0.0.1:8080/batch/calendar/v3"
    assert normalise_endpoint("https://proxy.example.org/calendar/v3") == "https://proxy.example.org/calendar/v3/"


def test_only_rate_limits_429_5xx_and_transport_errors_are_retried() -> None:
    assert is_retryable(http_error(429))
    assert is_retryable(http_error(503))
    assert is_retryable(http_error(403, "rateLimitExceeded")) and is_retryable(http_error(403, "userRateLimitExceeded"))
    assert not is_retryable(http_error(403, "quotaExceeded")) and not is_retryable(http_error(403, "forbidden"))
    assert not any(is_retryable(http_error(s)) for s in (400, 401, 404, 409, 410, 412))
    assert is_retryable(ConnectionResetError()) and is_retryable(TimeoutError())


def test_backoff_is_jittered_capped_and_honours_retry_after() -> None:
    policy = RetryPolicy(base=1.0, cap=32.0, random=lambda: 1.0)
    assert [policy.delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 32, 32]
    assert policy.delay(0, http_error(429, headers={"retry-after": "7"})) == 7
    assert policy.delay(0, http_error(429, headers={"retry-after": "3600"})) == 32
    half = RetryPolicy(random=lambda: 0.5)
    assert half.delay(3) == 4


def test_event_ids_are_base32hex_and_generations_stay_recognisable() -> None:
    from calsync.model import CalendarRef
    from calsync.model.identity import block_key

    key = block_key("home", CalendarRef("alex", "work"), "dinner", "2026-11-30")
    for gen in (0, 1, 12):
        event_id = gev.event_id(key, gen)
        assert gev.valid_event_id(event_id)
        assert gev.generation_of(key, event_id) == gen
    assert gev.generation_of(key, key + "x") is None and gev.generation_of(key, "other" + key) is None
