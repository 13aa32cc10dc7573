"""Every rule key is validated, and each error names the rule file and the line (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.cli import main
from calsync.config import load_config
from calsync.errors import ConfigError
from tests.helpers import CONFIG, household, write

ALL = """\
no_work_zones:
  - name: dinner
    who: [alex, sam]
    days: [weekdays]
    time: "18:30-20:00"
    work_title: Busy
    visibility: private
    conflict: flag
    event_type: busy
rituals:
  - name: walk
    who: [alex, sam]
    duration: 45m
    per_week: 2
    window: {days: [sat, sun], time: "10:00-18:00"}
    prefer: latest
    min_gap: 20h
    min_duration: 30m
    travel: skip
    title: Walk
recovery:
  - name: slow-morning
    who: [alex]
    after: {work_hours_over: 10, work_ends_after: "21:00", travel: true}
    slot: next_day
    time: "07:00-09:30"
    days: [weekdays]
home_duties:
  - name: groceries
    who: sam
    cover: alex
    days: [wed]
    time: "17:30-18:30"
travel:
  keywords: [flight, trip]
  categories: [travel]
  all_day_only: false
  who: [alex, sam]
seasons:
  - name: launch
    from: 2026-12-01
    to: 2026-12-20
    who: [alex]
    load: {weekly_work_hours: 55}
    pause:
      - {rule: walk, days: [weekdays]}
      - slow-morning
    note: Alex leads the launch
load:
  weekly_work_hours: 45
"""


def errors(tmp_path: Path, rules: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(household(tmp_path, rules=rules))
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_full_example_is_valid(tmp_path: Path) -> None:
    config = load_config(household(tmp_path, rules=ALL))
    rules = config.rules
    assert [r.name for r in rules.all_rules()] == ["dinner", "walk", "slow-morning", "groceries"]
    assert rules.travel.keywords == ["flight", "trip"] and rules.seasons[0].pause[1].rule == "slow-morning"


CASES = [
    # (old text, new text, needle on the error's line, message)
    ("    visibility: private", "    visibility: secret", "visibility: secret", "visibility: 'secret' is not one of 'default', 'public' or 'private'"),
    ("    conflict: flag", "    conflict: ignore", "conflict: ignore", "conflict: 'ignore' is not one of 'flag', 'skip' or 'block'"),
    ("    event_type: busy", "    event_type: focus", "event_type: focus", "event_type: 'focus' is not one of 'busy', 'focusTime' or 'outOfOffice'"),
    ("    event_type: busy", "    event_type: busy\n    auto_decline: all", "- name: dinner", "auto_decline needs event_type: focusTime or outOfOffice"),
    ("    event_type: busy", "    event_type: focusTime\n    decline_message: Sorry", "- name: dinner", "decline_message needs auto_decline: all or new"),
    ("    event_type: busy", "    event_type: outOfOffice\n    auto_decline: sometimes", "auto_decline: sometimes", "auto_decline: 'sometimes' is not one of 'none', 'all' or 'new'"),
    ("    work_title: Busy", '    work_title: ""', "work_title:", "work_title: String should have at least 1 character"),
    ("    title: Walk", '    title: ""', 'title: ""', "title: String should have at least 1 character"),
    ("  categories: [travel]", '  categories: ["  "]', "categories:", "an empty word matches nothing"),
    ("      - {rule: walk, days: [weekdays]}", "      - {rule: walk, days: [holidays]}", "days: [holidays]", 'day "holidays" is not one of'),
    ("      - {rule: walk, days: [weekdays]}", "      - {rule: walk, when: [weekdays]}", "when: [weekdays]", 'unknown key "when"'),
    ("    who: [alex]\n    after", "    who: alex\n    after", "who: alex", "who: Input should be a valid list"),
    ("    window: {days: [sat, sun], time: \"10:00-18:00\"}", "    window: {days: [sat, sun], time: \"10:00-10:20\"}", "- name: walk",
     "duration 30m does not fit in window 10:00-10:20"),
    ("    prefer: latest", "    prefer: soon", "prefer: soon", 'prefer "soon" is not earliest, latest or HH:MM'),
    ("    min_gap: 20h", "    min_gap: 9d", "min_gap: 9d", 'duration "9d" is longer than 7 days'),
    ("    min_duration: 30m", "    min_duration: 1h", "- name: walk", "min_duration 1h is longer than duration 45m"),
    ("    travel: skip", "    travel: maybe", "travel: maybe", "travel: 'maybe' is not one of 'skip' or 'keep'"),
    ("    after: {work_hours_over: 10, work_ends_after: \"21:00\", travel: true}", "    after: {travel: false}", "after:",
     "after: needs work_hours_over, work_ends_after or travel: true"),
    ("work_hours_over: 10,", "work_hours_over: 0,", "after:", "work_hours_over: Input should be greater than 0"),
    ('work_ends_after: "21:00"', 'work_ends_after: "9pm"', "after:", 'time "9pm" is not HH:MM'),
    ("    slot: next_day", "    slot: tomorrow", "slot: tomorrow", "slot: 'tomorrow' is not one of 'next_day' or 'same_day'"),
    ('    time: "07:00-09:30"', '    time: "09:30-07:00"', "09:30-07:00", "ends before it starts"),
    ("    days: [weekdays]\nhome_duties", "    days: [workdays]\nhome_duties", "days: [workdays]", 'day "workdays" is not one of'),
    ("    who: [alex]\n    after", "    who: [alex, robin]\n    after", "who: [alex, robin]", 'rule "slow-morning": unknown partner "robin"'),
    ("    who: sam\n", "    who: robin\n", "who: robin", 'rule "groceries": unknown partner "robin"'),
    ("    cover: alex", "    cover: robin", "cover: robin", 'rule "groceries": unknown partner "robin"'),
    ("    cover: alex", "    cover: sam", "- name: groceries", 'home duty "groceries": cover must be another partner than who'),
    ("    days: [wed]", "    days: [someday]", "days: [someday]", 'day "someday" is not one of'),
    ("  keywords: [flight, trip]", '  keywords: [flight, ""]', "keywords:", "an empty word matches nothing"),
    ("  all_day_only: false", "  all_day_only: perhaps", "all_day_only", "all_day_only: Input should be a valid boolean"),
    ("  who: [alex, sam]\nseasons", "  who: [alex, robin]\nseasons", "who: [alex, robin]", 'travel: unknown partner "robin"'),
    ("    to: 2026-12-20", "    to: 2026-11-20", "- name: launch", 'season "launch": to (2026-11-20) is before from (2026-12-01)'),
    ("    to: 2026-12-20", "    to: 2027-12-20", "- name: launch", 'season "launch": lasts more than a year'),
    ("    from: 2026-12-01", "    from: 2026-13-01", "from: 2026-13-01", "from: Input should be a valid date"),
    ("    who: [alex]\n    load", "    who: [robin]\n    load", "who: [robin]", 'season "launch": unknown partner "robin"'),
    ("      - slow-morning", "      - nap", "- nap", 'season "launch": pauses unknown rule "nap"'),
    ("      - slow-morning", "      - groceries", "- groceries", 'rule "groceries" does not apply to alex'),
    ("    load: {weekly_work_hours: 55}", "    load: {weekly_hours: 55}", "load: {weekly_hours", 'unknown key "weekly_hours"'),
    ("    note: Alex leads the launch", "    notes: x", "notes: x", 'unknown key "notes"'),
    ("    load: {weekly_work_hours: 55}\n    pause:\n      - {rule: walk, days: [weekdays]}\n      - slow-morning\n", "", "- name: launch",
     'season "launch": changes nothing (give it load: or pause:)'),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), CASES, ids=[c[3][:40] for c in CASES])
def test_bad_value_names_file_and_line(tmp_path: Path, old: str, new: str, needle: str, message: str) -> None:
    assert old in ALL
    rules = ALL.replace(old, new, 1)
    found = errors(tmp_path, rules)
    line = line_of(rules, needle)
    assert any(p.endswith(f"household.yaml:{line}: {message}") or (f"household.yaml:{line}: " in p and message in p) for p in found), found


def test_duplicate_rule_names_across_kinds(tmp_path: Path) -> None:
    rules = ALL.replace("  - name: groceries", "  - name: walk")
    first, second = [i for i, text in enumerate(rules.splitlines(), start=1) if text == "  - name: walk"]
    found = errors(tmp_path, rules)
    assert any(f"household.yaml:{second}: rule name \"walk\" is already used at " in p
               and p.endswith(f"household.yaml:{first}") for p in found), found


def test_overlapping_seasons_setting_the_same_threshold_are_ambiguous(tmp_path: Path) -> None:
    rules = ALL.replace("load:\n  weekly_work_hours: 45\n", "") + """\
  - name: conference
    from: 2026-12-15
    to: 2026-12-18
    who: [alex]
    load: {weekly_work_hours: 60}
load:
  weekly_work_hours: 45
"""
    found = errors(tmp_path, rules)
    line = line_of(rules, "load: {weekly_work_hours: 60}")
    assert any(f"household.yaml:{line}: season \"conference\" overlaps season \"launch\"" in p and "load.weekly_work_hours" in p for p in found), found


def test_second_travel_section_in_another_file(tmp_path: Path) -> None:
    path = household(tmp_path, rules=ALL)
    write(tmp_path / "rules" / "more.yaml", "travel:\n  keywords: [flight]\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert str(problem).endswith("more.yaml:1: travel: is already set in " + str(tmp_path / "rules" / "household.yaml") +
                                 "; keep one travel: section")


def test_fixed_ritual_rejects_flexible_only_keys(tmp_path: Path) -> None:
    rules = """\
rituals:
  - name: breakfast
    who: [alex, sam]
    days: [weekdays]
    time: "07:15-07:45"
    prefer: "07:30"
"""
    [found] = errors(tmp_path, rules)
    assert found.endswith(f"household.yaml:{line_of(rules, '- name: breakfast')}: ritual \"breakfast\": prefer only apply to flexible rituals")


def test_home_duty_needs_cover_when_not_two_partners(tmp_path: Path) -> None:
    config = CONFIG + "  robin:\n    calendars:\n      work: {source: ics, path: r.ics, role: work}\n"
    rules = "home_duties:\n  - name: bins\n    who: sam\n    days: [mon]\n    time: \"07:00-07:15\"\n"
    with pytest.raises(ConfigError) as info:
        load_config(household(tmp_path, rules=rules, config=config))
    [problem] = info.value.problems
    assert str(problem).endswith("household.yaml:3: rule \"bins\": say who covers (cover:) when there are not exactly two partners")


def test_validate_command_prints_every_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = ALL.replace("    slot: next_day", "    slot: tomorrow").replace("    conflict: flag", "    conflict: maybe")
    path = household(tmp_path, rules=rules)
    assert main(["validate", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert all(":" in line and "household.yaml:" in line for line in err)
