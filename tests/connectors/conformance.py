"""One conformance suite that every writable calendar source passes.

A backend's test module subclasses `SourceConformance` and provides a `harness` fixture returning a
`SourceHarness` over an empty calendar on that backend (see test_conformance_ics.py, a few lines).
The suite drives the real source through the real planner and executor, and checks the
non-negotiables: only calsync's own events are touched, a second sync writes nothing, a crash
half-way converges without duplicates, a user's deletion is respected, a failed read deletes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from calsync.connectors.base import Source
from calsync.model import Block, CalendarRef, Window
from calsync.model.identity import block_key
from calsync.plan.planner import make_plan
from calsync.state.store import Store
from calsync.sync.executor import execute

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
REF = CalendarRef("alex", "work")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
WINDOW = Window(dt.datetime(2026, 11, 26, tzinfo=TZ), dt.datetime(2026, 12, 24, tzinfo=TZ))


@dataclass
class SourceHarness:
    """How the suite reaches one backend.

    new_source: a fresh Source over the same calendar (as a new calsync process would build it).
    put_user_event: add an event the user made (uid, summary, start, end), not via calsync.
    user_events: the user's events as raw text/bytes/dicts by uid, to prove they were not changed.
    delete_event: delete an event by uid as the user would in another client.
    strip_tag: (optional) remove calsync's tag from one of its events, as a user editing it might.
    break_reads: (optional) make the next reads fail (server down, 500, ...); returns an undo callable.
    """

    new_source: Callable[[], Source]
    put_user_event: Callable[[str, str, dt.datetime, dt.datetime], None]
    user_events: Callable[[], dict[str, Any]]
    delete_event: Callable[[str], None]
    strip_tag: Callable[[str], None] | None = None
    break_reads: Callable[[], Callable[[], None]] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def make_blocks(rule: str, days: list[int], hour: int = 18, minutes: int = 90, title: str = "Busy") -> list[Block]:
    blocks = []
    for day in days:
        start = dt.datetime(2026, 11, 26, hour, 0, tzinfo=TZ) + dt.timedelta(days=day)
        blocks.append(
            Block(block_key("home", REF, rule, start.date().isoformat()), REF, rule, "no_work", start, start + dt.timedelta(minutes=minutes), title)
        )
    return blocks


def sync_once(source: Source, store: Store, desired: list[Block], *, force: bool = False):  # type: ignore[no-untyped-def]
    snapshot = source.read(WINDOW)
    plan = make_plan(desired, {REF: snapshot}, {}, {REF: store.blocks(REF)}, [REF], WINDOW, NOW, force=force)
    result = execute(plan, {REF: source}, store)
    return plan, result


def plan_only(source: Source, store: Store, desired: list[Block]):  # type: ignore[no-untyped-def]
    return make_plan(desired, {REF: source.read(WINDOW)}, {}, {REF: store.blocks(REF)}, [REF], WINDOW, NOW)


class SourceConformance:
    """Subclass with a `harness` fixture."""

    @pytest.fixture
    def store(self) -> Store:
        return Store.memory()

    def test_sync_creates_blocks_and_second_sync_writes_nothing(self, harness: SourceHarness, store: Store) -> None:
        desired = make_blocks("dinner", [0, 1, 2, 5])
        plan, result = sync_once(harness.new_source(), store, desired)
        assert result.ok, result.failed
        assert result.created == 4
        again = plan_only(harness.new_source(), store, desired)
        assert again.changes == []
        assert again.unchanged == 4
        owned = harness.new_source().read(WINDOW).owned
        assert sorted((b.key, b.start, b.end, b.title) for b in owned) == sorted((b.key, b.start, b.end, b.title) for b in desired)

    def test_user_events_are_never_changed(self, harness: SourceHarness, store: Store) -> None:
        start = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
        harness.put_user_event("user-dinner-1@example.org", "Client dinner", start, start + dt.timedelta(hours=3))
        harness.put_user_event("user-standup@example.org", "Standup", start.replace(hour=9), start.replace(hour=9, minute=15))
        before = harness.user_events()
        desired = make_blocks("dinner", [0, 1, 2])
        sync_once(harness.new_source(), store, desired)
        sync_once(harness.new_source(), store, make_blocks("dinner", [0, 1], hour=19))  # update + delete
        sync_once(harness.new_source(), store, [])  # delete everything calsync owns
        assert harness.user_events() == before
        snapshot = harness.new_source().read(WINDOW)
        assert snapshot.owned == []
        assert {o.summary for o in snapshot.occurrences} >= {"Client dinner", "Standup"}

    def test_rule_change_updates_and_removal_deletes_only_that_rules_blocks(self, harness: SourceHarness, store: Store) -> None:
        dinner = make_blocks("dinner", [0, 1, 2])
        walks = make_blocks("walk", [1, 2], hour=7, minutes=30)
        sync_once(harness.new_source(), store, dinner + walks)
        moved = make_blocks("dinner", [0, 1, 2], hour=19)
        plan, result = sync_once(harness.new_source(), store, moved + walks)
        assert result.ok and result.updated == 3 and result.created == 0 and result.deleted == 0
        plan, result = sync_once(harness.new_source(), store, walks)
        assert result.ok and result.deleted == 3
        assert {c.rule for c in plan.changes} == {"dinner"}
        owned = harness.new_source().read(WINDOW).owned
        assert sorted(b.key for b in owned) == sorted(b.key for b in walks)

    def test_crash_half_way_converges_without_duplicates(self, harness: SourceHarness, store: Store) -> None:
        desired = make_blocks("dinner", list(range(8)))
        source = harness.new_source()
        snapshot = source.read(WINDOW)
        plan = make_plan(desired, {REF: snapshot}, {}, {REF: store.blocks(REF)}, [REF], WINDOW, NOW)
        half = plan.changes[: len(plan.changes) // 2]
        source.apply(half)  # written to the calendar, but the process dies before recording state
        _, result = sync_once(harness.new_source(), store, desired)
        assert result.ok, result.failed
        assert result.created == len(desired) - len(half)
        owned = harness.new_source().read(WINDOW).owned
        keys = [b.key for b in owned]
        assert len(keys) == len(set(keys)) == len(desired)
        assert plan_only(harness.new_source(), store, desired).changes == []

    def test_retried_create_does_not_duplicate(self, harness: SourceHarness, store: Store) -> None:
        desired = make_blocks("dinner", [0, 1])
        source = harness.new_source()
        plan = plan_only(source, store, desired)
        first = source.apply(plan.changes)
        second = harness.new_source().apply(plan.changes)  # a retry of the same creates
        assert all(o.ok for o in first)
        assert all(o.ok for o in second), [o.error for o in second]
        owned = harness.new_source().read(WINDOW).owned
        assert sorted(b.key for b in owned) == sorted(b.key for b in desired)

    def test_block_deleted_by_user_is_released_not_recreated(self, harness: SourceHarness, store: Store) -> None:
        desired = make_blocks("dinner", [0, 1, 2])
        sync_once(harness.new_source(), store, desired)
        from calsync.model.identity import block_uid

        harness.delete_event(block_uid(desired[1].key))
        plan, result = sync_once(harness.new_source(), store, desired)
        assert result.ok
        assert plan.changes == []
        assert [r.key for r in plan.released] == [desired[1].key]
        assert store.blocks(REF)[desired[1].key].released
        plan = plan_only(harness.new_source(), store, desired)
        assert plan.changes == []

    def test_event_whose_tag_was_removed_is_never_touched(self, harness: SourceHarness, store: Store) -> None:
        if harness.strip_tag is None:
            pytest.skip("backend cannot strip tags")
        desired = make_blocks("dinner", [0, 1])
        sync_once(harness.new_source(), store, desired)
        harness.strip_tag(desired[0].key)
        before = harness.user_events()
        assert len(before) == 1
        plan, result = sync_once(harness.new_source(), store, make_blocks("dinner", [0, 1], hour=20))
        plan, result = sync_once(harness.new_source(), store, [])
        assert harness.user_events() == before

    def test_failed_read_deletes_nothing(self, harness: SourceHarness, store: Store) -> None:
        if harness.break_reads is None:
            pytest.skip("backend cannot inject read failures")
        desired = make_blocks("dinner", [0, 1, 2])
        sync_once(harness.new_source(), store, desired)
        undo = harness.break_reads()
        try:
            source = harness.new_source()
            with pytest.raises(Exception):  # noqa: B017 - any SourceError subclass
                source.read(WINDOW)
            plan = make_plan([], {}, {REF: "read failed"}, {REF: store.blocks(REF)}, [REF], WINDOW, NOW)
            assert plan.changes == []
        finally:
            undo()
        assert len(harness.new_source().read(WINDOW).owned) == 3

    def test_all_blocks_vanishing_at_once_is_held_back(self, harness: SourceHarness, store: Store) -> None:
        from calsync.model.identity import block_uid

        desired = make_blocks("dinner", [0, 1, 2])
        sync_once(harness.new_source(), store, desired)
        for block in desired:
            harness.delete_event(block_uid(block.key))
        plan = plan_only(harness.new_source(), store, desired)
        assert REF in plan.held and plan.changes == [] and plan.released == []
