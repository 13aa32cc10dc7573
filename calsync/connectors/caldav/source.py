"""`source: caldav`: a calendar on a CalDAV server (Nextcloud, Fastmail, iCloud, Radicale, ...).

Reading refreshes a local mirror of the collection by delta (see mirror.py) and expands it with
the same code as iCal files, so a calendar gives the same occurrences whether it is read from a
file or from a server. calsync's blocks are single-event resources named `<key>.ics` with the
deterministic UID; writes are conditional:

- create: `PUT` with `If-None-Match: *` (never overwrites anything);
- update and delete: `If-Match: <etag>` of the version read.

A `412 Precondition Failed` means someone changed the resource since calsync read it. calsync
reads it again: if it is still calsync's block (tag and deterministic UID) the write is repeated
against the new ETag; if it lost its tag it belongs to the user now and is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from urllib.parse import quote, urljoin, urlsplit

import icalendar

from calsync.config.models import CaldavCalendar
from calsync.connectors.base import Outcome, Snapshot, SourceContext
from calsync.connectors.caldav import protocol
from calsync.connectors.caldav.mirror import Mirror, RefreshStats
from calsync.connectors.caldav.transport import SAFE_PATH as _SAFE
from calsync.connectors.caldav.transport import DavTransport, Forbidden, Reply, RetryPolicy
from calsync.connectors.ical_blocks import PRODID, block_calendar_text
from calsync.connectors.redact import redact_url
from calsync.errors import AuthError, ParseError, SourceError
from calsync.model import Change, Window
from calsync.model.identity import TAG_PROPERTY
from calsync.recurrence.expand import describe, expand_calendar, is_owned_component, owned_block

log = logging.getLogger(__name__)

RESOLVED_NAME = "caldav-collection"
_ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}


class CaldavSource:
    #: How transient failures are retried; tests swap in one that does not sleep.
    retry_policy: Callable[[CaldavCalendar], RetryPolicy] = staticmethod(  # type: ignore[assignment]
        lambda config: RetryPolicy(retries=config.retries)
    )

    def __init__(self, config: CaldavCalendar, ctx: SourceContext, *, policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.ctx = ctx
        self.ref = ctx.ref
        self.writable = bool(config.write)
        self.label = str(ctx.ref)
        self.policy = policy
        self._transport: DavTransport | None = None
        self._collection: str | None = None
        self._mirror: Mirror | None = None
        self.last_refresh: RefreshStats | None = None

    # -- connection ---------------------------------------------------------------------------
    @property
    def requests_sent(self) -> int:
        return self._transport.requests_sent if self._transport is not None else 0

    def transport(self) -> DavTransport:
        if self._transport is None:
            password = None
            if self.config.password_env:
                password = self.ctx.env.get(self.config.password_env)
                if not password:
                    raise AuthError(
                        self.label, f"environment variable {self.config.password_env} is not set (it should hold the CalDAV password)"
                    )
                from calsync.logs import REDACTOR

                REDACTOR.add_secret(password)
            verify: bool | str = True
            if self.config.ca_bundle:
                bundle = self.ctx.resolve(self.config.ca_bundle)
                if not bundle.is_file():
                    raise SourceError(self.label, f"ca_bundle {bundle} not found")
                verify = str(bundle)
            parts = urlsplit(self.config.url)
            if parts.scheme == "http" and password and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
                log.warning("%s: sending the password to %s over plain http", self.label, redact_url(self.config.url))
            self._transport = DavTransport(
                self.config.url,
                label=self.label,
                username=self.config.username,
                password=password,
                auth=self.config.auth,
                timeout=self.config.timeout,
                verify=verify,
                policy=self.policy or type(self).retry_policy(self.config),
            )
        return self._transport

    def collection_url(self) -> str:
        if self._collection is None:
            base = self.config.url if self.config.url.endswith("/") else self.config.url + "/"
            self._collection = base if not self.config.calendar else self._find_calendar(base, self.config.calendar)
            # the calendar may live on another host than the URL configured (iCloud's pNN-caldav hosts)
            self.transport().set_origin(self._collection)
        return self._collection

    def _find_calendar(self, base: str, name: str) -> str:
        cached = self.ctx.cache.get_json(RESOLVED_NAME) or {}
        if cached.get("url") == base and cached.get("calendar") == name and cached.get("collection"):
            return str(cached["collection"])
        transport = self.transport()
        home = base
        found = protocol.child_calendars(transport, base)
        if not found:
            try:
                home = str(transport.client.principal().calendar_home_set.url)
            except SourceError:
                raise
            except Exception as exc:
                raise SourceError(self.label, f"cannot find the calendars of {transport.shown}: {type(exc).__name__}: {exc}") from None
            found = protocol.child_calendars(transport, home)
        matches = [href for href, shown in found if shown == name or href.rstrip("/").rsplit("/", 1)[-1] == name]
        if not matches:
            matches = [href for href, shown in found if shown.casefold() == name.casefold()]
        if len(matches) != 1:
            names = ", ".join(sorted(f'"{shown or href}"' for href, shown in found)) or "none"
            problem = "several calendars are" if matches else "no calendar is"
            raise SourceError(self.label, f'{problem} named "{name}" at {transport.shown} (found: {names})')
        path = matches[0] if matches[0].endswith("/") else matches[0] + "/"
        collection = urljoin(home, quote(path, safe=_SAFE))
        self.ctx.cache.put_json(RESOLVED_NAME, {"url": base, "calendar": name, "collection": collection})
        return collection

    def mirror(self) -> Mirror:
        if self._mirror is None:
            self._mirror = Mirror(self.ctx.cache, self.collection_url())
        return self._mirror

    # -- reading ------------------------------------------------------------------------------
    def read(self, window: Window) -> Snapshot:
        transport = self.transport()
        mirror = self.mirror()
        try:
            self.last_refresh = mirror.refresh(transport)
        except SourceError as exc:
            if self.config.calendar and "HTTP 404" in exc.message:
                self.ctx.cache.put(RESOLVED_NAME, None)  # the calendar moved: look it up again next time
            raise
        log.debug(
            "%s: %s refresh, %d listed, %d fetched, %d removed, %d requests so far",
            self.label, self.last_refresh.mode, self.last_refresh.listed, self.last_refresh.fetched,
            self.last_refresh.removed, transport.requests_sent,
        )
        return self._snapshot(mirror, window)

    def _snapshot(self, mirror: Mirror, window: Window) -> Snapshot:
        snapshot = Snapshot()
        user = icalendar.Calendar()
        user.add("PRODID", PRODID)
        user.add("VERSION", "2.0")
        zones: set[str] = set()
        for href in sorted(mirror.items):
            item = mirror.items[href]
            if not item.may_touch(window):
                continue
            try:
                cal = icalendar.Calendar.from_ical(item.text)
            except Exception as exc:
                if TAG_PROPERTY in item.text:
                    # it may be one of calsync's blocks: skipping it would look like the user deleting it
                    raise ParseError(self.label, f"{href} (tagged as calsync's) cannot be parsed: {exc}") from None
                snapshot.warnings.append(f"{self.label}: skipped {href}: cannot parse it: {exc}")
                continue
            for comp in cal.subcomponents:
                if comp.name == "VTIMEZONE":
                    tzid = str(comp.get("TZID", ""))
                    if tzid not in zones:
                        zones.add(tzid)
                        user.add_component(comp)
                elif comp.name == "VEVENT" and is_owned_component(comp):
                    try:
                        snapshot.owned.append(owned_block(comp, self.ref, self.ctx.tz, remote_id=href, etag=item.etag))
                    except Exception as exc:
                        raise ParseError(self.label, f"calsync's own block {describe(comp)} at {href} cannot be read: {exc}") from None
                else:
                    user.add_component(comp)
        expanded = expand_calendar(user, window, self.ctx.tz, self.ref, emails=self.ctx.emails, label=self.label)
        snapshot.occurrences = expanded.occurrences
        snapshot.warnings.extend(expanded.warnings)
        return snapshot

    # -- writing ------------------------------------------------------------------------------
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        if not self.writable:
            return [Outcome(c, False, error="calendar is read-only") for c in changes]
        try:
            self.transport()
            mirror = self.mirror()
        except SourceError as exc:
            return [Outcome(c, False, error=exc.message) for c in changes]
        outcomes: list[Outcome] = []
        stopped = ""
        try:
            for change in changes:
                if stopped:
                    outcomes.append(Outcome(change, False, error=f"not attempted: {stopped}"))
                    continue
                try:
                    outcomes.append(self._apply_one(change))
                except SourceError as exc:
                    outcomes.append(Outcome(change, False, error=exc.message))
                    if exc.transient or isinstance(exc, AuthError):
                        stopped = exc.message  # the server is gone: do not hammer it once per change
        finally:
            mirror.save()
        return outcomes

    def _apply_one(self, change: Change) -> Outcome:
        if change.action == "create":
            return self._create(change)
        if change.action == "update":
            return self._update(change)
        return self._delete(change)

    def _href_for(self, key: str) -> str:
        return protocol.collection_path(self.collection_url()) + f"{key}.ics"

    def _put(self, href: str, text: str, condition: dict[str, str]) -> Reply:
        return self.transport().request("PUT", self.transport().url_for(href), text, {**_ICS_HEADERS, **condition})

    def _create(self, change: Change) -> Outcome:
        assert change.block is not None
        href = self._href_for(change.key)
        text = block_calendar_text(change.block)
        try:
            reply = self._put(href, text, {"If-None-Match": "*"})
        except Forbidden as exc:
            if any("no-uid-conflict" in p for p in exc.preconditions):
                return Outcome(change, False, error=f"another event on the calendar already uses the UID of block {change.key}")
            raise
        if reply.status in (200, 201, 204):
            self.mirror().put(href, reply.etag, text)
            return Outcome(change, True, remote_id=href)
        if reply.status == 412:
            current = protocol.get_item(self.transport(), href)
            if current is None:
                return Outcome(change, False, error=f"{href} changed while calsync wrote it; will retry next run")
            etag, body = current
            if not _owns(body, change.key):
                return Outcome(change, False, error=f"{href} holds an event calsync did not create; left it alone")
            return self._put_existing(change, href, etag, body)
        if reply.status in (403, 409) and b"no-uid-conflict" in reply.body:
            return Outcome(change, False, error=f"another event on the calendar already uses the UID of block {change.key}")
        return Outcome(change, False, error=f"creating {href} failed: HTTP {reply.status}")

    def _update(self, change: Change) -> Outcome:
        assert change.block is not None and change.existing is not None
        href = change.existing.remote_id
        etag = change.existing.etag
        cached = self.mirror().items.get(href)
        if etag is None or cached is None or cached.etag != etag:
            return self._reread_then(change, href, "update")
        return self._put_existing(change, href, etag, cached.text, retry=True)

    def _put_existing(self, change: Change, href: str, etag: str | None, current_text: str, *, retry: bool = False) -> Outcome:
        assert change.block is not None
        if etag is None:
            return Outcome(change, False, error=f"{href} has no ETag; calsync only overwrites what it can pin down")
        text = block_calendar_text(change.block, sequence=_sequence(current_text) + 1)
        reply = self._put(href, text, {"If-Match": etag})
        if reply.status in (200, 201, 204):
            self.mirror().put(href, reply.etag, text)
            return Outcome(change, True, remote_id=href)
        if reply.status == 412 and retry:
            return self._reread_then(change, href, "update")
        if reply.status == 412:
            return Outcome(change, False, error=f"{href} keeps changing on the server; will retry next run")
        if reply.status == 404:
            self.mirror().remove(href)
            return Outcome(change, False, error=f"{href} was deleted on the server meanwhile; calsync leaves it deleted")
        return Outcome(change, False, error=f"updating {href} failed: HTTP {reply.status}")

    def _reread_then(self, change: Change, href: str, action: str) -> Outcome:
        """Someone changed the resource since we read it: decide again on what is there now."""
        current = protocol.get_item(self.transport(), href)
        if current is None:
            self.mirror().remove(href)
            if action == "delete":
                return Outcome(change, True, remote_id=href)
            return Outcome(change, False, error=f"{href} was deleted on the server meanwhile; calsync leaves it deleted")
        etag, body = current
        if not _owns(body, change.key):
            log.warning("%s: %s is no longer tagged as calsync's; leaving it alone", self.label, href)
            return Outcome(change, False, error=f"{href} no longer carries calsync's tag; left it alone")
        if action == "delete":
            return self._delete_at(change, href, etag, retry=False)
        return self._put_existing(change, href, etag, body)

    def _delete(self, change: Change) -> Outcome:
        assert change.existing is not None
        href = change.existing.remote_id
        etag = change.existing.etag
        if etag is None:
            return self._reread_then(change, href, "delete")
        return self._delete_at(change, href, etag, retry=True)

    def _delete_at(self, change: Change, href: str, etag: str | None, *, retry: bool) -> Outcome:
        if etag is None:
            return Outcome(change, False, error=f"{href} has no ETag; calsync only deletes what it can pin down")
        reply = self.transport().request("DELETE", self.transport().url_for(href), "", {"If-Match": etag})
        if reply.status in (200, 202, 204, 404, 410):
            self.mirror().remove(href)
            return Outcome(change, True, remote_id=href)
        if reply.status == 412 and retry:
            return self._reread_then(change, href, "delete")
        if reply.status == 412:
            return Outcome(change, False, error=f"{href} keeps changing on the server; will retry next run")
        return Outcome(change, False, error=f"deleting {href} failed: HTTP {reply.status}")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


def _owns(text: str, key: str) -> bool:
    """Is this resource calsync's block with this key (tag and deterministic UID)?"""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception:
        return False
    return any(is_owned_component(c) and str(c.get(TAG_PROPERTY)) == key for c in cal.walk("VEVENT"))


def _sequence(text: str) -> int:
    try:
        cal = icalendar.Calendar.from_ical(text)
        return max((int(c.get("SEQUENCE", 0)) for c in cal.walk("VEVENT")), default=0)
    except Exception:
        return 0
