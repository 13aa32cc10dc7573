"""Recovery: long days, late work and trips earn recovery time, in real hours and wall-clock slots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calsync.rules import outcome as oc
from tests.rules.support import BERLIN, all_day, at, load, occ, run, week_window

RECOVERY = """\
travel: {keywords: [trip]}
recovery:
  - name: slow-morning
    who: [alex, sam]
    after: {work_hours_over: 10, work_ends_after: "21:00"}
    slot: next_day
    time: "07:00-09:30"
  - name: back-home
    who: [alex, sam]
    after: {travel: true}
    slot: same_day
    time: "19:00-23:00"
"""


def recovery_blocks(result, rule: str, partner: str = "alex") -> list[tuple[dt.datetime, dt.datetime]]:  # type: ignore[no-untyped-def]
    return sorted({(b.start, b.end) for b in result.blocks if b.rule == rule and b.ref.partner == partner})


def test_a_long_day_earns_the_next_morning_for_that_partner_only(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    work = [occ("alex", "Workshop", at(2026, 12, 1, 8), at(2026, 12, 1, 18, 30))]  # 10.5 h
    result = run(config, week_window(dt.date(2026, 11, 30)), work)
    assert recovery_blocks(result, "slow-morning") == [(at(2026, 12, 2, 7), at(2026, 12, 2, 9, 30))]
    assert recovery_blocks(result, "slow-morning", "sam") == []
    [decision] = [d for d in result.decisions if d.rule == "slow-morning"]
    assert decision.status == oc.PLACED and "10.5 h of work on Tue 01 Dec" in decision.reason
    assert {b.kind for b in result.blocks if b.rule == "slow-morning"} == {"recovery"}


def test_exactly_the_threshold_is_not_a_long_day_and_personal_events_do_not_count(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    events = [occ("alex", "Work", at(2026, 12, 1, 8), at(2026, 12, 1, 18)),
              occ("alex", "Work again", at(2026, 12, 1, 9), at(2026, 12, 1, 12)),  # overlaps: union is 10 h
              occ("sam", "Party", at(2026, 12, 1, 12), at(2026, 12, 1, 23, 30), calendar="personal")]
    result = run(config, week_window(dt.date(2026, 11, 30)), events)
    assert not [b for b in result.blocks if b.rule == "slow-morning"]


def test_work_ending_late_earns_recovery_and_a_night_shift_counts_on_both_days(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    late = [occ("alex", "Release", at(2026, 12, 2, 20), at(2026, 12, 3, 1))]
    result = run(config, week_window(dt.date(2026, 11, 30)), late)
    # Wed: work until 24:00 (past 21:00) → Thu morning; Thu 00:00-01:00 is only an hour → nothing for Fri
    assert recovery_blocks(result, "slow-morning") == [(at(2026, 12, 3, 7), at(2026, 12, 3, 9, 30))]
    reason = next(d.reason for d in result.decisions if d.rule == "slow-morning")
    assert "work until 24:00 on Wed 02 Dec" in reason


def test_dst_end_day_counts_real_hours(tmp_path: Path) -> None:
    """25 Oct 2026 has 25 hours: 00:00-09:30 on the wall is 10.5 real hours of work (over 10)."""
    config = load(tmp_path, RECOVERY.replace("work_ends_after: \"21:00\"", "work_ends_after: \"23:00\""))
    night = [occ("alex", "Migration", at(2026, 10, 25, 0), at(2026, 10, 25, 9, 30))]
    result = run(config, week_window(dt.date(2026, 10, 19), 2), night)
    [(start, end)] = recovery_blocks(result, "slow-morning")
    assert start == at(2026, 10, 26, 7)  # Monday, the next ISO week: recovery crosses the week boundary
    reason = next(d.reason for d in result.decisions if d.rule == "slow-morning")
    assert "10.5 h of work on Sun 25 Oct" in reason
    assert next(d.week for d in result.decisions if d.rule == "slow-morning") == "2026-W44"
    # the same wall-clock span on an ordinary Sunday is 9.5 h: no recovery
    normal = [occ("alex", "Migration", at(2026, 10, 18, 0), at(2026, 10, 18, 9, 30))]
    assert recovery_blocks(run(config, week_window(dt.date(2026, 10, 12), 2), normal), "slow-morning") == []


def test_dst_start_morning_slot_keeps_its_wall_clock(tmp_path: Path) -> None:
    """After a long Saturday, Sunday 29 Mar 2026 (23 hours) gets 07:00-09:30 CEST."""
    config = load(tmp_path, RECOVERY)
    work = [occ("alex", "Move house", at(2026, 3, 28, 8), at(2026, 3, 28, 19))]
    result = run(config, week_window(dt.date(2026, 3, 23), 2), work)
    [(start, end)] = recovery_blocks(result, "slow-morning")
    assert start.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-29 07:00 CEST"
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=2, minutes=30)


def test_days_limit_where_recovery_may_fall(tmp_path: Path) -> None:
    rules = RECOVERY.replace('    time: "07:00-09:30"', '    time: "07:00-09:30"\n    days: [weekdays]')
    config = load(tmp_path, rules)
    friday = [occ("alex", "Offsite", at(2026, 12, 4, 8), at(2026, 12, 4, 19))]
    sunday = [occ("alex", "Offsite", at(2026, 12, 6, 8), at(2026, 12, 6, 19))]
    assert recovery_blocks(run(config, week_window(dt.date(2026, 11, 30), 2), friday), "slow-morning") == []
    assert recovery_blocks(run(config, week_window(dt.date(2026, 11, 30), 2), sunday), "slow-morning") == [
        (at(2026, 12, 7, 7), at(2026, 12, 7, 9, 30))]


def test_a_long_day_just_before_the_window_still_earns_the_first_morning(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    sunday = [occ("alex", "Offsite", at(2026, 11, 29, 8), at(2026, 11, 29, 19))]
    result = run(config, week_window(dt.date(2026, 11, 30)), sunday)
    assert recovery_blocks(result, "slow-morning") == [(at(2026, 11, 30, 7), at(2026, 11, 30, 9, 30))]


def test_back_from_a_trip_earns_that_evening(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    trip = all_day("sam", "Trip to Lisbon", dt.date(2026, 12, 5), dt.date(2026, 12, 7))  # Sat to Mon
    result = run(config, week_window(dt.date(2026, 11, 30), 2), [trip])
    assert recovery_blocks(result, "back-home", "sam") == [(at(2026, 12, 7, 19), at(2026, 12, 7, 23))]
    assert "back from a trip on Mon 07 Dec" in next(d.reason for d in result.decisions if d.rule == "back-home")


def test_trip_ending_on_dst_end_day_gets_a_four_hour_evening(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY)
    trip = all_day("alex", "Trip", dt.date(2026, 10, 23), dt.date(2026, 10, 25))
    result = run(config, week_window(dt.date(2026, 10, 19), 2), [trip])
    [(start, end)] = recovery_blocks(result, "back-home")
    assert start == at(2026, 10, 25, 19) and end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=4)


def test_recovery_conflicts_are_flagged_or_skipped_by_policy(tmp_path: Path) -> None:
    config = load(tmp_path, RECOVERY.replace("    time: \"19:00-23:00\"", "    time: \"19:00-23:00\"\n    conflict: skip"))
    trip = all_day("sam", "Trip", dt.date(2026, 12, 5), dt.date(2026, 12, 7))
    flight = occ("sam", "Flight home", at(2026, 12, 7, 18), at(2026, 12, 7, 21))
    result = run(config, week_window(dt.date(2026, 11, 30), 2), [trip, flight])
    assert recovery_blocks(result, "back-home", "sam") == [(at(2026, 12, 7, 21), at(2026, 12, 7, 23))]
    assert [c.event for c in result.conflicts if c.rule == "back-home"] == ["Flight home"]
