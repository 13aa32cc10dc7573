"""The prefilter (calsync.recurrence.prefilter) only saves work: reading a calendar through it gives
exactly what parsing the whole file gives, on synthetic edge cases and on every real-world calendar
in the shared corpus (skipped when the corpus is absent)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from calsync.config.models import IcsCalendar
from calsync.connectors.base import SourceContext
from calsync.connectors.ics import IcsSource
from calsync.errors import CalsyncError
from calsync.model import CalendarRef, Window
from calsync.model.window import horizon
from calsync.recurrence.expand import Expanded, expand_calendar, parse_calendar
from calsync.recurrence.prefilter import prefilter
from calsync.state.store import SourceCache
from tests.conftest import BERLIN


def _corpus() -> Path | None:
    env = os.environ.get("CALSYNC_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "corpus" / "ics"
        if candidate.is_dir():
            return candidate
    return None


CORPUS = _corpus()
CORPUS_FILES = sorted(CORPUS.glob("*.ics")) if CORPUS else []
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
REF = CalendarRef("alex", "work")


def _source(tmp_path: Path) -> IcsSource:
    ctx = SourceContext(REF, BERLIN, "household", tmp_path, SourceCache(None, str(REF)), emails=("alex@example.org",))
    return IcsSource(IcsCalendar(source="ics", path="cal.ics", role="work"), ctx)


def _exact(expanded: Expanded) -> tuple[list[object], list[object]]:
    """Everything a reader sees, including the datetimes' zone and fold."""
    occurrences = [(o, o.start.isoformat(), o.end.isoformat(), o.start.fold, o.end.fold, o.start.tzinfo) for o in expanded.occurrences]
    owned = [(b, b.start.isoformat(), b.end.isoformat(), b.start.tzinfo) for b in expanded.owned]
    return occurrences, owned


def _assert_same(full: Expanded, fast: Expanded) -> None:
    assert _exact(fast) == _exact(full)
    # the full parse may also warn about broken events far outside the window, never the reverse
    assert set(fast.warnings) <= set(full.warnings)


def _window_at(day: dt.date, days: int = 28) -> Window:
    start = dt.datetime.combine(day, dt.time(9), tzinfo=BERLIN)
    return horizon(start, BERLIN, days)


CAL = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
{body}END:VCALENDAR\r
"""


def _event(uid: str, start: str, end: str = "", extra: str = "") -> str:
    lines = [f"UID:{uid}", start] + ([end] if end else []) + [line for line in extra.split("\n") if line]
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"


EDGE_CASES = {
    # far past and far future one-offs, one in the window
    "singles": _event("a", "DTSTART:20200101T100000Z", "DTEND:20200101T110000Z")
    + _event("b", "DTSTART;TZID=Europe/Berlin:20261130T100000", "DTEND;TZID=Europe/Berlin:20261130T110000")
    + _event("c", "DTSTART:20300101T100000Z", "DTEND:20300101T110000Z"),
    # a long event that started years ago and is still going on
    "long": _event("d", "DTSTART;VALUE=DATE:20200101", "DTEND;VALUE=DATE:20270101"),
    "duration": _event("e", "DTSTART:20261101T100000Z", extra="DURATION:P4W2D")
    + _event("e2", "DTSTART:20261101T100000Z", extra="DURATION:-PT1H"),
    # an open series from the past, an ended one (UNTIL), one ended by COUNT, one with BYMONTHDAY=31
    "series": _event("s1", "DTSTART;TZID=Europe/Berlin:20200106T090000", "DTEND;TZID=Europe/Berlin:20200106T093000", "RRULE:FREQ=WEEKLY")
    + _event("s2", "DTSTART:20200106T090000Z", "DTEND:20200106T093000Z", "RRULE:FREQ=DAILY;UNTIL=20210101T000000Z")
    + _event("s3", "DTSTART:20250106T090000Z", "DTEND:20250106T093000Z", "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO,WE")
    + _event("s4", "DTSTART:20260131T090000Z", "DTEND:20260131T093000Z", "RRULE:FREQ=MONTHLY;COUNT=10")
    + _event("s5", "DTSTART:20251201T090000Z", "DTEND:20251201T093000Z", "RRULE:FREQ=MONTHLY;COUNT=12")
    + _event("s6", "DTSTART:20200229T090000Z", "DTEND:20200229T093000Z", "RRULE:FREQ=YEARLY;COUNT=3"),
    # an override that moves an old instance into the window, and one that moves a window instance away
    "overrides": _event("o1", "DTSTART:20200106T090000Z", "DTEND:20200106T093000Z", "RRULE:FREQ=WEEKLY;COUNT=3")
    + _event("o1", "DTSTART:20261201T090000Z", "DTEND:20261201T093000Z", "RECURRENCE-ID:20200113T090000Z")
    + _event("o2", "DTSTART:20261102T090000Z", "DTEND:20261102T093000Z", "RRULE:FREQ=WEEKLY")
    + _event("o2", "DTSTART:20300101T090000Z", "DTEND:20300101T093000Z", "RECURRENCE-ID:20261130T090000Z"),
    # RDATE can add instances anywhere; a same-UID pair split by years; no UID; folded properties
    "odd": _event("r1", "DTSTART:20200101T090000Z", "DTEND:20200101T100000Z", "RDATE:20261201T090000Z")
    + _event("u1", "DTSTART:20200101T090000Z", "DTEND:20200101T100000Z")
    + _event("u1", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z")
    + "BEGIN:VEVENT\r\nDTSTART:20261202T090000Z\r\nDTEND:20261202T100000Z\r\nEND:VEVENT\r\n"
    + _event("f1", "DTSTART;TZID=Europe/\r\n Berlin:20261203T090000", "DTEND;TZID=Europe/Berlin:2026\r\n 1203T100000")
    + _event("f2", "DTSTART:20200101T09\r\n 0000Z", "DTEND:20200101T100000Z"),
    # an alarm inside an old event, with a DURATION that is not the event's
    "alarm": _event("al", "DTSTART:20200101T090000Z", "DTEND:20200101T100000Z",
                    "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nDURATION:P3000D\nREPEAT:2\nEND:VALARM"),
    # calsync's own blocks: one in the window, one from years ago
    "owned": _event("csabc@calsync", "DTSTART:20261130T173000Z", "DTEND:20261130T190000Z", "X-CALSYNC-KEY:csabc")
    + _event("csold@calsync", "DTSTART:20200101T173000Z", "DTEND:20200101T190000Z", "X-CALSYNC-KEY:csold"),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_prefilter_matches_full_parse_on_edge_cases(tmp_path: Path, name: str) -> None:
    """Protects: each case the prefilter reasons about (dates, durations, rules, overrides, RDATE,
    UID groups, folding, alarms, calsync blocks) reads exactly as a full parse does."""
    data = CAL.format(body=EDGE_CASES[name]).encode()
    source = _source(tmp_path)
    window = horizon(NOW, BERLIN, 28)
    full = source.expand(data, window, prefiltered=False)
    fast = source.expand(data, window, prefiltered=True)
    _assert_same(full, fast)


def test_prefilter_drops_only_what_cannot_touch_the_window() -> None:
    """Protects: the saving is real (old events are cut) and nothing near the window is cut."""
    data = CAL.format(body=EDGE_CASES["singles"] + EDGE_CASES["series"] + EDGE_CASES["overrides"]).encode()
    result = prefilter(data, horizon(NOW, BERLIN, 28), BERLIN)
    assert result is not None
    kept = result.data.decode()
    for uid in ("UID:b\r", "UID:s1\r", "UID:o1\r", "UID:o2\r", "UID:s4\r", "UID:s5\r", "UID:s6\r"):
        assert uid in kept
    for uid in ("UID:a\r", "UID:c\r", "UID:s2\r", "UID:s3\r"):
        assert uid not in kept
    assert kept.count("BEGIN:VEVENT") == result.kept


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",  # END does not match BEGIN
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",  # truncated
        "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",  # no calendar
        "garbage\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",  # text before the calendar
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT \r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",  # an odd BEGIN line
        "BEGIN:VCALENDAR\r\nBEGIN:VEV\r\n ENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",  # a folded BEGIN line
    ],
)
def test_prefilter_gives_up_on_odd_structure(text: str) -> None:
    """Protects: broken files are judged by the full parser, so their errors read as before."""
    assert prefilter(text.encode(), horizon(NOW, BERLIN, 28), BERLIN) is None


def _windows_for(data: bytes) -> list[Window]:
    """The household horizon, plus windows where the file's own events are."""
    days = sorted({m.group(1).decode() for m in re.finditer(rb"\nDTSTART[^:\r\n]*:(\d{8})", data)})
    windows = [horizon(NOW, BERLIN, 28)]
    for day in {days[0], days[len(days) // 2], days[-1]} if days else set():
        try:
            windows.append(_window_at(dt.date(int(day[:4]), int(day[4:6]), int(day[6:8])) - dt.timedelta(days=3)))
        except ValueError:
            continue
    return windows


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_FILES, reason="the shared corpus of real-world calendars is not here")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_prefilter_matches_full_parse_on_corpus(tmp_path: Path, path: Path) -> None:
    """Protects: on every real-world calendar, in the household's horizon and in windows where the
    file has events, the prefiltered read equals the full read (or both fail the same way)."""
    data = path.read_bytes()
    source = _source(tmp_path)
    try:
        cal = parse_calendar(data, source.label)
        full_error = None
    except CalsyncError as exc:
        cal, full_error = None, exc
    for window in _windows_for(data):
        try:
            fast = source.expand(data, window, prefiltered=True)
        except CalsyncError as exc:
            assert full_error is not None, f"only the prefiltered read failed: {exc}"
            with pytest.raises(CalsyncError) as full_exc:
                source.expand(data, window, prefiltered=False)
            assert str(exc) == str(full_exc.value)
            continue
        assert full_error is None, f"only the full read failed: {full_error}"
        full = expand_calendar(cal, window, BERLIN, REF, emails=("alex@example.org",), label=source.label)
        _assert_same(full, fast)


def test_unreadable_calsync_block_still_fails_the_read(tmp_path: Path) -> None:
    """Protects: a calsync block whose times cannot be read is kept by the prefilter (it cannot
    tell where it lies), so the read fails as with a full parse instead of the block looking deleted."""
    from calsync.errors import ParseError

    broken = "BEGIN:VEVENT\r\nUID:csx@calsync\r\nX-CALSYNC-KEY:csx\r\nSUMMARY:Busy\r\nEND:VEVENT\r\n"
    data = CAL.format(body=EDGE_CASES["singles"] + broken).encode()
    source = _source(tmp_path)
    window = horizon(NOW, BERLIN, 28)
    for prefiltered in (True, False):
        with pytest.raises(ParseError, match="calsync's own block"):
            source.expand(data, window, prefiltered=prefiltered)
