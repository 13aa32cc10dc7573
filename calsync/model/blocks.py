"""Blocks calsync wants on calendars, blocks it owns there, and the changes between them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from calsync.model.occurrence import CalendarRef

Action = Literal["create", "update", "delete"]
Visibility = Literal["default", "public", "private"]
BlockKind = Literal["no_work", "ritual", "recovery", "duty"]


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class Block:
    """A protected interval calsync wants on one calendar."""

    key: str
    ref: CalendarRef
    rule: str
    kind: BlockKind
    start: dt.datetime
    end: dt.datetime
    title: str
    description: str = ""
    visibility: Visibility = "private"
    event_type: str = "default"  # default | focusTime | outOfOffice (Google; other calendars write a busy event)
    slot: str = ""
    owner: str = ""  # identity.owner_id: the household and calendar entry that wants this block
    auto_decline: str = "none"  # focusTime/outOfOffice: none | all | new
    decline_message: str = ""
    reason: str = field(default="", compare=False)  # why the rules want it here (e.g. why a ritual moved)

    def content(self) -> tuple[str, str, str]:
        """What must match on the calendar for the block to count as unchanged."""
        return (_utc_iso(self.start), _utc_iso(self.end), self.title)


@dataclass(frozen=True)
class OwnedBlock:
    """A calsync-tagged event found on a calendar."""

    key: str
    ref: CalendarRef
    rule: str
    start: dt.datetime
    end: dt.datetime
    title: str
    remote_id: str
    etag: str | None = None
    cancelled: bool = False
    visibility: str | None = None  # as read back; None where a source cannot tell
    owner: str = ""  # from the event's owner tag; empty on blocks written before owner tags existed
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def content(self) -> tuple[str, str, str]:
        return (_utc_iso(self.start), _utc_iso(self.end), self.title)

    def matches(self, block: Block) -> bool:
        """True when the calendar already shows `block` as wanted (times, title, visibility)."""
        if self.content() != block.content():
            return False
        return self.visibility is None or self.visibility == block.visibility


@dataclass(frozen=True)
class Change:
    """One write `sync` would make. `block` is the wanted block (create, update);
    `existing` the owned event being changed or removed (update, delete)."""

    action: Action
    ref: CalendarRef
    rule: str
    key: str
    block: Block | None = None
    existing: OwnedBlock | None = None
    reason: str = ""

    @property
    def start(self) -> dt.datetime:
        source = self.block if self.block is not None else self.existing
        assert source is not None
        return source.start

    @property
    def end(self) -> dt.datetime:
        source = self.block if self.block is not None else self.existing
        assert source is not None
        return source.end

    @property
    def title(self) -> str:
        source = self.block if self.block is not None else self.existing
        assert source is not None
        return source.title
