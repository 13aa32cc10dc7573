"""No-work zones and fixed rituals: desired blocks, conflicts, targets, DST."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from calsync.config import load_config
from calsync.model import CalendarRef, Occurrence
from calsync.model.window import horizon, wall_time
from calsync.rules.engine import RuleInputs, evaluate
from tests.helpers import CONFIG, RULES, household

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def run(tmp_path: Path, now: dt.datetime, occurrences: list[Occurrence] | None = None, rules: str = RULES, config: str = CONFIG, days: int = 28):
    cfg = load_config(household(tmp_path, rules=rules, config=config))
    window = horizon(now, BERLIN, days)
    return evaluate(RuleInputs(cfg.file, cfg.rules, window, now, BERLIN, occurrences or []))


def occ(partner: str, summary: str, start: dt.datetime, end: dt.datetime, calendar: str = "work") -> Occurrence:
    return Occurrence(CalendarRef(partner, calendar), summary.lower().replace(" ", "-"), "", start, end, summary)


def test_zone_blocks_each_partner_on_each_matching_day(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)  # a Monday
    result = run(tmp_path, now, days=7)
    dinners = [b for b in result.blocks if b.rule == "family-dinner"]
    assert len(dinners) == 10  # 5 weekdays x 2 partners
    assert {b.ref for b in dinners} == {CalendarRef("alex", "work"), CalendarRef("sam", "work")}
    monday = next(b for b in dinners if b.ref.partner == "alex" and b.start.day == 30)
    assert (monday.start, monday.end) == (dt.datetime(2026, 11, 30, 18, 30, tzinfo=BERLIN), dt.datetime(2026, 11, 30, 20, 0, tzinfo=BERLIN))
    assert monday.title == "Busy" and monday.visibility == "private"
    weekend = [b for b in result.blocks if b.rule == "weekend" and b.ref.partner == "alex"]
    assert [(b.start.date(), b.end - b.start) for b in weekend] == [
        (dt.date(2026, 12, 5), dt.timedelta(hours=24)),
        (dt.date(2026, 12, 6), dt.timedelta(hours=24)),
    ]


def test_wall_clock_zones_across_dst_end(tmp_path: Path) -> None:
    now = dt.datetime(2026, 10, 19, 8, 0, tzinfo=BERLIN)
    result = run(tmp_path, now, days=14)
    dinners = sorted((b for b in result.blocks if b.rule == "family-dinner" and b.ref.partner == "alex"), key=lambda b: b.start)
    assert {b.start.astimezone(BERLIN).strftime("%H:%M") for b in dinners} == {"18:30"}
    assert {b.start.astimezone(dt.UTC).hour for b in dinners} == {16, 17}
    sunday = [b for b in result.blocks if b.rule == "weekend" and b.ref.partner == "alex" and b.start.date() == dt.date(2026, 10, 25)]
    assert sunday[0].end.astimezone(dt.UTC) - sunday[0].start.astimezone(dt.UTC) == dt.timedelta(hours=25)  # the 25-hour day is protected in full


def test_wall_time_in_spring_gap_moves_forward() -> None:
    assert wall_time(dt.date(2026, 3, 29), 2 * 60 + 30, BERLIN).strftime("%H:%M") == "03:30"
    assert wall_time(dt.date(2026, 3, 29), 24 * 60, BERLIN) == dt.datetime(2026, 3, 30, tzinfo=BERLIN)


def test_invading_work_event_is_a_conflict_and_still_blocked(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    dinner = occ("alex", "Client dinner", dt.datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 1, 21, 30, tzinfo=BERLIN))
    result = run(tmp_path, now, [dinner], days=7)
    [conflict] = [c for c in result.conflicts if c.rule == "family-dinner"]
    assert (conflict.partner, conflict.calendar, conflict.event) == ("alex", "work", "Client dinner")
    assert (conflict.start, conflict.end) == (dinner.start, dinner.end)
    tuesday = [b for b in result.blocks if b.rule == "family-dinner" and b.ref.partner == "alex" and b.start.day == 1]
    assert [(b.start.hour, b.start.minute, b.end.hour) for b in tuesday] == [(18, 30, 20)]


def test_conflict_skip_leaves_the_occupied_part_free(tmp_path: Path) -> None:
    rules = RULES.replace('    time: "18:30-20:00"', '    time: "18:30-20:00"\n    conflict: skip')
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    dinner = occ("alex", "Client dinner", dt.datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 1, 21, 30, tzinfo=BERLIN))
    result = run(tmp_path, now, [dinner], rules=rules, days=7)
    tuesday = [b for b in result.blocks if b.rule == "family-dinner" and b.ref.partner == "alex" and b.start.day == 1]
    assert [(b.start.strftime("%H:%M"), b.end.strftime("%H:%M")) for b in tuesday] == [("18:30", "19:00")]
    assert len(result.conflicts) == 1


def test_personal_events_do_not_invade_no_work_zones_but_do_clash_with_rituals(tmp_path: Path) -> None:
    config = CONFIG.replace(
        "  sam:\n",
        "    home:\n      source: ics\n      path: alex-work.ics\n      role: personal\n  sam:\n".replace("    home", "      home").replace("      source", "        source").replace("      path", "        path").replace("      role", "        role"),
    )
    now = dt.datetime(2026, 11, 30, 6, 0, tzinfo=BERLIN)
    gym = occ("alex", "Gym", dt.datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN), "home")
    cinema = occ("alex", "Cinema", dt.datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 1, 21, 0, tzinfo=BERLIN), "home")
    result = run(tmp_path, now, [gym, cinema], config=config, days=7)
    assert [(c.rule, c.event) for c in result.conflicts] == [("breakfast", "Gym")]


def test_rule_calendars_override_targets_and_titles_follow_role(tmp_path: Path) -> None:
    config = CONFIG.replace(
        "  sam:\n",
        "      home:\n        source: ics\n        path: home.ics\n        role: personal\n        write: true\n  sam:\n",
    )
    rules = RULES.replace("  - name: breakfast\n    who: [alex, sam]", "  - name: breakfast\n    who: [alex]\n    calendars: [home]")
    now = dt.datetime(2026, 11, 30, 6, 0, tzinfo=BERLIN)
    result = run(tmp_path, now, rules=rules, config=config, days=7)
    breakfast = [b for b in result.blocks if b.rule == "breakfast"]
    assert {b.ref for b in breakfast} == {CalendarRef("alex", "home")}
    assert {b.title for b in breakfast} == {"Breakfast"} and {b.visibility for b in breakfast} == {"default"}
    dinner = {b.ref for b in result.blocks if b.rule == "family-dinner"}
    assert CalendarRef("alex", "home") not in dinner  # default: the work calendars


def test_keys_are_stable_and_distinct(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    first = run(tmp_path / "a", now, days=7)
    second = run(tmp_path / "b", now + dt.timedelta(hours=1), days=7)
    assert {b.key for b in first.blocks} == {b.key for b in second.blocks}
    assert len({b.key for b in first.blocks}) == len(first.blocks)
    assert all(len(b.key) >= 5 and set(b.key) <= set("0123456789abcdefghijklmnopqrstuv") for b in first.blocks)


def test_flexible_ritual_placed_where_both_are_free(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    busy = occ("sam", "Prep", dt.datetime(2026, 12, 6, 17, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 6, 18, 30, tzinfo=BERLIN))
    result = run(tmp_path, now, [busy], days=7)
    placed = {b.start for b in result.blocks if b.rule == "state-of-the-union"}
    assert placed == {dt.datetime(2026, 12, 6, 18, 30, tzinfo=BERLIN)}
    blocking = occ("alex", "Busy evening", dt.datetime(2026, 12, 6, 17, 0, tzinfo=BERLIN), dt.datetime(2026, 12, 6, 21, 0, tzinfo=BERLIN))
    result = run(tmp_path / "x", now, [blocking], days=7)
    assert not [b for b in result.blocks if b.rule == "state-of-the-union"]
    assert [(m.rule, m.week) for m in result.missed] == [("state-of-the-union", "2026-W49")]
