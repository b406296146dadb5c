"""Projection lag under sustained write load: from a decision's commit to every read model
having applied it, with the runners following LISTEN/NOTIFY as in `frispor serve`."""

from __future__ import annotations

import statistics
import threading
import time

from benchmarks.common import FAST, Bench, Figure, Row, decide
from frispor.projections.catalog import ensure
from frispor.projections.queries import ReadModels
from frispor.projections.service import ProjectionService
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def run(bench: Bench) -> list[Row]:
    """Write decisions at a steady rate for a while; measure commit → all read models."""
    url = bench.schema_url()
    app = open_app(store_env(url) | FAST)
    db = Database(url)
    ensure(db)
    service = ProjectionService(app, db)
    service.start()
    read = ReadModels(db)
    written: dict[int, float] = {}
    seen: dict[int, float] = {}
    stop = threading.Event()
    seconds, rate = (4, 200) if bench.quick else (15, 500)

    def write() -> None:
        interval = 1 / rate
        next_at = time.perf_counter()
        while not stop.is_set():
            position = decide(app).position
            written[position] = time.perf_counter()
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def watch() -> None:
        reached = 0
        while not stop.is_set() or reached < max(written, default=0):
            now_reached = min(read.positions().values(), default=0)
            now = time.perf_counter()
            for position in range(reached + 1, now_reached + 1):
                seen[position] = now
            reached = max(reached, now_reached)
            time.sleep(0.002)

    threads = [threading.Thread(target=write), threading.Thread(target=watch)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
    finally:
        service.stop()
        db.close()
        app.close()
    lags = sorted((seen[p] - t) * 1000 for p, t in written.items() if p in seen)
    p50, p99 = statistics.median(lags), lags[int(len(lags) * 0.99) - 1]
    return [
        Row(
            "projection lag under sustained writes (commit → all 5 read models)",
            "ms at p99",
            Figure((p99,)),
            goal="p99 < 100 ms",
            notes=f"{len(lags):,} decisions at ~{rate}/s for {seconds} s; p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms, max {lags[-1]:.1f} ms",
        )
    ]
