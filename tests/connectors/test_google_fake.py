"""The fake server itself, driven by the real googleapiclient: it must answer like Google where calsync
depends on it (otherwise the other Google tests prove nothing)."""

from __future__ import annotations

import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from calsync.connectors.google.client import build_service
from tests.connectors import google_support
from tests.connectors.google_support import timed
from tests.fakes.google_server import FakeGoogle

fake = google_support.fake  # the fixture


@pytest.fixture
def svc(fake: FakeGoogle):  # type: ignore[no-untyped-def]
    return build_service(Credentials(token="fake-access-0"), fake.api_endpoint, 10)


def test_requests_arrive_under_the_api_endpoint_with_the_bearer_token(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    svc.events().list(calendarId="primary").execute()
    [request] = fake.requests
    assert request.path == "/calendar/v3/calendars/primary/events" and request.status == 200
    unauthorized = build_service(Credentials(token="wrong"), fake.api_endpoint, 10)
    with pytest.raises(RefreshError):  # the 401 makes google-auth try to refresh, which this token cannot
        unauthorized.events().list(calendarId="primary").execute()
    assert fake.requests[-1].status == 401


def test_duplicate_ids_409_even_when_deleted_and_a_second_delete_410(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    body = timed("Busy", "2026-11-30T10:00", "2026-11-30T11:00", id="csabc123")
    svc.events().insert(calendarId="primary", body=body).execute()
    svc.events().delete(calendarId="primary", eventId="csabc123").execute()
    with pytest.raises(HttpError) as info:
        svc.events().insert(calendarId="primary", body=body).execute()
    assert info.value.status_code == 409 and info.value.error_details[0]["reason"] == "duplicate"
    assert svc.events().get(calendarId="primary", eventId="csabc123").execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as info:
        svc.events().delete(calendarId="primary", eventId="csabc123").execute()
    assert info.value.status_code == 410
    with pytest.raises(HttpError) as info:
        svc.events().insert(calendarId="primary", body=dict(body, id="not-base32hex!")).execute()
    assert info.value.status_code == 400


def test_sync_tokens_cannot_be_combined_with_time_bounds_or_property_filters(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    token = svc.events().list(calendarId="primary").execute()["nextSyncToken"]
    for extra in ({"timeMin": "2026-11-01T00:00:00Z"}, {"privateExtendedProperty": "calsync=1"}):
        with pytest.raises(HttpError) as info:
            svc.events().list(calendarId="primary", syncToken=token, **extra).execute()
        assert info.value.status_code == 400
    fake.expire_sync_tokens()
    with pytest.raises(HttpError) as info:
        svc.events().list(calendarId="primary", syncToken=token).execute()
    assert info.value.status_code == 410


def test_private_extended_property_filters_must_all_match(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    fake.put_event(timed("A", "2026-11-30T10:00", "2026-11-30T11:00", extendedProperties={"private": {"calsync": "1", "r": "x"}}))
    fake.put_event(timed("B", "2026-11-30T12:00", "2026-11-30T13:00", extendedProperties={"private": {"calsync": "1"}}))
    fake.put_event(timed("C", "2026-11-30T14:00", "2026-11-30T15:00"))
    one = svc.events().list(calendarId="primary", privateExtendedProperty="calsync=1").execute()["items"]
    both = svc.events().list(calendarId="primary", privateExtendedProperty=["calsync=1", "r=x"]).execute()["items"]
    assert [e["summary"] for e in one] == ["A", "B"] and [e["summary"] for e in both] == ["A"]


def test_single_events_expands_series_with_google_instance_ids(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    series = fake.put_event(timed("Standup", "2026-11-30T09:00", "2026-11-30T09:15", recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
    items = svc.events().list(calendarId="primary", singleEvents=True).execute()["items"]
    assert [e["id"] for e in items] == [f"{series['id']}_{day}T080000Z" for day in ("20261130", "20261207", "20261214")]
    assert all(e["recurringEventId"] == series["id"] for e in items)
    parents = svc.events().list(calendarId="primary").execute()["items"]
    assert [e["id"] for e in parents] == [series["id"]]


def test_batches_answer_each_call_and_faults_hit_chosen_calls(fake: FakeGoogle, svc) -> None:  # type: ignore[no-untyped-def]
    from googleapiclient.http import BatchHttpRequest

    from calsync.connectors.google.client import batch_uri

    fake.fail("403rate", op="insert", in_batch=True, match=lambda r: r.body["id"] == "csbbb222")
    answers: dict[str, object] = {}
    batch = BatchHttpRequest(callback=lambda rid, resp, exc: answers.update({rid: exc or resp["id"]}),
                             batch_uri=batch_uri(fake.api_endpoint))
    for n, event_id in enumerate(["csaaa111", "csbbb222"]):
        batch.add(svc.events().insert(calendarId="primary", body=timed("x", "2026-11-30T10:00", "2026-11-30T11:00", id=event_id)),
                  request_id=str(n))
    batch.execute(http=svc._http)
    assert answers["0"] == "csaaa111"
    assert isinstance(answers["1"], HttpError) and answers["1"].status_code == 403
    assert [(r.op, r.batch) for r in fake.requests] == [("batch", 1), ("insert", 1), ("insert", 1)]
