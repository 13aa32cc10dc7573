"""Seasons: thresholds per partner and week, rules set aside for a period, at DST and week edges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calsync.rules import outcome as oc
from calsync.rules.seasons import active_seasons, effective_load, pausing_season, thresholds_by_partner
from tests.rules.support import WALK, at, load, occ, placements, run, week_window

LAUNCH = """\
load:
  weekly_work_hours: 45
  weekend_work_hours: 4
no_work_zones:
  - name: weekend
    who: [alex, sam]
    days: [weekend]
    time: "00:00-24:00"
rituals:
  - name: walk
    who: [alex, sam]
    duration: 45m
    per_week: 3
    window: {days: [daily], time: "19:00-21:00"}
seasons:
  - name: launch
    from: 2026-12-02
    to: 2026-12-13
    who: [alex]
    load: {weekly_work_hours: 55}
    pause:
      - {rule: walk, days: [weekdays]}
      - weekend
    note: Alex leads the launch
"""


def test_thresholds_are_overridden_in_every_week_the_season_touches(tmp_path: Path) -> None:
    rules = load(tmp_path, LAUNCH).rules
    # W49 (Mon 30 Nov) is touched from Wednesday; W50 fully; W51 (from Mon 14 Dec) not at all
    assert effective_load(rules, "alex", dt.date(2026, 11, 30)).weekly_work_hours == 55
    assert effective_load(rules, "alex", dt.date(2026, 12, 9)).weekly_work_hours == 55  # any day of the week works
    assert effective_load(rules, "alex", dt.date(2026, 12, 14)).weekly_work_hours == 45
    assert effective_load(rules, "alex", dt.date(2026, 11, 23)).weekly_work_hours == 45
    # keys the season does not set keep the general value; other partners keep theirs
    assert effective_load(rules, "alex", dt.date(2026, 12, 7)).weekend_work_hours == 4
    assert effective_load(rules, "sam", dt.date(2026, 12, 7)).weekly_work_hours == 45


def test_season_ending_on_a_sunday_does_not_leak_into_the_next_week(tmp_path: Path) -> None:
    rules = load(tmp_path, LAUNCH).rules
    assert [s.name for s in active_seasons(rules, "alex", dt.date(2026, 12, 13))] == ["launch"]
    assert active_seasons(rules, "alex", dt.date(2026, 12, 14)) == []


def test_season_over_dst_end_applies_by_local_date(tmp_path: Path) -> None:
    rules = LAUNCH.replace("from: 2026-12-02", "from: 2026-10-25").replace("to: 2026-12-13", "to: 2026-10-25")
    loaded = load(tmp_path, rules).rules
    assert effective_load(loaded, "alex", dt.date(2026, 10, 19)).weekly_work_hours == 55  # the DST week (W43)
    assert effective_load(loaded, "alex", dt.date(2026, 10, 26)).weekly_work_hours == 45
    config = load(tmp_path / "b", rules)
    result = run(config, week_window(dt.date(2026, 10, 19), 2))
    weekend = [d for d in result.decisions if d.rule == "weekend" and "alex" in d.partners]
    assert {d.day: d.status for d in weekend if d.week == "2026-W43"} == {
        dt.date(2026, 10, 24): oc.PLACED, dt.date(2026, 10, 25): oc.PAUSED}
    # the 25-hour Sunday stays protected for sam
    sam_sunday = next(b for b in result.blocks if b.rule == "weekend" and b.ref.partner == "sam" and b.start.date() == dt.date(2026, 10, 25))
    assert sam_sunday.end.astimezone(dt.UTC) - sam_sunday.start.astimezone(dt.UTC) == dt.timedelta(hours=25)


def test_pause_on_some_days_sets_a_shared_ritual_aside_for_everyone(tmp_path: Path) -> None:
    config = load(tmp_path, LAUNCH)
    result = run(config, week_window(dt.date(2026, 12, 7)))  # the launch week
    walks = sorted(s for s, _ in placements(result, "walk").values())
    assert [s.date() for s in walks] == [dt.date(2026, 12, 12), dt.date(2026, 12, 13)]  # weekend only
    statuses = sorted(d.status for d in result.decisions if d.rule == "walk")
    assert statuses == [oc.PAUSED, oc.PLACED, oc.PLACED]
    assert not result.missed  # an agreed pause is not a missed ritual
    assert result.rituals("sam", "2026-W50") == oc.RitualTally(placed=2, missed=0, paused=1)
    assert pausing_season(config.rules, "walk", ["sam"], dt.date(2026, 12, 8)) is None
    assert pausing_season(config.rules, "walk", ["alex", "sam"], dt.date(2026, 12, 8)).name == "launch"  # type: ignore[union-attr]


def test_pause_on_a_no_work_zone_applies_only_to_the_season_partner(tmp_path: Path) -> None:
    config = load(tmp_path, LAUNCH)
    result = run(config, week_window(dt.date(2026, 12, 7)))
    weekend = {(b.ref.partner, b.start.date()) for b in result.blocks if b.rule == "weekend"}
    assert weekend == {("sam", dt.date(2026, 12, 12)), ("sam", dt.date(2026, 12, 13))}
    work = [occ("alex", "Launch", at(2026, 12, 12, 10), at(2026, 12, 12, 16))]
    assert not [c for c in run(config, week_window(dt.date(2026, 12, 7)), work).conflicts if c.rule == "weekend"]


def test_a_kept_ritual_moves_when_a_season_starts_covering_its_day(tmp_path: Path) -> None:
    from tests.rules.support import synced

    plain = load(tmp_path / "a", WALK.replace("days: [sun]", "days: [fri, sun]").replace('"18:00"', "earliest"))
    first = run(plain, week_window(dt.date(2026, 11, 30)))
    assert placements(first, "walk")["2026-W49#1"][0].date() == dt.date(2026, 12, 4)
    seasonal = WALK.replace("days: [sun]", "days: [fri, sun]").replace('"18:00"', "earliest") + """\
seasons:
  - name: crunch
    from: 2026-12-04
    to: 2026-12-04
    who: [sam]
    pause: [walk]
"""
    second = run(load(tmp_path / "b", seasonal), week_window(dt.date(2026, 11, 30)), owned=synced(first))
    assert placements(second, "walk")["2026-W49#1"][0].date() == dt.date(2026, 12, 6)
    assert 'season "crunch"' in second.notes[0]


def test_report_adapter_gives_each_partner_their_own_thresholds(tmp_path: Path) -> None:
    rules = load(tmp_path, LAUNCH).rules
    thresholds = thresholds_by_partner(rules)
    assert thresholds("alex", dt.date(2026, 12, 7)).weekly_work_hours == 55
    assert thresholds("sam", dt.date(2026, 12, 7)).weekly_work_hours == 45
