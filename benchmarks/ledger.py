"""Export with hashing and offline verify of signed bags; peak memory at two sizes."""

from __future__ import annotations

import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import FAST, Bench, Figure, Row, measure
from benchmarks.generate import generate
from domain.application import Frispor
from domain.store import store_env
from ledger.bag import Scope
from ledger.export import export_bag
from ledger.follow import sync
from ledger.signer import Signer, public_key_path, write_key_pair
from ledger.store import TreeStore
from ledger.verify import verify_bag

ORIGIN = "frispor.bench/trail"


def _exporter(
    store: TreeStore, app: Frispor, signer: Signer, work: Path, size: int
) -> Callable[[], int]:
    """A full export into a new directory each call; the events it holds."""
    counter = iter(range(1_000))

    def export() -> int:
        out = work / f"bag-{size}-{next(counter)}"
        return export_bag(store, app.recorder, signer, out, Scope("bench")).event_count

    return export


def run(bench: Bench) -> list[Row]:
    """Full exports of a generated log, their verification, and memory at two log sizes."""
    work = Path(tempfile.mkdtemp(prefix="frispor-bench-"))
    try:
        key = work / "bench.key"
        write_key_pair(key, ORIGIN)
        signer, public = Signer.from_pem_file(key, ORIGIN), public_key_path(key).read_bytes()
        small, large = (4_000, 20_000) if bench.quick else (20_000, 100_000)
        peaks, rows = {}, []
        for size in (small, large):
            url = bench.schema_url()
            app = Frispor(store_env(url) | FAST)
            try:
                generate(app, size)
                with TreeStore.open(url) as store:
                    started = time.perf_counter()
                    appended = sync(store, app.recorder)
                    append_rate = appended / (time.perf_counter() - started)
                    export = _exporter(store, app, signer, work, size)

                    tracemalloc.start()
                    export()
                    peaks[size] = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                    figures = measure({"export": export}, runs=bench.runs)
                bag = next(work.glob(f"bag-{size}-*"))

                def verify(bag: Path = bag) -> int:
                    return verify_bag(bag, public).event_count

                verified = measure({"verify": verify}, runs=bench.runs)
            finally:
                app.close()
            if size == large:
                rows += [
                    Row("ledger: append events to the Merkle tree", "events/s",
                        Figure((append_rate,)), notes=f"{appended:,} events, one pass"),
                    Row("export (full bag, hashing, signed)", "events/s", figures["export"],
                        goal="≥ 50,000 events/s", notes=f"{size:,} events per bag"),
                    Row("offline verify of that bag", "events/s", verified["verify"],
                        goal="≥ 150,000 events/s"),
                ]  # fmt: skip
        ratio = peaks[large] / peaks[small]
        rows.append(Row(
            f"export peak memory, {large:,} vs {small:,} events", "MiB at the larger size",
            Figure((peaks[large] / 2**20,)), goal="flat",
            notes=f"Python heap peak {peaks[small] / 2**20:.1f} MiB → {peaks[large] / 2**20:.1f} "
            f"MiB ({ratio:.2f}× for {large // small}× the events)",
        ))  # fmt: skip
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
