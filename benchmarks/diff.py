"""`frispor diff` alone, at 100,000 and 1,000,000 events (PostgreSQL): the changed aggregates found
by the recorded-times read model and replayed once each (today's path) beside the whole log scanned
for recorded times (the earlier path), same moments as the review section."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import FAST, Bench, Figure, Row
from benchmarks.review import EARLIER, LATER
from frispor.demo.bulk import generate_bulk
from frispor.domain.application import Frispor
from frispor.projections.audit.between import diff_between
from frispor.projections.audit.diff import diff
from frispor.projections.audit.record import load_changed
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_runner import runner_for
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def timed(app: Frispor, db: Database, fast: bool) -> tuple[float, list[dict[str, Any]]]:
    """Seconds one diff took (the new path or the whole-log scan), and the changes it found."""
    started = time.perf_counter()
    if fast:
        changes = diff_between(app, db, EARLIER, LATER)
    else:
        changes = diff(load_changed(app, EARLIER, LATER), EARLIER, LATER)
    return time.perf_counter() - started, [c.as_dict() for c in changes]


def run(bench: Bench) -> list[Row]:
    """Generate each log, catch the read model up, then time both paths (the new one every run)."""
    found = []
    for events in (20_000,) if bench.quick else (100_000, 1_000_000):
        url = bench.schema_url()
        app = open_app(store_env(url) | FAST)
        db = Database(url)
        ensure(db)
        try:
            total = generate_bulk(app, events)
            started = time.perf_counter()
            runner_for(app, db, VIEWS["recorded"]).catch_up()
            catch_up = time.perf_counter() - started
            fast = [timed(app, db, fast=True) for _ in range(bench.runs)]
            whole, expected = timed(app, db, fast=False)
        finally:
            db.close()
            app.close()
        assert all(changes == expected for _, changes in fast), "the fast diff found other changes"
        found += [
            Row(
                f"diff between two moments, by the recorded-times read model ({total:,} events)",
                "s",
                Figure(tuple(s for s, _ in fast)),
                baseline_name="whole log scanned for recorded times",
                baseline=Figure((whole,)),
                goal="< 10 s at 1M",
                notes=f"{len(expected):,} changed fields, the same by both paths",
            ),
            Row(
                f"recorded-times read model catch-up from zero ({total:,} events)",
                "events/s",
                Figure((total / catch_up,)),
                notes=f"{catch_up:.1f} s, once per database; then kept as events come",
            ),
        ]
    return found
