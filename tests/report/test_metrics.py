"""The report's metric definitions (CONTRACT.md, "report --format json") on hand-built calendars."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import BERLIN
from tests.report.household import NOW, calendar, event, report_for, week, write_household

W49 = dt.date(2026, 11, 30)  # Monday of 2026-W49


def alex_work(tmp_path, *events, extra_cals=None, rules=None, partner_extra=None):  # type: ignore[no-untyped-def]
    cals = {"alex": {"work": ("work", calendar(*events)), **(extra_cals or {})}, "sam": {"work": ("work", calendar())}}
    kwargs = {"rules": rules} if rules else {}
    return write_household(tmp_path, cals, partner_extra=partner_extra, **kwargs)


def alex(data, label="2026-W49"):  # type: ignore[no-untyped-def]
    return week(data, label)["partners"]["alex"]


def test_overlapping_events_count_their_union(tmp_path):
    """Two overlapping meetings are 4 h of work, not 5; both still count as meetings."""
    config = alex_work(
        tmp_path,
        event("a", "20261130T090000", "20261130T120000"),
        event("b", "20261130T110000", "20261130T130000"),
    )
    a = alex(report_for(config, NOW, W49))
    assert a["work_hours"] == 4.0
    assert a["meetings"] == 2
    assert a["longest_day"] == {"date": "2026-11-30", "hours": 4.0, "first": "09:00", "last": "13:00"}


def test_event_on_two_work_calendars_counts_once(tmp_path):
    """A shared invitation seen on two of the partner's work calendars counts once, hours and meetings."""
    shared = event("shared@x", "20261201T100000", "20261201T113000")
    config = alex_work(tmp_path, shared, extra_cals={"second": ("work", calendar(shared))})
    a = alex(report_for(config, NOW, W49))
    assert a["work_hours"] == 1.5
    assert a["meetings"] == 1


def test_recurring_event_with_exdate_and_moved_occurrence(tmp_path):
    """Every occurrence counts with its exceptions: Wednesday deleted, Thursday moved and lengthened."""
    config = alex_work(
        tmp_path,
        event(
            "daily@x", "20261102T090000", "20261102T100000", "Daily",
            extra="RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\nEXDATE;TZID=Europe/Berlin:20261202T090000",
        ),
        event("daily@x", "20261203T140000", "20261203T160000", "Daily (moved)", extra="RECURRENCE-ID;TZID=Europe/Berlin:20261203T090000"),
    )
    a = alex(report_for(config, NOW, W49))
    assert a["work_hours"] == 5.0  # Mon, Tue, Fri 1 h each + Thursday's 2 h
    assert a["meetings"] == 4


def test_declined_transparent_cancelled_and_all_day_events_are_not_work(tmp_path):
    config = alex_work(
        tmp_path,
        event("counted", "20261130T090000", "20261130T100000"),
        event("declined", "20261130T110000", "20261130T120000", extra="ATTENDEE;PARTSTAT=DECLINED:mailto:alex@example.org"),
        event("accepted", "20261130T130000", "20261130T140000", extra="ATTENDEE;PARTSTAT=ACCEPTED:mailto:alex@example.org"),
        event("free", "20261130T150000", "20261130T160000", extra="TRANSP:TRANSPARENT"),
        event("cancelled", "20261201T090000", "20261201T100000", extra="STATUS:CANCELLED"),
        event("offsite", "20261202", "20261204", "Offsite (all day)"),
    )
    a = alex(report_for(config, NOW, W49))
    assert a["work_hours"] == 2.0
    assert a["meetings"] == 2


def test_calsync_own_blocks_are_not_work(tmp_path):
    """Events calsync wrote (tag + deterministic UID) are never the user's time."""
    config = alex_work(
        tmp_path,
        event("csabc@calsync", "20261130T090000", "20261130T170000", "Busy", extra="X-CALSYNC-KEY:csabc\nX-CALSYNC-RULE:focus"),
        event("real", "20261130T090000", "20261130T100000"),
    )
    assert alex(report_for(config, NOW, W49))["work_hours"] == 1.0


def test_event_crossing_midnight_and_the_week_boundary_is_split(tmp_path):
    """Sun 22:00 → Mon 02:00: 2 h in each week; the Sunday part is weekend and evening work."""
    config = alex_work(tmp_path, event("night", "20261129T220000", "20261130T020000", "Deploy"))
    data = report_for(config, NOW, dt.date(2026, 11, 23), weeks=2)
    w48, w49 = alex(data, "2026-W48"), alex(data, "2026-W49")
    assert (w48["work_hours"], w49["work_hours"]) == (2.0, 2.0)
    assert (w48["weekend_work_hours"], w49["weekend_work_hours"]) == (2.0, 0.0)
    assert (w48["evening_work_hours"], w49["evening_work_hours"]) == (2.0, 2.0)  # evenings run until 06:00
    assert w48["protected_hours_invaded"] == 2.0  # inside the weekend zone
    assert w49["off_hours_work_hours"] == 2.0
    assert w49["longest_day"]["date"] == "2026-11-30"
    # the event starts in W48: it is a meeting of W48 only
    assert (w48["meetings"], w49["meetings"]) == (1, 0)


@pytest.mark.parametrize(
    ("monday", "label", "week_hours", "night_start", "night_end", "night_hours"),
    [
        # spring forward: Sun 29 Mar 2026 02:00 → 03:00
        (dt.date(2026, 3, 23), "2026-W13", 167.0, "20260328T220000", "20260329T060000", 7.0),
        # fall back: Sun 25 Oct 2026 03:00 → 02:00
        (dt.date(2026, 10, 19), "2026-W43", 169.0, "20261024T220000", "20261025T060000", 9.0),
    ],
)
def test_dst_weeks_are_measured_in_real_hours(tmp_path, monday, label, week_hours, night_start, night_end, night_hours):
    """A week-long event fills a 167- or 169-hour week; a night across the change lasts 7 or 9 hours."""
    end = monday + dt.timedelta(days=7)
    config = alex_work(
        tmp_path,
        event("all-week", f"{monday:%Y%m%d}T000000", f"{end:%Y%m%d}T000000", "On call all week"),
    )
    now = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)
    w = week(report_for(config, now, monday), label)
    assert w["hours_in_week"] == week_hours
    assert w["partners"]["alex"]["work_hours"] == week_hours
    assert w["partners"]["alex"]["weekend_work_hours"] == week_hours - 120.0  # Mon–Fri are 5 × 24 h

    night = tmp_path / "night"
    config = alex_work(night, event("night", night_start, night_end, "Night shift"))
    a = week(report_for(config, now, monday), label)["partners"]["alex"]
    assert a["work_hours"] == night_hours
    assert a["weekend_work_hours"] == night_hours
    assert a["protected_hours_invaded"] == night_hours


def test_a_partners_events_in_another_zone_are_placed_in_household_time(tmp_path):
    """Sam's New York call on Friday evening is Saturday night in Berlin: weekend work."""
    sam = calendar(
        event("ny", "20261204T190000", "20261204T210000", "NY call", tz="America/New_York"),  # Sat 01:00–03:00 Berlin
        event("tokyo", "20261201T170000", "20261201T180000", "Tokyo sync", tz="Asia/Tokyo"),  # Tue 09:00–10:00 Berlin
        event("utc", "20261202T080000Z", "20261202T093000Z", "UTC standup"),  # Wed 09:00–10:30 Berlin
    )
    config = write_household(tmp_path, {"alex": {"work": ("work", calendar())}, "sam": {"work": ("work", sam)}})
    s = week(report_for(config, NOW, W49), "2026-W49")["partners"]["sam"]
    assert s["work_hours"] == 4.5
    assert s["weekend_work_hours"] == 2.0
    assert s["protected_hours_invaded"] == 2.0
    assert s["evening_work_hours"] == 2.0
    assert s["off_hours_work_hours"] == 2.0
    assert s["longest_day"] == {"date": "2026-12-05", "hours": 2.0, "first": "01:00", "last": "03:00"}


def test_protected_hours_invaded_is_work_inside_no_work_zones(tmp_path):
    config = alex_work(
        tmp_path,
        event("late", "20261130T180000", "20261130T190000", "Late meeting"),  # 30 min in family-dinner
        event("sat", "20261205T100000", "20261205T120000", "Saturday deploy"),  # 2 h in the weekend zone
    )
    a = alex(report_for(config, NOW, W49))
    assert a["protected_hours_invaded"] == 2.5
    assert a["weekend_work_hours"] == 2.0


def test_off_hours_follow_each_partners_working_hours(tmp_path):
    config = alex_work(
        tmp_path,
        event("long", "20261130T080000", "20261130T170000", "Long day"),
        partner_extra={"alex": 'working_hours: {days: [mon, tue, wed, thu], time: "10:00-16:00"}'},
    )
    a = alex(report_for(config, NOW, W49))
    assert a["work_hours"] == 9.0
    assert a["off_hours_work_hours"] == 3.0  # 08:00–10:00 and 16:00–17:00


def test_evening_starts_is_configurable(tmp_path):
    rules = "load:\n  evening_starts: '17:00'\n  evening_work_hours: 1\n"
    config = alex_work(tmp_path, event("e", "20261130T163000", "20261130T183000"), rules=rules)
    a = alex(report_for(config, NOW, W49))
    assert a["evening_work_hours"] == 1.5
    assert a["reasons"] == ["evening_work_hours"]


def test_travel_days_count_days_on_travel_calendars(tmp_path):
    """Default travel detection: any occurrence on a `role: travel` calendar, all-day ones included."""
    trips = calendar(
        event("trip", "20261201", "20261203", "Trip to Lisbon"),  # Tue–Wed (end exclusive)
        event("flight", "20261204T200000", "20261204T230000", "Flight"),  # Fri
    )
    config = alex_work(tmp_path, extra_cals={"trips": ("travel", trips)})
    a = alex(report_for(config, NOW, W49))
    assert a["travel_days"] == 3
    assert a["travel_dates"] == ["2026-12-01", "2026-12-02", "2026-12-04"]
    assert a["work_hours"] == 0.0  # travel is not work


def test_rituals_placed_kept_and_missed(tmp_path):
    """Breakfast is placed Mon–Fri; by Thursday 09:00 it was kept three times (a Tuesday call invaded it)."""
    rules = """
    rituals:
      - name: breakfast
        who: [alex, sam]
        days: [mon, tue, wed, thu, fri]
        time: "07:15-07:45"
      - name: check-in
        who: [alex, sam]
        duration: 1h
        per_week: 1
        window: {days: [sun], time: "17:00-18:00"}
    """
    config = alex_work(
        tmp_path,
        event("early", "20261201T070000", "20261201T080000", "Early call"),
        event("sunday", "20261206T163000", "20261206T183000", "Sunday prep"),
        rules=rules,
    )
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
    w = week(report_for(config, now, W49), "2026-W49")
    a, s = w["partners"]["alex"], w["partners"]["sam"]
    assert a["rituals_placed"] == 5 and s["rituals_placed"] == 5
    assert a["rituals_kept"] == 3  # Mon, Wed, Thu (Tuesday's breakfast had the early call)
    assert s["rituals_kept"] == 4
    assert a["rituals_missed"] == 1 and s["rituals_missed"] == 1  # check-in found no slot


def test_home_hours_count_personal_and_shared_calendars(tmp_path):
    home = calendar(event("dentist", "20261201T080000", "20261201T090000"), event("school", "20261202T150000", "20261202T163000"))
    config = alex_work(tmp_path, extra_cals={"home": ("personal", home)})
    a = alex(report_for(config, NOW, W49))
    assert a["home_hours"] == 2.5
    assert a["work_hours"] == 0.0


def test_trend_looks_back_three_weeks(tmp_path):
    config = alex_work(
        tmp_path,
        event("weekly", "20261102T090000", "20261102T170000", "Mondays", extra="RRULE:FREQ=WEEKLY;BYDAY=MO"),
        event("extra", "20261201T090000", "20261201T190000", "Big Tuesday"),
    )
    trend = alex(report_for(config, NOW, W49))["trend"]
    assert trend == {"work_hours": [8.0, 8.0, 8.0, 18.0], "direction": "up"}


def test_past_current_and_upcoming_weeks_are_marked(tmp_path):
    config = alex_work(tmp_path)
    data = report_for(config, NOW, dt.date(2026, 11, 16), weeks=3)
    assert [(w["week"], w["status"]) for w in data["weeks"]] == [
        ("2026-W47", "past"),
        ("2026-W48", "current"),
        ("2026-W49", "upcoming"),
    ]
