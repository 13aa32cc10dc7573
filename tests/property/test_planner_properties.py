"""Planner properties over random calendars and rule sets (hypothesis), through the real engine,
planner and executor against in-memory calendars."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.config.models import ConfigFile
from calsync.connectors.memory import MemoryCalendar, MemoryEvent, MemorySource
from calsync.model import CalendarRef
from calsync.model.identity import block_uid
from calsync.model.window import horizon
from calsync.plan.planner import Plan, make_plan
from calsync.rules.engine import RuleInputs, evaluate
from calsync.rules.schema import NoWorkZone, Ritual, RuleSet
from calsync.state.store import Store
from calsync.sync.executor import execute

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 10, 21, 10, 0, tzinfo=TZ)  # the horizon crosses the end of DST
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
REFS = [CalendarRef("alex", "work"), CalendarRef("sam", "work")]
CONFIG = ConfigFile.model_validate(
    {
        "timezone": "Europe/Berlin",
        "horizon_days": 14,
        "household": "test",
        "partners": {
            p: {"calendars": {"work": {"source": "ics", "path": f"{p}.ics", "role": "work", "write": True}}} for p in ("alex", "sam")
        },
    }
)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def zones(draw: st.DrawFn, name: str) -> NoWorkZone:
    start = draw(st.integers(0, 22 * 4)) * 15
    length = draw(st.integers(1, 12)) * 15
    return NoWorkZone(
        name=name,
        who=draw(st.sampled_from([["alex"], ["sam"], ["alex", "sam"]])),
        days=draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)),
        time=f"{hhmm(start)}-{hhmm(min(start + length, 1440))}",
        conflict=draw(st.sampled_from(["flag", "skip", "block"])),
    )


@st.composite
def flexible(draw: st.DrawFn, name: str) -> Ritual:
    start = draw(st.integers(6 * 4, 18 * 4)) * 15
    return Ritual(
        name=name,
        who=["alex", "sam"],
        duration=f"{draw(st.integers(2, 6)) * 15}m",
        per_week=draw(st.integers(1, 3)),
        window={"days": draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True)), "time": f"{hhmm(start)}-{hhmm(start + 180)}"},
    )


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    count = draw(st.integers(1, 3))
    zone_list = [draw(zones(f"zone-{i}")) for i in range(count)]
    rituals = [draw(flexible("walk"))] if draw(st.booleans()) else []
    return RuleSet(no_work_zones=tuple(zone_list), rituals=tuple(rituals))


@st.composite
def user_events(draw: st.DrawFn) -> list[tuple[str, MemoryEvent]]:
    out = []
    for index in range(draw(st.integers(0, 12))):
        partner = draw(st.sampled_from(["alex", "sam"]))
        start = NOW.replace(hour=0, minute=0) + dt.timedelta(days=draw(st.integers(0, 13)), minutes=draw(st.integers(0, 95)) * 15)
        start = start.astimezone(dt.UTC).astimezone(TZ)
        end = start + dt.timedelta(minutes=draw(st.integers(1, 16)) * 15)
        out.append((partner, MemoryEvent(f"user-{index}@example.org", f"Meeting {index}", start, end)))
    return out


@dataclass
class World:
    calendars: dict[CalendarRef, MemoryCalendar]
    store: Store

    @classmethod
    def build(cls, events: list[tuple[str, MemoryEvent]]) -> World:
        calendars = {ref: MemoryCalendar() for ref in REFS}
        for partner, event in events:
            calendars[CalendarRef(partner, "work")].events[event.uid] = event
        return cls(calendars, Store.memory())

    def sources(self) -> dict[CalendarRef, MemorySource]:
        return {ref: MemorySource(ref, cal, TZ) for ref, cal in self.calendars.items()}

    def plan(self, rules: RuleSet, now: dt.datetime = NOW) -> Plan:
        window = horizon(now, TZ, 14)
        snapshots = {ref: src.read(window) for ref, src in self.sources().items()}
        occurrences = [o for s in snapshots.values() for o in s.occurrences]
        owned = [b for s in snapshots.values() for b in s.owned]
        evaluation = evaluate(RuleInputs(CONFIG, rules, window, now, TZ, occurrences, owned))
        records = {ref: self.store.blocks(ref) for ref in REFS}
        return make_plan(evaluation.blocks, snapshots, {}, records, REFS, window, now, max_deletes=10_000)

    def sync(self, rules: RuleSet, now: dt.datetime = NOW):  # type: ignore[no-untyped-def]
        plan = self.plan(rules, now)
        return plan, execute(plan, self.sources(), self.store)

    def user_state(self) -> dict[str, tuple[str, dt.datetime, dt.datetime]]:
        return {
            uid: (e.summary, e.start, e.end)
            for cal in self.calendars.values()
            for uid, e in cal.events.items()
            if e.tag is None
        }

    def owned_keys(self) -> list[str]:
        return [e.tag for cal in self.calendars.values() for e in cal.events.values() if e.tag]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rule_sets(), user_events())
def test_applying_the_plan_then_planning_again_gives_no_changes(rules: RuleSet, events: list) -> None:  # type: ignore[type-arg]
    world = World.build(events)
    _, result = world.sync(rules)
    assert result.ok
    again = world.plan(rules)
    assert again.changes == []


@SETTINGS
@given(rule_sets(), user_events())
def test_no_change_ever_targets_an_event_calsync_did_not_write(rules: RuleSet, events: list) -> None:  # type: ignore[type-arg]
    world = World.build(events)
    before = world.user_state()
    world.sync(rules)
    world.sync(RuleSet(no_work_zones=rules.no_work_zones[:1]))
    world.sync(RuleSet())
    assert world.user_state() == before
    user_uids = set(before)
    for cal in world.calendars.values():
        for _action, uid in cal.writes:
            assert uid not in user_uids
            assert uid.endswith("@calsync")


@SETTINGS
@given(rule_sets(), user_events())
def test_removing_a_rule_deletes_exactly_its_future_blocks(rules: RuleSet, events: list) -> None:  # type: ignore[type-arg]
    world = World.build(events)
    world.sync(rules)
    removed = rules.no_work_zones[0]
    owned_before = {
        e.tag: e for cal in world.calendars.values() for e in cal.events.values() if e.tag and e.rule == removed.name and e.end > NOW
    }
    remaining = RuleSet(no_work_zones=rules.no_work_zones[1:], rituals=rules.rituals)
    plan = world.plan(remaining)
    assert {c.action for c in plan.changes} <= {"delete"}
    assert {c.key for c in plan.changes} == set(owned_before)


@SETTINGS
@given(rule_sets(), user_events(), st.integers(0, 30))
def test_crash_half_way_converges_in_one_more_sync_without_duplicates(rules: RuleSet, events: list, crash_after: int) -> None:  # type: ignore[type-arg]
    world = World.build(events)
    for cal in world.calendars.values():
        cal.fail_writes_after = crash_after
    world.sync(rules)  # dies part-way on each calendar
    for cal in world.calendars.values():
        cal.fail_writes_after = None
    _, result = world.sync(rules)
    assert result.ok
    keys = world.owned_keys()
    assert len(keys) == len(set(keys))
    assert world.plan(rules).changes == []


@SETTINGS
@given(rule_sets(), user_events(), st.data())
def test_a_block_the_user_deleted_is_not_recreated(rules: RuleSet, events: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    world = World.build(events)
    world.sync(rules)
    candidates = [
        (ref, uid) for ref, cal in world.calendars.items() for uid, e in cal.events.items() if e.tag and e.start > NOW
    ]
    if not candidates:
        return
    ref, uid = data.draw(st.sampled_from(sorted(candidates)))
    key = world.calendars[ref].events.pop(uid).tag
    plan, result = world.sync(rules)
    assert result.ok
    assert uid not in world.calendars[ref].events
    assert key in {r.key for r in plan.released}
    assert all(c.key != key for c in plan.changes)
    assert block_uid(key) not in world.calendars[ref].events
    assert world.store.blocks(ref)[key].released
    assert world.plan(rules).changes == []
