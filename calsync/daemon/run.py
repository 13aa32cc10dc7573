"""Glue between the `calsync daemon` command and the loop: logging choice, --now, options."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from calsync import logs
from calsync.config.models import Config
from calsync.daemon.loop import Daemon, DaemonOptions
from calsync.errors import ExitStatus
from calsync.timeparse import parse_now


def run_daemon(
    config: Config,
    env: Mapping[str, str],
    *,
    interval: float | None,
    once: bool,
    now_text: str | None,
    log_level: str | None,
    log_json: bool | None,
) -> ExitStatus:
    """`log_level`/`log_json` are the command-line choices (None when not given: daemon.log decides)."""
    settings = config.file.daemon.log
    logs.configure(log_level or settings.level, json_lines=settings.format == "json" if log_json is None else log_json)
    offset = dt.timedelta(0)
    if now_text:
        offset = parse_now(now_text, config.tz) - dt.datetime.now(config.tz)
    return Daemon(config, env, DaemonOptions(interval=interval, once=once, now_offset=offset)).run()
