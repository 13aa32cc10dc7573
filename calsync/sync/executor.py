"""Apply a Plan: write to each calendar, then record each confirmed write in the state.

Order matters for crash safety. A block is recorded only after the calendar confirmed it; a
crash in between leaves a tagged event with no state row, which the next run adopts (its UID is
deterministic, so it is never duplicated). Deletions are marked `deleting` first, so a crash
after the calendar delete is not mistaken for the user releasing the block.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from calsync.connectors.base import Source
from calsync.model import CalendarRef, Change
from calsync.plan.planner import Plan
from calsync.state.store import Store
from calsync.sync.critical import critical_section

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_json(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted, "unchanged": self.unchanged}


def _fail(result: SyncResult, ref: CalendarRef, error: str) -> None:
    result.failed.append({"partner": ref.partner, "calendar": ref.calendar, "error": error})


def execute(plan: Plan, sources: Mapping[CalendarRef, Source], store: Store) -> SyncResult:
    result = SyncResult(unchanged=plan.unchanged)
    for ref, error in plan.failed.items():
        _fail(result, ref, error)
    for ref, reason in plan.held.items():
        _fail(result, ref, reason)
    for block in plan.adopted:
        store.record_block(block, block.remote_id)
    for released in plan.released:
        current = store.blocks(released.ref).get(released.key)
        if current is not None and current.status != "released":
            store.mark_released(released.ref, released.key)
    for ref, key in plan.forget:
        store.forget_block(ref, key)

    by_ref: dict[CalendarRef, list[Change]] = {}
    for change in plan.changes:
        by_ref.setdefault(change.ref, []).append(change)
    for ref, changes in by_ref.items():
        # One calendar's write and its state records finish together, even when a stop is requested.
        with critical_section():
            source = sources.get(ref)
            if source is None or not source.writable:
                _fail(result, ref, "calendar is not writable")
                continue
            records = store.blocks(ref)
            for change in changes:
                if change.action == "delete" and change.key in records and change.existing is not None:
                    store.record_block(change.existing, change.existing.remote_id, status="deleting")
            try:
                outcomes = source.apply(changes)
            except Exception as exc:  # a connector bug must not lose the other calendars' work
                log.exception("applying changes to %s failed", ref)
                _fail(result, ref, f"writing failed: {exc}")
                continue
            errors: list[str] = []
            for outcome in outcomes:
                change = outcome.change
                if not outcome.ok:
                    errors.append(f"{change.action} {change.key}: {outcome.error}")
                    continue
                if change.action == "delete":
                    store.forget_block(ref, change.key)
                    result.deleted += 1
                else:
                    assert change.block is not None
                    store.record_block(change.block, outcome.remote_id or change.key)
                    if change.action == "create":
                        result.created += 1
                    else:
                        result.updated += 1
            if errors:
                shown = "; ".join(errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
                _fail(result, ref, shown)
    return result
