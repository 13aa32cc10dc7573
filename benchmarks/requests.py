"""HTTP requests per sync cycle for the Google and CalDAV sources, against the offline fakes.

Two partners, each with a writable work calendar holding `events` events (one-off events over a
year, every tenth a weekly series), the example rules, a 28-day horizon. For each source it runs a
first sync (which writes N blocks) and a sync with nothing changed, and counts HTTP requests:

- Google (tests/fakes/google_server.py, which records every request): all API requests, and the
  write requests of the first sync (a batch of up to 50 writes counts as one request);
- CalDAV (a real Radicale, tests/fakes/radicale.py): every request any client in this process sends,
  counted at the HTTP session.

Token refreshes are not counted (they happen once an hour, not per cycle).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TZ = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
RULES = ROOT / "rules" / "household.yaml"
PASSWORD_ENV = "BENCH_DAV_PASSWORD"


def _cli(args: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    from calsync.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(args, env)
    return code, json.loads(out.getvalue() or "{}")


def _starts(events: int) -> list[tuple[dt.datetime, bool]]:
    base = NOW - dt.timedelta(days=300)
    return [(base + dt.timedelta(days=i * 420 // events, hours=8 + i % 9), i % 10 == 0) for i in range(events)]


# -- Google ---------------------------------------------------------------------------------------
def google(events: int) -> dict[str, Any]:
    from tests.connectors.google_support import household
    from tests.fakes.google_server import fake_google

    with fake_google() as fake, tempfile.TemporaryDirectory() as tmp:
        config = household(Path(tmp), fake, rules=RULES.read_text())
        for calendar in ("primary", "sam@example.org"):
            for i, (start, weekly) in enumerate(_starts(events)):
                event: dict[str, Any] = {
                    "summary": f"Meeting {i}",
                    "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"},
                    "end": {"dateTime": (start + dt.timedelta(minutes=45)).isoformat(), "timeZone": "Europe/Berlin"},
                }
                if weekly:
                    event["recurrence"] = ["RRULE:FREQ=WEEKLY;COUNT=30"]
                fake.put_event(event, calendar)
        args = ["sync", "--json", "--config", str(config), "--now", NOW.isoformat()]

        def cycle() -> tuple[dict[str, Any], list[Any], list[Any]]:
            fake.reset_log()
            code, result = _cli(args, {"HOME": tmp})
            if code != 0:
                raise RuntimeError(f"google sync failed: {result}")
            return result, [r for r in fake.http_requests() if r.op not in ("token", "auth")], list(fake.requests)

        first, first_requests, first_all = cycle()
        writes = [r for r in first_requests if r.op == "batch" or r.is_write]
        per_calendar: dict[str, int] = {}
        for record in first_all:
            if record.is_write:
                per_calendar[record.calendar] = per_calendar.get(record.calendar, 0) + 1
        quiet, quiet_requests, _ = cycle()
        blocks = first["created"]
        return {
            "events_per_calendar": events,
            "calendars": 2,
            "first_sync": {"blocks": blocks, "blocks_per_calendar": per_calendar, "requests": len(first_requests),
                           "write_requests": len(writes),
                           "target_write_requests": sum(math.ceil(n / 50) for n in per_calendar.values())},
            "no_change_cycle": {"requests": len(quiet_requests), "per_calendar": len(quiet_requests) / 2, "target_per_calendar": 1,
                                "result": quiet},
        }


# -- CalDAV ---------------------------------------------------------------------------------------
def _ics(events: int, prefix: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//calsync//EN"]
    for i, (start, weekly) in enumerate(_starts(events)):
        utc = start.astimezone(dt.UTC)
        lines += ["BEGIN:VEVENT", f"UID:{prefix}-{i}@example.org", "DTSTAMP:20260101T000000Z",
                  f"DTSTART:{utc:%Y%m%dT%H%M%SZ}", f"DTEND:{utc + dt.timedelta(minutes=45):%Y%m%dT%H%M%SZ}",
                  f"SUMMARY:Meeting {i}"]
        if weekly:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=30")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def caldav(events: int) -> dict[str, Any]:
    import niquests

    from tests.fakes.radicale import PASSWORD, RadicaleServer

    calls: list[tuple[str, str]] = []
    original = niquests.Session.request

    def counting(session, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((str(method), str(url)))
        return original(session, method, url, *args, **kwargs)

    with tempfile.TemporaryDirectory() as tmp:
        server = RadicaleServer(Path(tmp) / "radicale")
        server.start()
        try:
            urls = {}
            for partner in ("alex", "sam"):
                urls[partner] = server.make_calendar(f"{partner}-work")
                status, _, body = server.http("PUT", urls[partner][len(server.url.rstrip("/")):], _ics(events, partner),
                                              {"Content-Type": "text/calendar"})
                if status not in (200, 201):
                    raise RuntimeError(f"cannot fill the CalDAV calendar: {status} {body[:200]!r}")
            home = Path(tmp) / "home"
            (home / "rules").mkdir(parents=True)
            (home / "rules" / "household.yaml").write_text(RULES.read_text())
            calendars = "".join(
                textwrap.dedent(f"""\
                  {partner}:
                    calendars:
                      work:
                        source: caldav
                        url: {urls[partner]}
                        username: alice
                        password_env: {PASSWORD_ENV}
                        role: work
                        write: true
                """)
                for partner in ("alex", "sam")
            )
            config = home / "calsync.yaml"
            config.write_text(
                "timezone: Europe/Berlin\nhorizon_days: 28\nstate: state.db\nrules: [rules/household.yaml]\npartners:\n"
                + textwrap.indent(calendars, "  ")
            )
            args = ["sync", "--json", "--config", str(config), "--now", NOW.isoformat()]
            env = {PASSWORD_ENV: PASSWORD, "HOME": str(home)}
            niquests.Session.request = counting  # type: ignore[method-assign]
            try:
                calls.clear()
                code, first = _cli(args, env)
                first_calls = list(calls)
                calls.clear()
                code2, quiet = _cli(args, env)
                quiet_calls = list(calls)
            finally:
                niquests.Session.request = original  # type: ignore[method-assign]
            if code or code2:
                raise RuntimeError(f"caldav sync failed: {first} {quiet}")
        finally:
            server.stop()
    return {
        "events_per_calendar": events,
        "calendars": 2,
        "first_sync": {"blocks": first["created"], "requests": len(first_calls),
                       "writes": sum(1 for m, _ in first_calls if m.upper() in ("PUT", "DELETE"))},
        "no_change_cycle": {"requests": len(quiet_calls), "per_calendar": len(quiet_calls) / 2, "target_per_calendar": 2,
                            "methods": sorted({m for m, _ in quiet_calls}), "result": quiet},
    }


def measure(events: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, func in (("google", google), ("caldav", caldav)):
        try:
            out[name] = func(events)
        except ImportError as exc:
            out[name] = {"error": f"not available: {exc}"}
        except Exception as exc:  # a benchmark reports what failed instead of stopping
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 500), indent=2))
