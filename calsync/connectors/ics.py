"""`source: ics`: a local .ics file (readable, and writable for calsync's own blocks) or a feed URL."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import icalendar

from calsync.config.models import IcsCalendar
from calsync.connectors import ics_cache
from calsync.connectors.atomic import atomic_write
from calsync.connectors.base import Outcome, Snapshot, SourceContext
from calsync.connectors.http import fetch_feed
from calsync.connectors.ical_blocks import PRODID, block_vevent_text
from calsync.connectors.ics_text import SplitCalendar, empty_calendar, split_calendar
from calsync.connectors.redact import redact_url
from calsync.errors import ParseError, SourceError
from calsync.model import Change, Window
from calsync.model.identity import TAG_PROPERTY, block_uid
from calsync.recurrence.expand import Expanded, expand_calendar, is_owned_component, parse_calendar
from calsync.recurrence.prefilter import prefilter

log = logging.getLogger(__name__)


# The latest read of each calendar in this process (a daemon's cycles, or plan then report), so an
# unchanged calendar costs neither a parse nor decoding the state's copy. One entry per calendar;
# the key covers everything the result depends on.
_RECENT: dict[tuple[str, str], tuple[str, Expanded]] = {}


def forget_recent() -> None:
    """Drop this process's remembered reads (tests use it to exercise the state's cache)."""
    _RECENT.clear()


class IcsSource:
    def __init__(self, config: IcsCalendar, ctx: SourceContext) -> None:
        self.config = config
        self.ctx = ctx
        self.ref = ctx.ref
        self.writable = bool(config.write and config.path)
        self.path: Path | None = ctx.resolve(config.path) if config.path else None
        self.label = str(self.path) if self.path else redact_url(config.url or "")
        self._memo: tuple[str, Expanded] | None = None  # the last read's cache key and result

    # -- reading ------------------------------------------------------------------------------
    def _load(self) -> bytes | None:
        if self.path is not None:
            try:
                return self.path.read_bytes()
            except FileNotFoundError:
                if self.writable:
                    return None  # a new blocks file: calsync creates it on first write
                raise SourceError(str(self.ref), f"file {self.path} not found") from None
            except OSError as exc:
                raise SourceError(str(self.ref), f"cannot read {self.path}: {exc}") from None
        assert self.config.url is not None
        feed = fetch_feed(
            self.config.url, self.ctx.cache, label=str(self.ref), timeout=self.config.timeout, max_bytes=self.config.max_bytes
        )
        return feed.body

    def read(self, window: Window) -> Snapshot:
        data = self._load()
        if data is None:
            return Snapshot()
        key = ics_cache.cache_key(data, window, self.ctx.tz, self.ref, self.ctx.emails, self.label)
        expanded = self._recall(key)
        if expanded is None:
            expanded = self.expand(data, window)
            self._remember(key, expanded)
        else:
            for warning in expanded.warnings:
                log.warning("%s", warning)
        return Snapshot(list(expanded.occurrences), list(expanded.owned), list(expanded.warnings))

    def expand(self, data: bytes, window: Window, *, prefiltered: bool = True) -> Expanded:
        """Parse and expand `data` over `window` (no cache). With `prefiltered`, events that cannot
        touch the window are cut out before parsing; the result is the same either way."""
        if prefiltered:
            reduced = None
            try:
                reduced = prefilter(data, window, self.ctx.tz)
            except Exception:  # the shortcut must never cost a read: parse everything instead
                log.debug("%s: prefilter failed; parsing the whole file", self.ref, exc_info=True)
            if reduced is not None:
                try:
                    cal = parse_calendar(reduced.data, self.label)
                except ParseError:
                    log.debug("%s: the cut-down calendar did not parse; parsing the whole file", self.ref)
                else:
                    log.debug("%s: parsing %d of %d events", self.ref, reduced.kept, reduced.kept + reduced.dropped)
                    return expand_calendar(cal, window, self.ctx.tz, self.ref, emails=self.ctx.emails, label=self.label)
        try:
            cal = parse_calendar(data, self.label)
        except ParseError as exc:
            raise ParseError(str(self.ref), str(exc)) from None  # "<file>: <what is wrong>"
        return expand_calendar(cal, window, self.ctx.tz, self.ref, emails=self.ctx.emails, label=self.label)

    def _recall(self, key: str) -> Expanded | None:
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        recent = _RECENT.get((str(self.ref), self.label))
        if recent is not None and recent[0] == key:
            self._memo = recent
            return recent[1]
        try:
            found = ics_cache.load(self.ctx.cache, key, self.ctx.tz, self.ref)
        except Exception:  # a cache is an optimisation: failing to read it means parsing again
            log.warning("%s: cannot read the parse cache; parsing the calendar", self.ref, exc_info=True)
            return None
        if found is not None:
            self._memo = (key, found)
            _RECENT[(str(self.ref), self.label)] = self._memo
        return found

    def _remember(self, key: str, expanded: Expanded) -> None:
        self._memo = (key, expanded)
        _RECENT[(str(self.ref), self.label)] = self._memo
        try:
            ics_cache.save(self.ctx.cache, key, expanded, self.ctx.tz, self.ref)
        except Exception:  # e.g. a locked or read-only state database: the read itself succeeded
            log.info("%s: cannot store the parse cache", self.ref, exc_info=True)

    # -- writing ------------------------------------------------------------------------------
    def _split(self) -> SplitCalendar:
        assert self.path is not None
        try:
            text = self.path.read_bytes().decode("utf-8")  # bytes: keep the file's own line endings
        except FileNotFoundError:
            text = empty_calendar(PRODID)
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(str(self.ref), f"cannot read {self.path}: {exc}") from None
        split = split_calendar(text, self.label)
        if "BEGIN:VCALENDAR" in split.tail.upper():
            raise SourceError(str(self.ref), f"{self.path} holds several VCALENDARs; calsync only writes to single-calendar files")
        return split

    @staticmethod
    def _owned_key(chunk_text: str) -> str | None:
        if chunk_text.find(TAG_PROPERTY) < 0:
            return None
        try:
            component = icalendar.Event.from_ical(chunk_text)
        except Exception:
            return None
        return str(component.get(TAG_PROPERTY)) if is_owned_component(component) else None

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        if not self.writable:
            return [Outcome(c, False, error="calendar is read-only") for c in changes]
        try:
            split = self._split()
        except SourceError as exc:
            return [Outcome(c, False, error=exc.message) for c in changes]
        by_key = {c.key: c for c in changes}
        kept = []
        for chunk in split.components:
            key = self._owned_key(chunk.text) if chunk.name == "VEVENT" else None
            if key is not None and key in by_key:
                continue  # replaced (create/update) or removed (delete) below
            kept.append(chunk)
        split.components = kept
        added = [
            block_vevent_text(c.block, split.newline)
            for c in changes
            if c.action in ("create", "update") and c.block is not None
        ]
        text = split.join(added)
        assert self.path is not None
        try:
            atomic_write(self.path, text.encode("utf-8"))
        except OSError as exc:
            return [Outcome(c, False, error=f"cannot write {self.path}: {exc}") for c in changes]
        return [Outcome(c, True, remote_id=block_uid(c.key)) for c in changes]

    def close(self) -> None:
        return None
