"""The Calendar v3 client: service construction, retries with backoff, and batches.

googleapiclient is used as shipped, with two adjustments:
- `api_endpoint` from the config goes into `client_options`, and batch requests are sent to
  `{origin}/batch/calendar/v3` of that endpoint (the library's own batch URI ignores the override);
- retries are ours, not `execute(num_retries=...)`: the library's sleeps are uncapped, ignore
  `Retry-After` and cannot be replaced in tests, and batches have no retries at all.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

log = logging.getLogger(__name__)
# googleapiclient warns about every 403/429 it sees, before calsync decides to retry; calsync logs
# its own retries at info level instead.
logging.getLogger("googleapiclient.http").setLevel(logging.ERROR)

GOOGLE_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
BATCH_PATH = "/batch/calendar/v3"
MAX_BATCH = 50  # Google's documented per-batch limit for Calendar was 50; larger batches get rate limited

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def normalise_endpoint(api_endpoint: str | None) -> str:
    endpoint = api_endpoint or GOOGLE_ENDPOINT
    return endpoint if endpoint.endswith("/") else endpoint + "/"


def batch_uri(api_endpoint: str | None) -> str:
    """`{origin}/batch/calendar/v3` of the endpoint requests go to."""
    parts = urlsplit(normalise_endpoint(api_endpoint))
    return f"{parts.scheme}://{parts.netloc}{BATCH_PATH}"


def build_service(credentials: Any, api_endpoint: str | None, timeout: float) -> Any:
    """A Calendar v3 service object that sends every request (batches too) to `api_endpoint`."""
    transport = httplib2.Http(timeout=timeout)
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=transport)
    options = {"api_endpoint": normalise_endpoint(api_endpoint)}
    return build(
        "calendar",
        "v3",
        http=authed,
        client_options=options,
        static_discovery=True,
        cache_discovery=False,
    )


# -- errors -----------------------------------------------------------------------------------
def error_reason(exc: HttpError) -> str:
    """The first `error.errors[].reason` of an API error body (e.g. rateLimitExceeded, duplicate)."""
    try:
        data = json.loads(exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content)
        errors = data.get("error", {}).get("errors") or []
        if errors:
            return str(errors[0].get("reason", ""))
        status = data.get("error", {}).get("status")
        return str(status or "")
    except Exception:
        return ""


def error_message(exc: HttpError) -> str:
    try:
        data = json.loads(exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content)
        message = data.get("error", {}).get("message")
        if message:
            return f"HTTP {exc.status_code}: {message}"
    except Exception:
        pass
    return f"HTTP {exc.status_code}: {exc.reason or 'error'}"


def is_retryable_status(status: int, reason: str) -> bool:
    """429, any 5xx, and 403 only for rate limits (not quotaExceeded or forbidden)."""
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS)


TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError, socket.timeout, connection refused/reset
    socket.timeout,
    http.client.HTTPException,  # RemoteDisconnected, IncompleteRead, BadStatusLine
    httplib2.HttpLib2Error,
    TransportError,
)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        return is_retryable_status(exc.status_code, error_reason(exc))
    if isinstance(exc, RefreshError):
        return False
    return isinstance(exc, TRANSPORT_ERRORS)


def retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, HttpError):
        return None
    value = exc.resp.get("retry-after") if exc.resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# -- retry policy -----------------------------------------------------------------------------
@dataclass
class RetryPolicy:
    """Truncated exponential backoff with full jitter, honouring Retry-After, within a bound.

    `sleep` and `random` are injectable so tests run without waiting.
    """

    attempts: int = 6  # the first try and up to 5 retries
    base: float = 1.0
    cap: float = 32.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    slept: list[float] = field(default_factory=list)

    def delay(self, attempt: int, exc: BaseException | None = None) -> float:
        hinted = retry_after(exc) if exc is not None else None
        if hinted is not None:
            return min(self.cap, max(0.0, hinted))
        return min(self.cap, self.base * (2**attempt)) * self.random()

    def wait(self, attempt: int, exc: BaseException | None = None) -> None:
        seconds = self.delay(attempt, exc)
        self.slept.append(seconds)
        self.sleep(seconds)


DEFAULT_RETRY = RetryPolicy()


def execute(request: Any, policy: RetryPolicy, what: str = "request") -> Any:
    """Run one API request, retrying rate limits, 5xx and transport failures within the bound."""
    attempt = 0
    while True:
        try:
            return request.execute(num_retries=0)
        except Exception as exc:
            attempt += 1
            if not is_retryable(exc) or attempt >= policy.attempts:
                raise
            log.info("%s failed (%s); retry %d of %d", what, _describe(exc), attempt, policy.attempts - 1)
            policy.wait(attempt - 1, exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HttpError):
        reason = error_reason(exc)
        return f"HTTP {exc.status_code}" + (f" {reason}" if reason else "")
    return f"{type(exc).__name__}: {exc}"


# -- batches ----------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Per-call results of one batch round: request id → (response, exception)."""

    responses: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)


def run_batch(
    service: Any,
    uri: str,
    calls: Sequence[tuple[str, Any]],
    policy: RetryPolicy,
    counter: Callable[[], None] | None = None,
) -> BatchResult:
    """Send `calls` (request id, HttpRequest) in one multipart batch (≤ MAX_BATCH calls).

    A failure of the batch as a whole (transport, 429/5xx on the batch) is retried within the
    policy; per-call errors are returned for the caller to decide on.
    """
    assert len(calls) <= MAX_BATCH
    result = BatchResult()
    attempt = 0
    while True:
        result = BatchResult()

        def callback(request_id: str, response: Any, exception: BaseException | None, _r: BatchResult = result) -> None:
            if exception is not None:
                _r.errors[request_id] = exception
            else:
                _r.responses[request_id] = response

        batch = BatchHttpRequest(callback=callback, batch_uri=uri)
        for request_id, request in calls:
            batch.add(request, request_id=request_id)
        try:
            if counter is not None:
                counter()
            batch.execute(http=service._http)
            return result
        except Exception as exc:
            attempt += 1
            if not is_retryable(exc) or attempt >= policy.attempts:
                raise
            log.info("batch of %d failed (%s); retry %d", len(calls), _describe(exc), attempt)
            policy.wait(attempt - 1, exc)
