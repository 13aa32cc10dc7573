"""The health signal and metrics a supervisor reads."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from calsync.config import load_config
from calsync.daemon.health import HealthServer, assess
from calsync.daemon.loop import Daemon, DaemonOptions
from calsync.daemon.metrics import Metrics

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _status(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "state": "sleeping",
        "interval_seconds": 300,
        "started_at": (NOW - dt.timedelta(hours=1)).isoformat(),
        "updated_at": (NOW - dt.timedelta(minutes=1)).isoformat(),
        "last_cycle": {"finished_at": (NOW - dt.timedelta(minutes=2)).isoformat(), "ok": True},
        "calendars": {"a/work": {"consecutive_failures": 0}, "b/work": {"consecutive_failures": 0}},
        "config": {"errors": []},
        "report": {},
    }
    base.update(changes)
    return base


def test_assess_names_what_needs_attention() -> None:
    assert assess(_status(), NOW) == ("ok", "")
    health, reason = assess(_status(calendars={"a/work": {"consecutive_failures": 3}, "b/work": {}}), NOW)
    assert health == "degraded" and "a/work" in reason
    assert assess(_status(config={"errors": ["rules.yaml:3: bad"]}), NOW)[0] == "degraded"
    assert assess(_status(calendars={"a/work": {"consecutive_failures": 1}}), NOW)[0] == "failing"
    stale = _status(last_cycle={"finished_at": (NOW - dt.timedelta(hours=2)).isoformat()})
    assert assess(stale, NOW)[0] == "stale"
    assert assess(_status(state="stopped"), NOW)[0] == "stopped"
    assert assess(None, NOW)[0] == "stopped"


def test_metrics_text_format() -> None:
    metrics = Metrics()
    metrics.inc("calsync_syncs_total")
    metrics.inc("calsync_writes_total", 3, action="create")
    metrics.inc("calsync_calendar_failures_total", calendar='sam/"home"')
    metrics.observe("calsync_sync_duration_seconds", 0.5)
    metrics.observe("calsync_sync_duration_seconds", 1.25)
    metrics.set("calsync_last_success_timestamp_seconds", 1764147600.0)
    text = metrics.render()
    assert "# TYPE calsync_syncs_total counter\ncalsync_syncs_total 1\n" in text
    assert 'calsync_writes_total{action="create"} 3\n' in text
    assert 'calsync_calendar_failures_total{calendar="sam/\\"home\\""} 1\n' in text
    assert "calsync_sync_duration_seconds_sum 1.75\ncalsync_sync_duration_seconds_count 2\n" in text
    assert "calsync_last_success_timestamp_seconds 1764147600\n" in text
    assert "calsync_sync_failures_total 0\n" in text  # counters exist from the start
    for line in text.splitlines():  # every sample line is NAME[{labels}] VALUE
        if not line.startswith("#"):
            float(line.rpartition(" ")[2])


def test_http_endpoint_serves_health_and_metrics() -> None:
    metrics = Metrics()
    metrics.inc("calsync_syncs_total")
    fresh = _status(updated_at=dt.datetime.now(dt.UTC).isoformat(), last_cycle={"finished_at": dt.datetime.now(dt.UTC).isoformat()})
    current = {"status": fresh}
    server = HealthServer("127.0.0.1:0", lambda: current["status"], metrics.render).start()
    try:
        base = f"http://{server.address}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read())["health"] == "ok"
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            assert b"calsync_syncs_total 1" in response.read()
        current["status"] = _status(state="stopped")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=10)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
    finally:
        server.stop()


def test_a_cycle_updates_metrics_and_the_status_file(household: Path) -> None:
    daemon = Daemon(load_config(household, {}), {}, DaemonOptions(once=True))
    assert daemon.run() == 0
    snapshot = daemon.metrics.snapshot()
    assert snapshot["calsync_syncs_total"] == 1
    assert snapshot['calsync_writes_total{action="create"}'] > 0
    assert snapshot['calsync_owned_blocks{calendar="alex/work"}'] > 0
    assert snapshot["calsync_up"] == 0  # stopped
    status = json.loads(Path(f"{household.parent / 'state.db'}.status.json").read_text())
    assert status["state"] == "stopped" and status["last_cycle"]["ok"] is True
    assert (Path(f"{household.parent / 'state.db'}.status.json").stat().st_mode & 0o007) == 0


def test_loopback_detection() -> None:
    from calsync.daemon.health import is_loopback

    assert is_loopback("127.0.0.1:9464") and is_loopback("[::1]:9464") and is_loopback("localhost:1")
    assert not is_loopback("0.0.0.0:9464") and not is_loopback("192.168.1.2:80")


def test_the_watcher_sees_same_size_edits_and_new_rule_files(tmp_path: Path) -> None:
    """An edit that keeps size and modification time, and a new file matching a rules glob, both count."""
    import os

    from calsync.daemon.watch import fingerprint

    (tmp_path / "rules").mkdir()
    rules = tmp_path / "rules" / "a.yaml"
    rules.write_text('no_work_zones:\n  - {name: z, who: [alex], days: [mon], time: "18:30-20:00"}\n')
    config = tmp_path / "calsync.yaml"
    config.write_text("timezone: UTC\nrules: [rules/*.yaml]\npartners:\n  alex:\n    calendars:\n      w: {source: ics, path: w.ics, write: true}\n")
    loaded = load_config(config, {})
    before = fingerprint(loaded)
    stat = rules.stat()
    rules.write_text(rules.read_text().replace("18:30", "18:00"))
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert fingerprint(loaded) != before
    edited = fingerprint(loaded)
    (tmp_path / "rules" / "b.yaml").write_text("rituals: []\n")
    assert fingerprint(loaded) != edited
