"""Which calendars receive a partner's blocks, and how the blocks look there."""

from __future__ import annotations

from dataclasses import dataclass

from calsync.config.models import ConfigFile
from calsync.rules.schema import Presentation

EVENT_TYPES = {"busy": "default", "focusTime": "focusTime", "outOfOffice": "outOfOffice"}


@dataclass(frozen=True)
class Look:
    """How one rule's block appears on one calendar."""

    title: str
    visibility: str
    event_type: str
    auto_decline: str
    decline_message: str


def target_calendars(cfg: ConfigFile, partner: str, rule: Presentation) -> list[str]:
    """A rule's `calendars:`, else the partner's writable work calendars, else all writable ones."""
    calendars = cfg.partners[partner].calendars
    if rule.calendars:
        return [name for name in rule.calendars if name in calendars and calendars[name].write]
    writable = [name for name, cal in calendars.items() if cal.write]
    work = [name for name in writable if calendars[name].role == "work"]
    return work or writable


def humanise(name: str) -> str:
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def presentation(cfg: ConfigFile, partner: str, calendar: str, rule: Presentation, name: str) -> Look:
    """Neutral ("Busy") and private on work calendars, the rule's name elsewhere, unless the rule says otherwise."""
    role = cfg.partners[partner].calendars[calendar].role
    title = (rule.work_title or "Busy") if role == "work" else (rule.title or humanise(name))
    visibility = rule.visibility or ("private" if role == "work" else "default")
    return Look(title, visibility, EVENT_TYPES[rule.event_type], rule.auto_decline, rule.decline_message or "")
