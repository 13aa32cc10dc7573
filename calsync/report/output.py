"""Write a report to a file: what `calsync report --output` and the daemon's weekly report use.

The file is replaced atomically, so a reader (a browser, a synced folder) never sees half a report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calsync.connectors.atomic import atomic_write
from calsync.errors import CalsyncError
from calsync.report.render import render
from calsync.report.seams import ReportSeams
from calsync.report.weekly import build_report

if TYPE_CHECKING:
    from calsync.service import Household, Reads


class ReportWriteError(CalsyncError):
    """The report could not be written where it was asked to go."""


def save(text: str, path: Path) -> None:
    try:
        atomic_write(Path(path), (text if text.endswith("\n") else text + "\n").encode("utf-8"))
    except OSError as exc:
        raise ReportWriteError(f"cannot write the report to {path}: {exc.strerror or exc}") from None


def write_report(
    household: Household,
    now: dt.datetime,
    path: Path,
    fmt: str = "html",
    *,
    from_date: dt.date | None = None,
    weeks: int = 4,
    seams: ReportSeams | None = None,
) -> tuple[dict[str, Any], Reads]:
    """Build the report and write it to `path` in `fmt`; returns the data and what was read."""
    data, reads = build_report(household, now, from_date, weeks, seams=seams)
    save(render(data, fmt), path)
    return data, reads
