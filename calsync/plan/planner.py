"""Desired blocks vs. owned blocks → create / update / delete.

The plan is a value: `plan` prints it, `sync` applies it. Safety rules live here:
- only calendars that were read completely get changes, and while any calendar could not be read
  no block is deleted anywhere (rules look at both partners' calendars together);
- only calsync's own blocks (tag + deterministic UID) are ever updated or deleted;
- a block the user deleted is released, not re-created;
- a calendar where every block calsync wrote has vanished at once is held back (like vdirsyncer's
  StorageEmpty) until `--force`;
- more deletions than `safety.max_deletes` stop `sync` until `--force`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from calsync.connectors.base import Snapshot
from calsync.model import Block, CalendarRef, Change, OwnedBlock, Window
from calsync.rules.outcome import Conflict, Missed
from calsync.state.store import BlockRecord


@dataclass(frozen=True)
class Released:
    """A block the user deleted from a calendar: calsync leaves that occurrence free."""

    ref: CalendarRef
    key: str
    rule: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0
    released: list[Released] = field(default_factory=list)
    adopted: list[OwnedBlock] = field(default_factory=list)
    forget: list[tuple[CalendarRef, str]] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    failed: dict[CalendarRef, str] = field(default_factory=dict)
    held: dict[CalendarRef, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    safety_stop: str = ""
    postponed: list[Change] = field(default_factory=list)  # deletions held back because a read failed

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            out[change.action] += 1
        return out


def _managed(start: dt.datetime, end: dt.datetime, window: Window, now: dt.datetime) -> bool:
    """Blocks calsync manages this run: inside the horizon and not yet over."""
    return start < window.end and end > max(window.start, now)


def plan_calendar(
    ref: CalendarRef,
    desired: Sequence[Block],
    snapshot: Snapshot,
    records: Mapping[str, BlockRecord],
    window: Window,
    now: dt.datetime,
    *,
    force: bool = False,
) -> tuple[list[Change], int, list[Released], list[OwnedBlock], list[str], str]:
    """Changes for one calendar that was read completely.

    Returns (changes, unchanged, released, adopted, keys to forget, hold reason).
    """
    owned: dict[str, OwnedBlock] = {}
    for found in snapshot.owned:
        if found.cancelled or not _managed(found.start, found.end, window, now):
            continue
        owned.setdefault(found.key, found)
    active = [r for r in records.values() if r.status == "active" and _managed(r.start, r.end, window, now)]
    if len(active) >= 2 and not any(r.key in owned for r in active) and not force:
        reason = (
            f"all {len(active)} blocks calsync wrote to {ref} are missing; not treating this as deliberate "
            "deletions (run `calsync sync --force` if you removed them on purpose)"
        )
        return [], 0, [], [], [], reason

    changes: list[Change] = []
    released: list[Released] = []
    adopted: list[OwnedBlock] = []
    forget: list[str] = []
    unchanged = 0
    wanted: dict[str, Block] = {}
    for block in desired:
        if block.key not in wanted and _managed(block.start, block.end, window, now):
            wanted[block.key] = block
    for key, block in wanted.items():
        existing = owned.get(key)
        record = records.get(key)
        if existing is not None:
            if not existing.matches(block):
                changes.append(Change("update", ref, block.rule, key, block=block, existing=existing, reason=block.reason or "rule or placement changed"))
            else:
                unchanged += 1
                if record is None or record.status != "active":
                    adopted.append(existing)
        elif record is not None and record.status in ("active", "released"):
            released.append(Released(ref, key, block.rule, block.start, block.end))
        else:
            if record is not None:  # 'deleting' left over from an interrupted run
                forget.append(key)
            changes.append(Change("create", ref, block.rule, key, block=block, reason="protected time not yet blocked"))
    for key, existing in owned.items():
        if key not in wanted:
            changes.append(Change("delete", ref, existing.rule, key, existing=existing, reason="no rule wants this block any more"))
    for key, record in records.items():
        if key not in owned and key not in wanted and _managed(record.start, record.end, window, now):
            forget.append(key)
    return changes, unchanged, released, adopted, forget, ""


def make_plan(
    desired: Sequence[Block],
    snapshots: Mapping[CalendarRef, Snapshot],
    failed: Mapping[CalendarRef, str],
    records: Mapping[CalendarRef, Mapping[str, BlockRecord]],
    writable: Sequence[CalendarRef],
    window: Window,
    now: dt.datetime,
    *,
    max_deletes: int = 100,
    force: bool = False,
) -> Plan:
    plan = Plan(failed=dict(failed))
    by_ref: dict[CalendarRef, list[Block]] = {}
    for block in desired:
        by_ref.setdefault(block.ref, []).append(block)
    for ref in writable:
        if ref in failed:
            continue
        snapshot = snapshots.get(ref, Snapshot())
        changes, unchanged, released, adopted, forget, hold = plan_calendar(
            ref, by_ref.get(ref, []), snapshot, records.get(ref, {}), window, now, force=force
        )
        if hold:
            plan.held[ref] = hold
            continue
        plan.changes.extend(changes)
        plan.unchanged += unchanged
        plan.released.extend(released)
        plan.adopted.extend(adopted)
        plan.forget.extend((ref, key) for key in forget)
    if failed or plan.held:
        postponed = [c for c in plan.changes if c.action == "delete"]
        if postponed:
            plan.changes = [c for c in plan.changes if c.action != "delete"]
            plan.postponed = postponed
    plan.changes.sort(key=lambda c: (c.ref, c.start, c.rule))
    deletes = plan.counts()["delete"]
    if deletes > max_deletes and not force:
        plan.safety_stop = (
            f"this run would delete {deletes} blocks, more than safety.max_deletes ({max_deletes}); "
            "check the plan, then run `calsync sync --force`"
        )
    return plan
