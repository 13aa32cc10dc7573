"""Parsing and expansion into occurrences in the household time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from calsync.errors import ParseError
from calsync.model import CalendarRef, Window
from calsync.recurrence import expand_calendar, parse_calendar
from tests.helpers import calendar, vevent

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
REF = CalendarRef("alex", "work")


def expand(text: str, start: dt.datetime, end: dt.datetime, emails: tuple[str, ...] = (), tz: zoneinfo.ZoneInfo = BERLIN):
    return expand_calendar(parse_calendar(text, "test.ics"), Window(start, end), tz, REF, emails=emails, label="test.ics")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_weekly_series_with_exdate_override_and_cancelled_instance() -> None:
    text = calendar(
        vevent("s1", "Standup", "20261102T091500", "20261102T093000", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\nEXDATE;TZID=Europe/Berlin:20261202T091500"),
        vevent("s1", "Standup moved", "20261203T110000", "20261203T111500", "RECURRENCE-ID;TZID=Europe/Berlin:20261203T091500"),
        vevent("s1", "Standup", "20261204T091500", "20261204T093000", "RECURRENCE-ID;TZID=Europe/Berlin:20261204T091500\nSTATUS:CANCELLED"),
    )
    result = expand(text, berlin(2026, 11, 30), berlin(2026, 12, 7))
    starts = sorted(o.start for o in result.occurrences)
    assert starts == [berlin(2026, 11, 30, 9, 15), berlin(2026, 12, 1, 9, 15), berlin(2026, 12, 3, 11, 0)]
    moved = next(o for o in result.occurrences if o.summary == "Standup moved")
    assert moved.end == berlin(2026, 12, 3, 11, 15)


def test_wall_clock_kept_across_dst_change() -> None:
    text = calendar(vevent("d1", "Weekly", "20261019T183000", "20261019T200000", "RRULE:FREQ=WEEKLY"))
    result = expand(text, berlin(2026, 10, 19), berlin(2026, 11, 3))
    assert [o.start.strftime("%H:%M") for o in sorted(result.occurrences, key=lambda o: o.start)] == ["18:30"] * 3
    utc_hours = sorted({o.start.astimezone(dt.UTC).hour for o in result.occurrences})
    assert utc_hours == [16, 17]


def test_all_day_events_are_dates_not_hours() -> None:
    text = calendar(
        "BEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Trip\r\nDTSTART;VALUE=DATE:20261209\r\nDTEND;VALUE=DATE:20261211\r\nEND:VEVENT\r\n"
    )
    [occ] = expand(text, berlin(2026, 12, 7), berlin(2026, 12, 14)).occurrences
    assert occ.all_day and not occ.busy
    assert (occ.start_date, occ.end_date) == (dt.date(2026, 12, 9), dt.date(2026, 12, 11))
    assert occ.start == berlin(2026, 12, 9) and occ.end == berlin(2026, 12, 11)


def test_floating_time_is_read_in_household_zone() -> None:
    text = calendar("BEGIN:VEVENT\r\nUID:f1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Dinner\r\nDTSTART:20261203T180000\r\nDTEND:20261203T200000\r\nEND:VEVENT\r\n")
    [occ] = expand(text, berlin(2026, 12, 1), berlin(2026, 12, 7)).occurrences
    assert occ.start == berlin(2026, 12, 3, 18, 0)
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    [occ] = expand(text, berlin(2026, 12, 1), berlin(2026, 12, 7), tz=lisbon).occurrences
    assert occ.start == dt.datetime(2026, 12, 3, 18, 0, tzinfo=lisbon)


def test_x_wr_timezone_feed() -> None:
    text = calendar(
        "BEGIN:VEVENT\r\nUID:g1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Call\r\nDTSTART:20261203T080000Z\r\nDTEND:20261203T090000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n",
        extra_head="X-WR-TIMEZONE:America/New_York\r\n",
    )
    occs = sorted(expand(text, berlin(2026, 12, 1), berlin(2026, 12, 7)).occurrences, key=lambda o: o.start)
    assert [o.start for o in occs] == [berlin(2026, 12, 3, 9, 0), berlin(2026, 12, 4, 9, 0)]


def test_outlook_windows_time_zone_name() -> None:
    text = calendar(
        "BEGIN:VEVENT\r\nUID:o1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Sync\r\n"
        "DTSTART;TZID=Eastern Standard Time:20261203T090000\r\nDTEND;TZID=Eastern Standard Time:20261203T100000\r\nEND:VEVENT\r\n"
    )
    [occ] = expand(text, berlin(2026, 12, 1), berlin(2026, 12, 7)).occurrences
    assert occ.start == berlin(2026, 12, 3, 15, 0)


def test_duration_instead_of_dtend_and_other_zone() -> None:
    text = calendar(
        "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:NY\r\nDTSTART;TZID=America/New_York:20261203T123000\r\nDURATION:PT90M\r\nEND:VEVENT\r\n"
    )
    [occ] = expand(text, berlin(2026, 12, 1), berlin(2026, 12, 7)).occurrences
    assert (occ.start, occ.end) == (berlin(2026, 12, 3, 18, 30), berlin(2026, 12, 3, 20, 0))


def test_rdate_adds_an_occurrence() -> None:
    text = calendar(vevent("r1", "Review", "20261201T100000", "20261201T110000", "RRULE:FREQ=WEEKLY;COUNT=1\nRDATE;TZID=Europe/Berlin:20261203T150000"))
    assert sorted(o.start for o in expand(text, berlin(2026, 11, 30), berlin(2026, 12, 7)).occurrences) == [
        berlin(2026, 12, 1, 10), berlin(2026, 12, 3, 15)
    ]


def test_declined_tentative_and_transparent() -> None:
    text = calendar(
        vevent("x1", "Pitch", "20261202T180000", "20261202T190000", "ATTENDEE;PARTSTAT=DECLINED:mailto:Alex@Example.org"),
        vevent("x2", "Optional", "20261202T120000", "20261202T130000", "TRANSP:TRANSPARENT"),
        vevent("x3", "Maybe", "20261202T140000", "20261202T150000", "ATTENDEE;PARTSTAT=TENTATIVE:mailto:alex@example.org"),
    )
    occs = {o.summary: o for o in expand(text, berlin(2026, 11, 30), berlin(2026, 12, 7), emails=("alex@example.org",)).occurrences}
    assert occs["Pitch"].declined and not occs["Pitch"].busy
    assert occs["Optional"].transparent and not occs["Optional"].busy
    assert occs["Maybe"].tentative and occs["Maybe"].busy


def test_declined_by_someone_else_still_busy() -> None:
    text = calendar(vevent("x1", "Pitch", "20261202T180000", "20261202T190000", "ATTENDEE;PARTSTAT=DECLINED:mailto:other@example.org"))
    [occ] = expand(text, berlin(2026, 11, 30), berlin(2026, 12, 7), emails=("alex@example.org",)).occurrences
    assert occ.busy


def test_one_broken_event_is_skipped_with_a_warning_naming_it() -> None:
    text = calendar(
        vevent("good", "Good", "20261202T100000", "20261202T110000"),
        "BEGIN:VEVENT\r\nUID:bad-event\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:No start\r\nDTEND:20261202T110000Z\r\nEND:VEVENT\r\n",
    )
    result = expand(text, berlin(2026, 11, 30), berlin(2026, 12, 7))
    assert [o.summary for o in result.occurrences] == ["Good"]
    assert len(result.warnings) == 1
    assert "test.ics" in result.warnings[0] and "bad-event" in result.warnings[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "empty"),
        ("<html><body>502 Bad Gateway</body></html>", "not an iCalendar file"),
        ("BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+5744\r\nTZOFFSETTO:+0100\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n", "cannot parse"),
    ],
)
def test_malformed_file_is_a_parse_error_naming_the_file(data: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_calendar(data, "feeds/broken.ics")
    assert "feeds/broken.ics" in str(info.value) and message in str(info.value)


def test_calsync_blocks_are_separated_from_user_events() -> None:
    from calsync.connectors.ical_blocks import block_vevent_text
    from calsync.model import Block
    from calsync.model.identity import block_key

    key = block_key("home", REF, "dinner", "2026-12-02")
    block = Block(key, REF, "dinner", "no_work", berlin(2026, 12, 2, 18, 30), berlin(2026, 12, 2, 20), "Busy")
    forged = vevent("not-ours@example.org", "Looks tagged", "20261202T100000", "20261202T110000", f"X-CALSYNC-KEY:{key}")
    result = expand(calendar(block_vevent_text(block), forged), berlin(2026, 11, 30), berlin(2026, 12, 7))
    assert [b.key for b in result.owned] == [key]
    assert result.owned[0].start == block.start and result.owned[0].rule == "dinner"
    assert [o.summary for o in result.occurrences] == ["Looks tagged"]  # a tag without calsync's UID is the user's


def test_same_results_with_components_reversed() -> None:
    events = [
        vevent("s1", "Standup", "20261102T091500", "20261102T093000", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE"),
        vevent("s1", "Standup moved", "20261202T110000", "20261202T111500", "RECURRENCE-ID;TZID=Europe/Berlin:20261202T091500"),
        vevent("o1", "One-off", "20261203T100000", "20261203T110000"),
    ]
    forward = expand(calendar(*events), berlin(2026, 11, 30), berlin(2026, 12, 14)).occurrences
    backward = expand(calendar(*reversed(events)), berlin(2026, 11, 30), berlin(2026, 12, 14)).occurrences
    assert sorted(forward, key=lambda o: (o.start, o.uid)) == sorted(backward, key=lambda o: (o.start, o.uid))


def test_a_broken_calsync_block_fails_the_read_instead_of_looking_deleted() -> None:
    from calsync.model.identity import block_key, block_uid

    key = block_key("home", REF, "dinner", "2026-12-02")
    broken = f"BEGIN:VEVENT\r\nUID:{block_uid(key)}\r\nX-CALSYNC-KEY:{key}\r\nSUMMARY:Busy\r\nEND:VEVENT\r\n"
    with pytest.raises(ParseError) as info:
        expand(calendar(broken), berlin(2026, 11, 30), berlin(2026, 12, 7))
    assert "calsync's own block" in str(info.value)


def test_parse_error_names_the_broken_component() -> None:
    text = calendar(
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Prague\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+5744\r\nTZOFFSETTO:+0100\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    with pytest.raises(ParseError) as info:
        parse_calendar(text, "feeds/prague.ics")
    assert "feeds/prague.ics: cannot parse VTIMEZONE TZID:Europe/Prague (line 4)" in str(info.value)
