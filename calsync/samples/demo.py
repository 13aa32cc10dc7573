"""`calsync demo`: the main job on the sample household — plan, sync into local files, report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from calsync.config import load_config
from calsync.errors import ExitStatus
from calsync.plan.render import plan_text
from calsync.report import build_report
from calsync.report.render import render
from calsync.rules.explain import flexible_summary
from calsync.samples.materialize import materialize
from calsync.service import Household
from calsync.timeparse import parse_now


def run_demo(
    directory: Path | None,
    now_text: str | None,
    out: Callable[[str], None],
    err: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    *,
    color: bool = False,
) -> ExitStatus:
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    now = parse_now(now_text, tz)
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="calsync-demo-"))
    config_path = directory / "calsync.yaml"
    if not config_path.exists():
        materialize(directory, now.date())
    config = load_config(config_path, dict(env) if env is not None else None)
    out(f"calsync demo — sample household in {directory}")
    out("Two partners, Alex and Sam; their work calendars are iCal files calsync may write its blocks into.\n")
    with Household.open(config, env) as household:
        run = household.plan(now)
        start, end = run.window.start, run.window.end
        out("== 1. plan: what sync would do ==")
        out(plan_text(run.plan, config.tz, f"{start:%a %d %b} → {end:%a %d %b %Y} ({config.file.timezone})", limit=12))
        flexible = flexible_summary(run.evaluation, config.tz)
        if flexible:
            out("\nFlexible rituals, placed where both calendars are free:")
            for line in flexible:
                out(line)
        out("\n== 2. sync: write the blocks ==")
        _, result = household.sync(now)
        out(
            f"Synced: {result.created} created, {result.updated} updated, {result.deleted} deleted, {result.unchanged} unchanged"
        )
        for failure in result.failed:
            err(f"calsync: {failure['partner']}/{failure['calendar']}: {failure['error']}")
        again = household.plan(now)
        counts = again.plan.counts()
        out(f"A second plan now finds {sum(counts.values())} changes (sync is idempotent).")
        out("\n== 3. report: the weekly load balance ==")
        data, _ = build_report(household, now, None, 4)
        out(render(data, "table", color=color))
    out(f"\nLook around: {directory}/calendars holds the calendars with calsync's blocks; rerun with")
    out(f"  calsync plan --config {config_path}")
    return ExitStatus.OK if result.ok else ExitStatus.RUNTIME_FAILURE
