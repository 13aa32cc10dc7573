"""Deterministic identities for calsync's events.

A block's key is derived from (household, partner, calendar, rule, slot), so a rerun, a retry after a
crash or a second machine computes the same key, and writes land on the same event instead of
duplicating it. Keys are lowercase base32hex, which Google accepts as a client-chosen event id.
"""

from __future__ import annotations

import base64
import hashlib

from calsync.model.occurrence import CalendarRef

UID_DOMAIN = "calsync"
KEY_PREFIX = "cs"
TAG_PROPERTY = "X-CALSYNC-KEY"
RULE_PROPERTY = "X-CALSYNC-RULE"
OWNER_PROPERTY = "X-CALSYNC-OWNER"


def owner_id(household: str, ref: CalendarRef) -> str:
    """Which calendar entry of which household a block belongs to.

    One real calendar may be configured under both partners (a shared family calendar); each entry
    manages only the blocks it wrote, so the two never delete each other's.
    """
    return f"{household}:{ref}"


def block_key(household: str, ref: CalendarRef, rule: str, slot: str) -> str:
    material = "\x1f".join([household, ref.partner, ref.calendar, rule, slot]).encode()
    digest = base64.b32hexencode(hashlib.sha256(material).digest()).decode().lower().rstrip("=")
    return KEY_PREFIX + digest[:30]


def block_uid(key: str) -> str:
    """The iCalendar UID of the block with this key."""
    return f"{key}@{UID_DOMAIN}"


def is_block_uid(uid: str, key: str) -> bool:
    return uid == block_uid(key)
