"""The state database: versioned schema, private file, bounded run history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from calsync.errors import StateError
from calsync.state.migrations import LATEST
from calsync.state.store import Store


def test_new_state_is_private_and_at_the_latest_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state" / "state.db")
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    store.close()
    assert (tmp_path / "state" / "state.db").stat().st_mode & 0o077 == 0
    assert (tmp_path / "state").stat().st_mode & 0o077 == 0


def test_state_from_a_newer_calsync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={LATEST + 1}")
    conn.close()
    with pytest.raises(StateError, match="newer calsync"):
        Store.open(path)


def test_run_history_is_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(tmp_path / "state.db")
    monkeypatch.setattr(Store, "RUNS_KEPT", 5)
    for _ in range(12):
        store.finish_run(store.start_run("sync"), True, {}, [])
    assert store.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 5
    assert store.last_runs(1)[0]["id"] == 12
