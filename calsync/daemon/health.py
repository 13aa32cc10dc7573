"""The health signal a supervisor can use: a JSON status file and an optional HTTP endpoint.

The status file (default `<state>.status.json`) is rewritten after every step; `calsync status`
reads it. With `daemon.health.listen` set, a small HTTP server answers:
  GET /healthz  → 200 {"health": "ok"|"degraded", ...} or 503 when stale or failing
  GET /metrics  → Prometheus text format
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from calsync.connectors.atomic import atomic_write

log = logging.getLogger(__name__)

HEALTHY = ("ok", "degraded")


def is_loopback(listen: str) -> bool:
    host = listen.rpartition(":")[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def status_path(state_path: Path, configured: Path | None = None) -> Path:
    return configured if configured is not None else Path(f"{state_path}.status.json")


def write_status(path: Path, status: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(status, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o640)


def read_status(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _parse(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def assess(status: dict[str, Any] | None, now: dt.datetime) -> tuple[str, str]:
    """(health, reason): ok | degraded (running, something needs attention) | stale | failing | stopped."""
    if not status:
        return "stopped", "no daemon status yet"
    if status.get("state") == "stopped":
        return "stopped", f"the daemon stopped at {status.get('updated_at')}"
    interval = float(status.get("interval_seconds") or 300)
    heartbeat = _parse(status.get("updated_at"))
    last_cycle = status.get("last_cycle") or {}
    finished = _parse(last_cycle.get("finished_at"))
    started = _parse(status.get("started_at"))
    # A cycle should finish at least every interval; allow three, plus slack for slow calendars.
    limit = dt.timedelta(seconds=3 * interval + 120)
    reference = finished or started
    if reference is None or now - reference > limit or (heartbeat and now - heartbeat > limit):
        return "stale", f"no sync cycle finished since {reference.isoformat(timespec='seconds') if reference else 'start'}"
    calendars = status.get("calendars") or {}
    failing = sorted(ref for ref, c in calendars.items() if c.get("consecutive_failures"))
    if calendars and len(failing) == len(calendars):
        return "failing", "every calendar is failing: " + ", ".join(failing)
    reasons = []
    if failing:
        reasons.append("failing: " + ", ".join(failing))
    if (status.get("config") or {}).get("errors"):
        reasons.append("configuration edit rejected; the last good rules are in force")
    if (status.get("report") or {}).get("last_error"):
        reasons.append("the last weekly report failed")
    return ("degraded", "; ".join(reasons)) if reasons else ("ok", "")


class HealthServer:
    """GET /healthz and /metrics on a background thread."""

    def __init__(self, listen: str, status: Callable[[], dict[str, Any]], metrics: Callable[[], str]) -> None:
        host, _, port = listen.rpartition(":")
        host = host.strip("[]")
        status_fn, metrics_fn = status, metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                if path in ("/healthz", "/health", "/"):
                    snapshot = status_fn()
                    health, reason = assess(snapshot, dt.datetime.now(dt.UTC))
                    body = json.dumps({"health": health, "reason": reason, "next_run_at": snapshot.get("next_run_at")})
                    self._send(200 if health in HEALTHY else 503, "application/json", body)
                elif path == "/metrics":
                    self._send(200, "text/plain; version=0.0.4", metrics_fn())
                else:
                    self._send(404, "text/plain", "not found\n")

            def _send(self, code: int, kind: str, body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("health: " + format, *args)

        self.server = ThreadingHTTPServer((host, int(port)), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="calsync-health", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
