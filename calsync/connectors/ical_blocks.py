"""calsync's blocks as iCalendar VEVENTs (for iCal files and CalDAV)."""

from __future__ import annotations

import datetime as dt

import icalendar

from calsync.model import Block
from calsync.model.identity import OWNER_PROPERTY, RULE_PROPERTY, TAG_PROPERTY, block_uid

PRODID = "-//calsync//calsync//EN"
_CLASS = {"private": "PRIVATE", "public": "PUBLIC"}  # default: no CLASS, the calendar's own default


def block_event(block: Block, *, sequence: int = 0, stamp: dt.datetime | None = None) -> icalendar.Event:
    """A VEVENT with the deterministic UID and calsync's tag; no attendees, no alarms."""
    event = icalendar.Event()
    event.add("UID", block_uid(block.key))
    event.add("DTSTAMP", (stamp or dt.datetime.now(dt.UTC)).replace(microsecond=0))
    event.add("DTSTART", block.start.astimezone(dt.UTC))
    event.add("DTEND", block.end.astimezone(dt.UTC))
    event.add("SUMMARY", block.title)
    if block.description:
        event.add("DESCRIPTION", block.description)
    event.add("TRANSP", "OPAQUE")
    event.add("STATUS", "CONFIRMED")
    if block.visibility in _CLASS:
        event.add("CLASS", _CLASS[block.visibility])
    event.add("SEQUENCE", sequence)
    event.add(TAG_PROPERTY, block.key)
    event.add(RULE_PROPERTY, block.rule)
    if block.owner:
        event.add(OWNER_PROPERTY, block.owner)
    return event


def block_vevent_text(block: Block, newline: str = "\r\n", **kwargs: object) -> str:
    text = block_event(block, **kwargs).to_ical().decode("utf-8")  # type: ignore[arg-type]
    return text.replace("\r\n", newline)


def block_calendar_text(block: Block, **kwargs: object) -> str:
    """A whole VCALENDAR holding one block (a CalDAV resource)."""
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add_component(block_event(block, **kwargs))  # type: ignore[arg-type]
    return cal.to_ical().decode("utf-8")
