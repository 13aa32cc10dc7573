"""Build the right Source for a calendar's configuration."""

from __future__ import annotations

from typing import Any

from calsync.connectors.base import Source, SourceContext
from calsync.errors import SourceError


def build_source(config: Any, ctx: SourceContext) -> Source:
    kind = config.source
    if kind == "ics":
        from calsync.connectors.ics import IcsSource

        return IcsSource(config, ctx)
    if kind == "caldav":
        try:
            from calsync.connectors.caldav import CaldavSource  # type: ignore[attr-defined]
        except ImportError as exc:
            raise SourceError(str(ctx.ref), f"CalDAV support is not available: {exc}") from None
        return CaldavSource(config, ctx)  # type: ignore[no-any-return]
    if kind == "google":
        try:
            from calsync.connectors.google.connector import GoogleSource  # type: ignore[import-not-found]
        except ImportError as exc:
            raise SourceError(str(ctx.ref), f"Google Calendar support is not available: {exc}") from None
        return GoogleSource(config, ctx)  # type: ignore[no-any-return]
    raise SourceError(str(ctx.ref), f"unknown source {kind!r}")
