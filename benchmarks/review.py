"""The review at scale: findings catch-up, GET /review?trial= and a trial's status p99, a whole
review as JSON, and `frispor diff` between two moments, on synthetic histories (PostgreSQL)."""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from benchmarks.common import FAST, Bench, Figure, Row
from frispor.demo.bulk import generate_bulk
from frispor.projections.audit.diff import diff
from frispor.projections.audit.record import load_record
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_query import ReviewQuery, review_all, review_page
from frispor.projections.findings_runner import runner_for
from frispor.projections.queries import ReadModels
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * q) - 1)] * 1000


def run(bench: Bench) -> list[Row]:
    """Generate the log, catch the read models up, then time the review's paths."""
    events = 20_000 if bench.quick else 100_000
    url = bench.schema_url()
    app = open_app(store_env(url) | FAST)
    db = Database(url)
    ensure(db)
    try:
        total = generate_bulk(app, events)
        for name, view in VIEWS.items():
            if name != "findings":
                runner_for(app, db, view).catch_up()
        started = time.perf_counter()
        runner_for(app, db, VIEWS["findings"]).catch_up()
        catch_up = time.perf_counter() - started

        read = ReadModels(db)
        trials = [t["aggregate_id"] for t in read.trials(as_of=date(2019, 1, 1))]
        rng = random.Random(7)
        count = 200 if bench.quick else 1_000
        review_ms: list[float] = []
        status_ms: list[float] = []
        for _ in range(count):
            day = date(2016, 6, 1) + timedelta(days=rng.randrange(1_800))
            trial = rng.choice(trials)
            started = time.perf_counter()
            review_page(db, ReviewQuery(as_of=day, trial=trial), limit=100)
            review_ms.append(time.perf_counter() - started)
            started = time.perf_counter()
            read.trial(trial, as_of=day)
            status_ms.append(time.perf_counter() - started)

        started = time.perf_counter()
        whole = review_all(db, ReviewQuery(as_of=date(2020, 12, 31)))
        text = json.dumps(whole, ensure_ascii=False)
        whole_seconds = time.perf_counter() - started

        started = time.perf_counter()
        later = datetime(2018, 7, 1, tzinfo=UTC)
        changes = diff(load_record(app, later), datetime(2018, 1, 1, tzinfo=UTC), later)
        diff_seconds = time.perf_counter() - started
    finally:
        db.close()
        app.close()
    scale = f"{total:,} events"
    rows = [
        Row(
            f"findings read model catch-up ({scale})",
            "events/s",
            Figure((total / catch_up,)),
            goal="≥ 40,000 events/s",
            notes=f"{catch_up:.0f} s; every event recomputes its trial's state findings",
        )
    ]
    for name, values, goal in (
        ("GET /review?trial= (the read-model query, one page)", review_ms, "p99 < 20 ms"),
        ("trial status as of a random day", status_ms, "p99 < 5 ms"),
    ):
        rows.append(
            Row(
                f"{name} ({scale})",
                "ms at p99",
                Figure((_p(values, 0.99),)),
                goal=goal,
                notes=f"p50 {statistics.median(values) * 1000:.2f} ms, p99 "
                f"{_p(values, 0.99):.2f} ms over {count:,} queries",
            )
        )
    rows += [
        Row(
            f"whole review as JSON from the read model ({scale})",
            "events of log/s",
            Figure((total / whole_seconds,)),
            goal="≥ 100,000 events/s",
            notes=f"{len(whole):,} findings, {len(text) / 2**20:.1f} MiB in {whole_seconds:.2f} s",
        ),
        Row(
            f"diff between two moments ({scale})",
            "s",
            Figure((diff_seconds,)),
            goal="< 10 s at 1M",
            notes=f"the log read once, {len(changes):,} changed fields",
        ),
    ]
    return rows
