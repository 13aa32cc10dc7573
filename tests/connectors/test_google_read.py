"""Reading a Google calendar: events become Occurrences like on the iCal path, cheaply and safely."""

from __future__ import annotations

import datetime as dt

import pytest

from calsync.errors import SourceError
from tests.connectors import google_support
from tests.connectors.google_support import TZ, WINDOW, SourceMaker, timed
from tests.fakes.google_server import FakeGoogle

fake = google_support.fake  # the fixture

make = google_support.make  # the fixture


def by_summary(snapshot):  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for occ in snapshot.occurrences:
        out.setdefault(occ.summary, []).append(occ)
    return out


def test_event_semantics_match_the_ical_path(fake: FakeGoogle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Declined by `self`, transparent, all-day, cancelled instances and zones mean what they mean in iCal."""
    make = SourceMaker(fake, tmp_path, emails=("alex@example.org",))
    fake.put_event(timed("Declined review", "2026-11-30T10:00", "2026-11-30T11:00",
                         attendees=[{"email": "boss@example.org", "responseStatus": "accepted"},
                                    {"email": "alex@work.example", "self": True, "responseStatus": "declined"}]))
    fake.put_event(timed("Maybe", "2026-11-30T12:00", "2026-11-30T13:00",
                         attendees=[{"email": "alex@example.org", "responseStatus": "tentative"}]))
    fake.put_event(timed("Reminder", "2026-11-30T14:00", "2026-11-30T14:30", transparency="transparent"))
    fake.put_event({"summary": "Offsite", "start": {"date": "2026-12-02"}, "end": {"date": "2026-12-04"}})
    fake.put_event({"summary": "NY call", "start": {"dateTime": "2026-12-01T09:00:00-05:00", "timeZone": "America/New_York"},
                    "end": {"dateTime": "2026-12-01T10:00:00-05:00", "timeZone": "America/New_York"}})
    fake.put_event({"summary": "Floating", "start": {"dateTime": "2026-12-03T08:00:00"}, "end": {"dateTime": "2026-12-03T09:00:00"}})
    fake.put_event({"summary": "Home", "eventType": "workingLocation", "start": {"date": "2026-12-04"}, "end": {"date": "2026-12-05"}})
    series = fake.put_event(timed("Standup", "2026-11-30T09:00", "2026-11-30T09:15", recurrence=["RRULE:FREQ=DAILY;COUNT=5"]))
    fake.put_event({"id": f"{series['id']}_20261201T080000Z", "status": "cancelled", "recurringEventId": series["id"],
                    "originalStartTime": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Berlin"}})
    moved = timed("Standup (moved)", "2026-12-02T11:00", "2026-12-02T11:15", recurringEventId=series["id"],
                  originalStartTime={"dateTime": "2026-12-02T09:00:00+01:00", "timeZone": "Europe/Berlin"},
                  iCalUID=series["iCalUID"])
    moved["id"] = f"{series['id']}_20261202T080000Z"
    fake.put_event(moved)

    snap = by_summary(make().read(WINDOW))
    [declined] = snap["Declined review"]
    assert declined.declined and not declined.busy
    assert snap["Maybe"][0].tentative
    assert snap["Reminder"][0].transparent and not snap["Reminder"][0].busy
    [offsite] = snap["Offsite"]
    assert offsite.all_day and offsite.start_date == dt.date(2026, 12, 2) and offsite.end_date == dt.date(2026, 12, 4)
    assert offsite.start == dt.datetime(2026, 12, 2, tzinfo=TZ) and not offsite.busy
    [ny] = snap["NY call"]
    assert ny.start == dt.datetime(2026, 12, 1, 15, 0, tzinfo=TZ) and ny.start.tzinfo == TZ
    assert snap["Floating"][0].start == dt.datetime(2026, 12, 3, 8, 0, tzinfo=TZ)  # calendar zone (Europe/Berlin)
    assert snap["Home"][0].transparent
    standups = sorted(o.start for o in snap["Standup"])
    assert [s.day for s in standups] == [30, 3, 4]  # 1 Dec cancelled, 2 Dec moved
    [moved_occ] = snap["Standup (moved)"]
    assert moved_occ.uid == series["iCalUID"] and moved_occ.recurrence_id == "20261202T080000Z"
    assert {o.uid for o in snap["Standup"]} == {series["iCalUID"]}


def test_every_page_is_read_and_the_sync_token_comes_from_the_last(make: SourceMaker, fake: FakeGoogle) -> None:
    """Pagination truncation (pain point 12): 30 events in pages of 7 are all read."""
    for day in range(30):
        start = dt.datetime(2026, 11, 27, 10, 0) + dt.timedelta(hours=day * 17)
        fake.put_event(timed(f"Meeting {day}", start.isoformat(), (start + dt.timedelta(minutes=30)).isoformat()))
    snapshot = make().read(WINDOW)
    assert len(snapshot.occurrences) == 30
    lists = fake.api_requests("list")
    windowed = [r for r in lists if "privateExtendedProperty" not in r.query]
    assert len(windowed) == 5  # ceil(30 / 7)
    fake.reset_log()
    make().read(WINDOW)
    [incremental] = fake.api_requests()
    assert incremental.query["syncToken"] == [f"st-{fake.seq}"]


def test_no_change_cycle_costs_one_request(make: SourceMaker, fake: FakeGoogle) -> None:
    fake.put_event(timed("Standup", "2026-11-30T09:00", "2026-11-30T09:15"))
    first = make().read(WINDOW)
    fake.reset_log()
    second = make().read(WINDOW)
    assert len(fake.requests) == 1 and fake.requests[0].op == "list"
    assert "timeMin" not in fake.requests[0].query and "privateExtendedProperty" not in fake.requests[0].query
    assert second.occurrences == first.occurrences


def test_incremental_reads_see_edits_deletions_and_deleted_series(make: SourceMaker, fake: FakeGoogle) -> None:
    one = fake.put_event(timed("Review", "2026-11-30T10:00", "2026-11-30T11:00"))
    two = fake.put_event(timed("Lunch", "2026-11-30T12:00", "2026-11-30T13:00"))
    series = fake.put_event(timed("Standup", "2026-11-30T09:00", "2026-11-30T09:15", recurrence=["RRULE:FREQ=DAILY;COUNT=5"]))
    make().read(WINDOW)
    fake.edit_event(one["id"], {"summary": "Review v2"})
    fake.user_delete(two["id"])
    fake.user_delete(series["id"])
    fake.put_event(timed("New", "2026-12-01T10:00", "2026-12-01T11:00"))
    fake.reset_log()
    snapshot = make().read(WINDOW)
    assert fake.requests and all("syncToken" in r.query for r in fake.requests)  # no full read needed
    assert sorted(o.summary for o in snapshot.occurrences) == ["New", "Review v2"]


def test_410_drops_the_token_and_does_one_full_read(make: SourceMaker, fake: FakeGoogle) -> None:
    """Sync token expiry (pain point 11): one full read, then incremental again."""
    fake.put_event(timed("Review", "2026-11-30T10:00", "2026-11-30T11:00"))
    make().read(WINDOW)
    fake.expire_sync_tokens()
    fake.put_event(timed("After expiry", "2026-12-01T10:00", "2026-12-01T11:00"))
    fake.reset_log()
    snapshot = make().read(WINDOW)
    statuses = [(r.op, r.status, "syncToken" in r.query) for r in fake.requests]
    assert statuses == [("list", 410, True), ("list", 200, False), ("list", 200, False)]  # events + calsync's own
    assert {o.summary for o in snapshot.occurrences} == {"Review", "After expiry"}
    fake.reset_log()
    make().read(WINDOW)
    assert [(r.op, "syncToken" in r.query) for r in fake.requests] == [("list", True)]


def test_a_read_failing_half_way_raises_and_keeps_the_previous_state(make: SourceMaker, fake: FakeGoogle) -> None:
    """A partial read must never look like "these events are gone" (pain point 4)."""
    for day in range(20):
        fake.put_event(timed(f"M{day}", f"2026-12-{day + 1:02d}T10:00", f"2026-12-{day + 1:02d}T11:00"))
    make.cache.put("google.mirror", None)
    fake.fail("500", op="list", times=-1, match=lambda r: "pageToken" in r.query)
    with pytest.raises(SourceError) as info:
        make().read(WINDOW)
    assert "HTTP 500" in info.value.message and info.value.transient
    assert make.cache.get("google.mirror") is None
    fake.clear_faults()
    assert len(make().read(WINDOW).occurrences) == 20


def test_transient_failures_on_reads_are_retried(make: SourceMaker, fake: FakeGoogle) -> None:
    fake.put_event(timed("Review", "2026-11-30T10:00", "2026-11-30T11:00"))
    fake.fail("429", op="list")
    fake.fail("403rate", op="list")
    fake.fail("403user", op="list")
    fake.fail("503", op="list")
    fake.fail("drop", op="list", times=2)  # httplib2 re-sends once by itself; calsync retries the second
    source = make()
    assert [o.summary for o in source.read(WINDOW).occurrences] == ["Review"]
    assert len(fake.api_requests("list")) == 7 + 1  # 6 failures, the windowed read, calsync's own events
    assert len(make.policy.slept) == 5
    assert all(s <= make.policy.cap for s in make.policy.slept)


def test_retries_are_bounded(make: SourceMaker, fake: FakeGoogle) -> None:
    fake.fail("503", op="list", times=-1)
    with pytest.raises(SourceError):
        make().read(WINDOW)
    assert len(fake.api_requests("list")) == make.policy.attempts


@pytest.mark.parametrize(
    ("kind", "words"),
    [("404", "not found, or not shared"), ("403", "access denied")],
)
def test_other_client_errors_are_clear_and_not_retried(make: SourceMaker, fake: FakeGoogle, kind: str, words: str) -> None:
    fake.calendars.pop("primary") if kind == "404" else fake.fail("403forbidden", op="list")
    with pytest.raises(SourceError) as info:
        make().read(WINDOW)
    assert words in info.value.message
    assert len(fake.api_requests("list")) == 1


def test_owned_events_are_found_by_tag_and_id_and_others_left_alone(make: SourceMaker, fake: FakeGoogle) -> None:
    from calsync.connectors.google.events import KEY_PROP, RULE_PROP, TAG
    from tests.connectors.google_support import blocks

    [block] = blocks(1)
    ours = timed("Busy", "2026-11-30T18:30", "2026-11-30T20:00",
                 extendedProperties={"private": {TAG: "1", KEY_PROP: block.key, RULE_PROP: "dinner"}})
    ours["id"] = block.key
    fake.put_event(ours)
    copy_ = dict(ours, id="usercopy123")  # a user's copy of calsync's event, tags and all
    fake.put_event(copy_)
    snapshot = make().read(WINDOW)
    assert [(b.key, b.remote_id, b.rule) for b in snapshot.owned] == [(block.key, block.key, "dinner")]
    assert snapshot.occurrences == []  # calsync's events never count as the user's time
    assert any("usercopy123" in w for w in snapshot.warnings)


def test_an_unreadable_calsync_event_fails_the_read_instead_of_looking_deleted(make: SourceMaker, fake: FakeGoogle) -> None:
    from calsync.connectors.google.events import KEY_PROP, TAG
    from tests.connectors.google_support import blocks

    [block] = blocks(1)
    fake.put_event({"id": block.key, "summary": "Busy", "start": {"dateTime": "not a time"}, "end": {"dateTime": "x"},
                    "extendedProperties": {"private": {TAG: "1", KEY_PROP: block.key}}})
    with pytest.raises(SourceError) as info:
        make().read(WINDOW)
    assert block.key in info.value.message


def test_the_same_events_read_from_ical_and_from_google_give_the_same_occurrences(fake: FakeGoogle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Consistency with the iCal path: identity, times, exceptions, all-day, RSVP and transparency."""
    from calsync.config.models import IcsCalendar
    from calsync.connectors.base import SourceContext
    from calsync.connectors.ics import IcsSource
    from calsync.state.store import SourceCache
    from tests.connectors.google_support import REF
    from tests.helpers import calendar, vevent

    ics = calendar(
        vevent("standup@example.org", "Standup", "20261130T090000", "20261130T091500",
               "RRULE:FREQ=DAILY;COUNT=5\nEXDATE;TZID=Europe/Berlin:20261201T090000"),
        "BEGIN:VEVENT\r\nUID:standup@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Standup\r\n"
        "RECURRENCE-ID;TZID=Europe/Berlin:20261202T090000\r\nDTSTART;TZID=Europe/Berlin:20261202T110000\r\n"
        "DTEND;TZID=Europe/Berlin:20261202T111500\r\nEND:VEVENT\r\n",
        vevent("review@example.org", "Review", "20261203T100000", "20261203T110000",
               "ATTENDEE;PARTSTAT=DECLINED:mailto:alex@example.org"),
        vevent("note@example.org", "Note", "20261204T100000", "20261204T103000", "TRANSP:TRANSPARENT"),
        "BEGIN:VEVENT\r\nUID:trip@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Trip\r\n"
        "DTSTART;VALUE=DATE:20261207\r\nDTEND;VALUE=DATE:20261209\r\nEND:VEVENT\r\n",
    )
    (tmp_path / "work.ics").write_text(ics, newline="")
    ctx = SourceContext(ref=REF, tz=TZ, household="home", base_dir=tmp_path, cache=SourceCache(None, "x"),
                        emails=("alex@example.org",))
    from_ical = IcsSource(IcsCalendar(source="ics", path="work.ics"), ctx).read(WINDOW).occurrences

    series = fake.put_event(timed("Standup", "2026-11-30T09:00", "2026-11-30T09:15", iCalUID="standup@example.org",
                                  recurrence=["RRULE:FREQ=DAILY;COUNT=5"]))
    fake.put_event({"id": f"{series['id']}_20261201T080000Z", "status": "cancelled", "recurringEventId": series["id"],
                    "originalStartTime": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Berlin"}})
    moved = timed("Standup", "2026-12-02T11:00", "2026-12-02T11:15", recurringEventId=series["id"], iCalUID="standup@example.org",
                  originalStartTime={"dateTime": "2026-12-02T09:00:00+01:00", "timeZone": "Europe/Berlin"})
    moved["id"] = f"{series['id']}_20261202T080000Z"
    fake.put_event(moved)
    fake.put_event(timed("Review", "2026-12-03T10:00", "2026-12-03T11:00", iCalUID="review@example.org",
                         attendees=[{"email": "alex@example.org", "self": True, "responseStatus": "declined"}]))
    fake.put_event(timed("Note", "2026-12-04T10:00", "2026-12-04T10:30", iCalUID="note@example.org", transparency="transparent"))
    fake.put_event({"summary": "Trip", "iCalUID": "trip@example.org", "start": {"date": "2026-12-07"}, "end": {"date": "2026-12-09"}})
    from_google = SourceMaker(fake, tmp_path, emails=("alex@example.org",))().read(WINDOW).occurrences

    def view(occurrences):  # type: ignore[no-untyped-def]
        return sorted((o.uid, o.recurrence_id, o.start, o.end, o.summary, o.all_day, o.start_date, o.end_date, o.busy)
                      for o in occurrences)

    assert len(from_ical) == 7
    assert view(from_google) == view(from_ical)
