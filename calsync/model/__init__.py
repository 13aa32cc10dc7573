"""Plain, frozen data that flows through calsync: occurrences read, blocks wanted, changes planned."""

from calsync.model.blocks import Block, Change, OwnedBlock
from calsync.model.occurrence import CalendarRef, Occurrence
from calsync.model.window import Window

__all__ = ["Block", "CalendarRef", "Change", "Occurrence", "OwnedBlock", "Window"]
