"""Shared fixtures: a frozen "now", the household time zone, temp households."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def tz() -> zoneinfo.ZoneInfo:
    return BERLIN


@pytest.fixture
def now() -> dt.datetime:
    """A Thursday morning; the horizon starts at its midnight."""
    return dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)


# Test servers and fakes, available to every test (tests/fakes/).
pytest_plugins = ["tests.fakes.radicale"]
