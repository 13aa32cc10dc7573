"""Generate a realistic synthetic household for benchmarks: calsync.yaml, the example rules and
four iCal calendars (two partners, a work and a personal calendar each).

Every calendar holds years of history the way a real export does: mostly one-off events spread
over the past years and the next few months, a share of recurring series (daily, weekly, monthly,
yearly; some ended, some open) with EXDATEs and RECURRENCE-ID overrides (moved and cancelled
instances), events in several time zones (with their VTIMEZONEs, as Google and Outlook export
them), UTC and floating times, all-day and multi-day events, invitations the partner declined,
transparent and cancelled events. The output is deterministic for a given seed.

    .venv/bin/python benchmarks/generate.py OUT_DIR --events 2500 --recurring 0.1 --years 3

The household's `now` is fixed (`NOW` below) so runs are comparable; pass it to calsync with
`--now`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

NOW = dt.datetime(2026, 11, 26, 9, 0)  # a Thursday; the household zone is Europe/Berlin
HOUSEHOLD_TZ = "Europe/Berlin"
RULES = Path(__file__).resolve().parents[1] / "rules" / "household.yaml"

# Zones the calendars use, as Google/Outlook exports define them (VTIMEZONE with RRULE transitions).
VTIMEZONES = {
    "Europe/Berlin": (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nX-LIC-LOCATION:Europe/Berlin\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
        "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
        "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    ),
    "America/New_York": (
        "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nX-LIC-LOCATION:America/New_York\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n"
        "DTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n"
        "DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    ),
    "Europe/London": (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nX-LIC-LOCATION:Europe/London\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\n"
        "DTSTART:19700329T010000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"
        "DTSTART:19701025T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    ),
    "Asia/Tokyo": (
        "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nX-LIC-LOCATION:Asia/Tokyo\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\n"
        "DTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    ),
}
# How often each way of writing a time appears (zone name, "UTC" for ...Z, "" for floating).
ZONE_WEIGHTS = [("Europe/Berlin", 70), ("UTC", 12), ("America/New_York", 8), ("Europe/London", 5), ("Asia/Tokyo", 3), ("", 2)]

WORK_TITLES = ["Standup", "1:1", "Design review", "Planning", "Customer call", "Interview", "Retro", "Sync",
               "Budget review", "Workshop", "Lunch & learn", "Quarterly review", "Incident review", "Focus time"]
PERSONAL_TITLES = ["Dentist", "Gym", "Dinner with friends", "Call mum", "Yoga", "Haircut", "Book club",
                   "Football", "Parents' evening", "Concert", "Car service", "Swimming", "Piano lesson"]
ALLDAY_TITLES = ["Conference", "Vacation", "Public holiday", "Offsite", "Birthday", "Trip", "Moving day"]
CALENDARS = [("alex", "work", "work", True), ("alex", "personal", "personal", False),
             ("sam", "work", "work", True), ("sam", "personal", "personal", False)]
EMAILS = {"alex": "alex@example.org", "sam": "sam@example.net"}


@dataclass(frozen=True)
class Params:
    events: int = 2500  # VEVENT series and one-off events per calendar (overrides come on top)
    recurring: float = 0.10  # share of events that are recurring series
    exceptions: float = 0.4  # share of series with EXDATEs and/or RECURRENCE-ID overrides
    years: float = 3.0  # history before NOW
    ahead_days: int = 120  # how far one-off events reach into the future
    allday: float = 0.06  # share of one-off events that are all-day (some multi-day)
    horizon_days: int = 28
    seed: int = 1


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets (ASCII content here)."""
    if len(line) <= 75:
        return line + "\r\n"
    parts = [line[:75]]
    rest = line[75:]
    while rest:
        parts.append(" " + rest[:74])
        rest = rest[74:]
    return "\r\n".join(parts) + "\r\n"


def _fmt(value: dt.datetime, zone: str) -> tuple[str, str]:
    """(parameters, value) for a DTSTART-like property in the given zone."""
    if zone == "UTC":
        return "", value.strftime("%Y%m%dT%H%M%SZ")
    if zone == "":
        return "", value.strftime("%Y%m%dT%H%M%S")
    return f";TZID={zone}", value.strftime("%Y%m%dT%H%M%S")


class _Writer:
    def __init__(self, rng: random.Random, partner: str, calendar: str, params: Params) -> None:
        self.rng = rng
        self.partner = partner
        self.calendar = calendar
        self.params = params
        self.lines: list[str] = []
        self.counter = 0
        self.zones_used: set[str] = set()
        self.titles = WORK_TITLES if calendar == "work" else PERSONAL_TITLES

    def uid(self) -> str:
        self.counter += 1
        return f"{self.partner}-{self.calendar}-{self.counter:06d}-{self.rng.randrange(16**8):08x}@bench.example"

    def zone(self) -> str:
        zones, weights = zip(*ZONE_WEIGHTS, strict=True)
        zone = self.rng.choices(zones, weights)[0]
        if zone not in ("", "UTC"):
            self.zones_used.add(zone)
        return zone

    def wall_start(self, day: dt.date) -> dt.datetime:
        if self.calendar == "work":
            hour = self.rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17])
        else:
            hour = self.rng.choice([7, 8, 12, 17, 18, 18, 19, 19, 20, 10, 11, 14])
        minute = self.rng.choice([0, 0, 0, 15, 30, 30, 45])
        return dt.datetime.combine(day, dt.time(hour, minute))

    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.choice([15, 30, 30, 45, 60, 60, 60, 90, 120, 180]))

    def common(self, uid: str, title: str) -> list[str]:
        out = [f"UID:{uid}", "DTSTAMP:20261101T120000Z", f"SUMMARY:{title}"]
        rng = self.rng
        if rng.random() < 0.35:
            out.append(f"LOCATION:{rng.choice(['Room 4.12', 'Online', 'Café Central', 'Main office, 3rd floor'])}")
        if rng.random() < 0.3:
            out.append(
                "DESCRIPTION:" + "Agenda: " + ", ".join(rng.choice(["status", "risks", "next steps", "budget",
                                                                     "hiring", "roadmap", "notes from last time"])
                                                          for _ in range(rng.randint(3, 12)))
            )
        if self.calendar == "work" and rng.random() < 0.4:
            out.append("ORGANIZER;CN=Boss:mailto:boss@example.com")
            stat = rng.choices(["ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"], [80, 8, 6, 6])[0]
            out.append(f"ATTENDEE;CN={self.partner};PARTSTAT={stat};ROLE=REQ-PARTICIPANT:mailto:{EMAILS[self.partner]}")
            for n in range(rng.randint(1, 4)):
                out.append(f"ATTENDEE;CN=Colleague {n};PARTSTAT=ACCEPTED:mailto:colleague{n}@example.com")
        if rng.random() < 0.05:
            out.append("TRANSP:TRANSPARENT")
        if rng.random() < 0.03:
            out.append("STATUS:CANCELLED")
        elif rng.random() < 0.05:
            out.append("STATUS:TENTATIVE")
        else:
            out.append("STATUS:CONFIRMED")
        if rng.random() < 0.1:
            out.append(f"CATEGORIES:{rng.choice(['Travel', 'Team', 'Family', 'Health'])}")
        return out

    def emit(self, props: list[str]) -> None:
        self.lines.append("BEGIN:VEVENT\r\n")
        self.lines.extend(_fold(p) for p in props)
        self.lines.append("END:VEVENT\r\n")

    def one_off(self, first: dt.date, last: dt.date) -> None:
        rng = self.rng
        day = first + dt.timedelta(days=rng.randrange((last - first).days))
        uid = self.uid()
        if rng.random() < self.params.allday:
            length = rng.choice([1, 1, 1, 2, 3, 5, 7])
            props = self.common(uid, rng.choice(ALLDAY_TITLES))
            props += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + dt.timedelta(days=length):%Y%m%d}"]
            self.emit(props)
            return
        start = self.wall_start(day)
        zone = self.zone()
        params, value = _fmt(start, zone)
        props = self.common(uid, rng.choice(self.titles))
        props.append(f"DTSTART{params}:{value}")
        if rng.random() < 0.1:
            props.append(f"DURATION:PT{int(self.duration().total_seconds() // 60)}M")
        else:
            params, value = _fmt(start + self.duration(), zone)
            props.append(f"DTEND{params}:{value}")
        self.emit(props)

    def series(self, first: dt.date, last: dt.date) -> None:
        rng = self.rng
        begin = first + dt.timedelta(days=rng.randrange(max(1, (last - first).days)))
        uid = self.uid()
        zone = rng.choice(["Europe/Berlin"] * 6 + ["America/New_York", "UTC", "Europe/London"])
        if zone != "UTC":
            self.zones_used.add(zone)
        kind = rng.choices(["weekly", "weekdays", "biweekly", "monthly", "yearly", "daily"], [45, 12, 15, 13, 12, 3])[0]
        rule = {
            "weekly": "FREQ=WEEKLY",
            "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "biweekly": "FREQ=WEEKLY;INTERVAL=2",
            "monthly": "FREQ=MONTHLY",
            "yearly": "FREQ=YEARLY",
            "daily": "FREQ=DAILY",
        }[kind]
        step = {"weekly": 7, "weekdays": 1, "biweekly": 14, "monthly": 30, "yearly": 365, "daily": 1}[kind]
        if kind == "weekdays":
            while begin.weekday() >= 5:
                begin += dt.timedelta(days=1)
        start = self.wall_start(begin)
        length = self.duration()
        ending = rng.random()
        if ending < 0.40:
            rule += ";COUNT=" + str(rng.randint(4, 60))
        elif ending < 0.88:
            until = begin + dt.timedelta(days=rng.randint(30, 700))
            rule += f";UNTIL={until:%Y%m%d}T235959Z"
        props = self.common(uid, rng.choice(self.titles))
        params, value = _fmt(start, zone)
        props.append(f"DTSTART{params}:{value}")
        params_end, value_end = _fmt(start + length, zone)
        props.append(f"DTEND{params_end}:{value_end}")
        props.append(f"RRULE:{rule}")
        overrides: list[list[str]] = []
        if rng.random() < self.params.exceptions:
            # instances near the start of the series and near now, where a horizon may see them
            base_days = [rng.randint(0, 20) * step for _ in range(rng.randint(1, 3))]
            if kind != "yearly":
                to_now = max(0, (NOW.date() - begin).days // step)
                base_days += [(to_now + rng.randint(-3, 6)) * step for _ in range(rng.randint(0, 2))]
            for offset in sorted(set(base_days)):
                instance = start + dt.timedelta(days=offset)
                if kind == "monthly":
                    instance = _add_months(start, offset // 30)
                elif kind == "yearly":
                    instance = _add_months(start, 12 * (offset // 365))
                elif kind == "weekdays" and instance.weekday() >= 5:
                    continue
                params_i, value_i = _fmt(instance, zone)
                what = rng.random()
                if what < 0.4:
                    props.append(f"EXDATE{params_i}:{value_i}")
                else:
                    moved = instance + dt.timedelta(hours=rng.choice([-2, -1, 1, 2, 24]))
                    o = self.common(uid, rng.choice(self.titles) + " (moved)")
                    o.append(f"RECURRENCE-ID{params_i}:{value_i}")
                    p1, v1 = _fmt(moved, zone)
                    p2, v2 = _fmt(moved + length, zone)
                    o += [f"DTSTART{p1}:{v1}", f"DTEND{p2}:{v2}", "SEQUENCE:1"]
                    if what > 0.9:
                        o = [line for line in o if not line.startswith("STATUS:")] + ["STATUS:CANCELLED"]
                    overrides.append(o)
        self.emit(props)
        for o in overrides:
            self.emit(o)


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    month = value.month - 1 + months
    year = value.year + month // 12
    month = month % 12 + 1
    day = min(value.day, 28)
    return value.replace(year=year, month=month, day=day)


def calendar_text(partner: str, calendar: str, params: Params, seed: int) -> str:
    rng = random.Random(f"{seed}/{partner}/{calendar}")
    writer = _Writer(rng, partner, calendar, params)
    first = (NOW - dt.timedelta(days=round(365 * params.years))).date()
    last = NOW.date() + dt.timedelta(days=params.ahead_days)
    series = round(params.events * params.recurring)
    kinds = ["series"] * series + ["one"] * (params.events - series)
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "series":
            writer.series(first, NOW.date() + dt.timedelta(days=30))
        else:
            writer.one_off(first, last)
    head = [
        "BEGIN:VCALENDAR\r\n",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n",
        "VERSION:2.0\r\n",
        "CALSCALE:GREGORIAN\r\n",
        "METHOD:PUBLISH\r\n",
        f"X-WR-CALNAME:{partner} {calendar}\r\n",
    ]
    zones = [VTIMEZONES[z] for z in sorted(writer.zones_used)]
    return "".join(head + zones + writer.lines + ["END:VCALENDAR\r\n"])


CONFIG = """\
# A synthetic benchmark household (benchmarks/generate.py).
timezone: {tz}
horizon_days: {horizon}
state: state/state.db
rules: [rules/household.yaml]
partners:
  alex:
    emails: [alex@example.org]
    calendars:
      work: {{source: ics, path: calendars/alex-work.ics, role: work, write: true}}
      personal: {{source: ics, path: calendars/alex-personal.ics, role: personal}}
  sam:
    emails: [sam@example.net]
    calendars:
      work: {{source: ics, path: calendars/sam-work.ics, role: work, write: true}}
      personal: {{source: ics, path: calendars/sam-personal.ics, role: personal}}
"""


def generate(out: Path, params: Params) -> Path:
    """Write the household into `out` (created; calendars replaced) and return its calsync.yaml."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "calendars").mkdir(exist_ok=True)
    (out / "rules").mkdir(exist_ok=True)
    shutil.copyfile(RULES, out / "rules" / "household.yaml")
    for partner, calendar, _role, _write in CALENDARS:
        text = calendar_text(partner, calendar, params, params.seed)
        (out / "calendars" / f"{partner}-{calendar}.ics").write_bytes(text.encode("utf-8"))
    config = out / "calsync.yaml"
    config.write_text(CONFIG.format(tz=HOUSEHOLD_TZ, horizon=params.horizon_days), encoding="utf-8")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=Params.events, help="events per calendar")
    parser.add_argument("--recurring", type=float, default=Params.recurring, help="share of recurring series")
    parser.add_argument("--exceptions", type=float, default=Params.exceptions, help="share of series with exceptions")
    parser.add_argument("--years", type=float, default=Params.years, help="years of history")
    parser.add_argument("--horizon", type=int, default=Params.horizon_days, help="horizon_days in calsync.yaml")
    parser.add_argument("--seed", type=int, default=Params.seed)
    args = parser.parse_args(argv)
    params = Params(events=args.events, recurring=args.recurring, exceptions=args.exceptions, years=args.years,
                    horizon_days=args.horizon, seed=args.seed)
    config = generate(args.out, params)
    print(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
