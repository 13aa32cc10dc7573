"""SQLite store. One connection per process; every write is its own short transaction so a killed
run leaves a consistent database (the calendars, not this file, are the truth for what exists)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calsync.errors import StateError
from calsync.model import Block, CalendarRef, OwnedBlock
from calsync.state.migrations import LATEST, MIGRATIONS


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class BlockRecord:
    ref: CalendarRef
    key: str
    rule: str
    remote_id: str
    start: dt.datetime
    end: dt.datetime
    title: str
    status: str  # active | released
    updated_at: str

    @property
    def released(self) -> bool:
        return self.status == "released"


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        try:
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.Error as exc:
            raise StateError(f"cannot open state database {path}: {exc}") from None
        store = cls(conn, None if str(path) == ":memory:" else path)
        store._migrate()
        return store

    @classmethod
    def memory(cls) -> Store:
        return cls.open(Path(":memory:"))

    def close(self) -> None:
        self.conn.close()

    def _migrate(self) -> None:
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state database {self.path} is not usable: {exc}") from None
        if version > LATEST:
            raise StateError(
                f"state database {self.path} was written by a newer calsync (schema {version} > {LATEST}); upgrade calsync"
            )
        for number in range(version, LATEST):
            # executescript commits first, so the migration carries its own transaction
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version={number + 1};\nCOMMIT;")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- blocks -------------------------------------------------------------------------------
    def blocks(self, ref: CalendarRef) -> dict[str, BlockRecord]:
        rows = self.conn.execute(
            "SELECT key, rule, remote_id, start, end, title, status, updated_at FROM blocks WHERE calendar=?",
            (str(ref),),
        ).fetchall()
        return {
            r[0]: BlockRecord(ref, r[0], r[1], r[2], dt.datetime.fromisoformat(r[3]), dt.datetime.fromisoformat(r[4]), r[5], r[6], r[7])
            for r in rows
        }

    def all_blocks(self) -> list[BlockRecord]:
        rows = self.conn.execute("SELECT calendar FROM blocks GROUP BY calendar").fetchall()
        out: list[BlockRecord] = []
        for (calendar,) in rows:
            partner, _, name = calendar.partition("/")
            out.extend(self.blocks(CalendarRef(partner, name)).values())
        return out

    def record_block(self, item: Block | OwnedBlock, remote_id: str, status: str = "active") -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO blocks (calendar, key, rule, remote_id, start, end, title, status, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(calendar, key) DO UPDATE SET rule=excluded.rule, "
                "remote_id=excluded.remote_id, start=excluded.start, end=excluded.end, title=excluded.title, "
                "status=excluded.status, updated_at=excluded.updated_at",
                (str(item.ref), item.key, item.rule, remote_id, _iso(item.start), _iso(item.end), item.title, status, _now()),
            )

    def mark_released(self, ref: CalendarRef, key: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE blocks SET status='released', updated_at=? WHERE calendar=? AND key=?", (_now(), str(ref), key)
            )

    def forget_block(self, ref: CalendarRef, key: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM blocks WHERE calendar=? AND key=?", (str(ref), key))

    # -- source caches ------------------------------------------------------------------------
    def cache(self, ref: CalendarRef) -> SourceCache:
        return SourceCache(self, str(ref))

    def cache_get(self, calendar: str, name: str) -> bytes | None:
        row = self.conn.execute("SELECT value FROM source_cache WHERE calendar=? AND name=?", (calendar, name)).fetchone()
        return None if row is None else bytes(row[0]) if row[0] is not None else None

    def cache_put(self, calendar: str, name: str, value: bytes | None) -> None:
        with self._tx() as conn:
            if value is None:
                conn.execute("DELETE FROM source_cache WHERE calendar=? AND name=?", (calendar, name))
            else:
                conn.execute(
                    "INSERT INTO source_cache (calendar, name, value, updated_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(calendar, name) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                    (calendar, name, value, _now()),
                )

    # -- runs and calendar health -------------------------------------------------------------
    RUNS_KEPT = 2000  # about a week of 5-minute daemon cycles; older run records are pruned

    def start_run(self, command: str) -> int:
        with self._tx() as conn:
            cur = conn.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, _now()))
            run_id = int(cur.lastrowid or 0)
            conn.execute("DELETE FROM runs WHERE id <= ?", (run_id - self.RUNS_KEPT,))
            return run_id

    def finish_run(self, run_id: int, ok: bool, counts: dict[str, int], failed: list[dict[str, str]]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE runs SET finished_at=?, ok=?, created=?, updated=?, deleted=?, unchanged=?, failed=? WHERE id=?",
                (
                    _now(), int(ok), counts.get("created", 0), counts.get("updated", 0), counts.get("deleted", 0),
                    counts.get("unchanged", 0), json.dumps(failed), run_id,
                ),
            )

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT id, command, started_at, finished_at, ok, created, updated, deleted, unchanged, failed "
            "FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def calendar_ok(self, ref: CalendarRef) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO calendar_status (calendar, last_success) VALUES (?, ?) "
                "ON CONFLICT(calendar) DO UPDATE SET last_success=excluded.last_success, last_error=NULL, last_error_at=NULL",
                (str(ref), _now()),
            )

    def calendar_failed(self, ref: CalendarRef, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO calendar_status (calendar, last_error, last_error_at) VALUES (?, ?, ?) "
                "ON CONFLICT(calendar) DO UPDATE SET last_error=excluded.last_error, last_error_at=excluded.last_error_at",
                (str(ref), error, _now()),
            )

    def calendar_statuses(self) -> dict[str, dict[str, str | None]]:
        rows = self.conn.execute("SELECT calendar, last_success, last_error, last_error_at FROM calendar_status").fetchall()
        return {r[0]: {"last_success": r[1], "last_error": r[2], "last_error_at": r[3]} for r in rows}


class SourceCache:
    """A calendar's private key/value corner of the state (ETags, sync tokens, parsed caches)."""

    def __init__(self, store: Store | None, calendar: str) -> None:
        self._store = store
        self._calendar = calendar
        self._memory: dict[str, bytes] = {}

    def get(self, name: str) -> bytes | None:
        if self._store is None:
            return self._memory.get(name)
        return self._store.cache_get(self._calendar, name)

    def put(self, name: str, value: bytes | None) -> None:
        if self._store is None:
            if value is None:
                self._memory.pop(name, None)
            else:
                self._memory[name] = value
            return
        self._store.cache_put(self._calendar, name, value)

    def get_json(self, name: str) -> Any:
        raw = self.get(name)
        return None if raw is None else json.loads(raw)

    def put_json(self, name: str, value: Any) -> None:
        self.put(name, None if value is None else json.dumps(value).encode())
