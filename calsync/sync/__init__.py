"""Applying a plan to calendars and recording what was done in the state."""

from calsync.sync.executor import SyncResult, execute

__all__ = ["SyncResult", "execute"]
