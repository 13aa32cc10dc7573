"""What a calsync cycle costs: prints JSON with the numbers and the targets beside them.

    .venv/bin/python benchmarks/run.py --quick      # about a minute: 500 events per calendar as 1x
    .venv/bin/python benchmarks/run.py              # the targets: 2,500 events per calendar as 1x

For a synthetic household (benchmarks/generate.py: two partners, two calendars each, 10% recurring,
years of history, a 28-day horizon, the example rules) it measures:

- `floor`: parsing and expanding the same files with icalendar + recurring-ical-events alone over
  the same horizon, in one warm process (imports done before the clock starts);
- `cold_plan`: a whole `calsync plan` process (start-up included) with a fresh state, and its peak
  memory (the child's max RSS);
- `warm_plan` and `warm_sync`: a cycle as the daemon runs it (config loaded, state opened, every
  calendar read, rules, plan; for sync also applied and recorded) with nothing changed, in a
  process that has run before; the cached read is what makes them cheap. `sync_after_write` is
  the cycle right after calsync wrote its blocks (the written files are read again);
- `*_process`: the same warm command as a new `calsync` process, start-up included;
- the ratios against the targets, and how cold plan, floor and warm plan grow with the number of
  events (1x, 4x, 16x) and with the horizon (7, 28, 112 days).

- `requests`: HTTP requests of a first sync and of a no-change sync for the Google and CalDAV
  sources, against the offline fakes (benchmarks/requests.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import HOUSEHOLD_TZ, NOW, Params, generate  # noqa: E402

NOW_ARG = NOW.isoformat()
TARGETS = {
    "cold_plan_over_floor": 1.3,
    "warm_cycle_over_cold_plan": 0.10,
    "peak_mb_at_10000_events_per_calendar": 200,
}


def _calsync_command() -> list[str]:
    script = Path(sys.executable).parent / "calsync"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from calsync.cli import entry; sys.argv[0] = 'calsync'; entry()"]


def _timed_with_rss(args: list[str]) -> tuple[float, float, bytes]:
    """Run a process, return (wall seconds, its own peak RSS in MB, stdout) using wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # read both pipes fully before reaping the child with wait4 (its exact rusage)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{args[:3]} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024.0, out


def _fresh_state(config: Path) -> None:
    state = config.parent / "state"
    if state.exists():
        shutil.rmtree(state)


def _restore_calendars(home: Path, pristine: Path) -> None:
    shutil.rmtree(home / "calendars")
    shutil.copytree(pristine, home / "calendars")


# -- children: each measurement that needs a clean, warm process runs in its own ----------------
def floor_child(home: Path, horizon_days: int, repeat: int) -> dict[str, Any]:
    """icalendar + recurring-ical-events alone: parse and expand every calendar over the horizon."""
    import resource
    import zoneinfo

    import icalendar
    import recurring_ical_events

    tz = zoneinfo.ZoneInfo(HOUSEHOLD_TZ)
    today = NOW.date()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=horizon_days), dt.time(0), tzinfo=tz)
    files = sorted((home / "calendars").glob("*.ics"))
    # warm up: imports and first-use caches, on a small calendar
    warm = icalendar.Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=Europe/Berlin:20261126T090000\r\n"
        b"RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    list(recurring_ical_events.of(warm).between(start, end))
    times = []
    count = 0
    for _ in range(repeat):
        began = time.perf_counter()
        count = 0
        for path in files:
            cal = icalendar.Calendar.from_ical(path.read_bytes())
            count += sum(1 for _ in recurring_ical_events.of(cal).between(start, end))
            del cal
        times.append(time.perf_counter() - began)
    return {"seconds": statistics.median(times), "occurrences": count,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def cycle_child(config_path: Path, repeat: int) -> dict[str, Any]:
    """Warm cycles in one process, as the daemon runs them (a new Household per cycle)."""
    from calsync.config import load_config
    from calsync.service import Household
    from calsync.timeparse import parse_now

    env = dict(os.environ)

    def cycle(kind: str) -> tuple[float, Any]:
        began = time.perf_counter()
        config = load_config(config_path, env)
        now = parse_now(NOW_ARG, config.tz)
        with Household.open(config, env) as household:
            if kind == "plan":
                result: Any = household.plan(now).plan.counts()
            else:
                _run, sync_result = household.sync(now)
                result = sync_result.counts()
        return time.perf_counter() - began, result

    out: dict[str, Any] = {}
    out["cold_plan_in_process"], _ = cycle("plan")
    plans = [cycle("plan") for _ in range(repeat)]
    out["warm_plan"] = statistics.median(t for t, _ in plans)
    out["warm_plan_changes"] = plans[-1][1]
    out["first_sync"], out["first_sync_counts"] = cycle("sync")
    out["sync_after_write"], out["sync_after_write_counts"] = cycle("sync")
    syncs = [cycle("sync") for _ in range(repeat)]
    out["warm_sync"] = statistics.median(t for t, _ in syncs)
    out["warm_sync_counts"] = syncs[-1][1]
    return out


def _child(kind: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, f"--child-{kind}", *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} child failed: {proc.stderr.decode(errors='replace')[-3000:]}")
    return json.loads(proc.stdout)


# -- the measurements ----------------------------------------------------------------------------
def measure(home: Path, params: Params, repeat: int, *, cycles: bool = True) -> dict[str, Any]:
    config = generate(home, params)
    pristine = home / "calendars.pristine"
    if pristine.exists():
        shutil.rmtree(pristine)
    shutil.copytree(home / "calendars", pristine)
    size = sum(p.stat().st_size for p in pristine.glob("*.ics"))
    result: dict[str, Any] = {"events_per_calendar": params.events, "horizon_days": params.horizon_days,
                              "calendar_bytes": size}
    result["floor"] = _child("floor", str(home), str(params.horizon_days), str(repeat))
    calsync = _calsync_command()
    colds = []
    for _ in range(repeat):
        _fresh_state(config)
        colds.append(_timed_with_rss([*calsync, "plan", "--json", "--config", str(config), "--now", NOW_ARG]))
    result["cold_plan"] = statistics.median(t for t, _, _ in colds)
    result["cold_plan_peak_mb"] = max(m for _, m, _ in colds)
    plan = json.loads(colds[-1][2])
    result["plan"] = {"changes": len(plan["changes"]), "conflicts": len(plan["conflicts"])}
    result["cold_plan_over_floor"] = result["cold_plan"] / result["floor"]["seconds"]
    if cycles:
        _fresh_state(config)
        result.update(_child("cycles", str(config), str(repeat)))
        warm = [_timed_with_rss([*calsync, "plan", "--json", "--config", str(config), "--now", NOW_ARG])
                for _ in range(repeat)]
        result["warm_plan_process"] = statistics.median(t for t, _, _ in warm)
        syncs = [_timed_with_rss([*calsync, "sync", "--json", "--config", str(config), "--now", NOW_ARG])
                 for _ in range(repeat)]
        result["warm_sync_process"] = statistics.median(t for t, _, _ in syncs)
        startup = [_timed_with_rss([*calsync, "--version"]) for _ in range(repeat)]
        result["process_startup"] = statistics.median(t for t, _, _ in startup)
        result["warm_plan_over_cold_plan"] = result["warm_plan"] / result["cold_plan"]
        result["warm_sync_over_cold_plan"] = result["warm_sync"] / result["cold_plan"]
        _restore_calendars(home, pristine)
        _fresh_state(config)
    else:
        _fresh_state(config)
    return result


def http_requests(events: int) -> dict[str, Any]:
    """Requests per cycle for Google and CalDAV on the offline fakes (benchmarks/requests.py)."""
    return _child("requests", str(events))


def _get(data: dict[str, Any], *path: str) -> Any:
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    return data


def _vs_first(values: list[float]) -> list[float]:
    """Each value as a multiple of the first (1x) one."""
    return [round(v / values[0], 2) if values[0] else float("nan") for v in values]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="calsync benchmark: prints JSON")
    parser.add_argument("--quick", action="store_true", help="500 events per calendar as 1x, one repetition")
    parser.add_argument("--events", type=int, help="events per calendar at 1x (default 2500, --quick 500)")
    parser.add_argument("--repeat", type=int, help="repetitions per measurement, the median is shown (default 3, --quick 1)")
    parser.add_argument("--scales", default="1,4,16", help="event multiples to measure (default 1,4,16)")
    parser.add_argument("--horizons", default="7,28,112", help="horizons in days to measure at 1x (1x, 4x, 16x of a week)")
    parser.add_argument("--dir", type=Path, help="where to generate households (default: a temp folder, removed)")
    parser.add_argument("--child-floor", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-cycles", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-requests", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_floor:
        home, horizon, repeat = args.child_floor
        print(json.dumps(floor_child(Path(home), int(horizon), int(repeat))))
        return 0
    if args.child_requests:
        from benchmarks.requests import measure as measure_requests

        print(json.dumps(measure_requests(int(args.child_requests[0]))))
        return 0
    if args.child_cycles:
        config, repeat = args.child_cycles
        print(json.dumps(cycle_child(Path(config), int(repeat))))
        return 0

    events = args.events or (500 if args.quick else 2500)
    repeat = args.repeat or (1 if args.quick else 3)
    scales = [int(s) for s in args.scales.split(",") if s]
    horizons = [int(h) for h in args.horizons.split(",") if h]
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="calsync-bench-"))
    began = time.perf_counter()
    try:
        report: dict[str, Any] = {
            "mode": "quick" if args.quick else "full",
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
            "household": {"partners": 2, "calendars": 4, "events_per_calendar": events, "recurring": Params.recurring,
                          "years_of_history": Params.years, "horizon_days": 28, "now": NOW_ARG},
            "repeat": repeat,
            "targets": TARGETS,
        }
        base = measure(workdir / "x1", Params(events=events), repeat)
        report["base"] = base
        scaling = [base] + [measure(workdir / f"x{s}", Params(events=events * s), max(1, repeat // 2), cycles=True)
                            for s in scales[1:]]
        report["scaling_events"] = {
            "scales": scales,
            "events_per_calendar": [r["events_per_calendar"] for r in scaling],
            "cold_plan": [round(r["cold_plan"], 3) for r in scaling],
            "floor": [round(r["floor"]["seconds"], 3) for r in scaling],
            "warm_plan": [round(r["warm_plan"], 4) for r in scaling],
            "warm_sync": [round(r["warm_sync"], 4) for r in scaling],
            "cold_plan_peak_mb": [round(r["cold_plan_peak_mb"], 1) for r in scaling],
            "floor_peak_mb": [round(r["floor"]["peak_mb"], 1) for r in scaling],
            "cold_plan_vs_1x": _vs_first([r["cold_plan"] for r in scaling]),
            "cold_plan_work_vs_1x": _vs_first([r["cold_plan"] - r["process_startup"] for r in scaling]),
            "floor_vs_1x": _vs_first([r["floor"]["seconds"] for r in scaling]),
            "warm_plan_vs_1x": _vs_first([r["warm_plan"] for r in scaling]),
        }
        horizon_rows = [base if h == 28 else measure(workdir / f"h{h}", Params(events=events, horizon_days=h), max(1, repeat // 2))
                        for h in horizons]
        report["scaling_horizon"] = {
            "horizon_days": horizons,
            "cold_plan": [round(r["cold_plan"], 3) for r in horizon_rows],
            "floor": [round(r["floor"]["seconds"], 3) for r in horizon_rows],
            "warm_plan": [round(r["warm_plan"], 4) for r in horizon_rows],
            "occurrences": [r["floor"]["occurrences"] for r in horizon_rows],
            "cold_plan_vs_1x": _vs_first([r["cold_plan"] for r in horizon_rows]),
            "floor_vs_1x": _vs_first([r["floor"]["seconds"] for r in horizon_rows]),
            "warm_plan_vs_1x": _vs_first([r["warm_plan"] for r in horizon_rows]),
        }
        at_10k = next((r for r in scaling if r["events_per_calendar"] == 10_000), None)
        report["checks"] = {
            "cold_plan_over_floor": round(base["cold_plan_over_floor"], 3),
            "warm_plan_over_cold_plan": round(base["warm_plan_over_cold_plan"], 4),
            "warm_sync_over_cold_plan": round(base["warm_sync_over_cold_plan"], 4),
            "peak_mb_at_10000_events_per_calendar": None if at_10k is None else round(at_10k["cold_plan_peak_mb"], 1),
            "peak_mb_largest": round(max(r["cold_plan_peak_mb"] for r in scaling), 1),
        }
        checks = report["checks"]
        report["targets_met"] = {
            "cold_plan_over_floor": checks["cold_plan_over_floor"] <= TARGETS["cold_plan_over_floor"],
            "warm_plan": checks["warm_plan_over_cold_plan"] <= TARGETS["warm_cycle_over_cold_plan"],
            "warm_sync": checks["warm_sync_over_cold_plan"] <= TARGETS["warm_cycle_over_cold_plan"],
            "peak_memory": None if at_10k is None else at_10k["cold_plan_peak_mb"] < TARGETS["peak_mb_at_10000_events_per_calendar"],
        }
        report["requests"] = http_requests(events)
        report["targets_met"]["google_no_change"] = _get(report["requests"], "google", "no_change_cycle", "per_calendar") == 1
        report["targets_met"]["google_first_sync_writes"] = (
            _get(report["requests"], "google", "first_sync", "write_requests") or 10**9
        ) <= (_get(report["requests"], "google", "first_sync", "target_write_requests") or 0)
        report["targets_met"]["caldav_no_change"] = (_get(report["requests"], "caldav", "no_change_cycle", "per_calendar") or 10**9) <= 2
        report["benchmark_seconds"] = round(time.perf_counter() - began, 1)
    finally:
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
