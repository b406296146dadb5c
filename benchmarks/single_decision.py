"""(a) One decision at a time through the Application: this project's recorder vs the library's."""

from __future__ import annotations

from uuid import uuid4

import psycopg

from benchmarks.common import Bench, Row, decide, measure
from frispor.domain.application import Frispor

FLOOR_TABLE = """
CREATE TABLE {t} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text,
  state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX ON {t} (notification_id);
"""


def decisions(app: Frispor, count: int) -> int:
    """Decide `count` times, one after the other; each is committed before the next starts."""
    for _ in range(count):
        decide(app)
    return count


def commit_floor(bench: Bench, count: int) -> int:
    """One row per transaction with nothing else: the least one durable save can cost here."""
    schema = bench.schema_url().split("?schema=")[1]
    table = f'"{schema}".floor_events'
    state = b'{"name":"Frikommunefors\xc3\xb8g"}' * 20
    with psycopg.connect(bench.database, autocommit=True) as conn:
        conn.execute(FLOOR_TABLE.format(t=table))
        insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
        insert += " VALUES (%s, 1, 'frispor.domain.programme:Programme.Established', %s)"
        for _ in range(count):
            conn.execute(insert, (uuid4(), state), prepare=True)
    return count


def run(bench: Bench) -> list[Row]:
    """Same decision, same run, interleaved: establish a programme per save."""
    library, fast = bench.app(fast=False), bench.app(fast=True)
    try:
        for app in (library, fast):
            decisions(app, 100)  # warm: pool connections, prepared statements, plans
        count = 150 if bench.quick else 500
        figures = measure(
            {
                "library": lambda: decisions(library, count),
                "fast": lambda: decisions(fast, count * 2),
                "floor": lambda: commit_floor(bench, count * 2),
            },
            runs=bench.runs,
        )
    finally:
        library.close()
        fast.close()
    of_floor = figures["fast"].median / figures["floor"].median
    return [
        Row(
            "(a) single decision, Application → PostgreSQL",
            "decisions/s",
            figures["fast"],
            "library recorder",
            figures["library"],
            goal="≥ 3× library",
            notes="Frispor.establish_programme per save; synchronous commit; gap-safe order "
            f"(advisory lock in the insert function); {of_floor:.2f}× the commit floor below.",
        ),
        Row(
            "(a) commit floor: a bare one-row INSERT per transaction (psycopg, prepared)",
            "rows/s",
            figures["floor"],
            "library recorder",
            figures["library"],
            notes="no rules, no order, no notify: what one durable commit costs on this "
            "machine, for scale; 3× the library is about this.",
        ),
    ]
