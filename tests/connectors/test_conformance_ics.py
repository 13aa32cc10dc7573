"""The conformance suite against a writable iCal file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calsync.config.models import IcsCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.ics import IcsSource
from calsync.connectors.ics_text import split_calendar
from calsync.state.store import SourceCache
from tests.connectors.conformance import REF, TZ, SourceConformance, SourceHarness

HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Handmade//EN\r\n"


def _uid(text: str) -> str:
    for line in text.splitlines():
        if line.upper().startswith("UID:"):
            return line[4:].strip()
    return ""


def ics_harness(path: Path) -> SourceHarness:
    path.write_text(HEADER + "END:VCALENDAR\r\n", newline="")

    def source() -> IcsSource:
        ctx = SourceContext(ref=REF, tz=TZ, household="home", base_dir=path.parent, cache=SourceCache(None, str(REF)))
        return IcsSource(IcsCalendar(source="ics", path=path.name, role="work", write=True), ctx)

    def put(uid: str, summary: str, start: dt.datetime, end: dt.datetime) -> None:
        text = path.read_text()
        event = (
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:{summary}\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}\r\n"
            "X-USER-PROPERTY;X-PARAM=keep:untouched value\r\nEND:VEVENT\r\n"
        )
        path.write_text(text.replace("END:VCALENDAR", event + "END:VCALENDAR"), newline="")

    def chunks() -> list[str]:
        return [c.text for c in split_calendar(path.read_bytes().decode(), str(path)).components if c.name == "VEVENT"]

    def user_events() -> dict[str, str]:
        return {_uid(c): c for c in chunks() if "X-CALSYNC-KEY" not in c}

    def delete(uid: str) -> None:
        text = path.read_bytes().decode()
        for chunk in chunks():
            if _uid(chunk) == uid:
                text = text.replace(chunk, "")
        path.write_text(text, newline="")

    def strip(key: str) -> None:
        text = path.read_bytes().decode()
        for chunk in chunks():
            if f"X-CALSYNC-KEY:{key}" in chunk:
                text = text.replace(chunk, chunk.replace(f"X-CALSYNC-KEY:{key}\r\n", ""))
        path.write_text(text, newline="")

    def break_reads():  # type: ignore[no-untyped-def]
        good = path.read_bytes()
        path.write_bytes(b"<html>502 Bad Gateway</html>")
        return lambda: path.write_bytes(good)

    return SourceHarness(source, put, user_events, delete, strip, break_reads)


@pytest.fixture
def harness(tmp_path: Path) -> SourceHarness:
    return ics_harness(tmp_path / "work.ics")


class TestIcsFile(SourceConformance):
    pass
