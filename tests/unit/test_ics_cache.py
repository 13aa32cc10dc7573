"""The parse cache of iCal sources (calsync.connectors.ics_cache): an unchanged file is not parsed
again, and a cached read is identical to a fresh one. Any change to what the result depends on
(the file's bytes, the window, the household zone, the partner's addresses) reads afresh."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from benchmarks.generate import Params, calendar_text
from calsync.config.models import IcsCalendar
from calsync.connectors import ics_cache
from calsync.connectors.base import SourceContext
from calsync.connectors.ics import IcsSource, forget_recent
from calsync.model import CalendarRef
from calsync.model.window import horizon
from calsync.recurrence.expand import Expanded
from calsync.state.store import Store
from tests.conftest import BERLIN

REF = CalendarRef("alex", "work")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _no_remembered_reads() -> None:
    forget_recent()


@pytest.fixture
def store() -> Store:
    s = Store.memory()
    yield s
    s.close()


def _source(path: Path, store: Store, tz: zoneinfo.ZoneInfo = BERLIN, emails: tuple[str, ...] = ("alex@example.org",)) -> IcsSource:
    ctx = SourceContext(REF, tz, "household", path.parent, store.cache(REF), emails=emails)
    return IcsSource(IcsCalendar(source="ics", path=path.name, role="work"), ctx)


def _exact(expanded: Expanded | object) -> tuple[list[object], list[object], list[str]]:
    occurrences = [
        (o, o.start.isoformat(), o.end.isoformat(), o.start.fold, o.end.fold, o.start.tzinfo, o.end.tzinfo)
        for o in expanded.occurrences  # type: ignore[attr-defined]
    ]
    owned = [(b, b.start.isoformat(), b.end.isoformat(), b.start.tzinfo) for b in expanded.owned]  # type: ignore[attr-defined]
    return occurrences, owned, list(expanded.warnings)  # type: ignore[attr-defined]


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> Expanded:
        raise AssertionError("the calendar was parsed although nothing changed")

    monkeypatch.setattr(IcsSource, "expand", refuse)


def _calendar(tmp_path: Path, events: int = 300, extra: str = "") -> Path:
    text = calendar_text("alex", "work", Params(events=events, years=1.0), seed=7)
    if extra:
        text = text.replace("END:VCALENDAR\r\n", extra + "END:VCALENDAR\r\n")
    path = tmp_path / "work.ics"
    path.write_bytes(text.encode())
    return path


# Wall times a zone skips (spring forward) or repeats (fall back), as floating times: their fold
# and offset must survive the cache exactly.
DST_EVENTS = (
    "BEGIN:VEVENT\r\nUID:gap\r\nDTSTART:20261129T023000\r\nDTEND:20261129T033000\r\nSUMMARY:plain\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:fold\r\nDTSTART;TZID=Europe/Berlin:20261025T023000\r\nDTEND;TZID=Europe/Berlin:20261025T024500\r\n"
    "SUMMARY:twice\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:skipped\r\nDTSTART:20270328T023000\r\nDTEND:20270328T033000\r\nSUMMARY:gap\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:allday\r\nDTSTART;VALUE=DATE:20261201\r\nDTEND;VALUE=DATE:20261203\r\nSUMMARY:trip\r\n"
    "CATEGORIES:Travel,Team\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:csabc@calsync\r\nDTSTART:20261130T173000Z\r\nDTEND:20261130T190000Z\r\nSUMMARY:Busy\r\n"
    "X-CALSYNC-KEY:csabc\r\nX-CALSYNC-RULE:family-dinner\r\nEND:VEVENT\r\n"
)


def test_cached_read_is_identical_to_a_fresh_one(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Protects: a cached read gives back exactly what parsing gives (zones, folds, all-day dates,
    categories, calsync blocks, warnings), and a second source over the same state does not parse."""
    path = _calendar(tmp_path, extra=DST_EVENTS)
    window = horizon(NOW, BERLIN, 28)
    fresh = _source(path, store).expand(path.read_bytes(), window, prefiltered=False)
    first = _source(path, store).read(window)
    assert _exact(first) == _exact(fresh)
    assert fresh.occurrences and fresh.owned
    _no_parsing(monkeypatch)
    in_process = _source(path, store).read(window)  # a new source in the same process (a daemon cycle)
    forget_recent()
    from_state = _source(path, store).read(window)  # as a new process: only the state remembers
    assert _exact(in_process) == _exact(fresh)
    assert _exact(from_state) == _exact(fresh)


def test_fold_and_gap_times_survive_the_cache(tmp_path: Path, store: Store) -> None:
    """Protects: wall times around DST changes keep their offset through the cache."""
    path = _calendar(tmp_path, events=10, extra=DST_EVENTS)
    window = horizon(dt.datetime(2026, 10, 20, tzinfo=BERLIN), BERLIN, 200)
    fresh = _source(path, store).expand(path.read_bytes(), window)
    _source(path, store).read(window)
    cached = ics_cache.load(store.cache(REF), next(iter([_key(path, window)])), BERLIN, REF)
    assert cached is not None
    assert _exact(cached) == _exact(fresh)
    uids = {o.uid for o in cached.occurrences}
    assert {"gap", "fold", "skipped", "allday"} <= uids


def _key(path: Path, window: object, tz: zoneinfo.ZoneInfo = BERLIN) -> str:
    return ics_cache.cache_key(path.read_bytes(), window, tz, REF, ("alex@example.org",), str(path))  # type: ignore[arg-type]


def test_changed_file_is_read_again(tmp_path: Path, store: Store) -> None:
    """Protects: an edit to the file (here a new meeting) shows up in the very next read."""
    path = _calendar(tmp_path)
    window = horizon(NOW, BERLIN, 28)
    before = _source(path, store).read(window)
    new_event = (
        "BEGIN:VEVENT\r\nUID:new-meeting\r\nDTSTART;TZID=Europe/Berlin:20261201T100000\r\n"
        "DTEND;TZID=Europe/Berlin:20261201T110000\r\nSUMMARY:New meeting\r\nEND:VEVENT\r\n"
    )
    path.write_bytes(path.read_bytes().replace(b"END:VCALENDAR", new_event.encode() + b"END:VCALENDAR"))
    after = _source(path, store).read(window)
    assert "new-meeting" not in {o.uid for o in before.occurrences}
    assert "new-meeting" in {o.uid for o in after.occurrences}
    assert len(after.occurrences) == len(before.occurrences) + 1


def test_written_blocks_are_seen_on_the_next_read(tmp_path: Path, store: Store) -> None:
    """Protects: after calsync writes its blocks into the file, the next read sees them (the
    file's bytes changed, so the cached read of the old file is not used)."""
    from calsync.model import Block, Change

    path = _calendar(tmp_path)
    ctx_source = _source(path, store)
    ctx_source.writable = True
    window = horizon(NOW, BERLIN, 28)
    assert ctx_source.read(window).owned == []
    start = dt.datetime(2026, 11, 30, 18, 30, tzinfo=BERLIN)
    block = Block("cskey1", REF, "family-dinner", "no_work", start, start + dt.timedelta(hours=1), "Busy")
    outcomes = ctx_source.apply([Change("create", REF, "family-dinner", "cskey1", block=block)])
    assert all(o.ok for o in outcomes)
    assert [b.key for b in ctx_source.read(window).owned] == ["cskey1"]


@pytest.mark.parametrize("change", ["window", "zone", "emails"])
def test_cache_follows_window_zone_and_addresses(tmp_path: Path, store: Store, change: str) -> None:
    """Protects: a read over another window, in another household zone or for other addresses is
    computed for them, never served from the cache of the earlier one."""
    path = _calendar(tmp_path)
    window = horizon(NOW, BERLIN, 28)
    _source(path, store).read(window)
    tz, emails = BERLIN, ("alex@example.org",)
    if change == "window":
        window = horizon(NOW + dt.timedelta(days=3), BERLIN, 28)
    elif change == "zone":
        tz = zoneinfo.ZoneInfo("America/New_York")
        window = horizon(NOW, tz, 28)
    else:
        emails = ("someone-else@example.org",)
    source = _source(path, store, tz=tz, emails=emails)
    got = source.read(window)
    want = source.expand(path.read_bytes(), window, prefiltered=False)
    assert _exact(got) == _exact(want)
    # one entry per calendar: the state does not grow with every window
    rows = store.conn.execute("SELECT COUNT(*) FROM source_cache WHERE calendar=?", (str(REF),)).fetchone()[0]
    assert rows == 1


def test_declines_depend_on_the_addresses(tmp_path: Path, store: Store) -> None:
    """Protects: the addresses are part of the key, so a decline is not lost or invented by the cache."""
    path = _calendar(tmp_path)
    window = horizon(NOW - dt.timedelta(days=300), BERLIN, 400)
    mine = _source(path, store).read(window)
    other = _source(path, store, emails=("nobody@example.org",)).read(window)
    assert any(o.declined for o in mine.occurrences)
    assert not any(o.declined for o in other.occurrences)


def test_unreadable_cache_entry_is_ignored(tmp_path: Path, store: Store) -> None:
    """Protects: a damaged cache entry costs a parse, never a wrong or failed read."""
    path = _calendar(tmp_path)
    window = horizon(NOW, BERLIN, 28)
    fresh = _source(path, store).read(window)
    store.cache(REF).put(ics_cache.NAME, _key(path, window).encode() + b"\n{not json")
    forget_recent()
    again = _source(path, store).read(window)
    assert _exact(again) == _exact(fresh)


def test_blocks_outside_the_window_are_not_reported(tmp_path: Path, store: Store) -> None:
    """Protects: calsync's blocks are reported for the window read, like occurrences; old blocks
    from years ago are neither parsed nor returned."""
    old = (
        "BEGIN:VEVENT\r\nUID:csold@calsync\r\nDTSTART:20200101T173000Z\r\nDTEND:20200101T190000Z\r\nSUMMARY:Busy\r\n"
        "X-CALSYNC-KEY:csold\r\nEND:VEVENT\r\n"
    )
    path = _calendar(tmp_path, events=5, extra=DST_EVENTS + old)
    got = _source(path, store).read(horizon(NOW, BERLIN, 28))
    assert [b.key for b in got.owned] == ["csabc"]


class _CountingCache:
    """A SourceCache stand-in that counts writes."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.writes: list[str] = []

    def get(self, name: str) -> bytes | None:
        return self.inner.get(name)  # type: ignore[attr-defined]

    def put(self, name: str, value: bytes | None) -> None:
        self.writes.append(name)
        self.inner.put(name, value)  # type: ignore[attr-defined]

    def get_json(self, name: str) -> object:
        return self.inner.get_json(name)  # type: ignore[attr-defined]

    def put_json(self, name: str, value: object) -> None:
        self.writes.append(name)
        self.inner.put_json(name, value)  # type: ignore[attr-defined]


@pytest.mark.parametrize("etag", [True, False], ids=["etag", "no-etag"])
def test_unchanged_feed_is_neither_parsed_nor_stored_again(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, etag: bool
) -> None:
    """Protects: a feed that did not change (304, or the same bytes from a server without ETags)
    costs one request and nothing else: no parse, no rewrite of the stored copy. A changed feed is
    parsed again."""
    from tests.fakes.feed_server import feed_server

    body = calendar_text("alex", "work", Params(events=200, years=1.0), seed=3).encode()
    window = horizon(NOW, BERLIN, 28)
    with feed_server() as (url, state):
        state.body = body
        state.send_etag = etag

        def source() -> tuple[IcsSource, _CountingCache]:
            cache = _CountingCache(store.cache(REF))
            ctx = SourceContext(REF, BERLIN, "household", tmp_path, cache, emails=())  # type: ignore[arg-type]
            return IcsSource(IcsCalendar(source="ics", url=url + "/feed.ics", role="work"), ctx), cache

        first_source, _ = source()
        first = first_source.read(window)
        with monkeypatch.context() as patch:
            _no_parsing(patch)
            forget_recent()
            again_source, cache = source()
            again = again_source.read(window)
        assert _exact(again) == _exact(first)
        assert cache.writes == []
        assert len(state.requests) == 2
        state.body = body.replace(b"END:VCALENDAR", b"BEGIN:VEVENT\r\nUID:late\r\nDTSTART:20261201T100000Z\r\n"
                                  b"DTEND:20261201T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR")
        changed_source, _ = source()
        assert "late" in {o.uid for o in changed_source.read(window).occurrences}
