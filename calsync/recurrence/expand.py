"""Parse iCalendar data and expand it into Occurrences over a window.

Expansion is done by recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID, X-WR-TIMEZONE).
calsync adds what that library leaves to its callers: dropping cancelled overrides, reading floating
times in the household zone, the partner's own RSVP, and separating calsync's own blocks (which
are never counted as the user's time). A broken event is skipped with a warning naming it; a file
that cannot be parsed at all is a ParseError naming the file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from calsync.errors import ParseError
from calsync.model import CalendarRef, Occurrence, OwnedBlock, Window
from calsync.model.identity import OWNER_PROPERTY, RULE_PROPERTY, TAG_PROPERTY, is_block_uid
from calsync.recurrence.normalise import ident, text, to_household

log = logging.getLogger(__name__)

MARGIN = dt.timedelta(days=1)  # widest zone offsets differ by 26h; filtered exactly afterwards


@dataclass
class Expanded:
    occurrences: list[Occurrence] = field(default_factory=list)
    owned: list[OwnedBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_calendar(data: bytes | str, label: str) -> icalendar.Calendar:
    """Parse a whole VCALENDAR; raises ParseError naming `label` when it cannot."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise ParseError(label, "the calendar file is empty")
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise ParseError(label, "not an iCalendar file (no BEGIN:VCALENDAR)")
    try:
        cals = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # icalendar raises ValueError and friends with the broken line
        raise ParseError(label, f"cannot parse {_broken_component(data) or 'VCALENDAR'}: {exc}") from None
    if not cals:
        raise ParseError(label, "no VCALENDAR component found")
    if len(cals) == 1:
        return cals[0]
    merged = cals[0]
    for extra in cals[1:]:
        for sub in extra.subcomponents:
            merged.add_component(sub)
    return merged


def _broken_component(data: bytes) -> str:
    """Name the first component that does not parse on its own (kind, UID or TZID, line)."""
    from calsync.connectors.ics_text import split_calendar

    try:
        text = data.decode("utf-8", errors="replace")
        split = split_calendar(text, "")
    except Exception:
        return ""
    offset = 0
    for chunk in split.components:
        position = text.find(chunk.text, offset)
        offset = max(offset, position)
        if not chunk.name:
            continue
        try:
            icalendar.Component.from_ical(chunk.text)
        except Exception:
            line = text.count("\n", 0, position) + 1 if position >= 0 else 0
            ident = ""
            for raw in chunk.text.splitlines():
                if raw.upper().startswith(("UID:", "TZID:")):
                    ident = " " + raw.strip()
                    break
            return f"{chunk.name}{ident} (line {line})"
    return ""


def is_owned_component(component: icalendar.cal.Component) -> bool:
    """calsync's own event: carries the tag *and* the deterministic UID for that tag."""
    key = component.get(TAG_PROPERTY)
    return key is not None and is_block_uid(str(component.get("UID", "")), str(key))


def describe(component: icalendar.cal.Component) -> str:
    uid = component.get("UID")
    summary = component.get("SUMMARY")
    parts = [str(component.name)]
    if uid:
        parts.append(f"UID {uid}")
    if summary:
        parts.append(f'"{summary}"')
    return " ".join(parts)


_VISIBILITY = {"PRIVATE": "private", "CONFIDENTIAL": "private", "PUBLIC": "public"}


def owned_block(component: icalendar.cal.Component, ref: CalendarRef, tz: ZoneInfo, remote_id: str = "", etag: str | None = None) -> OwnedBlock:
    start = to_household(component.decoded("DTSTART"), tz)
    end_prop = component.get("DTEND")
    end = to_household(end_prop.dt, tz) if end_prop is not None else start
    return OwnedBlock(
        key=str(component.get(TAG_PROPERTY)),
        ref=ref,
        rule=str(component.get(RULE_PROPERTY, "")),
        start=start,
        end=end,
        title=str(component.get("SUMMARY", "")),
        remote_id=remote_id or str(component.get("UID")),
        etag=etag,
        cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        owner=str(component.get(OWNER_PROPERTY, "")),
        visibility=_VISIBILITY.get(str(component.get("CLASS", "")).upper(), "default"),
    )


def _own_response(component: icalendar.cal.Component, emails: Sequence[str]) -> str:
    if not emails:
        return ""
    wanted = {e.lower() for e in emails}
    attendees = component.get("ATTENDEE")
    if attendees is None:
        return ""
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).lower().removeprefix("mailto:")
        if address in wanted:
            return str(attendee.params.get("PARTSTAT", "")).upper()
    return ""


def _occurrence(
    component: icalendar.cal.Component, ref: CalendarRef, tz: ZoneInfo, emails: Sequence[str]
) -> Occurrence:
    raw_start = component.decoded("DTSTART")
    end_prop = component.get("DTEND")
    if end_prop is not None:
        raw_end = end_prop.dt
    elif component.get("DURATION") is not None:
        raw_end = raw_start + component.decoded("DURATION")
    elif isinstance(raw_start, dt.datetime):
        raw_end = raw_start
    else:
        raw_end = raw_start + dt.timedelta(days=1)
    all_day = not isinstance(raw_start, dt.datetime)
    start = to_household(raw_start, tz)
    end = to_household(raw_end, tz)
    if end < start:
        end = start
    status = str(component.get("STATUS", "")).upper()
    response = _own_response(component, emails)
    categories: list[str] = []
    cats = component.get("CATEGORIES")
    for cat in cats if isinstance(cats, list) else ([cats] if cats is not None else []):
        categories.extend(str(c) for c in getattr(cat, "cats", [cat]))
    return Occurrence(
        ref=ref,
        uid=str(component.get("UID", "")),
        recurrence_id=ident(component.get("RECURRENCE-ID") or component.get("DTSTART")),
        start=start,
        end=end,
        summary=text(component.get("SUMMARY")),
        all_day=all_day,
        start_date=raw_start if all_day else None,
        end_date=raw_end if all_day and not isinstance(raw_end, dt.datetime) else None,
        cancelled=status == "CANCELLED",
        transparent=str(component.get("TRANSP", "")).upper() == "TRANSPARENT",
        declined=response == "DECLINED",
        tentative=status == "TENTATIVE" or response == "TENTATIVE",
        categories=tuple(categories),
        location=text(component.get("LOCATION")),
    )


def _expand(cal: icalendar.Calendar, window: Window, tz: ZoneInfo) -> list[icalendar.cal.Component]:
    query = recurring_ical_events.of(cal)
    start = (window.start - MARGIN).astimezone(tz).replace(tzinfo=None)
    end = (window.end + MARGIN).astimezone(tz).replace(tzinfo=None)
    return list(query.between(start, end))


def _split_by_uid(cal: icalendar.Calendar) -> Iterable[tuple[str, icalendar.Calendar]]:
    """One small calendar per UID, with the time zones, for isolating a broken series."""
    zones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    groups: dict[str, list[icalendar.cal.Component]] = {}
    for index, comp in enumerate(cal.subcomponents):
        if comp.name == "VEVENT":
            name = describe(comp) if comp.get("UID") is not None else f"{describe(comp)} (component #{index + 1})"
            groups.setdefault(str(comp.get("UID", name)), []).append(comp)
    for _uid, comps in groups.items():
        part = icalendar.Calendar()
        for key, value in cal.items():
            part.add(key, value)
        for zone in zones:
            part.add_component(zone)
        for comp in comps:
            part.add_component(comp)
        yield describe(comps[0]), part


def _in_window(window: Window, start: dt.datetime, end: dt.datetime) -> bool:
    return window.overlaps(start, end) or (start == end and window.contains_start(start))


def expand_calendar(
    cal: icalendar.Calendar,
    window: Window,
    tz: ZoneInfo,
    ref: CalendarRef,
    *,
    emails: Sequence[str] = (),
    label: str = "",
) -> Expanded:
    """User occurrences overlapping `window`, and calsync's own blocks there.

    Blocks outside the window are left out like occurrences: nothing that reads a window (planner,
    flexible placement, report) looks at them, and leaving them out lets a reader skip parsing the
    years of past blocks a calendar accumulates (see calsync.recurrence.prefilter).
    """
    label = label or str(ref)
    result = Expanded()
    user = icalendar.Calendar()
    for key, value in cal.items():
        user.add(key, value)
    for comp in cal.subcomponents:
        if comp.name == "VEVENT" and is_owned_component(comp):
            try:
                block = owned_block(comp, ref, tz)
            except Exception as exc:
                # Skipping one of calsync's own blocks would look like the user deleting it.
                raise ParseError(label, f"calsync's own block {describe(comp)} cannot be read: {exc}") from None
            if _in_window(window, block.start, block.end):
                result.owned.append(block)
        else:
            user.add_component(comp)
    try:
        components = _expand(user, window, tz)
    except Exception:
        components = []
        for uid, part in _split_by_uid(user):
            try:
                found = _expand(part, window, tz)
            except Exception as exc:
                result.warnings.append(f"{label}: skipped {uid}: {type(exc).__name__}: {exc}")
                continue
            components.extend(found)
    for comp in components:
        try:
            occ = _occurrence(comp, ref, tz, emails)
        except Exception as exc:
            result.warnings.append(f"{label}: skipped {describe(comp)}: {exc}")
            continue
        if occ.cancelled:
            continue
        if _in_window(window, occ.start, occ.end):
            result.occurrences.append(occ)
    # recurring-ical-events yields overrides in no stable order (it varies from run to run); a
    # fixed order keeps plans, conflicts and cached reads identical from one run to the next
    result.occurrences.sort(key=_order)
    for warning in result.warnings:
        log.warning("%s", warning)
    return result


def _order(occ: Occurrence) -> tuple[dt.datetime, dt.datetime, str, str, str]:
    return (occ.start, occ.end, occ.uid, occ.recurrence_id, occ.summary)
