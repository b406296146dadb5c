"""(b) 16 threads deciding on different aggregates: group commit vs raw batched inserts."""

from __future__ import annotations

from uuid import uuid4

import psycopg
from eventsourcing.persistence import StoredEvent

from benchmarks.common import Bench, Figure, Row, decide, in_threads, measure
from benchmarks.processes import Workers

THREADS = 16
PROCESSES = 2  # one per core of the benchmark machine
RAW_TABLE = """
CREATE TABLE {t} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text,
  state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX ON {t} (notification_id);
"""


def raw_executemany(bench: Bench, event: StoredEvent) -> int:
    """The raw baseline: psycopg executemany, 100 rows per transaction, one thread."""
    schema = bench.schema_url().split("?schema=")[1]
    table = f'"{schema}".raw_events'
    transactions = 30 if bench.quick else 100
    with psycopg.connect(bench.database) as conn:
        conn.execute(RAW_TABLE.format(t=table))
        conn.commit()
        insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
        insert += " VALUES (%s, %s, %s, %s)"
        for _ in range(transactions):
            rows = [(uuid4(), 1, event.topic, event.state) for _ in range(100)]
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(insert, rows)
    return transactions * 100


def run(bench: Bench) -> list[Row]:
    """Decisions through the Application, and the write path alone, from 16 threads."""
    seconds = 1.0 if bench.quick else 2.0
    fast, library = bench.app(fast=True, pool_size=THREADS), bench.app(False, pool_size=THREADS)
    try:
        decide(library)
        [sample] = fast.recorder.select_notifications(start=decide(fast).position, limit=1)
        event = StoredEvent(sample.originator_id, 1, sample.topic, sample.state)

        def save() -> None:
            fast.recorder.insert_events([StoredEvent(uuid4(), 1, event.topic, event.state)])

        figures = measure(
            {
                "raw": lambda: raw_executemany(bench, event),
                "fast": lambda: in_threads(THREADS, seconds, lambda: decide(fast)),
                "library": lambda: in_threads(THREADS, seconds, lambda: decide(library)),
                "write": lambda: in_threads(THREADS, seconds, save),
            },
            runs=bench.runs,
        )
    finally:
        fast.close()
        library.close()
    spread = _in_workers(bench, seconds, PROCESSES, THREADS // PROCESSES)
    # One process kept on one CPU (FRISPOR_CPUS): its threads hand the GIL over on that CPU.
    pinned = _in_workers(bench, seconds, 1, THREADS, pinned=True)
    pinned_library = _in_workers(bench, seconds, 1, THREADS, pinned=True, fast=False)
    raw = "raw executemany, 100 rows/tx"
    versus_library = figures["fast"].median / figures["library"].median
    return [
        Row(
            f"(b) {THREADS} threads, one process kept on one CPU (FRISPOR_CPUS), group commit",
            "decisions/s",
            pinned,
            raw,
            figures["raw"],
            goal="≥ 10,000/s",
            notes="as the row below, in a process placed on one CPU as `frispor serve` places "
            "itself with FRISPOR_CPUS; "
            f"{pinned.median / pinned_library.median:.1f}× the library's recorder placed the "
            f"same way ({pinned_library.median:,.0f}/s).",
        ),
        Row(
            f"(b) {THREADS} threads, one process on any CPU, group commit",
            "decisions/s",
            figures["fast"],
            raw,
            figures["raw"],
            goal="≥ 10,000/s",
            notes="Frispor.establish_programme, each thread its own new aggregates; "
            f"{versus_library:.1f}× the library's recorder in the same run.",
        ),
        Row(
            f"(b) {THREADS} threads in {PROCESSES} processes, decision through the Application",
            "decisions/s",
            spread,
            raw,
            figures["raw"],
            goal="≥ 10,000/s",
            notes=f"the same decisions from {PROCESSES} processes × {THREADS // PROCESSES} threads "
            "on one schema, as several server processes would; each groups its own commits; "
            "CPU is per decision, all processes.",
        ),
        Row(
            f"(b) {THREADS} threads, the same on the library's recorder",
            "decisions/s",
            figures["library"],
            raw,
            figures["raw"],
        ),
        Row(
            f"(b) {THREADS} threads, write path only (insert_events of a mapped decision)",
            "saves/s",
            figures["write"],
            raw,
            figures["raw"],
            goal="≥ 10,000/s",
            notes="the recorder's share of (b): one stored event per save, domain excluded.",
        ),
    ]


def _in_workers(bench: Bench, seconds: float, processes: int, threads: int, **how: bool) -> Figure:
    """Decisions per second from worker processes on a fresh schema."""
    workers = Workers(bench.schema_url(), processes, threads, **how)
    try:
        return workers.run(seconds, bench.runs)
    finally:
        workers.close()
