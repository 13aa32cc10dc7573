"""Numbered schema migrations; PRAGMA user_version holds the number applied last."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE blocks (
        calendar   TEXT NOT NULL,           -- "partner/calendar"
        key        TEXT NOT NULL,           -- deterministic block key
        rule       TEXT NOT NULL,
        remote_id  TEXT NOT NULL,           -- UID, href or Google event id
        start      TEXT NOT NULL,           -- ISO 8601, UTC
        end        TEXT NOT NULL,
        title      TEXT NOT NULL,
        status     TEXT NOT NULL,           -- active | released
        updated_at TEXT NOT NULL,
        PRIMARY KEY (calendar, key)
    );
    CREATE TABLE source_cache (
        calendar   TEXT NOT NULL,
        name       TEXT NOT NULL,
        value      BLOB,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (calendar, name)
    );
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        command     TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        ok          INTEGER,
        created     INTEGER DEFAULT 0,
        updated     INTEGER DEFAULT 0,
        deleted     INTEGER DEFAULT 0,
        unchanged   INTEGER DEFAULT 0,
        failed      TEXT
    );
    CREATE TABLE calendar_status (
        calendar      TEXT PRIMARY KEY,
        last_success  TEXT,
        last_error    TEXT,
        last_error_at TEXT
    );
    """,
]

LATEST = len(MIGRATIONS)
