"""Prometheus-style metrics for the daemon, in the text exposition format (no dependency)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels) + "}"


@dataclass
class _Family:
    name: str
    kind: str  # counter | gauge | summary
    help: str
    values: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)


class Metrics:
    """Counters and gauges, safe to read from the health server's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[str, _Family] = {}
        for name, kind, text in (
            ("calsync_up", "gauge", "1 while the daemon runs"),
            ("calsync_syncs_total", "counter", "Sync cycles run"),
            ("calsync_sync_failures_total", "counter", "Sync cycles in which some calendar failed"),
            ("calsync_writes_total", "counter", "Blocks written, by action"),
            ("calsync_calendar_failures_total", "counter", "Failed reads or writes, by calendar"),
            ("calsync_calendar_backoff_seconds", "gauge", "Seconds until a failing calendar is tried again"),
            ("calsync_owned_blocks", "gauge", "Active blocks calsync holds, by calendar"),
            ("calsync_sync_duration_seconds", "summary", "Duration of sync cycles"),
            ("calsync_last_sync_duration_seconds", "gauge", "Duration of the last sync cycle"),
            ("calsync_last_success_timestamp_seconds", "gauge", "Unix time of the last cycle without failures"),
            ("calsync_config_reloads_total", "counter", "Configuration reloads that took effect"),
            ("calsync_config_reload_failures_total", "counter", "Reloads refused because the new configuration is invalid"),
            ("calsync_reports_total", "counter", "Weekly reports written"),
            ("calsync_report_failures_total", "counter", "Weekly reports that could not be written or sent"),
        ):
            self._families[name] = _Family(name, kind, text)
        self.set("calsync_up", 1)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            family = self._families[name]
            family.values[key] = family.values.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._families[name].values[key] = float(value)

    def observe(self, name: str, value: float) -> None:
        with self._lock:
            family = self._families[name]
            family.values[(("_", "sum"),)] = family.values.get((("_", "sum"),), 0.0) + value
            family.values[(("_", "count"),)] = family.values.get((("_", "count"),), 0.0) + 1

    def get(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._families[name].values.get(tuple(sorted(labels.items())), 0.0)

    def snapshot(self) -> dict[str, float]:
        """Flat name{labels} → value, for the status file."""
        out: dict[str, float] = {}
        for line in self.render().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for family in self._families.values():
                lines.append(f"# HELP {family.name} {family.help}")
                lines.append(f"# TYPE {family.name} {family.kind}")
                if family.kind == "summary":
                    lines.append(f"{family.name}_sum {_num(family.values.get((('_', 'sum'),), 0.0))}")
                    lines.append(f"{family.name}_count {_num(family.values.get((('_', 'count'),), 0.0))}")
                    continue
                if not family.values and family.kind == "counter":
                    lines.append(f"{family.name} 0")
                for key, value in sorted(family.values.items()):
                    lines.append(f"{family.name}{_labels(key)} {_num(value)}")
        return "\n".join(lines) + "\n"
