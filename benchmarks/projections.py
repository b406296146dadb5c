"""Projection catch-up: this project's batch runner vs the library's ProjectionRunner;
status and as-of queries on the read models of a generated history."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial, singledispatchmethod
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from benchmarks.common import FAST, Bench, Figure, Row, measure
from benchmarks.generate import generate
from frispor.domain.application import Frispor
from frispor.projections.catalog import VIEWS, create_table, ensure
from frispor.projections.findings_runner import runner_for
from frispor.projections.queries import ReadModels
from frispor.store.db import Database, split_schema
from frispor.store.env import store_env
from frispor.store.open import open_app


class LibraryView(PostgresTrackingRecorder):
    """The library's pattern: one view row and its tracking row per event, one transaction."""

    def create_table(self) -> None:
        """The tracking table and a one-row-per-aggregate view."""
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "CREATE TABLE IF NOT EXISTS bench_library_view (aggregate_id text PRIMARY KEY, "
                "version int, kind text)"
            )

    def upsert(self, aggregate_id: str, version: int, kind: str, tracking: Tracking) -> None:
        """Write the view row and the tracking row together."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO bench_library_view VALUES (%s, %s, %s) ON CONFLICT (aggregate_id) "
                "DO UPDATE SET version = EXCLUDED.version, kind = EXCLUDED.kind",
                (aggregate_id, version, kind),
            )
            self._insert_tracking(curs, tracking)


class LibraryProjection(Projection[LibraryView]):
    """Each event sets its aggregate's row."""

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Upsert the row of the event's aggregate."""
        self.view.upsert(
            str(domain_event.originator_id),
            domain_event.originator_version,
            type(domain_event).__qualname__,
            tracking,
        )


def run(bench: Bench) -> list[Row]:
    """Generate a history, then time catch-up (ours, every read model) and the library's."""
    url = bench.schema_url()
    app = open_app(store_env(url) | FAST)
    db = Database(url)
    ensure(db)
    try:
        total = generate(app, 20_000 if bench.quick else 100_000)
        head = app.recorder.max_notification_id() or 0
        runs = iter(range(10_000))

        def ours(name: str) -> int:
            table = f"bench_{name}_{next(runs)}"
            with db.transaction() as cur:
                create_table(cur, VIEWS[name], table)
            runner_for(app, db, VIEWS[name], table=table).catch_up()
            return head

        candidates: dict[str, Callable[[], int]] = {n: partial(ours, n) for n in VIEWS}
        figures = measure(candidates, runs=bench.runs)
        library_events = 2_000 if bench.quick else 6_000
        library = measure({"library": lambda: _library(url, library_events)}, runs=bench.runs)
        for view in VIEWS.values():
            runner_for(app, db, view).catch_up()
        query_rows = _queries(ReadModels(db), app, bench)
    finally:
        db.close()
        app.close()
    rows = [
        Row(
            f"projection catch-up/rebuild: {name}",
            "events/s",
            figures[name],
            "library ProjectionRunner (1 tx/event)",
            library["library"],
            goal="≥ 40,000 events/s",
            notes=f"{total:,} generated events; each view reads only its own events' topics, "
            "in batches of 500 with tracking in the same transaction",
        )
        for name in VIEWS
    ]
    return rows + query_rows


def _library(url: str, events: int) -> int:
    env = store_env(url) | FAST
    env["LIBRARYPROJECTION_POSTGRES_SCHEMA"] = env["POSTGRES_SCHEMA"]
    base, schema = split_schema(url)
    with psycopg.connect(base, autocommit=True) as conn:  # each run starts from zero
        conn.execute(f'DROP TABLE IF EXISTS "{schema}".libraryprojection_tracking')
        conn.execute("DROP TABLE IF EXISTS bench_library_view")
    with ProjectionRunner(
        application_class=Frispor,
        projection_class=LibraryProjection,
        view_class=LibraryView,
        env=env,
    ) as runner:
        runner.wait(events, timeout=300)
    return events


def _queries(read: ReadModels, app: Frispor, bench: Bench) -> list[Row]:
    trials = [t["aggregate_id"] for t in read.trials(as_of=date(2019, 1, 1))]
    rng = random.Random(7)
    latencies: dict[str, list[float]] = {"trial status": [], "exemptions in force": []}
    count = 200 if bench.quick else 1_000
    for _ in range(count):
        day = date(2017, 1, 1) + timedelta(days=rng.randrange(1_400))
        started = time.perf_counter()
        read.trial(rng.choice(trials), as_of=day)
        latencies["trial status"].append(time.perf_counter() - started)
        started = time.perf_counter()
        read.exemptions(in_force_on=day, trial=rng.choice(trials))
        latencies["exemptions in force"].append(time.perf_counter() - started)
    rows = []
    for name, values in latencies.items():
        values.sort()
        p99 = values[int(len(values) * 0.99) - 1] * 1000
        rate = Figure(tuple(1 / statistics.median(values) for _ in range(1)))
        rows.append(
            Row(
                f"query: {name} as of a random day",
                "queries/s (1 client)",
                rate,
                goal="p99 < 5 ms",
                notes=f"p50 {statistics.median(values) * 1000:.2f} ms, p99 {p99:.2f} ms over "
                f"{count:,} queries on {app.recorder.max_notification_id():,} events",
            )
        )
    return rows
