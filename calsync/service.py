"""The main job, end to end: read calendars → evaluate rules → plan → apply → record.

CLI commands and the daemon call these functions; they return values and never print.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from calsync.config.models import Config
from calsync.connectors.base import Snapshot, Source, SourceContext
from calsync.connectors.redact import redact
from calsync.connectors.registry import build_source
from calsync.errors import CalsyncError, SourceError
from calsync.model import CalendarRef, Occurrence, OwnedBlock, Window
from calsync.model.identity import owner_id
from calsync.model.window import horizon, local_midnight
from calsync.plan.planner import Plan, make_plan
from calsync.rules.engine import RuleInputs, evaluate
from calsync.rules.outcome import Evaluation
from calsync.state.store import Store
from calsync.sync.executor import SyncResult, execute

log = logging.getLogger(__name__)


@dataclass
class Reads:
    """The result of reading every calendar over a window."""

    window: Window
    snapshots: dict[CalendarRef, Snapshot] = field(default_factory=dict)
    failed: dict[CalendarRef, str] = field(default_factory=dict)

    @property
    def occurrences(self) -> list[Occurrence]:
        return [o for s in self.snapshots.values() for o in s.occurrences]

    @property
    def owned(self) -> list[OwnedBlock]:
        return [b for s in self.snapshots.values() for b in s.owned]

    @property
    def warnings(self) -> list[str]:
        return [w for s in self.snapshots.values() for w in s.warnings]


@dataclass
class PlanRun:
    window: Window
    now: dt.datetime
    reads: Reads
    evaluation: Evaluation
    plan: Plan


class Household:
    """A loaded configuration with its state and calendar sources."""

    def __init__(self, config: Config, store: Store, env: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.store = store
        self.env = dict(os.environ) if env is None else dict(env)
        self._sources: dict[CalendarRef, Source] = {}

    @classmethod
    def open(cls, config: Config, env: Mapping[str, str] | None = None) -> Household:
        return cls(config, Store.open(config.state_path), env)

    def close(self) -> None:
        for source in self._sources.values():
            try:
                source.close()
            except Exception:  # closing is best effort
                log.debug("closing %s failed", source.ref, exc_info=True)
        self._sources.clear()
        self.store.close()

    def __enter__(self) -> Household:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calendars ----------------------------------------------------------------------------
    def refs(self) -> list[CalendarRef]:
        return [CalendarRef(p, c) for p, partner in self.config.file.partners.items() for c in partner.calendars]

    def writable_refs(self) -> list[CalendarRef]:
        partners = self.config.file.partners
        return [r for r in self.refs() if partners[r.partner].calendars[r.calendar].write]

    def source(self, ref: CalendarRef) -> Source:
        if ref not in self._sources:
            partner = self.config.file.partners[ref.partner]
            ctx = SourceContext(
                ref=ref,
                tz=self.config.tz,
                household=self.config.file.household,
                base_dir=self.config.base_dir,
                cache=self.store.cache(ref),
                emails=tuple(partner.emails),
                env=self.env,
            )
            self._sources[ref] = build_source(partner.calendars[ref.calendar], ctx)
        return self._sources[ref]

    def read(self, window: Window, skip: Mapping[CalendarRef, str] | None = None) -> Reads:
        """Read every calendar; a failure is recorded per calendar and never raised.

        Calendars in `skip` (e.g. backing off after failures) are not read and count as failed reads.
        """
        reads = Reads(window)
        for ref in self.refs():
            if skip and ref in skip:
                reads.failed[ref] = skip[ref]
                continue
            try:
                snapshot = self.source(ref).read(window)
            except CalsyncError as exc:
                message = exc.message if isinstance(exc, SourceError) else str(exc)
                reads.failed[ref] = redact(message)
                log.error("%s: %s", ref, reads.failed[ref])
            except Exception as exc:  # an unexpected bug in one source must not stop the others
                log.exception("%s: reading failed", ref)
                reads.failed[ref] = redact(f"reading failed: {type(exc).__name__}: {exc}")
            else:
                # Blocks another calendar entry (the other partner's view of a shared calendar, or
                # another household) wrote here are neither this entry's nor the user's.
                mine = owner_id(self.config.file.household, ref)
                snapshot.owned = [b for b in snapshot.owned if not b.owner or b.owner == mine]
                reads.snapshots[ref] = snapshot
        return reads

    # -- the main job -------------------------------------------------------------------------
    def window(self, now: dt.datetime) -> Window:
        return horizon(now, self.config.tz, self.config.file.horizon_days)

    def evaluate(self, reads: Reads, now: dt.datetime) -> Evaluation:
        return evaluate(
            RuleInputs(
                config=self.config.file,
                rules=self.config.rules,
                window=reads.window,
                now=now,
                tz=self.config.tz,
                occurrences=reads.occurrences,
                owned=reads.owned,
            )
        )

    def rules_window(self, window: Window) -> Window:
        """What the rules look at: the horizon from the Monday of its first week, so a weekly ritual
        already held earlier this week is seen (and not placed twice). Blocks that are over are
        never changed: the planner manages only the horizon."""
        first = window.start.astimezone(self.config.tz).date()
        return Window(local_midnight(first - dt.timedelta(days=first.weekday()), self.config.tz), window.end)

    def plan(self, now: dt.datetime, *, force: bool = False, skip: Mapping[CalendarRef, str] | None = None) -> PlanRun:
        window = self.window(now)
        reads = self.read(self.rules_window(window), skip)
        evaluation = self.evaluate(reads, now)
        records = {ref: self.store.blocks(ref) for ref in self.writable_refs()}
        plan = make_plan(
            evaluation.blocks,
            reads.snapshots,
            reads.failed,
            records,
            self.writable_refs(),
            window,
            now,
            max_deletes=self.config.file.safety.max_deletes,
            force=force,
        )
        plan.conflicts = [c for c in evaluation.conflicts if window.overlaps(c.start, c.end)]
        plan.missed = evaluation.missed
        plan.notes = evaluation.notes
        plan.warnings = reads.warnings
        return PlanRun(window, now, reads, evaluation, plan)

    def sync(
        self, now: dt.datetime, *, force: bool = False, skip: Mapping[CalendarRef, str] | None = None
    ) -> tuple[PlanRun, SyncResult]:
        run_id = self.store.start_run("sync")
        planned = self.plan(now, force=force, skip=skip)
        if planned.plan.safety_stop:
            result = SyncResult(unchanged=planned.plan.unchanged)
            result.failed.append({"partner": "*", "calendar": "*", "error": planned.plan.safety_stop})
            self.store.finish_run(run_id, False, result.counts(), result.failed)
            return planned, result
        sources = {ref: self.source(ref) for ref in self.writable_refs() if ref not in planned.reads.failed}
        result = execute(planned.plan, sources, self.store)
        failed_refs = {CalendarRef(f["partner"], f["calendar"]) for f in result.failed}
        for ref in self.refs():
            if skip and ref in skip:
                continue  # not tried this time: its last error stays on record
            if ref in planned.reads.failed:
                self.store.calendar_failed(ref, planned.reads.failed[ref])
            elif ref in failed_refs:
                self.store.calendar_failed(ref, next(f["error"] for f in result.failed if CalendarRef(f["partner"], f["calendar"]) == ref))
            else:
                self.store.calendar_ok(ref)
        self.store.finish_run(run_id, result.ok, result.counts(), result.failed)
        return planned, result
