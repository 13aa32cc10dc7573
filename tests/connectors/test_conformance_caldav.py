"""The conformance suite against a CalDAV calendar on a real Radicale server."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest

from calsync.config.models import CaldavCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.caldav import CaldavSource
from calsync.state.store import Store
from tests.connectors.caldav_support import PASSWORD, PASSWORD_ENV, no_sleep_policy
from tests.connectors.conformance import REF, TZ, SourceConformance, SourceHarness
from tests.fakes.radicale import DavCalendar


def _resource_name(uid: str) -> str:
    return quote(uid, safe="") + ".ics"


def caldav_harness(cal: DavCalendar) -> SourceHarness:
    state = Store.memory()  # the state a new calsync process finds: sync token, ETags, mirror

    def source() -> CaldavSource:
        config = CaldavCalendar(
            source="caldav", url=cal.url, username="alice", password_env=PASSWORD_ENV, role="work", write=True, retries=1
        )
        ctx = SourceContext(
            ref=REF, tz=TZ, household="home", base_dir=cal.server.storage, cache=state.cache(REF), env={PASSWORD_ENV: PASSWORD}
        )
        return CaldavSource(config, ctx, policy=no_sleep_policy(config))

    def put(uid: str, summary: str, start: dt.datetime, end: dt.datetime) -> None:
        body = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Handmade//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:{summary}\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}\r\n"
            "X-USER-PROPERTY;X-PARAM=keep:untouched value\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        assert cal.put(_resource_name(uid), body) == 201

    def by_uid() -> dict[str, tuple[str, bytes]]:
        out = {}
        for name, body in cal.resources().items():
            match = re.search(rb"^UID:(.+?)\r?$", body, re.M)
            if match:
                out[match.group(1).decode()] = (name, body)
        return out

    def user_events() -> dict[str, bytes]:
        return {uid: body for uid, (_, body) in by_uid().items() if b"X-CALSYNC-KEY" not in body}

    def delete(uid: str) -> None:
        found = by_uid().get(uid)
        if found:
            assert cal.delete(quote(found[0], safe="")) in (200, 204)

    def strip(key: str) -> None:
        name = f"{key}.ics"
        status, _, body = cal.get(name)
        assert status == 200
        assert cal.put(name, re.sub(rb"X-CALSYNC-KEY:[^\r\n]+\r?\n", b"", body)) in (201, 204)

    def break_reads():  # type: ignore[no-untyped-def]
        cal.server.stop()  # the server goes away; the undo brings it back on the same port and storage
        return cal.server.start

    return SourceHarness(source, put, user_events, delete, strip, break_reads)


@pytest.fixture
def harness(caldav_calendar: DavCalendar) -> SourceHarness:
    return caldav_harness(caldav_calendar)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))


class TestCaldavRadicale(SourceConformance):
    pass
