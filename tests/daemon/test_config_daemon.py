"""The optional `daemon:` section of calsync.yaml: defaults, units, and line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.config import load_config
from calsync.config.models import DaemonConfig, parse_seconds
from calsync.errors import ConfigError

BASE = """timezone: Europe/Berlin
partners:
  alex:
    calendars:
      work: {source: ics, path: work.ics, write: true}
"""


def test_defaults_when_absent(tmp_path: Path) -> None:
    path = tmp_path / "calsync.yaml"
    path.write_text(BASE)
    daemon = load_config(path, {}).file.daemon
    assert daemon == DaemonConfig()
    assert daemon.interval == 300 and daemon.report is None and daemon.log.format == "text"


@pytest.mark.parametrize(("value", "seconds"), [(90, 90), ("90", 90), ("30s", 30), ("5m", 300), ("1.5h", 5400), ("1d", 86400)])
def test_durations(value: object, seconds: float) -> None:
    assert parse_seconds(value) == seconds


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "calsync.yaml"
    path.write_text(
        BASE
        + """daemon:
  interval: soon
  report:
    day: someday
    time: "7"
    email: [a@example.org]
  health:
    listen: localhost
  log: {format: xml}
"""
    )
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    shown = [str(p) for p in error.value.problems]
    name = str(path)
    assert any(s.startswith(f"{name}:7: ") and "soon" in s for s in shown), shown
    assert any(s.startswith(f"{name}:9: ") and "someday" in s for s in shown), shown
    assert any(s.startswith(f"{name}:10: ") and "HH:MM" in s for s in shown), shown
    assert any(s.startswith(f"{name}:13: ") and "HOST:PORT" in s for s in shown), shown
    assert any(s.startswith(f"{name}:14: ") and "xml" in s for s in shown), shown


def test_email_needs_smtp_and_smtp_needs_from(tmp_path: Path) -> None:
    path = tmp_path / "calsync.yaml"
    path.write_text(BASE + "daemon:\n  report:\n    email: [a@example.org]\n")
    with pytest.raises(ConfigError, match="report.email needs an smtp"):
        load_config(path, {})
    path.write_text(BASE + "daemon:\n  smtp:\n    host: mail.example.org\n    password: hunter22\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    shown = [str(p) for p in error.value.problems]
    assert f"{path}:7: missing required key \"from\"" in shown
    assert f"{path}:9: unknown key \"password\"" in shown  # secrets only through password_env
