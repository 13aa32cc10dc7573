"""Which calendars receive a partner's blocks, and how the blocks look there."""

from __future__ import annotations

from calsync.config.models import ConfigFile
from calsync.rules.schema import NoWorkZone, Ritual


def target_calendars(cfg: ConfigFile, partner: str, rule: NoWorkZone | Ritual) -> list[str]:
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


def presentation(cfg: ConfigFile, partner: str, calendar: str, rule: NoWorkZone | Ritual) -> tuple[str, str]:
    """(title, visibility): neutral and private on work calendars unless the rule says otherwise."""
    role = cfg.partners[partner].calendars[calendar].role
    if rule.title:
        title = rule.title
    elif role == "work":
        title = "Busy"
    else:
        title = humanise(rule.name)
    visibility = rule.visibility or ("private" if role == "work" else "default")
    return title, visibility
