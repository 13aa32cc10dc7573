"""`calsync init`: write a starter calsync.yaml and rule file that `calsync validate` accepts."""

from __future__ import annotations

import contextlib
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from calsync.errors import UsageError

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
SOURCES = ("ics", "caldav", "google")


@dataclass(frozen=True)
class CalendarSpec:
    partner: str
    name: str
    source: str
    location: str  # ics: path or URL; caldav: URL; google: calendar id
    role: str = "work"
    write: bool = True


@dataclass
class InitAnswers:
    timezone: str
    partners: list[str]
    calendars: list[CalendarSpec] = field(default_factory=list)


def parse_calendar_spec(text: str) -> CalendarSpec:
    """PARTNER/NAME=SOURCE:LOCATION, e.g. alex/work=google:primary, sam/home=caldav:https://dav/sam/home/."""
    match = re.fullmatch(r"\s*([^/=\s]+)/([^=\s]+)=(ics|caldav|google):(.+)", text)
    if not match:
        raise UsageError(
            f'--calendar "{text}" is not PARTNER/NAME=SOURCE:LOCATION '
            "(e.g. alex/work=ics:calendars/alex-work.ics, sam/home=caldav:https://dav.example.org/sam/home/)"
        )
    partner, name, source, location = match.groups()
    role = "work" if "work" in name.lower() else "personal"
    write = not (source == "ics" and location.startswith(("http://", "https://", "webcal://")))
    return CalendarSpec(partner.lower(), name.lower(), source, location.strip(), role, write)


def system_timezone(env: dict[str, str] | None = None) -> str:
    env = dict(os.environ) if env is None else env
    candidates = [env.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name and "/" in name:
            try:
                zoneinfo.ZoneInfo(name)
                return name
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def check(answers: InitAnswers) -> InitAnswers:
    try:
        zoneinfo.ZoneInfo(answers.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f'unknown time zone "{answers.timezone}" (use an IANA name such as Europe/Berlin)') from None
    if len(answers.partners) != len(set(answers.partners)) or not answers.partners:
        raise UsageError("name each partner once (--partner alex --partner sam)")
    for partner in answers.partners:
        if not _NAME.match(partner):
            raise UsageError(f'partner name "{partner}" must be lower-case letters, digits, - or _')
    for spec in answers.calendars:
        if spec.partner not in answers.partners:
            raise UsageError(f'--calendar {spec.partner}/{spec.name}: "{spec.partner}" is not one of the partners')
    seen = {(c.partner, c.name) for c in answers.calendars}
    if len(seen) != len(answers.calendars):
        raise UsageError("each calendar name may appear once per partner")
    missing = [p for p in answers.partners if not any(c.partner == p for c in answers.calendars)]
    for partner in missing:  # a local file to start with: calsync creates it on first sync
        answers.calendars.append(CalendarSpec(partner, "work", "ics", f"calendars/{partner}-work.ics", "work", True))
    return answers


def _calendar_yaml(spec: CalendarSpec) -> list[str]:
    lines = [f"      {spec.name}:", f"        source: {spec.source}"]
    if spec.source == "ics":
        key = "url" if spec.location.startswith(("http://", "https://", "webcal://")) else "path"
        lines.append(f'        {key}: "{spec.location}"')
    elif spec.source == "caldav":
        env_name = f"{spec.partner}_{spec.name}_DAV_PASSWORD".upper().replace("-", "_")
        lines += [
            f'        url: "{spec.location}"',
            f"        username: {spec.partner}",
            f"        password_env: {env_name}   # the password is read from this environment variable",
        ]
    else:
        lines += [
            f'        calendar_id: "{spec.location}"',
            f"        token: secrets/{spec.partner}-{spec.name}-google.json   # written by `calsync auth google` (mode 0600)",
            "        client_secrets: secrets/google-client.json",
        ]
    lines += [f"        role: {spec.role}", f"        write: {'true' if spec.write else 'false'}"]
    return lines


def render_config(answers: InitAnswers) -> str:
    lines = [
        "# calsync configuration: your calendars and where calsync keeps its state.",
        "# Paths are relative to this file. Secrets never go here: passwords come from environment",
        "# variables (password_env), OAuth tokens live in their own 0600 files.",
        f"timezone: {answers.timezone}",
        "horizon_days: 28",
        "state: state/calsync.db",
        "rules: [rules/*.yaml]",
        "partners:",
    ]
    for partner in answers.partners:
        lines += [f"  {partner}:", "    # emails: [you@example.org]   # how you appear as an attendee", "    calendars:"]
        for spec in answers.calendars:
            if spec.partner == partner:
                lines += _calendar_yaml(spec)
    lines += [
        "",
        "# Settings for `calsync daemon` (all optional):",
        "daemon:",
        "  interval: 5m",
        "  # report: {day: mon, time: \"07:00\", path: \"reports/{week}.html\"}",
        "  # health: {listen: \"127.0.0.1:9464\"}",
        "  log: {format: text, level: info}",
    ]
    return "\n".join(lines) + "\n"


def render_rules(answers: InitAnswers) -> str:
    who = "[" + ", ".join(answers.partners) + "]"
    return f"""# Protection rules: edit names and times. Times are wall-clock in the household time zone.
# Days: mon tue wed thu fri sat sun, or weekdays / weekend / daily. 24:00 is midnight at day's end.
no_work_zones:
  - name: family-dinner
    who: {who}
    days: [weekdays]
    time: "18:30-20:00"
  - name: weekend
    who: {who}
    days: [weekend]
    time: "00:00-24:00"

rituals:
  - name: breakfast
    who: {who}
    days: [weekdays]
    time: "07:15-07:45"

load:
  weekly_work_hours: 45
"""


def write_scaffold(directory: Path, answers: InitAnswers, *, force: bool = False) -> list[Path]:
    config = directory / "calsync.yaml"
    rules = directory / "rules" / "household.yaml"
    existing = [p for p in (config, rules) if p.exists()]
    if existing and not force:
        raise UsageError(f"{existing[0]} already exists; pass --force to overwrite")
    (directory / "rules").mkdir(parents=True, exist_ok=True)
    config.write_text(render_config(answers), encoding="utf-8")
    rules.write_text(render_rules(answers), encoding="utf-8")
    for name in ("secrets", "state"):
        (directory / name).mkdir(mode=0o700, exist_ok=True)
    return [config, rules]
