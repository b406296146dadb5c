"""A million events: the bulk generator, the as-of queries on read models built by the real
runner, and the export's peak memory at 100,000 vs 1,000,000 events."""

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
from domain.application import Frispor
from domain.store import store_env
from ledger.bag import Scope
from ledger.export import export_bag
from ledger.follow import sync
from ledger.signer import Signer, write_key_pair
from ledger.store import TreeStore
from projections.catalog import VIEWS, ensure
from projections.db import Database
from projections.queries import ReadModels
from projections.runner import Runner

ORIGIN = "frispor.bench/million"


def _sync_ledger(url: str) -> int:
    """Append the whole log to the Merkle tree (run in a child process)."""
    app = Frispor(store_env(url) | FAST)
    try:
        with TreeStore.open(url) as store:
            return sync(store, app.recorder)
    finally:
        app.close()


def _export_peak(url: str, work: Path, signer: Signer) -> tuple[float, int, float]:
    """One full export under tracemalloc: (peak MiB of the Python heap, events, seconds)."""
    app = Frispor(store_env(url) | FAST)
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
    section = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="frispor-million-"))
    try:
        key = work / "bench.key"
        write_key_pair(key, ORIGIN)
        signer = Signer.from_pem_file(key, ORIGIN)
        url = bench.schema_url()
        app = Frispor(store_env(url) | FAST)
        try:
            generate_bulk(app, small)
        finally:
            app.close()
        small_peak = _export_peak(url, work, signer)[0]

        url = bench.schema_url()
        app = Frispor(store_env(url) | FAST)
        db = Database(url)
        ensure(db)
        spawn = multiprocessing.get_context("spawn")
        try:
            started = time.perf_counter()
            total = generate_bulk(app, large)
            generated = time.perf_counter() - started
            # The tree is appended in another process while this one builds the read models.
            with ProcessPoolExecutor(1, mp_context=spawn) as child:
                appended = child.submit(_sync_ledger, url)
                started = time.perf_counter()
                for view in VIEWS.values():
                    Runner(app, db, view).catch_up()
                caught_up = time.perf_counter() - started
                query_rows = _queries(ReadModels(db), app, bench)
                appended.result()
        finally:
            db.close()
            app.close()
        large_peak, exported, export_seconds = _export_peak(url, work, signer)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - section
    scale = f"{total:,} events"
    return [
        Row(f"bulk generator (template trials copied, {scale})", "events/s",
            Figure((total / generated,)), goal="1M well under 2 min",
            notes=f"{generated:.0f} s for {scale}; stored through the recorder"),
        *(replace(r, name=f"{r.name} ({scale})", notes=r.notes.replace("over", f"(catch-up of all "
          f"{len(VIEWS)} read models by the runner took {caught_up:.0f} s) over", 1))
          for r in query_rows),
        Row(f"export peak memory, {large:,} vs {small:,} events", "MiB at the larger size",
            Figure((large_peak,)), goal="flat",
            notes=f"Python heap peak {small_peak:.1f} MiB → {large_peak:.1f} MiB "
            f"({large_peak / small_peak:.2f}× for {large // small}× the events); the "
            f"{exported:,}-event export took {export_seconds:.0f} s under tracemalloc; this "
            f"whole section took {seconds:.0f} s"),
    ]  # fmt: skip
