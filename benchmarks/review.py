"""The review at scale: findings catch-up, GET /review?trial= and a trial's status p99, a whole
review as JSON and as the HTML report, and `frispor diff` between two moments, on synthetic
histories (PostgreSQL). The `million` section measures the same at 100,000 and 1,000,000 events."""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from benchmarks.common import FAST, Bench, Figure, Row
from frispor.demo.bulk import generate_bulk
from frispor.domain.application import Frispor
from frispor.projections.audit.between import diff_between
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.html import report
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_query import ReviewQuery, review_all, review_page
from frispor.projections.findings_runner import runner_for
from frispor.projections.queries import ReadModels
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app

AS_OF = date(2020, 12, 31)
EARLIER, LATER = datetime(2018, 1, 1, tzinfo=UTC), datetime(2018, 7, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Review:
    """What one log's review paths took."""

    events: int
    catch_up: float  # s
    review_ms: list[float]  # one page of GET /review?trial=, per query
    status_ms: list[float]  # one trial's status, per query
    whole: float  # s, the whole review as JSON
    findings: int
    mib: float
    html: float  # s, the HTML report (findings and every trial's chart data, read models)
    html_mib: float
    diff: float  # s
    changes: int

    @property
    def scale(self) -> str:
        """The log's size, as the rows name it."""
        return f"{self.events:,} events"


def p99(values: list[float]) -> float:
    """The 99th percentile, in milliseconds."""
    values = sorted(values)
    return values[max(0, int(len(values) * 0.99) - 1)] * 1000


def measure(app: Frispor, db: Database, events: int, queries: int) -> Review:
    """Catch the findings read model up (the others must be), then time the review's paths."""
    started = time.perf_counter()
    runner_for(app, db, VIEWS["findings"]).catch_up()
    catch_up = time.perf_counter() - started

    read = ReadModels(db)
    trials = [t["aggregate_id"] for t in read.trials(as_of=date(2019, 1, 1))]
    rng = random.Random(7)
    review_ms: list[float] = []
    status_ms: list[float] = []
    for _ in range(queries):
        day = date(2016, 6, 1) + timedelta(days=rng.randrange(1_800))
        trial = rng.choice(trials)
        started = time.perf_counter()
        review_page(db, ReviewQuery(as_of=day, trial=trial), limit=100)
        review_ms.append(time.perf_counter() - started)
        started = time.perf_counter()
        read.trial(trial, as_of=day)
        status_ms.append(time.perf_counter() - started)

    started = time.perf_counter()
    whole = review_all(db, ReviewQuery(as_of=AS_OF))
    text = json.dumps(whole, ensure_ascii=False)
    whole_seconds = time.perf_counter() - started

    started = time.perf_counter()
    page = html_report(db, AS_OF)
    html_seconds = time.perf_counter() - started

    started = time.perf_counter()
    changes = diff_between(app, db, EARLIER, LATER)
    diff_seconds = time.perf_counter() - started
    return Review(
        events,
        catch_up,
        review_ms,
        status_ms,
        whole_seconds,
        len(whole),
        len(text) / 2**20,
        html_seconds,
        len(page) / 2**20,
        diff_seconds,
        len(changes),
    )


def html_report(db: Database, as_of: date) -> str:
    """The HTML report as `frispor review --format html` writes it: findings, then read models."""
    query = ReviewQuery(as_of=as_of)
    found = [Finding.from_dict(f) for f in review_all(db, query)]
    return report(db, query, found, "Retssikkerhedsmæssig gennemgang")


def rows(r: Review) -> list[Row]:
    """The rows of one log's review paths."""
    found = [
        Row(
            f"findings read model catch-up ({r.scale})",
            "events/s",
            Figure((r.events / r.catch_up,)),
            goal="≥ 40,000 events/s",
            notes=f"{r.catch_up:.0f} s; an event recomputes the state findings of the "
            "aggregates it can change",
        )
    ]
    for name, values, goal in (
        ("GET /review?trial= (the read-model query, one page)", r.review_ms, "p99 < 20 ms"),
        ("trial status as of a random day", r.status_ms, "p99 < 5 ms"),
    ):
        found.append(
            Row(
                f"{name} ({r.scale})",
                "ms at p99",
                Figure((p99(values),)),
                goal=goal,
                notes=f"p50 {statistics.median(values) * 1000:.2f} ms, p99 "
                f"{p99(values):.2f} ms over {len(values):,} queries",
            )
        )
    return [
        *found,
        Row(
            f"whole review as JSON from the read model ({r.scale})",
            "events of log/s",
            Figure((r.events / r.whole,)),
            goal="≥ 100,000 events/s",
            notes=f"{r.findings:,} findings, {r.mib:.1f} MiB in {r.whole:.2f} s",
        ),
        Row(
            f"review as the HTML report ({r.scale})",
            "s",
            Figure((r.html,)),
            goal="< 30 s at 1M",
            notes=f"findings and every trial's chart data from the read models, drawn in the "
            f"browser: {r.html_mib:.1f} MiB",
        ),
        Row(
            f"diff between two moments ({r.scale})",
            "s",
            Figure((r.diff,)),
            goal="< 10 s at 1M",
            notes=f"the changed aggregates found by the recorded-times read model: {r.changes:,} "
            "fields",
        ),
    ]


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
        measured = measure(app, db, total, 200 if bench.quick else 1_000)
    finally:
        db.close()
        app.close()
    return rows(measured)
