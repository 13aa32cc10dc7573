"""An in-memory calendar: the reference writable source for tests and experiments.

It behaves like a careful server: events are keyed by UID, writes by calsync are checked against
the ownership tag, and failures can be injected for reads and writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from calsync.connectors.base import Outcome, Snapshot
from calsync.errors import SourceError
from calsync.model import CalendarRef, Change, Occurrence, OwnedBlock, Window
from calsync.model.identity import block_uid


@dataclass
class MemoryEvent:
    uid: str
    summary: str
    start: dt.datetime
    end: dt.datetime
    tag: str | None = None  # calsync's key, when calsync wrote it
    rule: str = ""
    busy: bool = True
    revision: int = 0


@dataclass
class MemoryCalendar:
    events: dict[str, MemoryEvent] = field(default_factory=dict)
    fail_reads: bool = False
    fail_writes_after: int | None = None  # raise after this many successful writes (simulated crash)
    writes: list[tuple[str, str]] = field(default_factory=list)  # (action, uid)


class MemorySource:
    writable = True

    def __init__(self, ref: CalendarRef, calendar: MemoryCalendar, tz: dt.tzinfo) -> None:
        self.ref = ref
        self.calendar = calendar
        self.tz = tz

    def read(self, window: Window) -> Snapshot:
        if self.calendar.fail_reads:
            raise SourceError(str(self.ref), "injected read failure")
        snap = Snapshot()
        for ev in self.calendar.events.values():
            if not window.overlaps(ev.start, ev.end):
                continue
            if ev.tag is not None and ev.uid == block_uid(ev.tag):
                snap.owned.append(
                    OwnedBlock(ev.tag, self.ref, ev.rule, ev.start.astimezone(self.tz), ev.end.astimezone(self.tz), ev.summary, ev.uid)
                )
            else:
                snap.occurrences.append(
                    Occurrence(self.ref, ev.uid, ev.start.isoformat(), ev.start.astimezone(self.tz), ev.end.astimezone(self.tz), ev.summary, transparent=not ev.busy)
                )
        return snap

    def _owned(self, key: str) -> MemoryEvent | None:
        ev = self.calendar.events.get(block_uid(key))
        return ev if ev is not None and ev.tag == key else None

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        outcomes = []
        for change in changes:
            if self.calendar.fail_writes_after is not None and len(self.calendar.writes) >= self.calendar.fail_writes_after:
                raise SourceError(str(self.ref), "injected crash during writes")
            uid = block_uid(change.key)
            current = self.calendar.events.get(uid)
            if current is not None and current.tag != change.key:
                outcomes.append(Outcome(change, False, error="event exists and is not calsync's; left alone"))
                continue
            if change.action == "delete":
                if current is not None:
                    del self.calendar.events[uid]
                    self.calendar.writes.append(("delete", uid))
                outcomes.append(Outcome(change, True, remote_id=uid))
                continue
            assert change.block is not None
            block = change.block
            event = MemoryEvent(uid, block.title, block.start, block.end, tag=change.key, rule=block.rule)
            if current is not None:
                event = replace(event, revision=current.revision + 1)
            self.calendar.events[uid] = event
            self.calendar.writes.append((change.action if current is not None or change.action == "update" else "create", uid))
            outcomes.append(Outcome(change, True, remote_id=uid))
        return outcomes

    def close(self) -> None:
        return None
