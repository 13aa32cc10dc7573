"""CalDAV calendars: read by delta, expanded locally, blocks written with ETag preconditions."""

from calsync.connectors.caldav.source import CaldavSource

__all__ = ["CaldavSource"]
