"""The runner's shortcuts give the rows a runner without them gives: batches, cache, windows."""

from __future__ import annotations

import pytest

from domain.application import Frispor
from projections.catalog import VIEWS, create_table
from projections.db import Database
from projections.runner import Runner

COLUMNS = "aggregate_id, row_key, valid_from, valid_to, recorded_from, recorded_to, data"


def rows(db: Database, table: str) -> list[tuple[object, ...]]:
    with db.transaction() as cur:
        return sorted(cur.execute(f"SELECT {COLUMNS}, position, closed_position FROM {table}"))


@pytest.mark.parametrize("name", list(VIEWS))
def test_one_event_a_batch_and_no_cache_give_the_same_rows(
    demo_store: tuple[Frispor, Database], name: str
) -> None:
    app, db = demo_store
    head = app.recorder.max_notification_id()
    tables = {"bulk": f"t_{name}_bulk", "slow": f"t_{name}_slow"}
    with db.transaction() as cur:
        for table in tables.values():
            create_table(cur, VIEWS[name], table)
    Runner(app, db, VIEWS[name], table=tables["bulk"]).catch_up()
    # Every event its own batch, every aggregate read back from the store each time.
    slow = Runner(app, db, VIEWS[name], table=tables["slow"], batch_size=1, cache_size=0)
    slow.catch_up()
    assert rows(db, tables["bulk"]) == rows(db, tables["slow"]) != []
    with db.transaction() as cur:
        positions = cur.execute(
            "SELECT position FROM projection_tracking WHERE table_name IN (%s, %s)",
            tuple(tables.values()),
        )
    assert [p for (p,) in positions] == [head, head]
