"""What the report borrows from the rules: travel detection and the thresholds in force each week.

The report calls these two functions and nothing else from the rules, so richer rules (travel
detected from flights and trips, seasons that override `load:` for some weeks) plug in here
without touching the metrics:

- `travel`: a partner's time away, as intervals. Default: the rules' travel detection
  (`calsync.rules.travel`: `role: travel` calendars, keywords, categories).
- `thresholds`: the `load:` thresholds in force for a partner in the week starting on a Monday.
  Default: the rules' seasons applied to the merged `load:` (`calsync.rules.seasons`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from calsync.config.models import ConfigFile
from calsync.model import Occurrence
from calsync.rules.schema import LoadThresholds, RuleSet

Interval = tuple[dt.datetime, dt.datetime]
TravelFn = Callable[[Sequence[Occurrence], str], list[Interval]]
ThresholdsFn = Callable[[str, dt.date], LoadThresholds]


@dataclass(frozen=True)
class ReportSeams:
    travel: TravelFn
    thresholds: ThresholdsFn


def travel_by_role(config: ConfigFile) -> TravelFn:
    """Travel = occurrences on calendars with `role: travel`."""

    def travel(occurrences: Sequence[Occurrence], partner: str) -> list[Interval]:
        calendars = config.partners[partner].calendars if partner in config.partners else {}
        return [
            (o.start, o.end)
            for o in occurrences
            if o.ref.partner == partner
            and not o.cancelled
            and o.ref.calendar in calendars
            and calendars[o.ref.calendar].role == "travel"
        ]

    return travel


def fixed_thresholds(rules: RuleSet) -> ThresholdsFn:
    """The same `load:` thresholds every week."""

    def thresholds(partner: str, week_start: dt.date) -> LoadThresholds:
        return rules.load

    return thresholds


def default_seams(config: ConfigFile, rules: RuleSet) -> ReportSeams:
    """The seams `build_report` uses unless a caller passes its own."""
    from calsync.rules.seasons import thresholds_by_partner
    from calsync.rules.travel import travel_seam

    return ReportSeams(travel=travel_seam(config, rules), thresholds=thresholds_by_partner(rules))
