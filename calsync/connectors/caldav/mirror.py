"""A local copy of one CalDAV collection, kept in the calendar's SourceCache and refreshed by delta.

The mirror holds each item's href, ETag, iCalendar text and the UTC span it can touch (None for
a recurring series). A refresh asks the server what changed since the last one:

1. with a sync token: one sync-collection REPORT (RFC 6578) lists changed and removed hrefs;
2. without one (the server has no sync-collection): one PROPFIND of the collection's CTag, and only
   when it moved a Depth-1 PROPFIND of every ETag;

then one calendar-multiget per 200 items fetches only the items whose ETag differs. A cycle with
nothing changed costs a single request and downloads no event. The new state is stored only once
the whole refresh succeeded, so a failed refresh leaves the previous, complete copy.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import icalendar

from calsync.connectors.caldav import protocol
from calsync.connectors.caldav.transport import DavTransport
from calsync.errors import SourceError
from calsync.model import Window
from calsync.state.store import SourceCache

log = logging.getLogger(__name__)

CACHE_NAME = "caldav-mirror"
FORMAT = 1
MULTIGET_BATCH = 200
SPAN_MARGIN = dt.timedelta(days=2)  # floating and all-day times: the zone is not known here


@dataclass
class Item:
    etag: str
    text: str
    span: tuple[str, str] | None  # UTC ISO bounds, or None when it recurs

    def may_touch(self, window: Window) -> bool:
        if self.span is None:
            return True
        start, end = (dt.datetime.fromisoformat(v) for v in self.span)
        return start - SPAN_MARGIN < window.end and end + SPAN_MARGIN > window.start

    def as_json(self) -> list[Any]:
        return [self.etag, self.text, list(self.span) if self.span else None]


@dataclass
class RefreshStats:
    mode: str = ""  # sync | ctag | full
    listed: int = 0
    fetched: int = 0
    removed: int = 0


def _utc(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=dt.UTC)


def item_span(text: str) -> tuple[str, str] | None:
    """The UTC interval the item's events can touch; None for recurring or unreadable items."""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception:
        return None  # expansion will report it with the resource's name
    low: dt.datetime | None = None
    high: dt.datetime | None = None
    for comp in cal.walk("VEVENT"):
        if comp.get("RRULE") is not None or comp.get("RDATE") is not None:
            return None
        try:
            start = comp.decoded("DTSTART")
            if comp.get("DTEND") is not None:
                end = comp.decoded("DTEND")
            elif comp.get("DURATION") is not None:
                end = start + comp.decoded("DURATION")
            else:
                end = start + dt.timedelta(days=1)
            points = [_utc(start), _utc(end)]
            if comp.get("RECURRENCE-ID") is not None:
                points.append(_utc(comp.decoded("RECURRENCE-ID")))
        except Exception:
            return None
        low = min([p for p in (low, *points) if p is not None])
        high = max([p for p in (high, *points) if p is not None])
    if low is None or high is None:
        return None
    return (low.isoformat(), high.isoformat())


class Mirror:
    def __init__(self, cache: SourceCache, collection_url: str) -> None:
        self.cache = cache
        self.collection_url = collection_url
        self.items: dict[str, Item] = {}
        self.token: str | None = None
        self.ctag: str | None = None
        self.mode = ""  # "sync" when the server answered sync-collection, "ctag" otherwise
        self._load()

    # -- persistence --------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            data = self.cache.get_json(CACHE_NAME)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("collection") != self.collection_url:
            return
        self.token = data.get("token")
        self.ctag = data.get("ctag")
        self.mode = data.get("mode", "")
        for href, (etag, text, span) in data.get("items", {}).items():
            self.items[href] = Item(etag, text, tuple(span) if span else None)  # type: ignore[arg-type]

    def save(self) -> None:
        self.cache.put_json(
            CACHE_NAME,
            {
                "format": FORMAT,
                "collection": self.collection_url,
                "token": self.token,
                "ctag": self.ctag,
                "mode": self.mode,
                "items": {href: item.as_json() for href, item in self.items.items()},
            },
        )

    def forget_position(self) -> None:
        """Our own writes changed the collection: the next refresh must not trust the CTag."""
        if self.mode == "ctag":
            self.ctag = None

    def put(self, href: str, etag: str | None, text: str) -> None:
        """Record an item we wrote; without an ETag the server may have changed it: fetch it again."""
        if etag:
            self.items[href] = Item(etag, text, item_span(text))
        else:
            self.items.pop(href, None)
        self.forget_position()

    def remove(self, href: str) -> None:
        self.items.pop(href, None)
        self.forget_position()

    # -- refresh ------------------------------------------------------------------------------
    def refresh(self, transport: DavTransport) -> RefreshStats:
        """Bring the copy up to date, or raise SourceError and keep the previous copy."""
        stats = RefreshStats()
        items = dict(self.items)
        listing: protocol.Listing | None = None
        full = True
        token, ctag, mode = self.token, self.ctag, self.mode
        if mode != "ctag" and not token:
            # a first (or reset) listing: make sure the URL is a calendar, or a principal URL would
            # read as an empty calendar
            _require_calendar(transport, protocol.collection_state(transport, self.collection_url))
        if mode != "ctag":
            try:
                listing = protocol.sync_collection(transport, self.collection_url, token)
                full = not token
                mode = "sync"
                stats.mode = "sync" if token else "full"
            except protocol.SyncTokenInvalid:
                log.info("%s: sync token expired; listing the whole calendar", transport.label)
                listing = protocol.sync_collection(transport, self.collection_url, None)
                mode, stats.mode = "sync", "full"
            except protocol.NotSupported:
                mode = "ctag"
        if mode == "ctag":
            state = protocol.collection_state(transport, self.collection_url)
            _require_calendar(transport, state)
            stats.mode = "ctag"
            if state.ctag is not None and state.ctag == ctag and self.mode == "ctag":
                return stats  # nothing changed since the last complete refresh
            listing = protocol.list_etags(transport, self.collection_url)
            ctag = state.ctag
            stats.mode = "full"
        assert listing is not None
        stats.listed = len(listing.etags)
        if full:
            for href in [h for h in items if h not in listing.etags]:
                del items[href]
                stats.removed += 1
        for href in listing.deleted:
            if items.pop(href, None) is not None:
                stats.removed += 1
        wanted = [href for href, etag in listing.etags.items() if href not in items or items[href].etag != etag]
        for start in range(0, len(wanted), MULTIGET_BATCH):
            batch = wanted[start : start + MULTIGET_BATCH]
            found = protocol.multiget(transport, self.collection_url, batch)
            for href in batch:
                if href in found:
                    etag, text = found[href]
                    items[href] = Item(etag, text, item_span(text))
                    stats.fetched += 1
                else:
                    items.pop(href, None)  # removed between the listing and the fetch
        changed = bool(wanted or stats.removed or listing.token != token or ctag != self.ctag or mode != self.mode)
        self.items, self.mode, self.ctag = items, mode, ctag
        self.token = listing.token if mode == "sync" else None
        if changed:
            self.save()
        return stats


def _require_calendar(transport: DavTransport, state: protocol.CollectionState) -> None:
    if not state.is_calendar:
        raise SourceError(
            transport.label,
            f"{transport.shown} is not a calendar collection; set url to the calendar itself or add calendar: NAME",
        )
