"""Builders for rule tests: a loaded household, occurrences, evaluation, and "what a sync wrote"."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from pathlib import Path

from calsync.config import Config, load_config
from calsync.model import CalendarRef, Occurrence, OwnedBlock, Window
from calsync.model.window import local_midnight
from calsync.rules.engine import RuleInputs, evaluate
from calsync.rules.outcome import Evaluation
from tests.helpers import CONFIG, household

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

WALK = """\
rituals:
  - name: walk
    who: [alex, sam]
    duration: 1h
    per_week: 1
    window: {days: [sun], time: "17:00-21:00"}
    prefer: "18:00"
"""

TRAVEL_CONFIG = CONFIG + """\
      trips:
        source: ics
        path: sam-trips.ics
        role: travel
"""


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=BERLIN)


def load(tmp_path: Path, rules: str, config: str = CONFIG) -> Config:
    return load_config(household(tmp_path, rules=rules, config=config))


def week_window(monday: dt.date, weeks: int = 1) -> Window:
    return Window(local_midnight(monday, BERLIN), local_midnight(monday + dt.timedelta(days=7 * weeks), BERLIN))


def run(config: Config, window: Window, occurrences: Sequence[Occurrence] = (), *, now: dt.datetime | None = None,
        owned: Sequence[OwnedBlock] = ()) -> Evaluation:
    return evaluate(RuleInputs(config.file, config.rules, window, now or window.start, BERLIN, list(occurrences), list(owned)))


def occ(partner: str, summary: str, start: dt.datetime, end: dt.datetime, calendar: str = "work", **extra: object) -> Occurrence:
    uid = f"{partner}-{summary}-{start.isoformat()}".lower().replace(" ", "-")
    return Occurrence(CalendarRef(partner, calendar), uid, "", start, end, summary, **extra)  # type: ignore[arg-type]


def all_day(partner: str, summary: str, first: dt.date, last: dt.date, calendar: str = "work", **extra: object) -> Occurrence:
    """An all-day event from `first` to `last` inclusive (DTEND exclusive, as iCalendar has it)."""
    end = last + dt.timedelta(days=1)
    return occ(partner, summary, local_midnight(first, BERLIN), local_midnight(end, BERLIN), calendar,
               all_day=True, start_date=first, end_date=end, transparent=True, **extra)


def synced(evaluation: Evaluation) -> list[OwnedBlock]:
    """The blocks a sync of this evaluation leaves on the calendars, as the next read finds them."""
    return [OwnedBlock(b.key, b.ref, b.rule, b.start, b.end, b.title, remote_id=b.key) for b in evaluation.blocks]


def placements(evaluation: Evaluation, rule: str) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """slot -> interval for a ritual (one entry per slot, whoever holds it)."""
    return {p.slot: (p.start, p.end) for p in evaluation.protected if p.rule == rule}
