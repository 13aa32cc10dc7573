"""Flexible rituals: placed in mutual free time, reported when they cannot be, and stable across runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calsync.model.window import horizon
from calsync.rules import outcome as oc
from tests.rules.support import BERLIN, WALK, at, load, occ, placements, run, synced, week_window

MONDAY = dt.date(2026, 11, 30)
SUNDAY = dt.date(2026, 12, 6)


def test_both_free_places_the_ritual_at_the_preferred_time_on_both_calendars(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    result = run(config, week_window(MONDAY))
    blocks = [b for b in result.blocks if b.rule == "walk"]
    assert {(b.ref.partner, b.start, b.end) for b in blocks} == {
        ("alex", at(2026, 12, 6, 18), at(2026, 12, 6, 19)),
        ("sam", at(2026, 12, 6, 18), at(2026, 12, 6, 19)),
    }
    assert {b.kind for b in blocks} == {"ritual"}
    assert not result.missed


def test_one_partner_busy_moves_it_to_the_next_mutual_slot(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    busy = [occ("sam", "Climbing", at(2026, 12, 6, 17, 30), at(2026, 12, 6, 19))]
    result = run(config, week_window(MONDAY), busy)
    assert placements(result, "walk") == {"2026-W49#1": (at(2026, 12, 6, 19), at(2026, 12, 6, 20))}


def test_preferred_earliest_and_latest(tmp_path: Path) -> None:
    early = run(load(tmp_path / "a", WALK.replace('"18:00"', "earliest")), week_window(MONDAY))
    late = run(load(tmp_path / "b", WALK.replace('"18:00"', "latest")), week_window(MONDAY))
    assert placements(early, "walk")["2026-W49#1"] == (at(2026, 12, 6, 17), at(2026, 12, 6, 18))
    assert placements(late, "walk")["2026-W49#1"] == (at(2026, 12, 6, 20), at(2026, 12, 6, 21))


def test_no_mutual_slot_is_missed_and_reported_never_dropped(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    busy = [
        occ("alex", "Family visit", at(2026, 12, 6, 16), at(2026, 12, 6, 19)),
        occ("sam", "Concert", at(2026, 12, 6, 19, 30), at(2026, 12, 6, 23)),
    ]
    result = run(config, week_window(MONDAY), busy)
    assert not [b for b in result.blocks if b.rule == "walk"]
    [missed] = result.missed
    assert (missed.rule, missed.partners, missed.week) == ("walk", ("alex", "sam"), "2026-W49")
    assert "both alex and sam are free" in missed.reason
    assert result.rituals("alex", "2026-W49") == oc.RitualTally(placed=0, missed=1, paused=0)


def test_min_duration_accepts_a_shorter_slot_rather_than_none(tmp_path: Path) -> None:
    rules = WALK.replace("    prefer:", "    min_duration: 30m\n    prefer:")
    busy = [
        occ("alex", "Family visit", at(2026, 12, 6, 16), at(2026, 12, 6, 18)),
        occ("sam", "Concert", at(2026, 12, 6, 18, 45), at(2026, 12, 6, 23)),
    ]
    result = run(load(tmp_path, rules), week_window(MONDAY), busy)
    assert placements(result, "walk") == {"2026-W49#1": (at(2026, 12, 6, 18), at(2026, 12, 6, 18, 45))}
    assert not result.missed


def test_several_per_week_are_never_two_on_one_day_by_default(tmp_path: Path) -> None:
    rules = WALK.replace("per_week: 1", "per_week: 3").replace("days: [sun]", "days: [sat, sun]")
    result = run(load(tmp_path, rules), week_window(MONDAY))
    # two days, three walks: both days get one before either gets a second
    days = sorted(s.date() for s, _ in placements(result, "walk").values())
    assert days == [dt.date(2026, 12, 5), dt.date(2026, 12, 5), dt.date(2026, 12, 6)]
    rules = WALK.replace("per_week: 1", "per_week: 2").replace("days: [sun]", "days: [fri, sat, sun]")
    result = run(load(tmp_path / "b", rules), week_window(MONDAY))
    assert len({s.date() for s, _ in placements(result, "walk").values()}) == 2


def test_min_gap_keeps_occurrences_apart(tmp_path: Path) -> None:
    rules = WALK.replace("per_week: 1", "per_week: 2").replace("days: [sun]", "days: [daily]").replace(
        '    prefer: "18:00"', "    prefer: earliest\n    min_gap: 2d"
    )
    result = run(load(tmp_path, rules), week_window(MONDAY))
    (s1, e1), (s2, _) = sorted(placements(result, "walk").values())
    assert s1 == at(2026, 11, 30, 17)
    assert s2 - e1 >= dt.timedelta(days=2)
    assert s2 == at(2026, 12, 2, 18)  # the first start two full days after the first walk ended


def test_stable_across_runs_with_unrelated_changes(tmp_path: Path) -> None:
    """Once placed, a ritual stays while its time stays free: no churn between runs."""
    config = load(tmp_path, WALK)
    first = run(config, week_window(MONDAY), [occ("sam", "Climbing", at(2026, 12, 6, 17, 30), at(2026, 12, 6, 19))])
    assert placements(first, "walk")["2026-W49#1"] == (at(2026, 12, 6, 19), at(2026, 12, 6, 20))
    # the climbing is cancelled (18:00 is free again) and unrelated events appear: nothing moves
    unrelated = [occ("alex", "Dentist", at(2026, 12, 2, 9), at(2026, 12, 2, 10)),
                 occ("sam", "Call", at(2026, 12, 6, 20, 30), at(2026, 12, 6, 21))]
    second = run(config, week_window(MONDAY), unrelated, owned=synced(first))
    assert placements(second, "walk") == placements(first, "walk")
    assert [b for b in second.blocks if b.rule == "walk"] == [b for b in first.blocks if b.rule == "walk"]
    assert [d.status for d in second.decisions if d.rule == "walk"] == [oc.KEPT]
    assert not second.notes


def test_a_new_conflict_moves_exactly_one_occurrence_and_says_why(tmp_path: Path) -> None:
    rules = WALK.replace("per_week: 1", "per_week: 2").replace("days: [sun]", "days: [sat, sun]")
    config = load(tmp_path, rules)
    first = run(config, week_window(MONDAY))
    before = placements(first, "walk")
    assert set(before) == {"2026-W49#1", "2026-W49#2"}
    saturday_slot = next(slot for slot, (s, _) in before.items() if s.date() == dt.date(2026, 12, 5))
    conflict = occ("alex", "Football", before[saturday_slot][0], before[saturday_slot][1])
    second = run(config, week_window(MONDAY), [conflict], owned=synced(first))
    after = placements(second, "walk")
    changed = [slot for slot in before if before[slot] != after[slot]]
    assert changed == [saturday_slot]
    assert after[saturday_slot][0].date() == dt.date(2026, 12, 5)  # the next free time that day
    [note] = second.notes
    assert "Football" in note and "moved from" in note
    moved = [b for b in second.blocks if b.rule == "walk" and b.slot == saturday_slot]
    assert len(moved) == 2 and all("Football" in b.reason for b in moved)
    assert [d.status for d in second.decisions if d.rule == "walk"].count(oc.MOVED) == 1


def test_kept_placements_are_reserved_before_new_ones_are_placed(tmp_path: Path) -> None:
    """A ritual earlier in the file never pushes another ritual off its established time."""
    rules = WALK + """\
  - name: talk
    who: [alex, sam]
    duration: 1h
    per_week: 1
    window: {days: [sun], time: "17:00-21:00"}
    prefer: "18:00"
"""
    config = load(tmp_path, rules)
    first = run(config, week_window(MONDAY))
    assert placements(first, "walk")["2026-W49#1"][0] == at(2026, 12, 6, 18)
    assert placements(first, "talk")["2026-W49#1"][0] in (at(2026, 12, 6, 17), at(2026, 12, 6, 19))
    # the user deletes the walk's block (the talk's block stays): the talk is not displaced
    owned = [b for b in synced(first) if b.rule == "talk"]
    second = run(config, week_window(MONDAY), owned=owned)
    assert placements(second, "talk") == placements(first, "talk")


def test_other_rituals_count_as_busy_but_no_work_zones_do_not(tmp_path: Path) -> None:
    rules = """\
no_work_zones:
  - name: weekend
    who: [alex, sam]
    days: [sun]
    time: "00:00-24:00"
rituals:
  - name: dinner
    who: [alex, sam]
    days: [sun]
    time: "18:00-19:00"
""" + WALK.removeprefix("rituals:\n")
    result = run(load(tmp_path, rules), week_window(MONDAY))
    (start, end), = placements(result, "walk").values()
    assert start in (at(2026, 12, 6, 17), at(2026, 12, 6, 19))  # inside the weekend zone, around dinner


def test_last_partial_week_is_pending_not_missed(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    now = at(2026, 11, 26, 9)  # a Thursday: the 28-day horizon ends on a Thursday, before that week's Sunday
    result = run(config, horizon(now, BERLIN, 28), now=now)
    statuses = {d.week: d.status for d in result.decisions if d.rule == "walk"}
    assert statuses == {"2026-W48": oc.PLACED, "2026-W49": oc.PLACED, "2026-W50": oc.PLACED, "2026-W51": oc.PLACED, "2026-W52": oc.PENDING}
    assert not result.missed


def test_never_placed_in_the_past(tmp_path: Path) -> None:
    config = load(tmp_path, WALK.replace('"18:00"', "earliest"))
    now = at(2026, 12, 6, 18, 10)
    result = run(config, week_window(MONDAY), now=now)
    assert placements(result, "walk")["2026-W49#1"] == (at(2026, 12, 6, 18, 15), at(2026, 12, 6, 19, 15))


def test_placement_is_deterministic(tmp_path: Path) -> None:
    config = load(tmp_path, WALK.replace("per_week: 1", "per_week: 3").replace("days: [sun]", "days: [daily]"))
    busy = [occ("sam", f"Busy {d}", at(2026, 11, 30 + d, 17), at(2026, 11, 30 + d, 19)) for d in range(0, 1)]
    one = run(config, week_window(MONDAY), busy)
    two = run(config, week_window(MONDAY), list(reversed(busy)))
    assert one.blocks == two.blocks


def test_flexible_ritual_across_dst_end_keeps_wall_clock(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    result = run(config, week_window(dt.date(2026, 10, 19), 2))
    walks = sorted(placements(result, "walk").values())
    assert [s.astimezone(BERLIN).strftime("%a %H:%M") for s, _ in walks] == ["Sun 18:00", "Sun 18:00"]
    assert [e.astimezone(dt.UTC) - s.astimezone(dt.UTC) for s, e in walks] == [dt.timedelta(hours=1)] * 2


def test_a_ritual_that_has_begun_is_never_moved(tmp_path: Path) -> None:
    config = load(tmp_path, WALK)
    first = run(config, week_window(MONDAY))
    late = occ("sam", "Call", at(2026, 12, 6, 18, 30), at(2026, 12, 6, 19))
    second = run(config, week_window(MONDAY), [late], now=at(2026, 12, 6, 18, 10), owned=synced(first))
    assert placements(second, "walk") == placements(first, "walk")
    assert [d.status for d in second.decisions if d.rule == "walk"] == [oc.KEPT]


WEEKDAY_WALKS = WALK.replace("per_week: 1", "per_week: 3").replace("days: [sun]", "days: [weekdays]").replace('"18:00"', "earliest")


def test_first_run_mid_week_does_not_count_days_already_over_as_missed(tmp_path: Path) -> None:
    config = load(tmp_path, WEEKDAY_WALKS)
    result = run(config, week_window(MONDAY), now=at(2026, 12, 3, 9))  # Thursday: Mon-Wed are over
    assert sorted(d.status for d in result.decisions if d.rule == "walk") == [oc.PASSED, oc.PLACED, oc.PLACED]
    assert not result.missed


def test_days_already_over_excuse_only_as_many_occurrences_as_they_could_hold(tmp_path: Path) -> None:
    config = load(tmp_path, WEEKDAY_WALKS)
    busy = [occ("sam", "Evening class", at(2026, 12, d, 16), at(2026, 12, d, 23)) for d in (1, 2, 3, 4)]
    result = run(config, week_window(MONDAY), busy, now=at(2026, 12, 1, 9))  # Tuesday; Tue-Fri taken
    assert sorted(d.status for d in result.decisions if d.rule == "walk") == [oc.MISSED, oc.MISSED, oc.PASSED]
    assert len(result.missed) == 2
