"""`calsync init`: ask (or take flags), then write the scaffold."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from calsync.errors import ExitStatus, UsageError
from calsync.scaffold import SOURCES, InitAnswers, check, parse_calendar_spec, system_timezone, write_scaffold


def _ask(env: dict[str, str], timezone: str | None, partners: list[str]) -> InitAnswers:
    tz = click.prompt("Household time zone", default=timezone or system_timezone(env))
    names = partners or [
        click.prompt("First partner's name", default="alex").strip().lower(),
        click.prompt("Second partner's name", default="sam").strip().lower(),
    ]
    specs = []
    for partner in names:
        source = click.prompt(f"{partner}'s work calendar: source", type=click.Choice(SOURCES), default="ics")
        hint = {"ics": f"calendars/{partner}-work.ics", "caldav": "https://dav.example.org/", "google": "primary"}[source]
        what = {"ics": "file path or feed URL", "caldav": "calendar URL", "google": "calendar id"}[source]
        location = click.prompt(f"{partner}'s work calendar: {what}", default=hint)
        specs.append(parse_calendar_spec(f"{partner}/work={source}:{location}"))
    return InitAnswers(tz, names, specs)


def run_init(
    directory: Path,
    timezone: str | None,
    partners: list[str],
    calendars: list[str],
    force: bool,
    interactive: bool | None,
    env: dict[str, str],
    out: Callable[[str], None],
) -> ExitStatus:
    if interactive is None:
        interactive = sys.stdin.isatty() and not partners
    if interactive:
        answers = _ask(env, timezone, [p.lower() for p in partners])
        answers.calendars.extend(parse_calendar_spec(c) for c in calendars)
    else:
        if not partners:
            raise UsageError("name the partners: --partner alex --partner sam (or run `calsync init` in a terminal)")
        answers = InitAnswers(timezone or system_timezone(env), [p.lower() for p in partners], [parse_calendar_spec(c) for c in calendars])
    written = write_scaffold(directory, check(answers), force=force)
    for path in written:
        out(f"wrote {path}")
    config = written[0]
    out("Next: edit the calendars and rules, then")
    out(f"  calsync validate --config {config}")
    out(f"  calsync plan --config {config}")
    return ExitStatus.OK
