"""Cut an iCalendar file down to the components that can touch a window, before parsing it.

A calendar with years of history holds thousands of events that can never appear in a four-week
horizon, and parsing them is most of the cost of reading the file. This module finds the component
boundaries with a few regular expressions over the raw bytes and drops every VEVENT that provably
lies outside the window, judged by the dates of its DTSTART and DTEND/DURATION with days of margin
(so time zones cannot matter). A recurring event is dropped only when its RRULE provably ends
before the window (UNTIL, or COUNT on a rule simple enough to bound) or it starts after it; all
events sharing a UID (a series and its RECURRENCE-ID overrides) are kept or dropped together, and
an event with RDATE, RANGE=THISANDFUTURE or dates it cannot read with certainty is always kept.
Everything else stays untouched: the calendar's own properties, every VTIMEZONE and every other
component.

Whenever the structure is anything but plain (BEGIN/END that do not pair up, text outside the
calendar, unusual or folded BEGIN/END lines), it gives up and returns None, and the caller parses
the whole file: errors then read exactly as they always did. Parsing the result gives the same
occurrences and the same calsync blocks in the window as parsing the whole file (tests compare both
on a corpus of real-world calendars).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from calsync.model import Window

# Days of slack around the window: a wall date in any zone is within a day of the household date,
# and the expansion itself looks one day beyond the window.
MARGIN_DAYS = 3

# icalendar's own unfolding (parser/content_line.py: UFOLD), on bytes.
_UNFOLD = re.compile(rb"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
# A component boundary: a whole line BEGIN:NAME or END:NAME.
_BOUNDARY = re.compile(rb"^(BEGIN|END):([A-Za-z0-9-]+)\r?$", re.MULTILINE | re.IGNORECASE)
# Any line that starts like a boundary; more of these than _BOUNDARY matches means an odd one.
_BOUNDARY_LIKE = re.compile(rb"^(?:BEGIN|END)", re.MULTILINE | re.IGNORECASE)
# A boundary line continued by a folded line is not the boundary it looks like.
_FOLDED_BOUNDARY = re.compile(rb"^(?:BEGIN|END)[^\r\n]*(?:\r?\n)+[ \t]", re.MULTILINE | re.IGNORECASE)
# The properties that decide whether an event can touch the window, with their folded lines.
_PROPERTY = re.compile(
    rb"^(DTSTART|DTEND|DURATION|UID|RRULE|RDATE|EXRULE|EXDATE|RECURRENCE-ID)([;:][^\r\n]*(?:(?:\r?\n)+[ \t][^\r\n]*)*)",
    re.MULTILINE | re.IGNORECASE,
)
_DURATION = re.compile(rb"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_WEEKDAY = re.compile(rb"^(?:MO|TU|WE|TH|FR|SA|SU)$")
_BOM = b"\xef\xbb\xbf"
# For a COUNT-limited rule without BY parts: the most days one step of each frequency can take.
_STEP_DAYS = {b"DAILY": 1, b"WEEKLY": 7, b"MONTHLY": 31, b"YEARLY": 366}


@dataclass(frozen=True)
class Prefiltered:
    data: bytes  # the calendar with the dropped events cut out
    kept: int  # VEVENTs kept
    dropped: int  # VEVENTs dropped


@dataclass
class _Event:
    start: int  # byte offsets of the component, BEGIN line to the end of its END line
    end: int
    own: bytes  # the component's own lines (nested components such as VALARM removed)


def _value(rest: bytes) -> tuple[bytes, bytes] | None:
    """(parameters, value) from the part of a content line after its name; None if unreadable."""
    if rest[:1] == b":":
        return b"", rest[1:]
    if b'"' not in rest:
        params, colon, value = rest.partition(b":")
        return (params, value) if colon else None
    quoted = False
    for index, char in enumerate(rest):
        if char == 0x22:  # "
            quoted = not quoted
        elif char == 0x3A and not quoted:  # :
            return rest[:index], rest[index + 1 :]
    return None


def _date(value: bytes) -> dt.date | None:
    digits = value.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _duration_days(value: bytes) -> int | None:
    """An upper bound of a DURATION in whole days (0 for a negative one); None if unreadable."""
    match = _DURATION.match(value.strip().upper())
    if match is None:
        return None
    sign, weeks, days, hours, minutes, seconds = match.groups()
    if sign == b"-":
        return 0
    total = int(weeks or 0) * 7 + int(days or 0)
    clock = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
    return total + -(-clock // 86400)


def _rrule_last(rule: bytes, start: dt.date) -> dt.date | None:
    """A date no instance of the rule starts after; None when the rule is open or not simple."""
    parts: dict[bytes, bytes] = {}
    for part in rule.strip().upper().split(b";"):
        name, _, value = part.partition(b"=")
        if name in parts:
            return None
        parts[name] = value
    if b"UNTIL" in parts:
        until = _date(parts[b"UNTIL"])
        return None if until is None else until + dt.timedelta(days=1)
    freq = parts.pop(b"FREQ", b"")
    count = parts.pop(b"COUNT", b"")
    interval = parts.pop(b"INTERVAL", b"1")
    parts.pop(b"WKST", None)
    if freq not in _STEP_DAYS or not count.isdigit() or not interval.isdigit():
        return None
    if freq == b"WEEKLY" and b"BYDAY" in parts and not all(_WEEKDAY.match(d) for d in parts.pop(b"BYDAY").split(b",")):
        return None
    if parts:  # any other BY part may skip periods (BYMONTHDAY=31, BYSETPOS, ...)
        return None
    if (freq == b"MONTHLY" and start.day > 28) or (freq == b"YEARLY" and (start.month, start.day) == (2, 29)):
        return None  # months or years without that day are skipped
    steps = int(count) * max(1, int(interval))
    return start + dt.timedelta(days=steps * _STEP_DAYS[freq] + 7)


def _reach(own: bytes) -> tuple[dt.date | None, dt.date | None, bytes | None]:
    """(first date, last date) an event's instances can cover, or None where unknown; and its UID."""
    values: dict[bytes, tuple[bytes, bytes]] = {}
    uid: bytes | None = None
    unknown = False
    for match in _PROPERTY.finditer(own):
        name = match.group(1).upper()
        rest = match.group(2)
        if b"\n" in rest:
            rest = _UNFOLD.sub(b"", rest)
        parts = _value(rest)
        if name in values or parts is None:
            unknown = True  # a property twice or unreadable: leave the judgement to the full parse
            continue
        values[name] = parts
        if name == b"UID":
            uid = parts[1].strip()
    if unknown or b"RDATE" in values or b"DTSTART" not in values:
        return None, None, uid  # RDATE may add instances anywhere, even before DTSTART
    start_params, start_value = values[b"DTSTART"]
    start = _date(start_value)
    if start is None or b"VALUE=PERIOD" in start_params.upper():
        return None, None, uid
    if b"DTEND" in values:
        end = _date(values[b"DTEND"][1])
        if end is None:
            return start, None, uid
        span = max(0, (end - start).days)
    elif b"DURATION" in values:
        days = _duration_days(values[b"DURATION"][1])
        if days is None:
            return start, None, uid
        span = days
    else:
        span = 1  # an all-day event lasts its day
    recurrence_id = values.get(b"RECURRENCE-ID")
    if recurrence_id is not None and b"RANGE=" in recurrence_id[0].upper():
        return start, None, uid  # THISANDFUTURE moves later instances too
    last = start
    if b"RRULE" in values:
        rule_last = _rrule_last(values[b"RRULE"][1], start)
        if rule_last is None:
            return start, None, uid
        last = rule_last
    return start, last + dt.timedelta(days=span), uid


def _scan(data: bytes) -> tuple[list[_Event], int] | None:
    """Every top-level VEVENT (inside a VCALENDAR) and the number of components; None if odd."""
    boundaries = list(_BOUNDARY.finditer(data))
    if len(boundaries) != len(_BOUNDARY_LIKE.findall(data)):
        return None
    # text before the first calendar must be blank
    if not boundaries or data[: boundaries[0].start()].strip():
        return None
    events: list[_Event] = []
    stack: list[bytes] = []
    components = 0
    current: _Event | None = None
    own_from = 0
    pieces: list[bytes] = []
    previous_end = 0
    for match in boundaries:
        kind = match.group(1).upper()
        name = match.group(2).upper()
        if kind == b"BEGIN":
            if not stack:
                if name != b"VCALENDAR" or data[previous_end : match.start()].strip():
                    return None
            elif len(stack) == 1:
                components += 1
                if name == b"VEVENT":
                    current = _Event(match.start(), 0, b"")
                    own_from = match.end()
                    pieces = []
            elif len(stack) == 2 and current is not None:
                pieces.append(data[own_from : match.start()])
            stack.append(name)
        else:
            if not stack or stack[-1] != name:
                return None
            stack.pop()
            if len(stack) == 2 and current is not None:
                own_from = match.end()
            elif len(stack) == 1 and current is not None:
                pieces.append(data[own_from : match.start()])
                current.end = _line_end(data, match.end())
                current.own = b"".join(pieces)
                events.append(current)
                current = None
            elif not stack:
                previous_end = match.end()
    if stack or data[previous_end:].strip():
        return None
    return events, components


def _line_end(data: bytes, index: int) -> int:
    """The offset just past the newline ending the line that ends at `index`."""
    if data[index : index + 2] == b"\r\n":
        return index + 2
    if data[index : index + 1] == b"\n":
        return index + 1
    return index


def prefilter(data: bytes, window: Window, tz: ZoneInfo, margin_days: int = MARGIN_DAYS) -> Prefiltered | None:
    """The calendar with the events that cannot touch `window` cut out, or None to parse it all."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if _FOLDED_BOUNDARY.search(data):
        return None
    scanned = _scan(data)
    if scanned is None:
        return None
    events, _components = scanned
    low = window.start.astimezone(tz).date() - dt.timedelta(days=margin_days)
    high = window.end.astimezone(tz).date() + dt.timedelta(days=margin_days)
    keep_uids: set[bytes] = set()
    decisions: list[tuple[bool, bytes | None]] = []
    for event in events:
        first, last, uid = _reach(event.own)
        touches = (first is None or first <= high) and (last is None or last >= low)
        decisions.append((touches, uid))
        if touches and uid is not None:
            keep_uids.add(uid)
    out: list[bytes] = []
    position = 0
    kept = dropped = 0
    for event, (touches, uid) in zip(events, decisions, strict=True):
        if touches or (uid is not None and uid in keep_uids):
            kept += 1
            continue
        out.append(data[position : event.start])
        position = event.end
        dropped += 1
    out.append(data[position:])
    return Prefiltered(b"".join(out), kept, dropped)
