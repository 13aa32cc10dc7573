"""Remember what an iCal file expanded to, so an unchanged file is not parsed again.

A sync daemon reads the same calendars every few minutes, and most of the time nothing changed.
The result of reading a calendar (its occurrences in the window, calsync's own blocks there, the
warnings) is stored in the calendar's corner of the state database, under a key made of everything
it depends on: the file's bytes (by SHA-256), the window, the household time zone, the partner's
addresses, the calendar, calsync's version and this format's version. Any change to one of them is a different key,
so the cache never needs to be invalidated by hand; one entry per calendar is kept.

Times are stored as their wall-clock value and `fold` in the household zone, which is exactly how
the expansion produces them, so a cached read gives back values equal in every respect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from calsync import __version__
from calsync.model import CalendarRef, Occurrence, OwnedBlock, Window
from calsync.recurrence.expand import Expanded
from calsync.state.store import SourceCache

log = logging.getLogger(__name__)

FORMAT = 2  # 2: blocks keep their owner and visibility; bump when the stored shape or the expansion's semantics change
NAME = "expanded"


def cache_key(data: bytes, window: Window, tz: ZoneInfo, ref: CalendarRef, emails: Sequence[str], label: str) -> str:
    material = json.dumps(
        [
            FORMAT,
            __version__,  # a new calsync may expand differently
            hashlib.sha256(data).hexdigest(),
            window.start.isoformat(),
            window.end.isoformat(),
            tz.key,
            str(ref),
            sorted(e.lower() for e in emails),
            label,
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


class _Unstorable(Exception):
    """A value the codec cannot round-trip exactly: that result is simply not cached."""


def _time(value: dt.datetime, tz: ZoneInfo) -> list[Any]:
    if value.tzinfo is not tz:
        raise _Unstorable(f"{value!r} is not in the household zone")
    return [value.replace(tzinfo=None).isoformat(), value.fold]


def _untime(value: list[Any], tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromisoformat(value[0]).replace(tzinfo=tz, fold=value[1])


def _date(value: dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise _Unstorable("a datetime where a date belongs")
    return value.isoformat()


def _undate(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def encode(expanded: Expanded, tz: ZoneInfo, ref: CalendarRef) -> bytes | None:
    """The stored form of a result, or None when it cannot be stored exactly."""
    try:
        occurrences = []
        for o in expanded.occurrences:
            if o.ref != ref:
                raise _Unstorable("an occurrence of another calendar")
            occurrences.append(
                [o.uid, o.recurrence_id, _time(o.start, tz), _time(o.end, tz), o.summary, o.all_day,
                 _date(o.start_date), _date(o.end_date), o.cancelled, o.transparent, o.declined, o.tentative,
                 list(o.categories), o.location]
            )
        owned = []
        for b in expanded.owned:
            if b.ref != ref or b.extra:
                raise _Unstorable("a block this codec does not know")
            owned.append([
                b.key, b.rule, _time(b.start, tz), _time(b.end, tz), b.title, b.remote_id, b.etag, b.cancelled, b.owner, b.visibility,
            ])
    except _Unstorable as exc:
        log.debug("%s: not caching this read: %s", ref, exc)
        return None
    return json.dumps({"o": occurrences, "b": owned, "w": list(expanded.warnings)}, separators=(",", ":")).encode()


def decode(raw: bytes, tz: ZoneInfo, ref: CalendarRef) -> Expanded:
    data = json.loads(raw)
    occurrences = [
        Occurrence(
            ref=ref, uid=o[0], recurrence_id=o[1], start=_untime(o[2], tz), end=_untime(o[3], tz), summary=o[4],
            all_day=o[5], start_date=_undate(o[6]), end_date=_undate(o[7]), cancelled=o[8], transparent=o[9],
            declined=o[10], tentative=o[11], categories=tuple(o[12]), location=o[13],
        )
        for o in data["o"]
    ]
    owned = [
        OwnedBlock(key=b[0], ref=ref, rule=b[1], start=_untime(b[2], tz), end=_untime(b[3], tz), title=b[4],
                   remote_id=b[5], etag=b[6], cancelled=b[7], owner=b[8], visibility=b[9])
        for b in data["b"]
    ]
    return Expanded(occurrences, owned, list(data["w"]))


def load(cache: SourceCache, key: str, tz: ZoneInfo, ref: CalendarRef) -> Expanded | None:
    """The stored result for `key`, or None (nothing stored, another key, or unreadable)."""
    raw = cache.get(NAME)
    if raw is None:
        return None
    stored_key, _, body = raw.partition(b"\n")
    if stored_key.decode("ascii", "replace") != key:
        return None
    try:
        return decode(body, tz, ref)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        log.debug("%s: ignoring an unreadable cache entry: %s", ref, exc)
        return None


def save(cache: SourceCache, key: str, expanded: Expanded, tz: ZoneInfo, ref: CalendarRef) -> None:
    body = encode(expanded, tz, ref)
    if body is not None:
        cache.put(NAME, key.encode("ascii") + b"\n" + body)
