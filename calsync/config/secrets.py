"""The secret values a configuration gives access to, so logging can redact them by value.

Passwords named by `password_env` (CalDAV calendars, SMTP) and the tokens inside OAuth token and
client-secret files. Values shorter than MIN_LENGTH are skipped: redacting them would garble logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calsync.config.models import Config

MIN_LENGTH = 4
_TOKEN_KEYS = {"token", "access_token", "refresh_token", "client_secret", "id_token", "password"}


def _json_secrets(data: Any) -> list[str]:
    out: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _TOKEN_KEYS and isinstance(value, str):
                out.append(value)
            else:
                out.extend(_json_secrets(value))
    elif isinstance(data, list):
        for item in data:
            out.extend(_json_secrets(item))
    return out


def _file_secrets(path: Path) -> list[str]:
    try:
        return _json_secrets(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


def config_secrets(config: Config, env: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for partner in config.file.partners.values():
        for calendar in partner.calendars.values():
            name = getattr(calendar, "password_env", None)
            if name and env.get(name):
                found.append(env[name])
            for attr in ("token", "client_secrets"):
                value = getattr(calendar, attr, None)
                if value:
                    found.extend(_file_secrets(config.resolve(value)))
    smtp = config.file.daemon.smtp
    if smtp and smtp.password_env and env.get(smtp.password_env):
        found.append(env[smtp.password_env])
    unique: list[str] = []
    for secret in found:
        if len(secret) >= MIN_LENGTH and secret not in unique:
            unique.append(secret)
    return unique
