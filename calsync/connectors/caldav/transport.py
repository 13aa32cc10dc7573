"""HTTP to one CalDAV server: the caldav library's DAVClient, bounded retries, errors as SourceError.

Every request goes through `DavTransport.request`. Transient failures (connection refused or
reset, timeouts, 5xx, 429) are retried with exponential backoff a bounded number of times; what
is left is a SourceError for the calendar. 401/403 are an AuthError at once. Every other status is
handed back to the caller, which knows what a 404 or a 412 means for its request.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import niquests
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from caldav.response import DAVResponse

from calsync import __version__
from calsync.connectors.redact import redact_url
from calsync.errors import AuthError, SourceError

log = logging.getLogger(__name__)

USER_AGENT = f"calsync/{__version__}"
SAFE_PATH = "/:@!$&'()*+,;=-._~"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504, 507})


@dataclass
class RetryPolicy:
    """How often and how long to wait before giving up on a transient failure."""

    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        # full jitter, capped: attempt 0 waits up to base, attempt 1 up to 2*base, ...
        return min(self.max_delay, self.base_delay * (2**attempt)) * (0.5 + random.random() / 2)


class Forbidden(AuthError):
    """HTTP 403. `preconditions` lists what a DAV:error body named (e.g. `{DAV:}valid-sync-token`):
    then the server refused this one request for that reason, not the account."""

    def __init__(self, calendar: str, message: str, *, preconditions: list[str] | None = None) -> None:
        super().__init__(calendar, message)
        self.preconditions = list(preconditions or [])


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class Reply:
    """A finished HTTP exchange: status, headers and the parsed DAV response."""

    status: int
    headers: Mapping[str, str]
    dav: DAVResponse

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag") or self.headers.get("Etag")

    @property
    def body(self) -> bytes:
        raw = self.dav._raw_body or (self.dav._raw if isinstance(self.dav._raw, bytes) else str(self.dav._raw).encode())
        return raw


class DavTransport:
    """One calendar's connection. Counts every HTTP request it sends (`requests_sent`)."""

    def __init__(
        self,
        url: str,
        *,
        label: str,
        username: str | None = None,
        password: str | None = None,
        auth: str = "auto",
        timeout: float = 30.0,
        verify: bool | str = True,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.label = label
        self.shown = redact_url(url)
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.requests_sent = 0
        self.client = DAVClient(
            url=url,
            username=username,
            password=password,
            auth_type=None if auth == "auto" or not username else auth,
            timeout=timeout,  # type: ignore[arg-type]
            ssl_verify_cert=verify,
            headers={"User-Agent": USER_AGENT},
            enable_rfc6764=False,
        )
        self.client.session.hooks.setdefault("response", []).append(self._count)
        self.set_origin(url)

    def set_origin(self, url: str) -> None:
        """Where path-only hrefs from the server's answers live."""
        parts = urlsplit(url)
        self.origin = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "", "", ""))

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.requests_sent += 1
        return response

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # closing is best effort
            log.debug("closing the CalDAV session failed", exc_info=True)

    def url_for(self, href: str) -> str:
        """The absolute URL of a path-only href as the server's responses give them (unquoted)."""
        if href.startswith(("http://", "https://")):
            return href
        return self.origin + quote(href, safe=SAFE_PATH)

    # -- the one way out ----------------------------------------------------------------------
    def request(self, method: str, url: str, body: str = "", headers: Mapping[str, str] | None = None) -> Reply:
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            try:
                return self._once(method, url, body, headers)
            except _Transient as exc:
                if attempt + 1 >= attempts:
                    raise SourceError(self.label, f"{exc.message} (gave up after {attempts} attempts)", transient=True) from None
                wait = self.policy.delay(attempt, exc.retry_after)
                log.info("%s: %s; retrying in %.1fs", self.label, exc.message, wait)
                self.policy.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, body: str, headers: Mapping[str, str] | None) -> Reply:
        shown = self.shown
        try:
            dav = self.client.request(url, method, body, dict(headers or {}))
        except dav_error.RateLimitError as exc:
            raise _Transient(f"{shown} is rate limiting (HTTP {exc.status})", exc.retry_after_seconds) from None
        except dav_error.AuthorizationError as exc:
            status = exc.status or 401
            if status == 403:
                raise Forbidden(
                    self.label,
                    f"{shown} denied access (HTTP 403 to {method}); check the username and that it may use this calendar",
                    preconditions=exc.preconditions,
                ) from None
            raise AuthError(
                self.label, f"{shown} refused the credentials (HTTP {status}); check username and the password in password_env"
            ) from None
        except niquests.exceptions.Timeout:
            raise _Transient(f"{shown} did not answer within {self.timeout:g}s") from None
        except niquests.exceptions.SSLError as exc:
            raise SourceError(self.label, f"TLS failure talking to {shown}: {_short(exc)} (see ca_bundle)") from None
        except niquests.exceptions.ConnectionError as exc:
            raise _Transient(f"cannot reach {shown}: {_short(exc)}") from None
        except niquests.exceptions.RequestException as exc:
            raise _Transient(f"request to {shown} failed: {_short(exc)}") from None
        except dav_error.DAVError as exc:
            raise SourceError(self.label, f"{method} {redact_url(url)} failed: {exc.reason}") from None
        except Exception as exc:  # e.g. a malformed XML body from a broken proxy
            raise SourceError(self.label, f"{method} {redact_url(url)}: unusable answer ({type(exc).__name__}: {exc})") from None
        headers_out = {str(k): str(v) for k, v in (dav.headers or {}).items()}
        if dav.status in TRANSIENT_STATUSES:
            retry_after = headers_out.get("Retry-After")
            seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
            raise _Transient(f"{shown} answered HTTP {dav.status} to {method}", seconds)
        return Reply(dav.status, _Caseless(headers_out), dav)


class _Caseless(dict[str, str]):
    def __init__(self, data: Mapping[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in data.items()})

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "Connection reset"):
        if marker in text:
            return marker.lower()
    return text[:200]
