"""Block presentation per rule: titles, visibility, Google event types, and the conflict policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import CONFIG
from tests.rules.support import at, load, occ, run, week_window

CONFIG_WITH_HOME = CONFIG + """\
      home:
        source: ics
        path: sam-home.ics
        role: personal
        write: true
"""

RULES = """\
no_work_zones:
  - name: deep-evening
    who: [alex, sam]
    days: [mon]
    time: "19:00-22:00"
    conflict: {policy}
rituals:
  - name: date-night
    who: [sam]
    days: [fri]
    time: "19:00-23:00"
    calendars: [work, home]
    title: Date night with Alex
    event_type: outOfOffice
    auto_decline: new
    decline_message: Off for the evening
  - name: run
    who: [alex]
    days: [tue]
    time: "07:00-08:00"
    work_title: Out
    visibility: public
"""


def test_work_calendars_see_busy_and_personal_ones_the_rituals_name(tmp_path: Path) -> None:
    config = load(tmp_path, RULES.format(policy="flag"), CONFIG_WITH_HOME)
    result = run(config, week_window(dt.date(2026, 11, 30)))
    date = {b.ref.calendar: b for b in result.blocks if b.rule == "date-night"}
    assert (date["work"].title, date["work"].visibility) == ("Busy", "private")
    assert (date["home"].title, date["home"].visibility) == ("Date night with Alex", "default")
    assert {b.event_type for b in date.values()} == {"outOfOffice"}
    assert {(b.auto_decline, b.decline_message) for b in date.values()} == {("new", "Off for the evening")}
    assert date["work"].key != date["home"].key
    run_block = next(b for b in result.blocks if b.rule == "run")
    assert (run_block.title, run_block.visibility, run_block.event_type) == ("Out", "public", "default")


def test_conflict_flag_blocks_in_full_and_lists_the_event(tmp_path: Path) -> None:
    config = load(tmp_path, RULES.format(policy="flag"), CONFIG_WITH_HOME)
    late = occ("alex", "Late call", at(2026, 11, 30, 20), at(2026, 11, 30, 21))
    result = run(config, week_window(dt.date(2026, 11, 30)), [late])
    blocks = [(b.start, b.end) for b in result.blocks if b.rule == "deep-evening" and b.ref.partner == "alex"]
    assert blocks == [(at(2026, 11, 30, 19), at(2026, 11, 30, 22))]
    assert [(c.partner, c.event, c.start) for c in result.conflicts] == [("alex", "Late call", at(2026, 11, 30, 20))]


def test_conflict_skip_leaves_the_occupied_part_unblocked(tmp_path: Path) -> None:
    config = load(tmp_path, RULES.format(policy="skip"), CONFIG_WITH_HOME)
    late = occ("alex", "Late call", at(2026, 11, 30, 20), at(2026, 11, 30, 21))
    result = run(config, week_window(dt.date(2026, 11, 30)), [late])
    blocks = sorted((b.start, b.end) for b in result.blocks if b.rule == "deep-evening" and b.ref.partner == "alex")
    assert blocks == [(at(2026, 11, 30, 19), at(2026, 11, 30, 20)), (at(2026, 11, 30, 21), at(2026, 11, 30, 22))]
    assert len(result.conflicts) == 1  # still reported


def test_conflict_block_blocks_without_listing(tmp_path: Path) -> None:
    config = load(tmp_path, RULES.format(policy="block"), CONFIG_WITH_HOME)
    late = occ("alex", "Late call", at(2026, 11, 30, 20), at(2026, 11, 30, 21))
    result = run(config, week_window(dt.date(2026, 11, 30)), [late])
    assert [(b.start, b.end) for b in result.blocks if b.rule == "deep-evening" and b.ref.partner == "alex"] == [
        (at(2026, 11, 30, 19), at(2026, 11, 30, 22))]
    assert result.conflicts == []
