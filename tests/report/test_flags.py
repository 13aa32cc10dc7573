"""Flags (overloaded with reasons, collision, imbalance) and the suggestion each one comes with."""

from __future__ import annotations

import datetime as dt

from calsync.report.seams import ReportSeams, fixed_thresholds, travel_by_role
from calsync.rules.schema import LoadThresholds
from tests.helpers import ZONES
from tests.report.household import NOW, calendar, event, report_for, week, write_household

W49 = dt.date(2026, 11, 30)

RULES = ZONES + """\
rituals:
  - name: state-of-the-union
    who: [alex, sam]
    duration: 45m
    per_week: 1
    window: {days: [sun], time: "17:00-21:00"}
  - name: walk
    who: [alex, sam]
    duration: 1h
    per_week: 1
    window: {days: [sat], time: "09:00-12:00"}
load:
  weekly_work_hours: 40
  evening_work_hours: 2
  weekend_work_hours: 1
  protected_hours_invaded: 1
  travel_days: 2
  rituals_missed: 0
"""


def long_days(prefix: str, days: range, start: str = "080000", end: str = "180000") -> list[str]:
    return [event(f"{prefix}-{d}", f"202612{d:02d}T{start}", f"202612{d:02d}T{end}", f"{prefix} day {d}") for d in days]


def household(tmp_path, alex_events=(), sam_events=(), extra=None, rules=RULES):  # type: ignore[no-untyped-def]
    cals = {
        "alex": {"work": ("work", calendar(*alex_events))},
        "sam": {"work": ("work", calendar(*sam_events))},
    }
    for partner, more in (extra or {}).items():
        cals[partner].update(more)
    return write_household(tmp_path, cals, rules=rules)


def test_no_flags_in_a_calm_week(tmp_path):
    config = household(tmp_path, long_days("a", range(1, 3)), long_days("s", range(1, 3)))
    w = week(report_for(config, NOW, W49), "2026-W49")
    assert not w["collision"] and w["imbalance"] == [] and w["suggestions"] == []
    assert all(not p["overloaded"] and p["reasons"] == [] for p in w["partners"].values())


def test_overloaded_names_every_threshold_exceeded_with_a_suggestion_each(tmp_path):
    alex = [
        *long_days("a", range(1, 5)),  # Tue–Fri 08:00–18:00: 40 h
        event("dinner", "20261201T190000", "20261201T220000", "Client dinner"),  # 1 h in family-dinner, 3 h evening
        event("sat", "20261205T100000", "20261205T120000", "Release on-call"),  # 2 h weekend
    ]
    config = household(tmp_path, alex)
    w = week(report_for(config, NOW, W49), "2026-W49")
    a = w["partners"]["alex"]
    assert a["overloaded"] is True
    assert a["reasons"] == ["weekly_work_hours", "evening_work_hours", "weekend_work_hours", "protected_hours_invaded"]
    assert w["partners"]["sam"]["reasons"] == []
    assert not w["collision"]
    texts = {s["reason"]: s["text"] for s in w["suggestions"] if s["flag"] == "overloaded"}
    assert set(texts) == set(a["reasons"])
    assert texts["weekly_work_hours"].startswith("Alex: 45 h of work booked, 5 h over the 40 h limit.")
    assert "Lighten Tue 01 Dec (13 h, 08:00–22:00)" in texts["weekly_work_hours"]
    assert "“Client dinner” (Tue 19:00)" in texts["evening_work_hours"]
    assert "“Release on-call” (Sat 10:00)" in texts["weekend_work_hours"]
    assert "“Client dinner” (Tue 19:00) in family-dinner" in texts["protected_hours_invaded"]


def test_threshold_equal_to_the_limit_is_not_overloaded(tmp_path):
    config = household(tmp_path, long_days("a", range(1, 5)))  # exactly 40 h
    a = week(report_for(config, NOW, W49), "2026-W49")["partners"]["alex"]
    assert a["work_hours"] == 40.0 and a["overloaded"] is False


def test_collision_when_both_are_overloaded_keeps_the_ritual_and_moves_the_invader(tmp_path):
    alex = [*long_days("a", range(1, 5)), event("late", "20261202T180000", "20261202T200000", "Launch prep")]
    sam = [*long_days("s", range(1, 5)), event("sam-late", "20261203T190000", "20261203T193000", "Quick call")]
    config = household(tmp_path, alex, sam)
    w = week(report_for(config, NOW, W49), "2026-W49")
    assert w["collision"] is True
    collision = [s for s in w["suggestions"] if s["flag"] == "collision"]
    assert len(collision) == 1
    text = collision[0]["text"]
    assert text.startswith("Both overloaded: keep state-of-the-union (Sun 17:00); move walk to a lighter week;")
    assert "move “Launch prep” (Wed 18:00) out of family-dinner" in text


def test_collision_with_a_missed_ritual_says_to_book_it_first(tmp_path):
    blocked = event("sun", "20261206T170000", "20261206T210000", "Sunday workshop")
    alex = [*long_days("a", range(1, 5)), blocked]
    sam = [*long_days("s", range(1, 5)), event("sam-sun", "20261206T170000", "20261206T210000", "Sunday workshop")]
    config = household(tmp_path, alex, sam)
    w = week(report_for(config, NOW, W49), "2026-W49")
    assert w["collision"]
    assert all("rituals_missed" in p["reasons"] for p in w["partners"].values())
    texts = [s["text"] for s in w["suggestions"]]
    # one suggestion for the ritual both missed, not one per partner
    missed = [t for t in texts if t.startswith("state-of-the-union found no time")]
    assert missed == [
        "state-of-the-union found no time where Alex and Sam are both free (Sun 17:00–21:00): free 45m there or widen its window."
    ]
    collision = next(s["text"] for s in w["suggestions"] if s["flag"] == "collision")
    assert collision.startswith("Both overloaded: keep walk (Sat 09:00)")


def test_travel_imbalance_names_the_days_and_the_partner_left_without_a_buffer(tmp_path):
    trips = calendar(event("trip", "20261201", "20261204", "Trip to Lisbon"))  # Tue–Thu
    sam = [event("sam-late", "20261202T190000", "20261202T203000", "New York sync")]
    config = household(tmp_path, sam_events=sam, extra={"alex": {"trips": ("travel", trips)}})
    w = week(report_for(config, NOW, W49), "2026-W49")
    assert w["partners"]["alex"]["travel_days"] == 3
    assert w["partners"]["alex"]["reasons"] == ["travel_days"]
    assert w["imbalance"] == [{"kind": "travel", "partner": "alex", "share": 1.0, "days": 3}]
    texts = {(s["flag"], s.get("reason")): s["text"] for s in w["suggestions"]}
    assert texts[("imbalance", "travel")] == (
        "Alex travels Tue–Thu: Sam has no evening buffer; move “New York sync” (Wed 19:00)."
    )
    assert texts[("overloaded", "travel_days")].startswith("Alex travels Tue–Thu (3 days, limit 2): Sam is home alone")


def test_home_imbalance_when_one_partner_carries_most_home_time(tmp_path):
    home = calendar(
        event("pickup-1", "20261201T150000", "20261201T170000", "Kita pickup"),
        event("pickup-2", "20261203T150000", "20261203T170000", "Kita pickup"),
    )
    config = household(tmp_path, extra={"sam": {"home": ("shared", home)}})
    w = week(report_for(config, NOW, W49), "2026-W49")
    assert w["imbalance"] == [{"kind": "home", "partner": "sam", "share": 1.0, "hours": 4.0}]
    text = next(s["text"] for s in w["suggestions"] if s["flag"] == "imbalance")
    assert text == "Sam carries 100% of the week's home time (4 h of 4 h): Alex could take one of those evenings."


def test_thresholds_seam_lets_a_season_override_one_week(tmp_path):
    """Per-week thresholds come through the seam: a lighter limit in W50 (a season) flags only W50."""
    config = household(tmp_path, [*long_days("a", range(1, 4)), *long_days("a", range(8, 11))])  # 30 h in each week
    base = LoadThresholds(weekly_work_hours=40)
    december = LoadThresholds(weekly_work_hours=25)

    def thresholds(partner: str, monday: dt.date) -> LoadThresholds:
        return december if monday >= dt.date(2026, 12, 7) else base

    from calsync.config import load_config

    cfg = load_config(config, {})
    seams = ReportSeams(travel=travel_by_role(cfg.file), thresholds=thresholds)
    data = report_for(config, NOW, W49, weeks=2, seams=seams)
    assert week(data, "2026-W49")["partners"]["alex"]["reasons"] == []
    assert week(data, "2026-W50")["partners"]["alex"]["reasons"] == ["weekly_work_hours"]
    assert week(data, "2026-W50")["thresholds"] == {"weekly_work_hours": 25.0}
    assert fixed_thresholds(cfg.rules)("alex", W49) == cfg.rules.load


def test_travel_seam_replaces_detection(tmp_path):
    """A travel detector plugged into the seam (here: any event titled "Flight") drives travel days."""
    config = household(tmp_path, [event("f", "20261202T070000", "20261202T093000", "Flight BER → LIS")])
    from calsync.config import load_config

    cfg = load_config(config, {})

    def flights(occurrences, partner):  # type: ignore[no-untyped-def]
        return [(o.start, o.end) for o in occurrences if o.ref.partner == partner and o.summary.startswith("Flight")]

    data = report_for(config, NOW, W49, seams=ReportSeams(travel=flights, thresholds=fixed_thresholds(cfg.rules)))
    assert week(data, "2026-W49")["partners"]["alex"]["travel_dates"] == ["2026-12-02"]


def test_suggestions_for_a_past_week_look_back(tmp_path):
    """A week already lived is told in the past tense; the same week ahead is a forecast."""
    trips = calendar(event("trip", "20261201", "20261204", "Trip to Lisbon"))
    alex = long_days("a", range(1, 6))
    sam = long_days("s", range(1, 6))
    config = household(tmp_path, alex, sam, extra={"alex": {"trips": ("travel", trips)}})
    later = dt.datetime(2026, 12, 9, 9, 0, tzinfo=NOW.tzinfo)
    past = week(report_for(config, later, W49), "2026-W49")
    ahead = week(report_for(config, NOW, W49), "2026-W49")
    assert past["status"] == "past" and ahead["status"] == "upcoming"
    texts_past = [s["text"] for s in past["suggestions"]]
    texts_ahead = [s["text"] for s in ahead["suggestions"]]
    assert any(t.startswith("Both were overloaded; next time: ") for t in texts_past)
    assert any(t.startswith("Alex travelled Tue–Thu: Sam had no evening buffer") for t in texts_past)
    assert "Alex worked 50 h, 10 h over the 40 h limit. The longest day was Tue 01 Dec (10 h, 08:00–18:00)." in texts_past
    assert any(t.startswith("Both overloaded: ") for t in texts_ahead)
    assert any(t.startswith("Alex travels Tue–Thu: Sam has no evening buffer") for t in texts_ahead)
