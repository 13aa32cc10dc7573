"""Travel detection (keywords, categories, role: travel calendars), its effect on rituals and home duties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calsync.rules import outcome as oc
from calsync.rules.travel import away_intervals, travel_days, travel_seam, trip_ends
from tests.rules.support import (
    BERLIN,
    TRAVEL_CONFIG,
    WALK,
    all_day,
    at,
    load,
    occ,
    placements,
    run,
    synced,
    week_window,
)

TRAVEL = """\
travel:
  keywords: [flight, trip]
  categories: [travel]
"""

BREAKFAST = """\
rituals:
  - name: breakfast
    who: [alex, sam]
    days: [daily]
    time: "07:15-07:45"
"""

DUTY = """\
home_duties:
  - name: school-run
    who: sam
    days: [weekdays]
    time: "07:45-08:30"
"""


def days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]


def test_keywords_match_whole_words_case_insensitively(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL)
    events = [
        occ("sam", "FLIGHT BER → LIS", at(2026, 12, 9, 7), at(2026, 12, 9, 10)),
        occ("sam", "Tripod repair", at(2026, 12, 11, 9), at(2026, 12, 11, 10)),  # not the word "trip"
        occ("alex", "Flight review", at(2026, 12, 9, 9), at(2026, 12, 9, 10), cancelled=True),
        occ("alex", "Trip to Rome", at(2026, 12, 12, 9), at(2026, 12, 12, 10), declined=True),
    ]
    assert travel_days(events, "sam", config.file, config.rules, days(dt.date(2026, 12, 7), 7), BERLIN) == [dt.date(2026, 12, 9)]
    assert travel_days(events, "alex", config.file, config.rules, days(dt.date(2026, 12, 7), 7), BERLIN) == []


def test_categories_and_all_day_events_count_even_when_transparent(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL)
    trip = all_day("sam", "Lisbon", dt.date(2026, 12, 9), dt.date(2026, 12, 10), categories=("Travel",))
    assert trip.transparent and not trip.busy
    assert travel_days([trip], "sam", config.file, config.rules, days(dt.date(2026, 12, 7), 7), BERLIN) == [
        dt.date(2026, 12, 9), dt.date(2026, 12, 10)]


def test_all_day_only_ignores_timed_matches(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + "  all_day_only: true\n")
    events = [occ("sam", "Flight", at(2026, 12, 9, 7), at(2026, 12, 9, 10)),
              all_day("sam", "Trip", dt.date(2026, 12, 11), dt.date(2026, 12, 11))]
    assert travel_days(events, "sam", config.file, config.rules, days(dt.date(2026, 12, 7), 7), BERLIN) == [dt.date(2026, 12, 11)]


def test_a_role_travel_calendar_means_away_without_any_keyword(tmp_path: Path) -> None:
    config = load(tmp_path, "travel: {keywords: [flight]}\n", config=TRAVEL_CONFIG)
    event = occ("sam", "Berlin → Munich", at(2026, 12, 8, 6), at(2026, 12, 8, 9), calendar="trips")
    assert away_intervals([event], "sam", config.file, config.rules) == [(event.start, event.end)]
    # and without any travel: section at all
    bare = load(tmp_path / "b", "rituals: []\n", config=TRAVEL_CONFIG)
    assert away_intervals([event], "sam", bare.file, bare.rules) == [(event.start, event.end)]


def test_travel_days_across_dst_start_and_a_night_flight(tmp_path: Path) -> None:
    """Spring forward (29 Mar 2026): an all-day trip over it, and a flight that lands after midnight."""
    config = load(tmp_path, TRAVEL)
    trip = all_day("sam", "Trip", dt.date(2026, 3, 28), dt.date(2026, 3, 29))
    night = occ("alex", "Flight home", at(2026, 3, 28, 22), at(2026, 3, 29, 3, 30))
    assert travel_days([trip], "sam", config.file, config.rules, days(dt.date(2026, 3, 23), 14), BERLIN) == [
        dt.date(2026, 3, 28), dt.date(2026, 3, 29)]
    assert travel_days([night], "alex", config.file, config.rules, days(dt.date(2026, 3, 23), 14), BERLIN) == [
        dt.date(2026, 3, 28), dt.date(2026, 3, 29)]
    # an event ending exactly at midnight does not touch the next day (25-hour day at DST end)
    late = occ("alex", "Flight", at(2026, 10, 25, 20), at(2026, 10, 26, 0))
    assert travel_days([late], "alex", config.file, config.rules, days(dt.date(2026, 10, 19), 14), BERLIN) == [dt.date(2026, 10, 25)]


def test_trip_over_a_week_boundary_counts_in_both_weeks(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL)
    trip = all_day("sam", "Trip", dt.date(2026, 12, 6), dt.date(2026, 12, 7))  # Sunday and Monday
    w49 = travel_days([trip], "sam", config.file, config.rules, days(dt.date(2026, 11, 30), 7), BERLIN)
    w50 = travel_days([trip], "sam", config.file, config.rules, days(dt.date(2026, 12, 7), 7), BERLIN)
    assert (w49, w50) == ([dt.date(2026, 12, 6)], [dt.date(2026, 12, 7)])
    assert trip_ends({dt.date(2026, 12, 6), dt.date(2026, 12, 7), dt.date(2026, 12, 10)}) == [dt.date(2026, 12, 7), dt.date(2026, 12, 10)]


def test_shared_fixed_ritual_is_not_placed_while_one_partner_travels_and_counts_missed(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + BREAKFAST)
    trip = all_day("sam", "Trip", dt.date(2026, 12, 6), dt.date(2026, 12, 7))  # across the week boundary
    result = run(config, week_window(dt.date(2026, 11, 30), 2), [trip])
    held = {b.start.date() for b in result.blocks if b.rule == "breakfast"}
    assert dt.date(2026, 12, 6) not in held and dt.date(2026, 12, 7) not in held
    assert dt.date(2026, 12, 5) in held and dt.date(2026, 12, 8) in held
    assert result.rituals("alex", "2026-W49") == oc.RitualTally(placed=6, missed=1, paused=0)
    assert result.rituals("sam", "2026-W50") == oc.RitualTally(placed=6, missed=1, paused=0)
    assert [m.reason for m in result.missed] == ["sam is away on Sun 06 Dec", "sam is away on Mon 07 Dec"]
    assert result.travel["sam"] == [dt.date(2026, 12, 6), dt.date(2026, 12, 7)]


def test_travel_keep_places_the_ritual_anyway(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + BREAKFAST + "    travel: keep\n")
    trip = all_day("sam", "Trip", dt.date(2026, 12, 6), dt.date(2026, 12, 7))
    result = run(config, week_window(dt.date(2026, 11, 30)), [trip])
    assert len({b.start.date() for b in result.blocks if b.rule == "breakfast"}) == 7


def test_flexible_ritual_avoids_travel_days_and_is_missed_when_only_travel_days_remain(tmp_path: Path) -> None:
    rules = TRAVEL + WALK.replace("days: [sun]", "days: [sat, sun]")
    config = load(tmp_path, rules)
    saturday = all_day("alex", "Trip", dt.date(2026, 12, 5), dt.date(2026, 12, 5))
    result = run(config, week_window(dt.date(2026, 11, 30)), [saturday])
    assert placements(result, "walk")["2026-W49#1"][0].date() == dt.date(2026, 12, 6)
    weekend = all_day("alex", "Trip", dt.date(2026, 12, 5), dt.date(2026, 12, 6))
    result = run(config, week_window(dt.date(2026, 11, 30)), [weekend])
    assert not placements(result, "walk")
    [missed] = result.missed
    assert "alex is away on Sat 05 Dec" in missed.reason and "alex is away on Sun 06 Dec" in missed.reason
    assert [d.status for d in result.decisions if d.rule == "walk"] == [oc.AWAY]


def test_an_earlier_placement_moves_when_its_day_becomes_a_travel_day(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + WALK.replace("days: [sun]", "days: [sat, sun]"))
    first = run(config, week_window(dt.date(2026, 11, 30)))

    slot = placements(first, "walk")["2026-W49#1"]
    trip = all_day("sam", "Trip", slot[0].date(), slot[0].date())
    second = run(config, week_window(dt.date(2026, 11, 30)), [trip], owned=synced(first))
    assert placements(second, "walk")["2026-W49#1"][0].date() != slot[0].date()
    assert "sam is away" in second.notes[0]


def test_home_duty_shifts_to_the_other_partner_while_its_owner_travels(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + DUTY)
    trip = all_day("sam", "Trip", dt.date(2026, 12, 4), dt.date(2026, 12, 7))  # Fri to Mon, over the weekend
    result = run(config, week_window(dt.date(2026, 11, 30), 2), [trip])
    by_day = {(b.start.date(), b.ref.partner) for b in result.blocks if b.rule == "school-run"}
    assert (dt.date(2026, 12, 3), "sam") in by_day
    assert (dt.date(2026, 12, 4), "alex") in by_day and (dt.date(2026, 12, 4), "sam") not in by_day
    assert (dt.date(2026, 12, 7), "alex") in by_day and (dt.date(2026, 12, 8), "sam") in by_day
    shifted = [(s.day, s.from_partner, s.to_partner, s.week) for s in result.shifted]
    assert shifted == [(dt.date(2026, 12, 4), "sam", "alex", "2026-W49"), (dt.date(2026, 12, 7), "sam", "alex", "2026-W50")]
    assert len(result.shifted_in("2026-W50")) == 1
    covering = next(b for b in result.blocks if b.rule == "school-run" and b.ref.partner == "alex")
    assert "Covering for sam" in covering.description and covering.kind == "duty"


def test_home_duty_with_nobody_to_cover_is_recorded(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL + DUTY)
    trips = [all_day(p, "Trip", dt.date(2026, 12, 2), dt.date(2026, 12, 2)) for p in ("alex", "sam")]
    result = run(config, week_window(dt.date(2026, 11, 30)), trips)
    [shift] = result.shifted
    assert shift.to_partner is None and "nobody can cover" in shift.reason
    assert not [b for b in result.blocks if b.rule == "school-run" and b.start.date() == dt.date(2026, 12, 2)]


def test_report_adapter_matches_away_intervals(tmp_path: Path) -> None:
    config = load(tmp_path, TRAVEL)
    events = [all_day("sam", "Trip", dt.date(2026, 12, 9), dt.date(2026, 12, 10)), occ("sam", "Flight", at(2026, 12, 12, 7), at(2026, 12, 12, 9))]
    seam = travel_seam(config.file, config.rules)
    assert seam(events, "sam") == away_intervals(events, "sam", config.file, config.rules)
    assert len(seam(events, "sam")) == 2 and seam(events, "alex") == []
