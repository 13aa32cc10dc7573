"""The HTML report opens in a real headless browser and its chart renders (skipped without Chromium)."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path

import pytest

from calsync.report.render import render
from calsync.samples.demo import run_demo
from tests.conftest import BERLIN
from tests.report import png
from tests.report.browser import find_chromium, screenshot
from tests.report.household import report_for

BROWSER = find_chromium()


def _blank_png(path: Path, width: int = 40, height: int = 30) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_blank_screenshot_is_detected(tmp_path: Path) -> None:
    """The checker itself: a white image fails (so a passing browser test means something)."""
    blank = tmp_path / "blank.png"
    _blank_png(blank)
    problems = png.check(blank)
    assert any("blank" in p for p in problems)
    assert any("no bars" in p for p in problems)


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
@pytest.mark.slow
def test_demo_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    run_demo(tmp_path / "demo", "2026-11-26T09:00", lambda _: None, lambda _: None, {})
    data = report_for(tmp_path / "demo" / "calsync.yaml", dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN), weeks=4)
    page = tmp_path / "report.html"
    page.write_text(render(data, "html"), encoding="utf-8")
    shot = tmp_path / "report.png"
    assert BROWSER is not None
    screenshot(BROWSER, page, shot)
    assert png.check(shot) == []
