"""Google Calendar events ↔ calsync's model (pure functions, no I/O).

User events become Occurrences with the same meaning as on the iCal path: identity is
(iCalUID, original start), all-day events keep their dates (end exclusive), the `self` attendee's
`declined` means free, `transparency: transparent` means free, cancelled instances are dropped.
calsync's own events carry private extended properties (`calsync: "1"`, the block key and rule)
*and* an id derived from that key; only such events are ever changed or deleted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calsync.model import Block, CalendarRef, Occurrence, OwnedBlock
from calsync.recurrence.normalise import ident, to_household

TAG = "calsync"
TAG_VALUE = "1"
KEY_PROP = "calsyncKey"
RULE_PROP = "calsyncRule"
OWNER_PROP = "calsyncOwner"
OWNED_FILTER = f"{TAG}={TAG_VALUE}"
STATUS_EVENT_TYPES = ("focusTime", "outOfOffice")
# Event types that never mean "busy working": a place of work, a birthday, being away.
FREE_EVENT_TYPES = frozenset({"workingLocation", "birthday", "outOfOffice"})

_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_GEN = re.compile(r"^g([1-9][0-9]{0,3})$")


# -- ids --------------------------------------------------------------------------------------
def event_id(key: str, generation: int = 0) -> str:
    """The client-specified event id of a block: its key, then `key` + `g<n>` after a burnt id."""
    return key if generation == 0 else f"{key}g{generation}"


def generation_of(key: str, remote_id: str) -> int | None:
    """The generation of `remote_id` for `key`, or None when the id is not one of the key's ids."""
    if remote_id == key:
        return 0
    if not remote_id.startswith(key):
        return None
    match = _GEN.match(remote_id[len(key) :])
    return int(match.group(1)) if match else None


def valid_event_id(value: str) -> bool:
    return bool(_ID.match(value))


# -- ownership --------------------------------------------------------------------------------
def private_props(event: Mapping[str, Any]) -> dict[str, str]:
    props = (event.get("extendedProperties") or {}).get("private") or {}
    return props if isinstance(props, dict) else {}


def is_tagged(event: Mapping[str, Any]) -> bool:
    return private_props(event).get(TAG) == TAG_VALUE


def owned_key(event: Mapping[str, Any]) -> str | None:
    """The block key when this is calsync's event: the tag, and an id derived from that key."""
    props = private_props(event)
    key = props.get(KEY_PROP)
    if props.get(TAG) != TAG_VALUE or not key:
        return None
    return key if generation_of(key, str(event.get("id", ""))) is not None else None


# -- times ------------------------------------------------------------------------------------
def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_when(value: Mapping[str, Any] | None, calendar_tz: str | None) -> dt.date | dt.datetime:
    """An EventDateTime as a date (all-day) or an aware datetime."""
    if not value:
        raise ValueError("missing start or end")
    if value.get("dateTime"):
        text = str(value["dateTime"]).replace("Z", "+00:00")
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            zone = _zone(value.get("timeZone")) or _zone(calendar_tz)
            if zone is not None:
                moment = moment.replace(tzinfo=zone)
        return moment
    if value.get("date"):
        return dt.date.fromisoformat(str(value["date"]))
    raise ValueError("start or end has neither date nor dateTime")


def _ident_of(value: Mapping[str, Any] | None, calendar_tz: str | None) -> str:
    return ident(parse_when(value, calendar_tz))


# -- user events ------------------------------------------------------------------------------
def own_response(event: Mapping[str, Any], emails: Sequence[str]) -> str:
    """The partner's responseStatus: the `self` attendee, else one matching the partner's emails."""
    attendees = event.get("attendees") or []
    wanted = {e.lower() for e in emails}
    for attendee in attendees:
        if attendee.get("self"):
            return str(attendee.get("responseStatus", ""))
    for attendee in attendees:
        if str(attendee.get("email", "")).lower() in wanted:
            return str(attendee.get("responseStatus", ""))
    return ""


def to_occurrence(
    event: Mapping[str, Any], ref: CalendarRef, tz: ZoneInfo, emails: Sequence[str], calendar_tz: str | None
) -> Occurrence:
    raw_start = parse_when(event.get("start"), calendar_tz)
    raw_end = parse_when(event.get("end"), calendar_tz) if event.get("end") else raw_start
    all_day = not isinstance(raw_start, dt.datetime)
    if all_day and isinstance(raw_end, dt.datetime):
        raw_end = raw_end.date()
    if not all_day and not isinstance(raw_end, dt.datetime):
        raw_end = raw_start
    start = to_household(raw_start, tz)
    end = to_household(raw_end, tz)
    if end < start:
        end = start
    response = own_response(event, emails)
    original = event.get("originalStartTime")
    recurrence_id = _ident_of(original, calendar_tz) if original else ident(raw_start)
    event_type = str(event.get("eventType") or "default")
    return Occurrence(
        ref=ref,
        uid=str(event.get("iCalUID") or event.get("id") or ""),
        recurrence_id=recurrence_id,
        start=start,
        end=end,
        summary=str(event.get("summary") or ""),
        all_day=all_day,
        start_date=raw_start if all_day else None,  # type: ignore[arg-type]
        end_date=raw_end if all_day else None,  # type: ignore[arg-type]
        cancelled=event.get("status") == "cancelled",
        transparent=event.get("transparency") == "transparent" or event_type in FREE_EVENT_TYPES,
        declined=response == "declined",
        tentative=event.get("status") == "tentative" or response == "tentative",
        categories=(f"google:{event_type}",) if event_type != "default" else (),
        location=str(event.get("location") or ""),
    )


def to_owned(event: Mapping[str, Any], ref: CalendarRef, tz: ZoneInfo, calendar_tz: str | None) -> OwnedBlock | None:
    key = owned_key(event)
    if key is None:
        return None
    start = parse_when(event.get("start"), calendar_tz)
    end = parse_when(event.get("end"), calendar_tz)
    return OwnedBlock(
        key=key,
        ref=ref,
        rule=private_props(event).get(RULE_PROP, ""),
        start=to_household(start, tz),
        end=to_household(end, tz),
        title=str(event.get("summary") or ""),
        remote_id=str(event["id"]),
        etag=event.get("etag"),
        cancelled=event.get("status") == "cancelled",
        owner=private_props(event).get(OWNER_PROP, ""),
        visibility="private" if event.get("visibility") == "confidential" else str(event.get("visibility") or "default"),
        extra={"eventType": event.get("eventType", "default")},
    )


# -- what calsync writes ----------------------------------------------------------------------
DECLINE_MODES = {
    "all": "declineAllConflictingInvitations",
    "new": "declineOnlyNewConflictingInvitations",
    "none": "declineNone",
}


def _tags(block: Block) -> dict[str, str]:
    tags = {TAG: TAG_VALUE, KEY_PROP: block.key, RULE_PROP: block.rule}
    if block.owner:
        tags[OWNER_PROP] = block.owner
    return tags


def block_body(
    block: Block,
    tz: ZoneInfo,
    *,
    event_type: str = "default",
    auto_decline: bool = True,
    decline_message: str = "",
) -> dict[str, Any]:
    """The event calsync writes for a block: busy, private by default, silent (no attendees, no
    reminders), tagged as calsync's. The id is added by the caller (inserts only)."""
    zone = getattr(tz, "key", "UTC")
    body: dict[str, Any] = {
        "summary": block.title,
        "description": block.description,
        "start": {"dateTime": block.start.astimezone(tz).isoformat(), "timeZone": zone},
        "end": {"dateTime": block.end.astimezone(tz).isoformat(), "timeZone": zone},
        "transparency": "opaque",
        "visibility": block.visibility,
        "status": "confirmed",
        "reminders": {"useDefault": False, "overrides": []},
        "guestsCanInviteOthers": False,
        "extendedProperties": {"private": _tags(block)},
    }
    if event_type in STATUS_EVENT_TYPES:
        body["eventType"] = event_type
        # the rule's choice wins; the calendar's auto_decline is the default for rules that say nothing
        rule_mode = getattr(block, "auto_decline", "none") or "none"
        if rule_mode != "none":
            mode = DECLINE_MODES[rule_mode]
        else:
            mode = "declineOnlyNewConflictingInvitations" if auto_decline else "declineNone"
        props: dict[str, Any] = {"autoDeclineMode": mode}
        message = decline_message or getattr(block, "decline_message", "")
        if message and mode != "declineNone":
            props["declineMessage"] = message
        if event_type == "focusTime":
            props["chatStatus"] = "doNotDisturb"
            body["focusTimeProperties"] = props
        else:
            body["outOfOfficeProperties"] = props
    return body


def trim(event: Mapping[str, Any], emails: Sequence[str]) -> dict[str, Any]:
    """What calsync keeps of an event in its cache (enough to rebuild Occurrences and blocks)."""
    keep = (
        "id", "status", "summary", "start", "end", "transparency", "visibility", "eventType", "iCalUID",
        "recurringEventId", "originalStartTime", "location", "etag",
    )
    out = {k: event[k] for k in keep if k in event}
    props = private_props(event)
    mine = {k: v for k, v in props.items() if k in (TAG, KEY_PROP, RULE_PROP, OWNER_PROP)}
    if mine:
        out["extendedProperties"] = {"private": mine}
    wanted = {e.lower() for e in emails}
    attendees = [
        {k: a[k] for k in ("email", "self", "responseStatus") if k in a}
        for a in event.get("attendees") or []
        if a.get("self") or str(a.get("email", "")).lower() in wanted
    ]
    if attendees:
        out["attendees"] = attendees
    return out
