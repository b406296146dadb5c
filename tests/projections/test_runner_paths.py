"""The runner's shortcuts give what a runner without them gives: batches, cache, facts read."""

from __future__ import annotations

import pytest
from eventsourcing.utils import get_topic

from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.projections.catalog import VIEWS, create_table
from frispor.projections.findings_runner import runner_for
from frispor.store.db import Database

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
    runner_for(app, db, VIEWS[name], table=tables["bulk"]).catch_up()
    # Every event its own batch, every aggregate read back from the store each time.
    slow = runner_for(app, db, VIEWS[name], table=tables["slow"], batch_size=1, cache_size=0)
    slow.catch_up()
    assert rows(db, tables["bulk"]) == rows(db, tables["slow"]) != []
    with db.transaction() as cur:
        positions = cur.execute(
            "SELECT position FROM projection_tracking WHERE table_name IN (%s, %s)",
            tuple(tables.values()),
        )
    assert [p for (p,) in positions] == [head, head]


def test_fact_events_read_without_their_envelope_give_the_full_events_facts(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, _ = demo_store
    checked = 0
    for view in VIEWS.values():
        topics = [get_topic(cls) for cls in view.fact_events]
        if not topics:
            continue
        head = app.recorder.max_notification_id() or 0
        for n in app.recorder.select_notifications(1, head, topics=topics):
            args = (n.topic, n.originator_id, n.originator_version, n.state)
            full, facts = decode_event(*args), decode_event(*args, facts_only=True)
            assert isinstance(facts, view.fact_events) and facts.envelope is None
            assert facts.model_dump(exclude={"envelope"}) == full.model_dump(exclude={"envelope"})
            assert (facts.effective_on, facts.valid_from, facts.valid_to) == (
                full.effective_on,
                full.valid_from,
                full.valid_to,
            )
            checked += 1
    assert checked >= 4  # the demo's measurements
