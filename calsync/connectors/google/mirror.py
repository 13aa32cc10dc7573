"""A local mirror of one Google calendar, kept current with sync tokens.

The first read (and any read the mirror cannot serve) is a full read: `events.list` with
`singleEvents` over a covered range a little wider than the horizon, every page to the last (only
the last page carries `nextSyncToken`), plus one `privateExtendedProperty` query for calsync's own
events (deleted ones included, so a burnt id is known before writing). Later reads send only the
sync token: a cycle with no changes costs one request. `410 Gone` drops the mirror and does one
full read. The mirror is saved to the calendar's cache only after a complete read, so an
interrupted read leaves the previous state, never a partial one.

Incremental results are not bounded in time and cannot be filtered by extended property (Google
forbids both with a sync token), so ownership is checked on every event client-side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from googleapiclient.errors import HttpError

from calsync.connectors.google import events as gev
from calsync.connectors.google.client import RetryPolicy, execute
from calsync.model import Window

log = logging.getLogger(__name__)

STATE_NAME = "google.mirror"
VERSION = 1
PAGE_SIZE = 2500  # Google's maximum; pages may still come back shorter
MAX_PAGES = 1000
MARGIN = dt.timedelta(days=1)
LOOKAHEAD = dt.timedelta(days=7)  # covered beyond the horizon, so the window can slide for a week
MAX_AGE = 24 * 3600.0  # a full read at least daily, whatever the tokens say


class FullSyncRequired(Exception):
    """The sync token was refused (410 Gone)."""


@dataclass
class MirrorState:
    calendar_id: str
    fingerprint: str
    sync_token: str | None = None
    cover_start: str = ""
    cover_end: str = ""
    synced_at: float = 0.0
    time_zone: str | None = None
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        if not self.cover_start or not self.cover_end:
            return False
        return dt.datetime.fromisoformat(self.cover_start) <= start and end <= dt.datetime.fromisoformat(self.cover_end)

    def as_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "calendar_id": self.calendar_id,
            "fingerprint": self.fingerprint,
            "sync_token": self.sync_token,
            "cover_start": self.cover_start,
            "cover_end": self.cover_end,
            "synced_at": self.synced_at,
            "time_zone": self.time_zone,
            "events": self.events,
        }

    @classmethod
    def from_json(cls, data: Any) -> MirrorState | None:
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        try:
            return cls(
                calendar_id=str(data["calendar_id"]),
                fingerprint=str(data["fingerprint"]),
                sync_token=data.get("sync_token"),
                cover_start=str(data.get("cover_start", "")),
                cover_end=str(data.get("cover_end", "")),
                synced_at=float(data.get("synced_at", 0.0)),
                time_zone=data.get("time_zone"),
                events=dict(data.get("events") or {}),
            )
        except (KeyError, TypeError, ValueError):
            return None


def fingerprint(endpoint: str, calendar_id: str, emails: Sequence[str]) -> str:
    """What the mirror's content depends on besides the calendar itself."""
    material = "\x1f".join([endpoint, calendar_id, *sorted(e.lower() for e in emails), str(VERSION)])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


@dataclass
class ReadStats:
    list_requests: int = 0
    full_reads: int = 0
    incremental_reads: int = 0


class Mirror:
    def __init__(
        self,
        service_factory: Callable[[], Any],
        calendar_id: str,
        cache: Any,
        fp: str,
        emails: Sequence[str],
        policy: RetryPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._service_factory = service_factory
        self.calendar_id = calendar_id
        self.cache = cache
        self.fp = fp
        self.emails = tuple(emails)
        self.policy = policy
        self.clock = clock
        self.stats = ReadStats()
        self.state: MirrorState | None = None

    # -- persistence ---------------------------------------------------------------------------
    def load(self) -> MirrorState | None:
        try:
            state = MirrorState.from_json(self.cache.get_json(STATE_NAME))
        except ValueError:
            state = None
        if state is None or state.fingerprint != self.fp or state.calendar_id != self.calendar_id:
            return None
        return state

    def save(self, state: MirrorState) -> None:
        self.cache.put_json(STATE_NAME, state.as_json())
        self.state = state

    def forget(self) -> None:
        self.cache.put(STATE_NAME, None)
        self.state = None

    # -- reading -------------------------------------------------------------------------------
    def refresh(self, window: Window) -> MirrorState:
        """Bring the mirror up to date for `window`; raises (HttpError, transport, auth) on failure."""
        want_start, want_end = window.start - MARGIN, window.end + MARGIN
        state = self.load()
        fresh = state is not None and (self.clock() - state.synced_at) < MAX_AGE
        if state is not None and state.sync_token and fresh and state.covers(want_start, want_end):
            try:
                if self._incremental(state):
                    self.save(state)
                else:
                    self.state = state  # nothing changed: no need to rewrite the cache
                return state
            except FullSyncRequired:
                log.info("%s: sync token no longer valid (410); reading the calendar in full", self.calendar_id)
                self.forget()
        state = self._full(window)
        self.save(state)
        return state

    def _params(self) -> dict[str, Any]:
        # Identical for the full and the incremental reads, as Google requires.
        return {"calendarId": self.calendar_id, "singleEvents": True, "showDeleted": True, "maxResults": PAGE_SIZE}

    def _list_all(self, **params: Any) -> tuple[list[dict[str, Any]], str | None, str | None]:
        service = self._service_factory()
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        for _ in range(MAX_PAGES):
            request = service.events().list(pageToken=page_token, **params) if page_token else service.events().list(**params)
            self.stats.list_requests += 1
            response = execute(request, self.policy, f"events.list {self.calendar_id}")
            items.extend(response.get("items") or [])
            page_token = response.get("nextPageToken")
            if not page_token:
                return items, response.get("nextSyncToken"), response.get("timeZone")
        raise RuntimeError(f"events.list for {self.calendar_id} returned more than {MAX_PAGES} pages")

    def _full(self, window: Window) -> MirrorState:
        self.stats.full_reads += 1
        start = window.start - MARGIN
        end = window.end + LOOKAHEAD
        base = self._params()
        items, token, zone = self._list_all(
            **base, timeMin=start.astimezone(dt.UTC).isoformat(), timeMax=end.astimezone(dt.UTC).isoformat()
        )
        owned, _token, _zone = self._list_all(
            **base, privateExtendedProperty=gev.OWNED_FILTER, timeMin=start.astimezone(dt.UTC).isoformat()
        )
        state = MirrorState(
            calendar_id=self.calendar_id,
            fingerprint=self.fp,
            sync_token=token,
            cover_start=start.isoformat(),
            cover_end=end.isoformat(),
            synced_at=self.clock(),
            time_zone=zone,
        )
        for event in [*items, *owned]:
            self._merge(state, event)
        return state

    def _incremental(self, state: MirrorState) -> bool:
        """Apply the changes since the sync token; True when anything (events or token) changed."""
        self.stats.incremental_reads += 1
        try:
            items, token, zone = self._list_all(**self._params(), syncToken=state.sync_token)
        except HttpError as exc:
            if exc.status_code == 410:
                raise FullSyncRequired() from None
            raise
        for event in items:
            self._merge(state, event)
        changed = bool(items) or token != state.sync_token or bool(zone and zone != state.time_zone)
        state.sync_token = token
        if zone:
            state.time_zone = zone
        return changed

    def _merge(self, state: MirrorState, event: dict[str, Any]) -> None:
        event_id = str(event.get("id", ""))
        if not event_id:
            return
        if event.get("status") == "cancelled":
            known = state.events.get(event_id)
            if gev.owned_key(event) is not None or (known is not None and gev.owned_key(known) is not None):
                # calsync's own event, deleted: keep it, marked, so its id is known to be burnt
                merged = dict(known or {})
                merged.update(gev.trim(event, self.emails))
                merged["status"] = "cancelled"
                state.events[event_id] = merged
            else:
                state.events.pop(event_id, None)
                # a whole series deleted: drop its expanded instances too
                for other_id in [i for i, e in state.events.items() if e.get("recurringEventId") == event_id]:
                    state.events.pop(other_id, None)
            return
        state.events[event_id] = gev.trim(event, self.emails)
