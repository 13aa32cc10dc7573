"""The conformance suite against the in-memory reference source."""

from __future__ import annotations

import datetime as dt

import pytest

from calsync.connectors.memory import MemoryCalendar, MemoryEvent, MemorySource
from tests.connectors.conformance import REF, TZ, SourceConformance, SourceHarness


@pytest.fixture
def harness() -> SourceHarness:
    calendar = MemoryCalendar()

    def put(uid: str, summary: str, start: dt.datetime, end: dt.datetime) -> None:
        calendar.events[uid] = MemoryEvent(uid, summary, start, end)

    def user_events() -> dict[str, MemoryEvent]:
        return {u: e for u, e in calendar.events.items() if e.tag is None}

    def strip(key: str) -> None:
        for event in calendar.events.values():
            if event.tag == key:
                event.tag = None

    def break_reads():  # type: ignore[no-untyped-def]
        calendar.fail_reads = True
        return lambda: setattr(calendar, "fail_reads", False)

    return SourceHarness(
        new_source=lambda: MemorySource(REF, calendar, TZ),
        put_user_event=put,
        user_events=lambda: {u: repr(e) for u, e in user_events().items()},
        delete_event=lambda uid: calendar.events.pop(uid, None),
        strip_tag=strip,
        break_reads=break_reads,
    )


class TestMemorySource(SourceConformance):
    pass
