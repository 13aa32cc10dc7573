"""Writing blocks to Google: batched, silent, idempotent, and only ever to calsync's own events."""

from __future__ import annotations

import dataclasses

from calsync.connectors.google.events import KEY_PROP, TAG
from calsync.model import Change
from tests.connectors import google_support
from tests.connectors.google_support import REF, WINDOW, SourceMaker, blocks, timed
from tests.fakes.google_server import FakeGoogle

fake = google_support.fake  # the fixture

make = google_support.make  # the fixture


def creates(items):  # type: ignore[no-untyped-def]
    return [Change("create", REF, b.rule, b.key, block=b) for b in items]


def assert_only_calsync_events_written(fake: FakeGoogle) -> None:
    """Non-negotiable 1: each write creates or targets an event carrying calsync's tag."""
    writes = fake.writes()
    assert writes
    for write in writes:
        assert write.tagged_target is True, (write.op, write.event_id)
        assert write.query.get("sendUpdates") == ["none"], write


def test_120_blocks_take_three_batch_requests(make: SourceMaker, fake: FakeGoogle) -> None:
    source = make()
    source.read(WINDOW)
    fake.reset_log()
    outcomes = source.apply(creates(blocks(120)))
    assert all(o.ok for o in outcomes)
    assert [r.op for r in fake.http_requests()] == ["batch"] * 3
    assert len(fake.tagged()) == 120
    assert_only_calsync_events_written(fake)
    assert {o.remote_id for o in outcomes} == {b.key for b in blocks(120)}


def test_block_events_are_silent_private_and_tagged(make: SourceMaker, fake: FakeGoogle) -> None:
    [block] = blocks(1)
    block = dataclasses.replace(block, visibility="private", title="Busy")
    source = make()
    source.read(WINDOW)
    [outcome] = source.apply(creates([block]))
    event = fake.events()[block.key]
    assert outcome.ok and outcome.remote_id == block.key
    assert event["summary"] == "Busy" and event["visibility"] == "private" and event["transparency"] == "opaque"
    assert "attendees" not in event
    assert event["reminders"] == {"useDefault": False, "overrides": []}
    assert event["extendedProperties"]["private"][TAG] == "1"
    assert event["extendedProperties"]["private"][KEY_PROP] == block.key
    assert event["start"]["timeZone"] == "Europe/Berlin"
    assert_only_calsync_events_written(fake)


def test_updates_and_deletes_touch_only_owned_events(make: SourceMaker, fake: FakeGoogle) -> None:
    user = fake.put_event(timed("Client dinner", "2026-11-27T18:00", "2026-11-27T21:00"))
    items = blocks(3)
    source = make()
    source.read(WINDOW)
    source.apply(creates(items))
    snapshot = make().read(WINDOW)
    owned = {b.key: b for b in snapshot.owned}
    moved = dataclasses.replace(items[0], title="Family time")
    changes = [
        Change("update", REF, moved.rule, moved.key, block=moved, existing=owned[moved.key]),
        Change("delete", REF, items[1].rule, items[1].key, existing=owned[items[1].key]),
    ]
    fake.reset_log()
    source = make()
    source.read(WINDOW)
    assert all(o.ok for o in source.apply(changes))
    assert fake.events()[moved.key]["summary"] == "Family time"
    assert items[1].key not in fake.events()
    assert fake.events()[user["id"]] == fake.public(fake.calendars["primary"][user["id"]])
    assert fake.untagged(include_cancelled=True)[user["id"]]["etag"] == user["etag"]
    assert_only_calsync_events_written(fake)


def test_refuses_to_update_an_event_not_shown_as_calsyncs(make: SourceMaker, fake: FakeGoogle) -> None:
    """Even a wrong Change naming a user's event id is refused before any request."""
    user = fake.put_event(timed("Client dinner", "2026-11-27T18:00", "2026-11-27T21:00"))
    [block] = blocks(1)
    source = make()
    source.read(WINDOW)
    fake.reset_log()
    forged = dataclasses.replace(source.read(WINDOW).occurrences[0])  # noqa: F841 - the user's event exists
    from calsync.model import OwnedBlock

    existing = OwnedBlock(block.key, REF, block.rule, block.start, block.end, "Busy", remote_id=user["id"])
    outcomes = source.apply([Change("delete", REF, block.rule, block.key, existing=existing),
                             Change("update", REF, block.rule, block.key, block=block, existing=existing)])
    assert not any(o.ok for o in outcomes)
    assert "refusing" in outcomes[0].error
    assert fake.writes() == []


def test_retried_insert_after_lost_response_does_not_duplicate(make: SourceMaker, fake: FakeGoogle) -> None:
    """The batch was applied but its response lost: the retry meets 409s and reconciles."""
    items = blocks(4)
    source = make()
    source.read(WINDOW)
    fake.fail("drop_after", op="batch", times=2)  # httplib2 re-sends once, calsync retries once
    outcomes = source.apply(creates(items))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(fake.tagged()) == sorted(b.key for b in items)
    assert any(r.status == 409 for r in fake.api_requests("insert"))
    assert_only_calsync_events_written(fake)


def test_409_on_a_cancelled_calsync_event_restores_it_by_update(make: SourceMaker, fake: FakeGoogle) -> None:
    [block] = blocks(1)
    source = make()
    source.read(WINDOW)
    source.apply(creates([block]))
    fake.user_delete(block.key)
    fresh = make()  # a process that never read the calendar: it learns of the id from the 409
    fake.reset_log()
    [outcome] = fresh.apply(creates([block]))
    assert outcome.ok and outcome.remote_id == block.key
    assert [(r.op, r.status) for r in fake.api_requests() if r.op != "batch"] == [("insert", 409), ("get", 200), ("update", 200)]
    assert fake.events()[block.key]["status"] == "confirmed"
    # a source that has read the calendar knows the id is burnt and restores directly
    fake.user_delete(block.key)
    source = make()
    source.read(WINDOW)
    fake.reset_log()
    assert source.apply(creates([block]))[0].ok
    assert [r.op for r in fake.api_requests() if r.batch and r.op != "batch"] == ["update"]


def test_unrecoverable_409_moves_to_the_next_generation_id(make: SourceMaker, fake: FakeGoogle) -> None:
    [block] = blocks(1)
    squatter = timed("Someone else's", "2026-11-30T10:00", "2026-11-30T11:00")
    squatter["id"] = block.key
    fake.put_event(squatter)
    source = make()
    source.read(WINDOW)
    [outcome] = source.apply(creates([block]))
    assert outcome.ok and outcome.remote_id == block.key + "g1"
    assert fake.events()[block.key]["summary"] == "Someone else's"  # untouched
    assert make().read(WINDOW).owned[0].remote_id == block.key + "g1"
    # a cancelled own event that Google refuses to restore also moves on
    fake.user_delete(block.key + "g1")
    fake.refuse_restore = True
    source = make()
    source.read(WINDOW)
    [outcome] = source.apply(creates([block]))
    assert outcome.ok and outcome.remote_id == block.key + "g2"
    assert_only_calsync_events_written(fake)


def test_rate_limits_inside_batches_are_retried(make: SourceMaker, fake: FakeGoogle) -> None:
    items = blocks(10)
    source = make()
    source.read(WINDOW)
    fake.fail("403rate", op="insert", in_batch=True, times=3)
    fake.fail("429", op="insert", in_batch=True, times=2)
    fake.fail("500", op="insert", in_batch=True, times=1)
    fake.fail("503", op="batch", times=1)
    outcomes = source.apply(creates(items))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert len(fake.tagged()) == 10
    assert make.policy.slept  # it backed off


def test_persistent_errors_fail_the_change_without_touching_others(make: SourceMaker, fake: FakeGoogle) -> None:
    items = blocks(3)
    source = make()
    source.read(WINDOW)
    fake.fail("403rate", op="insert", in_batch=True, times=-1, match=lambda r: (r.body or {}).get("id") == items[0].key)
    outcomes = source.apply(creates(items))
    assert [o.ok for o in outcomes] == [False, True, True]
    assert "gave up" in outcomes[0].error


def test_deleting_an_already_deleted_block_counts_as_done(make: SourceMaker, fake: FakeGoogle) -> None:
    [block] = blocks(1)
    source = make()
    source.read(WINDOW)
    source.apply(creates([block]))
    source = make()
    [owned] = source.read(WINDOW).owned
    fake.user_delete(block.key)
    [outcome] = source.apply([Change("delete", REF, block.rule, block.key, existing=owned)])
    assert outcome.ok


def test_focus_time_where_supported_and_a_busy_event_where_not(fake: FakeGoogle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake.status_events = True
    make = SourceMaker(fake, tmp_path, event_type="focusTime", auto_decline=True)
    source = make()
    source.read(WINDOW)
    [block] = blocks(1)
    assert source.apply(creates([block]))[0].ok
    event = fake.events()[block.key]
    assert event["eventType"] == "focusTime"
    assert event["focusTimeProperties"]["autoDeclineMode"] == "declineOnlyNewConflictingInvitations"
    # an account without status events: a normal busy event, and calsync remembers not to try again
    fake.status_events = False
    second = blocks(3)[1:]
    assert all(o.ok for o in make().apply(creates(second[:1])))
    assert fake.events()[second[0].key].get("eventType", "default") == "default"
    assert fake.events()[second[0].key]["transparency"] == "opaque"
    fake.reset_log()
    assert make().apply(creates(second[1:]))[0].ok
    assert [r.status for r in fake.api_requests("insert")] == [200]
