"""Append to the Merkle tree, export with hashing and offline verify of a signed bag.

The export's peak memory at 100,000 vs 1,000,000 events is measured in `million`. The last
row verifies the same bag stamped by a real RFC 3161 TSA on loopback (the tests' `openssl ts`
authority) and cosigned by two witnesses, as `verify --require-timestamp --quorum 2` does.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bulk import generate_bulk
from benchmarks.common import FAST, Bench, Figure, Row, measure
from frispor.domain.application import Frispor
from frispor.ledger.bag import Scope
from frispor.ledger.checkpoint import generate_signer
from frispor.ledger.cosign import WitnessKey
from frispor.ledger.export import export_bag
from frispor.ledger.follow import ensure_checkpoint, sync
from frispor.ledger.keys import load_private_key
from frispor.ledger.signer import Signer, public_key_path, write_key_pair
from frispor.ledger.stamps import add_stamp
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp import TsaTrust
from frispor.ledger.tsa_client import fetch_token
from frispor.ledger.verify import verify_bag
from frispor.ledger.witness import Witness, serve_witness
from frispor.ledger.witnessing import WitnessTarget, send
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


def _witnessed(store: TreeStore, app: Frispor, signer: Signer, work: Path, runs: int) -> Figure:
    """Stamp and cosign the latest checkpoint, export once more and measure verify of that bag."""
    from tests.ledger.tsa_testkit import running_tsa  # the tests' loopback TSA (openssl ts)

    keys = [load_private_key(generate_signer(f"w{i}.bench/w").private_pem) for i in (1, 2)]
    witnesses = [
        Witness(f"w{i}.bench/w", key, [signer.verifier_key()], work / f"w{i}.json")
        for i, key in enumerate(keys, start=1)
    ]
    servers = [serve_witness(w, "127.0.0.1", 0) for w in witnesses]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with running_tsa(work / "tsa", "Bench") as tsa:
            trust = TsaTrust.from_pem(tsa.trust.read_bytes())
            checkpoint = ensure_checkpoint(store, signer)
            token, stamp = fetch_token(tsa.url, checkpoint.note, trust)
            add_stamp(store, checkpoint.id, token, stamp, "bench")
            for witness, server in zip(witnesses, servers, strict=True):
                url = f"http://127.0.0.1:{server.server_address[1]}/add-checkpoint"
                target = WitnessTarget(witness.name, url, WitnessKey.parse(witness.vkey))
                send(store, checkpoint, target, timeout=10)
            bag = work / "bag-witnessed"
            export_bag(store, app.recorder, signer, bag, Scope("bench-witnessed"))
            named = [WitnessKey.parse(w.vkey) for w in witnesses]

            def verify() -> int:
                result = verify_bag(
                    bag,
                    signer.public_pem(),
                    tsa=trust,
                    require_timestamp=True,
                    witnesses=named,
                    quorum=2,
                )
                return result.event_count

            return measure({"verify": verify}, runs=runs)["verify"]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


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
            with TreeStore.open(url) as store:
                witnessed = _witnessed(store, app, signer, work, bench.runs)
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
            Row(
                "offline verify with a timestamp and two cosignatures",
                "events/s",
                witnessed,
                goal="≥ 150,000 events/s",
                notes="--require-timestamp --quorum 2",
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
