"""The contract every calendar source implements.

A source reads a window of a calendar into a Snapshot (the user's occurrences and calsync's own
blocks found there) and, when writable, applies changes to calsync's own blocks. A read that fails
in any way raises SourceError: a partial read must never look like "these events are gone".
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from calsync.model import CalendarRef, Change, Occurrence, OwnedBlock, Window
from calsync.state.store import SourceCache


@dataclass
class Snapshot:
    """What one complete read of a calendar found in a window."""

    occurrences: list[Occurrence] = field(default_factory=list)
    owned: list[OwnedBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """The result of applying one change."""

    change: Change
    ok: bool
    remote_id: str = ""
    error: str = ""


@dataclass
class SourceContext:
    """What a source may know about its surroundings."""

    ref: CalendarRef
    tz: ZoneInfo
    household: str
    base_dir: Path
    cache: SourceCache
    emails: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path


@runtime_checkable
class Source(Protocol):
    ref: CalendarRef
    writable: bool

    def read(self, window: Window) -> Snapshot:
        """Everything in the window, or SourceError. Never a partial result."""
        ...

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply changes to calsync's own blocks; one Outcome per change, in order."""
        ...

    def close(self) -> None: ...


class ReadOnlyMixin:
    writable = False

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        return [Outcome(c, False, error="calendar is read-only") for c in changes]

    def close(self) -> None:
        return None
