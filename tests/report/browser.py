"""Render an HTML file in headless Chromium and take a screenshot (used by tests and scripts)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def screenshot(browser: str, page: Path, out: Path, width: int = 390, height: int = 1400, timeout: float = 90) -> None:
    """A phone-sized screenshot of `page` (a local file; the browser is kept off the network)."""
    with tempfile.TemporaryDirectory(prefix="calsync-chromium-") as profile:
        result = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", f"--screenshot={out}", page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if not out.exists():
        raise RuntimeError(f"{browser} wrote no screenshot (exit {result.returncode}): {result.stderr[-2000:]}")


if __name__ == "__main__":
    import sys

    browser = find_chromium()
    if browser is None:
        print("no chromium found (set CHROMIUM=...)", file=sys.stderr)
        sys.exit(2)
    screenshot(browser, Path(sys.argv[1]), Path(sys.argv[2]))
