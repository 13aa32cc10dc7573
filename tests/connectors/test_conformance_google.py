"""The shared source conformance suite against the Google source and the fake Calendar v3 server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from calsync.connectors.google.events import TAG
from calsync.model.identity import UID_DOMAIN
from tests.connectors.conformance import SourceConformance, SourceHarness
from tests.connectors.google_support import SourceMaker
from tests.fakes.google_server import FakeGoogle, fake_google


def google_harness(fake: FakeGoogle, tmp: Path) -> SourceHarness:
    make = SourceMaker(fake, tmp)

    def put(uid: str, summary: str, start: dt.datetime, end: dt.datetime) -> None:
        fake.put_event({
            "iCalUID": uid, "summary": summary,
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": end.isoformat(), "timeZone": "Europe/Berlin"},
        })

    def user_events() -> dict[str, Any]:
        return {e["iCalUID"]: e for e in fake.untagged(include_cancelled=True).values()}

    def event_id_for(uid: str) -> str:
        # calsync's blocks are addressed by the iCal UID of the key (`key@calsync`); users' by iCalUID
        if uid.endswith("@" + UID_DOMAIN):
            key = uid.split("@", 1)[0]
            live = [i for i, e in fake.tagged().items() if e["extendedProperties"]["private"].get("calsyncKey") == key]
            return live[0] if live else key
        return next(i for i, e in fake.events().items() if e.get("iCalUID") == uid)

    def delete(uid: str) -> None:
        fake.user_delete(event_id_for(uid))

    def strip(key: str) -> None:
        [event_id] = [i for i, e in fake.tagged().items() if e["extendedProperties"]["private"].get("calsyncKey") == key]
        fake.edit_event(event_id, {"extendedProperties": {"private": {TAG: None}}})

    def break_reads() -> Callable[[], None]:
        fake.fail("500", op="list", times=-1)
        return fake.clear_faults

    return SourceHarness(make, put, user_events, delete, strip, break_reads, extras={"fake": fake})


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[SourceHarness]:
    with fake_google(page_size=5) as fake:
        yield google_harness(fake, tmp_path)


class TestGoogle(SourceConformance):
    pass
