"""`source: caldav` against a real Radicale server (tests/fakes/radicale.py).

Each test says which promise it protects: same occurrences as iCal files, idempotent syncs, user
events untouched byte for byte, only tagged events ever changed, ETag conflicts handled, failed
reads never deleting, and a no-change cycle that downloads nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import icalendar
import pytest

from calsync.config.models import IcsCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.caldav import CaldavSource
from calsync.connectors.caldav.mirror import CACHE_NAME
from calsync.connectors.ics import IcsSource
from calsync.model import Window
from calsync.model.identity import TAG_PROPERTY
from calsync.state.store import Store
from tests.connectors.caldav_support import (
    BERLIN,
    NOW,
    PASSWORD_ENV,
    REF,
    RULES,
    CliHousehold,
    event,
    no_sleep_policy,
    source_for,
)
from tests.fakes.radicale import RadicaleServer

SHARED_CORPUS = next(
    (p / "shared" / "corpus" / "ics" for p in Path(__file__).resolve().parents if (p / "shared" / "corpus" / "ics").is_dir()),
    Path("/nonexistent"),
)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries keep their count but do not sleep, so outage tests stay fast."""
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))


@pytest.fixture
def household(caldav_calendar, tmp_path, capsys) -> CliHousehold:
    return CliHousehold(tmp_path / "home", caldav_calendar.url, capsys)


# -- reading: the same occurrences as the iCal-file path --------------------------------------

RECURRING = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//calsync//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:standup@example.org
DTSTAMP:20261001T000000Z
DTSTART;TZID=Europe/Berlin:20261005T090000
DTEND;TZID=Europe/Berlin:20261005T093000
RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR
EXDATE;TZID=Europe/Berlin:20261127T090000
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:standup@example.org
DTSTAMP:20261001T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20261130T090000
DTSTART;TZID=Europe/Berlin:20261130T140000
DTEND;TZID=Europe/Berlin:20261130T150000
SUMMARY:Standup (moved)
END:VEVENT
BEGIN:VEVENT
UID:standup@example.org
DTSTAMP:20261001T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20261202T090000
DTSTART;TZID=Europe/Berlin:20261202T090000
DTEND;TZID=Europe/Berlin:20261202T093000
STATUS:CANCELLED
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:review@example.org
DTSTAMP:20261001T000000Z
DTSTART:20261020T130000Z
DURATION:PT2H
RRULE:FREQ=WEEKLY;COUNT=12
SUMMARY:Review (UTC, crosses the DST change)
END:VEVENT
BEGIN:VEVENT
UID:floating@example.org
DTSTAMP:20261001T000000Z
DTSTART:20261128T100000
DTEND:20261128T120000
SUMMARY:Floating brunch
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:trip@example.org
DTSTAMP:20261001T000000Z
DTSTART;VALUE=DATE:20261203
DTEND;VALUE=DATE:20261205
SUMMARY:Trip (all day)
END:VEVENT
BEGIN:VEVENT
UID:old@example.org
DTSTAMP:20261001T000000Z
DTSTART:20250101T100000Z
DTEND:20250101T110000Z
SUMMARY:Long ago
END:VEVENT
END:VCALENDAR
"""


def _by_uid(text: str) -> dict[str, str]:
    """Split a VCALENDAR into one CalDAV resource per UID (with the time zones), as servers store it."""
    cal = icalendar.Calendar.from_ical(text)
    zones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    groups: dict[str, list[icalendar.cal.Component]] = {}
    for comp in cal.subcomponents:
        if comp.name == "VEVENT":
            groups.setdefault(str(comp.get("UID")), []).append(comp)
    out = {}
    for uid, comps in groups.items():
        part = icalendar.Calendar()
        part.add("PRODID", "-//tests//calsync//EN")
        part.add("VERSION", "2.0")
        for comp in [*zones, *comps]:
            part.add_component(comp)
        out[re.sub(r"[^A-Za-z0-9._-]", "_", uid)[:60] + ".ics"] = part.to_ical().decode()
    return out


def _occurrence_rows(snapshot) -> list[tuple]:
    return sorted(dataclasses.astuple(o) for o in snapshot.occurrences)


def _ics_snapshot(text: str, tmp_path: Path, window: Window):
    path = tmp_path / "same.ics"
    path.write_text(text)
    store = Store.memory()
    ctx = SourceContext(ref=REF, tz=BERLIN, household="test", base_dir=tmp_path, cache=store.cache(REF))
    return IcsSource(IcsCalendar(source="ics", path=str(path)), ctx).read(window)


def test_recurring_events_with_exceptions_match_the_ical_file_path(caldav_calendar, tmp_path):
    """A series with EXDATE, a moved and a cancelled instance, DURATION, floating and all-day
    events reads into exactly the same Occurrences from Radicale as from an .ics file."""
    for name, body in _by_uid(RECURRING).items():
        assert caldav_calendar.put(name, body) == 201
    window = Window(NOW - dt.timedelta(days=3), NOW + dt.timedelta(days=21))
    from_file = _ics_snapshot(RECURRING, tmp_path, window)
    from_server = source_for(caldav_calendar.url).read(window)
    assert _occurrence_rows(from_server) == _occurrence_rows(from_file)
    summaries = [o.summary for o in from_server.occurrences]
    assert "Standup (moved)" in summaries and "Long ago" not in summaries
    starts = {o.start for o in from_server.occurrences if o.uid == "standup@example.org"}
    assert dt.datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN) not in starts  # EXDATE
    assert dt.datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN) not in starts  # cancelled instance
    assert from_server.owned == [] and from_server.warnings == []


CORPUS_FILES = ["ical4j__Standup.ics", "icalevents__cest.ics", "ical__apple_ical.ics", "ical__office_360_nz_tz.ics"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_real_world_calendars_match_the_ical_file_path(name, caldav_calendar, tmp_path):
    """Real-world calendars, stored on the server one resource per UID, give the file's occurrences."""
    path = SHARED_CORPUS / name
    if not path.exists():
        pytest.skip("the shared corpus is not available")
    text = path.read_text(encoding="utf-8", errors="replace")
    cal = icalendar.Calendar.from_ical(text)
    starts = [c.decoded("DTSTART") for c in cal.walk("VEVENT") if c.get("DTSTART") is not None]
    if not starts:
        pytest.skip("no events")
    first = min(dt.datetime.combine(s, dt.time(0), tzinfo=BERLIN) if not isinstance(s, dt.datetime) else
                (s if s.tzinfo else s.replace(tzinfo=BERLIN)) for s in starts)
    window = Window(first, first + dt.timedelta(days=400))
    for resource, body in _by_uid(text).items():
        status = caldav_calendar.put(resource, body)
        if status >= 400:
            pytest.skip(f"Radicale refuses {resource} of {name} (HTTP {status})")
    from_file = _ics_snapshot(text, tmp_path, window)
    from_server = source_for(caldav_calendar.url).read(window)
    assert from_file.occurrences, "the window should hold occurrences"
    assert _occurrence_rows(from_server) == _occurrence_rows(from_file)


def test_calendar_found_by_name_under_the_principal(caldav_calendar, radicale_server):
    """url may be the server or principal URL plus `calendar: <name>`; the lookup is cached."""
    caldav_calendar.put("a.ics", event("a@x", ":20261126T100000Z", ":20261126T110000Z", "Found me"))
    store = Store.memory()
    window = Window(NOW, NOW + dt.timedelta(days=2))
    for url in (radicale_server.url + "alice/", radicale_server.url):
        source = source_for(url, store, calendar=caldav_calendar.name)
        assert [o.summary for o in source.read(window).occurrences] == ["Found me"]
    not_a_calendar = source_for(radicale_server.url + "alice/", Store.memory())
    with pytest.raises(Exception, match="is not a calendar collection"):
        not_a_calendar.read(window)
    missing = source_for(radicale_server.url + "alice/", Store.memory(), calendar="no-such-calendar")
    with pytest.raises(Exception, match='no calendar is named "no-such-calendar"'):
        missing.read(window)


# -- incremental reads ------------------------------------------------------------------------


def test_a_no_change_cycle_costs_one_request_and_downloads_nothing(caldav_calendar):
    """The sync token is kept in the state: an unchanged calendar is one REPORT, no event data."""
    for i in range(5):
        caldav_calendar.put(f"e{i}.ics", event(f"e{i}@x", f":2026112{i}T100000Z", f":2026112{i}T110000Z", f"E{i}"))
    store = Store.memory()
    window = Window(NOW - dt.timedelta(days=7), NOW + dt.timedelta(days=7))
    first = source_for(caldav_calendar.url, store)
    first.read(window)
    assert first.last_refresh.fetched == 5 and first.requests_sent == 3  # PROPFIND, list, one multiget
    again = source_for(caldav_calendar.url, store)  # a new process: only the state is shared
    snapshot = again.read(window)
    assert again.requests_sent == 1 and again.last_refresh.fetched == 0
    assert len(snapshot.occurrences) == 5
    caldav_calendar.put("e1.ics", event("e1@x", ":20261121T100000Z", ":20261121T120000Z", "E1 longer"))
    caldav_calendar.delete("e2.ics")
    changed = source_for(caldav_calendar.url, store)
    snapshot = changed.read(window)
    assert changed.last_refresh.fetched == 1 and changed.last_refresh.removed == 1
    assert sorted(o.summary for o in snapshot.occurrences) == ["E0", "E1 longer", "E3", "E4"]


def test_servers_without_sync_collection_use_the_ctag(caldav_calendar):
    """Without a sync token the CTag decides: unchanged costs one PROPFIND, a change is found."""
    caldav_calendar.put("a.ics", event("a@x", ":20261126T100000Z", ":20261126T110000Z", "A"))
    store = Store.memory()
    window = Window(NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=3))
    source_for(caldav_calendar.url, store).read(window)
    cache = store.cache(REF)
    state = cache.get_json(CACHE_NAME)
    cache.put_json(CACHE_NAME, {**state, "mode": "ctag", "token": None, "ctag": None})
    source_for(caldav_calendar.url, store).read(window)  # learns the ctag
    quiet = source_for(caldav_calendar.url, store)
    quiet.read(window)
    assert quiet.requests_sent == 1 and quiet.last_refresh.mode == "ctag"
    caldav_calendar.put("b.ics", event("b@x", ":20261127T100000Z", ":20261127T110000Z", "B"))
    busy = source_for(caldav_calendar.url, store)
    assert sorted(o.summary for o in busy.read(window).occurrences) == ["A", "B"]
    assert busy.last_refresh.fetched == 1


def test_an_expired_sync_token_falls_back_to_a_full_listing(caldav_calendar):
    caldav_calendar.put("a.ics", event("a@x", ":20261126T100000Z", ":20261126T110000Z", "A"))
    store = Store.memory()
    window = Window(NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=3))
    source_for(caldav_calendar.url, store).read(window)
    cache = store.cache(REF)
    cache.put_json(CACHE_NAME, {**cache.get_json(CACHE_NAME), "token": "http://radicale.org/ns/sync/bogus"})
    caldav_calendar.delete("a.ics")
    caldav_calendar.put("b.ics", event("b@x", ":20261127T100000Z", ":20261127T110000Z", "B"))
    source = source_for(caldav_calendar.url, store)
    assert [o.summary for o in source.read(window).occurrences] == ["B"]
    assert source.last_refresh.mode == "full"


# -- end to end through the CLI ---------------------------------------------------------------


def _blocks(cal) -> dict[str, bytes]:
    return {name: body for name, body in cal.resources().items() if TAG_PROPERTY.encode() in body}


def test_sync_creates_blocks_and_a_second_sync_writes_nothing(household, caldav_calendar):
    code, result, err = household.sync()
    assert code == 0, err
    assert result["created"] > 0 and result["failed"] == []
    blocks = _blocks(caldav_calendar)
    assert len(blocks) == result["created"]
    for name, body in blocks.items():
        cal = icalendar.Calendar.from_ical(body)
        (vevent,) = cal.walk("VEVENT")
        key = str(vevent[TAG_PROPERTY])
        assert name == f"{key}.ics" and str(vevent["UID"]) == f"{key}@calsync"
        assert vevent.get("ATTENDEE") is None and not cal.walk("VALARM")
    etags = {name: caldav_calendar.get(name)[1] for name in blocks}
    code, again, _ = household.sync()
    assert code == 0
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert again["unchanged"] == result["created"]
    assert {name: caldav_calendar.get(name)[1] for name in blocks} == etags
    code, plan = household.plan()
    assert code == 0 and plan["changes"] == []


def test_user_events_stay_byte_for_byte_unchanged_over_many_syncs(household, caldav_calendar):
    """Events calsync did not create are never rewritten, even where blocks overlap them."""
    caldav_calendar.put("dinner-clash.ics", event("clash@x", ";TZID=Europe/Berlin:20261126T183000", ";TZID=Europe/Berlin:20261126T200000", "Late call"))
    caldav_calendar.put("series.ics", RECURRING)
    fake = event("fake@x", ":20261127T063000Z", ":20261127T064500Z", "Looks like calsync's", f"{TAG_PROPERTY}:csnotreallyours")
    caldav_calendar.put("fake.ics", fake)
    before = {name: caldav_calendar.get(name) for name in ("dinner-clash.ics", "series.ics", "fake.ics")}
    for day in range(6):
        code, _, err = household.sync(now=NOW + dt.timedelta(days=day, hours=day))
        assert code == 0, err
    after = {name: caldav_calendar.get(name) for name in before}
    assert after == before


def test_removing_a_rule_deletes_exactly_its_future_blocks(household, caldav_calendar):
    code, first, _ = household.sync()
    assert code == 0
    dinner = {n for n, b in _blocks(caldav_calendar).items() if b"X-CALSYNC-RULE:dinner" in b}
    breakfast = {n for n, b in _blocks(caldav_calendar).items() if b"X-CALSYNC-RULE:breakfast" in b}
    assert dinner and breakfast
    later = NOW + dt.timedelta(days=1, hours=10)  # Friday 19:00: Thursday's dinner is over, Friday's is running
    household.rules = "rituals:" + RULES.split("rituals:")[1]
    code, result, err = household.sync(now=later)
    assert code == 0, err
    remaining = _blocks(caldav_calendar)
    gone = dinner - set(remaining)
    kept_dinner = dinner & set(remaining)
    assert result["deleted"] == len(gone) > 0
    for name in kept_dinner:  # only blocks already over stay (history is not rewritten)
        vevent = icalendar.Calendar.from_ical(remaining[name]).walk("VEVENT")[0]
        assert vevent.decoded("DTEND") <= later
    assert breakfast <= set(remaining)


def test_an_event_whose_tag_the_user_removed_is_never_touched_again(household, caldav_calendar):
    code, _, _ = household.sync()
    assert code == 0
    name, body = sorted(_blocks(caldav_calendar).items())[0]
    adopted = re.sub(rb"X-CALSYNC-KEY:[^\r\n]+\r?\n", b"", body).replace(b"SUMMARY:", b"SUMMARY:Mine now - ")
    assert caldav_calendar.put(name, adopted) in (201, 204)
    kept = caldav_calendar.get(name)
    household.rules = RULES.replace("18:30-20:00", "18:00-20:00").replace("07:15-07:45", "07:00-07:45")
    for day in range(3):
        code, _, err = household.sync(now=NOW + dt.timedelta(hours=day))
        assert code == 0, err
    assert caldav_calendar.get(name) == kept


def _patch_before_apply(monkeypatch, action):
    original = CaldavSource.apply

    def apply(self, changes):
        action(changes)
        return original(self, changes)

    monkeypatch.setattr(CaldavSource, "apply", apply)


def test_a_concurrent_edit_of_a_tagged_block_is_reread_and_updated(household, caldav_calendar, monkeypatch):
    """The ETag changed between read and write (412): still calsync's, so calsync updates it."""
    household.sync()
    household.rules = RULES.replace("18:30-20:00", "18:00-20:00")
    edited: list[str] = []

    def someone_edits(changes):
        change = next(c for c in changes if c.action == "update")
        name = change.existing.remote_id.rsplit("/", 1)[-1]
        _, _, body = caldav_calendar.get(name)
        caldav_calendar.put(name, body.replace(b"CLASS:PRIVATE", b"CLASS:PRIVATE\r\nDESCRIPTION:touched on a phone"))
        edited.append(name)

    _patch_before_apply(monkeypatch, someone_edits)
    code, result, err = household.sync()
    assert code == 0, err
    assert result["updated"] > 0 and result["failed"] == []
    body = caldav_calendar.get(edited[0])[2]
    assert b"DTSTART:20261126T170000Z" in body  # the new 18:00 start, written over the new ETag
    monkeypatch.undo()
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))
    code, again, _ = household.sync()
    assert (code, again["created"], again["updated"], again["deleted"]) == (0, 0, 0, 0)


def test_a_block_untagged_between_read_and_write_is_left_alone(household, caldav_calendar, monkeypatch):
    """412, re-read, the tag is gone: the event is the user's now and is not overwritten."""
    household.sync()
    household.rules = RULES.replace("18:30-20:00", "18:00-20:00")
    taken: dict[str, tuple] = {}

    def user_takes_it(changes):
        change = next(c for c in changes if c.action == "update")
        name = change.existing.remote_id.rsplit("/", 1)[-1]
        _, _, body = caldav_calendar.get(name)
        caldav_calendar.put(name, re.sub(rb"X-CALSYNC-KEY:[^\r\n]+\r?\n", b"", body))
        taken[name] = caldav_calendar.get(name)

    _patch_before_apply(monkeypatch, user_takes_it)
    code, result, err = household.sync()
    assert code == 1 and "no longer carries calsync's tag" in str(result["failed"]), err
    ((name, before),) = taken.items()
    assert caldav_calendar.get(name) == before
    monkeypatch.undo()
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))
    code, again, err = household.sync()
    assert code == 0, err
    assert caldav_calendar.get(name) == before


def test_a_foreign_resource_at_a_block_name_is_never_overwritten(household, caldav_calendar, monkeypatch):
    """Create is PUT with If-None-Match: *: whatever sits at that name stays as it is."""
    _, plan = household.plan()
    key = plan["changes"][0]["key"]
    squatter = event("someone-else@x", ":20261126T100000Z", ":20261126T110000Z", "Not calsync's")
    caldav_calendar.put(f"{key}.ics", squatter)
    before = caldav_calendar.get(f"{key}.ics")
    code, result, err = household.sync()
    assert code == 1 and "calsync did not create" in str(result["failed"]), err
    assert caldav_calendar.get(f"{key}.ics") == before
    assert result["created"] == len(plan["changes"]) - 1


# -- failures ---------------------------------------------------------------------------------


@pytest.fixture
def private_server(tmp_path):
    server = RadicaleServer(tmp_path / "private-radicale")
    server.start()
    yield server
    server.stop()


def test_a_server_outage_mid_run_fails_the_sync_without_deletions_and_the_next_run_converges(private_server, tmp_path, capsys, monkeypatch):
    url = private_server.make_calendar("outage")
    household = CliHousehold(tmp_path / "home", url, capsys)
    code, first, _ = household.sync()
    assert code == 0 and first["created"] > 0
    from tests.fakes.radicale import DavCalendar

    cal = DavCalendar(private_server, url, "outage")
    snapshot = cal.resources()

    # 1. down before the run, with a rule removed: a failed read, so nothing is deleted
    private_server.stop()
    household.rules = "rituals:" + RULES.split("rituals:")[1]
    code, result, err = household.sync()
    assert code == 1 and (result["created"], result["updated"], result["deleted"]) == (0, 0, 0)
    assert result["failed"] and result["failed"][0]["calendar"] == "home"
    assert "cannot reach" in result["failed"][0]["error"] and "gave up after 4 attempts" in result["failed"][0]["error"]
    private_server.start()
    assert cal.resources() == snapshot

    # 2. the server dies between the read and the writes
    household.rules = RULES.replace("18:30-20:00", "18:00-20:00")
    _patch_before_apply(monkeypatch, lambda changes: private_server.stop())
    code, result, err = household.sync()
    assert code == 1 and result["failed"]
    monkeypatch.undo()
    monkeypatch.setattr(CaldavSource, "retry_policy", staticmethod(no_sleep_policy))
    private_server.start()
    assert cal.resources() == snapshot

    # 3. back up: the next run converges, no duplicates, and then writes nothing
    code, result, err = household.sync()
    assert code == 0, err
    code, again, _ = household.sync()
    assert (code, again["created"], again["updated"], again["deleted"]) == (0, 0, 0, 0)
    keys = [re.search(rb"X-CALSYNC-KEY:(\S+)", b).group(1) for b in _blocks(cal).values()]
    assert len(keys) == len(set(keys)) == again["unchanged"]


def test_wrong_credentials_are_a_calendar_error_not_a_crash(tmp_path, capsys):
    """401 from the server: exit 1, the calendar named, the password never printed."""
    server = RadicaleServer(tmp_path / "auth-radicale")
    htpasswd = tmp_path / "users"
    htpasswd.write_text("alice:right-password\n")
    server.extra_args = ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
                         "--auth-htpasswd-encryption", "plain"]
    server.start()
    try:
        household = CliHousehold(tmp_path / "home", server.url + "alice/cal/", capsys)
        code, result, err = household.sync(NOW, "--log-level", "debug")
    finally:
        server.stop()
    assert code == 1
    assert result["failed"][0]["calendar"] == "home" and "HTTP 401" in result["failed"][0]["error"]
    assert "s3cret" not in err + str(result)


def test_a_missing_password_variable_is_a_clear_calendar_error(household):
    household.env = {PASSWORD_ENV: ""}
    code, out, err = household.run("sync")
    assert code == 1 and f"environment variable {PASSWORD_ENV} is not set" in err


# -- random interleavings ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_interleavings_of_rule_changes_user_edits_and_crashes_keep_the_invariants(seed, household, caldav_calendar, monkeypatch):
    """Seeded random runs: rules move, the user adds, edits, deletes and un-tags events, runs crash
    half-way. After every completed sync: user events are exactly as the user left them, no block
    is duplicated, and planning again changes nothing."""
    import random

    rng = random.Random(seed)
    user: dict[str, bytes] = {}  # resource name -> the bytes the user last wrote
    now = NOW
    for step in range(10):
        action = rng.choice(["rules", "user-event", "untag", "delete-block", "crash", "later"])
        if action == "rules":
            start = rng.choice(["17:00", "18:00", "18:30", "19:15"])
            household.rules = RULES.replace("18:30-20:00", f"{start}-20:00")
            if rng.random() < 0.3:
                household.rules = household.rules.split("rituals:")[0] or "rituals: []\n"
        elif action == "user-event":
            name = f"user-{step}.ics"
            day = now + dt.timedelta(days=rng.randint(0, 5))
            body = event(f"user-{step}@x", f":{day:%Y%m%d}T{rng.randint(6, 20):02d}0000Z",
                         f":{day:%Y%m%d}T{rng.randint(21, 22):02d}0000Z", f"User {step}")
            caldav_calendar.put(name, body)
            user[name] = caldav_calendar.get(name)[2]
        elif action in ("untag", "delete-block"):
            blocks = sorted(_blocks(caldav_calendar).items())
            if blocks:
                name, body = rng.choice(blocks)
                if action == "untag":
                    caldav_calendar.put(name, re.sub(rb"X-CALSYNC-KEY:[^\r\n]+\r?\n", b"", body))
                    user[name] = caldav_calendar.get(name)[2]
                else:
                    caldav_calendar.delete(name)
        elif action == "later":
            now = now + dt.timedelta(hours=rng.randint(1, 30))
        if action == "crash":
            original = CaldavSource.apply

            def half_then_die(self, changes, original=original):  # type: ignore[no-untyped-def]
                original(self, list(changes)[: len(changes) // 2])
                raise RuntimeError("killed")

            monkeypatch.setattr(CaldavSource, "apply", half_then_die)
            household.sync(now=now)
            monkeypatch.setattr(CaldavSource, "apply", original)
        code, result, err = household.sync(now=now)
        assert code == 0, (seed, step, action, err, result)
        for name, body in user.items():
            assert caldav_calendar.get(name)[2] == body, (seed, step, action, name)
        keys = [re.search(rb"X-CALSYNC-KEY:(\S+)", b).group(1) for b in _blocks(caldav_calendar).values()]
        assert len(keys) == len(set(keys)), (seed, step, action)
        code, plan = household.plan(now=now)
        assert code == 0 and plan["changes"] == [], (seed, step, action, plan["changes"])


def test_a_missing_ca_bundle_is_named(household):
    household.extra_calendar = ""
    household.url = household.url + "\n        ca_bundle: certs/none.pem"
    code, result, _ = household.sync()
    assert code == 1 and "ca_bundle" in result["failed"][0]["error"] and "none.pem" in result["failed"][0]["error"]


def test_an_unreadable_tagged_resource_fails_the_read_and_a_broken_user_one_is_skipped():
    """A calsync block that cannot be read must not look deleted; a broken user event is a warning."""
    from calsync.connectors.caldav.mirror import Item, Mirror
    from calsync.errors import ParseError
    from calsync.state.store import SourceCache

    source = source_for("http://127.0.0.1:9/alice/cal/")
    mirror = Mirror(SourceCache(None, "alex/home"), "http://127.0.0.1:9/alice/cal/")
    good = event("ok@x", ":20261126T100000Z", ":20261126T110000Z", "Fine")
    mirror.items = {"/alice/cal/ok.ics": Item('"1"', good, None), "/alice/cal/bad.ics": Item('"2"', "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", None)}
    window = Window(NOW, NOW + dt.timedelta(days=2))
    snapshot = source._snapshot(mirror, window)
    assert [o.summary for o in snapshot.occurrences] == ["Fine"]
    assert any("bad.ics" in w for w in snapshot.warnings)
    mirror.items["/alice/cal/csx.ics"] = Item('"3"', f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{TAG_PROPERTY}:csx\r\nDTSTART:nope\r\n", None)
    with pytest.raises(ParseError, match="csx.ics"):
        source._snapshot(mirror, window)
