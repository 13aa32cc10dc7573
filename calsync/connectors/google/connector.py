"""`source: google`: a Google Calendar read through a sync-token mirror, written in batches."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from calsync.config.models import GoogleCalendar
from calsync.connectors.base import Outcome, Snapshot, SourceContext
from calsync.connectors.google import client as gclient
from calsync.connectors.google import events as gev
from calsync.connectors.google.auth import TokenFile, reauth_message
from calsync.connectors.google.mirror import Mirror, MirrorState, fingerprint
from calsync.connectors.google.writer import Writer, WriteStats
from calsync.connectors.redact import redact
from calsync.errors import AuthError, ParseError, SourceError
from calsync.model import Change, Window

log = logging.getLogger(__name__)

STATUS_UNSUPPORTED = "google.status_events_unsupported"


class GoogleSource:
    """The Source protocol over the Calendar v3 API."""

    def __init__(
        self,
        config: GoogleCalendar,
        ctx: SourceContext,
        *,
        retry: gclient.RetryPolicy | None = None,
        service: Any = None,
    ) -> None:
        self.config = config
        self.ctx = ctx
        self.ref = ctx.ref
        self.writable = bool(config.write)
        self.endpoint = gclient.normalise_endpoint(config.api_endpoint)
        self.batch_uri = gclient.batch_uri(config.api_endpoint)
        self.policy = retry or gclient.DEFAULT_RETRY
        self.token = TokenFile(ctx.resolve(config.token), str(ctx.ref), write=self.writable, timeout=config.timeout)
        self._service = service
        self.mirror = Mirror(
            self._get_service,
            config.calendar_id,
            ctx.cache,
            fingerprint(self.endpoint, config.calendar_id, ctx.emails),
            ctx.emails,
            self.policy,
        )
        self.write_stats = WriteStats()

    # -- plumbing ------------------------------------------------------------------------------
    def _get_service(self) -> Any:
        if self._service is None:
            self._service = gclient.build_service(self.token.credentials(), self.config.api_endpoint, self.config.timeout)
        return self._service

    def _error(self, exc: BaseException, doing: str) -> SourceError:
        ref = str(self.ref)
        if isinstance(exc, SourceError):
            return exc
        if isinstance(exc, RefreshError):
            return AuthError(ref, reauth_message(ref, "Google refused the stored authorization (expired or revoked)"))
        if isinstance(exc, HttpError):
            status = exc.status_code
            if status == 401:
                return AuthError(ref, reauth_message(ref, "Google rejected calsync's credentials (HTTP 401)"))
            if status == 404:
                return SourceError(ref, f"calendar {self.config.calendar_id!r} not found, or not shared with this Google account (HTTP 404)")
            if status == 403 and gclient.error_reason(exc) in ("insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
                return AuthError(ref, reauth_message(ref, "the Google token lacks the permission calsync needs (HTTP 403)"))
            if status == 403 and gclient.error_reason(exc) not in gclient.RATE_LIMIT_REASONS:
                return SourceError(ref, f"{doing}: access denied ({gclient.error_message(exc)})")
            return SourceError(ref, f"{doing}: {gclient.error_message(exc)}", transient=gclient.is_retryable(exc))
        if gclient.is_retryable(exc):
            return SourceError(ref, f"{doing}: cannot reach {redact(self.endpoint)}: {type(exc).__name__}: {exc}", transient=True)
        return SourceError(ref, f"{doing}: {type(exc).__name__}: {exc}")

    # -- reading -------------------------------------------------------------------------------
    def read(self, window: Window) -> Snapshot:
        try:
            state = self.mirror.refresh(window)
        except Exception as exc:
            raise self._error(exc, "reading events") from None
        finally:
            self.token.save_if_changed()
        return self._snapshot(state, window)

    def _snapshot(self, state: MirrorState, window: Window) -> Snapshot:
        snap = Snapshot()
        zone = state.time_zone
        for event in state.events.values():
            if gev.is_tagged(event):
                if event.get("status") == "cancelled":
                    continue  # deleted: the writer still knows its id is burnt (the mirror keeps it)
                try:
                    block = gev.to_owned(event, self.ref, self.ctx.tz, zone)
                except (ValueError, KeyError, TypeError) as exc:
                    # skipping it would look like the user deleted the block: fail the read instead
                    raise ParseError(str(self.ref), f"cannot read calsync's event {event.get('id')}: {exc}") from None
                if block is not None:
                    snap.owned.append(block)
                else:
                    snap.warnings.append(
                        f"{self.ref}: event {event.get('id')} carries calsync's tag but not a calsync id; left alone"
                    )
                continue
            try:
                if event.get("status") == "cancelled":
                    continue
                occ = gev.to_occurrence(event, self.ref, self.ctx.tz, self.ctx.emails, zone)
            except (ValueError, KeyError, TypeError) as exc:
                snap.warnings.append(f"{self.ref}: skipped event {event.get('id')} \"{event.get('summary', '')}\": {exc}")
                continue
            if window.overlaps(occ.start, occ.end) or (occ.start == occ.end and window.contains_start(occ.start)):
                snap.occurrences.append(occ)
        snap.occurrences.sort(key=lambda o: (o.start, o.uid))
        snap.owned.sort(key=lambda b: (b.start, b.key))
        for warning in snap.warnings:
            log.warning("%s", warning)
        return snap

    # -- writing -------------------------------------------------------------------------------
    def _event_type(self, change: Change) -> str:
        block = change.block
        wanted = block.event_type if block is not None and block.event_type != "default" else self.config.event_type
        if wanted not in gev.STATUS_EVENT_TYPES:
            return "default"
        if self.ctx.cache.get(STATUS_UNSUPPORTED) or self.config.calendar_id.endswith("@group.calendar.google.com"):
            return "default"  # learnt earlier, or a secondary calendar: status events live on primary ones
        if block is not None and block.end - block.start >= _DAY and block.start.astimezone(self.ctx.tz).time() == _MIDNIGHT:
            return "default"  # Google allows status events only as timed events, never all-day
        return wanted

    def _status_unsupported(self) -> None:
        self.ctx.cache.put(STATUS_UNSUPPORTED, b"1")

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        if not self.writable:
            return [Outcome(c, False, error="calendar is read-only (write: false)") for c in changes]
        if not changes:
            return []
        try:
            service = self._get_service()
            known = self.mirror.state.events if self.mirror.state is not None else (self.mirror.load() or _EMPTY).events
        except Exception as exc:
            err = self._error(exc, "writing events")
            return [Outcome(c, False, error=err.message) for c in changes]
        writer = Writer(
            service,
            self.batch_uri,
            self.config.calendar_id,
            self.ctx.tz,
            known,
            self.policy,
            event_type=self._event_type,
            auto_decline=self.config.auto_decline,
            on_status_unsupported=self._status_unsupported,
        )
        try:
            return writer.apply(changes)
        finally:
            self.write_stats = writer.stats
            self.token.save_if_changed()
            log.info(
                "%s: %d changes in %d batch requests (%d calls)",
                self.ref, len(changes), writer.stats.batch_requests, writer.stats.calls,
            )

    def close(self) -> None:
        self.token.save_if_changed()
        service, self._service = self._service, None
        if service is not None:
            try:
                service.close()
            except Exception:
                log.debug("closing the Google service failed", exc_info=True)


_DAY = _dt.timedelta(days=1)
_MIDNIGHT = _dt.time(0, 0)
_EMPTY = MirrorState(calendar_id="", fingerprint="")
