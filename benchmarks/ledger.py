"""Append to the Merkle tree, export with hashing and offline verify of a signed bag.

The export's peak memory at 100,000 vs 1,000,000 events is measured in `million`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bulk import generate_bulk
from benchmarks.common import FAST, Bench, Figure, Row, measure
from frispor.domain.application import Frispor
from frispor.ledger.bag import Scope
from frispor.ledger.export import export_bag
from frispor.ledger.follow import sync
from frispor.ledger.signer import Signer, public_key_path, write_key_pair
from frispor.ledger.store import TreeStore
from frispor.ledger.verify import verify_bag
from frispor.store.env import store_env
from frispor.store.open import open_app

ORIGIN = "frispor.bench/trail"


def _exporter(store: TreeStore, app: Frispor, signer: Signer, work: Path) -> Callable[[], int]:
    """A full export into a new directory each call (the one before is removed); its events."""
    counter = iter(range(1_000))

    def export() -> int:
        for old in work.glob("bag-*"):
            shutil.rmtree(old)  # ~2 KB per event: keep one bag on disk, not one per run
        out = work / f"bag-{next(counter)}"
        return export_bag(store, app.recorder, signer, out, Scope("bench")).event_count

    return export


def run(bench: Bench) -> list[Row]:
    """Full exports of a generated log and their verification."""
    work = Path(tempfile.mkdtemp(prefix="frispor-bench-"))
    try:
        key = work / "bench.key"
        write_key_pair(key, ORIGIN)
        signer, public = Signer.from_pem_file(key, ORIGIN), public_key_path(key).read_bytes()
        size = 20_000 if bench.quick else 100_000
        url = bench.schema_url()
        app = open_app(store_env(url) | FAST)
        try:
            generate_bulk(app, size)
            with TreeStore.open(url) as store:
                started, cpu = time.perf_counter(), time.process_time()
                appended = sync(store, app.recorder)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                export = _exporter(store, app, signer, work)
                figures = measure({"export": export}, runs=bench.runs)
            bag = next(work.glob("bag-*"))

            def verify() -> int:
                return verify_bag(bag, public).event_count

            verified = measure({"verify": verify}, runs=bench.runs)
        finally:
            app.close()
        return [
            Row(
                "ledger: append events to the Merkle tree",
                "events/s",
                Figure((appended / elapsed,), (cpu / appended * 1e6,)),
                notes=f"{appended:,} events, one pass",
            ),
            Row(
                "export (full bag, hashing, signed)",
                "events/s",
                figures["export"],
                goal="≥ 50,000 events/s",
                notes=f"{appended:,} events per bag",
            ),
            Row(
                "offline verify of that bag",
                "events/s",
                verified["verify"],
                goal="≥ 150,000 events/s",
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
