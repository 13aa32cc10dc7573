"""What a sync cycle costs in HTTP requests on a 500-event CalDAV calendar (Radicale).

Every HTTP request any CalDAV client sends in this process is counted at the HTTP session, so
the numbers include everything: listing, fetching, writing, auth. The test prints them and
asserts the promise: a cycle with nothing changed on the server is one request.
"""

from __future__ import annotations

import datetime as dt
import time

import niquests
import pytest

from calsync.connectors.caldav import CaldavSource
from tests.connectors.caldav_support import NOW, CliHousehold, no_sleep_policy

EVENTS = 500


class RequestCounter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = niquests.Session.request
        counter = self

        def request(session, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
            counter.calls.append((str(method), str(url)))
            return original(session, method, url, *args, **kwargs)

        monkeypatch.setattr(niquests.Session, "request", request)

    def take(self) -> list[tuple[str, str]]:
        calls, self.calls = self.calls, []
        return calls


def _big_calendar(count: int) -> str:
    """`count` events: most one-off over a year around now, every tenth a weekly series."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//calsync//EN"]
    base = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    for i in range(count):
        start = base + dt.timedelta(days=i * 365 // count, hours=i % 9)
        lines += [
            "BEGIN:VEVENT", f"UID:event-{i}@example.org", "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{start + dt.timedelta(minutes=45):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Meeting {i}",
        ]
        if i % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=30")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.slow
def test_requests_per_cycle_on_a_500_event_calendar(caldav_calendar, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))
    # Radicale accepts a whole VCALENDAR PUT on the collection: one resource per UID
    status, _, body = caldav_calendar.server.http(
        "PUT", caldav_calendar.path, _big_calendar(EVENTS), {"Content-Type": "text/calendar"}
    )
    assert status in (200, 201), body[:300]
    assert len(caldav_calendar.resources()) == EVENTS
    household = CliHousehold(tmp_path / "home", caldav_calendar.url, capsys, horizon_days=28)
    counter = RequestCounter()
    counter.install(monkeypatch)

    rows = []
    for label, now in [
        ("first sync (empty state)", NOW),
        ("no-change sync", NOW),
        ("no-change sync, an hour later", NOW + dt.timedelta(hours=1)),
    ]:
        began = time.perf_counter()
        code, result, err = household.sync(now=now)
        seconds = time.perf_counter() - began
        assert code == 0, err
        calls = counter.take()
        rows.append((label, len(calls), result, seconds, calls))

    caldav_calendar.server.http(
        "PUT", caldav_calendar.path + "late.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:late@x\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20261127T150000Z\r\nDTEND:20261127T160000Z\r\n"
        "SUMMARY:Added on a phone\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        {"Content-Type": "text/calendar"},
    )
    began = time.perf_counter()
    code, result, err = household.sync()
    assert code == 0, err
    calls = counter.take()
    rows.append(("one event added on the server", len(calls), result, time.perf_counter() - began, calls))

    with capsys.disabled():
        print(f"\nHTTP requests per sync cycle, CalDAV calendar with {EVENTS} events (Radicale, horizon 28 days):")
        for label, n, result, seconds, calls in rows:
            methods = ", ".join(sorted({m for m, _ in calls}))
            print(
                f"  {label:34s} {n:3d} requests ({methods}); created {result['created']}, "
                f"updated {result['updated']}, deleted {result['deleted']}; {seconds:.2f}s"
            )

    first, quiet, quiet_later, one_added = rows
    assert quiet[1] == 1 and quiet[4][0][0] == "REPORT"  # one sync-collection REPORT, nothing downloaded
    assert quiet_later[1] == 1
    assert one_added[1] == 2  # the REPORT and one calendar-multiget of the new event
    # first: one PROPFIND (is it a calendar?), one listing, one multiget per 200 events, one PUT per block
    assert first[2]["created"] > 0 and first[1] == 2 + -(-EVENTS // 200) + first[2]["created"]
