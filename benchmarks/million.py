"""A million events: the bulk generator, the as-of queries on read models built by the real
runner, the review's paths, and the export's peak memory, at 100,000 vs 1,000,000 events."""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from benchmarks.bulk import generate_bulk
from benchmarks.common import FAST, Bench, Figure, Row
from benchmarks.projections import _queries
from benchmarks.review import Review, measure, p99
from benchmarks.review import rows as review_rows
from frispor.ledger.bag import Scope
from frispor.ledger.export import export_bag
from frispor.ledger.follow import sync
from frispor.ledger.signer import Signer, write_key_pair
from frispor.ledger.store import TreeStore
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_runner import runner_for
from frispor.projections.queries import ReadModels
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app

ORIGIN = "frispor.bench/million"


# Longest first, so two processes finish together; "ledger" is the Merkle tree's append.
JOBS = ["goals", "ledger", "inspections", "exemptions", "institutions", "trials", "recorded"]


def _build(url: str, job: str) -> float:
    """Catch one read model up with the runner, or append the log to the tree; seconds."""
    started = time.perf_counter()
    app = open_app(store_env(url) | FAST)
    try:
        if job == "ledger":
            with TreeStore.open(url) as store:
                sync(store, app.recorder)
        else:
            db = Database(url)
            try:
                runner_for(app, db, VIEWS[job]).catch_up()
            finally:
                db.close()
    finally:
        app.close()
    return time.perf_counter() - started


def _build_all(url: str) -> tuple[float, str]:
    """Every read model and the tree, in two processes (two cores); (seconds, each job's)."""
    started = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = {job: pool.submit(_build, url, job) for job in JOBS}
        took = {job: future.result() for job, future in jobs.items()}
    each = ", ".join(f"{job} {seconds:.0f} s" for job, seconds in took.items())
    return time.perf_counter() - started, each


def _export_peak(url: str, work: Path, signer: Signer) -> tuple[float, int, float]:
    """One full export under tracemalloc: (peak MiB of the Python heap, events, seconds)."""
    app = open_app(store_env(url) | FAST)
    try:
        with TreeStore.open(url) as store:
            sync(store, app.recorder)
            started = time.perf_counter()
            tracemalloc.start()
            out = Path(tempfile.mkdtemp(dir=work)) / "bag"
            count = export_bag(store, app.recorder, signer, out, Scope("bench")).event_count
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            shutil.rmtree(out.parent)  # a million-event bag is ~2 GB
            return peak, count, time.perf_counter() - started
    finally:
        app.close()


def run(bench: Bench) -> list[Row]:
    """Generate 100k and 1M events; queries and catch-up at 1M; export memory at both."""
    small, large = (20_000, 100_000) if bench.quick else (100_000, 1_000_000)
    queries = 200 if bench.quick else 1_000
    section = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="frispor-million-"))
    try:
        key = work / "bench.key"
        write_key_pair(key, ORIGIN)
        signer = Signer.from_pem_file(key, ORIGIN)
        url = bench.schema_url()
        app = open_app(store_env(url) | FAST)
        db = Database(url)
        ensure(db)
        try:
            few = generate_bulk(app, small)
            _build_all(url)
            small_review = measure(app, db, few, queries)
        finally:
            db.close()
            app.close()
        small_peak = _export_peak(url, work, signer)[0]

        url = bench.schema_url()
        app = open_app(store_env(url) | FAST)
        db = Database(url)
        ensure(db)
        try:
            started = time.perf_counter()
            total = generate_bulk(app, large)
            generated = time.perf_counter() - started
            built, each = _build_all(url)
            query_rows = _queries(ReadModels(db), app, bench)
            large_review = measure(app, db, total, queries)
        finally:
            db.close()
            app.close()
        large_peak, exported, export_seconds = _export_peak(url, work, signer)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - section
    scale = f"{total:,} events"
    return [
        Row(
            f"bulk generator (template trials copied, {scale})",
            "events/s",
            Figure((total / generated,)),
            goal="1M well under 2 min",
            notes=f"{generated:.0f} s for {scale}; stored through the recorder",
        ),
        *(replace(r, name=f"{r.name} ({scale})") for r in query_rows),
        Row(
            f"read models and Merkle tree built from {scale}",
            "s",
            Figure((built,)),
            notes=f"the runner's catch-up of all {len(VIEWS)} read models and the tree's append, "
            f"two processes at a time: {each}",
        ),
        *review_rows(small_review),
        *review_rows(large_review),
        *_flat(small_review, large_review),
        Row(
            f"export peak memory, {large:,} vs {small:,} events",
            "MiB at the larger size",
            Figure((large_peak,)),
            goal="flat",
            notes=f"Python heap peak {small_peak:.1f} MiB → {large_peak:.1f} MiB "
            f"({large_peak / small_peak:.2f}× for {large // small}× the events); the "
            f"{exported:,}-event export took {export_seconds:.0f} s under tracemalloc; this "
            f"whole section took {seconds:.0f} s",
        ),
    ]


def _flat(small: Review, large: Review) -> list[Row]:
    """How the review's paths grow from the smaller log to the larger."""
    grown = f"{large.scale} vs {small.scale}"
    return [
        *(
            Row(
                f"{name} p99, {grown}",
                "% of the smaller size's p99",
                Figure((100 * p99(at_large) / p99(at_small),)),
                goal="≤ 120 % (flat within 20 %)",
                notes=f"p99 {p99(at_small):.2f} ms → {p99(at_large):.2f} ms",
            )
            for name, at_small, at_large in (
                ("GET /review?trial=", small.review_ms, large.review_ms),
                ("trial status", small.status_ms, large.status_ms),
            )
        ),
        Row(
            f"HTML report, {grown}",
            "% of the time at the smaller size",
            Figure((100 * large.html / small.html,)),
            goal=f"≤ {120 * large.events / small.events:.0f} % (linear)",
            notes=f"{small.html:.1f} s → {large.html:.1f} s for "
            f"{large.events / small.events:.1f}× the events",
        ),
    ]
