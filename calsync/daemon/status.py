"""`calsync status`: per calendar the last successful sync, errors, blocks owned and token expiry;
the daemon's state (running, next run, last cycle, rejected configuration edits, reports)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from calsync.config.models import Config
from calsync.daemon.health import HEALTHY, assess, read_status, status_path
from calsync.daemon.lock import current_holder, describe_holder, lock_path


def token_info(path: Path) -> dict[str, Any]:
    """What a Google token file says about expiry (never its contents)."""
    info: dict[str, Any] = {"file": str(path), "exists": path.exists()}
    if not info["exists"]:
        info["problem"] = "token file missing: run `calsync auth google`"
        return info
    info["private"] = (path.stat().st_mode & 0o077) == 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info["problem"] = "token file is not readable JSON"
        return info
    info["expiry"] = data.get("expiry") if isinstance(data, dict) else None
    info["refresh_token"] = bool(isinstance(data, dict) and data.get("refresh_token"))
    if not info["refresh_token"]:
        info["problem"] = "no refresh token: calsync cannot renew access; run `calsync auth google` again"
    elif not info["private"]:
        info["problem"] = "token file is readable by others: chmod 600"
    return info


def _describe_token(path: Path, ref: str) -> str | None:
    """The Google connector's own one-line summary, when it is installed."""
    try:
        from calsync.connectors.google.auth import describe_token
    except ImportError:
        return None
    return describe_token(path, ref)


def collect(config: Config, now: dt.datetime) -> dict[str, Any]:
    from calsync.state.store import Store

    holder = current_holder(lock_path(config.state_path))
    configured = config.file.daemon.health.file
    daemon_status = read_status(status_path(config.state_path, config.resolve(configured) if configured else None))
    running = bool(holder is not None and holder.get("role") == "daemon")
    health, reason = assess(daemon_status, now) if running else ("stopped", "the daemon is not running")
    daemon: dict[str, Any] = {
        "running": running,
        "lock": holder,
        "health": health,
        "reason": reason,
    }
    if daemon_status:
        for key in ("pid", "state", "started_at", "updated_at", "next_run_at", "last_success_at", "last_cycle", "report"):
            daemon[key] = daemon_status.get(key)
        daemon["config_errors"] = (daemon_status.get("config") or {}).get("errors") or []
    backoff = (daemon_status or {}).get("calendars") or {}
    data: dict[str, Any] = {"config": str(config.path), "state": str(config.state_path), "daemon": daemon, "calendars": [], "last_run": None}
    statuses: dict[str, dict[str, Any]] = {}
    blocks: list[Any] = []
    if config.state_path.exists():
        store = Store.open(config.state_path)
        try:
            statuses = store.calendar_statuses()
            blocks = store.all_blocks()
            runs = store.last_runs(1)
            data["last_run"] = runs[0] if runs else None
        finally:
            store.close()
    for partner, p in config.file.partners.items():
        for name, calendar in p.calendars.items():
            ref = f"{partner}/{name}"
            st = statuses.get(ref, {})
            entry: dict[str, Any] = {
                "calendar": ref,
                "source": calendar.source,
                "last_success": st.get("last_success"),
                "last_error": st.get("last_error"),
                "last_error_at": st.get("last_error_at"),
                "blocks_owned": sum(1 for b in blocks if str(b.ref) == ref and b.status == "active"),
                "released": sum(1 for b in blocks if str(b.ref) == ref and b.status == "released"),
                "backoff": backoff.get(ref) if (backoff.get(ref) or {}).get("consecutive_failures") else None,
            }
            token = getattr(calendar, "token", None)
            if token:
                entry["token"] = token_info(config.resolve(token))
                entry["token"]["summary"] = _describe_token(config.resolve(token), ref)
            data["calendars"].append(entry)
    return data


def healthy(data: dict[str, Any]) -> bool:
    return bool(data["daemon"]["running"] and data["daemon"]["health"] in HEALTHY)


def render(data: dict[str, Any]) -> str:
    lines = [f"calsync status — {data['config']} (state {data['state']})"]
    for problem in data.get("config_problems") or []:
        lines.append(f"configuration problem: {problem}")
    daemon = data["daemon"]
    if daemon["running"]:
        line = f"daemon: running, {describe_holder(daemon['lock'] or {})}; health {daemon['health']}"
        if daemon.get("reason"):
            line += f" ({daemon['reason']})"
        lines.append(line)
        if daemon.get("state") == "syncing":
            lines.append("  syncing now")
        elif daemon.get("next_run_at"):
            lines.append(f"  next run {daemon['next_run_at']}")
    elif daemon["lock"] is not None:
        lines.append(f"daemon: not running; the state is in use by {describe_holder(daemon['lock'])}")
    else:
        last = f" (last seen {daemon['updated_at']})" if daemon.get("updated_at") else ""
        lines.append(f"daemon: not running{last}")
    cycle = daemon.get("last_cycle")
    if cycle:
        lines.append(
            f"  last cycle #{cycle['number']} at {cycle['finished_at']}: {'ok' if cycle['ok'] else 'failed'}, "
            f"{cycle.get('created', 0)} created, {cycle.get('updated', 0)} updated, {cycle.get('deleted', 0)} deleted"
            + (f"; error: {cycle['error']}" if cycle.get("error") else "")
        )
    for problem in daemon.get("config_errors") or []:
        lines.append(f"  rejected configuration edit (the last good rules stay in force): {problem}")
    report = daemon.get("report") or {}
    if report:
        text = f"  weekly report: last written {report.get('last_written_at') or 'never'}"
        if report.get("next_due_at"):
            text += f", next due {report['next_due_at']}"
        if report.get("last_error"):
            text += f"; last error: {report['last_error']}"
        lines.append(text)
    if not Path(data["state"]).exists():
        lines.append(f"No state yet at {data['state']}: run `calsync sync` first.")
    for entry in data["calendars"]:
        line = (
            f"{entry['calendar']}: last sync {entry['last_success'] or 'never'}; "
            f"{entry['blocks_owned']} blocks owned, {entry['released']} released"
        )
        if entry.get("last_error"):
            line += f"; last error {entry['last_error_at']}: {entry['last_error']}"
        backoff = entry.get("backoff")
        if backoff:
            line += f"; backing off after {backoff['consecutive_failures']} failures"
            if backoff.get("retry_at"):
                line += f", next try {backoff['retry_at']}"
        lines.append(line)
        token = entry.get("token")
        if token:
            text = f"  token {token['file']}: "
            if token.get("summary"):
                text += token["summary"]
                if token.get("exists") and not token.get("refresh_token") and token.get("problem"):
                    text += f"; {token['problem']}"
            else:
                if token.get("expiry"):
                    text += f"access token expires {token['expiry']} (renewed automatically with the refresh token)"
                else:
                    text += "present" if token.get("exists") else "missing"
                if token.get("problem"):
                    text += f"; {token['problem']}"
            lines.append(text)
    run = data.get("last_run")
    if run:
        lines.append(f"last run: {run['command']} at {run['started_at']}, " + (
            "interrupted" if run["ok"] is None else ("ok" if run["ok"] else "failed")
        ))
    return "\n".join(lines)
