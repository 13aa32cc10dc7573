"""The daemon's loop: sync every interval, back off per calendar, reload rules, write reports.

    lock the state → [reload if asked or changed] → sync cycle → weekly report if due → sleep → …

Every step records itself in the status file; SIGTERM/SIGINT end the loop (exit 0) after the
calendar write in progress, SIGHUP reloads before the next cycle.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calsync import logs
from calsync.config.loader import load_config
from calsync.config.models import Config
from calsync.config.secrets import config_secrets
from calsync.daemon import weekly_report
from calsync.daemon.backoff import Backoff
from calsync.daemon.health import HealthServer, is_loopback, status_path, write_status
from calsync.daemon.lock import StateLock, lock_path
from calsync.daemon.metrics import Metrics
from calsync.daemon.signals import Control, StopRequested, handling
from calsync.daemon.watch import Fingerprint, fingerprint
from calsync.errors import CalsyncError, ConfigError, ExitStatus, StateError
from calsync.model import CalendarRef
from calsync.service import Household

log = logging.getLogger(__name__)

WATCH_EVERY = 2.0  # seconds between checks for edited rule files while waiting
TICK = 1.0  # longest single sleep, so SIGHUP is noticed within a second (SIGTERM interrupts at once)


def _utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


@dataclass
class DaemonOptions:
    interval: float | None = None  # --interval; None: daemon.interval from the config
    once: bool = False
    now_offset: dt.timedelta = dt.timedelta(0)  # --now: the clock starts there and runs on
    seed: int | None = None


@dataclass
class CycleRecord:
    number: int
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    ok: bool = False
    duration_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "ok": self.ok,
            "duration_seconds": round(self.duration_seconds, 3),
            **self.counts,
            "failed": self.failed,
            "skipped": self.skipped,
            "error": self.error,
        }


class Daemon:
    def __init__(self, config: Config, env: Mapping[str, str], options: DaemonOptions | None = None) -> None:
        self.config = config
        self.env = dict(env)
        self.options = options or DaemonOptions()
        self.control = Control()
        self.metrics = Metrics()
        self.random = random.Random(self.options.seed)
        self.backoff = Backoff(self.interval, config.file.daemon.backoff_max)
        self.fingerprint: Fingerprint = fingerprint(config)
        self.config_loaded_at = _utc()
        self.config_errors: list[str] = []
        self.started_at = _utc()
        self.state = "starting"
        self.cycles = 0
        self.last_cycle: CycleRecord | None = None  # the last one that finished
        self.current_cycle: CycleRecord | None = None
        self.last_success_at: dt.datetime | None = None
        self.next_run_at: dt.datetime | None = None
        self.report: dict[str, Any] = {}
        self._household: Household | None = None
        self._health: HealthServer | None = None
        self._snapshot: dict[str, Any] = {}
        self._status_warned = False
        self._reload_pending = False

    # -- settings ------------------------------------------------------------------------------
    @property
    def settings(self) -> Any:
        return self.config.file.daemon

    @property
    def interval(self) -> float:
        return float(self.options.interval or self.config.file.daemon.interval)

    @property
    def status_file(self) -> Path:
        configured = self.settings.health.file
        return status_path(self.config.state_path, self.config.resolve(configured) if configured else None)

    def now(self) -> dt.datetime:
        """The household's "now" for syncs and reports (shifted by --now, running in real time)."""
        return dt.datetime.now(self.config.tz) + self.options.now_offset

    # -- running -------------------------------------------------------------------------------
    def run(self) -> ExitStatus:
        lock = StateLock(lock_path(self.config.state_path), "daemon").acquire()
        try:
            with handling(self.control):
                try:
                    return self._run()
                except StopRequested as stop:
                    log.info("received %s: stopped cleanly", stop.signame)
                    return ExitStatus.OK
                finally:
                    self._shutdown()
        finally:
            lock.release()

    def _run(self) -> ExitStatus:
        logs.register_secrets(config_secrets(self.config, self.env))
        if self.settings.health.listen and not self.options.once:
            try:
                self._health = HealthServer(self.settings.health.listen, lambda: self._snapshot, self.metrics.render).start()
            except OSError as exc:
                raise StateError(f"cannot serve health on {self.settings.health.listen}: {exc}") from None
            log.info("health endpoint on http://%s/healthz and /metrics", self._health.address)
            if not is_loopback(self.settings.health.listen):
                log.warning("the health endpoint has no authentication; %s is reachable beyond this machine", self._health.address)
        log.info(
            "calsync daemon started (PID %d): %s, every %gs, state %s",
            os.getpid(), self.config.path, self.interval, self.config.state_path,
        )
        while True:
            self._maybe_reload()
            ok = self.cycle()
            self._maybe_report()
            if self.options.once:
                return ExitStatus.OK if ok else ExitStatus.RUNTIME_FAILURE
            self._sleep()

    def _shutdown(self) -> None:
        self.control.stop_signal = self.control.stop_signal or "shutdown"  # later signals must not cut this short
        self.state = "stopped"
        self.next_run_at = None
        if self._health is not None:
            self._health.stop()
            self._health = None
        self._close_household()
        self.metrics.set("calsync_up", 0)
        self._write_status()

    def _open_household(self) -> Household:
        if self._household is None:
            self._household = Household.open(self.config, self.env)
        return self._household

    def _close_household(self) -> None:
        if self._household is not None:
            household, self._household = self._household, None
            try:
                household.close()
            except Exception:  # closing is best effort
                log.debug("closing the household failed", exc_info=True)

    # -- one sync cycle ------------------------------------------------------------------------
    def cycle(self) -> bool:
        self.cycles += 1
        record = CycleRecord(self.cycles, _utc())
        self.current_cycle = record
        self.state = "syncing"
        self._write_status()
        started = time.monotonic()
        household: Household | None = None
        try:
            household = self._open_household()
            refs = [str(r) for r in household.refs()]
            reasons = self.backoff.skip_reasons(refs, _utc())
            for ref, reason in reasons.items():
                log.warning("%s: skipped, %s", ref, reason)
            skip = {CalendarRef(*ref.split("/", 1)): reason for ref, reason in reasons.items()}
            log.debug("cycle %d started", record.number)
            _, result = household.sync(self.now(), skip=skip)
        except CalsyncError as exc:
            record.error = exc.user_message()
            log.error("sync cycle %d failed: %s", record.number, record.error)
            self._close_household()
            result = None
        except Exception as exc:  # keep running for months: one bad cycle must not end the daemon
            record.error = f"{type(exc).__name__}: {exc}"
            log.exception("sync cycle %d failed unexpectedly", record.number)
            self._close_household()
            result = None
        record.finished_at = _utc()
        record.duration_seconds = time.monotonic() - started
        self.metrics.inc("calsync_syncs_total")
        self.metrics.observe("calsync_sync_duration_seconds", record.duration_seconds)
        self.metrics.set("calsync_last_sync_duration_seconds", record.duration_seconds)
        if result is not None and household is not None:
            record.counts = result.counts()
            record.failed = result.failed
            record.skipped = sorted(reasons)
            record.ok = result.ok
            self._account(household, refs, reasons, result.failed)
            for action in ("created", "updated", "deleted"):
                self.metrics.inc("calsync_writes_total", getattr(result, action), action=action.removesuffix("d"))
            log.info(
                "cycle %d: %d created, %d updated, %d deleted, %d unchanged, %d failed (%.2fs)",
                record.number, result.created, result.updated, result.deleted, result.unchanged,
                len(result.failed), record.duration_seconds,
            )
            for failure in result.failed:
                if f"{failure['partner']}/{failure['calendar']}" not in reasons:
                    log.warning("%s/%s: %s", failure["partner"], failure["calendar"], failure["error"])
        self.last_cycle, self.current_cycle = record, None
        if record.ok:
            self.last_success_at = record.finished_at
            self.metrics.set("calsync_last_success_timestamp_seconds", record.finished_at.timestamp())
        else:
            self.metrics.inc("calsync_sync_failures_total")
        self._write_status()
        return record.ok

    def _account(self, household: Household, refs: list[str], skipped: Mapping[str, str], failed: list[dict[str, str]]) -> None:
        """Per-calendar backoff and metrics after a cycle."""
        errors = {f"{f['partner']}/{f['calendar']}": f["error"] for f in failed if f["partner"] != "*"}
        now = _utc()
        for ref in refs:
            if ref in skipped:
                pass
            elif ref in errors:
                health = self.backoff.failure(ref, errors[ref], now)
                self.metrics.inc("calsync_calendar_failures_total", calendar=ref)
                if health.retry_at:
                    log.warning(
                        "%s failed %d times in a row; next try at %s", ref, health.consecutive_failures, _iso(health.retry_at)
                    )
            else:
                self.backoff.success(ref, now)
            self.metrics.set("calsync_calendar_backoff_seconds", self.backoff.seconds_until_retry(ref, now), calendar=ref)
        counts = dict.fromkeys(refs, 0)
        for block in household.store.all_blocks():
            if block.status == "active" and str(block.ref) in counts:
                counts[str(block.ref)] += 1
        for ref, count in counts.items():
            self.metrics.set("calsync_owned_blocks", count, calendar=ref)

    # -- waiting, reloading --------------------------------------------------------------------
    def _sleep(self) -> None:
        jitter = self.settings.jitter
        delay = max(1.0, self.interval * (1 + self.random.uniform(-jitter, jitter)))
        self.state = "sleeping"
        self.next_run_at = _utc() + dt.timedelta(seconds=delay)
        self._write_status()
        deadline = time.monotonic() + delay
        next_check = time.monotonic() + WATCH_EVERY
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, TICK))
            if self.control.reload_requested:
                return
            if self.settings.watch and time.monotonic() >= next_check:
                next_check = time.monotonic() + WATCH_EVERY
                if fingerprint(self.config) != self.fingerprint:
                    self._reload_pending = True
                    return

    def _maybe_reload(self) -> None:
        hup = self.control.take_reload()
        pending, self._reload_pending = self._reload_pending, False
        current = fingerprint(self.config)
        changed = pending or (self.settings.watch and current != self.fingerprint)
        if not (hup or changed):
            return
        self.fingerprint = current  # the same broken edit is reported once, not every cycle
        why = "SIGHUP" if hup else "a configuration file changed"
        try:
            new = load_config(self.config.path, self.env)
        except ConfigError as exc:
            self._reject(why, [str(p) for p in exc.problems])
            return
        if new.state_path != self.config.state_path:
            self._reject(why, [f"{self.config.path}: state: moved to {new.state_path}; restart the daemon to use a new state"])
            return
        self._close_household()
        self.config = new
        self.fingerprint = fingerprint(new)
        self.config_loaded_at = _utc()
        self.config_errors = []
        self.backoff.interval = self.interval
        self.backoff.maximum = new.file.daemon.backoff_max
        logs.register_secrets(config_secrets(new, self.env))
        self.metrics.inc("calsync_config_reloads_total")
        rules = new.rules
        log.info(
            "configuration reloaded (%s): %d no-work zones, %d rituals from %d rule files",
            why, len(rules.no_work_zones), len(rules.rituals), len(new.rule_files),
        )

    def _reject(self, why: str, problems: list[str]) -> None:
        self.config_errors = problems
        self.metrics.inc("calsync_config_reload_failures_total")
        for problem in problems:
            log.error("configuration not reloaded (%s): %s", why, problem)
        log.error("the rules loaded at %s stay in force until the files are fixed", _iso(self.config_loaded_at))
        self._write_status()

    # -- the weekly report ---------------------------------------------------------------------
    def _maybe_report(self) -> None:
        schedule = self.settings.report
        if schedule is None:
            return
        now = self.now()
        tz = self.config.tz
        self.report["next_due_at"] = _iso(weekly_report.next_slot(schedule, now, tz) - self.options.now_offset)
        try:
            household = self._open_household()
            slot = weekly_report.due(schedule, now, tz, weekly_report.load_done(household))
            if slot is None:
                return
            path = weekly_report.write_report(household, now, slot, self.env)
            weekly_report.save_done(household, slot)
        except CalsyncError as exc:
            self.report["last_error"] = exc.user_message()
            self.metrics.inc("calsync_report_failures_total")
            log.error("weekly report: %s", self.report["last_error"])
        except Exception as exc:
            self.report["last_error"] = f"{type(exc).__name__}: {exc}"
            self.metrics.inc("calsync_report_failures_total")
            log.exception("weekly report failed")
        else:
            self.report.update(last_written_at=_iso(_utc()), last_path=str(path), last_error=None)
            self.metrics.inc("calsync_reports_total")
        finally:
            self._write_status()

    # -- status --------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "state": self.state,
            "started_at": _iso(self.started_at),
            "updated_at": _iso(_utc()),
            "interval_seconds": self.interval,
            "cycles": self.cycles,
            "next_run_at": _iso(self.next_run_at),
            "current_cycle_started_at": _iso(self.current_cycle.started_at) if self.current_cycle else None,
            "last_cycle": self.last_cycle.as_json() if self.last_cycle else None,
            "last_success_at": _iso(self.last_success_at),
            "config": {
                "path": str(self.config.path),
                "loaded_at": _iso(self.config_loaded_at),
                "rule_files": [str(p) for p in self.config.rule_files],
                "errors": self.config_errors,
            },
            "calendars": {ref: h.as_json() for ref, h in sorted(self.backoff.calendars.items())},
            "report": dict(self.report),
            "metrics": self.metrics.snapshot(),
        }

    def _write_status(self) -> None:
        self._snapshot = logs.redact_all(self.status())
        try:
            write_status(self.status_file, self._snapshot)
        except OSError as exc:
            if not self._status_warned:
                log.warning("cannot write the status file %s: %s", self.status_file, exc)
                self._status_warned = True
