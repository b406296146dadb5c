"""`frispor diff` alone, at 100,000 and 1,000,000 events (PostgreSQL): the changed aggregates
decoded (today's path) beside the whole log decoded (the earlier path), same moments as the
review section, without the million section's other figures."""

from __future__ import annotations

import time

from benchmarks.common import FAST, Bench, Figure, Row
from benchmarks.review import EARLIER, LATER
from frispor.demo.bulk import generate_bulk
from frispor.domain.application import Frispor
from frispor.projections.audit.diff import diff
from frispor.projections.audit.record import load_changed, load_record
from frispor.store.env import store_env
from frispor.store.open import open_app


def timed(app: Frispor, fast: bool) -> tuple[float, int]:
    """Seconds one diff took, and how many fields it found changed."""
    started = time.perf_counter()
    record = load_changed(app, EARLIER, LATER) if fast else load_record(app, LATER)
    changes = diff(record, EARLIER, LATER)
    return time.perf_counter() - started, len(changes)


def run(bench: Bench) -> list[Row]:
    """Generate each log, then time the fast diff (every run) and the whole-log diff (once)."""
    found = []
    for events in (20_000,) if bench.quick else (100_000, 1_000_000):
        app = open_app(store_env(bench.schema_url()) | FAST)
        try:
            total = generate_bulk(app, events)
            fast = [timed(app, fast=True) for _ in range(bench.runs)]
            whole, changes = timed(app, fast=False)
        finally:
            app.close()
        assert {n for _, n in fast} == {changes}, "the fast diff found other changes"
        found.append(
            Row(
                f"diff between two moments, changed aggregates decoded ({total:,} events)",
                "s",
                Figure(tuple(s for s, _ in fast)),
                baseline_name="whole log decoded",
                baseline=Figure((whole,)),
                goal="< 10 s at 1M",
                notes=f"{changes:,} changed fields; the log scanned once for recorded times",
            )
        )
    return found
