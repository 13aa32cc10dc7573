"""The few WebDAV/CalDAV requests calsync needs, as functions over a DavTransport.

Request bodies are small fixed XML documents; responses are parsed by the caldav library's
DAVResponse parsers. Every function raises SourceError when the answer is unusable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from calsync.connectors.caldav.transport import DavTransport, Forbidden
from calsync.errors import SourceError

_XML = '<?xml version="1.0" encoding="utf-8"?>\n'
_SYNC = (
    _XML + '<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
    "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
)
_STATE = (
    _XML + '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">'
    "<d:prop><cs:getctag/><d:sync-token/><d:resourcetype/></d:prop></d:propfind>"
)
_LIST = _XML + '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
_CHILDREN = (
    _XML + '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>'
)
_MULTIGET = (
    _XML + '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>"
)
_CALENDAR_TAG = "{urn:ietf:params:xml:ns:caldav}calendar"
_XML_HEADERS = {"Content-Type": 'application/xml; charset="utf-8"'}


class SyncTokenInvalid(Exception):
    """The server no longer accepts our sync token (RFC 6578 §3.2): list everything again."""


class NotSupported(Exception):
    """The server does not offer this request (e.g. no sync-collection REPORT)."""


@dataclass
class Listing:
    """Hrefs and ETags; for a delta, also what was removed."""

    etags: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    token: str | None = None


@dataclass(frozen=True)
class CollectionState:
    ctag: str | None
    sync_token: str | None
    is_calendar: bool


def _fail(transport: DavTransport, what: str, status: int) -> SourceError:
    if status == 404:
        return SourceError(transport.label, f"{what}: {transport.shown} has no calendar at that address (HTTP 404)")
    return SourceError(transport.label, f"{what}: {transport.shown} answered HTTP {status}")


def _is_self(href: str, collection_path: str) -> bool:
    return href.rstrip("/") == collection_path.rstrip("/")


def collection_path(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)


def _propfind(transport: DavTransport, url: str, body: str, depth: str, what: str) -> list[Any]:
    """PROPFIND `url` and parse the multistatus answer; any failure is a SourceError saying `what`."""
    reply = transport.request("PROPFIND", url, body, {"Depth": depth, **_XML_HEADERS})
    if reply.status not in (200, 207):
        raise _fail(transport, what, reply.status)
    try:
        return list(reply.dav.parse_propfind())
    except Exception as exc:
        raise SourceError(transport.label, f"unreadable PROPFIND answer from {transport.shown}: {exc}") from None


def collection_state(transport: DavTransport, url: str) -> CollectionState:
    results = _propfind(transport, url, _STATE, "0", "reading the calendar")
    for result in results:
        if _is_self(result.href, collection_path(url)) or len(results) == 1:
            props = result.properties
            kinds = props.get("{DAV:}resourcetype") or []
            return CollectionState(
                ctag=_text(props.get("{http://calendarserver.org/ns/}getctag")),
                sync_token=_text(props.get("{DAV:}sync-token")),
                is_calendar=_CALENDAR_TAG in (kinds if isinstance(kinds, list) else [kinds]),
            )
    raise SourceError(transport.label, f"{transport.shown} did not describe the calendar collection")


def sync_collection(transport: DavTransport, url: str, token: str | None) -> Listing:
    """RFC 6578 sync-collection: with a token, the changes since; without, every item."""
    listing = Listing()
    current = token or ""
    for _page in range(1000):
        body = _SYNC.format(token=escape(current))
        try:
            reply = transport.request("REPORT", url, body, {"Depth": "1", **_XML_HEADERS})
        except Forbidden as exc:
            # a 403 to this REPORT: an expired token, or a server without sync-collection (a real
            # access problem shows again on the PROPFIND that follows)
            if current:
                raise SyncTokenInvalid() from None
            raise NotSupported(exc.message) from None
        if reply.status in (403, 409) and current and b"valid-sync-token" in reply.body:
            raise SyncTokenInvalid()
        if reply.status in (400, 403, 405, 409, 415, 501):
            if current and reply.status in (400, 403, 409):
                raise SyncTokenInvalid()  # some servers answer an expired token without the precondition
            raise NotSupported()
        if reply.status not in (200, 207):
            raise _fail(transport, "sync-collection", reply.status)
        try:
            result = reply.dav.parse_sync_collection()
        except Exception as exc:
            raise SourceError(transport.label, f"unreadable sync-collection answer from {transport.shown}: {exc}") from None
        if not result.sync_token:
            raise NotSupported()
        for item in result.changed:
            if _is_self(item.href, collection_path(url)) or item.href.endswith("/"):
                continue
            if item.etag is None:
                raise SourceError(transport.label, f"{transport.shown} listed {item.href} without an ETag")
            listing.etags[item.href] = item.etag
            if item.href in listing.deleted:
                listing.deleted.remove(item.href)
        for href in result.deleted:
            listing.etags.pop(href, None)
            listing.deleted.append(href)
        listing.token = result.sync_token
        if not result.truncated:
            return listing
        current = result.sync_token
    raise SourceError(transport.label, f"{transport.shown} kept truncating its sync-collection answer")


def list_etags(transport: DavTransport, url: str) -> Listing:
    """PROPFIND Depth 1: every item's href and ETag (for servers without sync-collection)."""
    results = _propfind(transport, url, _LIST, "1", "listing the calendar")
    listing = Listing()
    for result in results:
        if _is_self(result.href, collection_path(url)) or result.href.endswith("/"):
            continue
        etag = _text(result.properties.get("{DAV:}getetag"))
        if etag is None:
            raise SourceError(transport.label, f"{transport.shown} listed {result.href} without an ETag")
        listing.etags[result.href] = etag
    return listing


def multiget(transport: DavTransport, url: str, hrefs: Sequence[str]) -> dict[str, tuple[str, str]]:
    """calendar-multiget: href -> (etag, iCalendar text). Items gone meanwhile are left out."""
    if not hrefs:
        return {}
    refs = "".join(f"<d:href>{escape(_quoted(transport, h))}</d:href>" for h in hrefs)
    reply = transport.request("REPORT", url, _MULTIGET.format(hrefs=refs), {"Depth": "1", **_XML_HEADERS})
    if reply.status not in (200, 207):
        raise _fail(transport, "calendar-multiget", reply.status)
    try:
        results = reply.dav.parse_calendar_query()
    except Exception as exc:
        raise SourceError(transport.label, f"unreadable calendar-multiget answer from {transport.shown}: {exc}") from None
    found: dict[str, tuple[str, str]] = {}
    for result in results:
        if result.status == 404:
            continue
        if result.status >= 400:
            raise SourceError(transport.label, f"{transport.shown} could not return {result.href} (HTTP {result.status})")
        if result.calendar_data is None or result.etag is None:
            raise SourceError(transport.label, f"{transport.shown} returned {result.href} without its data or ETag")
        found[result.href] = (result.etag, result.calendar_data)
    return found


def get_item(transport: DavTransport, href: str) -> tuple[str | None, str] | None:
    """GET one item: (etag, text), or None when it does not exist."""
    reply = transport.request("GET", transport.url_for(href), "", {"Accept": "text/calendar"})
    if reply.status == 404 or reply.status == 410:
        return None
    if reply.status != 200:
        raise _fail(transport, f"reading {href}", reply.status)
    return reply.etag, reply.body.decode("utf-8", errors="replace")


def child_calendars(transport: DavTransport, url: str) -> list[tuple[str, str]]:
    """(href, display name) of the calendar collections directly below `url`."""
    reply = transport.request("PROPFIND", url, _CHILDREN, {"Depth": "1", **_XML_HEADERS})
    if reply.status not in (200, 207):
        return []
    try:
        results = reply.dav.parse_propfind()
    except Exception:
        return []
    out = []
    for result in results:
        kinds = result.properties.get("{DAV:}resourcetype") or []
        if _CALENDAR_TAG in (kinds if isinstance(kinds, list) else [kinds]):
            out.append((result.href, _text(result.properties.get("{DAV:}displayname")) or ""))
    return out


def _quoted(transport: DavTransport, href: str) -> str:
    full = transport.url_for(href)
    return full[len(transport.origin) :] if full.startswith(transport.origin) else full


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return str(value[0]) if value else None
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else None
