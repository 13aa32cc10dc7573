"""Transient CalDAV failures: bounded retries with backoff, then a per-calendar SourceError.

A scripted HTTP stub on 127.0.0.1 answers with 5xx, 429 or silence; the retry policy's sleep is
recorded instead of slept, so the backoff is checked without waiting for it.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from calsync.connectors.caldav.transport import RetryPolicy
from calsync.errors import SourceError
from calsync.model import Window
from tests.connectors.caldav_support import NOW, source_for

EMPTY_SYNC = (
    b'<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">'
    b"<d:sync-token>http://stub/sync/1</d:sync-token></d:multistatus>"
)
WINDOW = Window(NOW, NOW + dt.timedelta(days=7))

CTAG_STATE = (
    b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:response>'
    b"<d:href>/alice/cal/</d:href><d:propstat><d:prop><cs:getctag>ctag-1</cs:getctag>"
    b'<d:resourcetype><d:collection/><c:calendar xmlns:c="urn:ietf:params:xml:ns:caldav"/></d:resourcetype>'
    b"</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
)
CTAG_LIST = (
    b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/alice/cal/</d:href>'
    b"<d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
    b"</d:propstat></d:response><d:response><d:href>/alice/cal/a.ics</d:href><d:propstat><d:prop>"
    b'<d:getetag>"e1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>'
)
CTAG_MULTIGET = (
    b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response>'
    b'<d:href>/alice/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>"e1"</d:getetag><c:calendar-data>'
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20260101T000000Z\r\n"
    b"DTSTART:20261127T100000Z\r\nDTEND:20261127T110000Z\r\nSUMMARY:From a CTag server\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    b"</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
)



class Stub:
    """Answers each request with the next scripted (status, headers, body, delay); the last repeats."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], bytes, float]] = []
        self.seen: list[str] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                stub.seen.append(self.command)
                index = min(len(stub.seen), len(stub.script)) - 1
                status, headers, body, delay = stub.script[index]
                if delay:
                    time.sleep(delay)
                kind = "application/xml" if status < 300 else "text/plain"
                try:
                    self.send_response(status)
                    for name, value in {"Content-Type": kind, **headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            do_REPORT = do_PROPFIND = do_GET = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alice/cal/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.close()


def _source(stub: Stub, sleeps: list[float], store=None, **extra: object):  # type: ignore[no-untyped-def]
    source = source_for(stub.url, store, **extra)
    source.policy = RetryPolicy(retries=source.config.retries, base_delay=0.5, max_delay=4.0, sleep=sleeps.append)
    return source


def test_transient_server_errors_are_retried_with_growing_backoff(stub):
    stub.script = [(503, {}, b"busy", 0), (502, {}, b"bad gateway", 0), (207, {}, CTAG_STATE, 0), (207, {}, EMPTY_SYNC, 0)]
    sleeps: list[float] = []
    snapshot = _source(stub, sleeps).read(WINDOW)
    assert snapshot.occurrences == [] and stub.seen == ["PROPFIND"] * 3 + ["REPORT"]
    assert len(sleeps) == 2 and 0 < sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_a_persistent_5xx_gives_up_after_bounded_attempts(stub):
    stub.script = [(500, {}, b"broken", 0)]
    sleeps: list[float] = []
    with pytest.raises(SourceError, match=r"HTTP 500 .*gave up after 3 attempts") as info:
        _source(stub, sleeps, retries=2).read(WINDOW)
    assert info.value.calendar == "alex/home" and info.value.transient
    assert len(stub.seen) == 3 and len(sleeps) == 2


def test_rate_limits_honour_retry_after_up_to_the_cap(stub):
    stub.script = [(429, {"Retry-After": "120"}, b"slow down", 0), (207, {}, CTAG_STATE, 0), (207, {}, EMPTY_SYNC, 0)]
    sleeps: list[float] = []
    _source(stub, sleeps).read(WINDOW)
    assert sleeps == [4.0]


def test_a_server_that_does_not_answer_times_out(stub):
    stub.script = [(207, {}, CTAG_STATE, 2.0)]
    sleeps: list[float] = []
    with pytest.raises(SourceError, match=r"did not answer within 0.3s"):
        _source(stub, sleeps, timeout=0.3, retries=1).read(WINDOW)
    assert len(sleeps) == 1


def test_an_unusable_answer_is_an_error_not_an_empty_calendar(stub):
    """A proxy's HTML page instead of a multistatus must never read as "no events"."""
    stub.script = [(200, {"Content-Type": "text/html"}, b"<html><body>Login</body></html>", 0)]
    with pytest.raises(SourceError):
        _source(stub, []).read(WINDOW)


def test_an_unreachable_server_is_a_transient_source_error():
    sleeps: list[float] = []
    source = source_for("http://127.0.0.1:9/alice/cal/")
    source.policy = RetryPolicy(retries=2, base_delay=0.1, sleep=sleeps.append)
    with pytest.raises(SourceError, match="cannot reach") as info:
        source.read(WINDOW)
    assert info.value.transient and len(sleeps) == 2


def test_a_server_without_sync_collection_is_read_through_its_ctag(stub):
    """A 403 to sync-collection is not an access problem: calsync lists by PROPFIND and CTag instead,
    and the next unchanged cycle is a single PROPFIND."""
    from calsync.state.store import Store

    stub.script = [
        (207, {}, CTAG_STATE, 0), (403, {}, b"no such report", 0), (207, {}, CTAG_STATE, 0), (207, {}, CTAG_LIST, 0),
        (207, {}, CTAG_MULTIGET, 0),
    ]
    store = Store.memory()
    first = _source(stub, [], store=store)
    assert [o.summary for o in first.read(WINDOW).occurrences] == ["From a CTag server"]
    assert stub.seen == ["PROPFIND", "REPORT", "PROPFIND", "PROPFIND", "REPORT"]
    stub.seen.clear()
    stub.script = [(207, {}, CTAG_STATE, 0)]
    again = _source(stub, [], store=store)
    assert [o.summary for o in again.read(WINDOW).occurrences] == ["From a CTag server"]
    assert stub.seen == ["PROPFIND"] and again.last_refresh.mode == "ctag"
