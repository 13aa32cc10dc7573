"""`plan` and `sync` give the same answers whether calendars are parsed whole, prefiltered, or
served from the parse cache: the speed-ups change costs, never results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.generate import NOW, Params, generate
from calsync.cli import main
from calsync.connectors import ics
from calsync.connectors.ics import forget_recent


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_plan_and_sync_are_the_same_with_and_without_the_speedups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Protects: plan shows exactly what sync does, and both match the slow path (whole files
    parsed, nothing cached), on a household with recurring series, overrides and several zones."""
    config = generate(tmp_path / "home", Params(events=300, years=1.0))
    args = ("--json", "--config", str(config), "--now", NOW.isoformat())
    forget_recent()

    cold_code, cold = _run(capsys, "plan", *args)  # prefiltered parse, result stored
    forget_recent()
    warm_code, warm = _run(capsys, "plan", *args)  # from the state's cache
    with monkeypatch.context() as patch:
        patch.setattr(ics, "prefilter", lambda *a, **k: None)
        patch.setattr(ics.ics_cache, "load", lambda *a, **k: None)
        patch.setattr(ics.ics_cache, "save", lambda *a, **k: None)
        forget_recent()
        slow_code, slow = _run(capsys, "plan", *args)  # whole files, no cache
    assert cold_code == warm_code == slow_code == 0
    assert json.loads(cold)["changes"] and json.loads(cold)["conflicts"]
    assert cold == warm == slow

    sync_code, synced = _run(capsys, "sync", *args)
    assert sync_code == 0
    assert json.loads(synced)["created"] == len(json.loads(cold)["changes"])
    again_code, again = _run(capsys, "sync", *args)  # the written files are read again
    assert again_code == 0
    assert json.loads(again)["created"] == json.loads(again)["deleted"] == json.loads(again)["updated"] == 0
    _code, after = _run(capsys, "plan", *args)
    assert json.loads(after)["changes"] == []
