"""A fake Google Calendar v3 server on 127.0.0.1 that the real googleapiclient talks to.

It behaves like Google where calsync depends on it:
- events list/get/insert/update/patch/delete under `/calendar/v3/calendars/{id}/events`;
- multipart batches at `/batch/calendar/v3` (inner calls recorded like direct ones);
- pagination with a server-side page cap (Google may return short pages), `nextSyncToken` only on
  the last page, `syncToken` increments (deleted events included), `410 fullSyncRequired` for
  expired tokens, `400` when a sync token is combined with timeMin/timeMax/privateExtendedProperty;
- `409 duplicate` for an id that exists, cancelled (deleted) events included; `410 deleted` on a
  second delete; restoring a cancelled event by update/patch with `status: confirmed`;
- `privateExtendedProperty` filters (all constraints must match);
- `singleEvents` expansion of simple recurring events (RRULE via dateutil, overrides and
  cancelled instances as separate events with `recurringEventId`/`originalStartTime`);
- focusTime/outOfOffice only when `status_events` is on, on `primary`, for timed events;
- an OAuth token endpoint (`/token`: authorization_code with PKCE, refresh_token, invalid_grant)
  and an authorization endpoint (`/auth`) that redirects straight back with a code;
- fault injection per request: 403 rateLimitExceeded/userRateLimitExceeded, 429, 500/503, and a
  dropped connection (before or after the request took effect).

Every request is recorded (`requests`), with whether a write targeted a calsync-tagged event.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email.parser
import hashlib
import itertools
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from dateutil import rrule

API = "/calendar/v3"
BATCH = "/batch/calendar/v3"
TAG = "calsync"
_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_FORBIDDEN_WITH_SYNC = ("timeMin", "timeMax", "privateExtendedProperty", "sharedExtendedProperty", "q", "iCalUID", "orderBy", "updatedMin")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    op: str  # list | get | insert | update | patch | delete | batch | token | auth | other
    calendar: str = ""
    event_id: str = ""
    batch: int | None = None  # number of the batch request this call came in
    status: int = 0
    tagged_target: bool | None = None  # writes: did it target (or create) a calsync-tagged event?

    @property
    def is_write(self) -> bool:
        return self.op in ("insert", "update", "patch", "delete")


@dataclass
class Fault:
    kind: str  # 429 | 403rate | 403user | 500 | 503 | drop | drop_after | 401
    op: str | None = None  # match this op (None: any API op)
    times: int = 1  # how many matching requests fail (-1: all)
    in_batch: bool | None = None  # None: both; True: only inner batch calls; False: only direct requests
    match: Callable[[Recorded], bool] | None = None
    hits: int = 0


class HttpReply(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Drop(Exception):
    """Close the connection without answering."""


def error(status: int, reason: str, message: str) -> HttpReply:
    return HttpReply(status, {"error": {"code": status, "message": message, "errors": [{"domain": "global", "reason": reason, "message": message}]}})


def _parse_time(value: dict[str, Any] | None) -> dt.datetime | None:
    try:
        return _parse_time_strict(value)
    except ValueError:
        return None  # a broken event (tests put some there on purpose) is listed as it is


def _parse_time_strict(value: dict[str, Any] | None) -> dt.datetime | None:
    if not value:
        return None
    if value.get("dateTime"):
        moment = dt.datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or "UTC"))
        return moment
    if value.get("date"):
        return dt.datetime.combine(dt.date.fromisoformat(value["date"]), dt.time(0), tzinfo=dt.UTC)
    return None


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Google's patch semantics: objects merge field by field, null deletes, arrays replace."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def is_tagged(event: dict[str, Any] | None) -> bool:
    return bool(event) and ((event or {}).get("extendedProperties") or {}).get("private", {}).get(TAG) == "1"


class FakeGoogle:
    def __init__(self, *, page_size: int = 250, status_events: bool = False, time_zone: str = "Europe/Berlin") -> None:
        self.lock = threading.RLock()
        self.calendars: dict[str, dict[str, dict[str, Any]]] = {"primary": {}}
        self.time_zone = time_zone
        self.page_size = page_size
        self.status_events = status_events
        self.refuse_restore = False
        self.seq = 0
        self.token_floor = 0  # sync tokens for a sequence below this are expired (410)
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.access_tokens: set[str] = {"fake-access-0"}
        self.refresh_tokens: set[str] = {"fake-refresh-0"}
        self.codes: dict[str, dict[str, str]] = {}
        self.granted_scope: str | None = None  # None: grant what was asked for
        self.deny_consent = False
        self._batches = itertools.count(1)
        self._ids = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_endpoint(self) -> str:
        return f"{self.origin}{API}/"

    @property
    def token_uri(self) -> str:
        return f"{self.origin}/token"

    @property
    def auth_uri(self) -> str:
        return f"{self.origin}/auth"

    def start(self) -> FakeGoogle:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    status, headers, body = fake.handle(self.command, self.path, dict(self.headers.items()), raw)
                except Drop:
                    self.close_connection = True
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- test helpers ---------------------------------------------------------------------------
    def fail(self, kind: str, op: str | None = None, times: int = 1, in_batch: bool | None = None,
             match: Callable[[Recorded], bool] | None = None) -> Fault:
        fault = Fault(kind, op, times, in_batch, match)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.token_floor = self.seq + 1

    def _bump(self) -> int:
        self.seq += 1
        return self.seq

    def put_event(self, event: dict[str, Any], calendar: str = "primary") -> dict[str, Any]:
        """Add or replace an event as the user would in another client."""
        with self.lock:
            stored = copy.deepcopy(event)
            stored.setdefault("id", f"user{next(self._ids):04d}" + secrets.token_hex(4).translate(str.maketrans("wxyz", "0123")))
            self._finish(stored, calendar)
            self.calendars.setdefault(calendar, {})[stored["id"]] = stored
            return copy.deepcopy(stored)

    def edit_event(self, event_id: str, changes: dict[str, Any], calendar: str = "primary") -> None:
        with self.lock:
            event = self.calendars[calendar][event_id]
            _merge(event, changes)
            self._finish(event, calendar)

    def user_delete(self, event_id: str, calendar: str = "primary") -> None:
        with self.lock:
            event = self.calendars[calendar][event_id]
            event["status"] = "cancelled"
            self._finish(event, calendar)

    def _finish(self, event: dict[str, Any], calendar: str) -> None:
        seq = self._bump()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        event.setdefault("status", "confirmed")
        event.setdefault("kind", "calendar#event")
        event.setdefault("iCalUID", f"{event['id']}@google.com")
        event.setdefault("created", now)
        event.setdefault("organizer", {"email": f"{calendar}@example.org", "self": True})
        event["updated"] = now
        event["etag"] = f'"{seq}"'
        event["_seq"] = seq

    def events(self, calendar: str = "primary", *, include_cancelled: bool = False) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                i: self.public(e) for i, e in self.calendars.get(calendar, {}).items()
                if include_cancelled or e.get("status") != "cancelled"
            }

    def tagged(self, calendar: str = "primary") -> dict[str, dict[str, Any]]:
        return {i: e for i, e in self.events(calendar).items() if is_tagged(e)}

    def untagged(self, calendar: str = "primary", *, include_cancelled: bool = True) -> dict[str, dict[str, Any]]:
        return {i: e for i, e in self.events(calendar, include_cancelled=include_cancelled).items() if not is_tagged(e)}

    @staticmethod
    def public(event: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}

    def api_requests(self, op: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if r.op not in ("token", "auth") and (op is None or r.op == op)]

    def http_requests(self) -> list[Recorded]:
        """Requests that were their own HTTP round trip (not calls inside a batch)."""
        return [r for r in self.requests if r.batch is None or r.op == "batch"]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.is_write]

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- dispatch -------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        if path == "/token" and method == "POST":
            return self._reply_json(*self._token(raw))
        if path == "/auth" and method == "GET":
            return self._auth(query)
        lower = {k.lower(): v for k, v in headers.items()}
        if path == BATCH and method == "POST":
            record = Recorded(method, path, query, None, "batch", batch=next(self._batches))
            with self.lock:
                self.requests.append(record)
            self._fault(record, before=True)
            if not self._authorized(lower):
                record.status = 401
                return self._reply_json(401, error(401, "authError", "Invalid Credentials").body)
            result = self._batch(record.batch or 0, lower.get("content-type", ""), raw)
            record.status = 200
            self._fault(record, before=False)
            return result
        status, body = self._api(method, path, query, raw, lower, batch=None)
        return self._reply_json(status, body)

    @staticmethod
    def _reply_json(status: int, body: Any, extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        if status == 204 or body is None:
            return status, dict(extra or {}), b""
        return status, {"Content-Type": "application/json; charset=UTF-8", **(extra or {})}, json.dumps(body).encode()

    def _authorized(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        return value.startswith("Bearer ") and value[7:] in self.access_tokens

    def _fault(self, record: Recorded, *, before: bool, in_batch: bool = False) -> None:
        with self.lock:
            for fault in self.faults:
                if fault.times == 0:
                    continue
                if fault.op is not None and fault.op != record.op:
                    continue
                if fault.in_batch is not None and fault.in_batch != in_batch:
                    continue
                if fault.match is not None and not fault.match(record):
                    continue
                if (fault.kind == "drop_after") == before:
                    continue
                if in_batch and fault.kind in ("drop", "drop_after"):
                    continue
                fault.times -= 1
                fault.hits += 1
                record.status = -1
                if fault.kind in ("drop", "drop_after"):
                    raise Drop()
                if fault.kind == "429":
                    raise error(429, "rateLimitExceeded", "Rate Limit Exceeded")
                if fault.kind == "403rate":
                    raise error(403, "rateLimitExceeded", "Rate Limit Exceeded")
                if fault.kind == "403user":
                    raise error(403, "userRateLimitExceeded", "User Rate Limit Exceeded")
                if fault.kind == "403forbidden":
                    raise error(403, "forbidden", "Forbidden")
                if fault.kind == "401":
                    raise error(401, "authError", "Invalid Credentials")
                status = int(fault.kind)
                raise error(status, "backendError", "Backend Error")

    def _api(self, method: str, path: str, query: dict[str, list[str]], raw: bytes, headers: dict[str, str],
             batch: int | None) -> tuple[int, Any]:
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, error(400, "parseError", "Parse Error").body
        op, calendar, event_id = self._route(method, path)
        record = Recorded(method, path, query, body, op, unquote(calendar), unquote(event_id), batch)
        with self.lock:
            self.requests.append(record)
            try:
                self._fault(record, before=True, in_batch=batch is not None)
                if batch is None and not self._authorized(headers):
                    raise error(401, "authError", "Invalid Credentials")
                status, result = self._dispatch(record)
                record.status = status
                self._fault(record, before=False, in_batch=batch is not None)
                return status, result
            except HttpReply as reply:
                if record.status == 0:
                    record.status = reply.status
                return reply.status, reply.body

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str, str]:
        match = re.match(rf"^{API}/calendars/([^/]+)/events(?:/([^/]+))?$", path)
        if not match:
            return "other", "", ""
        calendar, event_id = match.group(1), match.group(2) or ""
        if not event_id:
            return {"GET": "list", "POST": "insert"}.get(method, "other"), calendar, ""
        return {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, "other"), calendar, event_id

    def _dispatch(self, record: Recorded) -> tuple[int, Any]:
        if record.op == "other":
            raise error(404, "notFound", "Not Found")
        events = self.calendars.get(record.calendar)
        if events is None:
            raise error(404, "notFound", "Not Found")
        if record.op == "list":
            return 200, self._list(record.calendar, events, record.query)
        if record.op == "insert":
            return self._insert(record, events)
        event = events.get(record.event_id)
        if event is None:
            raise error(404, "notFound", "Not Found")
        if record.is_write:
            record.tagged_target = is_tagged(event)
        if record.op == "get":
            return 200, self.public(event)
        if record.op == "delete":
            if event.get("status") == "cancelled":
                raise error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self._finish(event, record.calendar)
            return 204, None
        body = record.body or {}
        restoring = event.get("status") == "cancelled" and body.get("status", "confirmed" if record.op == "update" else None) == "confirmed"
        if restoring and self.refuse_restore:
            raise error(403, "forbidden", "Forbidden")
        if "eventType" in body and body["eventType"] != event.get("eventType", "default"):
            raise error(400, "invalid", "The event type cannot be changed.")
        if record.op == "update":
            keep = {k: event[k] for k in ("id", "iCalUID", "created", "organizer", "kind") if k in event}
            event.clear()
            event.update(copy.deepcopy(body))
            event.update(keep)
            event.setdefault("status", "confirmed")
        else:
            _merge(event, body)
        self._finish(event, record.calendar)
        return 200, self.public(event)

    def _insert(self, record: Recorded, events: dict[str, dict[str, Any]]) -> tuple[int, Any]:
        body = copy.deepcopy(record.body or {})
        record.tagged_target = is_tagged(body)
        event_id = body.get("id")
        if event_id is not None:
            if not _ID.match(str(event_id)):
                raise error(400, "invalid", "Invalid resource id value.")
            if event_id in events:
                raise error(409, "duplicate", "The requested identifier already exists.")
        else:
            event_id = f"gen{next(self._ids):05d}" + secrets.token_hex(6).translate(str.maketrans("wxyz", "0123"))
        kind = body.get("eventType", "default")
        if kind in ("focusTime", "outOfOffice"):
            timed = bool((body.get("start") or {}).get("dateTime"))
            if not (self.status_events and record.calendar == "primary" and timed):
                raise error(400, "invalid", f"A {kind} event cannot be created on this calendar.")
        if _parse_time(body.get("start")) is None or _parse_time(body.get("end")) is None:
            raise error(400, "required", "Missing end time.")
        body["id"] = event_id
        body.setdefault("status", "confirmed")
        self._finish(body, record.calendar)
        events[event_id] = body
        return 200, self.public(body)

    # -- list -----------------------------------------------------------------------------------
    def _list(self, calendar: str, events: dict[str, dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
        one = {k: v[-1] for k, v in query.items()}
        sync = one.get("syncToken")
        if sync is not None:
            bad = [k for k in _FORBIDDEN_WITH_SYNC if k in query]
            if bad:
                raise error(400, "invalid", f"Invalid combination of parameters: syncToken with {', '.join(bad)}")
            match = re.fullmatch(r"st-(\d+)", sync)
            if not match:
                raise error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
            since = int(match.group(1))
            if since < self.token_floor:
                raise error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
        else:
            since = None
        page = one.get("pageToken")
        if page:
            match = re.fullmatch(r"pt-(\d+)-(\d+)", page)
            if not match:
                raise error(400, "invalid", "Invalid page token")
            offset, snapshot = int(match.group(1)), int(match.group(2))
        else:
            offset, snapshot = 0, self.seq
        single = one.get("singleEvents") == "true"
        show_deleted = one.get("showDeleted") == "true" or since is not None
        time_min = dt.datetime.fromisoformat(one["timeMin"].replace("Z", "+00:00")) if "timeMin" in one else None
        time_max = dt.datetime.fromisoformat(one["timeMax"].replace("Z", "+00:00")) if "timeMax" in one else None
        constraints = [c.split("=", 1) for c in query.get("privateExtendedProperty", [])]
        items: list[dict[str, Any]] = []
        for event in events.values():
            if event["_seq"] > snapshot:
                continue
            changed = since is None or event["_seq"] > since
            if single and event.get("recurrence"):
                if changed:
                    items.extend(self._instances(event, events, time_min, time_max, show_deleted, since is not None))
                continue
            if not changed:
                continue
            if event.get("status") == "cancelled" and not show_deleted:
                continue
            items.append(event)
        out = []
        for event in items:
            if since is None and (time_min or time_max):
                start = _parse_time(event.get("start") or event.get("originalStartTime"))
                end = _parse_time(event.get("end")) or start
                if start is not None and end is not None and (
                    (time_min and end <= time_min) or (time_max and start >= time_max)
                ):
                    continue
            props = (event.get("extendedProperties") or {}).get("private") or {}
            if any(props.get(k) != v for k, v in constraints):
                continue
            out.append(event)
        out.sort(key=lambda e: (_parse_time(e.get("start") or e.get("originalStartTime")) or dt.datetime.min.replace(tzinfo=dt.UTC), e["id"]))
        size = min(int(one.get("maxResults", 250)), self.page_size)
        chunk = out[offset : offset + size]
        result: dict[str, Any] = {
            "kind": "calendar#events", "summary": calendar, "timeZone": self.time_zone, "accessRole": "owner",
            "items": [self.public(e) for e in chunk],
        }
        if offset + size < len(out):
            result["nextPageToken"] = f"pt-{offset + size}-{snapshot}"
        else:
            result["nextSyncToken"] = f"st-{snapshot}"
        return result

    def _instances(self, parent: dict[str, Any], events: dict[str, dict[str, Any]], time_min: dt.datetime | None,
                   time_max: dt.datetime | None, show_deleted: bool, incremental: bool) -> list[dict[str, Any]]:
        start = _parse_time(parent["start"])
        end = _parse_time(parent["end"])
        assert start is not None and end is not None
        all_day = "date" in parent["start"]
        zone = ZoneInfo(parent["start"].get("timeZone") or self.time_zone)
        local = start.astimezone(zone).replace(tzinfo=None) if not all_day else start.replace(tzinfo=None)
        rules = rrule.rrulestr("\n".join(r for r in parent["recurrence"] if r.startswith(("RRULE", "EXDATE"))), dtstart=local, forceset=True)
        overrides = {
            json.dumps(e.get("originalStartTime"), sort_keys=True)
            for e in events.values() if e.get("recurringEventId") == parent["id"]
        }
        low = time_min or start - dt.timedelta(days=1)
        high = time_max or start + dt.timedelta(days=400)
        out = []
        for occurrence in itertools.islice(rules, 2000):
            if all_day:
                o_start = occurrence.replace(tzinfo=dt.UTC)
                original = {"date": occurrence.date().isoformat()}
                suffix = occurrence.strftime("%Y%m%d")
            else:
                o_start = occurrence.replace(tzinfo=zone)
                original = {"dateTime": o_start.isoformat(), "timeZone": zone.key}
                suffix = o_start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            o_end = o_start + (end - start)
            if o_start >= high:
                break
            if o_end <= low or json.dumps(original, sort_keys=True) in overrides:
                continue
            instance_id = f"{parent['id']}_{suffix}"
            if parent.get("status") == "cancelled":
                if show_deleted and incremental:
                    out.append({"id": instance_id, "status": "cancelled", "recurringEventId": parent["id"],
                                "originalStartTime": original, "_seq": parent["_seq"]})
                continue
            instance = {k: copy.deepcopy(v) for k, v in parent.items() if k not in ("recurrence",)}
            instance.update(id=instance_id, recurringEventId=parent["id"], originalStartTime=original)
            if all_day:
                instance["start"] = {"date": o_start.date().isoformat()}
                instance["end"] = {"date": o_end.date().isoformat()}
            else:
                instance["start"] = {"dateTime": o_start.isoformat(), "timeZone": zone.key}
                instance["end"] = {"dateTime": o_end.astimezone(zone).isoformat(), "timeZone": zone.key}
            out.append(instance)
        return out

    # -- batch ----------------------------------------------------------------------------------
    def _batch(self, number: int, content_type: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        message = email.parser.BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        boundary = "batch_" + uuid.uuid4().hex
        chunks = []
        for part in message.get_payload():
            content_id = part["Content-ID"] or ""
            payload = part.get_payload()
            if isinstance(payload, list):
                payload = payload[0].as_string()
            head, _, body = re.split(r"(\r?\n\r?\n)", payload, maxsplit=1) if re.search(r"\r?\n\r?\n", payload) else (payload, "", "")
            lines = head.splitlines()
            method, target, _version = lines[0].split(" ", 2)
            inner_headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            parts = urlsplit(target)
            status, result = self._api(
                method, parts.path, parse_qs(parts.query, keep_blank_values=True), body.strip().encode(),
                {k.lower(): v for k, v in inner_headers.items()}, batch=number,
            )
            text = "" if status == 204 or result is None else json.dumps(result)
            reason = {200: "OK", 204: "No Content"}.get(status, "Error")
            response_id = "<response-" + content_id[1:] if content_id.startswith("<") else content_id
            chunks.append(
                f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {response_id}\r\n\r\n"
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8\r\n"
                f"Content-Length: {len(text.encode())}\r\n\r\n{text}\r\n"
            )
        body = "".join(chunks) + f"--{boundary}--\r\n"
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, body.encode()

    # -- OAuth ----------------------------------------------------------------------------------
    def _auth(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        one = {k: v[-1] for k, v in query.items()}
        with self.lock:
            self.requests.append(Recorded("GET", "/auth", query, None, "auth"))
        redirect = one["redirect_uri"]
        if self.deny_consent:
            params = {"error": "access_denied", "state": one.get("state", "")}
        else:
            code = "code-" + secrets.token_hex(8)
            self.codes[code] = {
                "scope": self.granted_scope or one.get("scope", ""),
                "challenge": one.get("code_challenge", ""),
                "redirect_uri": redirect,
                "client_id": one.get("client_id", ""),
            }
            params = {"code": code, "state": one.get("state", ""), "scope": self.codes[code]["scope"]}
        return 302, {"Location": f"{redirect}?{urlencode(params, quote_via=quote)}"}, b""

    def _token(self, raw: bytes) -> tuple[int, Any]:
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        with self.lock:
            self.requests.append(Recorded("POST", "/token", {}, {k: v for k, v in form.items() if k not in ("client_secret",)}, "token"))
            grant = form.get("grant_type")
            if grant == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                access = f"fake-access-{next(self._ids)}"
                self.access_tokens.add(access)
                return 200, {"access_token": access, "expires_in": 3599, "token_type": "Bearer", "scope": form.get("scope", "")}
            if grant == "authorization_code":
                info = self.codes.pop(form.get("code", ""), None)
                if info is None or info["redirect_uri"] != form.get("redirect_uri"):
                    return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
                if info["challenge"]:
                    verifier = form.get("code_verifier", "")
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                    if digest != info["challenge"]:
                        return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
                access = f"fake-access-{next(self._ids)}"
                refresh = f"fake-refresh-{next(self._ids)}"
                self.access_tokens.add(access)
                self.refresh_tokens.add(refresh)
                return 200, {"access_token": access, "refresh_token": refresh, "expires_in": 3599,
                             "token_type": "Bearer", "scope": info["scope"]}
            return 400, {"error": "unsupported_grant_type"}

    def revoke_all(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()
            self.access_tokens.clear()


@contextmanager
def fake_google(**kwargs: Any) -> Iterator[FakeGoogle]:
    fake = FakeGoogle(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()


def token_file_info(fake: FakeGoogle, *, expired: bool = False, scopes: list[str] | None = None,
                    refresh_token: str = "fake-refresh-0") -> dict[str, Any]:
    """An authorized-user token file pointing at the fake's token endpoint."""
    expiry = dt.datetime.now(dt.UTC) + (dt.timedelta(hours=-1) if expired else dt.timedelta(hours=1))
    return {
        "token": "fake-access-0" if not expired else "stale-access",
        "refresh_token": refresh_token,
        "token_uri": fake.token_uri,
        "client_id": "fake-client.apps.googleusercontent.com",
        "client_secret": "fake-client-secret",
        "scopes": scopes or ["https://www.googleapis.com/auth/calendar.events.owned"],
        "universe_domain": "googleapis.com",
        "account": "",
        "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
