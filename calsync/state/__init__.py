"""The SQLite state: what calsync wrote where, source caches, and a record of each run."""

from calsync.state.store import BlockRecord, SourceCache, Store

__all__ = ["BlockRecord", "SourceCache", "Store"]
