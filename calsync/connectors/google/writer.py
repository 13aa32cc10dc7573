"""Apply calsync's changes to a Google calendar, in batches, safely.

Every change becomes a small sequence of calls, sent in rounds of batches of at most 50:
- create → insert with the block's deterministic id. A 409 means the id exists: get it; if it is
  calsync's own and cancelled, restore it with update; if it is live, patch it; if it is not
  ours or cannot be restored, insert under the next generation id (`key` + `g<n>`);
- update → patch the owned event; delete → delete it (already gone counts as done).
Rate limits, 429 and 5xx on a call are retried in the next round after a backoff, within a bound.
Updates and deletes go only to ids the last read showed to be calsync's (tag *and* key-derived id).
Writes never notify anyone: `sendUpdates=none`, no attendees, no reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from calsync.connectors.base import Outcome
from calsync.connectors.google import events as gev
from calsync.connectors.google.client import (
    MAX_BATCH,
    RetryPolicy,
    error_message,
    error_reason,
    is_retryable,
    run_batch,
)
from calsync.model import Change

log = logging.getLogger(__name__)

MAX_GENERATION = 5
MAX_ROUNDS = 40


@dataclass
class Task:
    index: int
    change: Change
    op: str  # insert | get | restore | patch | delete
    event_id: str
    generation: int = 0
    event_type: str = "default"
    attempts: int = 0
    done: bool = False
    ok: bool = False
    remote_id: str = ""
    error: str = ""
    existing_type: str = "default"

    def finish(self, ok: bool, remote_id: str = "", error: str = "") -> None:
        self.done, self.ok, self.remote_id, self.error = True, ok, remote_id, error


@dataclass
class WriteStats:
    batch_requests: int = 0
    calls: int = 0
    status_event_fallbacks: int = 0
    generations_bumped: int = 0
    notes: list[str] = field(default_factory=list)


class Writer:
    def __init__(
        self,
        service: Any,
        batch_uri: str,
        calendar_id: str,
        tz: ZoneInfo,
        known: Mapping[str, Mapping[str, Any]],
        policy: RetryPolicy,
        *,
        event_type: Callable[[Change], str],
        auto_decline: bool,
        on_status_unsupported: Callable[[], None],
    ) -> None:
        self.service = service
        self.batch_uri = batch_uri
        self.calendar_id = calendar_id
        self.tz = tz
        self.known = known  # event id → event, from the last read
        self.policy = policy
        self.event_type = event_type
        self.auto_decline = auto_decline
        self.on_status_unsupported = on_status_unsupported
        self.stats = WriteStats()

    # -- planning each change ------------------------------------------------------------------
    def _owned_ids(self, key: str) -> list[tuple[int, str, Mapping[str, Any]]]:
        out = []
        for event_id, event in self.known.items():
            gen = gev.generation_of(key, event_id)
            if gen is not None and gev.owned_key(event) == key:
                out.append((gen, event_id, event))
        return sorted(out)

    def _first_task(self, index: int, change: Change) -> Task:
        if change.action in ("update", "delete"):
            existing = change.existing
            remote_id = existing.remote_id if existing is not None else ""
            event = self.known.get(remote_id)
            if event is None or gev.owned_key(event) != change.key:
                task = Task(index, change, "none", remote_id)
                task.finish(False, error=f"refusing to change event {remote_id or '?'}: the last read did not show it as calsync's")
                return task
            return Task(index, change, "patch" if change.action == "update" else "delete", remote_id)
        # create
        kind = self.event_type(change)
        ids = self._owned_ids(change.key)
        if ids:
            gen, event_id, event = ids[-1]
            op = "restore" if event.get("status") == "cancelled" else "patch"
            task = Task(index, change, op, event_id, generation=gen, event_type=kind)
            task.existing_type = str(event.get("eventType") or "default")
            return task
        return Task(index, change, "insert", gev.event_id(change.key), event_type=kind)

    # -- requests ------------------------------------------------------------------------------
    def _body(self, task: Task, event_type: str) -> dict[str, Any]:
        assert task.change.block is not None
        return gev.block_body(task.change.block, self.tz, event_type=event_type, auto_decline=self.auto_decline)

    def _request(self, task: Task) -> Any:
        events = self.service.events()
        cal = self.calendar_id
        if task.op == "insert":
            body = self._body(task, task.event_type)
            body["id"] = task.event_id
            return events.insert(calendarId=cal, body=body, sendUpdates="none")
        if task.op == "get":
            return events.get(calendarId=cal, eventId=task.event_id)
        if task.op == "restore":
            body = self._body(task, task.existing_type)
            body["id"] = task.event_id
            return events.update(calendarId=cal, eventId=task.event_id, body=body, sendUpdates="none")
        if task.op == "patch":
            body = self._body(task, "default")
            body.pop("eventType", None)  # an event's type cannot change after creation
            return events.patch(calendarId=cal, eventId=task.event_id, body=body, sendUpdates="none")
        if task.op == "delete":
            return events.delete(calendarId=cal, eventId=task.event_id, sendUpdates="none")
        raise AssertionError(task.op)

    # -- outcomes ------------------------------------------------------------------------------
    def _bump(self, task: Task, why: str) -> None:
        if task.generation + 1 > MAX_GENERATION:
            task.finish(False, error=f"cannot create event {task.event_id}: {why}, and no spare id is left")
            return
        task.generation += 1
        self.stats.generations_bumped += 1
        log.info("%s: event id %s is unusable (%s); using the next id", self.calendar_id, task.event_id, why)
        task.event_id = gev.event_id(task.change.key, task.generation)
        task.op = "insert"
        task.attempts = 0

    def _handle_ok(self, task: Task, response: Any) -> None:
        if task.op == "get":
            event = response or {}
            if gev.owned_key(event) == task.change.key:
                task.existing_type = str(event.get("eventType") or "default")
                task.op = "restore" if event.get("status") == "cancelled" else "patch"
                task.attempts = 0
            else:
                self._bump(task, "the id belongs to an event calsync does not own")
            return
        remote_id = task.event_id
        if isinstance(response, dict) and response.get("id"):
            remote_id = str(response["id"])
        task.finish(True, remote_id=remote_id)

    def _handle_error(self, task: Task, exc: BaseException, retry: list[Task]) -> None:
        if isinstance(exc, HttpError):
            status, reason = exc.status_code, error_reason(exc)
            if is_retryable(exc):
                task.attempts += 1
                if task.attempts >= self.policy.attempts:
                    task.finish(False, error=f"{task.op} gave up after {task.attempts} tries: {error_message(exc)}")
                else:
                    retry.append(task)
                return
            if task.op == "insert" and status == 409:
                task.op, task.attempts = "get", 0
                return
            if task.op == "insert" and status == 400 and task.event_type in gev.STATUS_EVENT_TYPES:
                log.warning(
                    "%s: %s events are not supported on this calendar (%s); writing a normal busy event",
                    self.calendar_id, task.event_type, error_message(exc),
                )
                self.stats.status_event_fallbacks += 1
                self.on_status_unsupported()
                task.event_type = "default"
                return
            if task.op == "get" and status in (404, 410):
                self._bump(task, f"HTTP {status} on get")
                return
            if task.op == "restore" and status in (400, 403, 404, 410):
                self._bump(task, f"restoring failed with {error_message(exc)}")
                return
            if task.op == "delete" and status in (404, 410):
                task.finish(True, remote_id=task.event_id)  # already gone
                return
            if task.op == "patch" and status in (404, 410):
                task.finish(False, error=f"event {task.event_id} vanished before it could be updated ({error_message(exc)})")
                return
            task.finish(False, error=f"{task.op} {task.event_id}: {error_message(exc)}" + (f" ({reason})" if reason else ""))
            return
        if is_retryable(exc):
            task.attempts += 1
            if task.attempts >= self.policy.attempts:
                task.finish(False, error=f"{task.op} gave up: {type(exc).__name__}: {exc}")
            else:
                retry.append(task)
            return
        task.finish(False, error=f"{task.op} {task.event_id}: {type(exc).__name__}: {exc}")

    # -- the loop ------------------------------------------------------------------------------
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        tasks = [self._first_task(i, c) for i, c in enumerate(changes)]
        backoff = 0
        for _round in range(MAX_ROUNDS):
            pending = [t for t in tasks if not t.done]
            if not pending:
                break
            retry: list[Task] = []
            for start in range(0, len(pending), MAX_BATCH):
                chunk = pending[start : start + MAX_BATCH]
                calls = [(str(t.index), self._request(t)) for t in chunk]
                self.stats.calls += len(calls)
                try:
                    result = run_batch(self.service, self.batch_uri, calls, self.policy, self._count_batch)
                except RefreshError as exc:
                    for task in chunk:
                        task.finish(False, error=f"Google refused the stored authorization: {exc}")
                    continue
                except Exception as exc:
                    message = error_message(exc) if isinstance(exc, HttpError) else f"{type(exc).__name__}: {exc}"
                    for task in chunk:
                        task.finish(False, error=f"batch request failed: {message}")
                    continue
                for task in chunk:
                    rid = str(task.index)
                    if rid in result.errors:
                        self._handle_error(task, result.errors[rid], retry)
                    else:
                        self._handle_ok(task, result.responses.get(rid))
            if retry:
                self.policy.wait(backoff)
                backoff += 1
        for task in tasks:
            if not task.done:
                task.finish(False, error=f"{task.op} {task.event_id} did not finish")
        return [Outcome(t.change, t.ok, remote_id=t.remote_id, error=t.error) for t in tasks]

    def _count_batch(self) -> None:
        self.stats.batch_requests += 1
